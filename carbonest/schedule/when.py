"""``carbonest.when``: the start time in a forecast that minimises a job's CO2e.

The job's facility energy is the calculator's (``carbonest.estimate(hours=H, ...)``);
its power is taken as constant over its ``hours``, so its CO2e for a start ``s``
is ``energy x mean forecast intensity over [s, s + hours]``
(:mod:`carbonest.formulas.timeseries`). Candidate starts are now and every
forecast step's start within ``within_h``; a start whose job would run past the
forecast's end is not a candidate (said in a note). Only operational emissions
depend on the start time; embodied carbon does not, and is left out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from carbonest import inputs
from carbonest.errors import InvalidInputError, ProviderError
from carbonest.formulas import emissions
from carbonest.formulas.timeseries import Step, mean_intensity
from carbonest.intensity.base import BASIS_KINDS, GridIntensity, IntensityProvider
from carbonest.intensity.timefmt import iso_z, now_utc, parse_utc

__all__ = ["WhenResult", "when"]

S_PER_H = 3600.0


@dataclass(frozen=True)
class WhenResult:
    """The best start of a job in one provider's forecast, and what it saves.

    Attributes:
        region: The region (zone) asked. provider: The provider's name.
        basis: The forecast's basis (lifecycle, direct or marginal); averaging: average or marginal.
        hours: The job's duration. Units: h. within_h: The horizon of start times. Units: h.
        energy_kwh: The job's facility energy (PUE included). Units: kWh.
        now_start: ISO UTC time of starting now. now_intensity_g_per_kwh: Mean forecast intensity
            over the job started now. Units: g CO2e/kWh. now_co2e_kg: Units: kg CO2e.
        best_start, best_end: ISO UTC start and end of the best window.
        best_intensity_g_per_kwh: Units: g CO2e/kWh. best_co2e_kg: Units: kg CO2e.
        saving_kg: now minus best. Units: kg CO2e. saving_pct: The same in percent of now.
        forecast_start, forecast_end: What the forecast covered (ISO UTC).
        candidates: How many start times were compared.
        provenance: Where the energy and the intensity came from.
        notes: Defaults taken and limits met.
    """

    region: str
    provider: str
    basis: str
    averaging: str
    hours: float
    within_h: float
    energy_kwh: float
    now_start: str
    now_intensity_g_per_kwh: float
    now_co2e_kg: float
    best_start: str
    best_end: str
    best_intensity_g_per_kwh: float
    best_co2e_kg: float
    saving_kg: float
    saving_pct: float
    forecast_start: str
    forecast_end: str
    candidates: int
    provenance: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = asdict(self)
        out["provenance"] = dict(self.provenance)
        out["notes"] = list(self.notes)
        return out


def _provider(provider: Any, basis: str | None) -> IntensityProvider:
    if isinstance(provider, IntensityProvider):
        return provider
    if provider is None:
        from carbonest.config import load_settings

        provider = load_settings().intensity_provider
    if provider is None or provider == "table":
        raise InvalidInputError("provider: give a live provider with a forecast (electricitymaps, watttime or uk); "
                                "the shipped tables hold yearly averages, the same at every hour", field="provider")
    from carbonest.intensity.providers import make_provider

    return make_provider(str(provider), basis=basis)


def _steps(points: list[GridIntensity], now: datetime) -> list[Step]:
    steps = []
    for p in points:
        a = parse_utc(p.timestamp or "", "timestamp").timestamp()
        steps.append((a, a + float(p.period_s or 0.0), p.intensity_g_per_kwh))
    steps.sort()
    t = now.timestamp()
    if steps and steps[0][0] > t and steps[0][0] - t <= steps[0][1] - steps[0][0]:
        steps[0] = (t, steps[0][1], steps[0][2])  # a forecast that starts at the next step: it holds from now
    return steps


def _job_energy_kwh(region: str, hours: float, job: dict[str, Any]) -> tuple[float, str]:
    from carbonest.catalog import find_region
    from carbonest.errors import UnknownRegionError
    from carbonest.estimate.pipeline import estimate

    kw = dict(job)
    try:
        if "region" not in kw and "intensity_g_per_kwh" not in kw:
            kw["region"] = find_region(region).id  # for a cloud region's PUE; intensity is not used
    except UnknownRegionError:
        kw["intensity_g_per_kwh"] = 0.0  # a provider zone the table does not know: only the energy is used
    est = estimate(hours=None if kw.get("energy_kwh") is not None else hours, **kw)
    return float(est.energy_kwh), f"carbonest.estimate: {est.it_energy_kwh:.6g} kWh IT x PUE {est.pue:g}"


def when(region: str, hours: float, *, within_h: float = 24.0, provider: Any = None, basis: str | None = None,
         **job: Any) -> WhenResult:
    """The start, within ``within_h`` hours, that minimises the job's CO2e in one provider's forecast.

    Args:
        region: The grid: a carbonest region or the provider's own zone (``FR``, ``GB-13``, ``CAISO_NORTH``).
        hours: The job's duration. Units: h.
        within_h: Latest start considered, from now. Units: h.
        provider: ``"electricitymaps"``, ``"watttime"``, ``"uk"`` or an IntensityProvider
            (default: the configured ``intensity_provider``).
        basis: The forecast's basis (default: the provider's).
        job: What :func:`carbonest.estimate` takes for the job's hardware (``gpu=``, ``gpus=``, ``cpu=``,
            ``pue=``, ``datacenter=``, ``energy_kwh=``...).

    Raises:
        InvalidInputError: a bad argument, or no live provider.
        ProviderError: the forecast could not be read, or does not cover the job started now.
    """
    hours = inputs.positive("hours", hours)
    within_h = inputs.non_negative("within", within_h)
    source = _provider(provider, basis)
    energy_kwh, energy_label = _job_energy_kwh(region, hours, job)
    points = source.forecast(region, within_h + hours)
    bases = {p.basis for p in points}
    if len(bases) > 1:  # never compare across bases, even by accident
        raise ProviderError(f"{source.name}: forecast mixes bases {sorted(map(str, bases))}", provider=source.name)
    now = now_utc()
    steps = _steps(points, now)
    if not steps:
        raise ProviderError(f"{source.name}: empty forecast for {region}", provider=source.name,
                            reason="empty forecast")
    horizon_end = steps[-1][1]
    duration_s = hours * S_PER_H
    t_now = now.timestamp()
    results = _windows(steps, t_now, within_h, duration_s)
    if not results or results[0][0] != t_now:
        covered_h = max(0.0, (horizon_end - t_now) / S_PER_H)
        raise ProviderError(f"{source.name}: partial forecast: it covers {covered_h:.1f} h from now, the job needs "
                            f"{hours:g} h", provider=source.name, reason="partial forecast")
    notes: list[str] = []
    last = results[-1][0]
    if last + duration_s < t_now + (within_h + hours) * S_PER_H - 1:
        notes.append(f"the forecast ends at {iso_z(_dt(horizon_end))}: starts after {iso_z(_dt(last))} "
                     "could not be considered")
    best = min(results, key=lambda r: (r[1], r[0]))
    now_mean = results[0][1]
    now_co2, best_co2 = emissions.co2e_kg(energy_kwh, now_mean), emissions.co2e_kg(energy_kwh, best[1])
    saving = now_co2 - best_co2
    basis_name = str(points[0].basis or source.basis)
    notes.append(f"start times compared within one {source.name} forecast on the {basis_name} basis only; "
                 "operational emissions only (embodied carbon does not depend on the start time)")
    return WhenResult(
        region=region, provider=source.name, basis=basis_name, averaging=BASIS_KINDS.get(basis_name, "average"),
        hours=hours, within_h=within_h, energy_kwh=energy_kwh,
        now_start=iso_z(now), now_intensity_g_per_kwh=now_mean, now_co2e_kg=now_co2,
        best_start=iso_z(_dt(best[0])), best_end=iso_z(_dt(best[0] + duration_s)),
        best_intensity_g_per_kwh=best[1], best_co2e_kg=best_co2, saving_kg=saving,
        saving_pct=100.0 * saving / now_co2 if now_co2 > 0 else 0.0,
        forecast_start=iso_z(_dt(steps[0][0])), forecast_end=iso_z(_dt(horizon_end)), candidates=len(results),
        provenance=(("energy_kwh", energy_label), ("intensity_g_per_kwh", points[0].provenance.label)),
        notes=tuple(notes),
    )


def _windows(steps: list[Step], t_now: float, within_h: float, duration_s: float) -> list[tuple[float, float]]:
    """(start, mean intensity) of every candidate start whose whole job the forecast covers."""
    starts = [t_now] + sorted({a for a, _, _ in steps if t_now < a <= t_now + within_h * S_PER_H})
    out = []
    for s in starts:
        mean, covered = mean_intensity(steps, s, s + duration_s, None)
        if mean is not None and covered >= 0.999:
            out.append((s, mean))
    return out


def _dt(epoch_s: float) -> datetime:
    from datetime import timezone

    return datetime.fromtimestamp(epoch_s, timezone.utc)
