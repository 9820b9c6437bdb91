"""Loading and matching helpers shared by the catalog modules.

Tables are read from the package (``carbonest/data``, so a wheel or zip carries them)
with the stdlib :mod:`csv` module, on first use, and cached for the life of the process.
Nothing here runs at import time.

Why :func:`pkgutil.get_data` rather than ``importlib.resources.files``: both read a
package resource through the package's loader (plain directories, wheels and zip
imports alike), but importing :mod:`importlib.resources` pulls in ``tempfile``,
``inspect``, ``zipfile`` and friends, 20-40 ms of start-up measured with
``python -X importtime``, a large share of the 200 ms budget of a whole
``carbonest estimate --json`` process. ``pkgutil`` costs about 2 ms.
"""

from __future__ import annotations

from typing import Any

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping

_DATA_PACKAGE = "carbonest.data"


def read_text(name: str) -> str:
    """A shipped table's text (not cached: callers cache what they build from it).

    Args:
        name: File name inside ``carbonest/data``, e.g. ``"regions.csv"``.
    """
    import pkgutil  # the loader's get_data: see the module docstring

    data = pkgutil.get_data(_DATA_PACKAGE, name)
    if data is None:  # a loader without get_data: not one Python ships
        raise FileNotFoundError(f"cannot read {name} from package {_DATA_PACKAGE}")
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


def suggest(
    query: str, keys: Mapping[str, str], n: int = 5, cutoff: float = 0.6
) -> list[str]:
    """Closest display names for a normalised query.

    Args:
        query: The normalised query.
        keys: Normalised key -> display name.
        n: At most this many suggestions.
        cutoff: difflib similarity threshold (0..1).

    Returns:
        Display names, best first, without duplicates.
    """
    import difflib  # only on the error path

    matches = difflib.get_close_matches(query, list(keys), n=n * 4, cutoff=cutoff)
    if not matches and query:
        matches = [k for k in keys if query in k or (len(k) > 2 and k in query)]
    return unique(keys[m] for m in matches)[:n]


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
