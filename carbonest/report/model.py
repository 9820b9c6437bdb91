"""The figures of a run report, built from a stored record, its samples and phases.

Pure of plotting and formatting: :func:`build_report` turns what the store holds into a
:class:`RunReport` that the text, HTML and plot renderers all draw from, so that every
output shows the same numbers with the same provenance.

* **Power over time**: one :class:`Series` per component and device. A stored sample holds
  the mean power since the previous sample of its series, so each becomes a
  :class:`Segment` over that interval and is drawn as a step, never as a point. A segment
  spanning at least two sampling intervals is marked ``merged``: the store's thinning
  (:mod:`carbonest.store.thinning`) merges old samples of a long run into aligned buckets
  and keeps their energy, so the step shows the mean over the bucket, not a reading.
* **CO2e range**: the measured energy is taken as exact; the range is that energy times the
  lowest and highest intensity the shipped tables hold for the run's region *on the run's
  basis* (:func:`carbonest.catalog.regions.intensity_spread`). A user-given intensity is
  exact; a run under a live intensity series gets no range (its figure varied by time).
* **Lowest-carbon regions**: the run's facility energy (its PUE kept) times the intensity of
  each shipped region on the run's basis; the five lowest, plus the run's own region.
  A run whose basis is unknown (a user-given intensity) gets no such list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from carbonest.formulas import emissions
from carbonest.records import Sample

MERGED_FACTOR = 2.0
"""A segment at least this many sampling intervals long is drawn as merged (a bucket mean)."""

MAX_PHASE_SPANS = 2000
"""The most phases drawn on the time axis; the rest are counted in a note."""

LOWEST_REGIONS = 5


@dataclass(frozen=True)
class Segment:
    """One stored sample as the interval it covers. Units: s since the run start, W, J."""

    start_s: float
    end_s: float
    power_w: float | None
    energy_j: float | None
    merged: bool


@dataclass(frozen=True)
class Series:
    """The power of one device of one component over time."""

    component: str
    device: str
    segments: tuple[Segment, ...]

    @property
    def merged_count(self) -> int:
        """How many segments are bucket means left by the store's thinning."""
        return sum(1 for s in self.segments if s.merged)


@dataclass(frozen=True)
class PhaseSpan:
    """A finished phase placed on the run's time axis. Units: s, kWh, kg CO2e."""

    name: str
    start_s: float
    duration_s: float
    energy_kwh: float | None
    co2e_kg: float | None


@dataclass(frozen=True)
class Figure:
    """One figure of the report with where it came from (a row of the provenance table)."""

    label: str
    value: float | None
    unit: str
    provenance: str


@dataclass(frozen=True)
class EquivalentRow:
    """An everyday equivalent of the run's CO2e. Units: count, kg CO2e per unit."""

    label: str
    count: float
    per_unit_kg: float
    source: str
    year: int


@dataclass(frozen=True)
class RegionRow:
    """The run's facility energy on another grid, same basis. Units: g CO2e/kWh, kg CO2e."""

    id: str
    name: str
    kind: str
    intensity_g_per_kwh: float
    co2e_kg: float
    year: int
    source: str
    basis: str
    is_run_region: bool = False


@dataclass(frozen=True)
class RunReport:
    """Everything a run report shows. ``record`` is the stored record as a dict."""

    record: Mapping[str, Any]
    series: tuple[Series, ...]
    phases: tuple[PhaseSpan, ...]
    phases_total: int
    basis: str | None
    co2e_range_kg: tuple[float, float] | None
    range_note: str
    equivalents: tuple[EquivalentRow, ...]
    regions: tuple[RegionRow, ...]
    regions_note: str
    figures: tuple[Figure, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def co2e_kg(self) -> float | None:
        """The run's CO2e as stored. Units: kg CO2e."""
        return _num(self.record.get("co2e_kg"))

    @property
    def energy_kwh(self) -> float | None:
        """The run's facility energy as stored. Units: kWh."""
        return _num(self.record.get("energy_kwh"))


def load_report(store: Any, run_id: str) -> RunReport:
    """Read one run (id or unique prefix) from a store and build its report.

    Raises:
        RunNotFoundError, AmbiguousRunIdError: As :meth:`RunStore.get_run`.
        StorageError: The store cannot be read.
    """
    record = store.get_run(run_id)
    full_id = str(record["run_id"])
    return build_report(record, store.samples(full_id), store.phases(full_id))


def build_report(record: Mapping[str, Any], samples: Sequence[Sample],
                 phases: Sequence[Mapping[str, Any]] = ()) -> RunReport:
    """The report of one run: series, phases, range, equivalents, regions, provenance.

    Args:
        record: The stored run record (a dict, as ``RunStore.get_run`` returns it).
        samples: Its stored samples, any order.
        phases: Its stored phases (``RunStore.phases``); the record's own list when empty.
    """
    notes: list[str] = []
    series = build_series(samples, _num(record.get("interval_s")), _num(record.get("measured_from_s")))
    spans, total = _phase_spans(record, phases or record.get("phases") or [])
    if total > len(spans):
        notes.append(f"{total} phases; the first {len(spans)} are drawn on the time axis")
    basis = run_basis(record)
    co2e = _num(record.get("co2e_kg"))
    low_high, range_note, _ = co2e_range(record, basis)
    regions, regions_note = lowest_regions(record, basis)
    equivalents = everyday_equivalents(co2e) if co2e is not None else ()
    if any(s.merged_count for s in series):
        notes.append("older samples were merged by the store's thinning: drawn as the mean power of each "
                     "merged interval (the energy of every interval is kept)")
    figures = provenance_figures(record, low_high, equivalents, regions)
    return RunReport(record, series, spans, total, basis, low_high, range_note, equivalents,
                     regions, regions_note, figures, tuple(notes))


def build_series(samples: Sequence[Sample], interval_s: float | None,
                 measured_from_s: float | None = None) -> tuple[Series, ...]:
    """Group samples by component and device into step segments (see the module docstring)."""
    grouped: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for s in samples:
        grouped[(s.component, s.device)].append(s)
    order = {"gpu": 0, "cpu": 1, "dram": 2}
    out = []
    for (component, device), items in sorted(grouped.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0])):
        items.sort(key=lambda s: s.timestamp_s)
        out.append(Series(component, device, _segments(items, interval_s, measured_from_s)))
    return tuple(out)


def _segments(items: Sequence[Sample], interval_s: float | None,
              measured_from_s: float | None) -> tuple[Segment, ...]:
    segments = []
    previous: float | None = None
    for s in items:
        if previous is None:
            start = _first_start(s, measured_from_s)
        else:
            start = previous
        span = s.timestamp_s - start
        merged = interval_s is not None and interval_s > 0 and span >= MERGED_FACTOR * interval_s
        segments.append(Segment(start, s.timestamp_s, s.power_w, s.energy_j, merged))
        previous = s.timestamp_s
    return tuple(segments)


def _first_start(s: Sample, measured_from_s: float | None) -> float:
    """Where the first sample's interval began: t - E/P when both are known (as the thinning does)."""
    if s.energy_j is not None and s.power_w is not None and s.power_w > 0:
        return max(0.0, s.timestamp_s - s.energy_j / s.power_w)
    return min(s.timestamp_s, measured_from_s or 0.0)


def _phase_spans(record: Mapping[str, Any], phases: Sequence[Mapping[str, Any]]) -> tuple[tuple[PhaseSpan, ...], int]:
    from carbonest.store.base import parse_timestamp

    origin = parse_timestamp(record.get("started_at"), field="started_at")
    total = max(len(phases), int(record.get("phases_total") or 0))
    spans = []
    for ph in phases[:MAX_PHASE_SPANS]:
        began = parse_timestamp(ph.get("started_at"), field="phase started_at")
        if origin is None or began is None:
            continue
        spans.append(PhaseSpan(str(ph.get("name", "")), began - origin, float(ph.get("duration_s") or 0.0),
                               _num(ph.get("energy_kwh")), _num(ph.get("co2e_kg"))))
    return tuple(spans), total


def run_basis(record: Mapping[str, Any]) -> str | None:
    """``"lifecycle"`` or ``"direct"`` for the run's intensity; None when it has no stated basis."""
    from carbonest.catalog.regions import BASES

    text = str((record.get("region") or {}).get("basis") or "")
    return next((b for b in BASES if text.startswith(b)), None)


def co2e_range(record: Mapping[str, Any], basis: str | None) -> tuple[tuple[float, float] | None, str, list[dict[str, Any]]]:
    """``(low, high)`` CO2e, what spans it (or why there is none), and the intensity figures used.

    The bounds are :func:`carbonest.report.ranges.run_range`'s, the same the compute appendix
    states (and the calculator's rules: a defaulted PUE spans the industry spread, a table
    intensity the figures the tables hold on the run's basis; given figures are exact).
    """
    from carbonest.catalog.regions import intensity_spread
    from carbonest.errors import UnknownRegionError
    from carbonest.report.ranges import run_range

    co2e, energy = _num(record.get("co2e_kg")), _num(record.get("energy_kwh"))
    region = record.get("region") or {}
    if co2e is None or energy is None:
        return None, "no CO2e: no energy was measured", []
    if record.get("intensity_source"):
        return None, "no range: the intensity came from a live series that varied during the run", []
    rr = run_range(dict(record))
    if rr is None:
        return None, "no CO2e: no energy was measured", []
    rows: list[dict[str, Any]] = []
    if basis is not None and rr.intensity_g_per_kwh[0] != rr.intensity_g_per_kwh[1]:
        try:
            spread = intensity_spread(str(region.get("id")), basis)
        except UnknownRegionError:
            spread = None
        rows = list(spread[2]) if spread is not None else []
    spans = []
    if rr.pue[0] != rr.pue[1]:
        spans.append(f"the PUE from {rr.pue[0]:g} to {rr.pue[1]:g} (the industry spread: no PUE was given)")
    if rr.intensity_g_per_kwh[0] != rr.intensity_g_per_kwh[1]:
        spans.append(f"the lowest and highest {basis} intensity the tables hold for {region.get('id')} "
                     f"({rr.intensity_g_per_kwh[0]:g} to {rr.intensity_g_per_kwh[1]:g} g CO2e/kWh)")
    if not spans:
        what = "given by the user" if region.get("kind") == "custom" else "as stated"
        return rr.co2e_kg, f"exact: the PUE and the intensity ({what}) carry no range, the energy is measured", rows
    return rr.co2e_kg, "measured IT energy x " + " and ".join(spans), rows


def everyday_equivalents(co2e_kg: float) -> tuple[EquivalentRow, ...]:
    """The run's CO2e as km by car, flights and tree-years, each with its catalog constant."""
    from carbonest.catalog import constant

    car = constant("equiv_passenger_car_us_kg_per_km")
    flight = constant("equiv_flight_ny_sf_roundtrip_lbs")
    tree = constant("equiv_tree_year_kg")
    flight_kg = float(emissions.lbs_to_kg(flight.value))
    rows = (
        ("km driven by an average US passenger car", car.value, car),
        ("passenger round trips New York-San Francisco by air", flight_kg, flight),
        ("years of CO2 uptake by one urban tree", tree.value, tree),
    )
    return tuple(EquivalentRow(label, float(emissions.equivalent_count(co2e_kg, per_unit)), per_unit,
                               c.source, c.year) for label, per_unit, c in rows)


def lowest_regions(record: Mapping[str, Any], basis: str | None) -> tuple[tuple[RegionRow, ...], str]:
    """The five lowest-carbon regions for the run's facility energy on its basis, and the run's own."""
    from carbonest.catalog.regions import list_regions

    energy = _num(record.get("energy_kwh"))
    if energy is None:
        return (), "no comparison: no energy was measured"
    if basis is None:
        return (), "no comparison: the run's intensity has no lifecycle/direct basis (bases are never mixed)"
    own_id = str((record.get("region") or {}).get("id") or "")
    rows = []
    for spec in list_regions(basis=basis):
        fig = spec.figure(basis)
        if fig is None or spec.kind == "world":
            continue
        rows.append(RegionRow(spec.id, spec.name, spec.kind, fig.intensity_g_per_kwh,
                              float(emissions.co2e_kg(energy, fig.intensity_g_per_kwh)), fig.year, fig.source,
                              fig.basis, spec.id == own_id))
    rows.sort(key=lambda r: (r.intensity_g_per_kwh, r.id))
    chosen = rows[:LOWEST_REGIONS]
    own = [r for r in rows if r.is_run_region and r not in chosen]
    note = (f"the run's facility energy ({energy:.4g} kWh, PUE {record.get('pue')}) on each grid, "
            f"{basis} figures only")
    return tuple(chosen + own), note


def provenance_figures(record: Mapping[str, Any], low_high: tuple[float, float] | None,
                       equivalents: Sequence[EquivalentRow],
                       regions: Sequence[RegionRow]) -> tuple[Figure, ...]:
    """Every figure the report shows, with its provenance."""
    prov = record.get("provenance") or {}
    region = record.get("region") or {}
    out = [Figure("duration", _num(record.get("duration_s")), "s", "measured: wall clock of the run")]
    for name, comp in (record.get("components") or {}).items():
        out.append(Figure(f"{name} energy (IT)", _num(comp.get("energy_kwh")), "kWh", _label(comp.get("provenance"))))
        out.append(Figure(f"{name} mean power", _num(comp.get("mean_power_w")), "W",
                          "as stored: its energy over the time its devices were measured"))
    for name in record.get("not_measured") or []:
        out.append(Figure(f"{name} energy (IT)", None, "kWh", "not measured: no working probe"))
    out += [
        Figure("IT energy", _num(record.get("it_energy_kwh")), "kWh", "sum of the measured components"),
        Figure("mean IT power", _num(record.get("mean_power_w")), "W", "as stored: the components' mean powers summed"),
        Figure("PUE", _num(record.get("pue")), "ratio", str(prov.get("pue", "not stated"))),
        Figure("facility energy", _num(record.get("energy_kwh")), "kWh", "IT energy x PUE"),
        Figure("carbon intensity", _num(record.get("intensity_g_per_kwh")), "g CO2e/kWh",
               f"{prov.get('intensity_g_per_kwh', 'not stated')}; basis {region.get('basis') or 'n/a'}"),
        Figure("CO2e", _num(record.get("co2e_kg")), "kg CO2e", _co2e_label(record)),
    ]
    if low_high is not None and low_high[0] != low_high[1]:
        from carbonest.report.ranges import run_range

        rr = run_range(dict(record))
        src = rr.sources if rr is not None else {}
        for label, value, end in (("CO2e low", low_high[0], "low"), ("CO2e high", low_high[1], "high")):
            out.append(Figure(label, value, "kg CO2e", f"IT energy x PUE {src.get('pue_' + end, '?')} "
                                                       f"x intensity {src.get('intensity_' + end, '?')}"))
    if record.get("water_l") is not None:
        out.append(Figure("water", _num(record.get("water_l")), "L",
                          f"facility energy x WUE {record.get('wue_l_per_kwh')} L/kWh ({prov.get('wue_l_per_kwh', 'not stated')})"))
    for eq in equivalents:
        out.append(Figure(eq.label, eq.count, "count", f"table:constants {eq.source} {eq.year} "
                                                        f"({eq.per_unit_kg:.4g} kg CO2e each)"))
    for r in regions:
        out.append(Figure(f"intensity {r.id}", r.intensity_g_per_kwh, "g CO2e/kWh",
                          f"table:regions {r.source} {r.year} ({r.basis})"))
    return tuple(out)


def _co2e_label(record: Mapping[str, Any]) -> str:
    live = dict(record.get("intensity_source") or {})
    if live:
        return (f"facility energy x the live intensity of {live.get('provider', '?')} by time "
                f"({live.get('used', '?')}); the intensity shown is the mean it amounts to")
    return "facility energy x carbon intensity"


def _label(provenance: Any) -> str:
    if isinstance(provenance, Mapping):
        return str(provenance.get("label") or provenance)
    return str(provenance) if provenance else "not stated"


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
