"""The two bases of a region's intensity (lifecycle, direct): figures, spreads, derived rows.

Hand-computed checks: the Quebec lifecycle figure is recomputed here from its 2023 generation
mix (typed below from CodeCarbon 3.3.2 ``canada_energy_mix.json``) and the shipped factors.
"""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from carbonest.catalog import (
    BASES,
    IntensityFigure,
    find_region,
    intensity_spread,
    list_regions,
)
from carbonest.errors import InvalidInputError


def _table(name: str) -> list[dict[str, str]]:
    text = (resources.files("carbonest.data") / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _factors() -> dict[str, float]:
    return {r["mix_key"]: float(r["intensity_g_per_kwh"]) for r in _table("lifecycle_factors.csv")}


# Quebec, 2023, percent of generation (CodeCarbon 3.3.2 canada_energy_mix.json; total 100.01).
QUEBEC_MIX_2023 = {
    "hydro": 92.1,
    "wind": 6.7,
    "biomass": 0.7,
    "petroleum": 0.3,
    "naturalGas": 0.2,
    "solar": 0.01,
}


def test_lifecycle_factors_are_the_ipcc_medians() -> None:
    # IPCC AR5 WG3 Annex III Table A.III.2 medians; oil from IPCC SRREN Annex II.
    assert _factors() == {
        "coal": 820,
        "naturalGas": 490,
        "petroleum": 840,
        "biomass": 230,
        "solar": 48,
        "geothermal": 38,
        "hydro": 24,
        "nuclear": 12,
        "wind": 11,
    }
    for r in _table("lifecycle_factors.csv"):
        assert ("AR5" in r["source"]) != (r["mix_key"] == "petroleum"), r


def test_quebec_lifecycle_is_its_mix_times_the_factors() -> None:
    f = _factors()
    expected = sum(pct / 100 * f[k] for k, pct in QUEBEC_MIX_2023.items())
    # 92.1% x 24 + 6.7% x 11 + 0.7% x 230 + 0.3% x 840 + 0.2% x 490 + 0.01% x 48
    assert expected == pytest.approx(27.9558)
    qc = find_region("quebec")
    assert qc.intensity_g_per_kwh == round(expected, 2) == 27.96
    assert qc.year == 2023
    assert qc.basis == (
        "lifecycle (derived: CodeCarbon canada_energy_mix.json 2023 x IPCC AR5 medians; "
        "oil x IPCC SRREN median)"
    )
    assert qc.source is not None and "canada_energy_mix.json" in qc.source


def test_quebec_on_both_bases() -> None:
    qc = find_region("CA-QC")
    life, direct = qc.figure("lifecycle"), qc.figure("direct")
    assert life is not None and (life.intensity_g_per_kwh, life.year) == (27.96, 2023)
    assert direct is not None and (direct.intensity_g_per_kwh, direct.year) == (1.5, 2019)
    assert life is not None and life.basis_kind == "lifecycle"
    assert direct.basis_kind == "direct"
    spread = intensity_spread("CA-QC", basis="direct")
    assert spread is not None
    low, high, rows = spread
    # NIR 2021 Annex 13, Quebec 2015-2019: 1.6, 1.8, 1.4, 1.6, 1.5
    assert sorted((r["year"], r["intensity_g_per_kwh"]) for r in rows) == [
        (2015, 1.6),
        (2016, 1.8),
        (2017, 1.4),
        (2018, 1.6),
        (2019, 1.5),
    ]
    assert (low, high) == (1.4, 1.8)
    assert rows[0]["year"] == 2017 and "National Inventory" in rows[0]["source"]
    assert rows[-1]["year"] == 2016
    life_spread = intensity_spread("CA-QC")
    assert life_spread is not None and life_spread[:2] == (27.96, 27.96)


def test_estonia_lifecycle_series_and_no_direct_figure() -> None:
    spread = intensity_spread("Estonia")
    assert spread is not None
    low, high, rows = spread
    assert {r["year"]: r["intensity_g_per_kwh"] for r in rows} == {
        2024: 341.02,
        2023: 388.03,
        2022: 487.7,
        2021: 450.63,
        2020: 404.61,
    }
    assert (low, high) == (341.02, 487.7)
    assert all(r["source"] == "Ember (2025), Yearly Electricity Data" for r in rows)
    assert find_region("EE").figure("direct") is None
    assert intensity_spread("EE", basis="direct") is None


def test_stockholm_on_both_bases_for_aws_and_gcp() -> None:
    aws, gcp, se = find_region("aws:eu-north-1"), find_region("gcp:europe-north2"), find_region("SE")
    # The same grid on the same basis gives the same lifecycle figure under both providers.
    assert aws.intensity_g_per_kwh == gcp.intensity_g_per_kwh == se.intensity_g_per_kwh == 35.82
    assert aws.source == gcp.source == "Ember (2025), Yearly Electricity Data (grid of SE)"
    # Google's operational figure is the GCP row's direct figure; AWS has none (nor has Sweden).
    assert gcp.figure("direct") == IntensityFigure(
        2.73,
        2024,
        "Google Cloud region carbon data (2024), GoogleCloudPlatform/region-carbon-info",
        "direct, consumption (Google operational grid intensity)",
    )
    assert aws.figure("direct") is None


def test_gcp_spread_keeps_google_lifecycle_years_off_the_direct_range() -> None:
    life = intensity_spread("gcp:europe-west1")
    direct = intensity_spread("gcp:europe-west1", basis="direct")
    assert life is not None and direct is not None
    life_sources = {(r["year"], r["intensity_g_per_kwh"]) for r in life[2]}
    assert {(2019, 196.0), (2020, 212.0), (2024, 117.58)} <= life_sources
    assert (direct[0], direct[1]) == (103.37, 123.0)  # Google 2021-2024 operational
    assert all(r["basis"].startswith("direct") for r in direct[2])


def test_us_state_direct_is_egrid_and_us_row_is_the_country_file() -> None:
    ca = find_region("US-CA")
    assert ca.direct_source is not None and "eGRID2023" in ca.direct_source
    assert ca.direct_year == 2023
    us = find_region("US")
    assert (us.intensity_g_per_kwh, us.year) == (383.55, 2024)
    assert us.source == "Ember (2025), Yearly Electricity Data"
    spread = intensity_spread("US")
    assert spread is not None
    state_total = [r for r in spread[2] if "US Total" in r["source"] and r["year"] == 2024]
    assert [r["intensity_g_per_kwh"] for r in state_total] == [345.61]
    assert us.figure("direct") is not None and us.direct_source is not None
    assert "IEA" in us.direct_source


def test_every_cloud_region_has_a_lifecycle_figure_of_its_grid() -> None:
    for spec in list_regions(kind="cloud"):
        fig = spec.figure("lifecycle")
        assert fig is not None and "(grid of " in fig.source, spec.id
        if spec.provider == "gcp":
            direct = spec.figure("direct")
            assert direct is not None and "Google" in direct.source, spec.id


def test_basis_argument_is_checked_and_filters() -> None:
    assert BASES == ("lifecycle", "direct")
    with pytest.raises(InvalidInputError):
        intensity_spread("FR", basis="marginal")
    with pytest.raises(InvalidInputError):
        find_region("FR").figure("operational")
    direct_ids = {s.id for s in list_regions(basis="direct")}
    assert {"CA-QC", "CN-BJ", "US-CA", "gcp:europe-north2"} <= direct_ids
    assert "EE" not in direct_ids
    life_ids = {s.id for s in list_regions(basis="lifecycle")}
    assert "CN-BJ" not in life_ids and "EE" in life_ids
    assert {s.id for s in list_regions("canada", basis="direct")} >= {"CA-QC", "CA-ON"}
