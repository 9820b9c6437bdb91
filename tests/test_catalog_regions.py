"""Region lookups, coverage and intensity spreads."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from carbonest.catalog import (
    find_region,
    intensity_spread,
    list_regions,
    region_set,
    world_region,
)
from carbonest.errors import InvalidInputError, UnknownRegionError

# Crosswalk codes with no intensity in any shippable source (small territories and
# micro-states); documented in data/SOURCES.md.
DOCUMENTED_EXCEPTIONS = {
    "AI",
    "AD",
    "BQ",
    "CW",
    "FM",
    "IM",
    "LI",
    "MF",
    "MC",
    "MH",
    "MP",
    "YT",
    "NU",
    "PW",
    "SM",
    "SX",
    "TV",
}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("quebec", "CA-QC"),
        ("Québec", "CA-QC"),
        ("CA-QC", "CA-QC"),
        ("ca_qc", "CA-QC"),
        ("france", "FR"),
        ("FR", "FR"),
        ("FRA", "FR"),
        ("us-east-1", "aws:us-east-1"),
        ("aws:us-east-1", "aws:us-east-1"),
        ("gcp:europe-west1", "gcp:europe-west1"),
        ("azure:westeurope", "azure:westeurope"),
        ("world", "WORLD"),
        ("california", "US-CA"),
        ("US-CA", "US-CA"),
        ("germany", "DE"),
        ("DEU", "DE"),
        ("United Kingdom", "GB"),
        ("US-EAST-1", "aws:us-east-1"),
        ("europe-west1", "gcp:europe-west1"),
        ("maharashtra", "IN-MH"),
    ],
)
def test_aliases(typed: str, expected: str) -> None:
    assert find_region(typed).id == expected


def test_unknown_region_suggests() -> None:
    with pytest.raises(UnknownRegionError) as info:
        find_region("Frence")
    assert "FR" in info.value.suggestions


def test_ambiguous_code_lists_candidates() -> None:
    with pytest.raises(UnknownRegionError) as info:
        find_region("useast1")  # aws us-east-1 and gcp us-east1 normalise alike
    assert set(info.value.suggestions) == {"aws:us-east-1", "gcp:us-east1"}


def test_every_crosswalk_country_has_a_row() -> None:
    text = (resources.files("carbonest.data") / "regions.csv").read_text(
        encoding="utf-8"
    )
    ids = {r["id"] for r in csv.DictReader(io.StringIO(text))}
    countries = region_set("countries")
    assert len(countries) >= 200
    assert not ids & DOCUMENTED_EXCEPTIONS
    for spec in countries:
        assert spec.iso2 and spec.iso3 and len(spec.iso3) == 3


def _subnational(prefix: str) -> list[str]:
    return [s.id for s in region_set("subnational") if s.id.startswith(prefix)]


def test_us_states_dc_and_pr() -> None:
    states = _subnational("US-")
    assert len([s for s in states if s != "US-PR"]) == 51
    assert "US-DC" in states and "US-PR" in states


def test_canadian_provinces_and_territories() -> None:
    assert len(_subnational("CA-")) == 13


def test_indian_states() -> None:
    assert len(_subnational("IN-")) >= 30


def test_chinese_provinces_and_their_cloud_regions() -> None:
    assert len(_subnational("CN-")) == 30
    assert find_region("aws:cn-north-1").parent == "CN-BJ"
    beijing = find_region("beijing")
    assert beijing.direct_basis == "direct (CO2 only), consumption"
    assert beijing.intensity_g_per_kwh is None and beijing.basis is None  # no shippable mix
    assert intensity_spread("CN-BJ") is None  # no lifecycle figure: documented None
    spread = intensity_spread("CN-BJ", basis="direct")
    assert spread is not None and spread[0] == spread[1] == beijing.direct_intensity_g_per_kwh
    # Its cloud regions take China's lifecycle figure, and the province's direct one.
    aws = find_region("aws:cn-north-1")
    assert aws.intensity_g_per_kwh == find_region("CN").intensity_g_per_kwh
    assert aws.source is not None and aws.source.endswith("(grid of CN)")
    assert aws.direct_intensity_g_per_kwh == beijing.direct_intensity_g_per_kwh


@pytest.mark.parametrize("provider", ["aws", "gcp", "azure"])
def test_cloud_providers(provider: str) -> None:
    regions = region_set(provider)
    assert len(regions) >= 15
    for spec in regions:
        assert spec.kind == "cloud" and spec.pue is not None and 1.0 < spec.pue < 1.5
        assert spec.pue_source and spec.pue_year
        assert spec.parent is not None and find_region(spec.parent).kind in (
            "country",
            "subnational",
        )
        assert spec.id == f"{provider}:{spec.provider_region}"


def test_quebec_direct_figure_is_the_inventory_and_tiny() -> None:
    qc = find_region("quebec")
    assert qc.direct_basis == "direct, consumption"
    assert qc.direct_intensity_g_per_kwh == 1.5
    assert qc.direct_year == 2019 and "National Inventory" in (qc.direct_source or "")
    assert qc.basis is not None and qc.basis.startswith("lifecycle (derived:")


def test_aws_region_carries_its_grid_row() -> None:
    aws = find_region("aws:ca-central-1")
    qc = find_region("CA-QC")
    assert aws.parent == "CA-QC"
    assert aws.intensity_g_per_kwh == qc.intensity_g_per_kwh
    assert aws.direct_intensity_g_per_kwh == qc.direct_intensity_g_per_kwh
    assert aws.source == f"{qc.source} (grid of CA-QC)"
    gcp = find_region("gcp:northamerica-northeast1")
    assert gcp.intensity_g_per_kwh == qc.intensity_g_per_kwh
    assert "Google" in (gcp.direct_source or "") and gcp.direct_intensity_g_per_kwh == 5.48


def test_world() -> None:
    world = world_region()
    assert (
        world.id == "WORLD"
        and 400 < world.intensity_g_per_kwh < 550
        and world.year >= 2023
    )
    assert "Ember" in world.source


def test_region_set_and_list() -> None:
    assert len(region_set("all")) == len(list_regions())
    assert all(s.kind == "country" for s in region_set("countries"))
    with pytest.raises(InvalidInputError):
        region_set("moon")
    with pytest.raises(InvalidInputError):
        list_regions(kind="planet")
    assert {s.id for s in list_regions("canada", kind="country")} == {"CA"}
    assert list_regions("us-east", kind="cloud")


@pytest.mark.parametrize(
    ("rid", "basis"),
    [
        ("CA-QC", "lifecycle"),
        ("CA-QC", "direct"),
        ("US-CA", "lifecycle"),
        ("US-CA", "direct"),
        ("FR", "lifecycle"),
        ("WORLD", "lifecycle"),
        ("WORLD", "direct"),
        ("aws:us-east-1", "lifecycle"),
        ("gcp:europe-west1", "lifecycle"),
        ("gcp:europe-west1", "direct"),
        ("IN-MH", "lifecycle"),
    ],
)
def test_intensity_spread_brackets_the_value(rid: str, basis: str) -> None:
    spread = intensity_spread(rid, basis=basis)
    assert spread is not None
    low, high, values = spread
    own = find_region(rid).figure(basis)
    assert own is not None
    assert low <= own.intensity_g_per_kwh <= high
    assert values[0]["intensity_g_per_kwh"] == low
    assert values[-1]["intensity_g_per_kwh"] == high
    assert all(
        {"intensity_g_per_kwh", "year", "source", "basis"} <= set(v) for v in values
    )
    assert all(v["basis"].startswith(basis) for v in values)


def test_to_dict() -> None:
    d = find_region("CA-QC").to_dict()
    assert d["direct_basis"] == "direct, consumption" and isinstance(d["aliases"], list)
    assert d["basis"].startswith("lifecycle")
