"""Text layout shared by the commands: the output width, wrapping, aligned tables, citations.

The width is the terminal's (``shutil.get_terminal_size``, which honours ``COLUMNS``); output
that does not go to a terminal (a pipe, a file, a test) is never wider than
:data:`MAX_PIPE_WIDTH` columns, so logs and diffs stay readable.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence

MAX_PIPE_WIDTH = 100
"""The widest line written when stdout is not a terminal, whatever ``COLUMNS`` says."""

MIN_WIDTH = 40
"""Narrower terminals still get lines of this width (wrapping below it helps nobody)."""

_URL = re.compile(r"\s*\(?https?://[^\s)]+\)?")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def width() -> int:
    """Columns available for one line of output."""
    import shutil

    columns = shutil.get_terminal_size((MAX_PIPE_WIDTH, 24)).columns
    try:
        tty = sys.stdout.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty:
        columns = min(columns, MAX_PIPE_WIDTH)
    return max(columns, MIN_WIDTH)


def wrap(text: str, columns: int, indent: str = "", first: str = "") -> list[str]:
    """``text`` wrapped to ``columns``: the first line starts with ``first``, the others with ``indent``."""
    import textwrap

    lines = textwrap.wrap(text, width=columns, initial_indent=first, subsequent_indent=indent,
                          break_long_words=True, break_on_hyphens=False)
    return lines or [first.rstrip()]


def cite(source: str | None, year: int | str | None) -> str:
    """``source`` and its ``year``, the year left out when the source already names it."""
    from carbonest.records.common import cite as _cite

    return _cite(source, year)


def compact_origin(label: str) -> str:
    """A provenance label for reading: URLs dropped (``--json`` keeps them), a repeated year once.

    ``"table:accelerators TDP Epoch AI (2025), Machine Learning Hardware (V100) 2025"`` becomes
    ``"table:accelerators TDP Epoch AI (2025), Machine Learning Hardware (V100)"``.
    """
    text = _URL.sub("", label).strip()
    text = re.sub(r"\b((?:19|20)\d\d)\)? \1\b", r"\1", text)  # "Survey 2024 2024"
    last = re.search(r"\s((?:19|20)\d\d)$", text)
    if last and last.group(1) in _YEAR.findall(text[:last.start()]):
        text = text[:last.start()].rstrip()
    return text


def plural(count: int, word: str, many: str | None = None) -> str:
    """``"1 region"``, ``"2 regions"`` (``many`` for an irregular plural)."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], columns: int,
          right: Sequence[bool] | None = None, indent: str = "") -> list[str]:
    """An aligned table whose last column wraps to fit ``columns`` (the others keep their width)."""
    right = list(right) if right is not None else [False] * len(headers)
    cells = [list(headers)] + [list(r) for r in rows]
    widths = [max(len(r[j]) for r in cells) for j in range(len(headers) - 1)]
    lead = len(indent) + sum(w + 2 for w in widths)
    room = max(columns - lead, 16)
    out: list[str] = []
    for row in cells:
        left = indent + "".join((c.rjust(w) if r else c.ljust(w)) + "  "
                                for c, w, r in zip(row, widths, right))
        last = wrap(row[-1], room) if row[-1] else [""]
        out.append((left + last[0]).rstrip())
        out.extend((" " * lead + more).rstrip() for more in last[1:])
    return out


def energy_text(joules: float | None) -> str:
    """An energy with the unit its size needs: J below 1 Wh, Wh below 1 kWh, then kWh (MWh past 10^4)."""
    from carbonest.cli.common import fmt

    if joules is None:
        return "n/a"
    j = float(joules)
    size = abs(j)
    if size < 3600.0:
        return f"{fmt(j)} J" if size >= 0.01 or size == 0 else f"{j:.3g} J"
    if size < 3.6e6:
        return f"{fmt(j / 3600.0)} Wh"
    if size < 3.6e10:
        return f"{fmt(j / 3.6e6)} kWh"
    return f"{fmt(j / 3.6e9)} MWh"


def mass_text(kg: float | None) -> str:
    """A mass of CO2e with the unit its size needs: g below 1 kg, kg, then t past 10^4 kg."""
    from carbonest.cli.common import fmt

    if kg is None:
        return "n/a"
    size = abs(float(kg))
    if size < 1.0:
        return f"{fmt(kg * 1000.0)} g" if size >= 1e-5 or size == 0 else f"{kg * 1000.0:.3g} g"
    if size < 1e4:
        return f"{fmt(kg)} kg"
    return f"{fmt(kg / 1000.0)} t"
