"""Exact unit constants and conversions.

Every constant here is exact by definition (SI, the international avoirdupois
pound of 1959); nothing is rounded. Functions accept Python floats or numpy
arrays alike.

Units: the name of each constant says what it converts.
"""

from __future__ import annotations

from typing import Any

J_PER_KWH = 3_600_000.0
"""Joules in one kilowatt-hour (1 kW x 3600 s). Exact."""

J_PER_WH = 3_600.0
"""Joules in one watt-hour. Exact."""

KWH_PER_MWH = 1_000.0
"""Kilowatt-hours in one megawatt-hour. Exact."""

UJ_PER_J = 1_000_000.0
"""Microjoules in one joule (RAPL ``energy_uj`` unit). Exact."""

MJ_PER_J = 1_000.0
"""Millijoules in one joule (NVML total-energy counter unit). Exact."""

MW_PER_W = 1_000.0
"""Milliwatts in one watt (NVML power unit). Exact."""

KG_PER_LB = 0.45359237
"""Kilograms in one international avoirdupois pound (1959 agreement). Exact."""

G_PER_KG = 1_000.0
"""Grams in one kilogram. Exact."""

KG_PER_TONNE = 1_000.0
"""Kilograms in one metric tonne. Exact."""

L_PER_US_GALLON = 3.785411784
"""Litres in one US liquid gallon (231 cubic inches). Exact."""

KM_PER_MILE = 1.609344
"""Kilometres in one international mile (1959 agreement). Exact."""

S_PER_HOUR = 3_600.0
"""Seconds in one hour. Exact."""

BYTES_PER_GB = 1_000_000_000.0
"""Bytes in one (decimal, SI) gigabyte. Exact."""

BYTES_PER_GIB = 1_073_741_824.0
"""Bytes in one gibibyte (2**30). Exact."""

Num = Any
"""A float, or a numpy array of them (formulas broadcast). Units: see each parameter."""


def j_to_kwh(energy_j: Num) -> Num:
    """Joules to kilowatt-hours. Units: J -> kWh."""
    return energy_j / J_PER_KWH


def kwh_to_j(energy_kwh: Num) -> Num:
    """Kilowatt-hours to joules. Units: kWh -> J."""
    return energy_kwh * J_PER_KWH


def kg_to_lbs(mass_kg: Num) -> Num:
    """Kilograms to pounds. Units: kg -> lb."""
    return mass_kg / KG_PER_LB


def lbs_to_kg(mass_lbs: Num) -> Num:
    """Pounds to kilograms. Units: lb -> kg."""
    return mass_lbs * KG_PER_LB


def lbs_per_kwh_to_g_per_kwh(intensity_lbs_per_kwh: Num) -> Num:
    """Carbon intensity in lbs CO2e/kWh to g CO2e/kWh. Units: lb/kWh -> g/kWh."""
    return intensity_lbs_per_kwh * KG_PER_LB * G_PER_KG


def g_per_kwh_to_lbs_per_kwh(intensity_g_per_kwh: Num) -> Num:
    """Carbon intensity in g CO2e/kWh to lbs CO2e/kWh. Units: g/kWh -> lb/kWh."""
    return intensity_g_per_kwh / (KG_PER_LB * G_PER_KG)
