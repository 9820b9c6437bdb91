"""Times as the live APIs write them, read and written in one place (layer L5).

Every provider answers in UTC but spells it differently: ``2026-11-25T20:00:00.000Z``
(Electricity Maps), ``2026-11-25T21:40:00+00:00`` (WattTime), ``2026-11-25T21:30Z``
without seconds (the GB API). All of them are read by :func:`parse_utc`; a time
without an offset is taken as UTC, since every one of these APIs documents UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from carbonest.errors import InvalidInputError

__all__ = ["iso_z", "minute_z", "now_utc", "parse_duration_h", "parse_utc"]


def now_utc() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(timezone.utc)


def parse_utc(text: str, field: str = "time") -> datetime:
    """An aware UTC datetime from an ISO 8601 string (``Z``, ``+00:00``, no seconds, no offset).

    Raises:
        InvalidInputError: ``text`` is not such a time (naming ``field``).
    """
    raw = str(text).strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInputError(f"{field}: not an ISO 8601 time: {text!r} (e.g. 2026-11-25T14:00Z)",
                                field=field) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def iso_z(value: datetime) -> str:
    """``2026-11-25T20:00:00Z``: seconds, UTC, a ``Z``."""
    return value.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def minute_z(value: datetime) -> str:
    """``2026-11-25T20:00Z``: the GB API's path format (no seconds)."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def parse_duration_h(text: str | float, field: str) -> float:
    """Hours from ``"24h"``, ``"90m"``, ``"2d"``, ``"1.5"`` (hours) or a number.

    Raises:
        InvalidInputError: not a positive duration (naming ``field``).
    """
    raw = str(text).strip().lower()
    scale = {"h": 1.0, "m": 1 / 60, "d": 24.0}
    factor = 1.0
    if raw and raw[-1] in scale:
        factor, raw = scale[raw[-1]], raw[:-1]
    try:
        value = float(raw) * factor
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise InvalidInputError(f"{field}: must be a positive duration such as 24h, 90m or 2d, got {text!r}",
                                field=field)
    return value


def floor_to(value: datetime, period_s: float) -> datetime:
    """``value`` rounded down to a multiple of ``period_s`` since the epoch."""
    epoch = value.timestamp()
    return datetime.fromtimestamp(epoch - epoch % period_s, timezone.utc)


def add_s(value: datetime, seconds: float) -> datetime:
    """``value`` plus ``seconds``."""
    return value + timedelta(seconds=seconds)
