"""Electricity Maps (API v3): the latest, past and forecast carbon intensity of a zone (layer L5).

Requests (see docs/intensity.md):

* ``GET {base}/carbon-intensity/latest?zone=Z`` (free tier): the current hour;
* ``GET {base}/carbon-intensity/history?zone=Z`` (free tier): the last 24 hours, hourly;
* ``GET {base}/carbon-intensity/past?zone=Z&datetime=T`` and ``past-range?zone=Z&start=S&end=E``:
  older times (paid plans);
* ``GET {base}/carbon-intensity/forecast?zone=Z`` (paid plans).

Every request sends the key in the ``auth-token`` header, ``emissionFactorType``
(``lifecycle``, the default, or ``direct``) and ``shouldUseFallbackCallerLookup=false``
so that a zone the API does not know is an error, never the caller's own zone
guessed from its IP address. An answer for another zone than the one asked is
refused too.

Basis: the *consumption* mix, flow-traced across interconnectors, on a lifecycle
(default) or direct emission-factor basis; both are averages of the mix.

Zones: Electricity Maps' zone keys (``FR``, ``DE``, ``CA-QC``, ``US-CAL-CISO``,
``DK-DK2``) are accepted as they are. A carbonest region id or name is turned
into its zone where they differ (``US-CA`` -> ``US-CAL-CISO``); a cloud region
(``aws:eu-west-1``) is sent as ``dataCenterProvider``/``dataCenterRegion``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from carbonest.errors import InvalidInputError, ProviderError
from carbonest.intensity.base import GridIntensity
from carbonest.intensity.http import malformed
from carbonest.intensity.live import LiveProvider, covering, in_span, point, ttl_for_range
from carbonest.intensity.timefmt import iso_z, now_utc

__all__ = ["ElectricityMapsProvider", "zone_params"]

DEFAULT_URL = "https://api.electricitymaps.com/v3"
HOUR_S = 3600.0
ZONES = {"US-CA": "US-CAL-CISO"}
"""carbonest region ids whose Electricity Maps zone has another key."""


def zone_params(region: str) -> dict[str, str]:
    """The location parameters of ``region``: ``zone``, or the data-centre pair of a cloud region."""
    text = region.strip()
    if ":" in text:
        provider, _, cloud_region = text.partition(":")
        return {"dataCenterProvider": provider.lower(), "dataCenterRegion": cloud_region}
    from carbonest.catalog import find_region
    from carbonest.errors import UnknownRegionError

    try:
        spec = find_region(text)
    except UnknownRegionError:  # the provider's own zone key: sent as given
        return {"zone": text}
    if ":" in spec.id:
        return zone_params(spec.id)
    return {"zone": ZONES.get(spec.id, spec.id)}


class ElectricityMapsProvider(LiveProvider):
    """Electricity Maps, on one basis.

    Args:
        token: The API key (``ELECTRICITYMAPS_API_KEY``); sent only in the ``auth-token`` header.
        basis: ``"lifecycle"`` (default) or ``"direct"``.
        base_url: Default ``https://api.electricitymaps.com/v3`` (the version segment included).
        http, cache: See :class:`~carbonest.intensity.live.LiveProvider`.
    """

    name = "electricitymaps"
    default_url = DEFAULT_URL
    source = "Electricity Maps"
    basis_note = "consumption (flow-traced), average"

    def __init__(self, token: str | None = None, *, basis: str = "lifecycle", **options: Any) -> None:
        super().__init__(**options)
        if basis not in ("lifecycle", "direct"):
            raise InvalidInputError(f"basis: Electricity Maps gives lifecycle or direct figures, not {basis!r}",
                                    field="basis")
        self.basis = basis
        self._token = token

    def secrets(self) -> tuple[str | None, ...]:
        return (self._token,)

    def _get(self, path: str, region: str, ttl_s: float, **extra: str) -> Any:
        if not self._token:
            raise ProviderError(f"{self.name}: no API key (set ELECTRICITYMAPS_API_KEY or "
                                "electricitymaps_token in the config file)", provider=self.name,
                                reason="no API key")
        params = {**zone_params(region), "emissionFactorType": self.basis,
                  "shouldUseFallbackCallerLookup": "false", **extra}
        body = self.fetch(path, params, ttl_s, headers={"auth-token": self._token})
        if not isinstance(body, dict):
            raise malformed(self.name, "not a JSON object")
        asked, answered = params.get("zone"), body.get("zone")
        if asked and answered and str(answered) != asked:
            raise ProviderError(f"{self.name}: answered for zone {answered!r}, not {asked!r}", provider=self.name,
                                reason=f"answered for zone {answered!r}, not {asked!r}")
        return body

    def _points(self, body: Any, key: str, endpoint: str, region: str, *, forecast: bool = False) -> list[GridIntensity]:
        items = body.get(key) if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise malformed(self.name, f"no {key!r} list")
        info = self.region_info(str(body.get("zone") or zone_params(region).get("zone") or region))
        out = []
        for item in items:
            if isinstance(item, dict) and "datetime" in item:
                p = self._point(item, info, endpoint, forecast=forecast)
                if p is not None:
                    out.append(p)
        return out

    def _point(self, item: dict[str, Any], info: Any, endpoint: str, *, forecast: bool = False) -> GridIntensity | None:
        extra = "estimated" if item.get("isEstimated") else ""
        if item.get("emissionFactorType") not in (None, self.basis):
            raise malformed(self.name, f"emissionFactorType {item.get('emissionFactorType')!r}, not {self.basis!r}")
        return point(self, info, item.get("carbonIntensity"), str(item.get("datetime")), HOUR_S, endpoint,
                     forecast=forecast, extra=extra)

    def _one(self, body: Any, endpoint: str, region: str) -> GridIntensity:
        if "carbonIntensity" not in body or "datetime" not in body:
            raise malformed(self.name, "no carbonIntensity or datetime")
        info = self.region_info(str(body.get("zone") or region))
        p = self._point(body, info, endpoint)
        if p is None:
            raise malformed(self.name, "carbonIntensity is not a number")
        return p

    def intensity(self, region: str, at: datetime | None = None) -> GridIntensity:
        """The current hour's figure, or the one in force at ``at`` (history if within 24 h, else past)."""
        if at is None:
            return self._one(self._get("/carbon-intensity/latest", region, 300.0), "carbon-intensity/latest", region)
        if now_utc() - at <= timedelta(hours=24):
            found = covering(self._history(region), at)
            if found is None:
                raise ProviderError(f"{self.name}: no figure for {iso_z(at)} in the last 24 hours",
                                    provider=self.name, reason=f"no figure for {iso_z(at)}")
            return found
        body = self._get("/carbon-intensity/past", region, 86400.0, datetime=iso_z(at))
        return self._one(body, "carbon-intensity/past", region)

    def _history(self, region: str) -> list[GridIntensity]:
        body = self._get("/carbon-intensity/history", region, 600.0)
        return self._points(body, "history", "carbon-intensity/history", region)

    def series(self, region: str, start: datetime, end: datetime) -> list[GridIntensity]:
        """Hourly figures over ``[start, end)``: history for the last 24 hours, past-range before."""
        if now_utc() - start <= timedelta(hours=24):
            return in_span(self._history(region), start, end)
        body = self._get("/carbon-intensity/past-range", region, ttl_for_range(end), start=iso_z(start), end=iso_z(end))
        return in_span(self._points(body, "data", "carbon-intensity/past-range", region), start, end)

    def forecast(self, region: str, hours: float) -> list[GridIntensity]:
        """The hourly forecast from now for ``hours`` (as far as the plan's forecast reaches)."""
        body = self._get("/carbon-intensity/forecast", region, 900.0)
        now = now_utc()
        return in_span(self._points(body, "forecast", "carbon-intensity/forecast", region, forecast=True),
                       now, now + timedelta(hours=hours))
