"""The size policy: bucket merging keeps total energy and bounds the row count."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonest.errors import InvalidInputError
from carbonest.records import Sample
from carbonest.store.thinning import (
    low_water_mark,
    merge_pair,
    plan_thinning,
    thin_series,
)


def _series(energies: list[float | None], dt_s: float = 1.0) -> list[Sample]:
    return [
        Sample((i + 1) * dt_s, "gpu", "gpu:0", None if e is None else e / dt_s, e)
        for i, e in enumerate(energies)
    ]


def test_merge_pair_sums_energy_and_averages_power_over_the_interval() -> None:
    merged = merge_pair(
        Sample(2.0, "gpu", "gpu:0", 100.0, 100.0), Sample(5.0, "gpu", "gpu:0", 300.0, 900.0), 1.0
    )
    assert merged == Sample(5.0, "gpu", "gpu:0", 1000.0 / 4.0, 1000.0)


def test_merge_pair_with_missing_energy_keeps_it_missing_not_zero() -> None:
    both_missing = merge_pair(
        Sample(1.0, "cpu", "p0", None, None), Sample(2.0, "cpu", "p0", None, None), 0.0
    )
    assert both_missing.energy_j is None and both_missing.power_w is None
    one_missing = merge_pair(
        Sample(1.0, "cpu", "p0", 10.0, None), Sample(3.0, "cpu", "p0", 40.0, 80.0), 0.0
    )
    assert one_missing.energy_j == 80.0
    assert one_missing.power_w == pytest.approx((10.0 * 1 + 40.0 * 2) / 3)


def test_within_the_limit_nothing_changes() -> None:
    series = _series([1.0] * 10)
    assert plan_thinning(series, 10) == []
    assert thin_series(series, 10) == series


def test_over_the_limit_merges_into_aligned_buckets() -> None:
    series = _series([float(i) for i in range(11)])  # ends at t = 1 .. 11 s
    result = thin_series(series, 10)  # must get down to 8: buckets of 2 s
    assert len(result) <= low_water_mark(10) == 8
    assert sum(s.energy_j or 0.0 for s in result) == sum(range(11))
    assert [s.timestamp_s for s in result] == [1.0, 3.0, 5.0, 7.0, 9.0, 11.0]
    assert result[0] is series[0]  # a bucket of one sample is kept as it is
    assert result[1] == Sample(3.0, "gpu", "gpu:0", (1.0 + 2.0) / 2.0, 3.0)


def test_long_run_gets_uniform_resolution_not_one_huge_sample() -> None:
    series: list[Sample] = []
    for t in range(1, 30_001):  # 30,000 one-second samples, thinned as they arrive
        series.append(Sample(float(t), "gpu", "gpu:0", 1.0, 1.0))
        if len(series) > 1000:
            series = thin_series(series, 1000)
    spans = [s.energy_j or 0.0 for s in series]
    assert sum(spans) == 30_000
    assert max(spans) <= 64  # about 30,000 s / 750 rows, rounded up to a power of two
    assert series[-1].energy_j == 1.0  # the newest samples stay at full resolution


def test_invalid_limit() -> None:
    with pytest.raises(InvalidInputError):
        thin_series(_series([1.0]), 0)


@given(
    energies=st.lists(
        st.one_of(st.none(), st.floats(min_value=0.0, max_value=1e6, allow_nan=False)),
        min_size=1,
        max_size=300,
    ),
    max_rows=st.integers(min_value=1, max_value=64),
    dt_s=st.floats(min_value=0.01, max_value=100.0),
)
def test_thinning_preserves_energy_and_bounds_rows(
    energies: list[float | None], max_rows: int, dt_s: float
) -> None:
    series = _series(energies, dt_s)
    result = thin_series(series, max_rows)
    assert len(result) <= max_rows
    known = [e for e in energies if e is not None]
    kept = [s.energy_j for s in result if s.energy_j is not None]
    assert math.fsum(kept) == pytest.approx(math.fsum(known), rel=1e-9, abs=1e-9)
    assert (not known) == (not kept)
    assert [s.timestamp_s for s in result] == sorted(s.timestamp_s for s in result)
    assert result[-1].timestamp_s == series[-1].timestamp_s
