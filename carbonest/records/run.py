"""The value types of a measured run: :class:`RunRecord` and :class:`PhaseRecord`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from carbonest.records.common import RegionInfo

MAX_RECORD_PHASES = 100
"""How many phases a run record lists one by one; the rest are in the store and in ``phase_stats``."""

RunStatus = Literal["running", "completed", "failed", "interrupted"]


@dataclass(frozen=True)
class PhaseRecord:
    """Energy of one named phase inside a run (``run.phase("eval")``).

    Attributes:
        name: The phase name.
        started_at: UTC start, ISO-8601.
        duration_s: Units: s.
        it_energy_kwh: IT energy of the measured components during the phase. Units: kWh.
        energy_kwh: Facility energy (PUE included). Units: kWh.
        co2e_kg: Units: kg CO2e.
        components: IT energy per component. Units: kWh.
    """

    name: str
    started_at: str
    duration_s: float
    it_energy_kwh: float | None
    energy_kwh: float | None
    co2e_kg: float | None
    components: tuple[tuple[str, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {  # by hand, not asdict(): this runs once per phase, and a phase per step is common
            "name": self.name, "started_at": self.started_at, "duration_s": self.duration_s,
            "it_energy_kwh": self.it_energy_kwh, "energy_kwh": self.energy_kwh, "co2e_kg": self.co2e_kg,
            "components": dict(self.components),
        }


@dataclass(frozen=True)
class PhaseStats:
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class RunRecord:
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
