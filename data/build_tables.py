#!/usr/bin/env python3
"""Build carbonest's shipped reference tables from the upstream data files.

Usage::

    python data/build_tables.py --reference DIR [--out carbonest/data]

``DIR`` is the folder of upstream files described in ``data/SOURCES.md`` (Ember,
Epoch AI, Green Algorithms, ...). The script writes compact CSV tables into the
package (``carbonest/data``); they are committed, so the package never reads the
upstream files. The output is deterministic: rerunning gives identical bytes.
Hand-curated facts that no upstream file holds live in ``data/curated/*.csv``,
each row with its source.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(
    1, str(Path(__file__).resolve().parent.parent)
)  # the carbonest package (for cpus.model_signature)

from tablebuild import accelerators, cloud, cpu_vcpu, cpus, misc, regions
from tablebuild.common import BuildError, Row, write_table

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "carbonest" / "data"


def _region_tables(reference: Path) -> tuple[list[Row], list[Row], list[str]]:
    countries, alts, missing = regions.build_countries(reference)
    alts += regions.add_iea(reference, countries)
    us_in, alts_us_in = regions.build_us_in(reference)
    canada, alts_ca = regions.build_canada(reference)
    china, alts_cn = regions.build_china(reference)
    grid = countries + us_in + canada + china
    grid_alts = alts + alts_us_in + alts_ca + alts_cn
    cloud_rows, alts_cloud = cloud.build_cloud(reference, grid, grid_alts)
    all_alts = grid_alts + alts_cloud
    all_alts.sort(
        key=lambda r: (r["region_id"], r["basis"], -int(r["year"]), r["source"])
    )
    return grid + cloud_rows, all_alts, missing


def build(reference: Path, out: Path) -> dict[str, int]:
    """Build every table; return row counts by file name."""
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    acc = accelerators.build_accelerators(reference)
    counts["accelerators.csv"] = write_table(
        out / "accelerators.csv", accelerators.COLUMNS, acc
    )
    counts["accelerator_power.csv"] = write_table(
        out / "accelerator_power.csv",
        accelerators.POWER_COLUMNS,
        accelerators.power_table(reference, [r["id"] for r in acc]),
    )
    counts["family_defaults.csv"] = write_table(
        out / "family_defaults.csv",
        accelerators.FAMILY_COLUMNS,
        accelerators.build_family_defaults(acc),
    )
    counts["cpus.csv"] = write_table(
        out / "cpus.csv", cpus.COLUMNS, cpus.build_cpus(reference)
    )
    counts["cpu_vcpu_power.csv"] = write_table(
        out / "cpu_vcpu_power.csv", cpu_vcpu.COLUMNS, cpu_vcpu.build_vcpu_power(reference)
    )
    region_rows, alts, missing = _region_tables(reference)
    ids = [r["id"] for r in region_rows]
    if len(ids) != len(set(ids)):
        raise BuildError(
            f"duplicate region ids: {sorted({i for i in ids if ids.count(i) > 1})}"
        )
    counts["regions.csv"] = write_table(
        out / "regions.csv",
        regions.COLUMNS,
        region_rows,
        required=(
            ("source", "direct_source"),
            ("year", "direct_year"),
            ("basis", "direct_basis"),
        ),
    )
    counts["lifecycle_factors.csv"] = write_table(
        out / "lifecycle_factors.csv",
        regions.FACTOR_COLUMNS,
        regions.lifecycle_factors(),
    )
    counts["intensity_alternatives.csv"] = write_table(
        out / "intensity_alternatives.csv", regions.ALT_COLUMNS, alts
    )
    counts["datacenters.csv"] = write_table(
        out / "datacenters.csv", misc.DC_COLUMNS, misc.build_datacenters(reference)
    )
    counts["constants.csv"] = write_table(
        out / "constants.csv", misc.CONST_COLUMNS, misc.build_constants()
    )
    counts["sources.csv"] = write_table(
        out / "sources.csv", misc.SOURCE_COLUMNS, misc.build_sources()
    )
    if missing:
        print(
            "ISO-3 codes without intensity data (documented exceptions): "
            + " ".join(missing)
        )
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--reference", type=Path, required=True, help="folder of upstream data files"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder (default: carbonest/data)",
    )
    args = parser.parse_args(argv)
    try:
        counts = build(args.reference, args.out)
    except BuildError as exc:
        print(f"build_tables: {exc}", file=sys.stderr)
        return 1
    for name, n in counts.items():
        print(f"{name}: {n} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
