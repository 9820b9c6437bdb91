"""Short text and notebook (HTML) forms of the records: the answer line and a small table.

Plain functions over numbers and strings (layer L1: no tables, no clock). ``str(estimate)`` is
the answer line; ``estimate._repr_html_()`` is what Jupyter shows; ``repr()`` stays the
dataclass's, with every field.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from carbonest.textnum import fixed


def sig(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant figures (``"n/a"`` for None): ``0.0131``, ``1,230``, ``4.88e-07``."""
    if value is None:
        return "n/a"
    if value == 0:
        return "0"
    if abs(value) < 1e-3:
        return f"{value:.{digits}g}"
    return fixed(value, digits)


def html_table(caption: str, rows: Sequence[tuple[str, str]]) -> str:
    """A two-column HTML table, every cell escaped (a run name may hold ``<script>``)."""
    body = "".join(f"<tr><th style='text-align:left'>{escape(k)}</th><td style='text-align:left'>{escape(v)}</td></tr>"
                   for k, v in rows)
    return f"<table><caption style='text-align:left'>{escape(caption)}</caption>{body}</table>"
