"""Beyond electricity: embodied (manufacturing) carbon amortised over a job, and water.

PURE module (see the rules in :mod:`carbonest.formulas`): arithmetic only, so
every function takes Python scalars or numpy arrays (broadcast element-wise).
The constants themselves (kg CO2e per GPU or server, lifetimes, L/kWh) are
reference data and live in the catalog, each with its source and year.

Embodied carbon. The emissions of making a device are shared linearly over its
service life, and a job is charged the share of the time it occupies the
device, as in Cloud Carbon Footprint's method (methodology page, "Embodied
Emissions", https://www.cloudcarbonfootprint.org/docs/methodology), which
follows the Green Software Foundation's SCI: M = TE x TS x RS, with TE the
total embodied emissions, TS the time share (time reserved / expected
lifespan) and RS the resource share (resources reserved / total resources).
Here the resource share is 1 per accelerator (the job reserves whole
accelerators) and, for the host server, the fraction of its accelerator slots
the job uses (n / accelerators per server), as CCF shares a host between the
instances it carries.

Water. Water usage effectiveness (The Green Grid, White Paper #35, 2011) is
site water used for cooling per kWh of **IT** energy, so on-site water is
WUE x IT energy. The water consumed to generate the electricity is counted per
kWh drawn from the grid by the whole facility, so it uses facility energy.
"""

from __future__ import annotations

from typing import Any

from carbonest.formulas.emissions import water_l

__all__ = [
    "HOURS_PER_YEAR",
    "amortised_embodied_kg",
    "generation_water_l",
    "job_embodied_kg",
    "onsite_water_l",
    "server_share",
]

HOURS_PER_YEAR = 8_760.0
"""Hours in a 365-day year, the convention of Cloud Carbon Footprint
(4-year server lifespan = 35,040 h). Units: h."""


def amortised_embodied_kg(embodied_kg: Any, hours_used: Any, lifetime_years: Any, utilization: Any = 1.0) -> Any:
    """The share of a device's embodied emissions charged to a use of it.

    embodied_kg x hours_used / (lifetime_years x 8760 x utilization): linear
    amortisation over the hours of its life that the device is busy. With
    utilization 1 this is Cloud Carbon Footprint's time share (the whole life
    is shared among uses); a smaller utilization charges the idle part of the
    life to the uses, as Luccioni et al. 2022 (BLOOM, section 3) do with a
    6-year life at 85 % use.

    Units: embodied_kg in kg CO2e per device, hours_used in device-hours,
    lifetime_years in years, utilization a share in (0, 1] -> kg CO2e.
    """
    return embodied_kg * hours_used / (lifetime_years * HOURS_PER_YEAR * utilization)


def server_share(accelerators: Any, accelerators_per_server: Any) -> Any:
    """Host servers' worth of a job: n / accelerators per server (a fraction below one server).

    The resource share RS of Cloud Carbon Footprint / SCI: a host's embodied emissions are
    shared between the instances it carries in proportion to what they use.

    Units: counts -> servers (may be fractional).
    """
    return accelerators / accelerators_per_server


def job_embodied_kg(
    accelerators: Any,
    hours: Any,
    accelerator_embodied_kg: Any,
    server_embodied_kg: Any,
    accelerators_per_server: Any,
    lifetime_years: Any,
    utilization: Any = 1.0,
) -> Any:
    """Embodied emissions charged to a job on ``accelerators`` devices for ``hours``.

    Accelerators: n x accelerator_embodied_kg, and host servers:
    (n / per server) x server_embodied_kg, both amortised linearly over the
    busy hours of their life, ``lifetime_years`` x 8760 x ``utilization``, for
    the job's wall-clock ``hours``. The server part is thus
    servers x KG x hours / (Y x 8760 x U), servers = n / per server.

    Units: accelerators (count), hours in h (wall clock), embodied figures in
    kg CO2e per device, accelerators_per_server (count), lifetime_years in
    years, utilization a share in (0, 1] -> kg CO2e.
    """
    servers = server_share(accelerators, accelerators_per_server)
    total_kg = accelerators * accelerator_embodied_kg + servers * server_embodied_kg
    return amortised_embodied_kg(total_kg, hours, lifetime_years, utilization)


def onsite_water_l(it_energy_kwh: Any, wue_l_per_kwh: Any) -> Any:
    """Water consumed on site for cooling: WUE x IT energy (The Green Grid WUE definition).

    Units: it_energy_kwh in kWh (IT equipment only), wue_l_per_kwh in L/kWh -> L.
    """
    return water_l(it_energy_kwh, wue_l_per_kwh)


def generation_water_l(facility_energy_kwh: Any, water_l_per_kwh: Any) -> Any:
    """Water consumed to generate the electricity the facility draws: L/kWh x facility energy.

    Units: facility_energy_kwh in kWh (PUE included), water_l_per_kwh in L per kWh generated -> L.
    """
    return water_l(facility_energy_kwh, water_l_per_kwh)
