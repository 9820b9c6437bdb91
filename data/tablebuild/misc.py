"""Build ``datacenters.csv``, ``constants.csv`` and ``sources.csv``."""

from __future__ import annotations

from pathlib import Path

from .common import BuildError, Row, curated, fnum, read_csv, slug, to_float

DC_COLUMNS = [
    "id",
    "name",
    "kind",
    "pue",
    "wue_l_per_kwh",
    "wue_year",
    "intensity_g_per_kwh",
    "source",
    "year",
    "primary",
    "note",
]
CONST_COLUMNS = ["name", "value", "unit", "source", "year", "note"]
SOURCE_COLUMNS = [
    "table",
    "title",
    "citation",
    "licence",
    "url",
    "vintage",
    "source",
    "year",
]

_PROVIDERS = {  # id -> (entity for PUE, entity for WUE or "", display name)
    "google": ("Google (fleet)", "", "Google (fleet average)"),
    "aws": (
        "Amazon Web Services (global)",
        "Amazon Web Services (global)",
        "Amazon Web Services (global)",
    ),
    "azure": (
        "Microsoft (global portfolio)",
        "Microsoft (global)",
        "Microsoft Azure (global portfolio)",
    ),
    "meta": ("Meta (facilities average)", "", "Meta (facilities average)"),
}
PATTERSON = "Patterson et al. (2021), Carbon Emissions and Large Neural Network Training, Table 4"


def _primary(row: Row) -> str:
    return "true" if row["source_kind"].startswith("primary") else "false"


def _latest(rows: list[Row], entity: str, metric: str) -> Row | None:
    cands = [r for r in rows if r["entity"] == entity and r["metric"] == metric]
    dated = [r for r in cands if r["year"]]
    if dated:
        return max(dated, key=lambda r: (int(r["year"]), r["value"]))
    return cands[0] if cands else None


def _uptime(rows: list[Row]) -> list[Row]:
    out = []
    for r in rows:
        if (
            r["entity"].startswith("Uptime Institute global survey")
            and r["metric"] == "PUE"
        ):
            out.append(
                {
                    "id": f"uptime-{r['year']}",
                    "name": f"Uptime Institute industry average {r['year']}",
                    "kind": "industry-average",
                    "pue": r["value"],
                    "source": f"Uptime Institute Global Data Center Survey {r['year']} ({r['source_url']})",
                    "year": r["year"],
                    "primary": _primary(r),
                    "note": r["note"] or r["source_kind"],
                }
            )
    return out


def _providers(rows: list[Row]) -> list[Row]:
    wues = {r["provider"]: r for r in curated("wue.csv")}
    out = []
    for pid, (pue_entity, wue_entity, name) in _PROVIDERS.items():
        pue = _latest(rows, pue_entity, "PUE")
        if pue is None:
            raise BuildError(f"no PUE for {pid}")
        wue = wues.get(pid)
        note = f"PUE: {pue['basis']}"
        source = f"{pue['entity']} {pue['year']} ({pue['source_url']})"
        if wue is not None:
            note += f"; WUE {wue['wue_l_per_kwh']} L/kWh ({wue['wue_year']}, {wue['note']})"
            source += f"; WUE: {wue['source']}"
        out.append(
            {
                "id": pid,
                "name": name,
                "kind": "provider",
                "pue": pue["value"],
                "wue_l_per_kwh": wue["wue_l_per_kwh"] if wue else "",
                "wue_year": wue["wue_year"] if wue else "",
                "source": source,
                "year": pue["year"],
                "primary": _primary(pue),
                "note": note,
            }
        )
    return out


def _industry_other(rows: list[Row]) -> list[Row]:
    picks = {
        "US EPA ENERGY STAR data (100+ data centres)": "energy-star-2009",
        "IDC estimate: public cloud industry average": "idc-cloud-2024",
        "IDC estimate: on-premises enterprise data centres": "idc-on-premises-2024",
    }
    out = []
    for r in rows:
        if r["entity"] in picks and r["metric"] == "PUE":
            out.append(
                {
                    "id": picks[r["entity"]],
                    "name": r["entity"],
                    "kind": "industry-average",
                    "pue": r["value"],
                    "source": f"{r['entity']} ({r['source_url']})",
                    "year": r["year"],
                    "primary": _primary(r),
                    "note": r["source_kind"],
                }
            )
    wue = next(r for r in rows if r["metric"] == "WUE" and r["scope"] == "industry")
    # The compilation's 1.8 L/kWh comes from a secondary article; the figure is the primary
    # LBNL report's (on-site water per kWh of an average US data centre, 2014 estimate), so the
    # row cites the report. The value must stay the report's.
    if float(wue["value"]) != LBNL_WUE_L_PER_KWH:
        raise BuildError(f"industry WUE {wue['value']} is not the LBNL report's {LBNL_WUE_L_PER_KWH}")
    out.append(
        {
            "id": "industry-wue",
            "name": "Industry-average water usage effectiveness (US data centres)",
            "kind": "industry-average",
            "wue_l_per_kwh": fnum(LBNL_WUE_L_PER_KWH),
            "wue_year": "2014",
            "source": LBNL_WUE_SOURCE,
            "year": "2016",
            "primary": "true",
            "note": "average on-site water of US data centres, about 1.8 L per kWh they consume (2014 estimate; "
                    "the report's generation water is about 7.6 L/kWh, not included here)",
        }
    )
    return out


LBNL_WUE_L_PER_KWH = 1.8
"""On-site water of an average US data centre per kWh it consumes (LBNL-1005775, 2016). Units: L/kWh."""

LBNL_WUE_SOURCE = ("Shehabi et al. (2016), United States Data Center Energy Usage Report, Lawrence Berkeley "
                   "National Laboratory, LBNL-1005775")


def _papers(reference: Path) -> list[Row]:
    out = [
        {
            "id": "strubell2019",
            "name": "Strubell et al. 2019 (US average, Uptime 2018 PUE)",
            "kind": "paper",
            "pue": "1.58",
            "intensity_g_per_kwh": fnum(round(0.954 * 453.59237, 2)),
            "source": "Strubell, Ganesh and McCallum (2019), ACL, Eq. 1-2",
            "year": "2019",
            "primary": "true",
            "note": "0.954 lbs CO2e/kWh (US EPA 2018)",
        }
    ]
    for r in read_csv(reference / "llmcarbon" / "models.csv"):
        ci = to_float(r["Datacenter Net CO2e/KWh (kg/KWh)"])
        out.append(
            {
                "id": "patterson2021-" + slug(r["Model"]),
                "kind": "paper",
                "name": f"{r['Datacenter of original experiment']} ({r['Model']}, Patterson et al. 2021)",
                "pue": r["Datacenter PUE"],
                "intensity_g_per_kwh": fnum(ci * 1000 if ci else None),
                "source": f"{PATTERSON}, via LLMCarbon data/models.csv (Apache-2.0)",
                "year": "2021",
                "primary": "false",
                "note": "net tCO2e/MWh of the datacentre used for that model",
            }
        )
    return out


def build_datacenters(reference: Path) -> list[Row]:
    """Rows of ``datacenters.csv``."""
    rows = read_csv(reference / "curated" / "pue_wue_published_figures.csv")
    out = _uptime(rows) + _industry_other(rows) + _providers(rows) + _papers(reference)
    ccf = read_csv(reference / "ccf" / "ccf_constants_extracted.csv")
    for r in ccf:
        if (
            r["kind"] == "constant"
            and r["key"] == "PUE_AVG"
            and r["provider"] in ("aws", "gcp", "azure")
        ):
            out.append(
                {
                    "id": f"ccf-{r['provider']}",
                    "name": f"Cloud Carbon Footprint default PUE ({r['provider']})",
                    "kind": "provider",
                    "pue": r["value"],
                    "source": "Cloud Carbon Footprint (Apache-2.0), "
                    + r["source_file_in_cloud-carbon-footprint@b7a049c7"],
                    "year": "2023",
                    "primary": "false",
                    "note": "tool default",
                }
            )
    return out


def build_constants() -> list[Row]:
    """Rows of ``constants.csv`` (hand-curated, every row cited)."""
    rows = curated("constants.csv")
    for r in rows:
        if to_float(r["value"]) is None or not r["source"]:
            raise BuildError(f"constant {r['name']}: bad value or no source")
    return rows


def build_sources() -> list[Row]:
    """Rows of ``sources.csv`` (hand-written citations)."""
    return curated("sources.csv")
