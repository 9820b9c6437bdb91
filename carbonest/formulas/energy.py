"""Energy arithmetic: counter deltas with wraparound, trapezoid integration, power x time.

PURE module (see the rules in :mod:`carbonest.formulas`): no I/O, no clock, no
environment, no logging, no validation (inputs are validated at the edges).
Every function takes Python scalars or numpy arrays (broadcast element-wise)
so that what-if sweeps are vectorised; numpy is imported inside the functions
that need it, and scalar inputs take a fast path without numpy because the
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

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union, overload

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

Number = Union[float, int]

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
        The delta (>= 0 for valid counters): a float for scalars, a float array otherwise.
    """
    if isinstance(prev, (int, float)) and isinstance(curr, (int, float)):
        if curr >= prev:
            return float(curr - prev)
        if max_range is None:
            return float(curr)
        return float(max_range - prev + curr)
    import numpy as np

    p = np.asarray(prev, dtype=np.float64)
    c = np.asarray(curr, dtype=np.float64)
    if max_range is None:
        return np.where(c >= p, c - p, c)
    r = np.asarray(max_range, dtype=np.float64)
    return np.where(c < p, r - p + c, c - p)


def trapezoid_segment_j(power0_w: Any, power1_w: Any, duration_s: Any) -> Any:
    """Energy of one interval whose end powers are known, power assumed linear in between.

    ``E = (P0 + P1) / 2 x dt``.

    Units: W, W, s -> J.
    """
    return (power0_w + power1_w) * 0.5 * duration_s


def trapezoid_energy_j(times_s: Any, powers_w: Any) -> Any:
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
        ValueError: From numpy, if the shapes cannot be broadcast together.
    """
    import numpy as np

    t, p = np.broadcast_arrays(
        np.atleast_1d(np.asarray(times_s, dtype=np.float64)),
        np.atleast_1d(np.asarray(powers_w, dtype=np.float64)),
    )
    dt = np.diff(t, axis=-1)
    energy = np.sum(dt * (p[..., 1:] + p[..., :-1]) * 0.5, axis=-1)
    return float(energy) if energy.ndim == 0 else energy


def energy_at_j(times_s: Sequence[float], energies_j: Sequence[float], t_s: float) -> float:
    """Cumulative energy at an instant between readings: linear between the two around it.

    Between two readings the power is taken as their interval's mean (which a counter or a
    capped model never exceeds), so an interval's energy is spread evenly over it; past the last
    reading the last interval's mean power goes on; before the first reading nothing is known
    and the first total is returned (as it is past a single reading).

    Args:
        times_s: Reading times, ascending. Units: s.
        energies_j: Cumulative energy at each reading. Units: J.
        t_s: The instant. Units: s.

    Returns:
        The interpolated cumulative energy. Units: J.
    """
    if not times_s:
        raise ValueError("energy_at_j needs at least one reading")
    n = len(times_s)
    if t_s <= times_s[0] or n == 1:
        return float(energies_j[0] if t_s <= times_s[0] else energies_j[-1])
    for i in range(1, n):
        if t_s <= times_s[i]:
            t0, t1, e0, e1 = times_s[i - 1], times_s[i], energies_j[i - 1], energies_j[i]
            return float(e0 + (e1 - e0) * (t_s - t0) / (t1 - t0)) if t1 > t0 else float(e1)
    t0, t1, e0, e1 = times_s[-2], times_s[-1], energies_j[-2], energies_j[-1]
    rate = (e1 - e0) / (t1 - t0) if t1 > t0 else 0.0
    return float(e1 + rate * (t_s - t1))


def energy_j(power_w: Any, duration_s: Any) -> Any:
    """Energy of a constant power over a duration: ``E = P x t``.

    Units: W, s -> J.
    """
    return power_w * duration_s


def mean_power_w(energy_j: Any, duration_s: Any) -> Any:
    """Mean power over an interval: ``P = E / t``.

    Units: J, s -> W. A zero duration is the caller's to reject (scalars raise
    ZeroDivisionError, arrays give inf/nan).
    """
    return energy_j / duration_s
