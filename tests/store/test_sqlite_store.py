"""SQLite-specific behaviour: location, schema, WAL, errors, threads, import cost."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from _storetest_helpers import make_record, own_running_record

from carbonest.errors import StorageError
from carbonest.records import Sample
from carbonest.store.sqlite import SCHEMA_VERSION, SQLiteStore


def test_default_path_follows_carbonest_home_at_construction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARBONEST_HOME", str(tmp_path / "home"))
    store = SQLiteStore()
    assert store.path == tmp_path / "home" / "runs.sqlite"
    assert not (tmp_path / "home").exists()  # nothing is created before the first call
    store.save_run(make_record("r1"))
    assert store.path.is_file()
    store.close()


def test_default_path_without_env_uses_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    monkeypatch.delenv("CARBONEST_HOME", raising=False)
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(tmp_path / "data"))
    assert SQLiteStore().path == tmp_path / "data" / "runs.sqlite"


def test_schema_is_versioned_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "runs.sqlite"
    with SQLiteStore(path) as store:
        store.save_run(make_record("r1"))
        raw = sqlite3.connect(path)
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        columns = {row[1] for row in raw.execute("PRAGMA table_info(runs)")}
        assert {"run_id", "name", "status", "started_at", "ended_at", "host", "pid",
                "duration_s", "energy_kwh", "co2e_kg", "updated_at", "record_json"} <= columns
        columns = {row[1] for row in raw.execute("PRAGMA table_info(samples)")}
        assert {"run_id", "t_s", "component", "device", "power_w", "energy_j"} <= columns
        assert raw.execute("SELECT energy_kwh FROM runs").fetchone()[0] == 1.5
        raw.close()


def test_reopening_an_existing_store_keeps_runs(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    with SQLiteStore(path) as store:
        store.save_run(make_record("r1"))
    with SQLiteStore(path) as store:
        assert store.get_run("r1")["name"] == "run r1"


def test_close_is_idempotent_and_store_reopens(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "runs.sqlite")
    store.save_run(make_record("r1"))
    store.close()
    store.close()
    assert store.get_run("r1")["run_id"] == "r1"
    store.close()


def test_interrupted_status_is_written_back(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    with SQLiteStore(path) as store:
        store.save_run(own_running_record("r1", pid_create_time=1.0))  # "another" process
        assert store.get_run("r1")["status"] == "interrupted"
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT status FROM runs").fetchone()[0] == "interrupted"
    raw.close()


def test_corrupted_file_raises_storage_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    path.write_bytes(b"this is not a database, just some text " * 100)
    with pytest.raises(StorageError, match="not a database") as info:
        SQLiteStore(path).list_runs()
    assert str(path) in str(info.value)
    assert "move it aside" in str(info.value)


def test_unwritable_location_raises_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    path = blocker / "sub" / "runs.sqlite"
    with pytest.raises(StorageError, match="CARBONEST_HOME") as info:
        SQLiteStore(path).save_run(make_record("r1"))
    assert str(path) in str(info.value)


def test_directory_in_place_of_file_raises_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    path.mkdir()
    with pytest.raises(StorageError, match=re.escape(str(path))):
        SQLiteStore(path).save_run(make_record("r1"))


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StorageError, match="newer"):
        SQLiteStore(path).list_runs()


def test_sampler_thread_and_main_thread_write_together(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "runs.sqlite")
    store.save_run(own_running_record("tracked"))
    errors: list[BaseException] = []
    stop = threading.Event()

    def sampler() -> None:  # like carbonest.measure.sampler: flush samples, checkpoint
        try:
            step = 0
            while not stop.is_set() and step < 300:
                step += 1
                store.add_samples("tracked", [Sample(float(step), "gpu", "gpu:0", 1.0, 1.0)])
                store.save_run(own_running_record("tracked", steps=step))
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)

    thread = threading.Thread(target=sampler)
    thread.start()
    for i in range(100):
        store.save_run(make_record(f"main-{i}"))
        assert store.get_run("tracked")["status"] == "running"
        store.list_runs(limit=5)
    thread.join(timeout=60)
    stop.set()
    assert not errors
    assert len(store.list_runs()) == 101
    steps = store.get_run("tracked")["steps"]
    assert len(store.samples("tracked")) == steps == 300
    store.close()


def test_two_stores_on_one_file_in_one_process(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    first, second = SQLiteStore(path), SQLiteStore(path)
    first.save_run(make_record("a"))
    second.save_run(make_record("b"))
    assert {r["run_id"] for r in first.list_runs()} == {"a", "b"}
    first.close()
    second.close()


def test_in_memory_database(tmp_path: Path) -> None:
    with SQLiteStore(":memory:") as store:
        store.save_run(make_record("r1"))
        assert store.get_run("r1")["run_id"] == "r1"


def test_import_is_light() -> None:
    code = (
        "import sys, carbonest.store, carbonest.store.sqlite\n"
        "heavy = {'pandas', 'numpy', 'platformdirs', 'psutil'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    env = dict(os.environ)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
