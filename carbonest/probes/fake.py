"""A scripted probe for tests — carbonest's own and its users'.

``FakeProbe`` follows the probe contract exactly, so a tracker or sampler can be
exercised without hardware::

    clock = ManualClock()
    probe = FakeProbe({"gpu:0": 300.0, "gpu:1": [100.0, 200.0]}, clock=clock)

Each device's power is a constant, a sequence (one value per read, the last one
repeating) or a callable ``f(t_s) -> W``. With ``mode="energy"`` (default) the
probe also reports a cumulative energy counter that advances by
``power x elapsed time`` at each read (the power being the value reported at
that read), optionally wrapping at ``max_energy_j`` like a RAPL counter.
``fail_after`` makes reads fail after N successful ones, either for one device
(``fail_mode="device"``: a Reading with ``error``) or for the whole probe
(``fail_mode="probe"``: ProbeUnavailableError).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, Union

from carbonest.errors import ProbeUnavailableError
from carbonest.probes.base import DeviceInfo, Probe
from carbonest.records import Component, Provenance, Reading

PowerScript = Union[float, Sequence[float], Callable[[float], float]]

__all__ = ["FakeProbe", "ManualClock"]


class ManualClock:
    """A clock that only moves when told to. Units: s.

    Args:
        start_s: Initial time.
    """

    def __init__(self, start_s: float = 1000.0) -> None:
        self.now_s = start_s

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` and return the new time."""
        self.now_s += seconds
        return self.now_s


class FakeProbe(Probe):
    """A probe whose devices report scripted power and energy.

    Args:
        power_w: Device id -> power script (constant W, per-read sequence, or ``f(t_s)``).
        component: Component of every device.
        name: Probe name (appears in provenance as ``fake:<device>``).
        mode: ``"energy"`` reports counter + power, ``"power"`` reports power only.
        max_energy_j: Wrap range of the energy counter; None never wraps. Units: J.
        initial_energy_j: Counter value at open. Units: J.
        fail_after: Reads that succeed before failures begin; None never fails.
        fail_mode: ``"device"`` (per-reading error on ``fail_device``) or ``"probe"``.
        fail_device: Device that fails in ``"device"`` mode (default: the first).
        unavailable: If given, ``open()`` raises it (to test discovery fallbacks).
        clock: Time source for reading timestamps. Units: s.
        model: Model name reported in ``device_info()``.
        uuids: Device id -> the unique id ``device_info()`` reports for it (as NVML's GPU UUIDs).
    """

    name = "fake"
    components: tuple[Component, ...] = ("gpu", "cpu", "dram")

    def __init__(
        self,
        power_w: Mapping[str, PowerScript] | None = None,
        *,
        component: Component = "gpu",
        name: str = "fake",
        mode: Literal["energy", "power"] = "energy",
        max_energy_j: float | None = None,
        initial_energy_j: float = 0.0,
        fail_after: int | None = None,
        fail_mode: Literal["device", "probe"] = "device",
        fail_device: str | None = None,
        unavailable: ProbeUnavailableError | None = None,
        clock: Callable[[], float] = time.monotonic,
        model: str | None = "Fake Device",
        uuids: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.name = name  # type: ignore[misc]
        self.components = (component,)
        self._scripts = dict(power_w if power_w is not None else {"fake:0": 100.0})
        self._component: Component = component
        self._mode = mode
        self._max_energy_j = max_energy_j
        self._initial_energy_j = initial_energy_j
        self._fail_after = fail_after
        self._fail_mode = fail_mode
        self._fail_device = fail_device or next(iter(self._scripts), None)
        self._unavailable = unavailable
        self._clock = clock
        self._model = model
        self._uuids = dict(uuids or {})
        self._reads = 0
        self._energy_j: dict[str, float] = {}
        self._last_t: float | None = None
        self.closed_count = 0

    def open(self) -> None:
        """Register the scripted devices, or raise the configured ``unavailable`` error."""
        if self._unavailable is not None:
            self._status_reason = str(self._unavailable)
            self._status_fix = self._unavailable.fix
            raise self._unavailable
        self._info = {d: DeviceInfo(d, self._component, model=self._model, uuid=self._uuids.get(d))
                      for d in self._scripts}
        self._energy_j = {d: self._initial_energy_j for d in self._scripts}
        self._last_t = None
        self._reads = 0
        self._opened = True
        self._status_reason = f"{len(self._info)} scripted device(s)"

    def _power_at(self, script: PowerScript, t_s: float) -> float:
        if callable(script):
            return float(script(t_s))
        if isinstance(script, (int, float)):
            return float(script)
        return float(script[min(self._reads, len(script) - 1)])

    def read(self) -> list[Reading]:
        """One Reading per device; fails as scripted."""
        if not self._opened:
            raise ProbeUnavailableError("fake probe is not open", probe=self.name)
        failing = self._fail_after is not None and self._reads >= self._fail_after
        if failing and self._fail_mode == "probe":
            raise ProbeUnavailableError("fake probe died", probe=self.name, fix="none: scripted")
        t_s = self._clock()
        dt_s = 0.0 if self._last_t is None else t_s - self._last_t
        out: list[Reading] = []
        for device, script in self._scripts.items():
            power_w = self._power_at(script, t_s)
            energy = self._energy_j[device] + power_w * dt_s
            if self._max_energy_j is not None:
                energy %= self._max_energy_j
            self._energy_j[device] = energy
            prov = Provenance("measured", f"{self.name}:{device}")
            if failing and device == self._fail_device:
                out.append(Reading(self._component, device, t_s, prov, error="scripted failure"))
                continue
            out.append(
                Reading(
                    self._component,
                    device,
                    t_s,
                    prov,
                    energy_j=energy if self._mode == "energy" else None,
                    max_energy_j=self._max_energy_j if self._mode == "energy" else None,
                    power_w=power_w,
                )
            )
        self._last_t = t_s
        self._reads += 1
        return out

    def close(self) -> None:
        """Mark closed (idempotent); counts calls in ``closed_count``."""
        self.closed_count += 1
        self._opened = False
