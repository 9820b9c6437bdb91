"""The low/high range of a stored run's CO2e, from the record's own figures and their provenance.

A measured run's IT energy is taken as exact: it is what the counters (or the labelled
models) gave, and no counter accuracy is assumed. What carries a range is what the
calculator gives a range for too (:mod:`carbonest.estimate.bounds`), by the same rules:

* a PUE that was the defaulted industry average spans the published spread
  (:func:`carbonest.intensity.resolve.industry_pue_spread`); a given or preset PUE is exact;
* a table intensity spans the figures the shipped tables hold for the region on the
  record's basis (:func:`carbonest.catalog.intensity_spread`), widened to include the one used;
  a user intensity, and the figures a live provider gave, are exact.

The bounds are worst cases over those ranges (:mod:`carbonest.formulas.uncertainty`), not
a confidence interval. Works from the record's JSON form only: nothing here measures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carbonest.formulas import emissions, uncertainty


@dataclass(frozen=True)
class RunRange:
    """CO2e bounds of one run and where each factor's bounds came from.

    Attributes:
        co2e_kg: (low, high). Units: kg CO2e.
        pue: (low, high). Dimensionless.
        intensity_g_per_kwh: (low, high). Units: g CO2e/kWh.
        sources: ``pue_low``, ``pue_high``, ``intensity_low``, ``intensity_high``: provenance labels.
    """

    co2e_kg: tuple[float, float]
    pue: tuple[float, float]
    intensity_g_per_kwh: tuple[float, float]
    sources: dict[str, str]


def _pue_range(record: dict[str, Any]) -> tuple[tuple[float, float], tuple[str, str]]:
    pue = float(record["pue"])
    label = str((record.get("provenance") or {}).get("pue", ""))
    if not label.startswith("table:datacenters uptime-"):
        return uncertainty.exact(pue), (label, label)
    from carbonest.intensity.resolve import industry_pue_spread

    (low, low_src), (high, high_src) = industry_pue_spread(pue)
    return (low, high), (low_src, high_src)


def _intensity_range(record: dict[str, Any]) -> tuple[tuple[float, float], tuple[str, str]]:
    used = float(record["intensity_g_per_kwh"])
    label = str((record.get("provenance") or {}).get("intensity_g_per_kwh", ""))
    region = record.get("region") or {}
    if record.get("intensity_source") or not label.startswith("table:regions") or not region.get("basis"):
        return uncertainty.exact(used), (label, label)
    from carbonest.catalog import intensity_spread
    from carbonest.catalog.regions import basis_kind
    from carbonest.errors import CarbonestError

    try:
        spread = intensity_spread(str(region["id"]), basis_kind(str(region["basis"])))
    except (CarbonestError, ValueError):  # a region the tables of this version no longer know
        return uncertainty.exact(used), (label, label + " (no spread: region not in this version's tables)")
    if spread is None:
        return uncertainty.exact(used), (label, label)
    low, high, rows = spread
    lo, hi = uncertainty.widen_to_include((float(low), float(high)), used)
    low_src = f"table:intensity_alternatives {rows[0]['source']} {rows[0]['year']}" if lo == low else label
    high_src = f"table:intensity_alternatives {rows[-1]['source']} {rows[-1]['year']}" if hi == high else label
    return (float(lo), float(hi)), (low_src, high_src)


def run_range(record: dict[str, Any]) -> RunRange | None:
    """The CO2e range of a run record (its ``to_dict()`` form); None when it measured no energy."""
    it = record.get("it_energy_kwh")
    if it is None or record.get("co2e_kg") is None:
        return None
    pue, pue_src = _pue_range(record)
    ci, ci_src = _intensity_range(record)
    # co2e = IT energy x PUE x intensity rises with each factor: low from the lows, high from the highs.
    bounds = tuple(float(emissions.co2e_kg(emissions.facility_energy_kwh(float(it), p), c))
                   for p, c in ((pue[0], ci[0]), (pue[1], ci[1])))
    low, high = uncertainty.widen_to_include((bounds[0], bounds[1]), float(record["co2e_kg"]))
    return RunRange(co2e_kg=(float(low), float(high)), pue=pue, intensity_g_per_kwh=ci,
                    sources={"pue_low": pue_src[0], "pue_high": pue_src[1],
                             "intensity_low": ci_src[0], "intensity_high": ci_src[1]})
