"""Text tables of ``carbonest regions`` and ``carbonest hardware``: headed, aligned, fitted to the width.

Citations that do not fit are shortened with "..." (``--json`` and ``carbonest sources`` give them
in full).
"""

from __future__ import annotations

import functools
from typing import Any

from carbonest.cli.common import fmt
from carbonest.cli.layout import compact_origin, plural

DEFAULT_DTYPES = ("bf16", "fp16", "fp32")
"""The order in which a chip's peak FLOP/s is picked when no dtype is given (as ``estimate`` does)."""


def fit(text: str, room: int) -> str:
    """``text`` cut to ``room`` characters, "..." marking a cut."""
    if len(text) <= room:
        return text
    return text[:max(room - 3, 0)].rstrip() + "..."


@functools.lru_cache(maxsize=256)
def short_source(source: str) -> str:
    """The first part of a citation (up to its first comma): who published it, and when."""
    return compact_origin(source).split(", ")[0].split("; ")[0]


def _aligned(headers: list[str], rows: list[list[str]], right: set[int], columns: int) -> list[str]:
    """Rows aligned under ``headers``; the last column is cut to what is left of ``columns``."""
    cells = [headers] + rows
    columns_of = list(zip(*cells))  # thousands of rows: per column, not per cell, in Python
    widths = [max(map(len, col)) for col in columns_of[:-1]]
    lead = sum(w + 2 for w in widths)
    room = max(columns - lead, 12)
    left = "".join(("{:>%d}  " if j in right else "{:<%d}  ") % w for j, w in enumerate(widths))
    last = len(headers) - 1
    return [(left.format(*row[:last]) + fit(row[last], room)).rstrip() for row in cells]


def _figure(r: dict[str, Any], basis: str) -> list[str] | None:
    """One basis's cells of a region row (g/kWh, basis, year, source), None without a figure."""
    prefix = "" if basis == "lifecycle" else "direct_"
    value = r.get(f"{prefix}intensity_g_per_kwh")
    if value is None:
        return None
    return [fmt(value), basis, str(r.get(f"{prefix}year") or ""), short_source(str(r.get(f"{prefix}source") or ""))]


def render_regions(rows: list[dict[str, Any]], basis: str | None, columns: int) -> str:
    """The regions table: one line per basis figure, the chosen (or lifecycle) basis first."""
    first = basis or "lifecycle"
    order = (first, "direct" if first == "lifecycle" else "lifecycle")
    table: list[list[str]] = []
    for r in rows:
        figures = [f for f in (_figure(r, b) for b in order) if f is not None]
        if not figures:
            figures = [["-", first, "", f"no {first} figure"]]
        table.append([r["id"], fit(r["name"], 26), r["kind"], *figures[0]])
        table.extend(["", "", "", *more] for more in figures[1:])
    lines = _aligned(["id", "name", "kind", "g CO2e/kWh", "basis", "year", "source"], table, {3}, columns)
    lines.append(f"{plural(len(rows), 'region')} (g CO2e/kWh; compare figures on one basis only; "
                 "full sources: --json)")
    return "\n".join(lines) + "\n"


def peak(row: dict[str, Any], dtype: str | None) -> tuple[float | None, str]:
    """A hardware row's dense peak FLOP/s in ``dtype``, else in the first of :data:`DEFAULT_DTYPES` it has."""
    if dtype is not None:
        return row.get(f"flops_{dtype}_per_s"), dtype
    for d in DEFAULT_DTYPES:
        value = row.get(f"flops_{d}_per_s")
        if value is not None:
            return value, d
    return None, ""


def render_hardware(rows: list[dict[str, Any]], dtype: str | None, columns: int) -> str:
    """The hardware table: TDP, memory, dense peak TFLOP/s and its dtype, source."""
    table: list[list[str]] = []
    for r in rows:  # 3,000 rows: kept to a few lookups each
        value, used = peak(r, dtype) if r["kind"] != "cpu" else (None, "")  # the CPU table has no FLOP/s
        name, tdp, mem = r["name"], r.get("tdp_w"), r.get("memory_gb")
        table.append([
            r["id"], name if len(name) <= 30 else fit(name, 30), r["kind"], fmt(tdp) if tdp else "-",
            fmt(mem) if mem else "-", fmt(value / 1e12) if value else "-", used if value else "-",
            short_source(str(r.get("source") or "")),
        ])
    headers = ["id", "name", "kind", "TDP W", "mem GB", "peak TFLOP/s", "dtype", "source"]
    lines = _aligned(headers, table, {3, 4, 5}, columns)
    which = f"dense {dtype}" if dtype else "dense, in " + ", else ".join(DEFAULT_DTYPES) + " (--dtype to choose)"
    lines.append(f"{plural(len(rows), 'entry', 'entries')} (peak: {which}; full sources: --json)")
    return "\n".join(lines) + "\n"
