"""Datacentre presets: PUE and WUE (``datacenters.csv``).

Kinds: ``industry-average`` (Uptime Institute survey averages by year, IDC, EPA),
``provider`` (Google, AWS, Azure, Meta fleet figures; Cloud Carbon Footprint defaults),
``datacenter`` (one site) and ``paper`` (the setting of a published estimate, e.g. the
Google datacentres of Patterson et al. 2021 Table 4, with their grid intensity).
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from typing import Any

from carbonest._values import FrozenValue
from carbonest.errors import InvalidInputError

from ._load import norm, opt_float, opt_int, read_table, suggest

_ALIASES = {  # normalised alias -> id ("@uptime-latest" resolves at call time)
    "uptime": "@uptime-latest",
    "industry": "@uptime-latest",
    "industryaverage": "@uptime-latest",
    "amazon": "aws",
    "amazonwebservices": "aws",
    "microsoft": "azure",
    "gcp": "google",
    "googlecloud": "google",
    "facebook": "meta",
    "strubell": "strubell2019",
}


@dataclass(init=False, repr=False, eq=False, slots=True)
class DatacenterSpec(FrozenValue):
    """One datacentre preset.

    Attributes:
        id: E.g. ``"uptime-2024"``, ``"google"``, ``"aws"``, ``"patterson2021-gpt-3"``.
        name: Display name.
        kind: ``industry-average``, ``provider``, ``datacenter`` or ``paper``.
        pue: Power usage effectiveness. Units: ratio (total facility / IT energy).
        wue_l_per_kwh: Water usage effectiveness, if known. Units: L per kWh of IT energy.
        wue_year: Year the WUE refers to (it may differ from the PUE's ``year``).
        intensity_g_per_kwh: Grid intensity the preset carries, if any. Units: gCO2e/kWh.
        source: URL or citation.
        year: Year the figure refers to.
        primary: True when taken from the publisher itself, False for a secondary report.
        note: Basis and caveats.
    """

    id: str
    name: str
    kind: str
    pue: float | None
    wue_l_per_kwh: float | None
    wue_year: int | None
    intensity_g_per_kwh: float | None
    source: str
    year: int
    primary: bool
    note: str

    def __init__(
        self, id: str, name: str, kind: str, pue: float | None, wue_l_per_kwh: float | None,
        wue_year: int | None, intensity_g_per_kwh: float | None, source: str, year: int, primary: bool,
        note: str,
    ) -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "pue", pue)
        object.__setattr__(self, "wue_l_per_kwh", wue_l_per_kwh)
        object.__setattr__(self, "wue_year", wue_year)
        object.__setattr__(self, "intensity_g_per_kwh", intensity_g_per_kwh)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "year", year)
        object.__setattr__(self, "primary", primary)
        object.__setattr__(self, "note", note)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


PueSpec = DatacenterSpec
"""Alias: a PUE preset is a datacentre preset."""


def _spec(row: dict[str, str]) -> DatacenterSpec:
    return DatacenterSpec(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        pue=opt_float(row["pue"]),
        wue_l_per_kwh=opt_float(row["wue_l_per_kwh"]),
        wue_year=opt_int(row["wue_year"]),
        intensity_g_per_kwh=opt_float(row["intensity_g_per_kwh"]),
        source=row["source"],
        year=int(row["year"]),
        primary=row["primary"] == "true",
        note=row["note"],
    )


@functools.cache
def _by_id() -> dict[str, DatacenterSpec]:
    return {r["id"]: _spec(r) for r in read_table("datacenters.csv")}


def list_datacenters() -> list[DatacenterSpec]:
    """Every datacentre preset, in table order."""
    return list(_by_id().values())


def _uptime() -> list[DatacenterSpec]:
    return sorted(
        (s for s in _by_id().values() if s.id.startswith("uptime-")),
        key=lambda s: s.year,
    )


def industry_pue(year: int | None = None) -> DatacenterSpec:
    """The Uptime Institute industry-average PUE.

    Args:
        year: Survey year; None for the latest. A year without a survey row gives the latest
            row before it.

    Returns:
        The preset (``pue`` set, ``year`` the survey year).

    Raises:
        InvalidInputError: ``year`` is before the first survey in the table.
    """
    rows = _uptime()
    if year is None:
        return rows[-1]
    earlier = [s for s in rows if s.year <= year]
    if not earlier:
        years = ", ".join(str(s.year) for s in rows)
        raise InvalidInputError(
            f"no industry PUE for {year}; years available: {years}", field="year"
        )
    return earlier[-1]


def industry_wue() -> DatacenterSpec:
    """A stated industry-average WUE (``wue_l_per_kwh``), with its source and caveats in ``note``."""
    return _by_id()["industry-wue"]


def find_datacenter(name: str) -> DatacenterSpec:
    """Look up a preset by id or a common name.

    Args:
        name: E.g. ``"uptime-2024"``, ``"uptime"`` (latest survey), ``"google"``, ``"aws"``,
            ``"azure"``, ``"meta"``, ``"strubell2019"``.

    Returns:
        The preset.

    Raises:
        InvalidInputError: Unknown name; the message suggests the closest ids.
    """
    by_id = _by_id()
    key = norm(name)
    target = _ALIASES.get(key)
    if target == "@uptime-latest":
        return industry_pue()
    if target is not None:
        return by_id[target]
    for spec in by_id.values():
        if key in (norm(spec.id), norm(spec.name)):
            return spec
    keys = {norm(i): i for i in by_id} | {
        k: (v if v[0] != "@" else "uptime") for k, v in _ALIASES.items()
    }
    close = suggest(key, keys) if key else []
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise InvalidInputError(
        f"unknown datacenter preset {name!r}{hint}", field="datacenter"
    )
