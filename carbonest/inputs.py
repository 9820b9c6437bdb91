"""Validation of user-given numbers at the edges (public API and CLI).

Each check raises :class:`~carbonest.errors.InvalidInputError` whose message
starts with the parameter name and whose ``field`` is that name, so the CLI
can show the flag the user typed (``gpu_power_w`` -> ``--gpu-power-w``).

This is plain code rather than pydantic on purpose: importing pydantic costs
about 100 ms, which would eat half of the 200 ms budget of a whole
``carbonest estimate`` process. pydantic is used where start-up time does not
matter (config files, the stored record schema).
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

from carbonest.errors import InvalidInputError, param


def _fail(field: str, reason: str, value: Any) -> InvalidInputError:
    return InvalidInputError(f"{field}: {reason}, got {value!r}", field=field)


def as_number(field: str, value: Any) -> float:
    """A finite real number (bools and NaN/inf rejected), as float."""
    if isinstance(value, bool):
        raise _fail(field, "must be a number", value)
    if isinstance(value, str):
        try:
            value = float(value.strip().replace("_", ""))
        except ValueError:
            raise _fail(field, "must be a number", value) from None
    if not isinstance(value, Real):
        raise _fail(field, "must be a number", value)
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise _fail(field, "must be a finite number", value)
    return number


def positive(field: str, value: Any) -> float:
    """A finite number > 0."""
    number = as_number(field, value)
    if number <= 0:
        raise _fail(field, "must be greater than 0", value)
    return number


def non_negative(field: str, value: Any) -> float:
    """A finite number >= 0."""
    number = as_number(field, value)
    if number < 0:
        raise _fail(field, "must not be negative", value)
    return number


MAX_PUE = 3.0
"""The highest PUE accepted. Surveyed fleet averages run from about 1.1 to 2.5 (Uptime Institute's
first survey, 2007: 2.5); above 3.0 is a typo (50 for 1.50), not a datacenter."""

MAX_INTENSITY_G_PER_KWH = 2000.0
"""The highest carbon intensity accepted. Units: g CO2e/kWh. The dirtiest grid in the shipped
tables is about 1,300 (Turkmenistan, lifecycle, Ember 2024); lignite plants run 1,000-1,300 over
their lifecycle (IPCC AR5 WGIII annex III). 2,000 leaves a margin of about 1.5 times the dirtiest
grid (a test checks the margin against the table)."""


def pue(field: str, value: Any) -> float:
    """A power usage effectiveness: finite, >= 1 (by definition facility >= IT energy) and at most
    :data:`MAX_PUE`."""
    number = as_number(field, value)
    if number < 1.0:
        raise _fail(field, "PUE must be at least 1.0 (facility energy / IT energy)", value)
    if number > MAX_PUE:
        raise _fail(field, f"PUE must be at most {MAX_PUE:g} (the worst surveyed fleets are about 2.5)", value)
    return number


def intensity(field: str, value: Any) -> float:
    """A carbon intensity: finite, >= 0 and at most :data:`MAX_INTENSITY_G_PER_KWH`. Units: g CO2e/kWh."""
    number = non_negative(field, value)
    if number > MAX_INTENSITY_G_PER_KWH:
        raise _fail(field, f"must be at most {MAX_INTENSITY_G_PER_KWH:,.0f} g CO2e/kWh (the dirtiest grid in "
                           "the tables is about 1,300)", value)
    return number


def fraction(field: str, value: Any, *, allow_zero: bool = False) -> float:
    """A number in (0, 1] (or [0, 1] with ``allow_zero``)."""
    number = as_number(field, value)
    low_ok = number >= 0 if allow_zero else number > 0
    if not low_ok or number > 1:
        interval = "[0, 1]" if allow_zero else "(0, 1]"
        raise _fail(field, f"must be in {interval}", value)
    return number


def count(field: str, value: Any) -> int:
    """A positive integer (1, 2, ...); floats with a fraction, bools and strings of them rejected."""
    if isinstance(value, bool):
        raise _fail(field, "must be a positive integer", value)
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit():
            raise _fail(field, "must be a positive integer", value)
        value = int(text)
    if isinstance(value, Integral):
        number = int(value)
    elif isinstance(value, Real) and math.isfinite(float(value)) and float(value).is_integer():
        number = int(float(value))
    else:
        raise _fail(field, "must be a positive integer", value)
    if number < 1:
        raise _fail(field, "must be a positive integer", value)
    return number


def name(field: str, value: Any) -> str:
    """A non-empty name string."""
    if not isinstance(value, str) or not value.strip():
        raise _fail(field, "must be a non-empty name", value)
    return value.strip()


MAX_NAME_CHARS = 256
"""The longest run name kept; the rest is cut, and a note in the record says so."""


def capped_name(value: str) -> tuple[str, str | None]:
    """A run name cut to :data:`MAX_NAME_CHARS` characters, and the note saying so (None if not cut)."""
    if len(value) <= MAX_NAME_CHARS:
        return value, None
    note = (f"The run name was {len(value):,} characters long; only its first {MAX_NAME_CHARS} "
            "are kept.")
    return value[:MAX_NAME_CHARS], note


def flag(field: str, value: Any) -> bool:
    """A yes/no switch: True or False (a string such as ``"no"`` would read as true)."""
    if not isinstance(value, bool):
        raise _fail(field, "must be True or False", value)
    return value


def choice(field: str, value: Any, options: tuple[str, ...]) -> str:
    """One of a fixed set of words (case-insensitive)."""
    if isinstance(value, str) and value.strip().lower() in options:
        return value.strip().lower()
    raise _fail(field, f"must be one of {', '.join(options)}", value)


def exclusive(first: str, first_value: Any, second: str, second_value: Any, *, why: str = "") -> None:
    """Raise unless at most one of two mutually exclusive parameters is given (names the second)."""
    if first_value is not None and second_value is not None:
        extra = f" ({why})" if why else ""
        raise InvalidInputError(f"{second}: give either {param(first)}{extra} or {param(second)}, not both",
                                field=second)
