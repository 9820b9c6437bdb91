"""A measured run under a live carbon-intensity provider: fetch off the training thread, weigh by time.

With ``intensity_provider=`` (``--intensity-provider``, ``CARBONEST_INTENSITY_PROVIDER``
or the config file), a run's CO2e is each interval's energy times the intensity
in force at that time (hourly, half-hourly or five-minutely, as the provider
gives), instead of one yearly table figure:

* **Off the training thread.** :class:`LiveIntensity` fetches on its own daemon
  thread (``carbonest-intensity``): once at the start, every ``refresh_s``
  after, and once more when the run stops (the stopping thread waits at most
  ``final_wait_s`` for it). The sampler's loop and the training thread never
  touch the network; every request has the provider's timeout.
* **By time.** Every record built (checkpoints and the final one) adds a point
  ``(wall time, IT energy so far)``; CO2e is
  :func:`carbonest.formulas.timeseries.co2e_kg_over_time` of those points and
  the fetched steps, times the PUE.
* **Fallback, named.** A time no live figure covers takes the table figure of
  the region (the world average for a provider zone the table does not know)
  when it is on the same basis; the share of the energy on live figures is in
  the record. When the table has no figure on the provider's basis (a marginal
  rate; the GB API's direct figures), bases are never mixed: the run is on live
  figures only if they cover all of its energy, else wholly on the table figure.
  Every failure is a one-line warning and is named in the record.
* **What the record holds.** ``intensity_series``: ``[start, end, g/kWh]`` of the
  figures used; ``intensity_source``: provider, zone, basis, figures, live share,
  fallback and failures; the intensity's provenance says which was used.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from carbonest.errors import CarbonestError, InvalidInputError, UnknownRegionError
from carbonest.formulas.timeseries import co2e_kg_over_time, mean_intensity
from carbonest.intensity.base import IntensityProvider
from carbonest.records import Notes

__all__ = ["LiveIntensity", "live_settings"]

DEFAULT_REFRESH_S = 300.0
DEFAULT_FINAL_WAIT_S = 3.0


class LiveIntensity:
    """Live intensity figures of one run, fetched on a daemon thread, and the run's energy points.

    Args:
        provider: A live provider (its basis is the run's live basis).
        region: The region or zone to ask it for.
        fallback_g_per_kwh: The table figure for time no live figure covers. Units: g CO2e/kWh.
        fallback_label: Its provenance label. fallback_basis: Its basis.
        refresh_s: Time between fetches. Units: s. final_wait_s: Longest wait at close. Units: s.
        warn: Called with each new one-line failure message.
        clock: Wall clock. Units: s since the epoch.
    """

    def __init__(self, provider: IntensityProvider, region: str, *, fallback_g_per_kwh: float, fallback_label: str,
                 fallback_basis: str, refresh_s: float = DEFAULT_REFRESH_S,
                 final_wait_s: float = DEFAULT_FINAL_WAIT_S, warn: Callable[[str], Any] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.provider, self.region = provider, region
        self.fallback_g_per_kwh, self.fallback_label, self.fallback_basis = fallback_g_per_kwh, fallback_label, fallback_basis
        self.mixable = fallback_basis == provider.basis
        self.refresh_s, self.final_wait_s = refresh_s, final_wait_s
        self._warn, self._clock = warn, clock
        self.started_s = clock()
        self._lock = threading.Lock()
        self._steps: dict[float, tuple[float, float, str]] = {}  # start -> (end, g, label)
        self._points: list[tuple[float, float]] = [(self.started_s, 0.0)]
        self.failures: list[str] = []
        self.fetches = 0
        self._wake = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None

    # -- the fetching thread ---------------------------------------------------------------------

    def start(self) -> LiveIntensity:
        """Start the daemon thread (the first fetch happens on it, not here)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="carbonest-intensity", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while True:
            self.fetch_once()
            if self._closing:
                return
            self._wake.wait(self.refresh_s)
            self._wake.clear()

    def fetch_once(self) -> None:
        """Fetch the figures of the run so far (series, else the current figure); failures are kept.

        The span asked starts an hour before the run, or 23 hours ago for a longer run (the
        figures fetched earlier are kept), so Electricity Maps' free 24-hour history serves it.
        A provider whose figures are shorter than the refresh interval (WattTime's 5 minutes)
        also gives its forecast up to the next refresh, replaced by measured figures later.
        """
        now = datetime.fromtimestamp(self._clock(), timezone.utc)
        start = max(datetime.fromtimestamp(self.started_s, timezone.utc) - timedelta(hours=1),
                    now - timedelta(hours=23))
        got = []
        series_error: CarbonestError | None = None
        try:
            got = self.provider.series(self.region, start, now + timedelta(seconds=1))
        except CarbonestError as exc:
            series_error = exc
        if not any(self._covers(g, now.timestamp()) for g in got):
            try:
                got.append(self.provider.intensity(self.region))
            except CarbonestError as exc:
                self._failed(exc if got else (series_error or exc))
        if got and min(float(g.period_s or 0.0) for g in got) < self.refresh_s and not self._closing:
            try:
                ahead = self.provider.forecast(self.region, 2 * self.refresh_s / 3600.0)
            except CarbonestError:
                ahead = []  # only a help between refreshes: its failure costs nothing
            with self._lock:
                for g in ahead:
                    self._steps.setdefault(_epoch(g.timestamp), (_epoch(g.timestamp) + float(g.period_s or 0.0),
                                                                 g.intensity_g_per_kwh, g.provenance.label))
        with self._lock:
            self.fetches += 1
            for g in got:
                a = _epoch(g.timestamp)
                self._steps[a] = (a + float(g.period_s or 0.0), g.intensity_g_per_kwh, g.provenance.label)

    @staticmethod
    def _covers(g: Any, t: float) -> bool:
        a = _epoch(g.timestamp)
        return a <= t < a + float(g.period_s or 0.0)

    def _failed(self, exc: CarbonestError) -> None:
        reason = getattr(exc, "reason", None) or str(exc)
        message = (f"intensity provider {self.provider.name} failed ({reason}); the table value "
                   f"{self.fallback_g_per_kwh:g} g CO2e/kWh ({self.fallback_label}) is used where no live figure is")
        with self._lock:
            new = message not in self.failures
            if new:
                self.failures.append(message)
        if new and self._warn is not None:
            self._warn(f"carbonest: {message}")

    def close(self) -> None:
        """Ask for a last fetch and wait for it at most ``final_wait_s``. Idempotent."""
        if self._closing:
            return
        self._closing = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(self.final_wait_s)

    # -- the run's side --------------------------------------------------------------------------

    def observe(self, wall_s: float, it_energy_kwh: float | None) -> None:
        """Add the point (wall time, IT energy so far); called with each record built."""
        if it_energy_kwh is None:
            return
        with self._lock:
            if wall_s > self._points[-1][0] and it_energy_kwh >= self._points[-1][1]:
                self._points.append((wall_s, it_energy_kwh))

    def result(self) -> tuple[float | None, str, dict[str, Any], tuple[tuple[str, str, float], ...]]:
        """(effective intensity or None, its provenance label, the source entry, the series used)."""
        with self._lock:
            steps = sorted((a, b, g) for a, (b, g, _) in self._steps.items())
            points = list(self._points)
            failures = list(self.failures)
        kg, live_share = co2e_kg_over_time(points, steps, self.fallback_g_per_kwh)
        energy = points[-1][1] - points[0][1]
        used_live = bool(steps) and (self.mixable or live_share >= 0.999)
        if used_live and not self.mixable:
            kg, _ = co2e_kg_over_time(points, steps, 0.0)
        span = [(a, b, g) for a, b, g in steps if b > points[0][0] and a < points[-1][0]] or steps
        series = tuple((_iso(a), _iso(b), g) for a, b, g in span)
        source = {
            "provider": self.provider.name, "region": self.region, "basis": self.provider.basis,
            "figures": len(span), "fetches": self.fetches, "live_energy_share": live_share if steps else 0.0,
            "fallback_g_per_kwh": self.fallback_g_per_kwh, "fallback": self.fallback_label,
            "fallback_basis": self.fallback_basis, "failures": failures, "used": "live" if used_live else "table",
        }

        if not used_live:
            why = "no live figure" if not steps else (
                f"live {self.provider.basis} figures covered {live_share:.0%} of the energy and the table has no "
                f"{self.provider.basis} figure to fill the rest (bases are never mixed)")
            return None, f"{self.fallback_label} (fallback from {self.provider.name}: {why})", source, series
        if energy > 0:
            effective = emissions_g_per_kwh(kg, energy)
        else:
            mean, _ = mean_intensity(steps, points[0][0], max(points[-1][0], points[0][0]), self.fallback_g_per_kwh)
            effective = mean if mean is not None else self.fallback_g_per_kwh
        label = f"api:{self.provider.name} {self.region} {self.provider.basis}, energy-weighted over {len(span)} figure{'s' if len(span) != 1 else ''}"
        if live_share < 0.999:
            label += f" ({live_share:.0%} of the energy; the rest {self.fallback_label})"
        return effective, label, source, series

    def mean_over(self, start_s: float, end_s: float) -> float | None:
        """Time-weighted intensity over a span (for phases), on the run's one basis."""
        with self._lock:
            steps = sorted((a, b, g) for a, (b, g, _) in self._steps.items())
        if not steps:
            return None
        mean, covered = mean_intensity(steps, start_s, end_s, self.fallback_g_per_kwh if self.mixable else None)
        return mean if (self.mixable or covered >= 0.999) else None


def emissions_g_per_kwh(co2e_kg: float, energy_kwh: float) -> float:
    """The intensity that gives ``co2e_kg`` for ``energy_kwh``: the run's energy-weighted figure."""
    from carbonest.units import G_PER_KG

    return co2e_kg * G_PER_KG / energy_kwh


def wall_s(ctx: Any, clock_s: float) -> float:
    """The wall time of a sampler-clock reading of the run. Units: s since the epoch."""
    from carbonest.intensity.timefmt import parse_utc

    return float(parse_utc(ctx.started_at, "started_at").timestamp() + (clock_s - float(ctx.t0)))


def record_intensity(ctx: Any, totals: Any, it_energy_kwh: float | None, *,
                     ended: bool) -> tuple[float, dict[str, str], dict[str, Any]]:
    """The record's intensity, provenance and live fields, for a snapshot of a run with a provider."""
    live: LiveIntensity = ctx.live
    live.observe(wall_s(ctx, totals.timestamp_s), it_energy_kwh)
    if ended:
        live.close()
    effective, label, source, series = live.result()
    provenance = dict(ctx.provenance)
    provenance["intensity_g_per_kwh"] = label
    fields = {"intensity_series": series, "intensity_source": tuple(source.items())}
    return (effective if effective is not None else ctx.intensity_g_per_kwh), provenance, fields


def _epoch(text: str | None) -> float:
    from carbonest.intensity.timefmt import parse_utc

    return parse_utc(text or "", "timestamp").timestamp()


def _iso(epoch_s: float) -> str:
    from carbonest.intensity.timefmt import iso_z

    return iso_z(datetime.fromtimestamp(epoch_s, timezone.utc))


def live_settings(kw: dict[str, Any], settings: Any, notes: Notes, warn: list[str],
                  warn_user: Callable[[str], Any]) -> tuple[LiveIntensity, float, Any, Any] | None:
    """The run's live intensity and its table fallback (value, region info, spec); None without a provider.

    A user-given ``intensity_g_per_kwh`` wins over any provider (said in a note).
    """
    chosen = kw.get("intensity_provider")
    origin = "user"
    if chosen is None and settings.intensity_provider is not None:
        chosen, origin = settings.intensity_provider, settings.intensity_provider_origin or "config"
    if chosen is None or chosen == "table":
        return None
    if kw.get("intensity_g_per_kwh") is not None:
        notes.notes.append("intensity_g_per_kwh was given: the live intensity provider is not used")
        return None
    from carbonest.intensity.providers import make_provider
    from carbonest.intensity.resolve import resolve_intensity

    user_basis = kw.get("basis") or settings.basis
    if isinstance(chosen, IntensityProvider):
        provider = chosen
    else:
        provider = make_provider(str(chosen), basis=user_basis if user_basis and
                                 (chosen != "watttime" or user_basis == "direct") else None, settings=settings)
    if user_basis and provider.basis != user_basis:
        raise InvalidInputError(f"basis: {provider.name} gives {provider.basis} figures, not {user_basis}",
                                field="basis")
    region = kw.get("region") or settings.region
    if region is None:
        raise InvalidInputError(f"region: a live intensity provider ({provider.name}) needs a region or zone",
                                field="region")
    from carbonest.catalog import find_region

    table_basis = provider.basis if provider.basis in ("lifecycle", "direct") else "lifecycle"
    try:
        spec = find_region(region)
        table_region: str | None = spec.id
        if spec.figure(table_basis) is None:
            table_basis = "lifecycle" if spec.figure("lifecycle") is not None else table_basis
    except UnknownRegionError:
        table_region = None
    fallback = Notes()
    value, info, spec = resolve_intensity(fallback, table_region, None, None, None, table_basis)
    notes.provenance.update(fallback.provenance)
    notes.provenance["intensity_provider"] = f"{origin}: {provider.name} ({provider.basis})"
    notes.provenance["basis"] = provider.basis
    if table_region is None:
        notes.notes.append(f"{region!r} is a {provider.name} zone the shipped table does not know: its table "
                           f"fallback is the world average {value:g} g CO2e/kWh ({table_basis})")

    def on_failure(message: str) -> None:
        warn.append(message.removeprefix("carbonest: "))
        warn_user(message)

    live = LiveIntensity(provider, str(region), fallback_g_per_kwh=value, fallback_label=fallback.provenance.get(
        "intensity_g_per_kwh", "table"), fallback_basis=table_basis, warn=on_failure)
    return live.start(), value, info, spec
