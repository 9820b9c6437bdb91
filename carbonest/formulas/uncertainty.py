"""Low/high bounds of an estimate from the bounds of its factors.

PURE module (see the rules in :mod:`carbonest.formulas`). Bounds are
``(low, high)`` pairs of scalars or numpy arrays.

Method: interval arithmetic on monotone functions. Operational emissions are a
product of non-negative factors, co2e = (power x hours) x PUE x intensity, and
a product of non-negative numbers increases with each of them; so its lowest
value over the box of factor ranges is the product of the lows and its highest
the product of the highs. The same holds for a sum of such products (training
plus serving). The bounds are worst cases over the stated ranges, not a
confidence interval: no distribution is assumed. A value the user gives
exactly is a zero-width interval, so an estimate whose every input is given
has ``low == central == high``.

Ranges used by carbonest when an input is not given:

* accelerator power between idle and TDP: idle = :data:`GPU_IDLE_FRACTION_OF_TDP` x TDP;
* carbon intensity: the spread of the figures the shipped tables hold for the
  region on the basis used (its sources and latest years, never the other
  basis), widened to include the one used;
* GPU-hours derived from FLOPs: MFU between the low and high figures of
  :mod:`carbonest.formulas.flops` (``MFU_LOW``, ``MFU_HIGH``).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "GPU_IDLE_FRACTION_OF_TDP",
    "exact",
    "power_range_w",
    "product_range",
    "reciprocal_range",
    "scale_range",
    "sum_range",
    "widen_to_include",
]

Range = tuple[Any, Any]

GPU_IDLE_FRACTION_OF_TDP = 0.11
"""Idle power of an accelerator as a fraction of its maximum. Dimensionless.

An assumption, taken from Cloud Carbon Footprint's per-GPU min/max watts
(``AwsFootprintEstimationConstants.ts``, ccf-coefficients, from SPECpower-style
measurements): min / max is 0.113-0.118 for every GPU listed there (A100 46/407 W,
V100 35/306 W, T4 8/71 W, A10G 18/153 W, ...), rounded down to 0.11. CCF's min is
its power at 0 % utilisation, i.e. an allocated but idle GPU: the lowest average
power a job can have, so it is the low end of the range, not a typical value.
"""


def exact(value: Any) -> Range:
    """A zero-width range: the value given by the user is taken as exact.

    Units: any -> the same unit.
    """
    return value, value


def product_range(*factors: Range) -> Range:
    """Bounds of a product of non-negative factors, each increasing in its own range.

    low = prod(lows), high = prod(highs) (interval arithmetic; valid because
    every factor is >= 0).

    Units: the product of the factors' units.
    """
    low: Any = 1.0
    high: Any = 1.0
    for factor_low, factor_high in factors:
        low = low * factor_low
        high = high * factor_high
    return low, high


def sum_range(*terms: Range) -> Range:
    """Bounds of a sum of independent terms: (sum of lows, sum of highs).

    Units: all terms in the same unit -> that unit.
    """
    low: Any = 0.0
    high: Any = 0.0
    for term_low, term_high in terms:
        low = low + term_low
        high = high + term_high
    return low, high


def scale_range(bounds: Range, factor: Any) -> Range:
    """A range multiplied by a non-negative exact factor (a unit conversion, a count).

    Units: the range's unit x the factor's unit.
    """
    return bounds[0] * factor, bounds[1] * factor


def reciprocal_range(bounds: Range) -> Range:
    """Bounds of 1 / x for x in a positive range: (1 / high, 1 / low).

    Used for time from throughput: hours fall as MFU rises.

    Units: 1 / the range's unit.
    """
    return 1.0 / bounds[1], 1.0 / bounds[0]


def power_range_w(tdp_w: Any, idle_fraction: Any = GPU_IDLE_FRACTION_OF_TDP) -> Range:
    """Average power of an accelerator whose draw is unknown: from idle to TDP.

    Units: tdp_w in W, idle_fraction dimensionless -> (W, W).
    """
    return tdp_w * idle_fraction, tdp_w


def widen_to_include(bounds: Range, central: Any) -> Range:
    """A range stretched, where needed, so that low <= central <= high.

    A table's spread of figures (say, several sources for one grid) may not
    contain the one figure an estimate uses (say, the newest); the range
    reported must still contain the central value.

    Units: same unit in and out.
    """
    low, high = bounds
    if all(isinstance(v, (int, float)) for v in (low, high, central)):
        return min(low, central), max(high, central)
    import numpy as np

    return np.minimum(low, central), np.maximum(high, central)
