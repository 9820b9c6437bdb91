"""The value types of a measured run: :class:`RunRecord` and :class:`PhaseRecord`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from carbonest._values import FrozenValue
from carbonest.records.common import RegionInfo

MAX_RECORD_PHASES = 100
"""How many phases a run record lists one by one; the rest are in the store and in ``phase_stats``."""

RunStatus = Literal["running", "completed", "failed", "interrupted"]


@dataclass(init=False, repr=False, eq=False)
class PhaseRecord(FrozenValue):
    """Energy of one named phase inside a run (``run.phase("eval")``).

    Attributes:
        name: The phase name.
        started_at: UTC start, ISO-8601.
        duration_s: Units: s.
        it_energy_kwh: IT energy of the measured components during the phase. Units: kWh.
        energy_kwh: Facility energy (PUE included). Units: kWh.
        co2e_kg: Units: kg CO2e.
        components: IT energy per component. Units: kWh.
        note: Set when the phase lasted less than a few sampling intervals: its energy is
            interpolated between readings, and the note says their spacing (the resolution).
    """

    name: str
    started_at: str
    duration_s: float
    it_energy_kwh: float | None
    energy_kwh: float | None
    co2e_kg: float | None
    components: tuple[tuple[str, float], ...] = ()
    note: str | None = None

    def __init__(
        self, name: str, started_at: str, duration_s: float, it_energy_kwh: float | None,
        energy_kwh: float | None, co2e_kg: float | None, components: tuple[tuple[str, float], ...] = (),
        note: str | None = None,
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "started_at", started_at)
        object.__setattr__(self, "duration_s", duration_s)
        object.__setattr__(self, "it_energy_kwh", it_energy_kwh)
        object.__setattr__(self, "energy_kwh", energy_kwh)
        object.__setattr__(self, "co2e_kg", co2e_kg)
        object.__setattr__(self, "components", components)
        object.__setattr__(self, "note", note)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {  # by hand, not asdict(): this runs once per phase, and a phase per step is common
            "name": self.name, "started_at": self.started_at, "duration_s": self.duration_s,
            "it_energy_kwh": self.it_energy_kwh, "energy_kwh": self.energy_kwh, "co2e_kg": self.co2e_kg,
            "components": dict(self.components),
            **({"note": self.note} if self.note is not None else {}),
        }


@dataclass(init=False, repr=False, eq=False)
class PhaseStats(FrozenValue):
    """Every phase of one name in a run, summed: ``run.phase("step")`` in a loop.

    Energy figures are None when no phase of the name had a measured energy.

    Attributes:
        name: The phase name.
        count: How many phases of this name finished.
        duration_s: Their total duration. Units: s.
        min_duration_s: The shortest. Units: s.
        max_duration_s: The longest. Units: s.
        it_energy_kwh: Their total IT energy. Units: kWh.
        min_it_energy_kwh: The least IT energy of one of them. Units: kWh.
        max_it_energy_kwh: The most IT energy of one of them. Units: kWh.
        energy_kwh: Their total facility energy (PUE included). Units: kWh.
        co2e_kg: Their total emissions. Units: kg CO2e.
    """

    name: str
    count: int
    duration_s: float
    min_duration_s: float
    max_duration_s: float
    it_energy_kwh: float | None = None
    min_it_energy_kwh: float | None = None
    max_it_energy_kwh: float | None = None
    energy_kwh: float | None = None
    co2e_kg: float | None = None

    def __init__(
        self, name: str, count: int, duration_s: float, min_duration_s: float, max_duration_s: float,
        it_energy_kwh: float | None = None, min_it_energy_kwh: float | None = None,
        max_it_energy_kwh: float | None = None, energy_kwh: float | None = None, co2e_kg: float | None = None,
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "duration_s", duration_s)
        object.__setattr__(self, "min_duration_s", min_duration_s)
        object.__setattr__(self, "max_duration_s", max_duration_s)
        object.__setattr__(self, "it_energy_kwh", it_energy_kwh)
        object.__setattr__(self, "min_it_energy_kwh", min_it_energy_kwh)
        object.__setattr__(self, "max_it_energy_kwh", max_it_energy_kwh)
        object.__setattr__(self, "energy_kwh", energy_kwh)
        object.__setattr__(self, "co2e_kg", co2e_kg)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(init=False, repr=False, eq=False)
class RunRecord(FrozenValue):
    """The result of a measured run, as stored and as ``--json`` prints it.

    Energy and emissions are None, not 0, when nothing could be measured.

    Attributes:
        run_id: Unique id (32 hex digits).
        name: The run's name.
        status: running, completed, failed or interrupted.
        started_at: UTC start, ISO-8601.
        ended_at: UTC end, ISO-8601, None while running.
        duration_s: Wall-clock duration so far. Units: s.
        host: Host name.
        pid: Process id of the tracked process.
        pid_create_time: The process's start time (to tell a reused pid apart). Units: s since the epoch.
        distributed: Distributed-job variables that were set (RANK, LOCAL_RANK, WORLD_SIZE, SLURM_PROCID, ...).
        components: Per component: energy, mean and peak power, devices, provenance.
        it_energy_kwh: Sum of the measured components. Units: kWh.
        energy_kwh: Facility energy, PUE included. Units: kWh.
        pue: The PUE used.
        intensity_g_per_kwh: Carbon intensity used. Units: g CO2e/kWh.
        co2e_kg: Units: kg CO2e.
        region: The grid region (id, name, year, source, basis, kind).
        provenance: Where the PUE, intensity and region came from.
        mean_power_w: Mean IT power over the run. Units: W.
        peak_power_w: Sum over devices of each one's highest power: an upper bound of the
            highest IT power at any one time (devices need not peak together). Units: W.
        wue_l_per_kwh: Water usage effectiveness, if given. Units: L/kWh.
        water_l: On-site water, if a WUE was given. Units: L.
        phases: Named phases, in the order they finished: the first ``MAX_RECORD_PHASES`` (100)
            of them (every one is in the store: ``RunStore.phases(run_id)``).
        phase_stats: Per phase name: count, total, shortest and longest duration and energy,
            over every phase of the run.
        phases_total: How many phases finished in the run (``phases`` may list fewer).
        not_measured: Components with no working probe.
        warnings: Problems met while measuring (probe failures, store errors).
        notes: Defaults taken and policies applied.
        status_reason: Why a run failed or was interrupted.
        interval_s: Sampling interval. Units: s.
        carbonest_version: Version that wrote the record.
        measured_from_s: Seconds after the start at which the discovered probes had their first
            reading (discovery runs on the sampler thread so that start() returns at once);
            their energy before it is not counted. None until then. Units: s.
        intensity_series: Under a live intensity provider, the figures used:
            ``(start, end, intensity)``, ISO UTC times and g CO2e/kWh; empty otherwise.
        intensity_source: Under a live provider: provider, region, basis, figures, fetches,
            live_energy_share, fallback (its figure, label and basis), failures, and ``used``
            (``live`` or ``table``); empty otherwise. Never a key.
        job: Who the process was in its job: ``id`` (what groups the records of one job),
            ``launcher``, ``host`` (the host identity), ``node_rank``, ``rank``, ``local_rank``,
            world sizes, Slurm's step, partition and node list, ``gpus`` (each GPU measured:
            UUID, device, energy in kWh) and ``counts_host`` (whether this process counted the
            host's CPU and DRAM); empty for a record built without a context.
    """

    run_id: str
    name: str
    status: RunStatus
    started_at: str
    ended_at: str | None
    duration_s: float
    host: str
    pid: int
    pid_create_time: float | None
    distributed: tuple[tuple[str, str], ...]
    components: tuple[tuple[str, Any], ...]
    it_energy_kwh: float | None
    energy_kwh: float | None
    pue: float
    intensity_g_per_kwh: float
    co2e_kg: float | None
    region: RegionInfo
    provenance: tuple[tuple[str, str], ...]
    mean_power_w: float | None = None
    peak_power_w: float | None = None
    wue_l_per_kwh: float | None = None
    water_l: float | None = None
    phases: tuple[PhaseRecord, ...] = ()
    not_measured: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    status_reason: str | None = None
    interval_s: float | None = None
    carbonest_version: str = ""
    measured_from_s: float | None = None
    intensity_series: tuple[tuple[str, str, float], ...] = ()
    intensity_source: tuple[tuple[str, Any], ...] = ()
    phase_stats: tuple[PhaseStats, ...] = ()
    phases_total: int = 0
    job: tuple[tuple[str, Any], ...] = ()

    def __init__(
        self, run_id: str, name: str, status: RunStatus, started_at: str, ended_at: str | None,
        duration_s: float, host: str, pid: int, pid_create_time: float | None,
        distributed: tuple[tuple[str, str], ...], components: tuple[tuple[str, Any], ...],
        it_energy_kwh: float | None, energy_kwh: float | None, pue: float, intensity_g_per_kwh: float,
        co2e_kg: float | None, region: RegionInfo, provenance: tuple[tuple[str, str], ...],
        mean_power_w: float | None = None, peak_power_w: float | None = None,
        wue_l_per_kwh: float | None = None, water_l: float | None = None,
        phases: tuple[PhaseRecord, ...] = (), not_measured: tuple[str, ...] = (),
        warnings: tuple[str, ...] = (), notes: tuple[str, ...] = (), status_reason: str | None = None,
        interval_s: float | None = None, carbonest_version: str = "", measured_from_s: float | None = None,
        intensity_series: tuple[tuple[str, str, float], ...] = (),
        intensity_source: tuple[tuple[str, Any], ...] = (), phase_stats: tuple[PhaseStats, ...] = (),
        phases_total: int = 0, job: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        object.__setattr__(self, "run_id", run_id)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "started_at", started_at)
        object.__setattr__(self, "ended_at", ended_at)
        object.__setattr__(self, "duration_s", duration_s)
        object.__setattr__(self, "host", host)
        object.__setattr__(self, "pid", pid)
        object.__setattr__(self, "pid_create_time", pid_create_time)
        object.__setattr__(self, "distributed", distributed)
        object.__setattr__(self, "components", components)
        object.__setattr__(self, "it_energy_kwh", it_energy_kwh)
        object.__setattr__(self, "energy_kwh", energy_kwh)
        object.__setattr__(self, "pue", pue)
        object.__setattr__(self, "intensity_g_per_kwh", intensity_g_per_kwh)
        object.__setattr__(self, "co2e_kg", co2e_kg)
        object.__setattr__(self, "region", region)
        object.__setattr__(self, "provenance", provenance)
        object.__setattr__(self, "mean_power_w", mean_power_w)
        object.__setattr__(self, "peak_power_w", peak_power_w)
        object.__setattr__(self, "wue_l_per_kwh", wue_l_per_kwh)
        object.__setattr__(self, "water_l", water_l)
        object.__setattr__(self, "phases", phases)
        object.__setattr__(self, "not_measured", not_measured)
        object.__setattr__(self, "warnings", warnings)
        object.__setattr__(self, "notes", notes)
        object.__setattr__(self, "status_reason", status_reason)
        object.__setattr__(self, "interval_s", interval_s)
        object.__setattr__(self, "carbonest_version", carbonest_version)
        object.__setattr__(self, "measured_from_s", measured_from_s)
        object.__setattr__(self, "intensity_series", intensity_series)
        object.__setattr__(self, "intensity_source", intensity_source)
        object.__setattr__(self, "phase_stats", phase_stats)
        object.__setattr__(self, "phases_total", phases_total)
        object.__setattr__(self, "job", job)

    def __str__(self) -> str:
        """The answer line: name, status, CO2e, energy, duration and the grid."""
        from carbonest.records.display import sig

        co2 = "CO2e not measured" if self.co2e_kg is None else f"{sig(self.co2e_kg)} kg CO2e"
        energy = "" if self.energy_kwh is None else f", {sig(self.energy_kwh)} kWh"
        return (f"run {self.name!r} ({self.status}): {co2}{energy} in {sig(self.duration_s)} s, "
                f"{self.region.name} [{self.region.id}] at {sig(self.intensity_g_per_kwh)} g CO2e/kWh")

    def _repr_html_(self) -> str:
        """A small table for notebooks (Jupyter calls it); the run name is escaped."""
        from carbonest.records.display import html_table, sig

        rows = [("status", self.status + (f" ({self.status_reason})" if self.status_reason else "")),
                ("run id", self.run_id), ("duration", f"{sig(self.duration_s)} s"),
                ("CO2e", "not measured" if self.co2e_kg is None else f"{sig(self.co2e_kg)} kg"),
                ("energy", "not measured" if self.energy_kwh is None
                 else f"{sig(self.energy_kwh)} kWh (PUE {self.pue:g})"),
                ("grid", f"{self.region.name} [{self.region.id}], {sig(self.intensity_g_per_kwh)} g CO2e/kWh")]
        rows += [(name, f"{sig(c.get('energy_kwh'))} kWh") for name, c in self.components if isinstance(c, dict)]
        return html_table(f"carbonest run {self.name}", rows)

    # Mapping access: carbonest.get_run() returned the record's dict in 0.1.0; reading it as
    # one (record["co2e_kg"], record.get("status")) still works, with a DeprecationWarning.
    def __getitem__(self, key: str) -> Any:
        import warnings

        warnings.warn("carbonest: get_run() returns a RunRecord: use record.co2e_kg or record.to_dict()[...] "
                      "instead of record[...]", DeprecationWarning, stacklevel=2)
        return self.to_dict()[key]

    def get(self, key: str, default: Any = None) -> Any:
        """``record.to_dict().get(key, default)`` (the dict API of older versions; deprecated)."""
        import warnings

        warnings.warn("carbonest: get_run() returns a RunRecord: use its attributes or to_dict()",
                      DeprecationWarning, stacklevel=2)
        return self.to_dict().get(key, default)

    def keys(self) -> Any:
        """The keys of :meth:`to_dict` (the dict API of older versions; ``dict(record)`` works)."""
        return self.to_dict().keys()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        """The record of a stored (or ``--json``) dict; keys it does not know are ignored.

        A key an older version did not write takes its default (None, empty).
        """
        region = data.get("region") or {}
        phases = tuple(
            PhaseRecord(p["name"], p["started_at"], p["duration_s"], p.get("it_energy_kwh"), p.get("energy_kwh"),
                        p.get("co2e_kg"), tuple((p.get("components") or {}).items()))
            for p in data.get("phases") or ())
        stat_fields = set(PhaseStats.__dataclass_fields__)
        stats = tuple(PhaseStats(**{k: v for k, v in p.items() if k in stat_fields})
                      for p in data.get("phase_stats") or ())
        simple = ("mean_power_w", "peak_power_w", "wue_l_per_kwh", "water_l", "status_reason", "interval_s",
                  "measured_from_s")
        return cls(
            run_id=data["run_id"], name=data.get("name", ""), status=data.get("status", "completed"),
            started_at=data.get("started_at", ""), ended_at=data.get("ended_at"),
            duration_s=data.get("duration_s") or 0.0, host=data.get("host", ""), pid=data.get("pid", 0),
            pid_create_time=data.get("pid_create_time"),
            distributed=tuple((data.get("distributed") or {}).items()),
            components=tuple((data.get("components") or {}).items()),
            it_energy_kwh=data.get("it_energy_kwh"), energy_kwh=data.get("energy_kwh"),
            pue=data.get("pue", 1.0), intensity_g_per_kwh=data.get("intensity_g_per_kwh", 0.0),
            co2e_kg=data.get("co2e_kg"),
            region=RegionInfo(region.get("id", ""), region.get("name", ""), region.get("year"),
                              region.get("source"), region.get("basis"), region.get("kind", "")),
            provenance=tuple((data.get("provenance") or {}).items()),
            phases=phases, phase_stats=stats, phases_total=data.get("phases_total") or len(phases),
            not_measured=tuple(data.get("not_measured") or ()), warnings=tuple(data.get("warnings") or ()),
            notes=tuple(data.get("notes") or ()), carbonest_version=data.get("carbonest_version", ""),
            intensity_series=tuple(tuple(x) for x in data.get("intensity_series") or ()),
            intensity_source=tuple((data.get("intensity_source") or {}).items()),
            job=tuple((data.get("job") or {}).items()),
            **{k: data.get(k) for k in simple},
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON object stored and printed for this run."""
        return {
            "run_id": self.run_id, "name": self.name, "status": self.status,
            "status_reason": self.status_reason,
            "started_at": self.started_at, "ended_at": self.ended_at, "duration_s": self.duration_s,
            "host": self.host, "pid": self.pid, "pid_create_time": self.pid_create_time,
            "distributed": dict(self.distributed),
            "energy_kwh": self.energy_kwh, "it_energy_kwh": self.it_energy_kwh, "co2e_kg": self.co2e_kg,
            "pue": self.pue, "intensity_g_per_kwh": self.intensity_g_per_kwh,
            "region": self.region.to_dict(), "provenance": dict(self.provenance),
            "components": dict(self.components),
            "mean_power_w": self.mean_power_w, "peak_power_w": self.peak_power_w,
            "wue_l_per_kwh": self.wue_l_per_kwh, "water_l": self.water_l,
            "phases": [p.to_dict() for p in self.phases],
            "phase_stats": [p.to_dict() for p in self.phase_stats], "phases_total": self.phases_total,
            "not_measured": list(self.not_measured), "warnings": list(self.warnings),
            "notes": list(self.notes), "interval_s": self.interval_s,
            "measured_from_s": self.measured_from_s,
            "carbonest_version": self.carbonest_version, "job": dict(self.job),
            **({"intensity_series": [list(s) for s in self.intensity_series],
                "intensity_source": dict(self.intensity_source)} if self.intensity_source else {}),
        }
