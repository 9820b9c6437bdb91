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

from typing import Any, NamedTuple, TYPE_CHECKING


from carbonest.records.common import cite
from carbonest.formulas import emissions, flops, uncertainty
from carbonest.records import Notes

if TYPE_CHECKING:  # types only: the step modules import what they call, nothing more
    from carbonest.estimate.duration import Duration
    from carbonest.estimate.energy import Operational
    from carbonest.estimate.power import ComponentPower
    from carbonest.estimate.resolve import Place
    from carbonest.estimate.serving import Serving

Range = tuple[float, float]


class Bounds(NamedTuple):
    """Low and high bounds of an estimate's main figures (units as the figures'), and the source
    of every bound: a provenance label, or the table row (source, year) it was read from."""

    energy_kwh: Range
    co2e_kg: Range
    pue: Range
    intensity_g_per_kwh: Range
    hours: Range
    sources: dict[str, str]
    power: dict[str, dict[str, Any]]


def bounds(powers: tuple[ComponentPower, ...], time: Duration, serving: Serving | None, place: Place,
           op: Operational, journal: Notes) -> Bounds:
    """The bounds of facility energy and CO2e, from the bounds of each input."""
    it_range = it_energy_range(powers, time.hours_range, serving.it_energy_range_kwh if serving else None)
    given_kwh = op.idle_kwh + (op.training_it_energy_kwh if not powers else 0.0)  # energy_kwh, idle_kwh: exact
    it_range = (it_range[0] + given_kwh, it_range[1] + given_kwh)
    pue_rng, pue_src = pue_range(journal, place.pue)
    energy_rng = (emissions.facility_energy_kwh(it_range[0], pue_rng[0]),
                  emissions.facility_energy_kwh(it_range[1], pue_rng[1]))
    ci_rng, ci_src = intensity_range(place, journal.provenance.get("intensity_g_per_kwh", ""))
    hours_src = hours_sources(journal, time)
    sources = {"intensity_low_source": ci_src[0], "intensity_high_source": ci_src[1],
               "pue_low_source": pue_src[0], "pue_high_source": pue_src[1],
               "hours_low_source": hours_src[0], "hours_high_source": hours_src[1]}
    return Bounds(
        energy_kwh=(min(energy_rng[0], op.energy_kwh), max(energy_rng[1], op.energy_kwh)),
        co2e_kg=(min(emissions.co2e_kg(energy_rng[0], ci_rng[0]), op.co2e_kg),
                 max(emissions.co2e_kg(energy_rng[1], ci_rng[1]), op.co2e_kg)),
        pue=pue_rng,
        intensity_g_per_kwh=ci_rng,
        hours=time.hours_range,
        sources=sources,
        power={p.component: power_bounds(p) for p in powers},
    )


def power_bounds(p: ComponentPower) -> dict[str, Any]:
    """One component's power bounds with the source of each (the power's own label when exact)."""
    low_src, high_src = p.range_sources if p.range_sources != ("", "") else (p.provenance.label,) * 2
    return {"power_w": p.power_w, "power_w_low": p.power_range_w[0], "power_w_high": p.power_range_w[1],
            "power_low_source": low_src, "power_high_source": high_src}


def hours_sources(journal: Notes, time: Duration) -> tuple[str, str]:
    """Where the hours' bounds came from: the MFU bounds when worked out from FLOPs, else the hours' own label."""
    label = journal.provenance.get("hours", "")
    if time.hours_range[0] == time.hours_range[1]:
        return label, label
    mfu = journal.provenance.get("mfu", "")
    if mfu == "user":
        return label, label
    return (f"{label}; MFU {flops.MFU_HIGH:g} (PaLM 540B, Chowdhery et al. 2022, Table 3)",
            f"{label}; MFU {flops.MFU_LOW:g} (GPT-3, as reported by Chowdhery et al. 2022, Table 3)")


def it_energy_range(powers: tuple[ComponentPower, ...], hours: Range, serving: Range | None) -> Range:
    """IT energy bounds: each component's power range x its count x the hours range, plus serving."""
    terms = [(emissions.energy_kwh(p.power_range_w[0] * p.count, hours[0]),
              emissions.energy_kwh(p.power_range_w[1] * p.count, hours[1])) for p in powers]
    if serving is not None:
        terms.append(serving)
    low, high = uncertainty.sum_range(*terms)
    return float(low), float(high)


def pue_range(journal: Notes, pue: float) -> tuple[Range, tuple[str, str]]:
    """PUE bounds and their sources: the industry spread when the industry average was defaulted, else exact."""
    label = journal.provenance.get("pue", "")
    if not label.startswith("table:datacenters uptime-"):
        return uncertainty.exact(pue), (label, label)
    from carbonest.intensity.resolve import industry_pue_spread

    (low, low_src), (high, high_src) = industry_pue_spread(pue)
    return (low, high), (low_src, high_src)


def intensity_range(place: Place, label: str) -> tuple[Range, tuple[str, str]]:
    """The spread of the region's figures on the basis used (sources and latest years), else exact.

    Figures of the other basis are never folded in (the estimate shows them beside this range).
    """
    if place.region_spec is None:
        return uncertainty.exact(place.intensity_g_per_kwh), (label, label)
    from carbonest.catalog import intensity_spread

    spread = intensity_spread(place.region_spec.id, place.basis)
    if spread is None:
        return uncertainty.exact(place.intensity_g_per_kwh), (label, label)
    low, high, rows = spread
    lo, hi = uncertainty.widen_to_include((float(low), float(high)), place.intensity_g_per_kwh)
    low_src = cite(rows[0]['source'], rows[0]['year']) if float(lo) == float(low) else label
    high_src = cite(rows[-1]['source'], rows[-1]['year']) if float(hi) == float(high) else label
    return (float(lo), float(hi)), (low_src, high_src)
