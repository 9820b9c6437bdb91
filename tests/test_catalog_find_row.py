"""``_load.find_row``: one row of a shipped table by its first cell, parsed alone."""

from __future__ import annotations

import pytest

from carbonest.catalog import _load

TABLES = ["regions.csv", "datacenters.csv", "cpus.csv", "accelerators.csv"]


@pytest.mark.parametrize("table", TABLES)
def test_every_row_found_by_key_is_the_row_the_whole_parse_gives(table: str) -> None:
    assert _load.simple_lines(table)  # what find_row's search takes for granted
    rows = _load.read_table(table)
    for row in rows:
        key = next(iter(row.values()))
        assert _load.find_row(table, key) == row
        assert _load.find_row(table, key.upper()) == row
    assert _load.find_row(table, "no-such-key") is None
    assert _load.find_row(table, "") is None


def _fake_table(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(_load, "read_text", lambda name: text)
    _load._text.cache_clear()
    _load.read_table.cache_clear()


@pytest.fixture(autouse=True)
def _clear_caches():
    yield
    _load._text.cache_clear()
    _load.read_table.cache_clear()


@pytest.mark.parametrize("text", [
    'id,name\nA,"one\nline break"\nB,two\n',  # a quoted line break
    'id,name\n"A,1",x\nB,two\n',  # a quoted first cell
    'id,name\nA,x\na,y\nB,two\n',  # two keys that differ only in case
])
def test_a_table_not_one_row_a_line_is_said_to_be_so(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    _fake_table(monkeypatch, text)
    assert not _load.simple_lines("t.csv")


def test_a_line_cut_by_a_quoted_line_break_is_parsed_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_table(monkeypatch, 'id,name\nA,"one\nline break"\nB,two\n')
    assert _load.find_row("t.csv", "a") == {"id": "A", "name": "one\nline break"}
    assert _load.find_row("t.csv", "B") == {"id": "B", "name": "two"}


def test_crlf_and_a_line_separator_inside_a_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_table(monkeypatch, "id,name\r\nA,x\u2028y\r\nB,two\r\n")
    assert _load.simple_lines("t.csv")
    assert _load.find_row("t.csv", "a") == {"id": "A", "name": "x\u2028y"}
    assert _load.find_row("t.csv", "B") == {"id": "B", "name": "two"}
    assert _load.find_row("t.csv", "b,two") is None  # a key never holds a comma


def test_a_key_that_is_a_prefix_of_another_finds_only_its_own_row(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_table(monkeypatch, "id,name\nUS-CA,California\nUS,United States\nID,Indonesia\n")
    assert _load.find_row("t.csv", "id")["name"] == "Indonesia"  # a row whose key is the header's
    assert _load.find_row("t.csv", "us")["name"] == "United States"
    assert _load.find_row("t.csv", "us-ca")["name"] == "California"
    assert _load.find_row("t.csv", "Us-Ca")["name"] == "California"  # neither as written, upper nor lower


def test_a_mixed_case_key_after_letters_that_lower_to_two(monkeypatch: pytest.MonkeyPatch) -> None:
    # "İ".lower() is two characters: positions in a lower-cased copy would not be the table's
    _fake_table(monkeypatch, "id,name\nTR,\u0130stanbul \u0130zmir\nAa-Bb,Second\n")
    assert _load.find_row("t.csv", "aA-bB") == {"id": "Aa-Bb", "name": "Second"}
