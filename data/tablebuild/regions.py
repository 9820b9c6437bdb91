"""Build the grid rows of ``regions.csv`` (world, countries, sub-national) and their alternatives.

Every row carries up to two figures, each with its own year, source and basis:

* the **lifecycle** figure (``intensity_g_per_kwh``, ``year``, ``source``, ``basis``), the basis
  of Ember's country and state figures and of the IPCC's comparison of generation sources;
* the **direct** (combustion-only) figure (``direct_*``), where an official direct figure exists.

Sources, by row:

* Countries and WORLD: lifecycle from Ember's yearly country overview (CC BY 4.0), latest year
  per country; Our World in Data's grapher export (CC BY 4.0, Ember-based) for the few ISO codes
  Ember lacks. Direct: the IEA's CO2 intensity of generation (CC BY 4.0) for WORLD, US, CN, IN.
* US states + DC + PR, Indian states: lifecycle from Ember's sub-national yearly data (CC BY 4.0).
  Direct (US only): US EPA eGRID2023 state output emission rates (public domain).
* Canadian provinces and territories: lifecycle *derived* from the 2023 provincial generation mix
  packaged in CodeCarbon 3.3.2 (MIT) times the IPCC lifecycle medians of
  ``data/curated/lifecycle_factors.csv``; direct from Canada's National Inventory Report 2021,
  Annex 13 (Open Government Licence - Canada).
* Chinese provinces: direct only, the 2023 provincial grid factors of China's Ministry of
  Ecology and Environment and National Bureau of Statistics (via CodeCarbon 3.3.2). No
  provincial generation mix is shippable, so the lifecycle columns are empty.
Alternatives (``intensity_alternatives.csv``): every figure of every basis for the region, the
row's own included: up to ``N_ALT_YEARS`` latest years per source and basis.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path

from .common import BuildError, Row, curated, fnum, join_unique, read_csv, to_float
from .units_shared import G_PER_KWH_PER_LB_PER_MWH

LIFECYCLE_FIELDS = ["intensity_g_per_kwh", "year", "source", "basis"]
DIRECT_FIELDS = [f"direct_{c}" for c in LIFECYCLE_FIELDS]
COLUMNS = [
    "id",
    "name",
    "kind",
    *LIFECYCLE_FIELDS,
    *DIRECT_FIELDS,
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
FACTOR_COLUMNS = ["mix_key", "technology", "intensity_g_per_kwh", "source", "year", "note"]

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
CA_MIX = "CodeCarbon canada_energy_mix.json"
CA_MIX_SOURCE = (
    "Derived by carbonest: CodeCarbon 3.3.2 canada_energy_mix.json (2023 provincial generation "
    "mix, MIT) x IPCC AR5 WG3 Annex III lifecycle medians (oil: IPCC SRREN 2011)"
)
DIRECT_CO2_CONS = "direct (CO2 only), consumption"
IEA = (
    "IEA (2025), CO2 intensity of electricity generation in selected regions, 2015-2026"
)
DIRECT_CO2_GEN = "direct (CO2 only), generation"
IEA_LAST_ACTUAL = 2024  # the file's 2025-2026 rows are forecasts
_IEA_REGIONS = {"World": "WORLD", "United States": "US", "China": "CN", "India": "IN"}
LIFECYCLE_GEN = "lifecycle, generation"
# Ember's sub-national files divide each state's emissions by its demand, not its generation
# (e.g. Washington 2024: 13,315.85 kt / 102,156.14 GWh = 130.35 g/kWh, the file's figure).
LIFECYCLE_DEMAND = "lifecycle, demand (state emissions / state demand)"
DIRECT_CONS = "direct, consumption"
DIRECT_GEN = "direct, generation"
N_ALT_YEARS = 5
# Corrections to the co2.js crosswalk, per ISO 3166-1 (https://www.iso.org/obp/ui/#search):
# it gives the Cayman Islands (CYM) the alpha-2 code of Cyprus.
_ISO2_FIX = {"CYM": "KY"}


def derived_basis(mix_source: str, year: int) -> str:
    """The basis label of a figure derived from a generation mix and the IPCC medians."""
    return f"lifecycle (derived: {mix_source} {year} x IPCC AR5 medians; oil x IPCC SRREN median)"


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


def figure(series: dict[int, float], source: str, basis: str) -> Row:
    """The latest figure of a series as the four lifecycle-named fields."""
    year = max(series)
    return {
        "intensity_g_per_kwh": fnum(round(series[year], 2)),
        "year": str(year),
        "source": source,
        "basis": basis,
    }


def as_direct(fig: Row) -> Row:
    """The same figure under the ``direct_*`` column names."""
    return {f"direct_{k}": fig[k] for k in LIFECYCLE_FIELDS}


def lifecycle_of(row: Row) -> Row | None:
    """The row's lifecycle figure (four fields), or None when it has none."""
    if not row.get("intensity_g_per_kwh"):
        return None
    return {k: row[k] for k in LIFECYCLE_FIELDS}


def direct_of(row: Row) -> Row | None:
    """The row's direct figure under the plain field names, or None when it has none."""
    if not row.get("direct_intensity_g_per_kwh"):
        return None
    return {k: row[f"direct_{k}"] for k in LIFECYCLE_FIELDS}


def _grid_row(rid: str, name: str, kind: str) -> Row:
    return {"id": rid, "name": name, "kind": kind}


def _alts(rid: str, series: dict[int, float], source: str, basis: str) -> list[Row]:
    """The latest ``N_ALT_YEARS`` years of a series (the row's own latest year included)."""
    years = sorted(series, reverse=True)[:N_ALT_YEARS]
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


def alt_of(rid: str, fig: Row) -> Row:
    """An alternatives row from a four-field figure."""
    return {"region_id": rid, **fig}


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
            **_grid_row("WORLD", "World", "world"),
            **figure(world, EMBER, LIFECYCLE_GEN),
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
        row = {
            **_grid_row(iso2, name, "country"),
            **figure(series, source, LIFECYCLE_GEN),
        }
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


def _sub_row(meta: Row) -> Row:
    row = _grid_row(meta["id"], meta["name"], "subnational")
    row.update(
        parent=meta["id"][:2],
        location=meta["name"],
        aliases=join_unique([meta["upstream_name"], *meta["aliases"].split("|")]),
    )
    return row


US_TOTAL_NOTE = (
    " (US Total row: the sum of state emissions over US demand; the US row uses Ember's country "
    "file, per kWh generated, like every other country)"
)


def build_us_in(reference: Path) -> tuple[list[Row], list[Row]]:
    """US states (+DC, PR) and Indian states from Ember; eGRID2023 as the direct figure of US states."""
    meta = _subnational_meta()
    egrid = _egrid(reference)
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
                if state == "US Total":
                    # The national row comes from the country file, like every other country;
                    # the state file's own total is kept as an alternative, labelled.
                    alts += _alts("US", s, source + US_TOTAL_NOTE, LIFECYCLE_DEMAND)
                continue  # national totals and "Others"
            row = {**_sub_row(m), **figure(s, source, LIFECYCLE_DEMAND)}
            if m["id"] in egrid:
                row.update(as_direct(egrid[m["id"]]))
                alts.append(alt_of(m["id"], egrid[m["id"]]))
            rows.append(row)
            alts += _alts(m["id"], s, source, LIFECYCLE_DEMAND)
    return rows, alts


def _codecarbon_2023(reference: Path, name: str) -> Path:
    """A 2023 table of the CodeCarbon 3.3.2 wheel in the reference snapshot."""
    return reference / "codecarbon" / "pypi-3.3.2" / "private_infra" / "2023" / name


def _egrid(reference: Path) -> dict[str, Row]:
    """US state id -> eGRID2023 output emission rate (direct, generation) as a figure."""
    path = _codecarbon_2023(reference, "usa_emissions.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    year = str(data["_source"]["year"])
    out: dict[str, Row] = {}
    for key, val in sorted(data.items()):
        if key.startswith("_"):
            continue
        g = val["emissions"] * G_PER_KWH_PER_LB_PER_MWH
        out[f"US-{val['regionCode']}"] = {
            "intensity_g_per_kwh": fnum(round(g, 2)),
            "year": year,
            "source": EGRID,
            "basis": DIRECT_GEN,
        }
    return out


def lifecycle_factors() -> list[Row]:
    """The rows of ``lifecycle_factors.csv`` (curated, every row cited)."""
    rows = curated("lifecycle_factors.csv")
    for r in rows:
        if to_float(r["intensity_g_per_kwh"]) is None or not r["source"]:
            raise BuildError(f"lifecycle factor {r['mix_key']}: bad value or no source")
    return rows


def derive_from_mix(shares_pct: dict[str, float], factors: dict[str, float]) -> float:
    """Lifecycle intensity of a generation mix: sum of share x factor.

    Shares are taken as published (percent of generation; the Canadian totals are 99.8-100.2),
    not renormalised. A source with a non-zero share and no factor is an error.
    """
    total = 0.0
    for key, pct in shares_pct.items():
        if key == "total" or pct == 0:
            continue
        if key not in factors:
            raise BuildError(f"no lifecycle factor for mix source {key!r} ({pct}%)")
        total += pct / 100 * factors[key]
    return total


def _canada_mix(reference: Path) -> dict[str, dict[str, float]]:
    path = _codecarbon_2023(reference, "canada_energy_mix.json")
    return json.loads(path.read_text(encoding="utf-8"))


CA_MIX_YEAR = 2023


def build_canada(reference: Path) -> tuple[list[Row], list[Row]]:
    """Provinces and territories: lifecycle derived from the 2023 mix; direct from NIR 2021 (2019)."""
    data = json.loads(
        (reference / "canada-nir" / "all_nir_reports.json").read_text(encoding="utf-8")
    )
    report = next(
        v for d in data for k, v in d.items() if k == "EmissionFactors_NIR2021.json"
    )
    mix = {k.lower(): v for k, v in _canada_mix(reference).items()}
    factors = {
        r["mix_key"]: float(r["intensity_g_per_kwh"]) for r in lifecycle_factors()
    }
    meta = _subnational_meta()
    rows: list[Row] = []
    alts: list[Row] = []
    for entry in report:
        ((province, values),) = entry.items()
        m = meta.get(("CA", province))
        if m is None:
            continue  # the national row
        series = {int(y): float(v) for y, v in values.items()}
        row = {**_sub_row(m), **as_direct(figure(series, NIR, DIRECT_CONS))}
        shares = mix.get(province.lower()) or mix.get(m["name"].lower())
        if shares is None:
            raise BuildError(f"no 2023 generation mix for {province}")
        derived = {CA_MIX_YEAR: derive_from_mix(shares, factors)}
        fig = figure(derived, CA_MIX_SOURCE, derived_basis(CA_MIX, CA_MIX_YEAR))
        row.update(fig)
        rows.append(row)
        alts.append(alt_of(m["id"], fig))
        alts += _alts(m["id"], series, NIR, DIRECT_CONS)
    return rows, alts


def build_china(reference: Path) -> tuple[list[Row], list[Row]]:
    """Chinese provinces: the official 2023 provincial grid factors (CO2 only), direct basis only."""
    path = _codecarbon_2023(reference, "china_provincial_emissions.json")
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    rows = []
    alts = []
    for code, v in sorted(data.items()):
        name = v["description"]
        fig = figure(
            {int(v["year"]): float(v["emission_factor"])}, CHINA, DIRECT_CO2_CONS
        )
        row = {**_grid_row(code, name, "subnational"), **as_direct(fig)}
        row.update(
            parent="CN",
            location=name,
            aliases=join_unique([*v.get("names", []), f"{name} China"]),
        )
        rows.append(row)
        alts.append(alt_of(code, fig))
    return rows, alts


def iea_series(reference: Path) -> dict[str, dict[int, float]]:
    """IEA actuals (not its 2025-2026 forecasts) for the world, US, China and India."""
    path = (
        reference
        / "iea"
        / "co2-intensity-of-electricity-generation-in-selected-regions-2015-2026.csv"
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith(",World"))
    table = list(csv.DictReader(io.StringIO("\n".join(lines[header:]))))
    return {
        rid: {
            int(r[""]): float(r[col])
            for r in table
            if r[""].isdigit() and int(r[""]) <= IEA_LAST_ACTUAL
        }
        for col, rid in _IEA_REGIONS.items()
    }


def add_iea(reference: Path, rows: list[Row]) -> list[Row]:
    """Give WORLD, US, CN and IN the IEA's latest actual as their direct figure; return alternatives."""
    by_id = {r["id"]: r for r in rows}
    alts: list[Row] = []
    for rid, series in iea_series(reference).items():
        by_id[rid].update(as_direct(figure(series, IEA, DIRECT_CO2_GEN)))
        alts += _alts(rid, series, IEA, DIRECT_CO2_GEN)[:2]
    return alts
