"""Property tests for the basic emission formulas: linearity, monotonicity, exact round trips."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonest import units
from carbonest.formulas import emissions, strubell

pos = st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False)
factor = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
count = st.integers(min_value=1, max_value=100_000)
pue = st.floats(min_value=1.0, max_value=3.0)


def _co2(power_w: float, hours: float, n: int, pue_: float, ci: float) -> float:
    it = emissions.energy_kwh(power_w * n, hours)
    return emissions.co2e_kg(emissions.facility_energy_kwh(it, pue_), ci)


@given(pos, pos, count, pue, pos, factor)
def test_linear_in_hours(power_w, hours, n, pue_, ci, k) -> None:
    assert _co2(power_w, hours * k, n, pue_, ci) == pytest.approx(k * _co2(power_w, hours, n, pue_, ci), rel=1e-9)


@given(pos, pos, count, pue, pos, st.integers(min_value=1, max_value=1000))
def test_linear_in_count(power_w, hours, n, pue_, ci, k) -> None:
    assert _co2(power_w, hours, n * k, pue_, ci) == pytest.approx(k * _co2(power_w, hours, n, pue_, ci), rel=1e-9)


@given(pos, pos, count, pue, pos, factor)
def test_linear_in_intensity(power_w, hours, n, pue_, ci, k) -> None:
    assert _co2(power_w, hours, n, pue_, ci * k) == pytest.approx(k * _co2(power_w, hours, n, pue_, ci), rel=1e-9)


@given(pos, pos, count, pue, pue, pos)
def test_monotone_in_pue(power_w, hours, n, p1, p2, ci) -> None:
    lo, hi = sorted((p1, p2))
    assert _co2(power_w, hours, n, lo, ci) <= _co2(power_w, hours, n, hi, ci)


@given(pos)
def test_kg_lbs_round_trip(mass_kg) -> None:
    assert emissions.lbs_to_kg(emissions.kg_to_lbs(mass_kg)) == pytest.approx(mass_kg, rel=1e-15)


@given(pos)
def test_intensity_round_trip(ci) -> None:
    back = emissions.lbs_per_kwh_to_g_per_kwh(emissions.g_per_kwh_to_lbs_per_kwh(ci))
    assert back == pytest.approx(ci, rel=1e-15)


@given(pos)
def test_joule_kwh_round_trip(energy_j) -> None:
    assert units.kwh_to_j(units.j_to_kwh(energy_j)) == pytest.approx(energy_j, rel=1e-15)


def test_exact_constants() -> None:
    assert units.KG_PER_LB == 0.45359237
    assert units.J_PER_KWH == 3_600_000
    assert emissions.kg_to_lbs(0.45359237) == 1.0
    assert units.kwh_to_j(1.0) == 3_600_000.0


def test_strubell_intensity_in_grams() -> None:
    # 0.954 lbs/kWh = 432.727... g/kWh
    assert emissions.lbs_per_kwh_to_g_per_kwh(strubell.STRUBELL_LBS_PER_KWH) == pytest.approx(432.72712098, rel=1e-9)


def test_numpy_arrays_vectorise() -> None:
    hours = np.array([1.0, 2.0, 4.0])
    out = emissions.co2e_kg(emissions.energy_kwh(300.0, hours), 400.0)
    np.testing.assert_allclose(out, [0.12, 0.24, 0.48])
    assert not math.isnan(float(out.sum()))


def test_water_and_seconds() -> None:
    assert emissions.water_l(10.0, 1.8) == pytest.approx(18.0)
    assert emissions.energy_kwh_from_seconds(1000.0, 3600.0) == pytest.approx(1.0)
