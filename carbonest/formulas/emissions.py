"""Energy from power and time, PUE, carbon intensity, mass units.

Pure functions over floats or numpy arrays. See :mod:`carbonest.formulas`.
"""

from __future__ import annotations

from typing import TypeVar

from carbonest.units import G_PER_KG, KG_PER_LB, S_PER_HOUR

T = TypeVar("T")

W_PER_KW = 1_000.0


def energy_kwh(power_w: T, hours: T | float) -> T:
    """Energy of a constant (or average) power drawn for a time.

    E = P x t.

    Units: power_w in W, hours in h -> kWh.
    """
    return power_w * hours / W_PER_KW  # type: ignore[operator,no-any-return]


def energy_kwh_from_seconds(power_w: T, duration_s: T | float) -> T:
    """Energy of an average power over a duration in seconds.

    Units: power_w in W, duration_s in s -> kWh.
    """
    return power_w * duration_s / (W_PER_KW * S_PER_HOUR)  # type: ignore[operator,no-any-return]


def facility_energy_kwh(it_energy_kwh: T, pue: T | float) -> T:
    """Energy drawn by the whole facility for an IT load.

    Power Usage Effectiveness is total facility energy / IT equipment energy
    (The Green Grid, 2007; ISO/IEC 30134-2), so facility = IT x PUE.

    Units: it_energy_kwh in kWh, pue dimensionless (>= 1) -> kWh.
    """
    return it_energy_kwh * pue  # type: ignore[operator,no-any-return]


def co2e_kg(energy_kwh: T, intensity_g_per_kwh: T | float) -> T:
    """Operational emissions of electricity use.

    CO2e = E x CI.

    Units: energy_kwh in kWh, intensity_g_per_kwh in g CO2e/kWh -> kg CO2e.
    """
    return energy_kwh * intensity_g_per_kwh / G_PER_KG  # type: ignore[operator,no-any-return]


def kg_to_lbs(mass_kg: T) -> T:
    """Kilograms to international avoirdupois pounds (1 lb = 0.45359237 kg exactly).

    Units: kg -> lb.
    """
    return mass_kg / KG_PER_LB  # type: ignore[operator,no-any-return]


def lbs_to_kg(mass_lbs: T) -> T:
    """Pounds to kilograms (1 lb = 0.45359237 kg exactly).

    Units: lb -> kg.
    """
    return mass_lbs * KG_PER_LB  # type: ignore[operator,no-any-return]


def lbs_per_kwh_to_g_per_kwh(intensity_lbs_per_kwh: T) -> T:
    """Carbon intensity from lbs CO2e/kWh to g CO2e/kWh.

    Units: lb/kWh -> g/kWh.
    """
    return intensity_lbs_per_kwh * KG_PER_LB * G_PER_KG  # type: ignore[operator,no-any-return]


def g_per_kwh_to_lbs_per_kwh(intensity_g_per_kwh: T) -> T:
    """Carbon intensity from g CO2e/kWh to lbs CO2e/kWh.

    Units: g/kWh -> lb/kWh.
    """
    return intensity_g_per_kwh / (KG_PER_LB * G_PER_KG)  # type: ignore[operator,no-any-return]


def water_l(energy_kwh: T, wue_l_per_kwh: T | float) -> T:
    """Water used for an energy draw at a given water-usage effectiveness.

    W = E x WUE (WUE as defined by The Green Grid: litres per kWh of IT energy
    for on-site cooling; for the water of electricity generation pass
    facility energy and the grid's L/kWh).

    Units: energy_kwh in kWh, wue_l_per_kwh in L/kWh -> L.
    """
    return energy_kwh * wue_l_per_kwh  # type: ignore[operator,no-any-return]


def equivalent_count(co2e_kg: T, co2e_kg_per_unit: T | float) -> T:
    """How many of an everyday unit (a km driven, a flight) an amount of CO2e equals.

    Units: co2e_kg in kg CO2e, co2e_kg_per_unit in kg CO2e per unit -> units.
    """
    return co2e_kg / co2e_kg_per_unit  # type: ignore[operator,no-any-return]
