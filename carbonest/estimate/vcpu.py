"""Step 3a of the calculator: the modelled power of ``vcpus`` vCPUs of a CPU (a VM's share of it).

Used by :mod:`carbonest.estimate.power` when ``vcpus`` is given. Two models, both from
:mod:`carbonest.formulas.cpu_power`, with the draw taken at full load (u = 1, as a TDP is taken
as the draw elsewhere in ``estimate``):

* a CPU **model** (TDP and hardware threads known): TDP x share, the share being
  vcpus / threads (cores when the thread count is unknown; said in a note), capped at 1;
  the low bound is Cloud Carbon Footprint's idle watts per vCPU of its micro-architecture.
* a **micro-architecture or family** (``"Cascade Lake"``, ``"AMD EPYC"``): CCF's per-vCPU
  model, vcpus x max W per vCPU, with vcpus x min W per vCPU as the low bound.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from carbonest.records.common import cite
from carbonest.formulas import cpu_power
from carbonest.records import Notes, Provenance

Range = tuple[float, float]

FULL_LOAD = 1.0
"""Utilisation of the vCPUs: busy throughout, as a TDP is taken for the draw elsewhere. Dimensionless."""


class VcpuPower(NamedTuple):
    """The modelled power of the vCPUs, for one ``cpu`` component (count 1: the VM).

    Attributes:
        model: What was modelled, e.g. ``"Intel Xeon Gold 6248 (4 of 40 threads)"``.
        power_w: Modelled power of all the vCPUs. Units: W.
        power_range_w: Low (idle) and high bound. Units: W.
        provenance: Which model, share and constants.
    """

    model: str
    power_w: float
    power_range_w: Range
    provenance: Provenance


def vcpu_power(spec: Any, vcpus: float, journal: Notes) -> VcpuPower:
    """Power of ``vcpus`` vCPUs of a catalogued CPU model or micro-architecture/family row."""
    journal.provenance["vcpus"] = "user"
    if hasattr(spec, "tdp_w"):
        threads = spec.threads or spec.cores
        if threads:
            return _tdp_share(spec, vcpus, threads, journal)
        from carbonest.catalog import cpu_power_lookup

        journal.notes.append(f"{spec.name} has no thread or core count in the table: the per-vCPU model of its "
                             "micro-architecture (or family, or CCF's default) was used.")
        return _per_vcpu(cpu_power_lookup(spec.name).per_vcpu, vcpus, journal)
    return _per_vcpu(spec, vcpus, journal)


def _tdp_share(spec: Any, vcpus: float, threads: int, journal: Notes) -> VcpuPower:
    from carbonest.catalog import cpu_power_lookup

    unit = "threads" if spec.threads else "cores"
    if not spec.threads:
        journal.notes.append(f"{spec.name}: the table has no hardware-thread count; its {threads} cores were "
                             "taken as the vCPUs it has (one vCPU per core).")
    share = min(1.0, float(cpu_power.visible_share(vcpus, threads, 1)))
    power_w = float(cpu_power.tdp_share_power_w(spec.tdp_w, 1, share, FULL_LOAD))
    idle = cpu_power_lookup(spec.name).per_vcpu
    low = min(power_w, float(cpu_power.per_vcpu_power_w(vcpus, idle.min_w_per_vcpu, idle.max_w_per_vcpu, 0.0)))
    detail = (f"TDP x share: {spec.name} {spec.tdp_w:g} W x {vcpus:g}/{threads} {unit} (share {share:.4g}, "
              f"u={FULL_LOAD:g}); low bound {idle.min_w_per_vcpu:.3g} W per idle vCPU ({idle.microarchitecture}, "
              f"{cite(idle.source, idle.year)})")
    prov = journal.note("cpu_power_w", Provenance("modelled", detail))
    journal.notes.append(f"CPU power: {vcpus:g} vCPUs of {spec.name} charged {share:.1%} of its {spec.tdp_w:g} W TDP "
                         f"at full load ({power_w:.3g} W); the low bound is idle ({low:.3g} W).")
    return VcpuPower(f"{spec.name} ({vcpus:g} of {threads} {unit})", power_w, (low, power_w), prov)


def _per_vcpu(row: Any, vcpus: float, journal: Notes) -> VcpuPower:
    lo, hi = row.min_w_per_vcpu, row.max_w_per_vcpu
    power_w = float(cpu_power.per_vcpu_power_w(vcpus, lo, hi, FULL_LOAD))
    low = float(cpu_power.per_vcpu_power_w(vcpus, lo, hi, 0.0))
    detail = (f"per vCPU (Cloud Carbon Footprint): {vcpus:g} x {row.microarchitecture} {lo:.4g}-{hi:.4g} W "
              f"per vCPU (u={FULL_LOAD:g}), {cite(row.source, row.year)}")
    prov = journal.note("cpu_power_w", Provenance("modelled", detail))
    journal.notes.append(f"CPU power: {vcpus:g} vCPUs of {row.microarchitecture} at CCF's full-load "
                         f"{hi:.3g} W per vCPU ({power_w:.3g} W); the low bound is idle ({lo:.3g} W per vCPU).")
    return VcpuPower(f"{row.microarchitecture} ({vcpus:g} vCPUs)", power_w, (low, power_w), prov)
