"""Citations of the shipped tables (``sources.csv``); backs ``carbonest sources``.

CC BY 4.0 sources (Ember, Epoch AI, Green Algorithms, Our World in Data) require the
credit line in ``citation`` to be shown wherever their figures are redistributed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ._load import read_table


@dataclass(frozen=True, slots=True)
class TableSource:
    """One upstream source of one shipped table.

    Attributes:
        table: The shipped file, e.g. ``"regions.csv"``.
        title: Short title of the source.
        citation: The credit line to print.
        licence: E.g. ``"CC BY 4.0"``.
        url: Where the source lives.
        vintage: Years or release the table uses.
        source: Publisher, short.
        year: Year of the release used.
    """

    table: str
    title: str
    citation: str
    licence: str
    url: str
    vintage: str
    source: str
    year: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def list_sources(table: str | None = None) -> list[TableSource]:
    """Every (table, source) pair, in file order; only one table's when ``table`` is given."""
    rows = read_table("sources.csv")
    return [
        TableSource(
            r["table"],
            r["title"],
            r["citation"],
            r["licence"],
            r["url"],
            r["vintage"],
            r["source"],
            int(r["year"]),
        )
        for r in rows
        if table is None or r["table"] == table
    ]
