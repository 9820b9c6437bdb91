"""Modelled CPU power for machines without readable RAPL, for the CPUs this process can see.

Two models (equations in :mod:`carbonest.formulas.cpu_power`), chosen by the caller through a
:class:`~carbonest.probes.base.CpuPowerModel` filled from the catalog:

* ``tdp_share``, a known CPU: ``P = TDP x sockets x share x u`` with
  ``share = visible vCPUs / (threads per package x sockets)``, capped at 1. When the thread
  count is unknown the share is ``visible vCPUs / online CPUs`` (the visible machine is taken
  to be the whole package: right on bare metal, an overestimate in a VM).
* ``per_vcpu``, a CPU known only by micro-architecture or family (a VM's ``"AMD EPYC"``), or
  not at all: Cloud Carbon Footprint's ``P = vCPUs x (min + u x (max - min))``.

The visible vCPUs are min(affinity, cgroup CPU quota) (:mod:`carbonest.probes.visible_cpus`).
``u`` (0..1) is the busy fraction **of the visible CPUs** since the previous read. Machine
scope: ``/proc/stat`` deltas of the affinity CPUs' lines (busy = total - idle - iowait;
``guest``/``guest_nice`` are already in ``user``/``nice``), divided by the capacity of the
visible vCPUs (with a cgroup quota, busy time of other processes on the same CPUs counts too,
up to the quota). psutil's ``cpu_times()`` is used where there is no procfs. Process scope:
this process's CPU time / (wall time x visible vCPUs), read from ONE kept ``psutil.Process``.

``CpuModelProbe(tdp_w, ...)`` without a ``power_model`` keeps its older meaning (TDP of a
package whose thread count is unknown). Limits: TDP is a thermal design figure, not a measured
maximum; the tdp_share model has no idle power (u = 0 gives 0 W); CCF's figures are fleet
averages of SPECpower servers.

The probe reports a cumulative *modelled* energy (``energy_j``, provenance kind ``modelled``)
as well as the power, so the sampler integrates it exactly.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, Literal

from carbonest.errors import InvalidInputError, ProbeUnavailableError
from carbonest.formulas.cpu_power import per_vcpu_power_w, tdp_share_power_w, visible_share
from carbonest.formulas.energy import energy_j
from carbonest.probes.base import CpuPowerModel, DeviceInfo, Probe
from carbonest.probes.visible_cpus import VisibleCpus, read_visible_cpus
from carbonest.records import Component, Provenance, Reading

__all__ = ["CpuModelProbe", "read_cpu_model_name", "read_cpu_socket_count"]

_NOT_BUSY = ("idle", "iowait")
_ALREADY_COUNTED = ("guest", "guest_nice")  # included in user / nice on Linux


_HOST_CPUINFO: list[str] = []  # the real /proc/cpuinfo's lines, read once per process


def _cpuinfo_lines(proc_root: str) -> list[str]:
    """The lines of ``<proc_root>/cpuinfo``. The model name and the sockets of the real
    ``/proc`` do not change while a process runs: it is read once (a tracker per epoch read it
    twice a run); another root (a test's tree) is read every time."""
    if proc_root == "/proc" and _HOST_CPUINFO:
        return _HOST_CPUINFO
    try:
        with open(os.path.join(proc_root, "cpuinfo"), encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    if proc_root == "/proc" and lines:
        _HOST_CPUINFO[:] = lines
        return _HOST_CPUINFO
    return lines


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


def _source(prov: Provenance) -> str:
    return prov.label.replace(":", " ", 1)


def _share(model: CpuPowerModel, sockets: int, vis: VisibleCpus) -> tuple[float, str]:
    """(share of the packages, how it was found)."""
    if model.threads_per_socket:
        total = model.threads_per_socket * sockets
        share = min(1.0, visible_share(vis.vcpus, model.threads_per_socket, sockets))
        return share, f"{vis.vcpus:g}/{total} {model.threads_basis or 'threads'}"
    share = min(1.0, vis.vcpus / max(1, vis.online_cpus))
    return share, f"{vis.vcpus:g}/{vis.online_cpus} online CPUs, threads of the model unknown"


def _detail(model: CpuPowerModel, sockets: int, vis: VisibleCpus, share: float, how: str) -> str:
    """Provenance detail: which model, which share, which constants."""
    if model.kind == "per_vcpu":
        return (f"per-vCPU CCF {model.label} {vis.vcpus:g} vCPUs x "
                f"({model.min_w_per_vcpu:.3g} + u x ({model.max_w_per_vcpu:.3g} - {model.min_w_per_vcpu:.3g}) W), "
                f"{vis.describe()}, {_source(model.provenance)}")
    watts = f"{sockets} x {model.tdp_w:g} W" if sockets > 1 else f"{model.tdp_w:g} W"
    return (f"TDP x share ({model.label} {watts} x {how}) x utilisation, {vis.describe()}, "
            f"{_source(model.provenance)}")


def _legacy_model(tdp_w: float | None, cpu_name: str | None, prov: Provenance | None) -> CpuPowerModel:
    if tdp_w is None or not tdp_w > 0:
        raise InvalidInputError(f"tdp_w must be > 0, got {tdp_w!r}", field="tdp_w")
    label = cpu_name or "CPU"
    return CpuPowerModel("tdp_share", label, prov or Provenance.default(f"TDP {tdp_w:g} W"), tdp_w=float(tdp_w))


class CpuModelProbe(Probe):
    """CPU power of the visible CPUs, modelled (TDP x share x u, or CCF per vCPU).

    Args:
        tdp_w: TDP of one package (socket), for the older form without ``power_model``. Units: W.
        cpu_name: CPU model name, for provenance and ``device_info``.
        tdp_provenance: Where ``tdp_w`` came from (``table``, ``user``; ``default`` or None
            means the CPU was unknown and ``tdp_w`` is a default).
        sockets: Number of packages the TDP applies to.
        scope: ``"machine"`` (busy share of the visible CPUs) or ``"process"`` (this process's).
        psutil_module: Injected psutil (tests); default: imported at ``open()``. When injected
            (and ``visible`` is not), its ``cpu_count()`` CPUs are the visible ones.
        clock: Time source. Units: s.
        power_model: The model and constants (see :func:`carbonest.probes.discovery.catalog_cpu_power`);
            overrides ``tdp_w``/``tdp_provenance``.
        visible: The visible CPUs (default: read at ``open()`` with ``read_visible_cpus(root)``).
        root: Filesystem root for ``/proc`` and the cgroup files.

    Raises:
        InvalidInputError: A TDP that is not positive, per-vCPU figures missing, or fewer than
            one socket.
    """

    name = "cpu_model"
    components: tuple[Component, ...] = ("cpu",)

    def __init__(
        self,
        tdp_w: float | None = None,
        *,
        cpu_name: str | None = None,
        tdp_provenance: Provenance | None = None,
        sockets: int = 1,
        scope: Literal["machine", "process"] = "machine",
        psutil_module: Any = None,
        clock: Callable[[], float] = time.monotonic,
        power_model: CpuPowerModel | None = None,
        visible: VisibleCpus | None = None,
        root: str = "/",
    ) -> None:
        super().__init__()
        if sockets < 1:
            raise InvalidInputError(f"sockets must be >= 1, got {sockets!r}", field="sockets")
        self._legacy = power_model is None
        model = power_model or _legacy_model(tdp_w, cpu_name, tdp_provenance)
        if model.kind == "per_vcpu" and (model.min_w_per_vcpu is None or model.max_w_per_vcpu is None):
            raise InvalidInputError("a per_vcpu model needs min_w_per_vcpu and max_w_per_vcpu", field="power_model")
        if model.kind == "tdp_share" and not (model.tdp_w or 0) > 0:
            raise InvalidInputError(f"tdp_w must be > 0, got {model.tdp_w!r}", field="tdp_w")
        self.power_model = model
        self.tdp_w = model.tdp_w
        self.sockets = sockets
        self.scope = scope
        self._cpu_name = cpu_name
        self._tdp_provenance = tdp_provenance
        self._visible_given = visible
        self.visible: VisibleCpus | None = visible
        self._root = root
        self._share = 1.0
        self.provenance = self._provenance(visible)
        self._psutil = psutil_module
        self._clock = clock
        self._process: Any = None
        self._ncpu = 1
        self._last: tuple[float, float, float] | None = None  # (t_s, busy_s, total_s)
        self._energy_j = 0.0
        self._stat: Any = None  # procfs fast path (Linux, machine scope, psutil not injected)

    def _provenance(self, vis: VisibleCpus | None) -> Provenance:
        model, src = self.power_model, self.power_model.provenance
        if vis is None:  # before open(): what is known so far
            detail = (_tdp_detail(model.tdp_w or 0.0, self.sockets, self._cpu_name, self._tdp_provenance)
                      if self._legacy else f"{model.kind} {model.label}")
        else:
            self._share, how = _share(model, self.sockets, vis)
            if self._legacy and self._share == 1.0:
                detail = _tdp_detail(model.tdp_w or 0.0, self.sockets, self._cpu_name, self._tdp_provenance)
            else:
                detail = _detail(model, self.sockets, vis, self._share, how)
        if self.scope == "process":
            detail = "process share of " + detail
        return Provenance("modelled", detail, source=src.source, year=src.year)

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
        """Find the visible CPUs and take the utilisation baseline.

        Raises:
            ProbeUnavailableError: psutil is missing or cannot read CPU times here.
        """
        try:
            stat = os.path.join(self._root, "proc", "stat")
            if self._psutil is None and self.scope == "machine" and os.path.exists(stat):
                from carbonest.probes.procfs import StatReader

                vis = self._visible_given or read_visible_cpus(self._root)
                ids = vis.cpu_ids if vis.cpu_ids and len(vis.cpu_ids) < vis.online_cpus else None
                self._stat = StatReader(os.path.join(self._root, "proc"), cpu_ids=ids)
                self._ncpu = len(ids) if ids else vis.online_cpus
            else:
                if self._psutil is None:
                    import psutil

                    self._psutil = psutil
                    vis = self._visible_given or read_visible_cpus(self._root)
                else:  # an injected psutil is the machine (tests)
                    n = self._psutil.cpu_count() or 1
                    vis = self._visible_given or VisibleCpus(float(n), n, affinity_cpus=n)
                if self.scope == "process":
                    self._process = self._psutil.Process()  # ONE object, kept (HARDWARE-FACTS §3.1)
                self._ncpu = self._psutil.cpu_count() or 1
            busy, total = self._times()
        except (ImportError, OSError) as exc:
            self._status_reason = f"cannot read CPU times: {exc}"
            raise ProbeUnavailableError(
                self._status_reason, probe=self.name, fix="pip install psutil"
            ) from exc
        self.visible = vis
        self.provenance = self._provenance(vis)
        self._last = (self._clock(), busy, total)
        self._energy_j = 0.0
        self._info = {
            "cpu": DeviceInfo("cpu", "cpu", model=self._cpu_name, note=self.provenance.detail)
        }
        self._opened = True
        self._status_reason = self.provenance.label

    def _utilisation(self, t_s: float, busy: float, total: float) -> float:
        """Busy fraction of the visible vCPUs (not of the whole machine)."""
        assert self._last is not None and self.visible is not None
        t0, busy0, total0 = self._last
        vcpus = self.visible.vcpus
        if self._process is not None:
            capacity = (t_s - t0) * vcpus
        else:  # total covers the CPUs read (affinity lines or all); scale it to the quota
            capacity = (total - total0) * min(1.0, vcpus / max(1, self._ncpu))
        if capacity <= 0:
            return 0.0
        # cpu_times can step backwards (psutil #1210): clamp to 0..1.
        return min(1.0, max(0.0, (busy - busy0) / capacity))

    def power_w(self, utilisation: float) -> float:
        """Modelled power of the visible CPUs at a busy fraction (after ``open()``). Units: W."""
        m, vis = self.power_model, self.visible
        assert vis is not None, "open() first"
        if m.kind == "per_vcpu":
            return float(per_vcpu_power_w(vis.vcpus, m.min_w_per_vcpu, m.max_w_per_vcpu, utilisation))
        return float(tdp_share_power_w(m.tdp_w, self.sockets, self._share, utilisation))

    def read(self) -> list[Reading]:
        """One Reading: modelled power since the last read, and cumulative modelled energy."""
        last = self._last
        if last is None:
            raise ProbeUnavailableError("cpu_model probe is not open", probe=self.name)
        t_s = self._clock()
        stat = self._stat
        try:
            busy, total = stat.busy_total() if stat is not None else self._times()
        except OSError as exc:
            return [Reading("cpu", "cpu", t_s, self.provenance, error=f"cpu_times: {exc}")]
        util = self._utilisation(t_s, busy, total)
        power_w = self.power_w(util)
        self._energy_j = energy = self._energy_j + energy_j(power_w, max(0.0, t_s - last[0]))
        self._last = (t_s, busy, total)
        # positional: component, device, timestamp_s, provenance, energy_j, max_energy_j, power_w, utilisation
        return [Reading("cpu", "cpu", t_s, self.provenance, energy, None, power_w, util)]

    def close(self) -> None:
        """Forget the baseline. Idempotent."""
        self._last = None
        self._opened = False
        if self._stat is not None:
            self._stat.close()
            self._stat = None
