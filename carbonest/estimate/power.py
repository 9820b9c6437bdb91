"""Step 3 of the calculator: the power of each counted component, with its range.

Takes the request and the resolved catalog rows; returns one
:class:`ComponentPower` per counted component (GPU, CPU, DRAM), in that order.
A power the user gave is exact; a table power (TDP, W per GB) says so in the
journal and carries the range the uncertainty model gives it.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TYPE_CHECKING

from carbonest.records.common import cite
from carbonest.errors import InvalidInputError
from carbonest.formulas import uncertainty
from carbonest.records import Notes, Provenance, table_provenance

if TYPE_CHECKING:  # types only: the step modules import what they call, nothing more
    from carbonest.estimate.request import Device, Request
    from carbonest.estimate.resolve import Resolved

Range = tuple[float, float]


class ComponentPower(NamedTuple):
    """The assumed average power of one component.

    Attributes:
        component: ``gpu``, ``cpu`` or ``dram``.
        model: Hardware name (or ``"64 GB"`` for memory), if known.
        count: Number of devices.
        power_w: Average power per device. Units: W.
        power_range_w: Low and high bound of ``power_w``. Units: W.
        provenance: Where ``power_w`` came from.
        range_sources: Where the low and the high bound came from (labels); empty for an
            exact power, whose bounds are ``power_w`` itself.
    """

    component: str
    model: str | None
    count: int  # type: ignore[assignment]  # shadows tuple.count, on purpose: the field reads best
    power_w: float
    power_range_w: Range
    provenance: Provenance
    range_sources: tuple[str, str] = ("", "")


def component_powers(req: Request, res: Resolved, journal: Notes) -> tuple[ComponentPower, ...]:
    """The counted components' powers; none when only serving is estimated."""
    if not req.trains:
        return ()
    out = [gpu_power(req, res, journal), cpu_power(req, res, journal), dram_power(req, journal)]
    return tuple(p for p in out if p is not None)


def _count(journal: Notes, field_name: str, device: Device) -> int:
    journal.provenance[field_name] = "user" if device.count is not None else Provenance.default("1").label
    return 1 if device.count is None else device.count


def gpu_power(req: Request, res: Resolved, journal: Notes) -> ComponentPower | None:
    """Accelerators: the given power, else the TDP (from idle to TDP as its range)."""
    if not req.gpu.counted:
        return None
    count = _count(journal, "gpus", req.gpu)
    spec = res.gpu
    if req.gpu.power_w is not None:
        prov = journal.note("gpu_power_w", Provenance.user())
        if spec is not None and spec.tdp_w is not None:
            _check_over_tdp(spec.name, float(spec.tdp_w), req.gpu.power_w, journal)
        return ComponentPower("gpu", spec.name if spec else None, count, req.gpu.power_w,
                              uncertainty.exact(req.gpu.power_w), prov)
    if spec.tdp_w is None:
        raise InvalidInputError(
            f"gpu_power_w: {spec.name} has no published TDP in the table; give gpu_power_w "
            "(its average power per device)", field="gpu_power_w",
        )
    if req.preset == "patterson2021" and spec.patterson2021_system_power_w is not None:
        return patterson_system_power(spec, count, journal)
    power_w = float(spec.tdp_w)
    prov = journal.note("gpu_power_w", table_provenance("accelerators", spec.source, spec.year, "TDP"))
    what = "average system power per processor" if req.preset == "patterson2021" else "average draw"
    if req.preset == "patterson2021":
        journal.notes.append(f"Patterson et al. 2021 publish no measured system power for {spec.name}: "
                             "its TDP stands in for it.")
    journal.notes.append(
        f"GPU power: the TDP of {spec.name} ({power_w:g} W) was used as the {what}; "
        "real average draw is usually lower. Give gpu_power_w to set it."
    )
    return ComponentPower("gpu", spec.name, count, power_w, tdp_range(power_w), prov, tdp_range_sources(prov))


def _check_over_tdp(name: str, tdp_w: float, power_w: float, journal: Notes) -> None:
    from carbonest.estimate.assumptions import over_tdp_message

    message = over_tdp_message(name, tdp_w, power_w)
    if message is not None:
        from carbonest.errors import warn_user

        journal.notes.append(message + ".")
        warn_user(f"carbonest: {message}", UserWarning)


def tdp_range_sources(tdp: Provenance) -> tuple[str, str]:
    """Labels of the bounds of :func:`tdp_range`: the idle fraction, and the TDP's own row."""
    idle = Provenance("modelled", f"idle = {uncertainty.GPU_IDLE_FRACTION_OF_TDP:g} x TDP "
                                  "(carbonest.formulas.uncertainty.GPU_IDLE_FRACTION_OF_TDP)")
    return idle.label, tdp.label


PATTERSON_SYSTEM_POWER = ("Patterson et al. (2021), Carbon Emissions and Large Neural Network Training, "
                          "Table 4 (mean over its runs on this processor)")


def patterson_system_power(spec: Any, count: int, journal: Notes) -> ComponentPower:
    """The preset patterson2021's power: the paper's measured average system power per processor.

    A measured figure with the host's share included, not the chip's TDP (GPT-3's V100s: 330 W
    against a 300 W TDP), so it is taken as exact, as the paper's own equation does.
    """
    power_w = float(spec.patterson2021_system_power_w)
    prov = journal.note("gpu_power_w", Provenance("table", f"accelerators patterson2021_system_power_w={power_w:g} W",
                                                  PATTERSON_SYSTEM_POWER, 2021))
    journal.notes.append(
        f"GPU power: the average system power per processor that Patterson et al. 2021 measured on "
        f"{spec.family or spec.name} ({power_w:g} W, host share included) was used, not the TDP"
        + (f" ({spec.tdp_w:g} W)" if spec.tdp_w is not None else "") + ". Give gpu_power_w to set it."
    )
    return ComponentPower("gpu", spec.name, count, power_w, uncertainty.exact(power_w), prov)


def tdp_range(tdp_w: float) -> Range:
    """From idle to TDP (:data:`carbonest.formulas.uncertainty.GPU_IDLE_FRACTION_OF_TDP`)."""
    low, high = uncertainty.power_range_w(tdp_w)
    return float(low), float(high)


def cpu_power(req: Request, res: Resolved, journal: Notes) -> ComponentPower | None:
    """CPU sockets: the given power (not above the named CPU's TDP), else the TDP."""
    if not req.cpu.counted:
        return None
    if req.work.vcpus is not None:  # a VM's share of the CPU, one component
        from carbonest.estimate.vcpu import vcpu_power

        v = vcpu_power(res.cpu, req.work.vcpus, journal)
        idle_label = Provenance("modelled", f"idle: {v.provenance.detail}, u=0").label
        return ComponentPower("cpu", v.model, 1, v.power_w, v.power_range_w, v.provenance,
                              (idle_label, v.provenance.label))
    count = _count(journal, "cpus", req.cpu)
    spec = res.cpu
    if req.cpu.power_w is not None:
        power_w = req.cpu.power_w
        if spec is not None and power_w > spec.tdp_w:
            raise InvalidInputError(
                f"cpu_power_w: {power_w:g} W per CPU disagrees with cpu {spec.name!r}, whose TDP "
                f"is {spec.tdp_w:g} W (an average draw cannot exceed it); drop one of the two",
                field="cpu_power_w",
            )
        prov = journal.note("cpu_power_w", Provenance.user())
        return ComponentPower("cpu", spec.name if spec else None, count, power_w, uncertainty.exact(power_w), prov)
    power_w = float(spec.tdp_w)
    prov = journal.note("cpu_power_w", table_provenance("cpus", spec.source, spec.year, "TDP"))
    low_w, idle = cpu_idle_w(spec, power_w)
    journal.notes.append(f"CPU power: the TDP of {spec.name} ({power_w:g} W) per CPU was used; the low bound is "
                         f"its idle power, {idle}.")
    return ComponentPower("cpu", spec.name, count, power_w, (low_w, power_w), prov,
                          (Provenance("modelled", f"idle = {idle}").label, prov.label))


def cpu_idle_w(spec: Any, tdp_w: float) -> tuple[float, str]:
    """A CPU's idle power for the low bound: TDP x min/max of its micro-architecture's per-vCPU watts.

    Cloud Carbon Footprint's min (idle) and max (full load) watts per vCPU come from SPECpower
    runs (``cpu_vcpu_power.csv``); their ratio is the idle share of full-load power. The CPU's
    micro-architecture row is used, else its family's, else CCF's default (0.74 / 3.5 W).
    """
    from carbonest.catalog import cpu_power_lookup

    row = cpu_power_lookup(spec.name).per_vcpu
    ratio = row.min_w_per_vcpu / row.max_w_per_vcpu
    return float(uncertainty.power_range_w(tdp_w, ratio)[0]), (
        f"{ratio:.2f} x TDP ({row.microarchitecture}: {row.min_w_per_vcpu:.3g} / {row.max_w_per_vcpu:.3g} W per vCPU, "
        f"{cite(row.source, row.year)})")


def dram_power(req: Request, journal: Notes) -> ComponentPower | None:
    """Memory: the given power, else the size x the W/GB constant."""
    if req.dram_power_w is not None:
        prov = journal.note("dram_power_w", Provenance.user())
        return ComponentPower("dram", None, 1, req.dram_power_w, uncertainty.exact(req.dram_power_w), prov)
    if req.dram_gb is None:
        return None
    from carbonest.catalog import constant

    w_per_gb = constant("memory_power_w_per_gb")
    journal.provenance["dram_gb"] = "user"
    prov = journal.note(
        "dram_power_w",
        Provenance("table", f"constants memory_power_w_per_gb={w_per_gb.value:g} W/GB",
                   w_per_gb.source, w_per_gb.year),
    )
    power_w = req.dram_gb * w_per_gb.value
    return ComponentPower("dram", f"{req.dram_gb:g} GB", 1, power_w, uncertainty.exact(power_w), prov)


def serving_power(powers: tuple[ComponentPower, ...], req: Request, res: Resolved) -> tuple[Range, float | None]:
    """Power per accelerator while serving: the counted GPU's, else the given power or the TDP."""
    gpu = next((p for p in powers if p.component == "gpu"), None)
    if gpu is not None:
        return gpu.power_range_w, gpu.power_w
    if req.gpu.power_w is not None:
        return uncertainty.exact(req.gpu.power_w), req.gpu.power_w
    spec: Any = res.gpu
    if spec is not None:
        if spec.tdp_w is None:
            raise InvalidInputError(f"gpu_power_w: {spec.name} has no published TDP; give gpu_power_w",
                                    field="gpu_power_w")
        return tdp_range(float(spec.tdp_w)), float(spec.tdp_w)
    return (0.0, 0.0), None
