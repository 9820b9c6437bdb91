"""Ordered probe discovery: which backend measures each component on this machine.

The fixed order (best source first; each failure is recorded for ``carbonest doctor``):

* GPU:  ``nvml``, else ``amdsmi`` (AMD Instinct); no model fallback here (the tracker may
  model GPUs from the catalog TDP).
* CPU:  ``rapl`` package zones, else ``cpu_model`` (the visible CPUs: TDP x share x
  utilisation for a catalogued CPU, else Cloud Carbon Footprint watts per vCPU; see
  :func:`catalog_cpu_power`).
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
from carbonest.probes.base import CpuPowerModel, Probe, ProbeStatus
from carbonest.records import Component, Provenance

__all__ = [
    "DEFAULT_CPU_TDP_W",
    "CpuPowerLookup",
    "TdpLookup",
    "catalog_cpu_power",
    "default_tdp_lookup",
    "discover_probes",
]

DEFAULT_CPU_TDP_W = 100.0
"""TDP assumed for a CPU the caller could not identify. A round default, not a
measurement; provenance says so. Units: W."""

TdpLookup = Callable[[str | None], tuple[float, Provenance]]
"""Maps a CPU model name (or None) to (TDP per socket in W, where that figure came from)."""

CpuPowerLookup = Callable[[str | None], CpuPowerModel]
"""Maps a CPU model name (or None) to the power model and constants to use for it."""

ProbeFactory = Callable[[], Probe]


def catalog_cpu_power(cpu_name: str | None) -> CpuPowerModel:
    """The CPU power model for a ``/proc/cpuinfo`` model name, filled from the catalog.

    * A catalogued CPU with a thread (or core) count: ``tdp_share`` with its TDP and threads.
    * A catalogued CPU without either but with a micro-architecture row: ``per_vcpu`` with it.
    * A catalogued CPU with neither: ``tdp_share``, threads unknown (share = visible/online).
    * Otherwise ``per_vcpu`` with the family row (``"AMD EPYC"`` -> "AMD EPYC, generation
      unknown") or the overall default (CCF's 0.74 / 3.5 W per vCPU), provenance ``default``.

    Args:
        cpu_name: E.g. ``"AMD EPYC"``, ``"Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"``, or None.

    Returns:
        The model, with provenance (table source and year, or ``default`` saying why).
    """
    from carbonest.catalog.cpus import cpu_power_lookup

    match = cpu_power_lookup(cpu_name)
    cpu, row = match.cpu, match.per_vcpu
    if cpu is not None and (cpu.threads or cpu.cores or row.kind != "microarchitecture"):
        basis = "threads" if cpu.threads else "cores" if cpu.cores else None
        return CpuPowerModel(
            "tdp_share", cpu.name, Provenance("table", f"cpus {cpu.name}", cpu.source, cpu.year),
            tdp_w=float(cpu.tdp_w), threads_per_socket=cpu.threads or cpu.cores, threads_basis=basis,
        )
    if row.kind == "microarchitecture":
        prov = Provenance("table", f"cpu_vcpu_power {row.id}", row.source, row.year)
    else:
        who = f"{cpu_name!r} not in the catalog" if cpu_name else "no CPU model name"
        what = "family mean" if row.kind == "family" else "CCF average for an unknown CPU"
        prov = Provenance("default", f"{who}, {what} ({row.id})", row.source, row.year)
    return CpuPowerModel("per_vcpu", row.microarchitecture, prov,
                         min_w_per_vcpu=row.min_w_per_vcpu, max_w_per_vcpu=row.max_w_per_vcpu)


def _from_tdp_lookup(cpu_tdp: TdpLookup) -> CpuPowerLookup:
    """Adapt an older ``TdpLookup``: its TDP wins, the catalog adds threads; its default
    (the CPU is unknown to it) gives way to the catalog's per-vCPU figures."""

    def lookup(cpu_name: str | None) -> CpuPowerModel:
        tdp_w, prov = cpu_tdp(cpu_name)
        model = catalog_cpu_power(cpu_name)
        if prov.kind == "default":
            return model
        if model.kind == "tdp_share":
            return CpuPowerModel("tdp_share", model.label, prov, tdp_w=tdp_w,
                                 threads_per_socket=model.threads_per_socket,
                                 threads_basis=model.threads_basis)
        return CpuPowerModel("tdp_share", cpu_name or "CPU", prov, tdp_w=tdp_w)

    return lookup


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
    cpu_tdp: TdpLookup | None = None,
    cpu_power: CpuPowerLookup | None = None,
    scope: Literal["machine", "process"] = "machine",
    powercap_root: str | None = None,
    proc_root: str = "/proc",
    nvml_factory: ProbeFactory | None = None,
    amdsmi_factory: ProbeFactory | None = None,
    rapl_factory: ProbeFactory | None = None,
    cpu_model_factory: ProbeFactory | None = None,
    memory_model_factory: ProbeFactory | None = None,
) -> tuple[list[Probe], list[ProbeStatus]]:
    """Open the best available probe for each wanted component, in the fixed order.

    Args:
        components: Components to measure.
        cpu_tdp: Older form of ``cpu_power``: a TDP look-up (see :func:`_from_tdp_lookup`).
        cpu_power: The CPU power model look-up for the ``cpu_model`` fallback (default
            :func:`catalog_cpu_power`; wins over ``cpu_tdp``).
        scope: ``"machine"`` or ``"process"`` share for the modelled fallbacks.
        powercap_root: Powercap class directory for RAPL (default: env or /sys/class/powercap).
        proc_root: procfs root, for the CPU model name and socket count.
        nvml_factory: Builds the GPU probe (default :class:`~carbonest.probes.nvml.NvmlProbe`).
        amdsmi_factory: Builds the AMD GPU probe, tried when NVML finds no GPU (default
            :class:`~carbonest.probes.amdsmi.AmdSmiProbe`).
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
        if gpu is None:
            gpu = _try_open(amdsmi_factory or _amdsmi, ("gpu",), statuses)
        probes += [gpu] if gpu is not None else []
    rapl: Probe | None = None
    if wanted & {"cpu", "dram"}:
        rapl = _try_open(rapl_factory or (lambda: _rapl(powercap_root)), ("cpu", "dram"), statuses)
        if rapl is not None and not _serves(rapl, "cpu"):
            rapl.close()
            rapl = None
        probes += [rapl] if rapl is not None else []
    if "cpu" in wanted and not _serves(rapl, "cpu"):
        lookup = cpu_power or (_from_tdp_lookup(cpu_tdp) if cpu_tdp else catalog_cpu_power)
        factory = cpu_model_factory or (lambda: _cpu_model(lookup, scope, proc_root))
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


def _amdsmi() -> Probe:
    from carbonest.probes.amdsmi import AmdSmiProbe

    return AmdSmiProbe()


def _rapl(root: str | None) -> Probe:
    from carbonest.probes.rapl import RaplProbe

    return RaplProbe(root)


def _cpu_model(lookup: CpuPowerLookup, scope: Literal["machine", "process"], proc_root: str) -> Probe:
    from carbonest.probes.cpu_model import CpuModelProbe, read_cpu_model_name, read_cpu_socket_count

    name = read_cpu_model_name(proc_root)
    sockets = read_cpu_socket_count(proc_root) or 1
    return CpuModelProbe(cpu_name=name, power_model=lookup(name), sockets=sockets, scope=scope)


def _memory_model(scope: Literal["machine", "process"]) -> Probe:
    from carbonest.probes.memory_model import MemoryModelProbe

    return MemoryModelProbe(scope=scope)
