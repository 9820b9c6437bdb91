"""Ordered probe discovery: which backend measures each component on this machine.

The fixed order (best source first; each failure is recorded for ``carbonest doctor``):

* GPU:  ``nvml``; no fallback here (the tracker may model GPUs from the catalog TDP).
* CPU:  ``rapl`` package zones, else ``cpu_model`` (TDP x utilisation).
* DRAM: ``rapl`` dram zones, else ``memory_model`` (W per GB in use).

One RAPL probe serves both CPU and DRAM when it has both. Every call builds
new probe objects (no module-level cache or singleton); the returned probes are
open and owned by the caller, who must ``close()`` them. Every constructor is
injectable so tests (and unusual sites) can substitute their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from carbonest.errors import ProbeUnavailableError
from carbonest.probes.base import Probe, ProbeStatus
from carbonest.records import Component, Provenance

__all__ = ["DEFAULT_CPU_TDP_W", "TdpLookup", "default_tdp_lookup", "discover_probes"]

DEFAULT_CPU_TDP_W = 100.0
"""TDP assumed for a CPU the caller could not identify. A round default, not a
measurement; provenance says so. Units: W."""

TdpLookup = Callable[[str | None], tuple[float, Provenance]]
"""Maps a CPU model name (or None) to (TDP per socket in W, where that figure came from)."""

ProbeFactory = Callable[[], Probe]


def default_tdp_lookup(cpu_name: str | None) -> tuple[float, Provenance]:
    """The fallback when no catalog look-up is given: :data:`DEFAULT_CPU_TDP_W`, said so."""
    who = f"unknown CPU {cpu_name!r}" if cpu_name else "unknown CPU"
    return DEFAULT_CPU_TDP_W, Provenance.default(f"{who}, default {DEFAULT_CPU_TDP_W:g} W")


def _try_open(
    factory: ProbeFactory, fallback_components: tuple[Component, ...], statuses: list[ProbeStatus]
) -> Probe | None:
    probe = factory()
    try:
        probe.open()
    except ProbeUnavailableError as exc:
        probe.close()
        statuses.append(
            ProbeStatus(
                name=exc.probe or probe.name,
                components=fallback_components,
                available=False,
                reason=str(exc),
                fix=exc.fix,
            )
        )
        return None
    statuses.append(probe.describe())
    return probe


def _serves(probe: Probe | None, component: Component) -> bool:
    return probe is not None and any(
        i.component == component and i.additive for i in probe.device_info().values()
    )


def discover_probes(
    components: Iterable[Component] = ("gpu", "cpu", "dram"),
    *,
    cpu_tdp: TdpLookup = default_tdp_lookup,
    scope: Literal["machine", "process"] = "machine",
    powercap_root: str | None = None,
    proc_root: str = "/proc",
    nvml_factory: ProbeFactory | None = None,
    rapl_factory: ProbeFactory | None = None,
    cpu_model_factory: ProbeFactory | None = None,
    memory_model_factory: ProbeFactory | None = None,
) -> tuple[list[Probe], list[ProbeStatus]]:
    """Open the best available probe for each wanted component, in the fixed order.

    Args:
        components: Components to measure.
        cpu_tdp: CPU TDP look-up used for the ``cpu_model`` fallback (the tracker passes
            one backed by the hardware catalog).
        scope: ``"machine"`` or ``"process"`` share for the modelled fallbacks.
        powercap_root: Powercap class directory for RAPL (default: env or /sys/class/powercap).
        proc_root: procfs root, for the CPU model name and socket count.
        nvml_factory: Builds the GPU probe (default :class:`~carbonest.probes.nvml.NvmlProbe`).
        rapl_factory: Builds the RAPL probe (default :class:`~carbonest.probes.rapl.RaplProbe`).
        cpu_model_factory: Builds the CPU fallback (default: ``CpuModelProbe`` with ``cpu_tdp``).
        memory_model_factory: Builds the DRAM fallback (default: ``MemoryModelProbe``).

    Returns:
        (open probes in the order GPU, CPU, DRAM; one status per probe tried, failures
        included with their reason and fix).
    """
    wanted = set(components)
    probes: list[Probe] = []
    statuses: list[ProbeStatus] = []
    if "gpu" in wanted:
        gpu = _try_open(nvml_factory or _nvml, ("gpu",), statuses)
        probes += [gpu] if gpu is not None else []
    rapl: Probe | None = None
    if wanted & {"cpu", "dram"}:
        rapl = _try_open(rapl_factory or (lambda: _rapl(powercap_root)), ("cpu", "dram"), statuses)
        if rapl is not None and not _serves(rapl, "cpu"):
            rapl.close()
            rapl = None
        probes += [rapl] if rapl is not None else []
    if "cpu" in wanted and not _serves(rapl, "cpu"):
        factory = cpu_model_factory or (lambda: _cpu_model(cpu_tdp, scope, proc_root))
        cpu = _try_open(factory, ("cpu",), statuses)
        probes += [cpu] if cpu is not None else []
    if "dram" in wanted and not _serves(rapl, "dram"):
        mem = _try_open(memory_model_factory or (lambda: _memory_model(scope)), ("dram",), statuses)
        probes += [mem] if mem is not None else []
    return probes, statuses


# Default constructors: the backend modules are imported only when used.


def _nvml() -> Probe:
    from carbonest.probes.nvml import NvmlProbe

    return NvmlProbe()


def _rapl(root: str | None) -> Probe:
    from carbonest.probes.rapl import RaplProbe

    return RaplProbe(root)


def _cpu_model(cpu_tdp: TdpLookup, scope: Literal["machine", "process"], proc_root: str) -> Probe:
    from carbonest.probes.cpu_model import CpuModelProbe, read_cpu_model_name, read_cpu_socket_count

    name = read_cpu_model_name(proc_root)
    tdp_w, prov = cpu_tdp(name)
    sockets = read_cpu_socket_count(proc_root) or 1
    return CpuModelProbe(tdp_w, cpu_name=name, tdp_provenance=prov, sockets=sockets, scope=scope)


def _memory_model(scope: Literal["machine", "process"]) -> Probe:
    from carbonest.probes.memory_model import MemoryModelProbe

    return MemoryModelProbe(scope=scope)
