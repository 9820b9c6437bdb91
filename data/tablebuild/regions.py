"""Build the grid rows of ``regions.csv`` (world, countries, sub-national) and their alternatives.

* Countries and WORLD: Ember yearly country overview (CC BY 4.0), latest year per country;
  Our World in Data's grapher export (CC BY 4.0, Ember-based) for the few ISO codes Ember lacks.
* US states + DC + PR, Indian states: Ember sub-national yearly data (CC BY 4.0).
* Canadian provinces and territories: Canada's National Inventory Report 2021, Annex 13
  (Open Government Licence - Canada), as collected in ``canada-nir/all_nir_reports.json``.
* Chinese provinces: the 2023 provincial grid factors published by China's Ministry of
  Ecology and Environment and National Bureau of Statistics (an official government
  announcement), as packaged in CodeCarbon 3.3.2.
Alternatives (``intensity_alternatives.csv``): earlier years from the same sources, the
US EPA eGRID2023 state rates (public domain) for US states, and the IEA's direct-CO2 figures
(CC BY 4.0) for the world, the US, China and India.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path

from .common import Row, curated, fnum, join_unique, read_csv, to_float
from .units_shared import G_PER_KWH_PER_LB_PER_MWH

COLUMNS = [
    "id",
    "name",
    "kind",
    "intensity_g_per_kwh",
    "year",
    "source",
    "basis",
    "iso2",
    "iso3",
    "parent",
    "provider",
    "provider_region",
    "location",
    "pue",
    "pue_source",
    "pue_year",
    "aliases",
]
ALT_COLUMNS = ["region_id", "intensity_g_per_kwh", "year", "source", "basis"]

EMBER = "Ember (2025), Yearly Electricity Data"
EMBER_US = "Ember (2025), US State Electricity Data"
EMBER_IN = "Ember (2025), India State Electricity Data"
OWID = "Our World in Data (2025), Carbon intensity of electricity (based on Ember and Energy Institute)"
NIR = "Environment and Climate Change Canada (2021), National Inventory Report 1990-2019, Annex 13"
EGRID = "US EPA eGRID2023 (state CO2e total output emission rate)"
CHINA = (
    "China MEE and NBS (2025), Announcement No. 47: 2023 provincial grid CO2 emission factors "
    "(via CodeCarbon 3.3.2)"
)
DIRECT_CO2_CONS = "direct (CO2 only), consumption"
IEA = (
    "IEA (2025), CO2 intensity of electricity generation in selected regions, 2015-2026"
)
DIRECT_CO2_GEN = "direct (CO2 only), generation"
IEA_LAST_ACTUAL = 2024  # the file's 2025-2026 rows are forecasts
_IEA_REGIONS = {"World": "WORLD", "United States": "US", "China": "CN", "India": "IN"}
LIFECYCLE_GEN = "lifecycle, generation"
DIRECT_CONS = "direct, consumption"
DIRECT_GEN = "direct, generation"
N_ALT_YEARS = 5
# Corrections to the co2.js crosswalk, per ISO 3166-1 (https://www.iso.org/obp/ui/#search):
# it gives the Cayman Islands (CYM) the alpha-2 code of Cyprus.
_ISO2_FIX = {"CYM": "KY"}


def _series(
    rows: list[Row],
    key: str,
    value: str = "emissions_intensity_gco2_per_kwh",
    year_col: str = "year",
) -> dict[str, dict[int, float]]:
    """{key: {year: intensity}} from a long-format table."""
    out: dict[str, dict[int, float]] = defaultdict(dict)
    for r in rows:
        v = to_float(r.get(value))
        # A grid average of exactly 0 is a gap in the source, not a measurement: no grid is
        # carbon-free on a lifecycle basis (hydro alone is about 24 g/kWh). Ember and OWID both
        # carry 0 for the Central African Republic in 2018-2022.
        if v is not None and v > 0 and r.get(year_col, "").isdigit():
            out[r[key].strip()][int(r[year_col])] = v
    return out


def _grid_row(
    rid: str, name: str, kind: str, series: dict[int, float], source: str, basis: str
) -> Row:
    year = max(series)
    return {
        "id": rid,
        "name": name,
        "kind": kind,
        "intensity_g_per_kwh": fnum(round(series[year], 2)),
        "year": str(year),
        "source": source,
        "basis": basis,
    }


def _alts(rid: str, series: dict[int, float], source: str, basis: str) -> list[Row]:
    latest = max(series)
    years = [y for y in sorted(series, reverse=True) if y != latest][: N_ALT_YEARS - 1]
    return [
        {
            "region_id": rid,
            "intensity_g_per_kwh": fnum(round(series[y], 2)),
            "year": str(y),
            "source": source,
            "basis": basis,
        }
        for y in years
    ]


def _country_sources(
    reference: Path,
) -> tuple[dict[str, tuple[dict[int, float], str, str]], dict[int, float]]:
    """ISO-3 -> (series, source, name) from Ember, then OWID for codes Ember lacks; and the world series."""
    ember = read_csv(reference / "ember" / "api_country_overview_yearly.csv")
    world = _series(
        [r for r in ember if r["country_or_region"] == "World"], "country_or_region"
    )
    owid_rows = read_csv(reference / "owid" / "carbon-intensity-electricity.csv")
    owid = _series(
        owid_rows, "Code", "Carbon intensity of electricity - gCO2/kWh", "Year"
    )
    out = {code: (s, OWID, "") for code, s in owid.items()}
    for r in owid_rows:
        if r["Code"] in out:
            out[r["Code"]] = (owid[r["Code"]], OWID, r["Entity"])
    ember_series = _series([r for r in ember if r["country_code"]], "country_code")
    for r in ember:
        if r["country_code"]:
            out[r["country_code"]] = (
                ember_series[r["country_code"]],
                EMBER,
                r["country_or_region"],
            )
    return out, world["World"]


def build_countries(reference: Path) -> tuple[list[Row], list[Row], list[str]]:
    """World + country rows, their alternatives, and the ISO-3 codes left without data."""
    by_code, world = _country_sources(reference)
    extra = {r["iso2"]: r["aliases"] for r in curated("country_aliases.csv")}
    rows = [
        {
            **_grid_row("WORLD", "World", "world", world, EMBER, LIFECYCLE_GEN),
            "aliases": "World|Global|Earth|WRL",
        }
    ]
    alts = _alts("WORLD", world, EMBER, LIFECYCLE_GEN)
    missing: list[str] = []
    done: set[str] = set()
    for cw in read_csv(reference / "co2js" / "countries.csv"):
        iso3 = cw["country_code_iso_3"].strip()
        iso2 = _ISO2_FIX.get(iso3, cw["country_code_iso_2"].strip())
        if not iso3 or iso2 in done:
            continue  # blank or repeated crosswalk rows
        done.add(iso2)
        if iso3 not in by_code:
            missing.append(iso3)
            continue
        series, source, name = by_code[iso3]
        row = _grid_row(iso2, name, "country", series, source, LIFECYCLE_GEN)
        names = [name, cw["ember_country_name"], cw["unfccc_country_name"], iso3]
        row.update(
            iso2=iso2,
            iso3=iso3,
            aliases=join_unique([*names, *extra.get(iso2, "").split("|")]),
        )
        rows.append(row)
        alts += _alts(iso2, series, source, LIFECYCLE_GEN)
    return rows, alts, sorted(missing)


def _subnational_meta() -> dict[tuple[str, str], Row]:
    return {(r["id"][:2], r["upstream_name"]): r for r in curated("subnational.csv")}


def _sub_row(meta: Row, series: dict[int, float], source: str, basis: str) -> Row:
    row = _grid_row(meta["id"], meta["name"], "subnational", series, source, basis)
    country = meta["id"][:2]
    row.update(
        parent=country,
        location=meta["name"],
        aliases=join_unique([meta["upstream_name"], *meta["aliases"].split("|")]),
    )
    return row


def build_us_in(reference: Path) -> tuple[list[Row], list[Row]]:
    """US states (+DC, PR) and Indian states from Ember, with eGRID alternatives for the US."""
    meta = _subnational_meta()
    rows: list[Row] = []
    alts: list[Row] = []
    for country, fname, source in (
        ("US", "api_overview_usa_yearly.csv", EMBER_US),
        ("IN", "api_overview_ind_yearly.csv", EMBER_IN),
    ):
        series = _series(read_csv(reference / "ember" / fname), "state")
        for state, s in sorted(series.items()):
            m = meta.get((country, state))
            if m is None:
                continue  # national totals and "Others"
            rows.append(_sub_row(m, s, source, LIFECYCLE_GEN))
            alts += _alts(m["id"], s, source, LIFECYCLE_GEN)
    alts += _egrid(reference)
    return rows, alts


def _codecarbon_2023(reference: Path, name: str) -> Path:
    """A 2023 table of the CodeCarbon 3.3.2 wheel in the reference snapshot."""
    return reference / "codecarbon" / "pypi-3.3.2" / "private_infra" / "2023" / name


def _egrid(reference: Path) -> list[Row]:
    path = _codecarbon_2023(reference, "usa_emissions.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    year = str(data["_source"]["year"])
    out = []
    for key, val in sorted(data.items()):
        if key.startswith("_"):
            continue
        g = val["emissions"] * G_PER_KWH_PER_LB_PER_MWH
        out.append(
            {
                "region_id": f"US-{val['regionCode']}",
                "intensity_g_per_kwh": fnum(round(g, 2)),
                "year": year,
                "source": EGRID,
                "basis": DIRECT_GEN,
            }
        )
    return out


def build_canada(reference: Path) -> tuple[list[Row], list[Row]]:
    """Provinces and territories from NIR 2021 (latest year 2019), earlier years as alternatives."""
    data = json.loads(
        (reference / "canada-nir" / "all_nir_reports.json").read_text(encoding="utf-8")
    )
    report = next(
        v for d in data for k, v in d.items() if k == "EmissionFactors_NIR2021.json"
    )
    meta = _subnational_meta()
    rows: list[Row] = []
    alts: list[Row] = []
    for entry in report:
        ((province, values),) = entry.items()
        m = meta.get(("CA", province))
        if m is None:
            continue  # the national row
        series = {int(y): float(v) for y, v in values.items()}
        rows.append(_sub_row(m, series, NIR, DIRECT_CONS))
        alts += _alts(m["id"], series, NIR, DIRECT_CONS)
    return rows, alts


def build_china(reference: Path) -> list[Row]:
    """Chinese provinces: the official 2023 provincial grid emission factors (CO2 only)."""
    path = _codecarbon_2023(reference, "china_provincial_emissions.json")
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    rows = []
    for code, v in sorted(data.items()):
        name = v["description"]
        row = _grid_row(
            code,
            name,
            "subnational",
            {int(v["year"]): float(v["emission_factor"])},
            CHINA,
            DIRECT_CO2_CONS,
        )
        row.update(
            parent="CN",
            location=name,
            aliases=join_unique([*v.get("names", []), f"{name} China"]),
        )
        rows.append(row)
    return rows


def build_iea_alternatives(reference: Path) -> list[Row]:
    """IEA actuals (not its 2025-2026 forecasts) for the world, US, China and India, last two years."""
    path = (
        reference
        / "iea"
        / "co2-intensity-of-electricity-generation-in-selected-regions-2015-2026.csv"
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith(",World"))
    table = list(csv.DictReader(io.StringIO("\n".join(lines[header:]))))
    out: list[Row] = []
    for col, rid in _IEA_REGIONS.items():
        series = {
            int(r[""]): float(r[col])
            for r in table
            if r[""].isdigit() and int(r[""]) <= IEA_LAST_ACTUAL
        }
        years = sorted(series, reverse=True)[:2]
        out += [
            {
                "region_id": rid,
                "intensity_g_per_kwh": fnum(series[y]),
                "year": str(y),
                "source": IEA,
                "basis": DIRECT_CO2_GEN,
            }
            for y in years
        ]
    return out
