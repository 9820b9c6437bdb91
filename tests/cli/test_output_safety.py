"""What reaches the terminal: run names capped and control characters escaped (issue items 12, 18)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

MAX_NAME_CHARS = 256  # carbonest.inputs.MAX_NAME_CHARS
from carbonest.store.memory import MemoryStore
from carbonest.store.sqlite import SQLiteStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))
from _storetest_helpers import make_record  # noqa: E402

EVIL = "evil\x1b[2J\x1b[31mred\nfake line\rback\x07"


def _store_with(tmp_path: Path, **overrides) -> Path:
    db = tmp_path / "runs.sqlite"
    with SQLiteStore(db) as store:
        store.save_run(make_record("a" * 32, **overrides))
    return db


@pytest.mark.parametrize("args", [["runs"], ["runs", "show", "aaaa"]])
def test_control_characters_in_a_name_are_escaped(cli, tmp_path: Path, args: list[str]) -> None:
    db = _store_with(tmp_path, name=EVIL, status_reason="exit\ncode 3\x1b[0m")
    r = cli("runs", "--store", str(db), *args[1:])
    assert r.code == 0, r.err
    assert "\x1b" not in r.out and "\r" not in r.out and "\x07" not in r.out
    assert "fake line" not in r.out.splitlines()[-1]  # the newline inside the name made no line
    assert r"\x1b" in r.out and "evil" in r.out
    json_out = cli("runs", "--store", str(db), "--json")
    assert json.loads(json_out.out)[0]["name"] == EVIL  # JSON keeps the exact text, escaped by JSON


@pytest.mark.parametrize("store_class", [SQLiteStore, MemoryStore])
def test_a_huge_name_is_cut_with_a_note(tmp_path: Path, store_class) -> None:
    store = store_class(tmp_path / "runs.sqlite") if store_class is SQLiteStore else store_class()
    with store:
        store.save_run(make_record("b" * 32, name="x" * 10_000_000, notes=["first"]))
        run = store.get_run("b" * 32)
    assert run["name"] == "x" * MAX_NAME_CHARS
    assert run["notes"][0] == "first" and "10,000,000 characters" in run["notes"][1]
    if store_class is SQLiteStore:
        assert (tmp_path / "runs.sqlite").stat().st_size < 1_000_000


def test_measure_caps_a_huge_name(proc, tmp_path: Path) -> None:
    r = proc("measure", "--region", "FR", "--interval", "0.05", "--name", "n" * 5000, "--json-file", "-", "--",
             sys.executable, "-c", "pass")
    assert r.code == 0, r.err
    record = json.loads(r.out)
    assert record["name"] == "n" * MAX_NAME_CHARS
    assert "5,000 characters" in r.err
