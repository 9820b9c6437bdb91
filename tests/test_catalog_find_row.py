"""``_load.find_row``: one row of a shipped table by its first cell, parsed alone."""

from __future__ import annotations

import pytest

from carbonest.catalog import _load

TABLES = ["regions.csv", "datacenters.csv", "cpus.csv", "accelerators.csv"]


@pytest.mark.parametrize("table", TABLES)
def test_every_row_found_by_key_is_the_row_the_whole_parse_gives(table: str) -> None:
    rows = _load.read_table(table)
    assert _load._lines_by_key(table) is not None  # the shipped tables take the fast path
    for row in rows:
        key = next(iter(row.values()))
        assert _load.find_row(table, key) == row
        assert _load.find_row(table, key.upper()) == row
    assert _load.find_row(table, "no-such-key") is None


@pytest.mark.parametrize("text", [
    'id,name\nA,"one\nline break"\nB,two\n',  # a quoted line break
    'id,name\n"A,1",x\nB,two\n',  # a quoted first cell
    'id,name\nA,x\na,y\nB,two\n',  # two keys that differ only in case
])
def test_a_table_that_cannot_be_split_by_line_is_parsed_whole(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(_load, "read_text", lambda name: text)
    _load._lines_by_key.cache_clear()
    _load.read_table.cache_clear()
    try:
        assert _load._lines_by_key("t.csv") is None
        assert _load.find_row("t.csv", "B") == {"id": "B", "name": "two"}
    finally:
        _load._lines_by_key.cache_clear()
        _load.read_table.cache_clear()


def test_a_line_separator_inside_a_cell_does_not_split_the_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_load, "read_text", lambda name: "id,name\r\nA,x\u2028y\r\nB,two\r\n")
    _load._lines_by_key.cache_clear()
    try:
        assert _load.find_row("t.csv", "a") == {"id": "A", "name": "x\u2028y"}
        assert _load.find_row("t.csv", "B") == {"id": "B", "name": "two"}
    finally:
        _load._lines_by_key.cache_clear()
