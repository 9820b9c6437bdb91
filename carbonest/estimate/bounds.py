"""Step 8 of the calculator: low and high bounds of energy and emissions.

Takes the component powers, the duration, the serving part, the place and the
operational figures; returns :class:`Bounds`. Each bound combines the bounds of
its inputs the way :mod:`carbonest.formulas.uncertainty` says: a power not
given runs from idle to TDP, hours worked out from FLOPs follow the MFU range,
a defaulted industry PUE spans the published spread, and a table intensity
spans the figures of the region's sources and latest years. Given values are
exact. The central figure is always inside its bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

from carbonest.estimate.duration import Duration
from carbonest.estimate.energy import Operational
from carbonest.estimate.power import ComponentPower
from carbonest.estimate.resolve import Place
from carbonest.estimate.serving import Serving
from carbonest.formulas import emissions, uncertainty
from carbonest.records import Notes

Range = tuple[float, float]


@dataclass(frozen=True)
class Bounds:
    """Low and high bounds of an estimate's main figures (units as the figures')."""

    energy_kwh: Range
    co2e_kg: Range
    pue: Range
    intensity_g_per_kwh: Range


def bounds(powers: tuple[ComponentPower, ...], time: Duration, serving: Serving | None, place: Place,
           op: Operational, journal: Notes) -> Bounds:
    """The bounds of facility energy and CO2e, from the bounds of each input."""
    it_range = it_energy_range(powers, time.hours_range, serving.it_energy_range_kwh if serving else None)
    given_kwh = op.idle_kwh + (op.training_it_energy_kwh if not powers else 0.0)  # energy_kwh, idle_kwh: exact
    it_range = (it_range[0] + given_kwh, it_range[1] + given_kwh)
    pue_rng = pue_range(journal, place.pue)
    energy_rng = (emissions.facility_energy_kwh(it_range[0], pue_rng[0]),
                  emissions.facility_energy_kwh(it_range[1], pue_rng[1]))
    ci_rng = intensity_range(place.region_spec, place.intensity_g_per_kwh)
    return Bounds(
        energy_kwh=(min(energy_rng[0], op.energy_kwh), max(energy_rng[1], op.energy_kwh)),
        co2e_kg=(min(emissions.co2e_kg(energy_rng[0], ci_rng[0]), op.co2e_kg),
                 max(emissions.co2e_kg(energy_rng[1], ci_rng[1]), op.co2e_kg)),
        pue=pue_rng,
        intensity_g_per_kwh=ci_rng,
    )


def it_energy_range(powers: tuple[ComponentPower, ...], hours: Range, serving: Range | None) -> Range:
    """IT energy bounds: each component's power range x its count x the hours range, plus serving."""
    terms = [(emissions.energy_kwh(p.power_range_w[0] * p.count, hours[0]),
              emissions.energy_kwh(p.power_range_w[1] * p.count, hours[1])) for p in powers]
    if serving is not None:
        terms.append(serving)
    low, high = uncertainty.sum_range(*terms)
    return float(low), float(high)


def pue_range(journal: Notes, pue: float) -> Range:
    """PUE bounds: the industry spread when the industry average was defaulted, else exact."""
    if not journal.provenance.get("pue", "").startswith("table:datacenters uptime-"):
        return uncertainty.exact(pue)
    from carbonest.intensity.resolve import industry_pue_bounds

    return industry_pue_bounds(pue)


def intensity_range(region_spec: object, intensity: float) -> Range:
    """The spread of published figures for the region (sources and years), else exact."""
    if region_spec is None:
        return uncertainty.exact(intensity)
    from carbonest.catalog import intensity_spread

    low, high, _ = intensity_spread(region_spec.id)  # type: ignore[attr-defined]
    lo, hi = uncertainty.widen_to_include((float(low), float(high)), intensity)
    return float(lo), float(hi)
