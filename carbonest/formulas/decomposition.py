"""Splitting the difference of a product into its factors' shares: the additive LMDI-I method.

For a quantity that is a product of factors, ``V = x1 * x2 * ... * xn``, the change from ``V0``
to ``V1`` is split exactly (the shares sum to ``V1 - V0``) as

    share_i = L(V1, V0) * ln(x1_i / x0_i),   with L(a, b) = (a - b) / (ln a - ln b), L(a, a) = a,

the logarithmic mean. Reference: B. W. Ang (2004), "Decomposition analysis for policymaking in
energy: which is the preferred method?", Energy Policy 32(9), 1131-1139. Every value must be
positive (a logarithm is taken).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["lmdi_shares", "logarithmic_mean"]


def logarithmic_mean(a: float, b: float) -> float:
    """L(a, b) of two positive numbers; L(a, a) = a. Units: those of ``a`` and ``b``."""
    if math.isclose(a, b, rel_tol=1e-12):
        return a
    return (a - b) / (math.log(a) - math.log(b))


def lmdi_shares(before: Sequence[float], after: Sequence[float], total_before: float,
                total_after: float) -> list[float]:
    """Each factor's share of ``total_after - total_before`` (LMDI-I). Units: those of the totals.

    ``before``/``after`` are the factors of the product at the two states, in the same order;
    the totals are the products themselves.
    """
    weight = logarithmic_mean(total_after, total_before)
    return [weight * math.log(x1 / x0) for x0, x1 in zip(before, after)]
