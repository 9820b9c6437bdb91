"""Frozen value types that flow between the layers.

These are plain frozen dataclasses (cheap to build on the sampler's hot path);
pydantic is used only at the edges (user input, stored schema).

Provenance says where a number came from. Its ``label`` is the short string
that the CLI prints and ``--json`` carries:

* ``measured:<counter>``      e.g. ``measured:nvml:total_energy``, ``measured:rapl:package-0``
* ``modelled:<model>``        e.g. ``modelled:tdp x utilisation (Xeon Gold 6248, 150 W)``
* ``table:<table> <source> <year>``  e.g. ``table:regions Ember 2024``
* ``user``, ``default``, ``preset:<name>``
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ProvenanceKind = Literal["measured", "modelled", "table", "user", "default", "preset", "derived"]
Component = Literal["gpu", "cpu", "dram"]


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where one figure came from.

    Attributes:
        kind: measured, modelled, table, user, default, preset or derived.
        detail: The counter, model, table, preset name or formula, as free text.
        source: Citation of the table or model constant (e.g. ``"Ember"``), if any.
        year: Vintage of the table row or constant, if any.
    """

    kind: ProvenanceKind
    detail: str = ""
    source: str | None = None
    year: int | None = None

    @property
    def label(self) -> str:
        """The short form printed by the CLI and carried in JSON."""
        if self.kind in ("user", "default") and not self.detail:
            return self.kind
        if self.kind == "table":
            parts = [self.detail, self.source or "", str(self.year) if self.year else ""]
            return "table:" + " ".join(p for p in parts if p)
        if self.kind == "default":
            return "default:" + self.detail
        return f"{self.kind}:{self.detail}" if self.detail else self.kind

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the label plus every field."""
        out: dict[str, Any] = {"label": self.label, "kind": self.kind, "detail": self.detail}
        if self.source is not None:
            out["source"] = self.source
        if self.year is not None:
            out["year"] = self.year
        return out

    @classmethod
    def user(cls, detail: str = "") -> Provenance:
        """A value the user gave."""
        return cls("user", detail)

    @classmethod
    def default(cls, detail: str = "") -> Provenance:
        """A built-in default, said so."""
        return cls("default", detail)


@dataclass(frozen=True, slots=True)
class Reading:
    """One read of one device by a probe, at one instant.

    A probe reports what the hardware says and nothing more: a cumulative
    energy counter (with its wrap range) and/or an instantaneous power. A value
    that could not be read is ``None`` and ``error`` says why; never 0.

    Attributes:
        component: ``"gpu"``, ``"cpu"`` or ``"dram"``.
        device: Stable id of the device within the probe, e.g. ``"gpu:0"`` or ``"package-0"``.
        timestamp_s: ``time.monotonic()`` of the read. Units: s.
        energy_j: Cumulative counter value. Units: J. May wrap at ``max_energy_j``.
        max_energy_j: The counter's range (it wraps to 0 after this). Units: J. None if it never wraps.
        power_w: Power at the time of the read (or the driver's short average). Units: W.
        utilisation: Busy fraction 0..1, if the device reports one.
        memory_used_bytes: Memory in use, if reported. Units: bytes.
        provenance: Which counter or model produced the figure.
        error: Why a value is missing, if one is.
    """

    component: Component
    device: str
    timestamp_s: float
    provenance: Provenance
    energy_j: float | None = None
    max_energy_j: float | None = None
    power_w: float | None = None
    utilisation: float | None = None
    memory_used_bytes: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Sample:
    """One point of the power time series kept in the run store.

    Attributes:
        timestamp_s: Seconds since the start of the run. Units: s.
        component: ``"gpu"``, ``"cpu"`` or ``"dram"``.
        device: Device id within its probe.
        power_w: Mean power since the previous sample. Units: W.
        energy_j: Energy since the previous sample. Units: J.
    """

    timestamp_s: float
    component: str
    device: str
    power_w: float | None
    energy_j: float | None


@dataclass(frozen=True, slots=True)
class ComponentEnergy:
    """Energy of one component (all its devices) over a run or an estimate.

    Attributes:
        component: ``"gpu"``, ``"cpu"`` or ``"dram"``.
        model: Hardware model name, if known.
        count: Number of devices.
        energy_kwh: IT energy (no PUE). Units: kWh. None if it could not be measured.
        power_w: Mean power per device (estimate: the power assumed). Units: W.
        peak_power_w: Highest power seen across the devices together. Units: W.
        provenance: Where the energy figure came from.
        power_provenance: Where the power figure came from, if different.
        devices: Per-device ids.
    """

    component: str
    energy_kwh: float | None
    provenance: Provenance
    model: str | None = None
    count: int = 1
    power_w: float | None = None
    peak_power_w: float | None = None
    power_provenance: Provenance | None = None
    devices: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, provenance as its label plus details."""
        out = asdict(self)
        out["provenance"] = self.provenance.label
        out["provenance_detail"] = self.provenance.to_dict()
        out["power_provenance"] = (
            self.power_provenance.label if self.power_provenance is not None else None
        )
        out["devices"] = list(self.devices)
        return out


@dataclass(frozen=True, slots=True)
class RegionInfo:
    """The region (grid) whose carbon intensity an estimate used.

    Attributes:
        id: Table id (``"CA-QC"``, ``"aws:us-east-1"``, ``"WORLD"``), or ``"custom"`` for a user-given intensity.
        name: Human-readable name.
        year: Vintage of the intensity figure.
        source: Citation of the figure.
        basis: e.g. ``"lifecycle, generation"`` or ``"direct, consumption"``.
        kind: ``country``, ``subnational``, ``cloud``, ``world`` or ``custom``.
    """

    id: str
    name: str
    year: int | None
    source: str | None
    basis: str | None
    kind: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Equivalent:
    """An everyday equivalent of an amount of CO2e, with its source.

    Attributes:
        label: What is counted, e.g. ``"km driven by an average passenger car"``.
        amount: How many of them the estimate equals.
        co2e_kg_per_unit: The constant used. Units: kg CO2e per unit.
        source: Citation of the constant.
        year: Vintage of the constant.
    """

    label: str
    amount: float
    co2e_kg_per_unit: float
    source: str
    year: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class Estimate:
    """The immutable result of :func:`carbonest.estimate`.

    ``to_dict()`` is exactly what ``carbonest estimate --json`` prints.

    Attributes:
        hours: Wall-clock duration. Units: h.
        gpu_hours: hours x GPU count, None when no GPU was counted. Units: h.
        it_energy_kwh: Energy of the counted IT components, before PUE. Units: kWh.
        energy_kwh: Facility energy, PUE included. Units: kWh.
        pue: The PUE used.
        intensity_g_per_kwh: The carbon intensity used. Units: g CO2e/kWh.
        co2e_kg: Operational emissions. Units: kg CO2e.
        region: The grid the intensity belongs to.
        components: One entry per counted component.
        left_out: Components not counted (not given).
        provenance: For each input, where its value came from (a label).
        preset: The method preset used, if any.
        notes: Plain sentences the output shows (defaults taken, SKUs resolved).
        equivalents: Everyday equivalents of ``co2e_kg``.
        extras: Further outputs (FLOPs, embodied carbon, water, ranges), JSON-ready.
    """

    hours: float | None
    gpu_hours: float | None
    it_energy_kwh: float
    energy_kwh: float
    pue: float
    intensity_g_per_kwh: float
    co2e_kg: float
    region: RegionInfo
    components: tuple[ComponentEnergy, ...]
    left_out: tuple[str, ...]
    provenance: tuple[tuple[str, str], ...]
    preset: str | None = None
    notes: tuple[str, ...] = ()
    equivalents: tuple[Equivalent, ...] = ()
    extras: tuple[tuple[str, Any], ...] = ()

    @property
    def co2e_lbs(self) -> float:
        """Operational emissions in pounds. Units: lb CO2e (1 lb = 0.45359237 kg exactly)."""
        from carbonest.units import KG_PER_LB

        return self.co2e_kg / KG_PER_LB

    def component(self, name: str) -> ComponentEnergy | None:
        """The entry for ``"gpu"``, ``"cpu"`` or ``"dram"``, if counted."""
        for entry in self.components:
            if entry.component == name:
                return entry
        return None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object printed by ``carbonest estimate --json``."""
        out: dict[str, Any] = {
            "energy_kwh": self.energy_kwh,
            "it_energy_kwh": self.it_energy_kwh,
            "co2e_kg": self.co2e_kg,
            "co2e_lbs": self.co2e_lbs,
            "pue": self.pue,
            "intensity_g_per_kwh": self.intensity_g_per_kwh,
            "hours": self.hours,
            "gpu_hours": self.gpu_hours,
            "region": self.region.to_dict(),
            "components": {c.component: c.to_dict() for c in self.components},
            "left_out": list(self.left_out),
            "provenance": dict(self.provenance),
            "preset": self.preset,
            "notes": list(self.notes),
            "equivalents": [e.to_dict() for e in self.equivalents],
        }
        out.update(dict(self.extras))
        return out


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
        out = asdict(self)
        out["components"] = dict(self.components)
        return out


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
        phases: Named phases.
        not_measured: Components with no working probe.
        warnings: Problems met while measuring (probe failures, store errors).
        notes: Defaults taken and policies applied.
        status_reason: Why a run failed or was interrupted.
        interval_s: Sampling interval. Units: s.
        carbonest_version: Version that wrote the record.
        measured_from_s: Seconds after the start at which the discovered probes had their first
            reading (discovery runs on the sampler thread so that start() returns at once);
            their energy before it is not counted. None until then. Units: s.
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
            "not_measured": list(self.not_measured), "warnings": list(self.warnings),
            "notes": list(self.notes), "interval_s": self.interval_s,
            "measured_from_s": self.measured_from_s,
            "carbonest_version": self.carbonest_version,
        }
