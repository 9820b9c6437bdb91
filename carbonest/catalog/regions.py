"""Carbon intensity of electricity by region: ``regions.csv`` and ``intensity_alternatives.csv``.

Kinds of region (``RegionSpec.kind``):

* ``world``: the ``WORLD`` row (Ember's world average).
* ``country``: ISO 3166-1 alpha-2 ids (``FR``, ``US``...), latest year per country.
* ``subnational``: ISO 3166-2 ids: US states + DC + PR (``US-CA``), Canadian provinces and
  territories (``CA-QC``), Indian states and union territories (``IN-MH``).
* ``cloud``: ``aws:us-east-1``, ``gcp:europe-west1``, ``azure:westeurope``; each carries the
  intensity of its grid row (``parent``), except GCP rows, which carry Google's own figure.

Every row carries up to two figures, one per basis (:data:`BASES`), each with its own
``year``, ``source`` and ``basis`` string:

* **lifecycle** (``intensity_g_per_kwh``...): upstream fuel supply and plant construction
  included; the basis of Ember's country and state figures. Every country, US and Indian
  state, Canadian province and cloud region has one; a Canadian province's is derived from
  its generation mix and the IPCC lifecycle medians (``lifecycle_factors.csv``). Chinese
  provinces have none (no shippable mix), so these fields are None there.
* **direct** (``direct_intensity_g_per_kwh``...): combustion at the plant only: Canada's
  inventory, US eGRID, China's MEE factors, the IEA (world, US, China, India) and Google's
  operational figure for GCP regions. None where no such figure is shipped.

The bases differ a lot: Quebec is 1.5 g/kWh direct (Canada's inventory, 2019) but about
28 g/kWh lifecycle (2023 mix x IPCC medians). Compare figures on one basis only.

Names match accent-, case-, space-, underscore- and hyphen-insensitively (``Québec``,
``quebec``, ``CA-QC``; ``FR``, ``FRA``, ``france``); a bare cloud region code
(``us-east-1``) finds the provider region when only one provider uses that code.
"""

from __future__ import annotations

import csv
import functools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from carbonest._values import FrozenValue
from carbonest.errors import InvalidInputError, UnknownRegionError

from ._load import find_row, norm, opt_float, opt_int, opt_str, read_table, read_text, split_aliases, suggest, shallow_dict

KINDS = ("world", "country", "subnational", "cloud")
BASES = ("lifecycle", "direct")
REGION_SETS = ("all", "countries", "subnational", "cloud", "aws", "gcp", "azure")
_KIND_PRIORITY = {"world": 0, "country": 1, "subnational": 2, "cloud": 3}


@dataclass(init=False, repr=False, eq=False, slots=True)
class IntensityFigure(FrozenValue):
    """One published (or derived) carbon intensity of a grid.

    Attributes:
        intensity_g_per_kwh: The figure. Units: gCO2e/kWh (CO2 only where ``basis`` says so).
        year: Year the figure refers to.
        source: Who published it (or how it was derived).
        basis: E.g. ``lifecycle, generation``, ``direct, consumption``.
    """

    intensity_g_per_kwh: float
    year: int
    source: str
    basis: str

    def __init__(
        self, intensity_g_per_kwh: float, year: int, source: str, basis: str,
    ) -> None:
        object.__setattr__(self, "intensity_g_per_kwh", intensity_g_per_kwh)
        object.__setattr__(self, "year", year)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "basis", basis)

    @property
    def basis_kind(self) -> str:
        """``"lifecycle"`` or ``"direct"``: the first word of ``basis``."""
        return basis_kind(self.basis)


def basis_kind(basis: str) -> str:
    """``"lifecycle"`` or ``"direct"`` for a basis string such as ``"direct (CO2 only), consumption"``.

    Raises:
        ValueError: The string starts with neither word (a table error).
    """
    for kind in BASES:
        if basis.startswith(kind):
            return kind
    raise ValueError(f"basis {basis!r} is neither lifecycle nor direct")


def _check_basis(basis: str) -> str:
    key = basis.strip().lower()
    if key not in BASES:
        raise InvalidInputError(
            f"unknown basis {basis!r}; expected one of {', '.join(BASES)}", field="basis"
        )
    return key


@dataclass(init=False, repr=False, eq=False, slots=True)
class RegionSpec(FrozenValue):
    """One region with its grid carbon intensity.

    Attributes:
        id: ``WORLD``, ``FR``, ``US-CA``, ``CA-QC``, ``aws:us-east-1``...
        name: Display name.
        kind: ``world``, ``country``, ``subnational`` or ``cloud``.
        intensity_g_per_kwh: Lifecycle carbon intensity of electricity, None where no lifecycle
            figure exists (Chinese provinces). Units: gCO2e/kWh.
        year: Year of the lifecycle figure (None with it).
        source: Who published the lifecycle figure, or how it was derived (None with it).
        basis: Its basis, starting ``lifecycle`` (``lifecycle, generation``,
            ``lifecycle (derived: ...)``); None with it.
        direct_intensity_g_per_kwh: Direct-combustion intensity, None where none is shipped.
            Units: gCO2e/kWh (CO2 only where ``direct_basis`` says so).
        direct_year: Year of the direct figure.
        direct_source: Who published it.
        direct_basis: Its basis, starting ``direct`` (``direct, consumption``...).
        iso2: ISO 3166-1 alpha-2 country code (countries, cloud regions).
        iso3: ISO 3166-1 alpha-3 code (countries).
        parent: Country id (sub-national) or grid region id (cloud).
        provider: ``aws``, ``gcp`` or ``azure`` (cloud).
        provider_region: The provider's region code, e.g. ``us-east-1`` (cloud).
        location: City, state or province.
        pue: The provider's published fleet PUE (cloud). Units: ratio.
        pue_source: Where the PUE comes from.
        pue_year: Year of the PUE figure.
        aliases: Other names that find this region.
    """

    id: str
    name: str
    kind: str
    intensity_g_per_kwh: float | None
    year: int | None
    source: str | None
    basis: str | None
    direct_intensity_g_per_kwh: float | None
    direct_year: int | None
    direct_source: str | None
    direct_basis: str | None
    iso2: str | None
    iso3: str | None
    parent: str | None
    provider: str | None
    provider_region: str | None
    location: str | None
    pue: float | None
    pue_source: str | None
    pue_year: int | None
    aliases: tuple[str, ...]

    def __init__(
        self, id: str, name: str, kind: str, intensity_g_per_kwh: float | None, year: int | None,
        source: str | None, basis: str | None, direct_intensity_g_per_kwh: float | None,
        direct_year: int | None, direct_source: str | None, direct_basis: str | None, iso2: str | None,
        iso3: str | None, parent: str | None, provider: str | None, provider_region: str | None,
        location: str | None, pue: float | None, pue_source: str | None, pue_year: int | None,
        aliases: tuple[str, ...],
    ) -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "intensity_g_per_kwh", intensity_g_per_kwh)
        object.__setattr__(self, "year", year)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "basis", basis)
        object.__setattr__(self, "direct_intensity_g_per_kwh", direct_intensity_g_per_kwh)
        object.__setattr__(self, "direct_year", direct_year)
        object.__setattr__(self, "direct_source", direct_source)
        object.__setattr__(self, "direct_basis", direct_basis)
        object.__setattr__(self, "iso2", iso2)
        object.__setattr__(self, "iso3", iso3)
        object.__setattr__(self, "parent", parent)
        object.__setattr__(self, "provider", provider)
        object.__setattr__(self, "provider_region", provider_region)
        object.__setattr__(self, "location", location)
        object.__setattr__(self, "pue", pue)
        object.__setattr__(self, "pue_source", pue_source)
        object.__setattr__(self, "pue_year", pue_year)
        object.__setattr__(self, "aliases", aliases)

    def figure(self, basis: str) -> IntensityFigure | None:
        """The row's own figure on one basis.

        Args:
            basis: ``"lifecycle"`` or ``"direct"``.

        Returns:
            The figure, or None when the row has none on that basis.

        Raises:
            InvalidInputError: ``basis`` is not one of :data:`BASES`.
        """
        if _check_basis(basis) == "lifecycle":
            values = (self.intensity_g_per_kwh, self.year, self.source, self.basis)
        else:
            values = (
                self.direct_intensity_g_per_kwh,
                self.direct_year,
                self.direct_source,
                self.direct_basis,
            )
        value, year, source, text = values
        if value is None or year is None or source is None or text is None:
            return None
        return IntensityFigure(value, year, source, text)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (aliases as a list)."""
        return shallow_dict(self)


def _spec(row: dict[str, str]) -> RegionSpec:
    return RegionSpec(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        intensity_g_per_kwh=opt_float(row["intensity_g_per_kwh"]),
        year=opt_int(row["year"]),
        source=opt_str(row["source"]),
        basis=opt_str(row["basis"]),
        direct_intensity_g_per_kwh=opt_float(row["direct_intensity_g_per_kwh"]),
        direct_year=opt_int(row["direct_year"]),
        direct_source=opt_str(row["direct_source"]),
        direct_basis=opt_str(row["direct_basis"]),
        iso2=opt_str(row["iso2"]),
        iso3=opt_str(row["iso3"]),
        parent=opt_str(row["parent"]),
        provider=opt_str(row["provider"]),
        provider_region=opt_str(row["provider_region"]),
        location=opt_str(row["location"]),
        pue=opt_float(row["pue"]),
        pue_source=opt_str(row["pue_source"]),
        pue_year=opt_int(row["pue_year"]),
        aliases=split_aliases(row["aliases"]),
    )


class _Index:
    """Names to region ids, built from the raw rows: a spec is made only for the region found
    (making all 479 costs about 12 ms, a third of a ``carbonest estimate --region quebec``'s
    catalog time)."""

    __slots__ = ("codes", "keys", "loose")

    def __init__(self, codes: dict[str, list[str]], keys: dict[str, list[str]],
                 loose: dict[str, list[str]]) -> None:
        self.codes = codes  # bare provider region code (lower case) -> ids
        self.keys = keys  # normalised name -> ids
        self.loose = loose  # a name without its "(...)" qualifier -> ids ("Georgia (US state)" -> US-GA)

    @property
    def by_id(self) -> dict[str, RegionSpec]:
        """Every region's spec, by id, in table order (built on first use)."""
        return _all_specs()


@functools.cache
def _all_specs() -> dict[str, RegionSpec]:
    return {r["id"]: _spec(r) for r in read_table("regions.csv")}  # the rows themselves: no id map needed


@functools.cache
def _specs_by_lower_id() -> dict[str, RegionSpec]:
    return {rid.lower(): spec for rid, spec in _all_specs().items()}


@functools.cache
def _index() -> _Index:
    codes: dict[str, list[str]] = defaultdict(list)
    keys: dict[str, list[str]] = defaultdict(list)
    loose: dict[str, list[str]] = defaultdict(list)
    for row in read_table("regions.csv"):
        rid = row["id"]
        if " (" in row["name"] and row["kind"] in ("country", "subnational"):
            loose[norm(row["name"].split(" (", 1)[0])].append(rid)
        names = [rid, row["name"], *split_aliases(row["aliases"])]
        if row["kind"] == "country":
            names += [row["iso2"], row["iso3"]]
        if row["provider_region"]:
            codes[row["provider_region"].lower()].append(rid)
            names.append(row["provider_region"])
        for key in {norm(n) for n in names if n}:
            keys[key].append(rid)
    return _Index(dict(codes), dict(keys), dict(loose))


def _pick(ids: list[str], typed: str, idx: _Index) -> RegionSpec:
    """One region out of several candidates: the single one of the highest-priority kind.

    A country and a state or province of the same name (``georgia``: GE and US-GA) are
    ambiguous, as are two regions of the same kind: an error lists the candidates.
    """
    specs = sorted(
        (_by_id_spec(i) for i in dict.fromkeys(ids)), key=lambda s: _KIND_PRIORITY.get(s.kind, 9)
    )
    places = [s for s in specs if s.kind in ("country", "subnational")]
    if len(specs) == 1 or (_KIND_PRIORITY[specs[0].kind] < _KIND_PRIORITY[specs[1].kind] and len(places) < 2):
        return specs[0]
    tied = places if len(places) > 1 else [s for s in specs if s.kind == specs[0].kind]
    raise UnknownRegionError(
        typed, [s.id for s in tied], field="region", hint="name the region by its id",
        shown=[f"{s.id} ({s.name}, {s.kind})" for s in tied], ambiguous=True,
    )


def _suggestions(key: str, idx: _Index) -> list[str]:
    """The closest region ids to a normalised key, over every name, id and alias."""
    shown = {k: v[0] for k, v in idx.keys.items() if len(v) == 1}
    rank = {rid: _KIND_PRIORITY.get(_rows_by_id()[rid.lower()]["kind"], 9) for rid in set(shown.values())}
    return suggest(key, shown, rank=rank) if key else []


def _unknown(name: str, key: str, idx: _Index) -> UnknownRegionError:
    ids = _suggestions(key, idx)
    return UnknownRegionError(name, ids, field="region",
                              shown=[f"{i} ({_rows_by_id()[i.lower()]['name']})" for i in ids])


_FOUND_BY_ID: dict[str, RegionSpec] = {}
"""Regions found by id, by the lower-cased name asked for: each search of ``regions.csv``'s text
costs ~20 us, and a what-if over the cloud regions asked for each region three times."""


def find_region(name: str) -> RegionSpec:
    """Look up a region by id, name, ISO code, alias or cloud region code.

    Args:
        name: E.g. ``"quebec"``, ``"CA-QC"``, ``"FRA"``, ``"us-east-1"``, ``"gcp:europe-west1"``, ``"world"``.

    Returns:
        The region.

    Raises:
        UnknownRegionError: No region matches (``suggestions`` holds the closest ids), or the
            name is ambiguous (``suggestions`` lists the candidates).
    """
    typed = name.strip()
    lower = typed.lower()
    found = _FOUND_BY_ID.get(lower)
    if found is not None:  # looked up by id before (a sweep looks each region up several times)
        return found
    if _all_specs.cache_info().currsize:  # every row is parsed already: no search of the text
        found = _specs_by_lower_id().get(lower)
    else:  # an id ("FR", "CA-QC", "aws:us-east-1"): no need to parse the whole table
        row = find_row("regions.csv", lower)
        found = _by_id_spec(row["id"]) if row is not None else None
    if found is not None:
        _FOUND_BY_ID[lower] = found
        return found
    idx = _index()
    if lower in idx.codes:
        return _pick(idx.codes[lower], typed, idx)
    key = norm(typed)
    if key in idx.keys:
        return _pick(idx.keys[key] + idx.loose.get(key, []), typed, idx)
    if key in idx.loose:  # "virgin islands" for "Virgin Islands (U.S.)"
        return _pick(idx.loose[key], typed, idx)
    raise _unknown(name, key, idx)


def world_region() -> RegionSpec:
    """The world-average row (``WORLD``)."""
    return _by_id_spec("WORLD")


@functools.cache
def _rows_by_id() -> dict[str, dict[str, str]]:
    """Raw rows by lower-case id: the tracker's start path looks regions up by id."""
    return {r["id"].lower(): r for r in read_table("regions.csv")}


@functools.cache
def _by_id_spec(region_id: str) -> RegionSpec:
    row = find_row("regions.csv", region_id)
    if row is None:
        raise KeyError(region_id)
    return _spec(row)


def list_regions(
    query: str | None = None, kind: str | None = None, basis: str | None = None
) -> list[RegionSpec]:
    """Regions, optionally filtered by kind, by a name query and by basis.

    Args:
        query: Substring of a normalised id, name or alias (e.g. ``"canada"``, ``"us-"``); None for all.
        kind: ``world``, ``country``, ``subnational`` or ``cloud``; None for all.
        basis: ``lifecycle`` or ``direct``: only regions with a figure on that basis; None for all.

    Returns:
        Matching regions in table order.

    Raises:
        InvalidInputError: ``kind`` or ``basis`` is not one of those above.
    """
    if basis is not None:
        wanted = _check_basis(basis)
        return [
            s for s in list_regions(query, kind) if s.figure(wanted) is not None
        ]
    if kind is not None and kind not in KINDS:
        raise InvalidInputError(
            f"unknown region kind {kind!r}; expected one of {', '.join(KINDS)}",
            field="kind",
        )
    specs = [s for s in _all_specs().values() if kind is None or s.kind == kind]
    if query is None or not norm(query):
        return specs  # listing needs no name index (its aliases' normalising is half the work)
    idx = _index()
    q = norm(query)
    hits = {i for key, ids in idx.keys.items() if q in key for i in ids}
    # A country's states and provinces come with it ("canada" lists CA-QC, CA-ON, ...).
    countries = {i for i in hits if idx.by_id[i].kind == "country"}
    hits |= {s.id for s in specs if s.kind == "subnational" and s.parent in countries}
    return [s for s in specs if s.id in hits]


def region_set(name: str) -> list[RegionSpec]:
    """A named set of regions, for sweeps and tables.

    Args:
        name: ``all``, ``countries``, ``subnational``, ``cloud``, ``aws``, ``gcp`` or ``azure``.

    Returns:
        The regions of the set, in table order (``all`` includes ``WORLD``).

    Raises:
        InvalidInputError: Unknown set name.
    """
    key = name.strip().lower()
    specs = list(_all_specs().values())  # no name index: a set is picked by kind or provider
    if key == "all":
        return specs
    if key == "countries":
        return [s for s in specs if s.kind == "country"]
    if key in ("subnational", "cloud"):
        return [s for s in specs if s.kind == key]
    if key in ("aws", "gcp", "azure"):
        return [s for s in specs if s.provider == key]
    raise InvalidInputError(
        f"unknown region set {name!r}; expected one of {', '.join(REGION_SETS)}",
        field="regions",
    )


@functools.cache
def _alternative_lines() -> tuple[list[str], dict[str, list[str]]]:
    """The header and the raw CSV lines of ``intensity_alternatives.csv`` by region id.

    Only the asked region's lines are parsed (a whole parse of the 2,600 rows costs about 12 ms
    on the estimate path, the split about 1 ms). Region ids never contain a comma or a quote
    (``tests/test_tables.py`` checks the ids), so the first field is the text before the first comma.
    """
    text = read_text("intensity_alternatives.csv")
    header_line, _, body = text.partition("\n")
    out: dict[str, list[str]] = defaultdict(list)
    for line in body.splitlines():
        if line:
            out[line.partition(",")[0]].append(line)
    return next(csv.reader([header_line])), dict(out)


def _alternatives_of(region_id: str) -> tuple[dict[str, str], ...]:
    header, lines = _alternative_lines()
    return tuple(dict(zip(header, row)) for row in csv.reader(lines.get(region_id, ())))


def _value(region_id: str, row: dict[str, str]) -> dict[str, Any]:
    return {
        "region_id": region_id,
        "intensity_g_per_kwh": float(row["intensity_g_per_kwh"]),
        "year": int(row["year"]),
        "source": row["source"],
        "basis": row["basis"],
    }


def intensity_spread(
    region_id: str, basis: str = "lifecycle"
) -> tuple[float, float, list[dict[str, Any]]] | None:
    """Range of the figures on one basis for a region, for uncertainty bands.

    The figures are the region's rows in ``intensity_alternatives.csv`` on that basis: its own
    figure plus the latest years of every shipped source on the same basis (for a cloud region,
    its grid's figures, whose ``source`` says "(grid of XX)"). The other basis is never folded
    in: show it beside the range with :meth:`RegionSpec.figure`.

    Args:
        region_id: Any name :func:`find_region` accepts.
        basis: ``"lifecycle"`` (default) or ``"direct"``.

    Returns:
        ``(low, high, rows)``: the lowest and highest intensity (gCO2e/kWh) and every figure
        used, each a dict with ``region_id``, ``intensity_g_per_kwh``, ``year``, ``source`` and
        ``basis``, sorted by intensity (so ``rows[0]`` and ``rows[-1]`` name the bounds'
        sources). ``low <= figure.intensity_g_per_kwh <= high`` holds for the region's own
        figure on that basis. **None** when the region has no figure on that basis (e.g. a
        Chinese province on ``lifecycle``, Estonia on ``direct``).

    Raises:
        UnknownRegionError: The region is unknown.
        InvalidInputError: ``basis`` is not one of :data:`BASES`.
    """
    kind = _check_basis(basis)
    spec = find_region(region_id)
    values = [
        _value(spec.id, r)
        for r in _alternatives_of(spec.id)
        if basis_kind(r["basis"]) == kind
    ]
    own = spec.figure(kind)
    if own is not None and not any(
        v["intensity_g_per_kwh"] == own.intensity_g_per_kwh and v["year"] == own.year
        for v in values
    ):  # the build lists the row's own figure; keep the bracket guarantee regardless
        values.append(_value(spec.id, {
            "intensity_g_per_kwh": str(own.intensity_g_per_kwh),
            "year": str(own.year),
            "source": own.source,
            "basis": own.basis,
        }))
    if not values:
        return None
    values.sort(key=lambda v: (v["intensity_g_per_kwh"], -v["year"], v["source"]))
    return values[0]["intensity_g_per_kwh"], values[-1]["intensity_g_per_kwh"], values
