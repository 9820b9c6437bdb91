"""Size policy for long runs: thin the oldest samples by merging adjacent pairs.

A run keeps at most ``max_rows`` samples per (component, device). When a
series grows past that, pairs of adjacent samples are merged, oldest first,
until the series is down to three quarters of the limit. A merged sample ends
where the later of the pair ended, carries the sum of both energies (so the
series' total energy is kept; only floating-point rounding of the sums can
differ), and its power is that energy over the merged interval. Recent samples
stay at full resolution while older ones get coarser, one halving at a time,
and the work is amortised: one thinning per quarter-limit of new samples.

Each sample's interval runs from the previous sample's ``timestamp_s`` to its
own. The first sample's interval start is inferred as ``t - energy/power`` when
both are known, else the run start (``0``).

Pure functions only: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence

from carbonest.errors import InvalidInputError
from carbonest.records import Sample


def low_water_mark(max_rows: int) -> int:
    """Return how many samples a series keeps right after it is thinned."""
    return max(1, max_rows - max_rows // 4)


def thin_series(series: Sequence[Sample], max_rows: int) -> tuple[int, list[Sample]]:
    """Thin one device's series (sorted by time) if it is longer than ``max_rows``.

    Args:
        series: Samples of one component and device, oldest first.
        max_rows: The most samples the series may keep; at least 1.

    Returns:
        ``(n, head)``: replace the first ``n`` samples of ``series`` by ``head``.
        ``(0, [])`` when the series is within the limit.
    """
    if max_rows < 1:
        raise InvalidInputError(f"max_rows must be at least 1, not {max_rows}", field="max_rows")
    if len(series) <= max_rows:
        return 0, []
    work = list(series)
    target = low_water_mark(max_rows)
    while len(work) > target:
        n_pairs = min(len(work) - target, len(work) // 2)
        work = _merge_leading_pairs(work, n_pairs)
    kept_tail = _common_suffix_len(series, work)
    return len(series) - kept_tail, work[: len(work) - kept_tail]


def _merge_leading_pairs(series: list[Sample], n_pairs: int) -> list[Sample]:
    merged: list[Sample] = []
    start_s = _interval_start(series[0])
    for i in range(n_pairs):
        first, second = series[2 * i], series[2 * i + 1]
        merged.append(merge_pair(first, second, start_s))
        start_s = second.timestamp_s
    return merged + series[2 * n_pairs :]


def merge_pair(first: Sample, second: Sample, start_s: float) -> Sample:
    """Merge two adjacent samples into one spanning ``start_s`` .. ``second.timestamp_s``.

    Args:
        first: The earlier sample.
        second: The later sample.
        start_s: When ``first``'s interval began. Units: s since run start.

    Returns:
        One sample whose energy is the sum of the known energies (None if both
        are missing) and whose power is that energy over the whole interval;
        when an energy is missing, the time-weighted mean of the known powers.
    """
    energies = [e for e in (first.energy_j, second.energy_j) if e is not None]
    energy_j = sum(energies) if energies else None
    duration_s = second.timestamp_s - start_s
    if len(energies) == 2 and duration_s > 0 and energy_j is not None:
        power_w: float | None = energy_j / duration_s
    else:
        power_w = _weighted_power(first, second, start_s)
    return Sample(second.timestamp_s, second.component, second.device, power_w, energy_j)


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


def _common_suffix_len(original: Sequence[Sample], thinned: Sequence[Sample]) -> int:
    n = 0
    while (
        n < len(original) and n < len(thinned) and original[-1 - n] is thinned[-1 - n]
    ):
        n += 1
    return n


__all__ = ["low_water_mark", "merge_pair", "thin_series"]
