"""Runs side by side: the difference in CO2e and its main cause (duration, power, place).

The decomposition
-----------------
A run's emissions are a product of four factors, each read from its stored record::

    CO2e = D x P x PUE x I / 3.6e9
      D   duration (s)                            record duration_s
      P   mean IT power (W)                       it_energy_kwh x 3.6e6 / D
      PUE facility overhead (ratio)               energy_kwh / it_energy_kwh
      I   effective carbon intensity (g/kWh)      co2e_kg x 1000 / energy_kwh

so the identity holds exactly for every stored run, including one whose intensity varied
(a live series: I is then its energy-weighted mean). The difference between run B and the
baseline A is split over the factors with the additive logarithmic mean Divisia index
(LMDI-I, Ang 2004, Energy Policy 32:1131)::

    dC_k = L(C_B, C_A) x ln(x_k,B / x_k,A),   L(a, b) = (a - b) / (ln a - ln b),  L(a, a) = a

The terms sum to C_B - C_A exactly (no residual), do not depend on the order of the factors
and are symmetric in A and B. "Place" is the sum of the PUE and intensity terms (the facility
and the grid). The main cause is the group with the largest absolute term.

Bases are never mixed: when the runs' intensities are not all on one known basis (lifecycle vs
direct, or a user-given figure of unknown basis), no CO2e is compared and facility energy
(D x P x PUE) is decomposed instead, the same way, with "place" being the PUE alone.
A run with no measured energy (or zero) cannot be decomposed: the comparison says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from carbonest.formulas.decomposition import lmdi_shares, logarithmic_mean
from carbonest.formulas.emissions import implied_intensity_g_per_kwh, implied_pue
from carbonest.formulas.energy import mean_power_w
from carbonest.report.model import run_basis

J_PER_KWH = 3_600_000.0
CAUSES = ("duration", "power", "place")


@dataclass(frozen=True)
class RunFactors:
    """The factors of one run's emissions. Units: s, W, ratio, g CO2e/kWh, kWh, kg CO2e."""

    run_id: str
    name: str
    duration_s: float | None
    mean_it_power_w: float | None
    pue: float | None
    intensity_g_per_kwh: float | None
    energy_kwh: float | None
    co2e_kg: float | None
    basis: str | None
    region: str


@dataclass(frozen=True)
class Decomposition:
    """How the difference of ``quantity`` between a run and the baseline splits over causes.

    Attributes:
        quantity: ``"co2e_kg"`` or ``"energy_kwh"``.
        baseline: The first run's value; ``other`` the compared run's.
        terms: Contribution per cause (duration, power, place), same unit; they sum to the difference.
        main_cause: The cause with the largest absolute term (None if no difference).
        note: Why CO2e was not compared, or why nothing could be decomposed.
    """

    quantity: str
    baseline: float | None
    other: float | None
    terms: Mapping[str, float]
    main_cause: str | None
    note: str

    @property
    def difference(self) -> float | None:
        """other - baseline, in the quantity's unit."""
        if self.baseline is None or self.other is None:
            return None
        return self.other - self.baseline


def factors(record: Mapping[str, Any]) -> RunFactors:
    """Read the factors of the identity (module docstring) from a stored record."""
    d, it, e, c = (_pos(record.get(k)) for k in ("duration_s", "it_energy_kwh", "energy_kwh", "co2e_kg"))
    power = float(mean_power_w(it * J_PER_KWH, d)) if it is not None and d is not None else None
    pue = float(implied_pue(e, it)) if e is not None and it is not None else _pos(record.get("pue"))
    intensity = (float(implied_intensity_g_per_kwh(c, e)) if c is not None and e is not None
                 else _pos(record.get("intensity_g_per_kwh")))
    region = record.get("region") or {}
    return RunFactors(str(record.get("run_id")), str(record.get("name") or ""), d, power, pue, intensity,
                      e, c, run_basis(record), str(region.get("id") or "?"))


lmdi_weight = logarithmic_mean  # the weight of LMDI-I (carbonest.formulas.decomposition)


def decompose(base: RunFactors, other: RunFactors, same_basis: bool | None = None) -> Decomposition:
    """The difference of CO2e (same basis) or else of facility energy, split by cause (LMDI-I).

    ``same_basis``: whether CO2e may be compared; by default, whether these two runs share a basis.
    """
    if same_basis is None:
        same_basis = base.basis is not None and base.basis == other.basis
    quantity = "co2e_kg" if same_basis else "energy_kwh"
    pair = f"{base.basis or 'unknown'} vs {other.basis or 'unknown'}" \
        if base.basis != other.basis or base.basis is None else "another run's basis differs"
    note = "" if same_basis else (
        f"CO2e not compared: the runs' intensities are not all on one known basis ({pair}); "
        f"facility energy compared instead")
    names = ["duration_s", "mean_it_power_w", "pue"] + (["intensity_g_per_kwh"] if same_basis else [])
    a, b = getattr(base, quantity), getattr(other, quantity)
    xa = [getattr(base, n) for n in names]
    xb = [getattr(other, n) for n in names]
    if a is None or b is None or None in xa or None in xb:
        missing = "; " if note else ""
        return Decomposition(quantity, a, b, {}, None,
                             note + missing + "not decomposed: a factor is missing or zero (no measured energy)")
    raw = lmdi_shares(xa, xb, a, b)
    terms = {"duration": raw[0], "power": raw[1], "place": sum(raw[2:])}
    main = max(CAUSES, key=lambda k: abs(terms[k])) if b != a else None
    return Decomposition(quantity, a, b, terms, main, note)


def compare_records(records: Sequence[Mapping[str, Any]]) -> tuple[list[RunFactors], list[Decomposition]]:
    """The factors of each run and the decomposition of each run after the first against the first.

    CO2e is compared only when every run is on one known basis; otherwise every comparison is of
    facility energy, so that one table or chart never holds both.
    """
    runs = [factors(r) for r in records]
    bases = {r.basis for r in runs}
    one_basis = len(bases) == 1 and None not in bases
    return runs, [decompose(runs[0], other, one_basis) for other in runs[1:]]


def _pos(value: Any) -> float | None:
    """A positive finite number, else None (a zero energy cannot enter a logarithm)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None
