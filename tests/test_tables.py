"""The shipped CSV tables: shape, provenance, coverage. Reads only files inside the package."""

from __future__ import annotations

import csv
import io
import re
from importlib import resources

import pytest

TABLES = [
    "accelerators.csv",
    "accelerator_power.csv",
    "family_defaults.csv",
    "cpus.csv",
    "cpu_vcpu_power.csv",
    "regions.csv",
    "intensity_alternatives.csv",
    "lifecycle_factors.csv",
    "datacenters.csv",
    "constants.csv",
    "sources.csv",
]


def rows(name: str) -> list[dict[str, str]]:
    text = resources.files("carbonest.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("name", TABLES)
def test_every_row_has_source_and_year(name: str) -> None:
    table = rows(name)
    assert table, name
    for row in table:
        if name == "regions.csv":
            # Each figure (lifecycle; direct) carries its own source and year; a row may
            # lack one of the two figures, never both.
            filled = [p for p in ("", "direct_") if row[f"{p}intensity_g_per_kwh"]]
            assert filled, row
            for p in ("", "direct_"):
                cells = [row[f"{p}{c}"] for c in ("intensity_g_per_kwh", "year", "source", "basis")]
                assert all(cells) or not any(cells), (p, row)
            for p in filled:
                assert row[f"{p}source"].strip(), row
                assert re.fullmatch(r"\d{4}", row[f"{p}year"]), row
            continue
        assert row["source"].strip(), (name, row)
        assert re.fullmatch(r"\d{4}", row["year"]), (name, row)


@pytest.mark.parametrize("name", TABLES)
def test_tables_are_inside_the_package_and_lf_terminated(name: str) -> None:
    raw = resources.files("carbonest.data").joinpath(name).read_bytes()
    assert b"\r\n" not in raw
    assert raw.endswith(b"\n")


def test_at_least_60_accelerators_with_tdp() -> None:
    with_tdp = [
        r for r in rows("accelerators.csv") if r["tdp_w"] and float(r["tdp_w"]) > 0
    ]
    assert len(with_tdp) >= 60


def test_accelerator_columns_and_kinds() -> None:
    table = rows("accelerators.csv")
    ids = [r["id"] for r in table]
    assert len(ids) == len(set(ids))
    for r in table:
        assert r["kind"] in ("gpu", "tpu", "npu"), r
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r["id"]), r["id"]
        for col in r:
            if col.startswith("flops_") and r[col]:
                assert float(r[col]) > 1e10, (r["id"], col)


REQUIRED_ACCELERATORS = [
    "k80",
    "p4",
    "p40",
    "p100-pcie-16gb",
    "p100-sxm2",
    "v100-pcie-16gb",
    "v100-pcie-32gb",
    "v100-sxm2-16gb",
    "v100-sxm2-32gb",
    "t4",
    "a10",
    "a10g",
    "a30",
    "a40",
    "a100-pcie-40gb",
    "a100-pcie-80gb",
    "a100-sxm4-40gb",
    "a100-sxm4-80gb",
    "h100-pcie",
    "h100-sxm",
    "h100-nvl",
    "h200-sxm",
    "gh200",
    "b100",
    "b200",
    "gb200",
    "l4",
    "l40",
    "l40s",
    "rtx-3090",
    "rtx-4090",
    "rtx-a6000",
    "rtx-6000-ada",
    "titan-v",
    "titan-rtx",
    "mi50",
    "mi100",
    "mi210",
    "mi250",
    "mi250x",
    "mi300x",
    "mi325x",
    "tpu-v2",
    "tpu-v3",
    "tpu-v4",
    "tpu-v5e",
    "tpu-v5p",
    "tpu-v6e",
    "gaudi",
    "gaudi2",
    "gaudi3",
]


def test_required_accelerators_present() -> None:
    ids = {r["id"] for r in rows("accelerators.csv")}
    assert not set(REQUIRED_ACCELERATORS) - ids


def test_cpus_have_positive_tdp_and_hundreds_of_rows() -> None:
    table = rows("cpus.csv")
    assert len(table) >= 300
    assert all(float(r["tdp_w"]) > 0 for r in table)
    vendors = {r["vendor"] for r in table}
    assert {"Intel", "AMD", "Apple"} <= vendors


def test_cpu_model_keys_agree_with_the_runtime_function() -> None:
    from carbonest.catalog.cpus import model_signature

    for r in rows("cpus.csv"):
        assert r["model_key"] == model_signature(r["name"]), r["name"]


def test_region_rows_have_basis_and_positive_intensity() -> None:
    ids = [r["id"] for r in rows("regions.csv")]
    assert len(ids) == len(set(ids))
    for r in rows("regions.csv"):
        if r["basis"]:
            assert r["basis"].startswith("lifecycle"), r
            assert float(r["intensity_g_per_kwh"]) > 0, r
        if r["direct_basis"]:
            assert r["direct_basis"].startswith("direct"), r
            assert float(r["direct_intensity_g_per_kwh"]) >= 0, r
        assert r["kind"] in ("world", "country", "subnational", "cloud"), r
        # Every region but a Chinese province (no shippable mix) has a lifecycle figure.
        if not (r["kind"] == "subnational" and r["id"].startswith("CN-")):
            assert r["basis"], r
    for r in rows("intensity_alternatives.csv"):
        assert r["basis"].startswith(("lifecycle", "direct")), r
        assert float(r["intensity_g_per_kwh"]) >= 0, r


def test_no_odbl_or_unclear_sources_shipped() -> None:
    banned = re.compile(
        r"electricity ?maps|carbonfootprint\.com|mlco2|real-time-cloud|co2\.js.*intens|boavizta",
        re.IGNORECASE,
    )
    for name in ("regions.csv", "intensity_alternatives.csv", "datacenters.csv"):
        for r in rows(name):
            for col in ("source", "direct_source"):
                assert not banned.search(r.get(col) or ""), (name, col, r)


def test_every_shipped_table_is_cited() -> None:
    cited = {r["table"] for r in rows("sources.csv")}
    assert set(TABLES) - {"sources.csv"} <= cited
    for r in rows("sources.csv"):
        assert r["citation"] and r["licence"] and r["url"], r
        if r["source"] != "carbonest":
            assert r["url"].startswith("https://"), r


def test_sources_md_documents_every_table() -> None:
    from pathlib import Path

    doc = Path(__file__).resolve().parent.parent / "data" / "SOURCES.md"
    text = doc.read_text(encoding="utf-8")
    for name in TABLES:
        assert name in text, name


def test_industry_pue_series_is_plausible() -> None:
    uptime = [r for r in rows("datacenters.csv") if r["id"].startswith("uptime-")]
    assert len(uptime) >= 8
    assert all(1.0 < float(r["pue"]) < 3.0 for r in uptime)


def _curated(name: str) -> list[dict[str, str]]:
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "data" / "curated" / name
    lines = [
        ln
        for ln in path.read_text(encoding="utf-8").splitlines(True)
        if not ln.startswith("#")
    ]
    return list(csv.DictReader(io.StringIO("".join(lines))))


def test_shipped_tables_are_rebuilt_from_the_curated_inputs() -> None:
    """A curated edit without a rebuild leaves the shipped table stale: catch it."""
    assert [r["id"] for r in _curated("accelerators.csv")] == [
        r["id"] for r in rows("accelerators.csv")
    ]
    assert [r["family"] for r in _curated("family_defaults.csv")] == [
        r["family"] for r in rows("family_defaults.csv")
    ]
    region_ids = {r["id"] for r in rows("regions.csv")}
    for c in _curated("cloud_regions.csv"):
        assert f"{c['provider']}:{c['provider_region']}" in region_ids
    for s in _curated("subnational.csv"):
        assert s["id"] in region_ids
    assert [r["name"] for r in _curated("constants.csv")] == [
        r["name"] for r in rows("constants.csv")
    ]
    assert len(_curated("sources.csv")) == len(rows("sources.csv"))


def test_no_lifecycle_intensity_is_zero() -> None:
    """A 0 in a lifecycle series is a gap in the source; the build must not ship it as a figure."""
    import csv
    import io
    import pkgutil

    for table in ("regions.csv", "intensity_alternatives.csv"):
        text = pkgutil.get_data("carbonest", f"data/{table}")
        assert text is not None
        for row in csv.DictReader(io.StringIO(text.decode("utf-8"))):
            if row["basis"].startswith("lifecycle"):
                assert float(row["intensity_g_per_kwh"]) > 0, (table, row)


def test_cpu_vcpu_power_rows_and_family_means() -> None:
    table = {r["id"]: r for r in rows("cpu_vcpu_power.csv")}
    for r in table.values():
        assert r["kind"] in ("microarchitecture", "family", "default"), r
        assert 0 < float(r["min_w_per_vcpu"]) < float(r["max_w_per_vcpu"]) < 20, r
    # EPYC 3rd Gen: min is 0.45562453497 (aws, gcp) and 0.44538981120 (azure); the row is the mean.
    assert float(table["amd-zen3"]["min_w_per_vcpu"]) == pytest.approx(
        (2 * 0.45562453497023814 + 0.44538981119791665) / 3, rel=1e-9
    )
    gens = [table[i] for i in ("amd-zen", "amd-zen2", "amd-zen3", "amd-zen4", "amd-zen5")]
    epyc = table["amd-epyc"]
    assert epyc["kind"] == "family" and epyc["name_prefix"] == "epyc"
    for col in ("min_w_per_vcpu", "max_w_per_vcpu"):
        assert float(epyc[col]) == pytest.approx(sum(float(g[col]) for g in gens) / 5, rel=1e-8)
    assert (table["default"]["min_w_per_vcpu"], table["default"]["max_w_per_vcpu"]) == ("0.74", "3.5")
    labels = {r["microarchitecture"] for r in rows("cpus.csv")} - {""}
    assert {"AMD Zen 3 (Milan)", "Intel Cascade Lake"} <= labels & set(
        r["microarchitecture"] for r in table.values()
    )


def test_region_ids_are_plain_csv_fields() -> None:
    """The catalog splits intensity_alternatives.csv lines at the first comma to find a region's
    rows without parsing the whole file: no id may hold a comma, a quote or a line break."""
    for name, column in (("regions.csv", "id"), ("intensity_alternatives.csv", "region_id")):
        for row in rows(name):
            assert not set(row[column]) & {",", '"', "\n", "\r"}, (name, row[column])
    raw = resources.files("carbonest.data").joinpath("intensity_alternatives.csv").read_text(encoding="utf-8")
    ids = [line.partition(",")[0] for line in raw.splitlines()[1:]]
    assert ids == [r["region_id"] for r in rows("intensity_alternatives.csv")]
