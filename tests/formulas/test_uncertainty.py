"""Interval bounds: low <= central <= high, zero width for exact inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonest.formulas import uncertainty as u

NONNEG = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def factor(draw: st.DrawFn) -> tuple[float, float, float]:
    """A (low, central, high) triple with low <= central <= high."""
    values = sorted(draw(st.lists(NONNEG, min_size=3, max_size=3)))
    return values[0], values[1], values[2]


@given(st.lists(factor(), min_size=1, max_size=5))
def test_product_bounds_contain_the_central_product(factors: list[tuple[float, float, float]]) -> None:
    low, high = u.product_range(*[(lo, hi) for lo, _, hi in factors])
    central = 1.0
    for _, c, _ in factors:
        central *= c
    assert low <= central * (1 + 1e-9) + 1e-300
    assert central <= high * (1 + 1e-9) + 1e-300


@given(st.lists(NONNEG, min_size=1, max_size=5))
def test_exact_inputs_give_a_zero_width_range(values: list[float]) -> None:
    low, high = u.product_range(*[u.exact(v) for v in values])
    assert low == high


@given(st.lists(factor(), min_size=1, max_size=4))
def test_sum_bounds(terms: list[tuple[float, float, float]]) -> None:
    low, high = u.sum_range(*[(lo, hi) for lo, _, hi in terms])
    central = sum(c for _, c, _ in terms)
    assert low <= central * (1 + 1e-12) and central <= high * (1 + 1e-12)


def test_co2e_of_a_worked_example() -> None:
    # 8 x 400 W (power 44..400 W), 10 h, PUE 1.1 exact, intensity 50..80 g/kWh.
    power = u.power_range_w(400.0)
    assert power == pytest.approx((44.0, 400.0))
    it_kwh = u.scale_range(power, 8 * 10 / 1000)
    low, high = u.product_range(it_kwh, u.exact(1.1), (50.0, 80.0))
    assert low == pytest.approx(8 * 44 * 10 / 1000 * 1.1 * 50)
    assert high == pytest.approx(8 * 400 * 10 / 1000 * 1.1 * 80)


def test_reciprocal_and_widen() -> None:
    assert u.reciprocal_range((0.2, 0.5)) == pytest.approx((2.0, 5.0))
    assert u.widen_to_include((10.0, 20.0), 25.0) == (10.0, 25.0)
    assert u.widen_to_include((10.0, 20.0), 5.0) == (5.0, 20.0)
    lo, hi = u.widen_to_include((np.array([1.0, 5.0]), np.array([2.0, 6.0])), np.array([3.0, 4.0]))
    assert lo.tolist() == [1.0, 4.0] and hi.tolist() == [3.0, 6.0]


def test_idle_fraction_is_a_fraction() -> None:
    assert 0 < u.GPU_IDLE_FRACTION_OF_TDP < 0.5


def test_arrays_broadcast() -> None:
    low, high = u.product_range((np.array([1.0, 2.0]), np.array([2.0, 3.0])), (np.array([[1.0], [10.0]]), 20.0))
    assert low.shape == (2, 2)
    assert high.tolist() == [40.0, 60.0]
