"""Step 7 of the calculator: what the job costs beyond its electricity: embodied carbon and water.

Takes the request, the resolved place and datacenter, and the operational
figures; returns :class:`Lifecycle`. Embodied (manufacturing) carbon is
counted only when asked, amortised over the hardware's lifetime; on-site water
is IT energy x WUE, the WUE given, or the datacenter's, or the cloud
provider's, or the industry average (said in a note).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from carbonest.estimate.assumptions import DEFAULT_GPUS_PER_SERVER
from carbonest.estimate.energy import Operational
from carbonest.estimate.request import Request
from carbonest.estimate.resolve import Resolved
from carbonest.formulas import lifecycle
from carbonest.records import Notes, table_provenance


class Lifecycle(NamedTuple):
    """Embodied carbon and water of a job.

    Attributes:
        embodied_co2e_kg: Manufacturing emissions charged to the job; None when not asked. Units: kg CO2e.
        water_l: On-site water. Units: L.
        wue_l_per_kwh: The WUE used. Units: L/kWh.
    """

    embodied_co2e_kg: float | None
    water_l: float
    wue_l_per_kwh: float


def lifecycle_costs(req: Request, res: Resolved, op: Operational, hours: float, journal: Notes) -> Lifecycle:
    """Embodied carbon (when asked) and on-site water."""
    embodied = embodied_kg(journal, op.gpu_hours, hours) if req.work.embodied else None
    water, wue = water_l(journal, req.work.wue_l_per_kwh, res.datacenter, res.place.region_spec, op.it_energy_kwh)
    if not req.work.embodied:
        journal.notes.append("Embodied (manufacturing) carbon not counted: total_co2e_kg is operational only "
                             "(use embodied=True / --embodied).")
    return Lifecycle(embodied, water, wue)


def embodied_kg(journal: Notes, gpu_hours: float | None, hours: float | None) -> float:
    """Manufacturing emissions charged to the job (accelerators and their host's share, amortised)."""
    from carbonest.catalog import constant

    gpu, server, life = constant("embodied_gpu_kg"), constant("embodied_server_base_kg"), constant("server_lifetime_years")
    labels = [table_provenance("constants", c.source, c.year, f"{c.name}={c.value:g}").label for c in (gpu, server, life)]
    journal.provenance["embodied"] = "; ".join(labels) + f"; default:{DEFAULT_GPUS_PER_SERVER} GPUs per server"
    if gpu_hours:
        return float(lifecycle.job_embodied_kg(1, gpu_hours, gpu.value, server.value,
                                               DEFAULT_GPUS_PER_SERVER, life.value))
    journal.notes.append("Embodied carbon without GPUs: one host server's share for the duration.")
    return float(lifecycle.amortised_embodied_kg(server.value, hours or 0.0, life.value))


def water_l(journal: Notes, given_wue: float | None, dc: Any, region_spec: Any, it_kwh: float) -> tuple[float, float]:
    """On-site water (L) and the WUE used: given > datacenter > cloud provider > industry average."""
    from carbonest.catalog import find_datacenter, industry_wue

    source = None
    if given_wue is not None:
        journal.provenance["wue_l_per_kwh"] = "user"
        wue = given_wue
    else:
        if dc is not None and dc.wue_l_per_kwh is not None:
            source = dc
        elif region_spec is not None and getattr(region_spec, "provider", None):
            provider = find_datacenter(region_spec.provider)
            source = provider if provider.wue_l_per_kwh is not None else None
        if source is None:
            source = industry_wue()
            journal.notes.append(f"No WUE given: the industry average {source.wue_l_per_kwh:g} L/kWh "
                                 f"({source.source} {source.year}) was used for water.")
        journal.provenance["wue_l_per_kwh"] = table_provenance("datacenters", source.source, source.year,
                                                               source.id).label
        assert source.wue_l_per_kwh is not None  # the rows chosen above all carry one
        wue = float(source.wue_l_per_kwh)
    return float(lifecycle.onsite_water_l(it_kwh, wue)), wue
