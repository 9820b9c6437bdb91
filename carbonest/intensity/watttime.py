"""WattTime (API v3): marginal (MOER) or average operating (AOER) emission rates of a region (layer L5).

Flow: ``GET {login_url}/login`` with HTTP Basic (username, password) answers
``{"token": JWT}``; the token (valid about 30 minutes) is kept in memory only,
never on disk, and sent as ``Authorization: Bearer`` to:

* ``GET {base}/v3/forecast?region=R&signal_type=S&horizon_hours=H`` (0 = nowcast, up to 72):
  the figure now and the forecast;
* ``GET {base}/v3/historical?region=R&signal_type=S&start=T0&end=T1``: past figures.

A 401 or 403 (even one with an HTML body) means a stale token: carbonest logs in
again once and retries. Regions are WattTime's own codes (``CAISO_NORTH``);
free accounts may read ``CAISO_NORTH`` only.

Units and basis: ``co2_moer`` (the default) is the **marginal** rate, its own
basis, never compared with average figures; ``co2_aoer`` is an average operating
(direct, combustion) rate. Both come in lbs CO2/MWh (``meta.units =
"lbs_co2_per_mwh"``) and are converted with
:func:`carbonest.formulas.emissions.lbs_per_mwh_to_g_per_kwh` (x 0.45359237); the
conversion is said in every figure's provenance. A ``percentile`` answer (the
signal index) is no intensity and is refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from carbonest.errors import InvalidInputError, ProviderError
from carbonest.formulas.emissions import lbs_per_mwh_to_g_per_kwh
from carbonest.intensity.base import GridIntensity
from carbonest.intensity.http import get_json, malformed
from carbonest.intensity.live import LiveProvider, covering, in_span, point, ttl_for_range
from carbonest.intensity.timefmt import iso_z, now_utc

__all__ = ["SIGNALS", "WattTimeProvider"]

DEFAULT_URL = "https://api.watttime.org"
SIGNALS = {"marginal": "co2_moer", "direct": "co2_aoer"}
"""carbonest basis -> WattTime signal_type."""
CONVERSION = "lbs_co2_per_mwh x 0.45359237 = g/kWh"


class WattTimeProvider(LiveProvider):
    """WattTime, on the marginal (default) or the average operating basis.

    Args:
        username, password: The account (``WATTTIME_USERNAME``/``WATTTIME_PASSWORD``).
        basis: ``"marginal"`` (MOER, default) or ``"direct"`` (AOER).
        base_url: Default ``https://api.watttime.org`` (data under ``/v3``).
        login_url: Base of ``/login`` (default: ``base_url``).
        http, cache: See :class:`~carbonest.intensity.live.LiveProvider`.
    """

    name = "watttime"
    default_url = DEFAULT_URL
    source = "WattTime"

    def __init__(self, username: str | None = None, password: str | None = None, *, basis: str = "marginal",
                 login_url: str | None = None, **options: Any) -> None:
        super().__init__(**options)
        if basis not in SIGNALS:
            raise InvalidInputError(f"basis: WattTime gives marginal (MOER) or direct (AOER) rates, not {basis!r}",
                                    field="basis")
        self.basis = basis
        self.signal = SIGNALS[basis]
        self.note = "marginal emission rate" if basis == "marginal" else "average operating emission rate"
        self.login_url = (login_url or self.base_url).rstrip("/")
        self._username, self._password = username, password
        self._token: str | None = None

    def secrets(self) -> tuple[str | None, ...]:
        return (self._password, self._token)

    def _login(self) -> str:
        if not (self._username and self._password):
            raise ProviderError("watttime: no account (set WATTTIME_USERNAME and WATTTIME_PASSWORD, or "
                                "watttime_username/watttime_password in the config file)", provider=self.name,
                                reason="no account")
        body = get_json(self.name, self.login_url + "/login", auth=(self._username, self._password),
                        settings=self.http, secrets=self.secrets())
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise malformed(self.name, "login gave no token")
        self._token = token
        return token

    def _get(self, path: str, params: dict[str, Any], ttl_s: float) -> Any:
        cached = self.cache.get(self.name, self.cache.key(self.base_url + path, params), ttl_s)
        if cached is not None:
            return cached
        token = self._token or self._login()
        try:
            return self.fetch(path, params, ttl_s, headers={"Authorization": f"Bearer {token}"})
        except ProviderError as exc:
            if exc.status not in (401, 403):
                raise
        token = self._login()  # a stale token: once more with a fresh one
        return self.fetch(path, params, ttl_s, headers={"Authorization": f"Bearer {token}"})

    def _points(self, body: Any, endpoint: str, region: str, *, forecast: bool) -> list[GridIntensity]:
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise malformed(self.name, "no 'data' list")
        raw_meta = body.get("meta")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        units = meta.get("units")
        if units != "lbs_co2_per_mwh":
            raise malformed(self.name, f"units {units!r}, not lbs_co2_per_mwh (a percentile is no intensity)")
        if meta.get("signal_type") not in (None, self.signal):
            raise malformed(self.name, f"signal_type {meta.get('signal_type')!r}, not {self.signal!r}")
        period = float(meta.get("data_point_period_seconds") or 300)
        info = self.region_info(str(meta.get("region") or region))
        out = []
        for item in body["data"]:
            if isinstance(item, dict) and "point_time" in item:
                raw = item.get("value")
                value = lbs_per_mwh_to_g_per_kwh(float(raw)) if isinstance(raw, (int, float)) else None
                p = point(self, info, value, str(item["point_time"]), period, endpoint, forecast=forecast,
                          extra=f"{self.signal}, {CONVERSION}")
                if p is not None:
                    out.append(p)
        return sorted(out, key=lambda p: p.timestamp or "")

    def _forecast(self, region: str, hours: float, ttl_s: float) -> list[GridIntensity]:
        params = {"region": region, "signal_type": self.signal, "horizon_hours": int(min(72, max(0, round(hours))))}
        return self._points(self._get("/v3/forecast", params, ttl_s), "v3/forecast", region, forecast=True)

    def intensity(self, region: str, at: datetime | None = None) -> GridIntensity:
        """The rate now (the nowcast), or in force at ``at`` (historical)."""
        if at is None:
            points = self._forecast(region, 0, 300.0)
            if not points:
                raise malformed(self.name, "an empty nowcast")
            return covering(points, now_utc()) or points[0]
        found = covering(self.series(region, at - timedelta(minutes=10), at + timedelta(minutes=5)), at)
        if found is None:
            raise ProviderError(f"watttime: no figure for {iso_z(at)}", provider=self.name,
                                reason=f"no figure for {iso_z(at)}")
        return found

    def series(self, region: str, start: datetime, end: datetime) -> list[GridIntensity]:
        """Five-minute rates over ``[start, end)`` (historical; subscribers, or CAISO_NORTH)."""
        params = {"region": region, "signal_type": self.signal, "start": iso_z(start), "end": iso_z(end)}
        body = self._get("/v3/historical", params, ttl_for_range(end))
        return in_span(self._points(body, "v3/historical", region, forecast=False), start, end)

    def forecast(self, region: str, hours: float) -> list[GridIntensity]:
        """Five-minute forecast rates from now for ``hours`` (at most 72)."""
        now = now_utc()
        return in_span(self._forecast(region, hours, 900.0), now, now + timedelta(hours=hours))
