"""``carbonest doctor``: every probe, whether it works here, why not, and what would fix it.

Unlike discovery (which stops at the first working source of each component),
the doctor opens every probe on its own, so the user sees the whole picture:
e.g. that RAPL is denied *and* what the CPU model would use instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from carbonest.errors import ProbeUnavailableError
from carbonest.probes.base import Probe
from carbonest.measure.setup import amdsmi_factory, nvml_factory


def _factories() -> list[tuple[str, tuple[str, ...], Callable[[], Probe]]]:
    def rapl() -> Probe:
        from carbonest.probes.rapl import RaplProbe

        return RaplProbe()

    def cpu_model() -> Probe:
        from carbonest.probes.cpu_model import CpuModelProbe, read_cpu_model_name, read_cpu_socket_count
        from carbonest.probes.discovery import catalog_cpu_power

        name = read_cpu_model_name()
        return CpuModelProbe(cpu_name=name, power_model=catalog_cpu_power(name), sockets=read_cpu_socket_count() or 1)

    def memory_model() -> Probe:
        from carbonest.probes.memory_model import MemoryModelProbe

        return MemoryModelProbe()

    return [("nvml", ("gpu",), nvml_factory), ("amdsmi", ("gpu",), amdsmi_factory), ("rapl", ("cpu", "dram"), rapl),
            ("cpu_model", ("cpu",), cpu_model), ("memory_model", ("dram",), memory_model)]


def _power(probe: Probe, wait_s: float) -> dict[str, dict[str, Any]]:
    """Current power per device: the reported power, else the counter delta over ``wait_s``."""
    first = {r.device: r for r in probe.read()}
    time.sleep(wait_s)  # the doctor is interactive; the sampler never sleeps
    out: dict[str, dict[str, Any]] = {}
    for r in probe.read():
        before = first.get(r.device)
        power = r.power_w
        if power is None and before is not None and r.energy_j is not None and before.energy_j is not None:
            from carbonest.formulas.energy import counter_delta, mean_power_w

            power = mean_power_w(counter_delta(before.energy_j, r.energy_j, r.max_energy_j),
                                 r.timestamp_s - before.timestamp_s)
        out[r.device] = {"power_w": power, "provenance": r.provenance.label, "error": r.error}
    return out


def _cpu_model(probe: Probe) -> dict[str, Any] | None:
    """What the modelled CPU probe assumes: which model, which share of the host, which constants."""
    model = getattr(probe, "power_model", None)
    visible = getattr(probe, "visible", None)
    if model is None or visible is None:
        return None
    out: dict[str, Any] = {"kind": model.kind, "label": model.label, "provenance": model.provenance.label,
                           "visible_cpus": visible.describe(), "vcpus": visible.vcpus,
                           "limited_by": visible.limited_by}
    if model.kind == "tdp_share":
        out.update(tdp_w=model.tdp_w, threads_per_socket=model.threads_per_socket,
                   threads_basis=model.threads_basis)
    else:
        out.update(min_w_per_vcpu=model.min_w_per_vcpu, max_w_per_vcpu=model.max_w_per_vcpu)
    out["range_w"] = [probe.power_w(0.0), probe.power_w(1.0)]  # type: ignore[attr-defined]
    return out


def diagnose(wait_s: float = 0.5) -> list[dict[str, Any]]:
    """One entry per probe: name, components, available, reason, fix, devices, readings."""
    report = []
    for name, components, factory in _factories():
        entry: dict[str, Any] = {"name": name, "components": list(components), "available": False,
                                 "reason": "", "fix": None, "devices": [], "readings": {}}
        probe = factory()
        try:
            probe.open()
            status = probe.describe()
            entry.update(available=True, reason=status.reason or "works", devices=list(status.devices))
            entry["readings"] = _power(probe, wait_s)
            model = _cpu_model(probe)
            if model is not None:
                entry["model"] = model
        except ProbeUnavailableError as exc:
            entry.update(reason=str(exc), fix=exc.fix)
        finally:
            probe.close()
        report.append(entry)
    return report
