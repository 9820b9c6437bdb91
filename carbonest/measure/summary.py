"""Turn the sampler's totals into a :class:`~carbonest.records.RunRecord` (and phase records).

Policy lives here: only *additive* devices count towards a component (RAPL
core/uncore/psys overlap their package); a component with no working probe is
listed in ``not_measured`` and its energy is absent, never 0; facility energy,
emissions and water come from :mod:`carbonest.formulas`.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from carbonest._values import Value
from carbonest._version import __version__
from carbonest.formulas import emissions
from carbonest.records import RegionInfo
from carbonest.records.run import PhaseRecord, PhaseStats, RunRecord
from carbonest.units import J_PER_KWH

COMPONENTS = ("gpu", "cpu", "dram")


@dataclass(init=False, repr=False, eq=False)
class RunContext(Value):
    """What a run knows from its start: identity, settings and their provenance."""

    run_id: str
    name: str
    started_at: str
    t0: float
    pid: int
    host: str
    pid_create_time: float | None
    distributed: dict[str, str]
    interval_s: float
    flush_interval_s: float
    pue: float
    intensity_g_per_kwh: float
    region: RegionInfo
    provenance: dict[str, str]
    wue_l_per_kwh: float | None = None
    wanted: tuple[str, ...] = COMPONENTS
    notes: list[str] = field(default_factory=list)
    not_measured_reasons: dict[str, str] = field(default_factory=dict)
    live: Any = None
    """The run's :class:`~carbonest.measure.live.LiveIntensity` under a live provider, else None."""
    job: dict[str, Any] = field(default_factory=dict)
    """Who this process is in its job (:func:`carbonest.store.runinfo.job_identity`)."""
    claims: Any = None
    """The :class:`~carbonest.measure.claims.HostClaims` held for the run, or None (no policy)."""

    def __init__(
        self, run_id: str, name: str, started_at: str, t0: float, pid: int, host: str,
        pid_create_time: float | None, distributed: dict[str, str], interval_s: float,
        flush_interval_s: float, pue: float, intensity_g_per_kwh: float, region: RegionInfo,
        provenance: dict[str, str], wue_l_per_kwh: float | None = None, wanted: tuple[str, ...] = COMPONENTS,
        notes: list[str] | None = None, not_measured_reasons: dict[str, str] | None = None, live: Any = None,
        job: dict[str, Any] | None = None, claims: Any = None,
    ) -> None:
        self.run_id = run_id
        self.name = name
        self.started_at = started_at
        self.t0 = t0
        self.pid = pid
        self.host = host
        self.pid_create_time = pid_create_time
        self.distributed = distributed
        self.interval_s = interval_s
        self.flush_interval_s = flush_interval_s
        self.pue = pue
        self.intensity_g_per_kwh = intensity_g_per_kwh
        self.region = region
        self.provenance = provenance
        self.wue_l_per_kwh = wue_l_per_kwh
        self.wanted = wanted
        self.notes = [] if notes is None else notes
        self.not_measured_reasons = {} if not_measured_reasons is None else not_measured_reasons
        self.live = live
        self.job = {} if job is None else job
        self.claims = claims


def _component_entry(devices: list[Any], elapsed_s: float) -> dict[str, Any]:
    energy_j = sum(d.energy_j for d in devices)
    labels = sorted({d.provenance.label for d in devices if d.provenance is not None})
    errors = sorted({d.last_error for d in devices if d.last_error})
    covered = max((d.covered_s for d in devices), default=0.0)
    return {
        "energy_kwh": energy_j / J_PER_KWH if covered > 0 else None,
        "mean_power_w": energy_j / covered if covered > 0 else None,
        "peak_power_w": sum(d.peak_power_w for d in devices if d.peak_power_w is not None) or None,
        "count": len(devices),
        "devices": [d.device for d in devices],
        "models": sorted({d.model for d in devices if d.model}),
        "provenance": "; ".join(labels) if labels else None,
        "method": sorted({d.method for d in devices if d.method}),
        "failed_reads": sum(d.failures for d in devices),
        "last_errors": errors,
    }


def component_entries(ctx: RunContext, totals: Any) -> tuple[dict[str, Any], list[str]]:
    """Per-component entries for the record, and the components not measured."""
    entries: dict[str, Any] = {}
    for comp in ctx.wanted:
        devices = [d for d in totals.devices.values() if d.component == comp and d.additive]
        if devices:
            entries[comp] = _component_entry(devices, totals.elapsed_s)
    # A component whose devices never completed a sampling interval measured nothing either:
    # its entry stays (reads, errors) but it is listed as not measured.
    missing = [c for c in ctx.wanted if c not in entries or entries[c]["energy_kwh"] is None]
    return entries, missing


def job_section(ctx: RunContext, totals: Any) -> dict[str, Any]:
    """The record's ``job`` section: the identity, plus each GPU measured (UUID, energy).

    GPUs are listed by UUID, with their own energy, so that records of one host can be added
    up with each GPU once (:mod:`carbonest.store.jobs`). Units: kWh.
    """
    if not ctx.job:
        return {}
    gpus = [
        {"uuid": d.uuid, "device": d.device, "energy_kwh": d.energy_j / J_PER_KWH if d.covered_s > 0 else None}
        for d in totals.devices.values() if d.component == "gpu" and d.additive and "gpu" in ctx.wanted
    ]
    held = ctx.claims.held if ctx.claims is not None else None
    return {**ctx.job, "gpus": gpus, "counts_host": None if held is None else "host" in held}


def _missing_reason(ctx: RunContext, entries: dict[str, Any], component: str) -> str:
    if component in entries:
        return "its probe gave no complete sampling interval"
    return ctx.not_measured_reasons.get(component, "no working probe")


def _outputs(ctx: RunContext, it_energy_kwh: float | None,
             intensity: float | None = None) -> tuple[float | None, float | None, float | None]:
    if it_energy_kwh is None:
        return None, None, None
    facility = emissions.facility_energy_kwh(it_energy_kwh, ctx.pue)
    co2 = emissions.co2e_kg(facility, ctx.intensity_g_per_kwh if intensity is None else intensity)
    water = emissions.water_l(it_energy_kwh, ctx.wue_l_per_kwh) if ctx.wue_l_per_kwh is not None else None
    return facility, co2, water


def build_record(ctx: RunContext, totals: Any, *, status: str, reason: str | None, ended_at: str | None,
                 duration_s: float, phases: tuple[PhaseRecord, ...], warnings: tuple[str, ...],
                 phase_stats: tuple[PhaseStats, ...] = (), phases_total: int = 0) -> RunRecord:
    """The run record from the context and a sampler snapshot."""
    backwards = sum(getattr(d, "backwards", 0) for d in totals.devices.values())
    if backwards:
        warnings = warnings + (
            f"the clock went backwards {backwards} time(s) between two readings (a suspended VM or an "
            "injected clock): those intervals were dropped, not counted",)
    entries, missing = component_entries(ctx, totals)
    measured = [e["energy_kwh"] for e in entries.values() if e["energy_kwh"] is not None]
    it_energy = sum(measured) if measured else None
    intensity, provenance, live_fields = ctx.intensity_g_per_kwh, ctx.provenance, {}
    if ctx.live is not None:  # a live provider: energy x intensity by time (measure/live.py)
        from carbonest.measure.live import record_intensity

        intensity, provenance, live_fields = record_intensity(ctx, totals, it_energy, ended=ended_at is not None)
    facility, co2, water = _outputs(ctx, it_energy, intensity)
    powers = [e["mean_power_w"] for e in entries.values() if e["mean_power_w"] is not None]
    peaks = [e["peak_power_w"] for e in entries.values() if e["peak_power_w"] is not None]
    dropped = tuple(f"probe {name} dropped: {why}" for name, why in totals.dropped)
    notes = list(ctx.notes) + [f"{c}: not measured ({_missing_reason(ctx, entries, c)})" for c in missing]
    return RunRecord(
        run_id=ctx.run_id, name=ctx.name, status=status, started_at=ctx.started_at,  # type: ignore[arg-type]
        ended_at=ended_at, duration_s=duration_s, host=ctx.host, pid=ctx.pid,
        pid_create_time=ctx.pid_create_time, distributed=tuple(sorted(ctx.distributed.items())),
        components=tuple(entries.items()), it_energy_kwh=it_energy, energy_kwh=facility,
        pue=ctx.pue, intensity_g_per_kwh=intensity, co2e_kg=co2, region=ctx.region,
        provenance=tuple(provenance.items()),
        mean_power_w=sum(powers) if powers else None, peak_power_w=sum(peaks) if peaks else None,
        wue_l_per_kwh=ctx.wue_l_per_kwh, water_l=water, phases=phases, not_measured=tuple(missing),
        warnings=warnings + dropped, notes=tuple(notes), status_reason=reason,
        interval_s=ctx.interval_s, carbonest_version=__version__, **live_fields,
        phase_stats=phase_stats, phases_total=phases_total or len(phases),
        job=tuple(job_section(ctx, totals).items()),
    )


SHORT_PHASE_INTERVALS = 3
"""A phase shorter than this many sampling intervals carries a note: its energy is interpolated."""

History = tuple[tuple[float, dict[str, float]], ...]


def _spacing(times: list[float], t: float, default_s: float) -> float:
    """How far apart the readings around instant ``t`` are (the resolution of an edge there). Units: s."""
    n = len(times)
    if n < 2:
        return default_s
    i = max(1, bisect_left(times, t))  # the first reading at or after t (times ascending)
    if i < n:
        return times[i] - times[i - 1]
    return max(times[-1] - times[-2], t - times[-1])


def _energy_at(readings: dict[float, dict[str, float]], times: list[float], c: str, t: float) -> float:
    """:func:`~carbonest.formulas.energy.energy_at_j` of component ``c``'s readings at ``t``. Units: J.

    The readings are the union of two histories, sorted by time; only the one or two around ``t``
    are passed on when they hold ``c`` (the same figures: that function looks no further), else
    every reading of ``c`` is.
    """
    from carbonest.formulas.energy import energy_at_j

    n = len(times)
    i = bisect_left(times, t)  # the first reading at or after t
    if i == 0 or n == 1:
        around = times[:1] if i == 0 else times[-1:]
    elif i < n:
        around = times[i - 1 : i + 1]
    else:
        around = times[-2:]
    at = [readings[x] for x in around]
    if all(c in e for e in at):
        return energy_at_j(around, [e[c] for e in at], t)
    series = [(x, readings[x][c]) for x in times if c in readings[x]]
    return energy_at_j([x for x, _ in series], [e for _, e in series], t)


def phase_between(ctx: RunContext, name: str, started_at: str, t_start: float, t_end: float,
                  opened: History, closed: History) -> PhaseRecord:
    """A named phase from the sampler's readings around its edges (clock times, cumulative J).

    Each edge's energy is interpolated between the readings around it (the last interval's power
    past the last one), so a phase between two readings gets its share of their interval, never a
    whole interval's energy: its mean power stays within what the device drew. ``opened`` is the
    sampler's history when the phase began, ``closed`` when it ended; together they hold the
    readings around both edges, unless the phase outlasted the history.
    """
    readings = dict(opened)
    readings.update(closed)
    times = sorted(readings)
    duration_s = max(0.0, t_end - t_start)
    per_comp: dict[str, float] = {}
    seen: set[str] = set()
    for e in readings.values():
        seen.update(e)
    for c in sorted(seen.intersection(ctx.wanted)):
        per_comp[c] = max(0.0, _energy_at(readings, times, c, t_end) - _energy_at(readings, times, c, t_start)) / J_PER_KWH
    note = None
    spacing = max(_spacing(times, t_start, ctx.interval_s), _spacing(times, t_end, ctx.interval_s))
    if duration_s < SHORT_PHASE_INTERVALS * spacing:
        note = (f"energy interpolated between readings {spacing:.3g} s apart (resolution {spacing:.3g} s; "
                f"the phase lasted {duration_s:.3g} s)")
    it_energy = sum(per_comp.values()) if per_comp else None
    intensity = None
    if ctx.live is not None:  # the live figures in force during the phase
        from carbonest.intensity.timefmt import parse_utc

        start = parse_utc(started_at, "started_at").timestamp()
        intensity = ctx.live.mean_over(start, start + max(0.0, duration_s))
    facility, co2, _ = _outputs(ctx, it_energy, intensity)
    return PhaseRecord(
        name=name, started_at=started_at, duration_s=duration_s,
        it_energy_kwh=it_energy, energy_kwh=facility, co2e_kg=co2,
        components=tuple(sorted(per_comp.items())), note=note,
    )


def phase_record(ctx: RunContext, name: str, started_at: str, before: Any, after: Any) -> PhaseRecord:
    """A named phase: the energy between two sampler snapshots."""
    keys = {k for k, d in after.devices.items() if d.additive and d.component in ctx.wanted}
    per_comp: dict[str, float] = {}
    for key, energy_j in after.energy_j_since(before).items():
        if key in keys:
            comp = after.devices[key].component
            per_comp[comp] = per_comp.get(comp, 0.0) + energy_j / J_PER_KWH
    it_energy = sum(per_comp.values()) if per_comp else None
    intensity = None
    if ctx.live is not None:
        from carbonest.measure.live import wall_s

        intensity = ctx.live.mean_over(wall_s(ctx, before.timestamp_s), wall_s(ctx, after.timestamp_s))
    facility, co2, _ = _outputs(ctx, it_energy, intensity)
    return PhaseRecord(
        name=name, started_at=started_at, duration_s=max(0.0, after.timestamp_s - before.timestamp_s),
        it_energy_kwh=it_energy, energy_kwh=facility, co2e_kg=co2,
        components=tuple(sorted(per_comp.items())),
    )


class PhaseTally:
    """Running totals of the phases of one name (cheap to update: one per finished phase)."""

    __slots__ = ("name", "count", "duration_s", "min_duration_s", "max_duration_s", "it_energy_kwh",
                 "min_it_energy_kwh", "max_it_energy_kwh", "energy_kwh", "co2e_kg")

    def __init__(self, name: str) -> None:
        self.name, self.count = name, 0
        self.duration_s, self.min_duration_s, self.max_duration_s = 0.0, float("inf"), 0.0
        self.it_energy_kwh: float | None = None
        self.min_it_energy_kwh: float | None = None
        self.max_it_energy_kwh: float | None = None
        self.energy_kwh: float | None = None
        self.co2e_kg: float | None = None

    def add(self, p: PhaseRecord) -> None:
        self.count += 1
        d = p.duration_s
        self.duration_s += d
        self.min_duration_s = min(self.min_duration_s, d)
        self.max_duration_s = max(self.max_duration_s, d)
        e = p.it_energy_kwh
        if e is not None:
            self.it_energy_kwh = e if self.it_energy_kwh is None else self.it_energy_kwh + e
            self.min_it_energy_kwh = e if self.min_it_energy_kwh is None else min(self.min_it_energy_kwh, e)
            self.max_it_energy_kwh = e if self.max_it_energy_kwh is None else max(self.max_it_energy_kwh, e)
        if p.energy_kwh is not None:
            self.energy_kwh = p.energy_kwh + (self.energy_kwh or 0.0)
        if p.co2e_kg is not None:
            self.co2e_kg = p.co2e_kg + (self.co2e_kg or 0.0)

    def frozen(self) -> PhaseStats:
        return PhaseStats(
            self.name, self.count, self.duration_s, self.min_duration_s if self.count else 0.0,
            self.max_duration_s, self.it_energy_kwh, self.min_it_energy_kwh, self.max_it_energy_kwh,
            self.energy_kwh, self.co2e_kg,
        )
