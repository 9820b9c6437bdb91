"""Modelled memory (DRAM) power: a constant power per GB of memory in use.

Model (Green Algorithms: L. Lannelongue, J. Grealey, M. Inouye, "Green
Algorithms: Quantifying the Carbon Footprint of Computation", Advanced Science
2021, doi:10.1002/advs.202100707): ``P_mem = 0.3725 W/GB x memory in use (GB)``.
The paper does not say whether its GB is decimal or binary; carbonest uses the
SI gigabyte (10^9 bytes, :data:`carbonest.units.BYTES_PER_GB`); a GiB reading
would give 7.4 % more. The constant is configurable (``w_per_gb``).

Memory in use is ``psutil.virtual_memory().used`` (whole machine; on Linux with
psutil >= 7.1 this equals total - available) or, with ``scope="process"``, this
process's resident set size from one kept ``psutil.Process``.

Energy is the trapezoid of the power between reads, reported as a cumulative
modelled counter (provenance kind ``modelled``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, Literal

from carbonest.errors import InvalidInputError, ProbeUnavailableError
from carbonest.formulas.energy import trapezoid_segment_j
from carbonest.probes.base import DeviceInfo, Probe
from carbonest.records import Component, Provenance, Reading
from carbonest.units import BYTES_PER_GB

__all__ = ["GREEN_ALGORITHMS_W_PER_GB", "MemoryModelProbe"]

GREEN_ALGORITHMS_W_PER_GB = 0.3725
"""Memory power per GB in use, from Green Algorithms (Lannelongue et al. 2021). Units: W/GB."""


class MemoryModelProbe(Probe):
    """DRAM power modelled as W per GB of memory in use.

    Args:
        w_per_gb: Power per GB in use. Units: W/GB.
        scope: ``"machine"`` (memory used by everything) or ``"process"`` (this RSS).
        psutil_module: Injected psutil (tests); default: imported at ``open()``.
        clock: Time source. Units: s.

    Raises:
        InvalidInputError: A negative ``w_per_gb``.
    """

    name = "memory_model"
    components: tuple[Component, ...] = ("dram",)

    def __init__(
        self,
        *,
        w_per_gb: float = GREEN_ALGORITHMS_W_PER_GB,
        scope: Literal["machine", "process"] = "machine",
        psutil_module: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        if not w_per_gb >= 0:
            raise InvalidInputError(f"w_per_gb must be >= 0, got {w_per_gb!r}", field="w_per_gb")
        self.w_per_gb = float(w_per_gb)
        self.scope = scope
        what = "process RSS" if scope == "process" else "memory in use (MemTotal - MemAvailable)"
        if self.w_per_gb == GREEN_ALGORITHMS_W_PER_GB:
            self.provenance = Provenance(
                "modelled",
                f"{self.w_per_gb:g} W/GB x {what} (Green Algorithms, Lannelongue et al. 2021)",
                source="Lannelongue et al. 2021, Green Algorithms",
                year=2021,
            )
        else:
            self.provenance = Provenance("modelled", f"{self.w_per_gb:g} W/GB x {what} (user)")
        self._psutil = psutil_module
        self._clock = clock
        self._process: Any = None
        self._last: tuple[float, float] | None = None  # (t_s, power_w)
        self._energy_j = 0.0
        self._meminfo: Any = None  # procfs fast path (Linux, machine scope, psutil not injected)

    def _used_bytes(self) -> int:
        if self._meminfo is not None:
            return int(self._meminfo.used_bytes())
        if self._process is not None:
            return int(self._process.memory_info().rss)
        vm = self._psutil.virtual_memory()
        return int(vm.total - vm.available)  # the same definition as the procfs path

    def open(self) -> None:
        """Take the first memory reading.

        Raises:
            ProbeUnavailableError: psutil is missing or cannot read memory here.
        """
        try:
            if self._psutil is None and self.scope == "machine" and os.path.exists("/proc/meminfo"):
                from carbonest.probes.procfs import MeminfoReader

                self._meminfo = MeminfoReader()
            else:
                if self._psutil is None:
                    import psutil

                    self._psutil = psutil
                if self.scope == "process":
                    self._process = self._psutil.Process()
            used = self._used_bytes()
        except (ImportError, OSError) as exc:
            self._status_reason = f"cannot read memory use: {exc}"
            raise ProbeUnavailableError(
                self._status_reason, probe=self.name, fix="pip install psutil"
            ) from exc
        self._last = (self._clock(), used / BYTES_PER_GB * self.w_per_gb)
        self._energy_j = 0.0
        self._info = {"memory": DeviceInfo("memory", "dram", note=self.provenance.detail)}
        self._opened = True
        self._status_reason = self.provenance.label

    def read(self) -> list[Reading]:
        """One Reading: modelled power now, cumulative modelled energy, bytes in use."""
        if self._last is None:
            raise ProbeUnavailableError("memory_model probe is not open", probe=self.name)
        t_s = self._clock()
        meminfo = self._meminfo
        try:
            used = meminfo.used_bytes() if meminfo is not None else self._used_bytes()
        except OSError as exc:
            return [Reading("dram", "memory", t_s, self.provenance, error=f"memory: {exc}")]
        power_w = used / BYTES_PER_GB * self.w_per_gb
        t0, p0 = self._last
        self._energy_j = energy = self._energy_j + trapezoid_segment_j(p0, power_w, max(0.0, t_s - t0))
        self._last = (t_s, power_w)
        # positional: component, device, timestamp_s, provenance, energy_j, max_energy_j, power_w,
        # utilisation, memory_used_bytes
        return [Reading("dram", "memory", t_s, self.provenance, energy, None, power_w, None, used)]

    def close(self) -> None:
        """Forget the baseline. Idempotent."""
        self._last = None
        self._opened = False
        if self._meminfo is not None:
            self._meminfo.close()
            self._meminfo = None
