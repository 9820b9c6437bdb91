"""The LMDI-I decomposition and the implied PUE and intensity (carbonest.formulas)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonest.formulas.decomposition import lmdi_shares, logarithmic_mean
from carbonest.formulas.emissions import co2e_kg, facility_energy_kwh, implied_intensity_g_per_kwh, implied_pue

positive = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)


def test_logarithmic_mean() -> None:
    assert logarithmic_mean(2.0, 2.0) == 2.0
    assert logarithmic_mean(math.e, 1.0) == pytest.approx(math.e - 1.0)
    assert logarithmic_mean(1.0, 4.0) == logarithmic_mean(4.0, 1.0)


@given(st.lists(st.tuples(positive, positive), min_size=1, max_size=4))
def test_the_shares_add_up_to_the_difference_exactly(pairs: list[tuple[float, float]]) -> None:
    before, after = [a for a, _ in pairs], [b for _, b in pairs]
    v0, v1 = math.prod(before), math.prod(after)
    shares = lmdi_shares(before, after, v0, v1)
    assert sum(shares) == pytest.approx(v1 - v0, rel=1e-9, abs=1e-9 * max(abs(v0), abs(v1)))


def test_a_factor_that_did_not_change_has_no_share() -> None:
    shares = lmdi_shares([2.0, 3.0], [2.0, 6.0], 6.0, 12.0)
    assert shares[0] == 0.0 and shares[1] == pytest.approx(6.0)


def test_implied_figures_invert_the_forward_ones() -> None:
    e = facility_energy_kwh(10.0, 1.25)
    assert implied_pue(e, 10.0) == pytest.approx(1.25)
    assert implied_intensity_g_per_kwh(co2e_kg(e, 300.0), e) == pytest.approx(300.0)
