"""Step 6 of the calculator: operational energy and emissions.

Takes the component powers, the duration, the serving part and the place;
returns :class:`Operational`: per-component IT energy, the facility energy (PUE
applied) and the CO2e. With the ``patterson2021`` preset the training part is
computed with Patterson et al.'s own equation (MWh, tCO2e per MWh), which gives
the same number by a route the paper's readers can follow.
"""

from __future__ import annotations

from typing import NamedTuple, TYPE_CHECKING


from carbonest.formulas import emissions, patterson
from carbonest.records.estimate import ComponentEnergy
from carbonest.units import G_PER_KG, KG_PER_TONNE, KWH_PER_MWH

if TYPE_CHECKING:  # types only: the step modules import what they call, nothing more
    from carbonest.estimate.duration import Duration
    from carbonest.estimate.power import ComponentPower
    from carbonest.estimate.request import Request
    from carbonest.estimate.resolve import Place
    from carbonest.estimate.serving import Serving


class Operational(NamedTuple):
    """Energy and emissions of running the job.

    Attributes:
        components: IT energy of each counted component.
        training_it_energy_kwh: IT energy of the hardware x duration part. Units: kWh.
        it_energy_kwh: All IT energy, serving included. Units: kWh.
        energy_kwh: Facility energy (PUE applied). Units: kWh.
        co2e_kg: Operational emissions. Units: kg CO2e.
        gpu_hours: Accelerator-hours (training plus serving busy hours); None without a counted GPU. Units: h.
        training_gpu_hours: Accelerator-hours of the training part alone; None without one. Units: h.
        idle_kwh: IT energy of reserved but idle infrastructure, included in ``it_energy_kwh``. Units: kWh.
    """

    components: tuple[ComponentEnergy, ...]
    training_it_energy_kwh: float
    it_energy_kwh: float
    energy_kwh: float
    co2e_kg: float
    gpu_hours: float | None
    training_gpu_hours: float | None = None
    idle_kwh: float = 0.0


def operational(req: Request, powers: tuple[ComponentPower, ...], time: Duration, serving: Serving | None,
                place: Place) -> Operational:
    """Per-component energy (power x count x hours), facility energy and CO2e."""
    components = tuple(
        ComponentEnergy(component=p.component, energy_kwh=emissions.energy_kwh(p.power_w * p.count, time.hours),
                        provenance=p.provenance, model=p.model, count=p.count, power_w=p.power_w)
        for p in powers
    )
    training_it = sum(c.energy_kwh or 0.0 for c in components)
    if req.work.energy_kwh is not None:  # a known IT energy instead of power x hours
        training_it = req.work.energy_kwh
    gpu = next((p for p in powers if p.component == "gpu"), None)
    gpu_hours = time.hours * gpu.count if gpu is not None and time.hours else None
    training_gpu_hours = gpu_hours
    idle = req.work.idle_kwh or 0.0
    it_energy = training_it + idle  # idle infrastructure is IT energy the job is charged for
    if serving is not None:
        it_energy += serving.it_energy_kwh
        gpu_hours = (gpu_hours or 0.0) + serving.busy_gpu_hours if gpu is not None else gpu_hours
    if req.preset == "patterson2021" and gpu is not None and time.hours:
        training_mwh = patterson.training_energy_mwh(time.hours, gpu.count, gpu.power_w, place.pue)
        serving_facility = emissions.facility_energy_kwh(it_energy - training_it, place.pue)
        facility = patterson.total_energy_kwh(training_mwh * KWH_PER_MWH, serving_facility)
        t_per_mwh = place.intensity_g_per_kwh / G_PER_KG  # g/kWh -> kg/kWh = t/MWh
        co2 = patterson.co2e_t(facility / KWH_PER_MWH, t_per_mwh) * KG_PER_TONNE
    else:
        facility = emissions.facility_energy_kwh(it_energy, place.pue)
        co2 = emissions.co2e_kg(facility, place.intensity_g_per_kwh)
    return Operational(components, training_it, it_energy, facility, co2, gpu_hours, training_gpu_hours, idle)
