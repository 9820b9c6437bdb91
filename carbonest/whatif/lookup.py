"""Catalog look-ups for a sweep: each distinct name is looked up once, giving arrays over its axis.

A :class:`Along` is a value that varies along one axis of the grid (or is one
constant, ``axis=None``), with its low/high bounds and a provenance label per
element. The precedence rules are those of :func:`carbonest.estimate`, and the
labels are built the same way, so a row of a sweep and an estimate of the same
job carry the same provenance strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from carbonest._values import FrozenValue
from carbonest.whatif.backend import xp
from carbonest.records.common import cite
from carbonest.errors import InvalidInputError, param
from carbonest.records import Provenance

if TYPE_CHECKING:
    import numpy as np

REGION_SETS = ("all", "countries", "subnational", "cloud", "aws", "gcp", "azure")
"""Names that stand for a set of regions (see ``carbonest.catalog.region_set``)."""


@dataclass(init=False, repr=False, eq=False)
class Along(FrozenValue):
    """A value over one axis (or a constant), with bounds and per-element provenance.

    Attributes:
        axis: The grid axis it varies along, or None for a constant.
        values: One value per element of the axis (one value for a constant).
        low: Lower bound per element.
        high: Upper bound per element.
        labels: Provenance label per element.
        ids: Optional per-element identifiers (region id, canonical GPU name).
        names: Optional per-element display names.
    """

    axis: str | None
    values: np.ndarray
    low: np.ndarray
    high: np.ndarray
    labels: tuple[str, ...]
    ids: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def __init__(
        self, axis: str | None, values: np.ndarray, low: np.ndarray, high: np.ndarray,
        labels: tuple[str, ...], ids: tuple[str, ...] = (), names: tuple[str, ...] = (),
    ) -> None:
        object.__setattr__(self, "axis", axis)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "names", names)


def table_label(table: str, source: str | None, year: int | None, detail: str = "") -> str:
    """The provenance label ``estimate`` gives a table value: ``table:<table> <detail> <source> <year>``."""
    text = f"{table} {detail}".strip() if detail else table
    return Provenance("table", text, source, year).label


def exact(axis: str | None, values: Any, label: str) -> Along:
    """A user-given (or otherwise exact) value: zero-width bounds, one label."""
    np = xp()

    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    return Along(axis, arr, arr, arr, (label,) * len(arr))


@dataclass(init=False, repr=False, eq=False)
class Accelerators(FrozenValue):
    """The GPU axis: canonical names, TDP (with provenance) and peak FLOP/s per dtype."""

    names: tuple[str, ...]
    tdp_w: np.ndarray
    tdp_labels: tuple[str, ...]
    specs: tuple[Any, ...]
    notes: tuple[str, ...]

    def __init__(
        self, names: tuple[str, ...], tdp_w: np.ndarray, tdp_labels: tuple[str, ...], specs: tuple[Any, ...],
        notes: tuple[str, ...],
    ) -> None:
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "tdp_w", tdp_w)
        object.__setattr__(self, "tdp_labels", tdp_labels)
        object.__setattr__(self, "specs", specs)
        object.__setattr__(self, "notes", notes)

    def peak_flops_per_s(self, dtypes: Sequence[str]) -> np.ndarray:
        """Peak throughput, shape (GPUs, dtypes). Units: FLOP/s."""
        np = xp()

        return np.array([[spec.peak_flops_per_s(d) for d in dtypes] for spec in self.specs], dtype=np.float64)


def accelerators(names: Sequence[str]) -> Accelerators:
    """Look up each GPU name once (unknown names raise with suggestions)."""
    np = xp()

    from carbonest.catalog import find_accelerator

    specs, notes = [], []
    for name in names:
        spec = find_accelerator(name)
        specs.append(spec)
        if spec.resolved_from:
            others = ", ".join(spec.alternatives) or "none"
            notes.append(f"'{name}' was taken as {spec.name} ({spec.tdp_w:g} W TDP); other SKUs: {others}.")
    tdp = np.array([np.nan if s.tdp_w is None else float(s.tdp_w) for s in specs])
    labels = tuple(table_label("accelerators", s.source, s.year, "TDP") for s in specs)
    return Accelerators(tuple(s.name for s in specs), tdp, labels, tuple(specs), tuple(notes))


@dataclass(init=False, repr=False, eq=False)
class Cpus(FrozenValue):
    """The CPU axis: canonical names, TDP, and the idle power of each (the low bound, as estimate's)."""

    names: tuple[str, ...]
    tdp_w: np.ndarray
    idle_w: np.ndarray
    tdp_labels: tuple[str, ...]
    idle_labels: tuple[str, ...]

    def __init__(
        self, names: tuple[str, ...], tdp_w: np.ndarray, idle_w: np.ndarray, tdp_labels: tuple[str, ...],
        idle_labels: tuple[str, ...],
    ) -> None:
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "tdp_w", tdp_w)
        object.__setattr__(self, "idle_w", idle_w)
        object.__setattr__(self, "tdp_labels", tdp_labels)
        object.__setattr__(self, "idle_labels", idle_labels)


def cpus(names: Sequence[str]) -> Cpus:
    """Look up each CPU name once; the idle power is TDP x Cloud Carbon Footprint's min/max watts per
    vCPU of the CPU's micro-architecture (the rule of :func:`carbonest.estimate`'s power step)."""
    np = xp()

    from carbonest.catalog import cpu_power_lookup, find_cpu
    from carbonest.formulas import uncertainty

    specs = [find_cpu(n) for n in names]
    idle, idle_labels = [], []
    for spec in specs:
        row = cpu_power_lookup(spec.name).per_vcpu
        ratio = row.min_w_per_vcpu / row.max_w_per_vcpu
        idle.append(float(uncertainty.power_range_w(float(spec.tdp_w), ratio)[0]))
        idle_labels.append(Provenance("modelled", f"idle = {ratio:.2f} x TDP ({row.microarchitecture}: "
                                                  f"{row.min_w_per_vcpu:.3g} / {row.max_w_per_vcpu:.3g} W per vCPU, "
                                                  f"{cite(row.source, row.year)})").label)
    return Cpus(tuple(s.name for s in specs), np.array([float(s.tdp_w) for s in specs]), np.array(idle),
                tuple(table_label("cpus", s.source, s.year, "TDP") for s in specs), tuple(idle_labels))


def expand_regions(names: Sequence[str]) -> list[Any]:
    """Region specs for a list of names, where a set name (``all``, ``cloud``, ``aws``...) expands."""
    from carbonest.catalog import find_region, region_set

    specs: list[Any] = []
    for name in names:
        key = name.strip().lower()
        specs.extend(region_set(key) if key in REGION_SETS else [find_region(name)])
    return specs


def spread_sources(spec: Any, basis: str, central: float, label: str) -> tuple[float, float, str, str]:
    """The region's intensity bounds on ``basis`` and the source of each (as ``estimate`` gives them)."""
    from carbonest.catalog import intensity_spread

    spread = intensity_spread(spec.id, basis)
    if spread is None:
        return central, central, label, label
    low, high, rows = spread
    lo, hi = min(float(low), central), max(float(high), central)
    low_src = cite(rows[0]['source'], rows[0]['year']) if lo == float(low) else label
    high_src = cite(rows[-1]['source'], rows[-1]['year']) if hi == float(high) else label
    return lo, hi, low_src, high_src


def region_intensity(axis: str | None, specs: Sequence[Any], basis: str) -> tuple[Along, tuple[str, ...]]:
    """Carbon intensity of table regions on one basis (a region axis, or the world default as a
    constant), and the basis of each figure. Every spec must have a figure on ``basis``
    (the request drops those that do not, to list them apart)."""
    along, bases, _ = region_intensity_sourced(axis, specs, basis)
    return along, bases


def region_intensity_sourced(axis: str | None, specs: Sequence[Any],
                             basis: str) -> tuple[Along, tuple[str, ...], tuple[tuple[str, str], ...]]:
    """:func:`region_intensity` with the source of each region's low and high bound."""
    np = xp()

    from carbonest.intensity.table import figure_of

    figs = [figure_of(s, basis) for s in specs]
    values = np.array([float(f.intensity_g_per_kwh) for f in figs])
    labels = tuple(table_label("regions", f.source, f.year, f"{s.id} {basis}") for s, f in zip(specs, figs))
    spreads = [spread_sources(s, basis, float(f.intensity_g_per_kwh), lab) for s, f, lab in zip(specs, figs, labels)]
    low = np.array([sp[0] for sp in spreads], dtype=np.float64)
    high = np.array([sp[1] for sp in spreads], dtype=np.float64)
    along = Along(axis, values, low, high, labels, tuple(s.id for s in specs), tuple(s.name for s in specs))
    return along, tuple(f.basis for f in figs), tuple((sp[2], sp[3]) for sp in spreads)


def basis_kind(basis: str) -> str:
    """``lifecycle``, ``direct``, ``user`` or the text of another basis (a datacenter preset's)."""
    words = basis.replace("(", " ").replace(",", " ").split()
    first = words[0] if words else ""
    return first if first in ("lifecycle", "direct", "user") else basis


DATACENTER_BASIS = "as published by the datacenter preset"
"""The basis of an intensity a datacenter preset carries (e.g. the figures Patterson et al. 2021
give for Google's datacentres): the publication's own, not one of the table's bases."""


def datacenter_intensity(axis: str, specs: Sequence[Any], world: Any, basis: str) -> tuple[Along, tuple[str, ...]]:
    """Intensity of datacenter presets that carry one; the world average for those that do not;
    and the basis of each figure (so a ranking can refuse a mix)."""
    np = xp()

    fallback, (world_basis,) = region_intensity(None, [world], basis)  # sources: see totals.intensity
    rows = []
    for dc in specs:
        own = getattr(dc, "intensity_g_per_kwh", None)
        if own is not None:
            label = table_label("datacenters", dc.source, dc.year, dc.id)
            rows.append((float(own), float(own), float(own), label, dc.id, dc.name, DATACENTER_BASIS))
        else:
            rows.append((fallback.values[0], fallback.low[0], fallback.high[0], fallback.labels[0],
                         world.id, world.name, world_basis))
    values, low, high, labels, ids, names, bases = zip(*rows)
    return Along(axis, np.array(values), np.array(low), np.array(high), labels, ids, names), bases


def datacenters(names: Sequence[str]) -> list[Any]:
    """Datacenter presets, each name looked up once."""
    from carbonest.catalog import find_datacenter

    return [find_datacenter(n) for n in names]


def datacenter_pue(axis: str, specs: Sequence[Any]) -> Along:
    """PUE of datacenter presets (each must carry one)."""
    np = xp()

    for dc in specs:
        if getattr(dc, "pue", None) is None:
            raise InvalidInputError(f"datacenter: {dc.id} has no PUE figure; give {param('pue')}", field="datacenter")
    values = np.array([float(getattr(dc, "pue")) for dc in specs])
    labels = tuple(table_label("datacenters", dc.source, dc.year, dc.id) for dc in specs)
    return Along(axis, values, values, values, labels)


def industry_pue() -> Along:
    """The latest industry-average PUE, as a constant."""
    from carbonest.catalog import industry_pue as latest

    np = xp()

    from carbonest.intensity.resolve import industry_pue_bounds

    spec: Any = latest()
    low, high = industry_pue_bounds(float(spec.pue))
    label = table_label("datacenters", spec.source, spec.year, spec.id)
    return Along(None, np.array([float(spec.pue)]), np.array([low]), np.array([high]), (label,))


def region_pue(axis: str | None, specs: Sequence[Any]) -> Along:
    """Per region: its cloud provider's PUE where it has one, else the industry average."""
    np = xp()

    default = industry_pue()
    values, lows, highs, labels = [], [], [], []
    for s in specs:
        if getattr(s, "pue", None) is not None:
            values.append(float(s.pue))
            lows.append(float(s.pue))
            highs.append(float(s.pue))
            labels.append(Provenance("table", f"regions {s.id} provider PUE", s.pue_source, s.pue_year).label)
        else:
            values.append(float(default.values[0]))
            lows.append(float(default.low[0]))
            highs.append(float(default.high[0]))
            labels.append(default.labels[0])
    return Along(axis, np.array(values), np.array(lows), np.array(highs), tuple(labels))


def wue(axis: str | None, dcs: Sequence[Any] | None) -> Along:
    """On-site WUE of datacenter presets that carry one, else the industry average."""
    from carbonest.catalog import industry_wue

    default: Any = industry_wue()
    default_label = table_label("datacenters", default.source, default.year, default.id)
    if dcs is None:
        return exact(None, [float(default.wue_l_per_kwh)], default_label)
    np = xp()

    values, labels = [], []
    for dc in dcs:
        own = getattr(dc, "wue_l_per_kwh", None)
        values.append(float(own) if own is not None else float(default.wue_l_per_kwh))
        labels.append(table_label("datacenters", dc.source, dc.year, dc.id) if own is not None else default_label)
    arr = np.array(values)
    return Along(axis, arr, arr, arr, tuple(labels))


def region_wue(axis: str, specs: Sequence[Any]) -> Along:
    """Per region: its cloud provider's on-site WUE where the provider publishes one, else the
    industry average (the rule of :func:`carbonest.estimate`'s water step)."""
    np = xp()

    from carbonest.catalog import find_datacenter, industry_wue

    default: Any = industry_wue()
    default_label = table_label("datacenters", default.source, default.year, default.id)
    values, labels = [], []
    for s in specs:
        provider = find_datacenter(s.provider) if getattr(s, "provider", None) else None
        if provider is not None and provider.wue_l_per_kwh is not None:
            values.append(float(provider.wue_l_per_kwh))
            labels.append(table_label("datacenters", provider.source, provider.year, provider.id))
        else:
            values.append(float(default.wue_l_per_kwh))
            labels.append(default_label)
    arr = np.array(values)
    return Along(axis, arr, arr, arr, tuple(labels))


def constant(name: str) -> tuple[float, str]:
    """A catalog constant and its provenance label."""
    from carbonest.catalog import constant as find

    c = find(name)
    return float(c.value), Provenance("table", f"constants {name}={c.value:g}", c.source, c.year).label
