"""The GB Carbon Intensity API (NESO): national and regional, half-hourly, no key (layer L5).

Requests (times are UTC, ``YYYY-MM-DDThh:mmZ`` in the path):

* national: ``/intensity`` (now), ``/intensity/{from}/{to}`` (a span, at most 14 days),
  ``/intensity/{from}/fw48h`` (the forecast, about two days);
* regional: ``/regional/regionid/{id}`` (now), ``/regional/intensity/{from}/{to}/regionid/{id}``
  and ``/regional/intensity/{from}/fw48h/regionid/{id}``.

Basis: **direct**, generation-related CO2 only (no upstream lifecycle emissions),
including imports and transmission losses; an average of the mix. National
figures are the ``actual`` (estimated outturn) where the API has one and the
``forecast`` otherwise (said per figure); regional figures exist only as the
regional forecast model's values (said in provenance).

Regions: ``GB`` (also ``UK``, ``GB-national``, or any carbonest name of the
United Kingdom) is national; ``GB-13`` or ``GB-London`` names a region by its
id (1-17) or short name.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from carbonest.errors import ProviderError
from carbonest.intensity.base import GridIntensity
from carbonest.intensity.http import malformed
from carbonest.intensity.live import LiveProvider, covering, in_span, point, ttl_for_range
from carbonest.intensity.timefmt import floor_to, iso_z, minute_z, now_utc, parse_utc

__all__ = ["REGIONS", "UKProvider", "uk_region"]

DEFAULT_URL = "https://api.carbonintensity.org.uk"
HALF_HOUR_S = 1800.0
MAX_SPAN = timedelta(days=14)
REGIONS = {
    1: "North Scotland", 2: "South Scotland", 3: "North West England", 4: "North East England", 5: "Yorkshire",
    6: "North Wales", 7: "South Wales", 8: "West Midlands", 9: "East Midlands", 10: "East England",
    11: "South West England", 12: "South England", 13: "London", 14: "South East England", 15: "England",
    16: "Scotland", 17: "Wales",
}
_NATIONAL = {"GB", "UK", "GB-NATIONAL", "UK-NATIONAL"}


def uk_region(region: str) -> int | None:
    """The API's region id of ``region``, or None for the national figure.

    Raises:
        ProviderError: ``region`` is not a GB region the API knows.
    """
    text = region.strip()
    if text.upper() in _NATIONAL:
        return None
    m = re.fullmatch(r"(?i)(?:gb|uk)[-:](.+)", text)
    if m:
        name = m.group(1).strip()
        if name.isdigit() and int(name) in REGIONS:
            return int(name)
        for rid, rname in REGIONS.items():
            if rname.lower().replace(" ", "") == name.lower().replace(" ", "").replace("-", ""):
                return rid
    else:
        from carbonest.catalog import find_region
        from carbonest.errors import UnknownRegionError

        try:
            if find_region(text).id == "GB":
                return None
        except UnknownRegionError:
            pass
    raise ProviderError(f"uk: {region!r} is not a GB region (GB, or GB-1 .. GB-17, e.g. GB-13 or GB-London)",
                        provider="uk", reason=f"{region!r} is not a GB region")


class UKProvider(LiveProvider):
    """The GB grid's carbon intensity (direct basis), nationally or for one of 17 regions.

    Args:
        base_url: Default ``https://api.carbonintensity.org.uk``.
        http, cache: See :class:`~carbonest.intensity.live.LiveProvider`.
    """

    name = "uk"
    default_url = DEFAULT_URL
    source = "NESO Carbon Intensity API (CC BY 4.0)"
    basis_note = "generation-related CO2 only, imports and losses included, average"

    def __init__(self, *, basis: str = "direct", **options: Any) -> None:
        super().__init__(**options)
        if basis != "direct":
            from carbonest.errors import InvalidInputError

            raise InvalidInputError("basis: the GB Carbon Intensity API gives direct (generation CO2) figures only, "
                                    f"not {basis!r}", field="basis")
        self.basis = "direct"

    def _info(self, rid: int | None) -> Any:
        return self.region_info("GB" if rid is None else f"GB-{rid}",
                                "Great Britain" if rid is None else f"{REGIONS[rid]} (GB)")

    def _periods(self, body: Any, rid: int | None, endpoint: str, *, prefer_actual: bool) -> list[GridIntensity]:
        if not isinstance(body, dict) or "data" not in body:
            raise malformed("uk", "no 'data'")
        data = body["data"]
        if rid is not None:  # regional: a list of regions (or one region object), each with its periods
            regions = data if isinstance(data, list) else [data]
            periods: list[Any] = []
            for reg in regions:
                if isinstance(reg, dict) and isinstance(reg.get("data"), list):
                    periods.extend(reg["data"])
        else:
            periods = data if isinstance(data, list) else []
        if not periods:
            raise malformed("uk", "no periods")
        info, out = self._info(rid), []
        for item in periods:
            if not isinstance(item, dict) or not isinstance(item.get("intensity"), dict):
                raise malformed("uk", "a period without 'intensity'")
            start, end = parse_utc(item.get("from", ""), "from"), parse_utc(item.get("to", ""), "to")
            values = item["intensity"]
            actual = values.get("actual") if prefer_actual else None
            is_forecast = actual is None
            value = values.get("forecast") if is_forecast else actual
            extra = "regional forecast model" if rid is not None else ("forecast" if is_forecast else "actual")
            p = point(self, info, value, iso_z(start), (end - start).total_seconds() or HALF_HOUR_S, endpoint,
                      forecast=is_forecast, extra=extra)
            if p is not None:
                out.append(p)
        return sorted(out, key=lambda p: p.timestamp or "")

    def _range(self, rid: int | None, start: datetime, end: datetime, ttl_s: float) -> list[GridIntensity]:
        if end - start > MAX_SPAN:
            raise ProviderError("uk: a span of at most 14 days can be asked at once", provider="uk",
                                reason="span over 14 days")
        a, b = minute_z(start), minute_z(end)
        if rid is None:
            body = self.fetch(f"/intensity/{a}/{b}", None, ttl_s)
            return self._periods(body, None, "intensity", prefer_actual=True)
        body = self.fetch(f"/regional/intensity/{a}/{b}/regionid/{rid}", None, ttl_s)
        return self._periods(body, rid, "regional/intensity", prefer_actual=True)

    def intensity(self, region: str, at: datetime | None = None) -> GridIntensity:
        """The current half hour's figure, or the one in force at ``at``."""
        rid = uk_region(region)
        if at is None:
            if rid is None:
                points = self._periods(self.fetch("/intensity", None, 300.0), None, "intensity", prefer_actual=True)
            else:
                body = self.fetch(f"/regional/regionid/{rid}", None, 300.0)
                points = self._periods(body, rid, "regional/regionid", prefer_actual=True)
            return points[-1]
        start = floor_to(at, HALF_HOUR_S)
        found = covering(self._range(rid, start, start + timedelta(seconds=HALF_HOUR_S), ttl_for_range(at)), at)
        if found is None:
            raise ProviderError(f"uk: no figure for {iso_z(at)}", provider="uk", reason=f"no figure for {iso_z(at)}")
        return found

    def series(self, region: str, start: datetime, end: datetime) -> list[GridIntensity]:
        """Half-hourly figures over ``[start, end)``."""
        rid = uk_region(region)
        return in_span(self._range(rid, floor_to(start, HALF_HOUR_S), end, ttl_for_range(end)), start, end)

    def forecast(self, region: str, hours: float) -> list[GridIntensity]:
        """The half-hourly forecast from now (about 48 hours at most), forecast values throughout."""
        rid = uk_region(region)
        now = now_utc()
        a = minute_z(floor_to(now, HALF_HOUR_S))
        if rid is None:
            points = self._periods(self.fetch(f"/intensity/{a}/fw48h", None, 900.0), None, "intensity/fw48h",
                                   prefer_actual=False)
        else:
            body = self.fetch(f"/regional/intensity/{a}/fw48h/regionid/{rid}", None, 900.0)
            points = self._periods(body, rid, "regional/intensity/fw48h", prefer_actual=False)
        return in_span(points, now, now + timedelta(hours=hours))
