"""Build the cloud rows of ``regions.csv``: AWS, GCP and Azure regions.

Each cloud region carries, as its lifecycle figure, the lifecycle figure of the grid row of its
location (``parent``: the state or province when known, else the country; a Chinese province has
no lifecycle figure, so its regions take China's), with "(grid of XX)" in ``source``. Its direct
figure is Google's operational grid figure for GCP regions (Apache-2.0,
GoogleCloudPlatform/region-carbon-info) and, for AWS and Azure, the parent's direct figure where it
has one. Its alternatives are its own figures, Google's other years (2019-2020 on Google's lifecycle
basis) and every alternative of its grid, relabelled "(grid of XX)". ``pue`` is the provider's
latest published fleet PUE (``curated/pue_wue_published_figures.csv`` upstream).
"""

from __future__ import annotations

import re
from pathlib import Path

from .common import BuildError, Row, curated, fnum, join_unique, read_csv, to_float
from .regions import LIFECYCLE_FIELDS, alt_of, as_direct, direct_of, lifecycle_of

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


def _grid_lifecycle(parent: Row, grid: dict[str, Row]) -> tuple[Row, str]:
    """(lifecycle figure, id of the grid row it comes from): the parent's, else its country's."""
    fig = lifecycle_of(parent)
    if fig is not None:
        return fig, parent["id"]
    country = grid[parent["parent"]]
    fig = lifecycle_of(country)
    if fig is None:
        raise BuildError(f"no lifecycle figure for {parent['id']} or its country")
    return fig, country["id"]


def _relabel(fig: Row, grid_id: str) -> Row:
    return {**fig, "source": f"{fig['source']} (grid of {grid_id})"}


def _cloud_row(
    provider: str, code: str, c: Row, parent: Row, grid: dict[str, Row], pue: Row
) -> Row:
    """A cloud row carrying its grid's lifecycle figure and (AWS, Azure) its grid's direct figure."""
    names = [f"{provider} {code}", f"{provider} {c['name']}"]
    if provider == "azure":
        names.append(c["name"])  # Azure display names ("West Europe") are unique
    life, life_id = _grid_lifecycle(parent, grid)
    row = {
        "id": f"{provider}:{code}",
        "name": f"{_LABEL[provider]} {c['name']}",
        "kind": "cloud",
        **_relabel(life, life_id),
        "iso2": parent.get("iso2", "") or parent["id"][:2],
        "parent": parent["id"],
        "provider": provider,
        "provider_region": code,
        "location": c["location"],
        "aliases": join_unique(names),
        **pue,
    }
    direct = direct_of(parent)
    if direct is not None:
        row.update(as_direct(_relabel(direct, parent["id"])))
    return row


def _alt(rid: str, value: str, year: str, source: str, basis: str) -> Row:
    return {
        "region_id": rid,
        "intensity_g_per_kwh": value,
        "year": year,
        "source": source,
        "basis": basis,
    }


def _use_google(row: Row, years: dict[int, tuple[float, str]]) -> list[Row]:
    """Give a GCP row Google's latest (operational, direct) figure; return all of Google's years."""
    direct_years = [y for y, (_, b) in years.items() if b == GOOGLE_BASIS_NEW]
    if not direct_years:
        raise BuildError(f"no Google operational figure for {row['id']}")
    latest = max(direct_years)
    value, basis = years[latest]
    row.update(
        direct_intensity_g_per_kwh=fnum(value),
        direct_year=str(latest),
        direct_basis=basis,
        direct_source=GOOGLE.format(year=latest),
    )
    return [
        _alt(row["id"], fnum(v), str(y), GOOGLE.format(year=y), b)
        for y, (v, b) in sorted(years.items(), reverse=True)
    ]


def _cloud_alts(
    row: Row, grid_ids: list[str], grid_alts: dict[str, list[Row]], own: list[Row]
) -> list[Row]:
    """The row's own figures, then its grid's alternatives relabelled; no duplicates."""
    out: list[Row] = []
    seen: set[tuple[str, ...]] = set()
    cands = [f for f in (lifecycle_of(row), direct_of(row)) if f is not None]
    cands += [{k: a[k] for k in LIFECYCLE_FIELDS} for a in own]
    for gid in grid_ids:
        cands += [_relabel({k: a[k] for k in LIFECYCLE_FIELDS}, gid) for a in grid_alts.get(gid, [])]
    for fig in cands:
        key = tuple(fig[k] for k in LIFECYCLE_FIELDS)
        if key not in seen:
            seen.add(key)
            out.append(alt_of(row["id"], fig))
    return out


def build_cloud(
    reference: Path, grid_rows: list[Row], grid_alt_rows: list[Row]
) -> tuple[list[Row], list[Row]]:
    """Cloud rows and their alternatives, given the already-built grid rows and alternatives."""
    grid = {r["id"]: r for r in grid_rows}
    grid_alts: dict[str, list[Row]] = {}
    for a in grid_alt_rows:
        grid_alts.setdefault(a["region_id"], []).append(a)
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
        row = _cloud_row(provider, code, c, parent, grid, pue[provider])
        own: list[Row] = []
        if provider == "gcp":
            if code not in google:
                raise BuildError(f"no Google figure for {code}")
            own = _use_google(row, google[code])
        grid_ids = [parent["id"]]
        if lifecycle_of(parent) is None and parent.get("parent"):
            grid_ids.append(parent["parent"])
        rows.append(row)
        alts += _cloud_alts(row, grid_ids, grid_alts, own)
    return rows, alts
