"""Emissions of energy used over time, under a carbon intensity that changes with time.

A grid's intensity is a step function: each live figure holds for its period
(an hour, a half hour, five minutes). Energy is known as a cumulative series
(kWh at each checkpoint time). Between two checkpoints the energy is taken as
used evenly, so each piece of it meets the intensity in force at its moment:

    CO2e = sum over checkpoint intervals [a, b] of  dE(a, b) x mean intensity over [a, b] / 1000

where the mean is time-weighted over the steps, and a time no step covers takes
the ``fallback`` figure. It is the same rule as :func:`carbonest.formulas.emissions.co2e_kg`
(energy x intensity), applied per interval; nothing here is specific to one provider.

Pure: plain floats, times as seconds since the epoch. Units in every name.
"""

from __future__ import annotations

from collections.abc import Sequence

from carbonest.units import G_PER_KG

Step = tuple[float, float, float]
"""(start_s, end_s, intensity_g_per_kwh): a figure and the span it holds. Units: s, s, g CO2e/kWh."""


def mean_intensity(steps: Sequence[Step], start_s: float, end_s: float,
                   fallback_g_per_kwh: float | None) -> tuple[float | None, float]:
    """Time-weighted mean intensity over ``[start_s, end_s]`` and the fraction the steps cover.

    Steps must not overlap. Uncovered time takes ``fallback_g_per_kwh``; with no
    fallback the mean is over the covered time alone (None if nothing is covered).
    A zero-length span gives the figure in force at ``start_s``.

    Units: s in; g CO2e/kWh and a fraction (0-1) out.
    """
    if end_s <= start_s:
        for a, b, g in steps:
            if a <= start_s < b:
                return g, 1.0
        return fallback_g_per_kwh, 0.0
    covered = weighted = 0.0
    for a, b, g in steps:
        overlap = min(b, end_s) - max(a, start_s)
        if overlap > 0:
            covered += overlap
            weighted += overlap * g
    span = end_s - start_s
    if fallback_g_per_kwh is not None:
        return (weighted + (span - covered) * fallback_g_per_kwh) / span, covered / span
    return (weighted / covered if covered > 0 else None), covered / span


def co2e_kg_over_time(energy_points: Sequence[tuple[float, float]], steps: Sequence[Step],
                      fallback_g_per_kwh: float) -> tuple[float, float]:
    """CO2e of a cumulative energy series under time-varying intensity, and the live share of the energy.

    Args:
        energy_points: ``(time_s, cumulative_energy_kwh)``, time-ordered. Units: s, kWh.
        steps: The intensity steps (see :data:`Step`).
        fallback_g_per_kwh: The figure for time no step covers. Units: g CO2e/kWh.

    Returns:
        ``(co2e_kg, covered_energy_fraction)``: kg CO2e of the energy after the first point, and
        the fraction of that energy used at times a step covers (1.0 when there is no energy).
        Units: kg CO2e, fraction.
    """
    total_g = energy = covered_energy = 0.0
    for (ta, ea), (tb, eb) in zip(energy_points, energy_points[1:]):
        delta = eb - ea
        if delta <= 0:
            continue
        mean, covered = mean_intensity(steps, ta, tb, fallback_g_per_kwh)
        total_g += delta * (mean if mean is not None else fallback_g_per_kwh)
        energy += delta
        covered_energy += delta * covered
    return total_g / G_PER_KG, (covered_energy / energy if energy > 0 else 1.0)
