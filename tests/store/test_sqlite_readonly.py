"""Reading a store that may not be written: a read-only folder or mount, a missing file (issue item 11)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _storetest_helpers import make_record, own_running_record

import carbonest
from carbonest.errors import InvalidInputError, StorageError
from carbonest.store.sqlite import SQLiteStore

REPO = Path(__file__).resolve().parents[2]


def _filled(folder: Path) -> Path:
    folder.mkdir()
    db = folder / "runs.sqlite"
    with SQLiteStore(db) as store:
        store.save_run(make_record("c" * 32, name="kept"))
        store.save_run(own_running_record("d" * 32, pid=2**22 + 12345, pid_create_time=1.0))  # dead writer
    assert sorted(p.name for p in folder.iterdir()) == ["runs.sqlite"]  # no -wal/-shm after a clean close
    return db


def _read_only_run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m carbonest ARGS`` with ``folder`` read-only: a read-only bind mount as root, chmod otherwise."""
    env = {**os.environ, "CARBONEST_HOME": str(folder.parent / "home")}
    command = [sys.executable, "-m", "carbonest", *args]
    if os.geteuid() != 0:
        folder.chmod(0o555)
        for f in folder.iterdir():
            f.chmod(0o444)
        try:
            return subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
        finally:
            folder.chmod(0o755)
    if shutil.which("unshare") is None:
        pytest.skip("root without unshare(1): cannot make a read-only folder here")
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind -o ro '{folder}' '{folder}'"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.strip()}")
    script = f"mount --bind -o ro '{folder}' '{folder}' && exec \"$@\""
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *command],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120)


@pytest.mark.parametrize("args", [["runs", "--json"], ["runs"], ["runs", "show", "cccc"],
                                  ["runs", "export", "--format", "csv"]])
def test_a_store_in_a_read_only_folder_reads_fine(tmp_path: Path, args: list[str]) -> None:
    folder = tmp_path / "ro"
    db = _filled(folder)
    store_args = [args[0], "--store", str(db), *args[1:]]
    done = _read_only_run(folder, *store_args)
    assert done.returncode == 0, done.stderr
    assert "kept" in done.stdout and "Traceback" not in done.stderr
    if args == ["runs", "--json"]:
        import json

        runs = {r["run_id"]: r for r in json.loads(done.stdout)}
        assert runs["d" * 32]["status"] == "interrupted"  # worked out, though it cannot be written back
    assert sorted(p.name for p in folder.iterdir()) == ["runs.sqlite"]


def test_read_only_open_uses_mode_ro_and_writes_nothing(tmp_path: Path) -> None:
    db = _filled(tmp_path / "s")
    before = db.read_bytes()
    with SQLiteStore(db, read_only=True) as store:
        assert store.get_run("d" * 32)["status"] == "interrupted"
        with pytest.raises(StorageError, match="readonly|read-only"):
            store.save_run(make_record("e" * 32))
    assert db.read_bytes() == before
    with SQLiteStore(db) as store:  # the interrupted status was not written back by the reader
        assert store._call(lambda c: c.execute("SELECT status FROM runs WHERE run_id = ?", ("d" * 32,))
                           .fetchone()[0], write=False) == "running"


def test_runs_with_a_store_that_does_not_exist_says_so_and_creates_nothing(capsys, tmp_path: Path) -> None:
    from carbonest.cli.main import main

    typo = tmp_path / "typo.sqlite"
    for args in (["runs", "--store", str(typo)], ["runs", "--store", str(typo), "show", "abc"],
                 ["runs", "--store", str(typo), "export"]):
        code = main(args)
        err = capsys.readouterr().err
        assert code == 2, err
        assert "--store" in err and "does not exist" in err and len(err.strip().splitlines()) == 1
    assert not typo.exists() and list(tmp_path.iterdir()) == []


def test_runs_api_never_creates_a_database(tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(InvalidInputError, match="does not exist"):
        carbonest.runs(path=tmp_path / "nope.sqlite")
    monkeypatch.setenv("CARBONEST_HOME", str(tmp_path / "home"))
    assert len(carbonest.runs()) == 0  # the default store not made yet: no runs, and still no file
    assert not (tmp_path / "home").exists() and not (tmp_path / "nope.sqlite").exists()
    db = _filled(tmp_path / "s")
    assert list(carbonest.runs(path=db)["name"]).count("kept") == 1


def test_a_home_carbonest_creates_is_private_and_an_existing_one_keeps_its_mode(tmp_path: Path) -> None:
    import stat

    home = tmp_path / "new" / "home"
    with SQLiteStore(home / "runs.sqlite") as store:
        store.save_run(make_record("f" * 32))
        assert stat.S_IMODE(home.stat().st_mode) == 0o700
        assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
        for f in home.iterdir():  # the store, and its -wal/-shm while open
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f.name
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    with SQLiteStore(shared / "runs.sqlite") as store:
        store.save_run(make_record("f" * 32))
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE((shared / "runs.sqlite").stat().st_mode) == 0o600


def test_a_version_1_store_reads_read_only_with_its_samples(tmp_path) -> None:
    """A store written by the carbonest before the phases table (schema version 1) lists its runs
    and samples read-only, with no phases, and is migrated only by the next writer."""
    import sqlite3

    from carbonest.records import Sample
    from carbonest.store import sqlite as sq

    path = tmp_path / "v1.sqlite"
    with SQLiteStore(path) as writer:  # today's schema, then taken back to version 1's tables
        writer.save_run({"run_id": "r1", "status": "completed", "name": "old", "started_at": "2026-01-01T00:00:00Z"})
        writer.add_samples("r1", [Sample(0.5, "gpu", "gpu:0", 100.0, 50.0), Sample(1.0, "gpu", "gpu:0", 110.0, 55.0)])
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE phases")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    assert len(sq.MIGRATIONS) >= 2
    with SQLiteStore(path, read_only=True) as reader:
        assert [r["run_id"] for r in reader.list_runs()] == ["r1"]
        assert [s.power_w for s in reader.samples("r1")] == [100.0, 110.0]
        assert reader.phases("r1") == []
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1  # reading changed nothing
    conn.close()


def test_a_version_2_store_migrates_to_job_records_keeping_its_runs(tmp_path) -> None:
    """Migration 3 (carbonest/store/job_schema.py) on a store written before job records."""
    import sqlite3

    from carbonest.store.sqlite import MIGRATIONS, SCHEMA_VERSION

    path = tmp_path / "runs.sqlite"
    conn = sqlite3.connect(path)
    for statements in MIGRATIONS[:2]:
        for statement in statements:
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO runs (run_id, seq, status, updated_at, record_json) VALUES "
                 "('old', 1, 'completed', '2024-01-01', '{\"run_id\": \"old\", \"status\": \"completed\"}')")
    conn.commit()
    conn.close()
    with SQLiteStore(path, read_only=True) as reader:  # read-only: no job tables yet, none shown
        assert reader.jobs() == [] and reader.runs_of_job("7") == [] and reader.list_runs()[0]["run_id"] == "old"
    with SQLiteStore(path) as store:
        assert store.get_run("old")["status"] == "completed"
        store.save_run({"run_id": "new", "status": "completed", "job": {"id": "7"}})
        store.put_job({"job_id": "7", "status": "unknown"})
        assert [r["run_id"] for r in store.runs_of_job("7")] == ["new"] and store.get_job("7")["status"] == "unknown"
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert conn.execute("SELECT job_id FROM runs ORDER BY seq").fetchall() == [(None,), ("7",)]
    conn.close()
