"""How numbers are written in text: one place, below everything (no carbonest import), so the
CLI's tables can use it without loading the records package."""

from __future__ import annotations

__all__ = ["fixed"]


def fixed(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant figures and thousands separators, always in fixed
    notation (``"n/a"`` for None): ``0.0131``, ``1,230``. The text tables' form."""
    if value is None:
        return "n/a"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    decimals = digits - 1 - int(f"{magnitude:e}".split("e")[1])
    return f"{value:,.{max(decimals, 0)}f}"
