"""Energy arithmetic: counter deltas with wraparound, trapezoid integration, power x time.

PURE module: no I/O, no clock, no environment, no logging. Every function takes
Python scalars or numpy arrays (broadcast element-wise) so that what-if sweeps
are vectorised; scalar inputs take a fast path without numpy because the
sampler calls :func:`counter_delta` on every sample.

Counter semantics (why the wrap rule is what it is):

* Linux powercap/RAPL ``energy_uj`` is a 32-bit hardware counter multiplied by
  the energy unit by the kernel (``drivers/powercap/intel_rapl_common.c``);
  ``max_energy_range_uj`` is ``0xFFFFFFFF x unit``. When the hardware counter
  overflows the file value drops back towards 0. If ``curr < prev`` we assume
  exactly one wrap happened and the delta is ``max_range - prev + curr``. The
  true modulus is ``max_range + 1 unit``, so the result is low by at most one
  counter unit (about 61 uJ on Intel), which is negligible. Two wraps within one
  interval cannot be detected: sample faster than ``max_range / peak power``
  (262 kJ / 300 W = 14.6 min on Intel, 65.5 kJ / 280 W = 234 s on AMD).
* NVML ``nvmlDeviceGetTotalEnergyConsumption`` is a 64-bit mJ counter that does
  not wrap in practice but restarts from 0 when the driver is reloaded. Pass
  ``max_range=None`` for such counters: a decrease is then read as a reset and
  the delta is ``curr`` (the energy counted since the reset).
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np
import numpy.typing as npt

from carbonest.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]
Number = float | int

__all__ = [
    "counter_delta",
    "energy_j",
    "mean_power_w",
    "trapezoid_energy_j",
    "trapezoid_segment_j",
]


@overload
def counter_delta(prev: Number, curr: Number, max_range: Number | None) -> float: ...


@overload
def counter_delta(prev: Any, curr: Any, max_range: Any) -> FloatArray: ...


def counter_delta(prev: Any, curr: Any, max_range: Any) -> Any:
    """Increase of a cumulative counter between two reads, allowing one wrap.

    ``curr >= prev`` gives ``curr - prev``. ``curr < prev`` means the counter
    wrapped once and the result is ``max_range - prev + curr``; with
    ``max_range=None`` (a counter that never wraps, e.g. NVML) it means the
    counter was reset and the result is ``curr``. See the module docstring for
    the kernel semantics and the one-unit error bound.

    Units: same unit in and out (uJ, mJ or J); ``max_range`` in that unit too.

    Args:
        prev: Earlier counter value(s).
        curr: Later counter value(s).
        max_range: The counter's range (``max_energy_range_uj``), or None.

    Returns:
        The delta, never negative: a float for scalars, a float array otherwise.

    Raises:
        InvalidInputError: A negative counter or range, or a wrap larger than the range.
    """
    if isinstance(prev, (int, float)) and isinstance(curr, (int, float)):
        if prev < 0 or curr < 0:
            raise InvalidInputError(f"counter values must be >= 0, got {prev!r} and {curr!r}")
        if curr >= prev:
            return float(curr - prev)
        if max_range is None:
            return float(curr)
        if prev > max_range:
            raise InvalidInputError(f"counter value {prev!r} exceeds its range {max_range!r}")
        return float(max_range - prev + curr)
    p = np.asarray(prev, dtype=np.float64)
    c = np.asarray(curr, dtype=np.float64)
    if np.any(p < 0) or np.any(c < 0):
        raise InvalidInputError("counter values must be >= 0")
    if max_range is None:
        return np.where(c >= p, c - p, c)
    r = np.asarray(max_range, dtype=np.float64)
    wrapped = c < p
    if np.any(wrapped & (p > r)):
        raise InvalidInputError("a counter value exceeds its range")
    return np.where(wrapped, r - p + c, c - p)


def trapezoid_segment_j(power0_w: Any, power1_w: Any, duration_s: Any) -> Any:
    """Energy of one interval whose end powers are known, power assumed linear in between.

    ``E = (P0 + P1) / 2 x dt``.

    Units: W, W, s -> J.
    """
    return (power0_w + power1_w) * 0.5 * duration_s


def trapezoid_energy_j(times_s: Any, powers_w: Any) -> float | FloatArray:
    """Integrate a power time series with the trapezoid rule.

    ``E = sum_i (t[i+1] - t[i]) x (P[i] + P[i+1]) / 2``, integrated along the
    last axis, so a 2-D array of shape ``(devices, samples)`` gives one energy
    per device. Fewer than two samples give 0 (no interval was observed).

    Units: s, W -> J.

    Args:
        times_s: Sample times, non-decreasing along the last axis.
        powers_w: Power at each time, same shape as ``times_s`` (or broadcastable).

    Returns:
        Energy: a float for 1-D input, an array for higher dimensions.

    Raises:
        InvalidInputError: Shapes that do not match, or times going backwards.
    """
    t = np.asarray(times_s, dtype=np.float64)
    p = np.asarray(powers_w, dtype=np.float64)
    try:
        t, p = np.broadcast_arrays(t, p)
    except ValueError as exc:
        raise InvalidInputError(f"times_s and powers_w shapes differ: {exc}") from exc
    if t.ndim == 0:
        raise InvalidInputError("trapezoid_energy_j needs sequences, not scalars")
    dt = np.diff(t, axis=-1)
    if np.any(dt < 0):
        raise InvalidInputError("times_s must be non-decreasing")
    energy = np.sum(dt * (p[..., 1:] + p[..., :-1]) * 0.5, axis=-1)
    return float(energy) if energy.ndim == 0 else energy


def energy_j(power_w: Any, duration_s: Any) -> Any:
    """Energy of a constant power over a duration: ``E = P x t``.

    Units: W, s -> J.
    """
    return power_w * duration_s


def mean_power_w(energy_j: Any, duration_s: Any) -> Any:
    """Mean power over an interval: ``P = E / t``.

    Units: J, s -> W.

    Raises:
        InvalidInputError: A duration that is not strictly positive.
    """
    if isinstance(duration_s, (int, float)):
        if duration_s <= 0:
            raise InvalidInputError(f"duration_s must be > 0, got {duration_s!r}")
        return energy_j / duration_s
    d = np.asarray(duration_s, dtype=np.float64)
    if np.any(d <= 0):
        raise InvalidInputError("duration_s must be > 0")
    return np.asarray(energy_j, dtype=np.float64) / d
