"""Answer bodies in each API's documented shape (values invented), relative to the current hour."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any


def hour(offset: int = 0) -> datetime:
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    return now + timedelta(hours=offset)


def em_z(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def em_point(zone: str, value: Any, t: datetime, factor: str = "lifecycle") -> dict[str, Any]:
    return {"zone": zone, "carbonIntensity": value, "datetime": em_z(t), "updatedAt": em_z(t),
            "createdAt": em_z(t - timedelta(days=3)), "emissionFactorType": factor, "isEstimated": False,
            "estimationMethod": None}


def em_history(zone: str, values: list[Any]) -> dict[str, Any]:
    n = len(values)
    return {"zone": zone, "history": [em_point(zone, v, hour(i - n + 1)) for i, v in enumerate(values)]}


def em_forecast(zone: str, values: list[float], start: int = 0) -> dict[str, Any]:
    return {"zone": zone, "updatedAt": em_z(hour()),
            "forecast": [{"datetime": em_z(hour(start + i)), "carbonIntensity": v} for i, v in enumerate(values)]}


def uk_z(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%MZ")


def uk_periods(values: list[float], start: datetime, actual: bool = True) -> list[dict[str, Any]]:
    out = []
    for i, v in enumerate(values):
        a = start + timedelta(minutes=30 * i)
        out.append({"from": uk_z(a), "to": uk_z(a + timedelta(minutes=30)),
                    "intensity": {"forecast": v, "actual": v - 1 if actual else None, "index": "moderate"}})
    return out


def uk_regional(rid: int, values: list[float], start: datetime, as_object: bool = False) -> dict[str, Any]:
    periods = [{"from": p["from"], "to": p["to"], "intensity": {"forecast": p["intensity"]["forecast"],
                                                                  "index": "low"},
                "generationmix": [{"fuel": "wind", "perc": 40.5}]} for p in uk_periods(values, start)]
    region = {"regionid": rid, "dnoregion": "UKPN London", "shortname": "London", "data": periods}
    return {"data": region if as_object else [region]}


def wt_body(values: list[float], start: datetime, units: str = "lbs_co2_per_mwh",
            signal: str = "co2_moer") -> dict[str, Any]:
    data = [{"point_time": (start + timedelta(minutes=5 * i)).isoformat(), "value": v} for i, v in enumerate(values)]
    return {"data": data, "meta": {"data_point_period_seconds": 300, "region": "CAISO_NORTH", "signal_type": signal,
                                   "units": units, "warnings": [], "model": {"date": "2023-03-01"},
                                   "generated_at": start.isoformat()}}
