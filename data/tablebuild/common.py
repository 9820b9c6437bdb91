"""Shared helpers for the table builders: reading, normalising, formatting, writing."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

Row = dict[str, str]

CURATED = Path(__file__).resolve().parent.parent / "curated"


class BuildError(RuntimeError):
    """An upstream file is missing or does not look as expected."""


def read_csv(path: Path, *, skip: int = 0) -> list[Row]:
    """Read a CSV file into dicts, skipping ``skip`` lines before the header."""
    if not path.is_file():
        raise BuildError(f"missing input file: {path}")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for _ in range(skip):
            fh.readline()
        return [dict(r) for r in csv.DictReader(fh)]


def curated(name: str) -> list[Row]:
    """Read a hand-curated CSV from ``data/curated`` (lines starting with ``#`` are comments)."""
    path = CURATED / name
    with path.open(newline="", encoding="utf-8") as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    return [
        {k: (v or "").strip() for k, v in r.items()}
        for r in csv.DictReader(io.StringIO("".join(lines)))
    ]


def norm(text: str) -> str:
    """Lower-case, strip accents, drop everything that is not a letter or digit."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", ascii_only.lower())


def slug(text: str) -> str:
    """A lower-case id with hyphens, e.g. ``Intel Xeon Gold 6248`` -> ``intel-xeon-gold-6248``."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    ascii_only = ascii_only.replace("+", "-plus")
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")


def fnum(value: float | None, digits: int = 10) -> str:
    """Format a number compactly and deterministically ('' for None)."""
    if value is None:
        return ""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}g}"


def to_float(text: str | None) -> float | None:
    """Parse a float, returning None for blanks and non-numbers."""
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def join_unique(items: Iterable[str], sep: str = "|") -> str:
    """Join non-empty items, dropping duplicates but keeping order."""
    seen: list[str] = []
    for item in items:
        item = item.strip()
        if item and item not in seen:
            seen.append(item)
    return sep.join(seen)


def write_table(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, str]],
    *,
    required: Sequence[Sequence[str]] = (("source",), ("year",)),
) -> int:
    """Write rows as CSV with a fixed column order and ``\\n`` line ends; return the count.

    ``required``: groups of columns; every row must fill at least one column of each group
    (e.g. ``(("year", "direct_year"),)`` for a row that may carry either figure).
    """
    rows = list(rows)
    for row in rows:
        extra = set(row) - set(columns)
        if extra:
            raise BuildError(f"{path.name}: unexpected columns {sorted(extra)}")
        for group in required:
            present = [c for c in group if c in columns]
            if present and not any(row.get(c) for c in present):
                raise BuildError(f"{path.name}: row without {'/'.join(group)}: {dict(row)}")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return len(rows)
