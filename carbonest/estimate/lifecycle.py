"""Step 7 of the calculator: what the job costs beyond its electricity: embodied carbon and water.

Takes the request, the resolved place and datacenter, and the operational
figures; returns :class:`Lifecycle`. Embodied (manufacturing) carbon is
counted only when asked, amortised over the hardware's lifetime; on-site water
is IT energy x WUE, the WUE given, or the datacenter's, or the cloud
provider's, or the industry average (said in a note).
"""

from __future__ import annotations

from typing import Any, NamedTuple, TYPE_CHECKING

from carbonest.records.common import cite
from carbonest.estimate.assumptions import DEFAULT_GPUS_PER_SERVER, DEFAULT_UTILIZATION
from carbonest.formulas import lifecycle
from carbonest.records import Notes, table_provenance

if TYPE_CHECKING:  # types only: the step modules import what they call, nothing more
    from carbonest.estimate.energy import Operational
    from carbonest.estimate.request import Request, Work
    from carbonest.estimate.resolve import Resolved


class Lifecycle(NamedTuple):
    """Embodied carbon and water of a job.

    Attributes:
        embodied_co2e_kg: Manufacturing emissions charged to the job; None when not asked. Units: kg CO2e.
        water_l: On-site water. Units: L.
        wue_l_per_kwh: The WUE used. Units: L/kWh.
        embodied_inputs: The figures embodied carbon was amortised with; None when not asked.
    """

    embodied_co2e_kg: float | None
    water_l: float
    wue_l_per_kwh: float
    embodied_inputs: EmbodiedInputs | None = None


def lifecycle_costs(req: Request, res: Resolved, op: Operational, hours: float, journal: Notes) -> Lifecycle:
    """Embodied carbon (when asked) and on-site water."""
    inputs = embodied_inputs(journal, req.work) if req.work.embodied else None
    embodied = embodied_kg(journal, op.gpu_hours, hours, inputs) if inputs is not None else None
    water, wue = water_l(journal, req.work.wue_l_per_kwh, res.datacenter, res.place.region_spec, op.it_energy_kwh)
    if not req.work.embodied:
        journal.notes.append("Embodied (manufacturing) carbon not counted: total_co2e_kg is operational only "
                             "(use embodied=True / --embodied).")
    return Lifecycle(embodied, water, wue, inputs)


class EmbodiedInputs(NamedTuple):
    """The figures embodied carbon is amortised with, each the user's or the table's.

    Attributes:
        gpu_kg: Embodied emissions of one accelerator card. Units: kg CO2e.
        server_kg: Embodied emissions of one host server without its accelerators. Units: kg CO2e.
        gpus_per_server: Accelerators per host server.
        lifetime_years: Service life. Units: years.
        utilization: Share of the life the hardware is busy. Units: ratio in (0, 1].
    """

    gpu_kg: float
    server_kg: float
    gpus_per_server: int
    lifetime_years: float
    utilization: float

    def extras(self) -> dict[str, Any]:
        """The JSON keys of the figures used."""
        return {"embodied_kg_per_gpu": self.gpu_kg, "embodied_kg_per_server": self.server_kg,
                "gpus_per_server": self.gpus_per_server, "lifetime_years": self.lifetime_years,
                "utilization": self.utilization}


def embodied_inputs(journal: Notes, work: Work) -> EmbodiedInputs:
    """The amortisation's figures: the user's where given, else the sourced table values (in provenance)."""
    from carbonest.catalog import constant

    gpu, server, life = constant("embodied_gpu_kg"), constant("embodied_server_base_kg"), constant("server_lifetime_years")

    def table(c: Any) -> str:
        return table_provenance("constants", c.source, c.year, f"{c.name}={c.value:g}").label

    picks = {
        "embodied_kg_per_server": (work.embodied_kg_per_server, server.value, table(server)),
        "gpus_per_server": (work.gpus_per_server, DEFAULT_GPUS_PER_SERVER,
                            f"default:{DEFAULT_GPUS_PER_SERVER} GPUs per server"),
        "lifetime_years": (work.lifetime_years, life.value, table(life)),
        "utilization": (work.utilization, DEFAULT_UTILIZATION,
                        f"default:{DEFAULT_UTILIZATION:g} (busy all its life, Cloud Carbon Footprint)"),
    }
    values: dict[str, Any] = {}
    for name, (given, fallback, label) in picks.items():
        values[name] = fallback if given is None else given
        journal.provenance[name] = "user" if given is not None else label
    journal.provenance["embodied_kg_per_gpu"] = table(gpu)
    journal.provenance["embodied"] = embodied_label(table(gpu), {n: journal.provenance[n] for n in picks})
    return EmbodiedInputs(float(gpu.value), float(values["embodied_kg_per_server"]), int(values["gpus_per_server"]),
                          float(values["lifetime_years"]), float(values["utilization"]))


def embodied_label(gpu_label: str, labels: dict[str, str]) -> str:
    """One label for the whole amortisation: the table rows used, then ``name=user`` for each given input."""
    parts = [gpu_label] + [f"{name}=user" if label == "user" else label for name, label in labels.items()]
    return "; ".join(parts)


def embodied_kg(journal: Notes, gpu_hours: float | None, hours: float | None, e: EmbodiedInputs) -> float:
    """Manufacturing emissions charged to the job (accelerators and their host's share, amortised)."""
    if gpu_hours:
        return float(lifecycle.job_embodied_kg(1, gpu_hours, e.gpu_kg, e.server_kg, e.gpus_per_server,
                                               e.lifetime_years, e.utilization))
    journal.notes.append("Embodied carbon without GPUs: one host server's share for the duration.")
    return float(lifecycle.amortised_embodied_kg(e.server_kg, hours or 0.0, e.lifetime_years, e.utilization))


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
                                 f"({cite(source.source, source.year)}) was used for water.")
        journal.provenance["wue_l_per_kwh"] = table_provenance("datacenters", source.source, source.year,
                                                               source.id).label
        assert source.wue_l_per_kwh is not None  # the rows chosen above all carry one
        wue = float(source.wue_l_per_kwh)
    return float(lifecycle.onsite_water_l(it_kwh, wue)), wue
