"""What the live providers share: cached GETs, and building their answers (layer L5).

A live provider subclasses :class:`LiveProvider`, names its base URL (always
configurable, so tests point it at 127.0.0.1 and a user at a proxy or a newer
API version), and calls :meth:`LiveProvider.fetch` with each endpoint's time to
live in the cache.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from carbonest.intensity.base import GridIntensity, IntensityProvider
from carbonest.intensity.cache import Cache
from carbonest.intensity.http import HttpSettings, get_json
from carbonest.intensity.timefmt import add_s, iso_z, now_utc, parse_utc
from carbonest.records import Provenance, RegionInfo

__all__ = ["LiveProvider", "point"]


class LiveProvider(IntensityProvider):
    """A provider over a web API: base URL, HTTP settings, cache.

    Args:
        base_url: The API's base URL (default: the provider's public one).
        http: Timeouts, retries, backoff.
        cache: The on-disk cache (default: one under ``$CARBONEST_HOME``); ``Cache(enabled=False)`` for none.
    """

    live = True
    default_url: ClassVar[str] = ""
    source: ClassVar[str] = ""
    basis_note: ClassVar[str] = ""

    def __init__(self, *, base_url: str | None = None, http: HttpSettings | None = None,
                 cache: Cache | None = None) -> None:
        self.base_url = (base_url or self.default_url).rstrip("/")
        self.http = http or HttpSettings()
        self.cache = cache if cache is not None else Cache()

    def secrets(self) -> tuple[str | None, ...]:
        """The credentials to keep out of every message."""
        return ()

    def fetch(self, path: str, params: Mapping[str, Any] | None, ttl_s: float, *,
              headers: Mapping[str, str] | None = None, auth: tuple[str, str] | None = None) -> Any:
        """GET ``base_url + path`` as JSON, through the cache (keyed on URL and parameters only)."""
        url = self.base_url + path
        key = Cache.key(url, params)
        body = self.cache.get(self.name, key, ttl_s)
        if body is not None:
            return body
        body = get_json(self.name, url, params=params, headers=headers, auth=auth, settings=self.http,
                        secrets=self.secrets())
        self.cache.put(self.name, key, body)
        return body

    def region_info(self, zone: str, name: str | None = None) -> RegionInfo:
        """The RegionInfo of a zone of this provider."""
        note = getattr(self, "note", None) or self.basis_note
        return RegionInfo(zone, name or zone, None, self.source, f"{self.basis}, {note}", "live")


def point(provider: LiveProvider, region: RegionInfo, value: Any, start: str, period_s: float,
          endpoint: str, *, forecast: bool = False, extra: str = "") -> GridIntensity | None:
    """One answer of ``provider``, or None for a gap (a null value: a gap is never a zero)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        g = float(value)
    except (TypeError, ValueError):
        return None
    if not g >= 0 or g == float("inf"):
        return None
    when = parse_utc(start, "timestamp")
    detail = f"{provider.name} {endpoint} {region.id} {provider.basis}"
    if extra:
        detail += f" ({extra})"
    prov = Provenance("api", detail, provider.source, when.year)
    return GridIntensity(g, region, prov, iso_z(when), provider.basis, period_s, forecast)


def covering(points: list[GridIntensity], at: datetime) -> GridIntensity | None:
    """The point whose period contains ``at``, else None."""
    for p in points:
        start = parse_utc(p.timestamp or "", "timestamp")
        if start <= at < add_s(start, p.period_s or 0.0):
            return p
    return None


def in_span(points: list[GridIntensity], start: datetime, end: datetime) -> list[GridIntensity]:
    """The points whose periods overlap ``[start, end)``, oldest first."""
    out = []
    for p in points:
        t = parse_utc(p.timestamp or "", "timestamp")
        if t < end and add_s(t, p.period_s or 0.0) > start:
            out.append(p)
    return sorted(out, key=lambda p: p.timestamp or "")


def ttl_for_range(end: datetime, past_ttl_s: float = 86400.0, recent_ttl_s: float = 300.0) -> float:
    """A range that ended over an hour ago no longer changes much: keep it a day; else minutes."""
    return past_ttl_s if (now_utc() - end).total_seconds() > 3600 else recent_ttl_s
