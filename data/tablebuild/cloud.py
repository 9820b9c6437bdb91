"""Build the cloud rows of ``regions.csv``: AWS, GCP and Azure regions.

Each cloud region carries the intensity of the grid row of its location (``parent``), except
GCP, which carries Google's own published grid figure for the region (Apache-2.0,
GoogleCloudPlatform/region-carbon-info), said so in ``source`` and ``basis``. ``pue`` is the
provider's latest published fleet PUE (``curated/pue_wue_published_figures.csv`` upstream).
"""

from __future__ import annotations

import re
from pathlib import Path

from .common import BuildError, Row, curated, fnum, join_unique, read_csv, to_float

GOOGLE = (
    "Google Cloud region carbon data ({year}), GoogleCloudPlatform/region-carbon-info"
)
GOOGLE_BASIS_NEW = "direct, consumption (Google operational grid intensity)"
GOOGLE_BASIS_OLD = "lifecycle, consumption (Google lifecycle grid intensity)"
GA_DC = "Green Algorithms cloudProviders_datacenters.csv (Lannelongue et al. 2021)"
_LABEL = {"aws": "AWS", "gcp": "Google Cloud", "azure": "Azure"}
# provider -> entity prefix in the upstream PUE/WUE compilation
_PUE_ENTITY = {
    "aws": "Amazon Web Services (global)",
    "gcp": "Google (fleet)",
    "azure": "Microsoft (global portfolio)",
}


def provider_pue(reference: Path) -> dict[str, Row]:
    """Latest published fleet PUE per provider: {'pue', 'pue_source', 'pue_year'}."""
    rows = read_csv(reference / "curated" / "pue_wue_published_figures.csv")
    out: dict[str, Row] = {}
    for provider, entity in _PUE_ENTITY.items():
        cands = [
            r
            for r in rows
            if r["entity"] == entity and r["metric"] == "PUE" and r["year"]
        ]
        if not cands:
            raise BuildError(f"no published PUE for {provider}")
        best = max(cands, key=lambda r: int(r["year"]))
        out[provider] = {
            "pue": best["value"],
            "pue_year": best["year"],
            "pue_source": f"{entity} {best['year']}: {best['source_url']}",
        }
    return out


def _azure_from_ga(reference: Path) -> list[Row]:
    rows = read_csv(
        reference / "green-algorithms" / "cloudProviders_datacenters.csv", skip=1
    )
    out = []
    for r in rows:
        if r["provider"] != "azure":
            continue
        name = (
            re.sub(r"\s*\(.*?\)", "", r["Name"])
            .replace("Northeastt", "Northeast")
            .strip()
        )
        code = name.lower().replace(" ", "")
        out.append(
            {
                "provider": "azure",
                "provider_region": code,
                "name": r["Name"].strip(),
                "location": (r["location_freeForm"] or r["Extra_details"]).strip(),
                "grid_id": r["location"].strip(),
                "source_url": GA_DC,
            }
        )
    return out


def _grid_of(code: str, grid: dict[str, Row]) -> Row:
    for cand in (code, code.split("-")[-1] if code.startswith("CN-") else "", code[:2]):
        if cand and cand in grid:
            return grid[cand]
    raise BuildError(f"no grid row for cloud location {code!r}")


def _google_years(reference: Path) -> dict[str, dict[int, tuple[float, str]]]:
    out: dict[str, dict[int, tuple[float, str]]] = {}
    for path in sorted((reference / "google-region-carbon").glob("20*.csv")):
        year = int(path.stem)
        for r in read_csv(path):
            col = next(c for c in r if "carbon intensity" in c.lower())
            v = to_float(r[col])
            if v is not None:
                basis = (
                    GOOGLE_BASIS_OLD if "lifecycle" in col.lower() else GOOGLE_BASIS_NEW
                )
                out.setdefault(r["Google Cloud Region"].strip(), {})[year] = (v, basis)
    return out


def _cloud_row(provider: str, code: str, c: Row, parent: Row, pue: Row) -> Row:
    """A cloud row carrying its parent grid row's intensity."""
    names = [f"{provider} {code}", f"{provider} {c['name']}"]
    if provider == "azure":
        names.append(c["name"])  # Azure display names ("West Europe") are unique
    return {
        "id": f"{provider}:{code}",
        "name": f"{_LABEL[provider]} {c['name']}",
        "kind": "cloud",
        "intensity_g_per_kwh": parent["intensity_g_per_kwh"],
        "year": parent["year"],
        "source": f"{parent['source']} (grid of {parent['id']})",
        "basis": parent["basis"],
        "iso2": parent.get("iso2", "") or parent["id"][:2],
        "parent": parent["id"],
        "provider": provider,
        "provider_region": code,
        "location": c["location"],
        "aliases": join_unique(names),
        **pue,
    }


def _alt(rid: str, value: str, year: str, source: str, basis: str) -> Row:
    return {
        "region_id": rid,
        "intensity_g_per_kwh": value,
        "year": year,
        "source": source,
        "basis": basis,
    }


def _use_google(
    row: Row, years: dict[int, tuple[float, str]], parent: Row
) -> list[Row]:
    """Give a GCP row Google's latest figure; return Google's other years and the grid value."""
    latest = max(years)
    value, basis = years[latest]
    row.update(
        intensity_g_per_kwh=fnum(value),
        year=str(latest),
        basis=basis,
        source=GOOGLE.format(year=latest),
    )
    alts = [
        _alt(row["id"], fnum(v), str(y), GOOGLE.format(year=y), b)
        for y, (v, b) in sorted(years.items(), reverse=True)
        if y != latest
    ]
    alts.append(
        _alt(
            row["id"],
            parent["intensity_g_per_kwh"],
            parent["year"],
            f"{parent['source']} (grid of {parent['id']})",
            parent["basis"],
        )
    )
    return alts


def build_cloud(reference: Path, grid_rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """Cloud rows and (GCP) alternatives, given the already-built grid rows."""
    grid = {r["id"]: r for r in grid_rows}
    pue = provider_pue(reference)
    google = _google_years(reference)
    entries = {
        (c["provider"], c["provider_region"]): c for c in _azure_from_ga(reference)
    }
    entries.update(
        {(c["provider"], c["provider_region"]): c for c in curated("cloud_regions.csv")}
    )
    rows: list[Row] = []
    alts: list[Row] = []
    for (provider, code), c in sorted(entries.items()):
        parent = _grid_of(c["grid_id"], grid)
        row = _cloud_row(provider, code, c, parent, pue[provider])
        if provider == "gcp":
            if code not in google:
                raise BuildError(f"no Google figure for {code}")
            alts += _use_google(row, google[code], parent)
        rows.append(row)
    return rows, alts
