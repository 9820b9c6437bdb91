"""Patterson et al. (2021), "Carbon Emissions and Large Neural Network
Training" (arXiv:2104.10350), section 2 and Table 4.

Training energy: MWh = hours x number of processors x average system power per
processor x PUE. "System power" is the measured average of the whole server
per accelerator (host CPU, memory and network share included), not the chip's
TDP; that is why the paper's GPT-3 row uses 330 W per V100 (TDP 300 W).

Emissions: tCO2e = MWh x the datacenter's net tCO2e per MWh (market-based,
after the operator's carbon-free-energy purchases in the paper's Google rows).

Inference adds queries x energy per query; the total footprint of a model is
training plus serving (section 2.1 of the paper).
"""

from __future__ import annotations

from typing import Any


Num = Any
"""A float, or a numpy array of them (formulas broadcast). Units: see each parameter."""

W_PER_MW = 1_000_000.0
WH_PER_KWH = 1_000.0
HOURS_PER_DAY = 24.0


def training_energy_mwh(
    hours: Num, processors: Num, system_power_w_per_processor: Num, pue: Num
) -> Num:
    """Patterson et al. 2021: MWh = hours x processors x avg system power x PUE.

    Args:
        hours: Wall-clock training time. Units: h.
        processors: Number of accelerators (chips).
        system_power_w_per_processor: Measured average system power per accelerator. Units: W.
        pue: The datacenter's power usage effectiveness.

    Returns:
        Facility energy. Units: MWh.
    """
    return hours * processors * system_power_w_per_processor * pue / W_PER_MW


def co2e_t(energy_mwh: Num, t_per_mwh: Num) -> Num:
    """Patterson et al. 2021: tCO2e = MWh x tCO2e/MWh.

    Units: energy_mwh in MWh, t_per_mwh in t CO2e/MWh (= kg/kWh) -> t CO2e.
    """
    return energy_mwh * t_per_mwh


def inference_energy_kwh(queries: Num, energy_per_query_wh: Num) -> Num:
    """Serving energy: queries x energy per query.

    Units: queries dimensionless, energy_per_query_wh in Wh -> kWh.
    """
    return queries * energy_per_query_wh / WH_PER_KWH


def total_energy_kwh(training_energy_kwh: Num, inference_energy_kwh: Num) -> Num:
    """Lifetime energy of a model: training plus serving (Patterson et al. 2021, section 2.1).

    Units: kWh + kWh -> kWh.
    """
    return training_energy_kwh + inference_energy_kwh


def days_to_hours(days: Num) -> Num:
    """Days to hours, as the paper reports training time in days. Units: d -> h."""
    return days * HOURS_PER_DAY
