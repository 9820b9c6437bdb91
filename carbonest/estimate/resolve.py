"""Step 2 of the calculator: find the hardware, the datacenter, the grid and the PUE in the tables.

Takes the :class:`~carbonest.estimate.request.Request` and returns
:class:`Resolved`: the catalog rows of the accelerator and the CPU, the
datacenter preset, and the :class:`Place` (carbon intensity and PUE, resolved by
:mod:`carbonest.intensity.resolve`, the rules every caller shares). Unknown
names raise with suggestions; each row used is recorded in the journal.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TYPE_CHECKING

from carbonest.errors import InvalidInputError
from carbonest.intensity.resolve import configured_region, configured_region_error, resolve_intensity, resolve_pue
from carbonest.intensity.table import other_basis
from carbonest.records import Notes, RegionInfo, table_provenance

if TYPE_CHECKING:  # types only: the step modules import what they call, nothing more
    from carbonest.estimate.request import Request


class Place(NamedTuple):
    """Where the job runs, as far as emissions go.

    Attributes:
        intensity_g_per_kwh: Carbon intensity used. Units: gCO2e/kWh.
        region: The grid that intensity belongs to.
        region_spec: The catalog row of that grid, when it is a table region (else None).
        pue: The PUE used. Units: ratio.
        basis: The basis asked for (``lifecycle`` or ``direct``).
        other: The table region's figure on the other basis (an ``IntensityFigure``), or None;
            shown beside the one used, never mixed into it.
    """

    intensity_g_per_kwh: float
    region: RegionInfo
    region_spec: Any
    pue: float
    basis: str
    other: Any


class Resolved(NamedTuple):
    """The catalog rows a request names.

    Attributes:
        gpu: The accelerator's :class:`~carbonest.catalog.AcceleratorSpec`, or None.
        cpu: The CPU's :class:`~carbonest.catalog.CpuSpec`, or None.
        datacenter: The datacenter preset's :class:`~carbonest.catalog.DatacenterSpec`, or None.
        place: Carbon intensity and PUE.
    """

    gpu: Any
    cpu: Any
    datacenter: Any
    place: Place


def resolve(req: Request, journal: Notes) -> Resolved:
    """Look up every name of ``req``; record each table row used in ``journal``."""
    gpu = _accelerator(req, journal)
    cpu = None
    if req.cpu.name is not None and req.work.vcpus is not None:
        cpu = _vcpu_cpu(req.cpu.name, journal)
    elif req.cpu.name is not None:
        from carbonest.catalog import find_cpu

        cpu = find_cpu(req.cpu.name)
        journal.note("cpu", table_provenance("cpus", cpu.source, cpu.year))
    dc = None
    if req.datacenter is not None:
        from carbonest.catalog import find_datacenter

        dc = find_datacenter(req.datacenter)
    intensity, region, region_spec = _grid(req, dc, journal)
    pue = resolve_pue(journal, req.pue, dc, region_spec, req.preset)
    provider = getattr(region_spec, "provider", None)
    if dc is not None and req.pue is None and provider and dc.id != provider and dc.kind == "provider":
        journal.notes.append(f"The PUE of datacenter '{dc.id}' ({dc.pue:g}) was used for {region_spec.id}, "
                             f"a region of another provider ({provider}), as asked.")
    other = region_spec.figure(other_basis(req.basis)) if region_spec is not None else None
    place = Place(intensity, region, region_spec, pue, req.basis, other)
    return Resolved(gpu=gpu, cpu=cpu, datacenter=dc, place=place)


def _grid(req: Request, dc: Any, journal: Notes) -> tuple[float, RegionInfo, Any]:
    """Carbon intensity by the shared rules; with no region, intensity, datacenter figure or
    preset, the region of ``CARBONEST_REGION`` or the config file (its origin in provenance)."""
    region, origin = req.region, None
    if getattr(dc, "intensity_g_per_kwh", None) is None and req.preset is None:
        region, origin = configured_region(req.region, req.intensity_g_per_kwh)
    try:
        found = resolve_intensity(journal, region, req.intensity_g_per_kwh, dc, req.preset, req.basis)
    except InvalidInputError as exc:
        if origin is None:
            raise
        raise configured_region_error(origin, exc) from None
    if origin is not None:
        journal.provenance["region"] = origin
    return found


def _vcpu_cpu(name: str, journal: Notes) -> Any:
    """With vcpus: a CPU model (its TDP and threads), else a micro-architecture or family row (per-vCPU watts).

    Returns a :class:`~carbonest.catalog.CpuSpec` or a :class:`~carbonest.catalog.VcpuPowerSpec`; an
    unknown name raises the CPU model look-up's error (with its suggestions).
    """
    from carbonest.catalog import find_cpu, find_vcpu_power
    from carbonest.errors import UnknownHardwareError

    try:
        cpu: Any = find_cpu(name)
        journal.note("cpu", table_provenance("cpus", cpu.source, cpu.year))
        return cpu
    except UnknownHardwareError as model_error:
        try:
            row = find_vcpu_power(name)
        except UnknownHardwareError:
            raise model_error from None
    journal.note("cpu", table_provenance("cpu_vcpu_power", row.source, row.year, row.id))
    return row


def _accelerator(req: Request, journal: Notes) -> Any:
    if req.gpu.name is None:
        return None
    from carbonest.catalog import find_accelerator

    spec = find_accelerator(req.gpu.name)
    if req.trains:
        journal.note("gpu", table_provenance("accelerators", spec.source, spec.year))
        if spec.resolved_from:
            others = ", ".join(spec.alternatives) or "none"
            tdp = f"{spec.tdp_w:g} W TDP" if spec.tdp_w is not None else "no published TDP"
            journal.notes.append(f"'{req.gpu.name}' was taken as {spec.name} ({tdp}); other SKUs: {others}.")
    return spec
