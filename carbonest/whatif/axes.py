"""Validation of swept inputs: a scalar, a list or a numpy array becomes one checked axis.

Numbers are checked with numpy over the whole array at once; the first bad
value is then handed to the scalar validator of :mod:`carbonest.inputs`, so the
message (and ``InvalidInputError.field``) is exactly the one ``estimate``
gives for the same mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from carbonest.whatif.backend import xp
from carbonest import inputs
from carbonest.errors import InvalidInputError

RULES: dict[str, Callable[[str, Any], Any]] = {
    "positive": inputs.positive,
    "non_negative": inputs.non_negative,
    "pue": inputs.pue,
    "intensity": inputs.intensity,
    "fraction": inputs.fraction,
    "count": inputs.count,
}


def items(field: str, value: Any) -> Any:
    """The values of one input as a flat list or 1-D array (a scalar is a one-item list)."""
    if getattr(value, "ndim", None) == 0:
        return [value.item()]
    if isinstance(value, (str, bytes, int, float)) or not hasattr(value, "__len__"):
        return [value]
    arr: Any
    if hasattr(value, "dtype") and hasattr(value, "__array__"):
        np = xp()

        arr = np.asarray(value).reshape(-1)
    else:
        arr = list(value)
    if len(arr) == 0:
        raise InvalidInputError(f"{field}: must not be an empty list", field=field)
    return arr


def _bad_mask(arr: Any, rule: str) -> Any:
    np = xp()

    bad = ~np.isfinite(arr)
    with np.errstate(invalid="ignore"):
        if rule == "positive":
            bad |= arr <= 0
        elif rule == "non_negative":
            bad |= arr < 0
        elif rule == "pue":
            bad |= (arr < 1.0) | (arr > inputs.MAX_PUE)
        elif rule == "intensity":
            bad |= (arr < 0) | (arr > inputs.MAX_INTENSITY_G_PER_KWH)
        elif rule == "fraction":
            bad |= (arr <= 0) | (arr > 1)
        elif rule == "count":
            bad |= (arr < 1) | (arr != np.floor(arr))
    return bad


def numbers(field: str, value: Any, rule: str) -> Any:
    """A checked float64 array of the values of a numeric input.

    Args:
        field: The parameter name (used in the error).
        value: A number, a numeric string (``"7e9"``), a list of them or a numpy array.
        rule: ``positive``, ``non_negative``, ``pue``, ``fraction`` or ``count``.

    Raises:
        InvalidInputError: the first value that breaks the rule, with ``field`` set.
    """
    np = xp()

    values = items(field, value)
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        arr = values.astype(np.float64)
        originals: Any = values
    else:
        originals = list(values)
        arr = np.array([_scalar(field, v, rule) for v in originals], dtype=np.float64)
    bad = np.flatnonzero(_bad_mask(arr, rule))
    if bad.size:
        RULES[rule](field, originals[int(bad[0])])
        raise InvalidInputError(f"{field}: invalid value {originals[int(bad[0])]!r}", field=field)
    return arr


def _scalar(field: str, value: Any, rule: str) -> float:
    """One non-array value (possibly a string from the CLI) checked with the scalar rule."""
    return float(RULES[rule](field, value))


def names(field: str, value: Any) -> tuple[str, ...]:
    """A checked tuple of non-empty names."""
    return tuple(inputs.name(field, v) for v in items(field, value))


def choices(field: str, value: Any, options: tuple[str, ...]) -> tuple[str, ...]:
    """A checked tuple of words from a fixed set (lower-cased)."""
    return tuple(inputs.choice(field, v, options) for v in items(field, value))


def forbid(field: str, value: Any, reason: str) -> None:
    """Reject an input that makes no sense in this combination."""
    if value is not None:
        raise InvalidInputError(f"{field}: {reason}", field=field)


def require(field: str, value: Any, reason: str) -> None:
    """Demand an input that this combination needs."""
    if value is None:
        raise InvalidInputError(f"{field}: {reason}", field=field)
