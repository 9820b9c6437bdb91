"""Embodied-carbon amortisation (Cloud Carbon Footprint's linear method) and water."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonest.formulas import lifecycle

POS = st.floats(min_value=0.001, max_value=1e6, allow_nan=False, allow_infinity=False)


def test_a_whole_lifetime_charges_everything() -> None:
    # CCF: a server is amortised over 4 years = 35,040 h.
    assert lifecycle.HOURS_PER_YEAR * 4 == 35_040
    assert lifecycle.amortised_embodied_kg(1000.0, 35_040, 4) == pytest.approx(1000.0)


def test_one_hour_on_a_ccf_base_server() -> None:
    # CCF base rack server 1000 kg CO2e over 35,040 h: 0.02854 kg per hour.
    assert lifecycle.amortised_embodied_kg(1000.0, 1.0, 4) == pytest.approx(1000 / 35_040)


def test_job_embodied_counts_accelerators_and_their_share_of_hosts() -> None:
    # 8 GPUs at 150 kg (CCF additional GPU card) in one 8-GPU host of 1000 kg, for 100 h over 4 years.
    kg = lifecycle.job_embodied_kg(8, 100.0, 150.0, 1000.0, 8, 4)
    assert kg == pytest.approx((8 * 150 + 1000) * 100 / 35_040)
    # One GPU uses one eighth of the host.
    assert lifecycle.job_embodied_kg(1, 100.0, 150.0, 1000.0, 8, 4) == pytest.approx((150 + 125) * 100 / 35_040)
    assert lifecycle.server_share(12, 8) == 1.5


def test_water_uses_it_energy_on_site_and_facility_energy_for_generation() -> None:
    assert lifecycle.onsite_water_l(10.0, 1.8) == pytest.approx(18.0)
    assert lifecycle.generation_water_l(11.0, 2.0) == pytest.approx(22.0)


def test_arrays() -> None:
    hours = np.array([1.0, 10.0, 100.0])
    kg = lifecycle.amortised_embodied_kg(1000.0, hours, np.array([[4.0], [6.0]]))
    assert kg.shape == (2, 3)
    assert kg[1, 2] == pytest.approx(1000 * 100 / (6 * 8760))


@given(POS, POS, POS, st.floats(min_value=0.5, max_value=20))
def test_amortisation_is_linear_in_time_and_falls_with_lifetime(e: float, h: float, k: float, life: float) -> None:
    base = lifecycle.amortised_embodied_kg(e, h, life)
    assert lifecycle.amortised_embodied_kg(e, k * h, life) == pytest.approx(k * base, rel=1e-9)
    assert lifecycle.amortised_embodied_kg(e, h, 2 * life) == pytest.approx(base / 2, rel=1e-9)
    assert base >= 0


def test_utilization_charges_the_idle_part_of_the_life() -> None:
    """1,000 kg over 1 year (8,760 h) at 50 % use: a 4,380 h job is charged it all (1000 x 4380 / 4380)."""
    from carbonest.formulas import lifecycle as lc

    assert lc.amortised_embodied_kg(1000.0, 4380.0, 1.0, 0.5) == 1000.0
    assert lc.amortised_embodied_kg(1000.0, 4380.0, 1.0) == 500.0  # utilization 1 by default


def test_job_embodied_kg_reproduces_bloom() -> None:
    """Luccioni et al. 2022 (BLOOM): 1,082,990 A100-hours, 150 kg per GPU, 2,500 kg per 8-GPU server,
    6 years at 85 %: (150 + 312.5) x 1,082,990 / 44,676 = 11,211 kg (the paper's 11.2 t)."""
    from carbonest.formulas import lifecycle as lc

    kg = lc.job_embodied_kg(1, 1_082_990, 150.0, 2500.0, 8, 6.0, 0.85)
    assert abs(kg - 462.5 * 1_082_990 / 44_676) < 1e-6
    assert round(kg / 1000, 1) == 11.2
