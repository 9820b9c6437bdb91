"""The probe contract: what every measurement backend offers the sampler and the tracker.

A probe reads one kind of hardware (NVML GPUs, RAPL powercap zones, a model of
CPU or memory power) and reports **what the hardware says** as
:class:`~carbonest.records.Reading` objects: a cumulative energy counter with
its wrap range, and/or a power. Policy (fallback order, whether DRAM counts,
PUE) lives above it, in discovery and the tracker.

Life cycle::

    probe = SomeProbe(...)        # cheap: no I/O, no vendor import
    probe.open()                  # discover devices; ProbeUnavailableError /
                                  #   ProbePermissionError (with .fix) if it cannot work
    probe.devices()               # ["gpu:0", "gpu:1"] or ["package-0", "package-0/dram"]
    probe.read()                  # one Reading per device, never sleeps
    probe.close()                 # idempotent

Rules of ``read()``:

* It never sleeps and never blocks on anything slower than a sysfs/driver read.
* One :class:`Reading` per device, in ``devices()`` order.
* A value that could not be read is ``None`` with ``Reading.error`` set, never 0.
* It raises :class:`~carbonest.errors.ProbeUnavailableError` only when the whole
  probe is gone (driver unloaded, library shut down); the sampler then drops it.

Devices whose energy overlaps another device's (RAPL ``core``/``uncore`` are
inside their package, ``psys`` contains the packages) are reported for
information with ``DeviceInfo.additive = False``; totals must not add them.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from types import TracebackType
from typing import ClassVar, Literal, NamedTuple

from carbonest._values import FrozenValue
from carbonest.records import Component, Provenance, Reading

__all__ = ["CpuPowerModel", "DeviceInfo", "Probe", "ProbeStatus"]


class CpuPowerModel(NamedTuple):
    """How to model the power of this CPU: what the caller found in the catalog.

    ``kind="tdp_share"``: a known CPU; power = TDP x sockets x (visible threads / all threads)
    x utilisation. ``kind="per_vcpu"``: known only by micro-architecture or family (or not at
    all); power = vCPUs x (min + u x (max - min)), Cloud Carbon Footprint's model.

    Attributes:
        kind: ``"tdp_share"`` or ``"per_vcpu"``.
        label: What the figures describe, e.g. ``"Intel Xeon Gold 6248"``,
            ``"AMD EPYC, generation unknown"``.
        provenance: Where the figures came from (``table`` with source and year, ``user``,
            or ``default``).
        tdp_w: TDP of one package (tdp_share). Units: W.
        threads_per_socket: Hardware threads of one package (tdp_share), if known.
        threads_basis: ``"threads"``, or ``"cores"`` when only the core count is known (the
            share is then an upper bound on SMT parts); None when neither is known.
        min_w_per_vcpu: Idle power of one vCPU (per_vcpu). Units: W.
        max_w_per_vcpu: Full-load power of one vCPU (per_vcpu). Units: W.
    """

    kind: Literal["tdp_share", "per_vcpu"]
    label: str
    provenance: Provenance
    tdp_w: float | None = None
    threads_per_socket: int | None = None
    threads_basis: Literal["threads", "cores"] | None = None
    min_w_per_vcpu: float | None = None
    max_w_per_vcpu: float | None = None


@dataclass(init=False, repr=False, eq=False, slots=True)
class DeviceInfo(FrozenValue):
    """Static facts about one device of a probe, known after ``open()``.

    Attributes:
        device: The device id used in readings, e.g. ``"gpu:0"`` or ``"package-0/dram"``.
        component: ``"gpu"``, ``"cpu"`` or ``"dram"``.
        model: Hardware model name (e.g. ``"NVIDIA H100 80GB HBM3"``) for TDP look-ups, if known.
        additive: False when the device's energy overlaps another device's (RAPL core,
            uncore, psys); a component total must skip it.
        note: Free text shown by ``doctor`` (e.g. the GPU UUID, "included in package-0").
        uuid: The device's own unique id where the hardware has one (an NVIDIA GPU's
            ``GPU-...`` UUID): what tells two processes that they see the same GPU.
    """

    device: str
    component: Component
    model: str | None = None
    additive: bool = True
    note: str = ""
    uuid: str | None = None

    def __init__(
        self, device: str, component: Component, model: str | None = None, additive: bool = True,
        note: str = "", uuid: str | None = None,
    ) -> None:
        object.__setattr__(self, "device", device)
        object.__setattr__(self, "component", component)
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "additive", additive)
        object.__setattr__(self, "note", note)
        object.__setattr__(self, "uuid", uuid)


@dataclass(init=False, repr=False, eq=False, slots=True)
class ProbeStatus(FrozenValue):
    """What ``carbonest doctor`` shows about one probe.

    Attributes:
        name: The probe's name, e.g. ``"nvml"``.
        components: Components it serves (or would serve).
        available: Whether it opened and reads.
        reason: Why not, or a one-line summary of what it found.
        fix: What would make it work, if anything.
        devices: Device ids found.
    """

    name: str
    components: tuple[Component, ...]
    available: bool
    reason: str = ""
    fix: str | None = None
    devices: tuple[str, ...] = field(default_factory=tuple)

    def __init__(
        self, name: str, components: tuple[Component, ...], available: bool, reason: str = "",
        fix: str | None = None, devices: tuple[str, ...] = (),
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "components", components)
        object.__setattr__(self, "available", available)
        object.__setattr__(self, "reason", reason)
        object.__setattr__(self, "fix", fix)
        object.__setattr__(self, "devices", devices)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "components": list(self.components),
            "available": self.available,
            "reason": self.reason,
            "fix": self.fix,
            "devices": list(self.devices),
        }


class Probe(abc.ABC):
    """A measurement backend. Subclasses implement ``open``, ``read`` and ``close``.

    Attributes:
        name: Short backend name used in provenance and doctor output (``"nvml"``, ``"rapl"``).
        components: Components this probe type may serve, e.g. ``("cpu", "dram")`` for RAPL.
    """

    name: ClassVar[str] = "probe"
    components: tuple[Component, ...] = ()

    def __init__(self) -> None:
        self._info: dict[str, DeviceInfo] = {}
        self._opened = False
        self._status_reason = "not opened"
        self._status_fix: str | None = None

    @abc.abstractmethod
    def open(self) -> None:
        """Discover devices and prepare to read.

        Raises:
            ProbeUnavailableError: The probe cannot work here; ``fix`` says what would help.
            ProbePermissionError: The counters exist but may not be read; ``fix`` says how to
                grant access.
        """

    @abc.abstractmethod
    def read(self) -> list[Reading]:
        """Read every device once, without sleeping; see the module rules."""

    def close(self) -> None:
        """Release handles. Idempotent; safe after a failed ``open()``."""
        self._opened = False

    def devices(self) -> list[str]:
        """Device ids, in reading order (empty before ``open()``)."""
        return list(self._info)

    def device_info(self) -> dict[str, DeviceInfo]:
        """Static facts per device id (model name, component, additivity)."""
        return dict(self._info)

    def describe(self) -> ProbeStatus:
        """The probe's state for ``carbonest doctor``."""
        return ProbeStatus(
            name=self.name,
            components=tuple(sorted({i.component for i in self._info.values()}))
            or self.components,
            available=self._opened,
            reason=self._status_reason,
            fix=self._status_fix,
            devices=tuple(self._info),
        )

    def __enter__(self) -> Probe:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
