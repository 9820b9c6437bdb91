"""Loading and matching helpers shared by the catalog modules.

Tables are read from the package (``carbonest/data``, so a wheel or zip carries them)
with the stdlib :mod:`csv` module, on first use, and cached for the life of the process.
Nothing here runs at import time.

Why the package loader's ``get_data`` rather than ``importlib.resources.files``: both read a
package resource through the package's loader (plain directories, wheels and zip
imports alike), but importing :mod:`importlib.resources` pulls in ``tempfile``,
``inspect``, ``zipfile`` and friends, 20-40 ms of start-up measured with
``python -X importtime``, a large share of the 200 ms budget of a whole
``carbonest estimate --json`` process. :func:`pkgutil.get_data` does what :func:`read_text`
does (the loader of ``carbonest.data``, a path beside its ``__init__``) but importing
:mod:`pkgutil` costs 1.5-3 ms, paid by every command and the tracker's first start.
"""

from __future__ import annotations

from typing import Any

import csv
import functools
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping

_DATA_PACKAGE = "carbonest.data"


def read_text(name: str) -> str:
    """A shipped table's text (not cached: callers cache what they build from it).

    Args:
        name: File name inside ``carbonest/data``, e.g. ``"regions.csv"``.
    """
    import carbonest.data as package  # its loader's get_data: see the module docstring

    spec = package.__spec__
    loader = getattr(spec, "loader", None) if spec is not None else None
    if loader is None or not hasattr(loader, "get_data") or not package.__file__:
        raise FileNotFoundError(f"cannot read {name} from package {_DATA_PACKAGE}: its loader cannot read files")
    data: bytes = loader.get_data(os.path.join(os.path.dirname(package.__file__), name))
    return data.decode("utf-8")


@functools.cache
def read_table(name: str) -> tuple[dict[str, str], ...]:
    """All rows of a shipped table, as dicts of strings (cached).

    Args:
        name: File name inside ``carbonest/data``, e.g. ``"regions.csv"``.

    Returns:
        The rows, in file order. Treat them as read-only.
    """
    text = read_text(name)
    header, *rows = csv.reader(
        io.StringIO(text)
    )  # csv.reader + zip: about twice DictReader's speed
    return tuple(dict(zip(header, row)) for row in rows)


def read_rows(name: str) -> tuple[list[str], list[list[str]]]:
    """A shipped table's header and rows as lists of strings (not cached): for a one-off pass
    over every row, where :func:`read_table`'s dict per row would be most of the time."""
    header, *rows = csv.reader(io.StringIO(read_text(name)))
    return header, rows


@functools.cache
def _text(name: str) -> str:
    return read_text(name)


def _line_at(name: str, key: str) -> str | None:
    """The raw line whose first cell is ``key`` (case-insensitive): searched for as written, in
    upper and in lower case (how the tables write their ids), else line by line. No parse of
    the other rows."""
    if not key or any(c in key for c in ',"\r\n'):
        return None
    text = _text(name)
    for spelt in (key, key.upper(), key.lower()):
        at = text.find("\n" + spelt + ",") + 1  # never the header: it is the first line
        if at > 0:
            end = text.find("\n", at)
            line = text[at:] if end < 0 else text[at:end]
            return line[:-1] if line.endswith("\r") else line
    wanted = key.lower()  # mixed case ("Us-Ca"): compare each line's first cell
    for line in text.split("\n")[1:]:
        if line.partition(",")[0].lower() == wanted:
            return line[:-1] if line.endswith("\r") else line
    return None


def simple_lines(name: str) -> bool:
    """Whether every row of a table is one line, keyed by a unique unquoted first cell: what
    :func:`find_row`'s search takes for granted (held true of every shipped table by a test)."""
    lines = read_text(name).rstrip("\n").split("\n")  # not splitlines(): a name may hold U+2028
    keys = set()
    for line in lines[1:]:
        key, sep, _ = line.partition(",")
        if line.count('"') % 2 or not sep or '"' in key or key.lower() in keys:
            return False
        keys.add(key.lower())
    return True


def find_row(name: str, key: str) -> dict[str, str] | None:
    """The row whose first cell is ``key`` (case-insensitive), as :func:`read_table` gives it,
    or None. Only that row is parsed: the tracker's start path looks one region up by id, and
    parsing the whole table took 3-9 ms. The table must be :func:`simple_lines` (every shipped
    one is: tested). The header row is never a match."""
    line = _line_at(name, key)
    if line is None or line.count('"') % 2:
        return None if line is None else _parse_whole(name, key)
    text = _text(name)
    header = next(csv.reader([text[: text.find("\n")].rstrip("\r")]))
    return dict(zip(header, next(csv.reader([line]))))


def _parse_whole(name: str, key: str) -> dict[str, str] | None:
    return next((r for r in read_table(name) if next(iter(r.values()), "").lower() == key.lower()), None)


_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def norm(text: str) -> str:
    """Normalise a name for matching: strip accents, lower-case, keep letters and digits only.

    ``"Québec"``, ``"QUEBEC"`` and ``"que-bec"`` all become ``"quebec"``.
    """
    if text.isascii():
        return _NOT_ALNUM.sub("", text.lower())
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    return _NOT_ALNUM.sub("", ascii_only.lower())


def opt_float(text: str | None) -> float | None:
    """A float, or None for an empty cell."""
    return float(text) if text else None


def opt_int(text: str | None) -> int | None:
    """An int, or None for an empty cell (accepts ``"2024"`` and ``"2024.0"``)."""
    return int(float(text)) if text else None


def opt_str(text: str | None) -> str | None:
    """A string, or None for an empty cell."""
    return text if text else None


def split_aliases(text: str) -> tuple[str, ...]:
    """Split a ``|``-separated alias cell."""
    return tuple(a for a in text.split("|") if a) if text else ()


_LOOK_ALIKE = str.maketrans({"0": "o", "1": "l", "i": "l"})


def look_alike(key: str) -> str:
    """A normalised key with characters that look alike made equal (``0``/``o``, ``1``/``l``/``i``),
    so ``"h1OO"`` meets ``"h100"``. Used to rank suggestions, never to accept a name."""
    return key.translate(_LOOK_ALIKE)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance with adjacent transpositions (``"quebc"`` -> ``"quebec"`` is 1);
    any distance above ``limit`` is returned as ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] | None = None
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (ca != cb))
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]


def suggest(
    query: str, keys: Mapping[str, str], n: int = 5, rank: Mapping[str, int] | None = None,
) -> list[str]:
    """Closest display names for a normalised query, by edit distance over every key at once.

    Every name, id and alias of a row is a key, so ``"califrnia"`` meets ``"california"`` (the
    name of US-CA) before any id; look-alike characters count as equal (:func:`look_alike`). The
    distance allowed is a third of the query's length (at least 1); with nothing that close, keys
    that contain the query (or that it contains) are offered.

    Args:
        query: The normalised query.
        keys: Normalised key -> display name.
        n: At most this many suggestions.
        rank: Display name -> tie-break (lower first) among equally distant names.

    Returns:
        Display names, best first, without duplicates.
    """
    q = look_alike(query)
    limit = max(1, len(q) // 3)
    scored: list[tuple[int, int, int, str]] = []
    for order, (key, shown) in enumerate(keys.items()):
        distance = edit_distance(q, look_alike(key), limit)
        if distance <= limit:
            scored.append((distance, (rank or {}).get(shown, 0), order, shown))
    matches = [shown for *_, shown in sorted(scored)]
    if not matches and query:
        matches = [v for k, v in keys.items() if query in k or (len(k) > 2 and k in query)]
    return unique(matches)[:n]


def unique(items: Iterable[str]) -> list[str]:
    """Items without duplicates, in first-seen order."""
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def shallow_dict(obj: Any) -> dict[str, Any]:
    """A flat dataclass row as a JSON-ready dict: tuples become lists, nothing is deep-copied.

    ``dataclasses.asdict`` deep-copies every value, which made listing the 3,000 catalogued CPUs
    cost most of ``carbonest hardware``'s time; the rows hold only numbers, strings and tuples.
    """
    out = {name: getattr(obj, name) for name in _field_names(type(obj))}
    for name, value in out.items():
        if isinstance(value, tuple):
            out[name] = list(value)
    return out


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
"""Field names of each row class, worked out once (a cache of constants, not state)."""


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        import dataclasses

        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names
