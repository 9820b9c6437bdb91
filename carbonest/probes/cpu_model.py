"""Modelled CPU power: TDP x utilisation, for machines without readable RAPL.

Model: ``P_cpu = TDP_per_socket x sockets x u``, where ``u`` (0..1) is the CPU busy
fraction since the previous read. ``u`` comes from ``psutil.cpu_times()``
deltas (busy = total - idle - iowait; ``guest``/``guest_nice`` are already in
``user``/``nice`` and are not added twice), which is independent of the calling
thread, unlike ``psutil.cpu_percent(None)`` whose first call in a new thread
returns 0.0. With ``scope="process"``, ``u`` is this process's CPU time over
wall time x logical CPUs, read from ONE kept ``psutil.Process`` object.

TDP is per package (socket): a two-socket host draws up to twice the catalog's
TDP, so pass ``sockets`` (see :func:`read_cpu_socket_count`). The TDP itself is
found by the caller (the tracker matches :func:`read_cpu_model_name` against the
hardware catalog) and passed in with its provenance; this module never imports
the catalog. Limits of the model: idle power is not represented (0 % busy gives
0 W) and TDP is a thermal design figure, not a measured maximum.

The probe reports a cumulative *modelled* energy (``energy_j``, provenance kind
``modelled``) as well as the power, so the sampler integrates it exactly.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, Literal

from carbonest.errors import InvalidInputError, ProbeUnavailableError
from carbonest.formulas.energy import energy_j
from carbonest.probes.base import DeviceInfo, Probe
from carbonest.records import Component, Provenance, Reading

__all__ = ["CpuModelProbe", "read_cpu_model_name", "read_cpu_socket_count"]

_NOT_BUSY = ("idle", "iowait")
_ALREADY_COUNTED = ("guest", "guest_nice")  # included in user / nice on Linux


def _cpuinfo_lines(proc_root: str) -> list[str]:
    try:
        with open(os.path.join(proc_root, "cpuinfo"), encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()
    except OSError:
        return []


def read_cpu_model_name(proc_root: str = "/proc") -> str | None:
    """The first ``model name`` in ``<proc_root>/cpuinfo``, or None.

    None when the line is absent (arm64 prints only ``CPU implementer``/``CPU part``
    hex codes), when the kernel says ``unknown``, or when the file cannot be read.
    Hybrid and big.LITTLE parts may name cores differently; the first is returned.
    """
    for line in _cpuinfo_lines(proc_root):
        key, sep, value = line.partition(":")
        if sep and key.strip() == "model name":
            name = value.strip()
            return name if name and name.lower() != "unknown" else None
    return None


def read_cpu_socket_count(proc_root: str = "/proc") -> int | None:
    """Number of distinct ``physical id`` values in cpuinfo (sockets), or None if absent."""
    ids = set()
    for line in _cpuinfo_lines(proc_root):
        key, sep, value = line.partition(":")
        if sep and key.strip() == "physical id":
            ids.add(value.strip())
    return len(ids) or None


def _tdp_detail(tdp_w: float, sockets: int, cpu_name: str | None, prov: Provenance | None) -> str:
    watts = f"{sockets} x {tdp_w:g} W" if sockets > 1 else f"{tdp_w:g} W"
    if prov is None or prov.kind == "default":
        who = f"unknown CPU {cpu_name!r}" if cpu_name else "unknown CPU"
        return f"tdp x utilisation ({who}, default {watts})"
    source = prov.label.replace(":", " ", 1)
    return f"tdp x utilisation ({cpu_name or 'CPU'}, {watts}, {source})"


class CpuModelProbe(Probe):
    """CPU power modelled as TDP x utilisation.

    Args:
        tdp_w: TDP of one package (socket). Units: W.
        cpu_name: CPU model name, for provenance and ``device_info``.
        tdp_provenance: Where ``tdp_w`` came from (``table``, ``user``; ``default`` or None
            means the CPU was unknown and ``tdp_w`` is a default).
        sockets: Number of packages the TDP applies to.
        scope: ``"machine"`` (whole-machine busy share) or ``"process"`` (this process's).
        psutil_module: Injected psutil (tests); default: imported at ``open()``.
        clock: Time source. Units: s.

    Raises:
        InvalidInputError: A TDP that is not positive, or fewer than one socket.
    """

    name = "cpu_model"
    components: tuple[Component, ...] = ("cpu",)

    def __init__(
        self,
        tdp_w: float,
        *,
        cpu_name: str | None = None,
        tdp_provenance: Provenance | None = None,
        sockets: int = 1,
        scope: Literal["machine", "process"] = "machine",
        psutil_module: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        if not tdp_w > 0:
            raise InvalidInputError(f"tdp_w must be > 0, got {tdp_w!r}", field="tdp_w")
        if sockets < 1:
            raise InvalidInputError(f"sockets must be >= 1, got {sockets!r}", field="sockets")
        self.tdp_w = float(tdp_w)
        self.sockets = sockets
        self.scope = scope
        self._cpu_name = cpu_name
        detail = _tdp_detail(self.tdp_w, sockets, cpu_name, tdp_provenance)
        if scope == "process":
            detail = "process share of " + detail
        src = tdp_provenance
        self.provenance = Provenance(
            "modelled", detail, source=src.source if src else None, year=src.year if src else None
        )
        self._psutil = psutil_module
        self._clock = clock
        self._process: Any = None
        self._ncpu = 1
        self._last: tuple[float, float, float] | None = None  # (t_s, busy_s, total_s)
        self._energy_j = 0.0
        self._stat: Any = None  # procfs fast path (Linux, machine scope, psutil not injected)

    def _times(self) -> tuple[float, float]:
        """(busy seconds, capacity seconds or total seconds) from procfs or psutil."""
        if self._stat is not None:
            return self._stat.busy_total()
        if self._process is not None:
            t = self._process.cpu_times()
            return float(t.user + t.system), 0.0
        t = self._psutil.cpu_times()
        fields = t._fields
        total = sum(getattr(t, f) for f in fields if f not in _ALREADY_COUNTED)
        idle = sum(getattr(t, f) for f in _NOT_BUSY if f in fields)
        return float(total - idle), float(total)

    def open(self) -> None:
        """Take the utilisation baseline.

        Raises:
            ProbeUnavailableError: psutil is missing or cannot read CPU times here.
        """
        try:
            if self._psutil is None and self.scope == "machine" and os.path.exists("/proc/stat"):
                from carbonest.probes.procfs import StatReader

                self._stat = StatReader()
                self._ncpu = os.cpu_count() or 1
            else:
                if self._psutil is None:
                    import psutil

                    self._psutil = psutil
                if self.scope == "process":
                    self._process = self._psutil.Process()  # ONE object, kept (HARDWARE-FACTS §3.1)
                self._ncpu = self._psutil.cpu_count() or 1
            busy, total = self._times()
        except (ImportError, OSError) as exc:
            self._status_reason = f"cannot read CPU times: {exc}"
            raise ProbeUnavailableError(
                self._status_reason, probe=self.name, fix="pip install psutil"
            ) from exc
        self._last = (self._clock(), busy, total)
        self._energy_j = 0.0
        self._info = {
            "cpu": DeviceInfo("cpu", "cpu", model=self._cpu_name, note=self.provenance.detail)
        }
        self._opened = True
        self._status_reason = self.provenance.label

    def _utilisation(self, t_s: float, busy: float, total: float) -> float:
        assert self._last is not None
        t0, busy0, total0 = self._last
        if self._process is not None:
            capacity = (t_s - t0) * self._ncpu
        else:
            capacity = total - total0
        if capacity <= 0:
            return 0.0
        # cpu_times can step backwards (psutil #1210): clamp to 0..1.
        return min(1.0, max(0.0, (busy - busy0) / capacity))

    def read(self) -> list[Reading]:
        """One Reading: modelled power since the last read, and cumulative modelled energy."""
        if self._last is None:
            raise ProbeUnavailableError("cpu_model probe is not open", probe=self.name)
        t_s = self._clock()
        try:
            busy, total = self._times()
        except OSError as exc:
            return [Reading("cpu", "cpu", t_s, self.provenance, error=f"cpu_times: {exc}")]
        util = self._utilisation(t_s, busy, total)
        power_w = self.tdp_w * self.sockets * util
        self._energy_j += energy_j(power_w, max(0.0, t_s - self._last[0]))
        self._last = (t_s, busy, total)
        return [
            Reading(
                "cpu",
                "cpu",
                t_s,
                self.provenance,
                energy_j=self._energy_j,
                power_w=power_w,
                utilisation=util,
            )
        ]

    def close(self) -> None:
        """Forget the baseline. Idempotent."""
        self._last = None
        self._opened = False
        if self._stat is not None:
            self._stat.close()
            self._stat = None
