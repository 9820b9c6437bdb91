"""Tests for carbonest.formulas.energy (counter deltas, trapezoid, power x time)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonest.formulas.energy import (
    counter_delta,
    energy_j,
    mean_power_w,
    trapezoid_energy_j,
    trapezoid_segment_j,
)

INTEL_RANGE_UJ = 262143328850  # HARDWARE-FACTS §2.5, Intel package
AMD_RANGE_UJ = 65532610987  # AMD package and core

counters = st.integers(min_value=0, max_value=AMD_RANGE_UJ)


def test_counter_delta_no_wrap() -> None:
    assert counter_delta(100, 250, INTEL_RANGE_UJ) == 150.0


def test_counter_delta_wrap_published_range() -> None:
    prev = INTEL_RANGE_UJ - 1_000_000
    assert counter_delta(prev, 500_000, INTEL_RANGE_UJ) == 1_500_000.0


def test_counter_delta_reset_without_range() -> None:
    # NVML: counter restarts from 0 after a driver reload.
    assert counter_delta(5_000.0, 1_200.0, None) == 1_200.0


@given(start=counters, step=st.integers(min_value=0, max_value=AMD_RANGE_UJ))
def test_counter_delta_recovers_true_step_across_one_wrap(start: int, step: int) -> None:
    # A counter with modulus (range + 1) advanced by `step` <= range reads back `step` exactly.
    modulus = AMD_RANGE_UJ + 1
    curr = (start + step) % modulus
    got = counter_delta(start, curr, AMD_RANGE_UJ)
    if curr >= start:
        assert got == step
    else:
        # The kernel's range is one unit short of the modulus: error <= 1 unit.
        assert step - 1 <= got <= step


@given(st.lists(st.tuples(counters, counters), min_size=1, max_size=20))
def test_counter_delta_array_matches_scalar(pairs: list[tuple[int, int]]) -> None:
    prev = np.array([p for p, _ in pairs])
    curr = np.array([c for _, c in pairs])
    arr = counter_delta(prev, curr, AMD_RANGE_UJ)
    assert arr.shape == prev.shape
    for i, (p, c) in enumerate(pairs):
        assert arr[i] == counter_delta(p, c, AMD_RANGE_UJ)
    assert np.all(arr >= 0)


def test_counter_delta_array_reset_mode() -> None:
    out = counter_delta(np.array([1.0, 9.0]), np.array([3.0, 2.0]), None)
    assert list(out) == [2.0, 2.0]


def test_trapezoid_known_values() -> None:
    # 0 -> 100 W linear over 10 s: 500 J; then flat 100 W for 10 s: 1000 J.
    assert trapezoid_energy_j([0.0, 10.0, 20.0], [0.0, 100.0, 100.0]) == pytest.approx(1500.0)


def test_trapezoid_short_series_is_zero() -> None:
    assert trapezoid_energy_j([1.0], [50.0]) == 0.0


def test_trapezoid_2d_per_device() -> None:
    t = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]])
    p = np.array([[10.0, 10.0, 10.0], [0.0, 2.0, 4.0]])
    out = trapezoid_energy_j(t, p)
    assert np.allclose(out, [20.0, 4.0])


def test_trapezoid_mismatched_shapes_raise() -> None:
    with pytest.raises(ValueError):
        trapezoid_energy_j([0.0, 1.0], [1.0, 1.0, 1.0])


def test_trapezoid_scalar_is_zero() -> None:
    assert trapezoid_energy_j(1.0, 1.0) == 0.0


@given(
    power=st.floats(min_value=0, max_value=2000, allow_nan=False),
    times=st.lists(st.floats(min_value=0, max_value=1e5, allow_nan=False), min_size=2, max_size=30),
)
def test_trapezoid_constant_power_equals_power_times_time(power: float, times: list[float]) -> None:
    t = sorted(times)
    got = trapezoid_energy_j(t, [power] * len(t))
    assert got == pytest.approx(energy_j(power, t[-1] - t[0]), rel=1e-9, abs=1e-6)


@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0.001, max_value=100, allow_nan=False),
            st.floats(min_value=0, max_value=1000, allow_nan=False),
        ),
        min_size=2,
        max_size=30,
    )
)
def test_trapezoid_is_sum_of_segments(steps: list[tuple[float, float]]) -> None:
    t = np.cumsum([dt for dt, _ in steps])
    p = [w for _, w in steps]
    seg = sum(trapezoid_segment_j(p[i], p[i + 1], t[i + 1] - t[i]) for i in range(len(p) - 1))
    assert trapezoid_energy_j(t, p) == pytest.approx(seg, rel=1e-9, abs=1e-9)
    assert trapezoid_energy_j(t, p) >= 0


def test_formulas_module_imports_no_numpy_at_import() -> None:
    import ast
    import inspect

    import carbonest.formulas.energy as mod

    tree = ast.parse(inspect.getsource(mod))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = {a.name for n in top for a in n.names} | {getattr(n, "module", None) for n in top}
    assert "numpy" not in names


def test_energy_and_mean_power_round_trip() -> None:
    # 300 W for one hour = 1.08 MJ = 0.3 kWh.
    assert energy_j(300.0, 3600.0) == 1_080_000.0
    assert mean_power_w(1_080_000.0, 3600.0) == 300.0
    assert np.allclose(mean_power_w(np.array([10.0, 20.0]), np.array([2.0, 4.0])), [5.0, 5.0])
