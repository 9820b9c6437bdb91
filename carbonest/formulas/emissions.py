"""Energy from power and time, PUE, carbon intensity, mass units.

Pure functions over floats or numpy arrays. See :mod:`carbonest.formulas`.
"""

from __future__ import annotations

from typing import Any

from carbonest.units import G_PER_KG, KG_PER_LB, S_PER_HOUR

Num = Any
"""A float, or a numpy array of them (formulas broadcast). Units: see each parameter."""

W_PER_KW = 1_000.0


def energy_kwh(power_w: Num, hours: Num) -> Num:
    """Energy of a constant (or average) power drawn for a time.

    E = P x t.

    Units: power_w in W, hours in h -> kWh.
    """
    return power_w * hours / W_PER_KW


def energy_kwh_from_seconds(power_w: Num, duration_s: Num) -> Num:
    """Energy of an average power over a duration in seconds.

    Units: power_w in W, duration_s in s -> kWh.
    """
    return power_w * duration_s / (W_PER_KW * S_PER_HOUR)


def facility_energy_kwh(it_energy_kwh: Num, pue: Num) -> Num:
    """Energy drawn by the whole facility for an IT load.

    Power Usage Effectiveness is total facility energy / IT equipment energy
    (The Green Grid, 2007; ISO/IEC 30134-2), so facility = IT x PUE.

    Units: it_energy_kwh in kWh, pue dimensionless (>= 1) -> kWh.
    """
    return it_energy_kwh * pue


def implied_pue(facility_energy_kwh: Num, it_energy_kwh: Num) -> Num:
    """The PUE a facility and an IT energy imply: facility / IT (the inverse of
    :func:`facility_energy_kwh`). Dimensionless."""
    return facility_energy_kwh / it_energy_kwh


def implied_intensity_g_per_kwh(co2e_kg: Num, energy_kwh: Num) -> Num:
    """The carbon intensity an emission and its energy imply (the inverse of :func:`co2e_kg`).
    Units: g CO2e/kWh."""
    return co2e_kg * G_PER_KG / energy_kwh


def co2e_kg(energy_kwh: Num, intensity_g_per_kwh: Num) -> Num:
    """Operational emissions of electricity use.

    CO2e = E x CI.

    Units: energy_kwh in kWh, intensity_g_per_kwh in g CO2e/kWh -> kg CO2e.
    """
    return energy_kwh * intensity_g_per_kwh / G_PER_KG


def kg_to_lbs(mass_kg: Num) -> Num:
    """Kilograms to international avoirdupois pounds (1 lb = 0.45359237 kg exactly).

    Units: kg -> lb.
    """
    return mass_kg / KG_PER_LB


def lbs_to_kg(mass_lbs: Num) -> Num:
    """Pounds to kilograms (1 lb = 0.45359237 kg exactly).

    Units: lb -> kg.
    """
    return mass_lbs * KG_PER_LB


def lbs_per_kwh_to_g_per_kwh(intensity_lbs_per_kwh: Num) -> Num:
    """Carbon intensity from lbs CO2e/kWh to g CO2e/kWh.

    Units: lb/kWh -> g/kWh.
    """
    return intensity_lbs_per_kwh * KG_PER_LB * G_PER_KG


def lbs_per_mwh_to_g_per_kwh(intensity_lbs_per_mwh: Num) -> Num:
    """lbs CO2/MWh (WattTime's unit) to g/kWh: x 453.59237 g/lb / 1000 kWh/MWh = x 0.45359237.

    Units: lbs/MWh in, g/kWh out (the pound's definition, exact).
    """
    return intensity_lbs_per_mwh * KG_PER_LB * G_PER_KG / 1000.0


def g_per_kwh_to_lbs_per_kwh(intensity_g_per_kwh: Num) -> Num:
    """Carbon intensity from g CO2e/kWh to lbs CO2e/kWh.

    Units: g/kWh -> lb/kWh.
    """
    return intensity_g_per_kwh / (KG_PER_LB * G_PER_KG)


def water_l(energy_kwh: Num, wue_l_per_kwh: Num) -> Num:
    """Water used for an energy draw at a given water-usage effectiveness.

    W = E x WUE (WUE as defined by The Green Grid: litres per kWh of IT energy
    for on-site cooling; for the water of electricity generation pass
    facility energy and the grid's L/kWh).

    Units: energy_kwh in kWh, wue_l_per_kwh in L/kWh -> L.
    """
    return energy_kwh * wue_l_per_kwh


def equivalent_count(co2e_kg: Num, co2e_kg_per_unit: Num) -> Num:
    """How many of an everyday unit (a km driven, a flight) an amount of CO2e equals.

    Units: co2e_kg in kg CO2e, co2e_kg_per_unit in kg CO2e per unit -> units.
    """
    return co2e_kg / co2e_kg_per_unit
