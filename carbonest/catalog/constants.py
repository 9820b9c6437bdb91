"""Named constants with their sources (``constants.csv``): embodied carbon, method
constants of published papers, memory power and everyday equivalents."""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from typing import Any

from carbonest._values import FrozenValue
from carbonest.errors import InvalidInputError

from ._load import norm, read_table, suggest


class UnknownConstantError(InvalidInputError, LookupError):
    """A constant name that is not in ``constants.csv`` (a ValueError and a LookupError)."""


@dataclass(init=False, repr=False, eq=False, slots=True)
class Constant(FrozenValue):
    """One constant.

    Attributes:
        name: E.g. ``"embodied_gpu_kg"``.
        value: The number, in ``unit``.
        unit: E.g. ``"kg CO2e per GPU card"``.
        source: Citation.
        year: Vintage.
        note: Scope and caveats.
    """

    name: str
    value: float
    unit: str
    source: str
    year: int
    note: str

    def __init__(
        self, name: str, value: float, unit: str, source: str, year: int, note: str,
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "unit", unit)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "year", year)
        object.__setattr__(self, "note", note)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@functools.cache
def _by_name() -> dict[str, Constant]:
    return {
        r["name"]: Constant(
            r["name"],
            float(r["value"]),
            r["unit"],
            r["source"],
            int(r["year"]),
            r["note"],
        )
        for r in read_table("constants.csv")
    }


def constant(name: str) -> Constant:
    """Look up a constant by name (case-, space- and hyphen-insensitive).

    Raises:
        UnknownConstantError: Unknown name; the message suggests the closest names.
    """
    table = _by_name()
    if name in table:
        return table[name]
    keys = {norm(k): k for k in table}
    key = norm(name)
    if key in keys:
        return table[keys[key]]
    close = suggest(key, keys) if key else []
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownConstantError(f"unknown constant {name!r}{hint}", field="constant")


def list_constants() -> list[Constant]:
    """Every constant, in table order."""
    return list(_by_name().values())
