"""Contract tests run over every run-store backend."""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from _storetest_helpers import make_record, own_running_record

from carbonest.errors import InvalidInputError
from carbonest.records import Sample
from carbonest.store import AmbiguousRunIdError, RunNotFoundError, RunStore
from carbonest.store.base import JobNotFoundError
from carbonest.store.liveness import current_host
from carbonest.store.memory import MemoryStore
from carbonest.store.sqlite import SQLiteStore


@pytest.fixture(params=["sqlite", "memory", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunStore]:
    backend: RunStore
    if request.param == "sqlite":
        backend = SQLiteStore(tmp_path / "runs.sqlite", max_samples_per_device=100)
    elif request.param == "postgresql":
        from carbonest.store.postgres import PostgresStore

        backend = PostgresStore(request.getfixturevalue("pg_url"), max_samples_per_device=100)
    else:
        backend = MemoryStore(max_samples_per_device=100)
    with backend:
        yield backend


def _dead_pid() -> int:
    """The pid of a child process that has exited and been reaped."""
    proc = multiprocessing.get_context("spawn").Process(target=os.getpid)
    proc.start()
    proc.join()
    assert proc.pid is not None
    return proc.pid


def test_round_trip_keeps_every_key(store: RunStore) -> None:
    record = make_record("run-1", extra={"nested": [1, 2.5, None]})
    store.save_run(record)
    assert store.get_run("run-1") == record


def test_save_run_is_an_upsert_checkpoint(store: RunStore) -> None:
    store.save_run(make_record("run-1", status="running", energy_kwh=0.1, ended_at=None))
    store.save_run(make_record("run-1", status="running", energy_kwh=0.2, ended_at=None))
    store.save_run(make_record("run-1", status="completed", energy_kwh=0.3))
    runs = store.list_runs()
    assert len(runs) == 1
    assert runs[0]["status"] == "completed"
    assert runs[0]["energy_kwh"] == 0.3


def test_prefix_lookup_like_git(store: RunStore) -> None:
    store.save_run(make_record("a1b2c3"))
    store.save_run(make_record("a1ffff"))
    assert store.get_run("a1b")["run_id"] == "a1b2c3"
    assert store.get_run("a1ffff")["run_id"] == "a1ffff"
    with pytest.raises(AmbiguousRunIdError, match="a1") as info:
        store.get_run("a1")
    assert set(info.value.candidates) == {"a1b2c3", "a1ffff"}
    assert isinstance(info.value, InvalidInputError)


def test_exact_id_wins_over_longer_ids(store: RunStore) -> None:
    store.save_run(make_record("abc"))
    store.save_run(make_record("abcd"))
    assert store.get_run("abc")["run_id"] == "abc"


def test_unknown_id_names_the_id(store: RunStore) -> None:
    store.save_run(make_record("a1b2c3"))
    with pytest.raises(RunNotFoundError, match="zz9"):
        store.get_run("zz9")
    with pytest.raises(InvalidInputError):
        store.get_run("")
    with pytest.raises(RunNotFoundError):
        store.samples("nope")


def test_like_wildcards_in_prefix_are_literal(store: RunStore) -> None:
    store.save_run(make_record("run_1"))
    with pytest.raises(RunNotFoundError):
        store.get_run("%")


def test_list_runs_newest_first_with_limit(store: RunStore) -> None:
    store.save_run(make_record("mid", started_at="2024-05-02T00:00:00Z"))
    store.save_run(make_record("old", started_at="2024-05-01T00:00:00+00:00"))
    store.save_run(make_record("new", started_at="2024-05-03T01:00:00+01:00"))
    store.save_run(make_record("undated", started_at=None))
    assert [r["run_id"] for r in store.list_runs()] == ["new", "mid", "old", "undated"]
    assert [r["run_id"] for r in store.list_runs(limit=2)] == ["new", "mid"]
    assert store.list_runs(limit=0) == []
    with pytest.raises(InvalidInputError):
        store.list_runs(limit=-1)


def test_same_start_time_latest_saved_first(store: RunStore) -> None:
    for run_id in ("first", "second", "third"):
        store.save_run(make_record(run_id))
    store.save_run(make_record("first", energy_kwh=9.0))  # an update does not reorder
    assert [r["run_id"] for r in store.list_runs()] == ["third", "second", "first"]


@pytest.mark.parametrize(
    "bad",
    [
        {"status": "completed"},
        make_record(""),
        make_record("r", status="done"),
        make_record("r", pid="12"),
        make_record("r", energy_kwh="1.0"),
        make_record("r", started_at="yesterday"),
        make_record("r", blob=object()),
    ],
)
def test_invalid_records_are_refused(store: RunStore, bad: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        store.save_run(bad)
    assert store.list_runs() == []


def test_samples_round_trip_in_time_order(store: RunStore) -> None:
    store.save_run(make_record("run-1"))
    store.add_samples(
        "run-1",
        [Sample(2.0, "gpu", "gpu:0", 200.0, 400.0), Sample(1.0, "cpu", "package-0", 50.0, None)],
    )
    store.add_samples("run-1", [Sample(1.0, "gpu", "gpu:0", 100.0, 100.0)])
    store.add_samples("run-1", [])
    assert store.samples("run") == [
        Sample(1.0, "cpu", "package-0", 50.0, None),
        Sample(1.0, "gpu", "gpu:0", 100.0, 100.0),
        Sample(2.0, "gpu", "gpu:0", 200.0, 400.0),
    ]


def test_samples_need_a_saved_run(store: RunStore) -> None:
    with pytest.raises(RunNotFoundError):
        store.add_samples("ghost", [Sample(1.0, "gpu", "gpu:0", 1.0, 1.0)])


def test_thinning_bounds_rows_and_preserves_energy(store: RunStore) -> None:
    store.save_run(make_record("long"))
    for start in range(0, 1000, 50):  # 1,000 one-second samples per device, in batches
        times = range(start, start + 50)
        batch = [Sample(float(t + 1), "gpu", "gpu:0", float(t % 7), float(t % 7)) for t in times]
        batch += [Sample(float(t + 1), "cpu", "package-0", 30.0, 30.0) for t in times]
        store.add_samples("long", batch)
    kept = store.samples("long")
    gpu = [s for s in kept if s.component == "gpu"]
    cpu = [s for s in kept if s.component == "cpu"]
    assert len(gpu) <= 100 and len(cpu) <= 100
    assert sum(s.energy_j or 0.0 for s in gpu) == sum(float(t % 7) for t in range(1000))
    assert sum(s.energy_j or 0.0 for s in cpu) == 30.0 * 1000
    assert all(s.power_w is not None and math.isclose(s.power_w, 30.0) for s in cpu)
    assert gpu[-1] == Sample(1000.0, "gpu", "gpu:0", float(999 % 7), float(999 % 7))
    assert [s.timestamp_s for s in gpu] == sorted(s.timestamp_s for s in gpu)


def test_stale_running_run_shows_as_interrupted(store: RunStore) -> None:
    pid = _dead_pid()
    store.save_run(
        make_record("dead", status="running", ended_at=None, host=current_host(), pid=pid)
    )
    run = store.get_run("dead")
    assert run["status"] == "interrupted"
    assert str(pid) in run["interrupted_reason"]
    assert run["last_checkpoint_at"]
    assert store.list_runs()[0]["status"] == "interrupted"


def test_live_or_foreign_running_runs_stay_running(store: RunStore) -> None:
    store.save_run(own_running_record("mine"))
    store.save_run(make_record("foreign", status="running", host="other-host", pid=_dead_pid()))
    store.save_run(make_record("no-pid", status="running", host=current_host(), pid=None))
    assert {r["run_id"]: r["status"] for r in store.list_runs()} == {
        "mine": "running",
        "foreign": "running",
        "no-pid": "running",
    }


def test_reused_pid_is_not_the_writer(store: RunStore) -> None:
    # Our own pid, but created at another time: the writer died and the pid was reused.
    store.save_run(own_running_record("reused", pid_create_time=1_000_000.0))
    assert store.get_run("reused")["status"] == "interrupted"


# -- job records (put_job / get_job / jobs / runs_of_job) -------------------------------------


def _job(job_id: str, **overrides: object) -> dict[str, object]:
    job: dict[str, object] = {"job_id": job_id, "status": "partial", "started_at": "2024-05-01T12:00:00+00:00",
                              "hosts": [{"host": "a", "it_energy_kwh": 1.0}], "it_energy_kwh": 1.0}
    job.update(overrides)
    return job


def test_job_round_trip_and_upsert(store: RunStore) -> None:
    store.put_job(_job("j1"))
    assert store.get_job("j1") == _job("j1")
    store.put_job(_job("j1", status="complete", it_energy_kwh=2.0))
    assert store.get_job("j1")["status"] == "complete" and len(store.jobs()) == 1


def test_jobs_newest_first_with_limit(store: RunStore) -> None:
    for i, day in enumerate(("02", "01", "03")):
        store.put_job(_job(f"j{i}", started_at=f"2024-05-{day}T00:00:00+00:00"))
    assert [j["job_id"] for j in store.jobs()] == ["j2", "j0", "j1"]
    assert [j["job_id"] for j in store.jobs(limit=1)] == ["j2"]


def test_unknown_job_and_bad_job_records(store: RunStore) -> None:
    with pytest.raises(JobNotFoundError, match="nope") as info:
        store.get_job("nope")
    assert isinstance(info.value, InvalidInputError)
    store.put_job(_job("j10"))
    with pytest.raises(JobNotFoundError):
        store.get_job("j1")  # job ids are exact: no prefix look-up
    for bad in ({"status": "partial"}, _job(""), _job("x", status="done"), _job("x", extra=float("nan"))):
        with pytest.raises(InvalidInputError):
            store.put_job(bad)


def test_runs_of_a_job_and_of_its_steps(store: RunStore) -> None:
    store.save_run(make_record("r1", job={"id": "77.0", "host": "a"}, started_at="2024-05-01T12:00:00+00:00"))
    store.save_run(make_record("r2", job={"id": "77.1", "host": "b"}, started_at="2024-05-01T11:00:00+00:00"))
    store.save_run(make_record("r3", job={"id": "770", "host": "c"}))
    store.save_run(make_record("r4", job={"id": None}))
    store.save_run(make_record("r5"))
    assert [r["run_id"] for r in store.runs_of_job("77")] == ["r2", "r1"]  # oldest first
    assert [r["run_id"] for r in store.runs_of_job("77.0")] == ["r1"]
    assert store.runs_of_job("78") == []
    store.save_run(make_record("r1", job={"id": "78", "host": "a"}))  # a checkpoint moves it
    assert [r["run_id"] for r in store.runs_of_job("78")] == ["r1"]
    with pytest.raises(InvalidInputError):
        store.save_run(make_record("r6", job={"id": 5}))
