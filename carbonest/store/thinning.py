"""Size policy for long runs: merge samples into aligned time buckets, keeping energy.

A run keeps at most ``max_rows`` samples per (component, device). When a
series grows past that, its samples are grouped into buckets of width ``w``
aligned on multiples of ``w`` (``w`` a power of two seconds: ..., 0.5, 1, 2,
4, ...), by the time each sample ends, with the smallest ``w`` that leaves at
most three quarters of the limit. The samples of a bucket are merged into
one: it ends where the last of them ended, carries the sum of their energies
(so the series' total energy is kept; only floating-point rounding of the
sums can differ) and its power is that energy over the merged interval.

Why buckets rather than "merge the oldest adjacent pairs": merging the oldest
pairs again and again folds the start of a long run into one huge sample,
while aligned buckets give the whole run the same resolution (about the run's
length over 7,500 at the default limit of 10,000; 64 s for a three-day run),
and samples newer than the last thinning stay at full resolution. Bucket
grids of successive powers of two nest, so a sample merged once is merged
again only with whole neighbouring buckets. The work is amortised: one
thinning per quarter-limit of new samples.

Each sample's interval runs from the previous sample's ``timestamp_s`` to its
own. The first sample's interval start is inferred as ``t - energy/power`` when
both are known, else the run start (``0``).

Pure functions only: no I/O, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from carbonest.errors import InvalidInputError
from carbonest.records import Sample

_MAX_DOUBLINGS: Final = 256


def low_water_mark(max_rows: int) -> int:
    """Return the most samples a series keeps right after it is thinned."""
    return max(1, max_rows - max_rows // 4)


def plan_thinning(series: Sequence[Sample], max_rows: int) -> list[tuple[int, int, Sample]]:
    """Say which runs of samples to merge so that the series fits the limit.

    Args:
        series: Samples of one component and device, oldest first.
        max_rows: The most samples the series may keep; at least 1.

    Returns:
        ``(start, stop, merged)`` triples, in order and not overlapping:
        ``series[start:stop]`` (two or more samples) is to be replaced by
        ``merged``. Empty when the series is within the limit.

    Raises:
        InvalidInputError: ``max_rows`` is below 1.
    """
    if max_rows < 1:
        raise InvalidInputError(f"max_rows must be at least 1, not {max_rows}", field="max_rows")
    if len(series) <= max_rows:
        return []
    groups = _bucket_bounds(series, low_water_mark(max_rows))
    plan: list[tuple[int, int, Sample]] = []
    for start, stop in groups:
        if stop - start < 2:
            continue
        begin_s = _interval_start(series[start]) if start == 0 else series[start - 1].timestamp_s
        merged = series[start]
        for sample in series[start + 1 : stop]:
            merged = merge_pair(merged, sample, begin_s)
        plan.append((start, stop, merged))
    return plan


def thin_series(series: Sequence[Sample], max_rows: int) -> list[Sample]:
    """Return the series thinned to fit ``max_rows`` (unchanged if it already fits)."""
    out: list[Sample] = []
    position = 0
    for start, stop, merged in plan_thinning(series, max_rows):
        out.extend(series[position:start])
        out.append(merged)
        position = stop
    out.extend(series[position:])
    return out


def merge_pair(first: Sample, second: Sample, start_s: float) -> Sample:
    """Merge two adjacent samples into one spanning ``start_s`` .. ``second.timestamp_s``.

    Args:
        first: The earlier sample.
        second: The later sample.
        start_s: When ``first``'s interval began. Units: s since run start.

    Returns:
        One sample whose energy is the sum of the known energies (None if both
        are missing, never 0) and whose power is that energy over the whole
        interval; when an energy is missing, the time-weighted mean of the
        known powers.
    """
    energies = [e for e in (first.energy_j, second.energy_j) if e is not None]
    energy_j = sum(energies) if energies else None
    duration_s = second.timestamp_s - start_s
    if len(energies) == 2 and duration_s > 0 and energy_j is not None:
        power_w: float | None = energy_j / duration_s
    else:
        power_w = _weighted_power(first, second, start_s)
    return Sample(second.timestamp_s, second.component, second.device, power_w, energy_j)


def _bucket_bounds(series: Sequence[Sample], target: int) -> list[tuple[int, int]]:
    """Group consecutive samples by aligned bucket of their end time; at most ``target`` groups."""
    span_s = series[-1].timestamp_s - _interval_start(series[0])
    exponent = math.floor(math.log2(span_s / target)) if span_s > 0 else 0
    for _ in range(_MAX_DOUBLINGS):
        width_s = 2.0**exponent
        bounds: list[tuple[int, int]] = []
        current = math.floor(series[0].timestamp_s / width_s)
        start = 0
        for i, sample in enumerate(series[1:], start=1):
            bucket = math.floor(sample.timestamp_s / width_s)
            if bucket != current:
                bounds.append((start, i))
                start, current = i, bucket
        bounds.append((start, len(series)))
        if len(bounds) <= target:
            return bounds
        exponent += 1
    return [(0, len(series))]  # pragma: no cover - only for absurd timestamps


def _weighted_power(first: Sample, second: Sample, start_s: float) -> float | None:
    spans = (
        (first.power_w, first.timestamp_s - start_s),
        (second.power_w, second.timestamp_s - first.timestamp_s),
    )
    known = [(p, max(d, 0.0)) for p, d in spans if p is not None]
    if not known:
        return None
    total_s = sum(d for _, d in known)
    if total_s <= 0:
        return sum(p for p, _ in known) / len(known)
    return sum(p * d for p, d in known) / total_s


def _interval_start(sample: Sample) -> float:
    if sample.energy_j is not None and sample.power_w is not None and sample.power_w > 0:
        return sample.timestamp_s - sample.energy_j / sample.power_w
    return min(0.0, sample.timestamp_s)


__all__ = ["low_water_mark", "merge_pair", "plan_thinning", "thin_series"]
