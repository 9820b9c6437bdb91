"""Shared helpers for the run-store tests, importable by spawned worker processes."""

from __future__ import annotations

import os
from typing import Any

from carbonest.records import Sample
from carbonest.store.liveness import current_host, current_process_create_time
from carbonest.store.sqlite import SQLiteStore


def make_record(run_id: str, **overrides: Any) -> dict[str, Any]:
    """A plausible tracker record; keys can be overridden or added."""
    record: dict[str, Any] = {
        "run_id": run_id,
        "name": f"run {run_id}",
        "status": "completed",
        "started_at": "2024-05-01T12:00:00+00:00",
        "ended_at": "2024-05-01T13:00:00+00:00",
        "duration_s": 3600.0,
        "host": "elsewhere.example",
        "pid": 1,
        "energy_kwh": 1.5,
        "co2e_kg": 0.6,
        "components": {
            "gpu": {"energy_kwh": 1.2, "provenance": "measured:nvml:total_energy"},
            "cpu": {"energy_kwh": 0.2, "provenance": {"label": "modelled:tdp x utilisation"}},
            "dram": {"energy_kwh": None, "provenance": None},
        },
        "intensity_g_per_kwh": 400.0,
        "tags": ["a", "b"],
    }
    record.update(overrides)
    return record


def own_running_record(run_id: str, **overrides: Any) -> dict[str, Any]:
    """A ``running`` record written by the calling process."""
    fields: dict[str, Any] = {
        "status": "running",
        "ended_at": None,
        "host": current_host(),
        "pid": os.getpid(),
        "pid_create_time": current_process_create_time(),
    }
    fields.update(overrides)
    return make_record(run_id, **fields)


def write_runs_worker(path: str, worker: int, n_runs: int, barrier: Any) -> None:
    """Checkpoint ``n_runs`` runs like a tracker (start, samples, end), all workers at once.

    ``path`` is a SQLite file or a ``postgresql://`` URL (the same worker serves both tests)."""
    from carbonest.store.locate import open_store

    store = open_store(path)
    barrier.wait(60)
    for i in range(n_runs):
        run_id = f"w{worker}-r{i:03d}"
        started_at = f"2024-05-01T12:{worker:02d}:{i % 60:02d}Z"
        store.save_run(own_running_record(run_id, started_at=started_at))
        store.add_samples(run_id, [Sample(1.0, "gpu", "gpu:0", 100.0, 100.0)])
        store.save_run(make_record(run_id, host=current_host(), pid=os.getpid()))
    store.close()


def save_running_then_exit(path: str, run_id: str) -> None:
    """Save a ``running`` record and die without the final checkpoint."""
    store = SQLiteStore(path)
    store.save_run(own_running_record(run_id, energy_kwh=0.25))
    os._exit(0)


def checkpoint_forever(path: str, run_id: str, ready: Any) -> None:
    """Checkpoint a run forever; set ``ready`` after the fifth checkpoint."""
    store = SQLiteStore(path)
    step = 0
    while True:
        step += 1
        store.add_samples(run_id, [Sample(float(step), "gpu", "gpu:0", 50.0, 50.0)])
        store.save_run(own_running_record(run_id, energy_kwh=step * 50.0 / 3.6e6, steps=step))
        if step == 5:
            ready.set()
