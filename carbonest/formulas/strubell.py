"""Strubell, Ganesh and McCallum (2019), "Energy and Policy Considerations for
Deep Learning in NLP", ACL 2019 (arXiv:1906.02243), section 3.

Equation 1: p_t = 1.58 t (p_c + p_r + g p_g) / 1000, the total power draw in
kWh including facility overhead, with t the training time in hours, p_c the
average power of all CPU sockets, p_r of DRAM, p_g of one GPU and g the number
of GPUs, in W. 1.58 is the industry-average PUE of the Uptime Institute 2018
survey (Ascierto 2018), as used in the paper.

Equation 2: CO2e = 0.954 p_t, in lbs, with 0.954 lbs CO2e/kWh the US average
published by the US EPA (2018), as used in the paper.
"""

from __future__ import annotations

from typing import Any

from carbonest.formulas.emissions import energy_kwh, facility_energy_kwh

Num = Any
"""A float, or a numpy array of them (formulas broadcast). Units: see each parameter."""

STRUBELL_PUE = 1.58
"""Industry-average PUE used by Strubell et al. 2019 (Uptime Institute 2018). Dimensionless."""

STRUBELL_LBS_PER_KWH = 0.954
"""US-average emissions used by Strubell et al. 2019 (US EPA 2018). Units: lbs CO2e/kWh."""


def total_power_w(cpu_power_w: Num, dram_power_w: Num, gpu_power_w: Num, gpu_count: Num) -> Num:
    """The bracket of Strubell et al. 2019 Eq. 1: p_c + p_r + g x p_g.

    Units: powers in W, gpu_count dimensionless -> W.
    """
    return cpu_power_w + dram_power_w + gpu_count * gpu_power_w


def energy_kwh_pue(hours: Num, power_w: Num, pue: Num = STRUBELL_PUE) -> Num:
    """Strubell et al. 2019 Eq. 1: p_t = PUE x t x p / 1000.

    Args:
        hours: Training time t. Units: h.
        power_w: Total average power p_c + p_r + g p_g (see :func:`total_power_w`). Units: W.
        pue: Power usage effectiveness; the paper uses 1.58.

    Returns:
        Facility energy p_t. Units: kWh.
    """
    return facility_energy_kwh(energy_kwh(power_w, hours), pue)


def co2e_lbs(energy_kwh_pue: Num, lbs_per_kwh: Num = STRUBELL_LBS_PER_KWH) -> Num:
    """Strubell et al. 2019 Eq. 2: CO2e = 0.954 x p_t.

    Units: energy_kwh_pue in kWh, lbs_per_kwh in lbs CO2e/kWh -> lbs CO2e.
    """
    return energy_kwh_pue * lbs_per_kwh
