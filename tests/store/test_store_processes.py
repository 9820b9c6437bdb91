"""Several processes on one SQLite store: concurrency, crashes, interrupted runs."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from pathlib import Path

from _storetest_helpers import (
    checkpoint_forever,
    make_record,
    save_running_then_exit,
    write_runs_worker,
)

from carbonest.store.sqlite import SQLiteStore

SPAWN = multiprocessing.get_context("spawn")


def test_four_processes_fifty_runs_each(tmp_path: Path) -> None:
    path = str(tmp_path / "runs.sqlite")
    barrier = SPAWN.Barrier(4)  # all four create the fresh file and write at the same moment
    workers = [
        SPAWN.Process(target=write_runs_worker, args=(path, w, 50, barrier)) for w in range(4)
    ]
    for proc in workers:
        proc.start()
    for proc in workers:
        proc.join(timeout=120)
        assert proc.exitcode == 0
    with SQLiteStore(path) as store:
        runs = store.list_runs()
        assert len(runs) == 200
        expected = {f"w{w}-r{i:03d}" for w in range(4) for i in range(50)}
        assert {r["run_id"] for r in runs} == expected
        assert all(r["status"] == "completed" for r in runs)
        assert len(store.samples("w3-r049")) == 1


def test_process_that_exits_early_leaves_an_interrupted_run(tmp_path: Path) -> None:
    path = str(tmp_path / "runs.sqlite")
    proc = SPAWN.Process(target=save_running_then_exit, args=(path, "crashed"))
    proc.start()
    proc.join(timeout=60)
    with SQLiteStore(path) as store:
        [run] = store.list_runs()
        assert run["run_id"] == "crashed"
        assert run["status"] == "interrupted"
        assert run["energy_kwh"] == 0.25


def test_sigkill_mid_run_keeps_everything_up_to_the_last_checkpoint(tmp_path: Path) -> None:
    path = str(tmp_path / "runs.sqlite")
    with SQLiteStore(path) as store:  # the tracker saves the run before sampling starts
        store.save_run(make_record("victim", status="running", ended_at=None))
    ready = SPAWN.Event()
    proc = SPAWN.Process(target=checkpoint_forever, args=(path, "victim", ready))
    proc.start()
    assert ready.wait(timeout=60)
    time.sleep(0.05)  # let it get some way into further checkpoints
    proc.kill()  # SIGKILL: no finally blocks, no atexit
    proc.join(timeout=60)
    assert proc.exitcode == -9

    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()
    with SQLiteStore(path) as store:
        run = store.get_run("victim")
        assert run["status"] == "interrupted"
        steps = run["steps"]
        assert steps >= 5
        assert run["energy_kwh"] == steps * 50.0 / 3.6e6
        samples = store.samples("victim")
        # Samples are flushed before each checkpoint, so at least `steps` are there,
        # and at most one more (flushed, then killed before the checkpoint).
        assert steps <= len(samples) <= steps + 1
        assert [s.timestamp_s for s in samples[:steps]] == [float(i + 1) for i in range(steps)]
