"""The PostgreSQL store on a real server (a throw-away cluster on 127.0.0.1, tests/pgcluster.py):
concurrency across processes, migrations, secrets kept out of messages, the store chosen by URL.

The contract itself (ids, ordering, thinning, interrupted runs) runs over this store in
tests/store/test_store_contract.py.
"""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _storetest_helpers import make_record, write_runs_worker

from carbonest.errors import InvalidInputError, StorageError
from carbonest.store.base import JobNotFoundError
from carbonest.records import Sample
from carbonest.store import postgres, sqlite
from carbonest.store.locate import open_store, store_spec
from carbonest.store.postgres import PostgresStore, redact_url

SPAWN = multiprocessing.get_context("spawn")


def test_eight_processes_fifty_runs_each_store_all_400(pg_url: str) -> None:
    barrier = SPAWN.Barrier(8)  # all eight migrate the fresh schema and write at the same moment
    workers = [SPAWN.Process(target=write_runs_worker, args=(pg_url, w, 50, barrier)) for w in range(8)]
    for proc in workers:
        proc.start()
    for proc in workers:
        proc.join(timeout=300)
        assert proc.exitcode == 0
    with PostgresStore(pg_url) as store:
        runs = store.list_runs()
        assert len(runs) == 400
        assert {r["run_id"] for r in runs} == {f"w{w}-r{i:03d}" for w in range(8) for i in range(50)}
        assert all(r["status"] == "completed" for r in runs)
        assert store.samples("w7-r049") == [Sample(1.0, "gpu", "gpu:0", 100.0, 100.0)]
        assert store.schema_version() == postgres.SCHEMA_VERSION


def test_same_schema_version_as_sqlite() -> None:
    # A new table is a migration in both lists; this fails until both have it.
    assert postgres.SCHEMA_VERSION == sqlite.SCHEMA_VERSION
    assert len(postgres.MIGRATIONS) == len(sqlite.MIGRATIONS)


def _version_1_postgres(url: str, version: int = 1) -> None:
    """A database as carbonest left it at schema ``version``, with one run, 'old-run'."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE carbonest_schema (version INTEGER NOT NULL)")
        for statements in postgres.MIGRATIONS[:version]:
            for statement in statements:
                conn.execute(statement)
        conn.execute("INSERT INTO carbonest_schema VALUES (%s)", (version,))
        conn.execute(
            "INSERT INTO runs (run_id, status, started_at, started_ts, updated_at, record_json)"
            " VALUES ('old-run', 'completed', '2024-05-01T12:00:00Z', 1714564800, '2024-05-01T13:00:00Z', %s)",
            (json.dumps(make_record("old-run", started_at="2024-05-01T12:00:00Z")),))


def _version_1_sqlite(path: str) -> None:
    conn = sqlite3.connect(path)
    for statement in sqlite.MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO runs (run_id, seq, status, started_at, started_ts, updated_at, record_json)"
        " VALUES ('old-run', 1, 'completed', '2024-05-01T12:00:00Z', 1714564800, '2024-05-01T13:00:00Z', ?)",
        (json.dumps(make_record("old-run", started_at="2024-05-01T12:00:00Z")),))
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_version_1_store_is_migrated_and_keeps_its_runs(backend: str, request: pytest.FixtureRequest,
                                                          tmp_path: Path) -> None:
    if backend == "postgresql":
        spec = request.getfixturevalue("pg_url")
        _version_1_postgres(spec)
        with PostgresStore(spec, read_only=True) as reader:  # a reader never migrates
            assert reader.schema_version() == 1
            assert reader.phases("old-run") == []
    else:
        spec = str(tmp_path / "runs.sqlite")
        _version_1_sqlite(spec)
    with open_store(spec) as store:
        assert store.get_run("old-run")["name"] == "run old-run"
        store.checkpoint(make_record("new-run"), [Sample(1.0, "gpu", "gpu:0", 5.0, 5.0)],
                         [{"name": "eval", "duration_s": 1.0, "components": {"gpu": 1e-6}}])
        assert store.phases("new-run")[0]["name"] == "eval"
        assert [r["run_id"] for r in store.list_runs()] == ["new-run", "old-run"] or \
            {r["run_id"] for r in store.list_runs()} == {"new-run", "old-run"}
    if backend == "postgresql":
        with PostgresStore(spec) as again:
            assert again.schema_version() == postgres.SCHEMA_VERSION
    else:
        assert sqlite3.connect(spec).execute("PRAGMA user_version").fetchone()[0] == sqlite.SCHEMA_VERSION


def test_a_version_2_database_migrates_to_job_records_keeping_its_runs(pg_url: str) -> None:
    """Migration 3 (carbonest/store/job_schema.py) on a database written before job records."""
    import psycopg

    _version_1_postgres(pg_url, version=2)
    with PostgresStore(pg_url, read_only=True) as reader:  # read-only: no job tables yet, none shown
        assert reader.schema_version() == 2
        assert reader.jobs() == [] and reader.runs_of_job("7") == []
        with pytest.raises(JobNotFoundError):
            reader.get_job("7.0")
        assert [r["run_id"] for r in reader.list_runs()] == ["old-run"]
    with PostgresStore(pg_url) as store:
        assert store.get_run("old-run")["name"] == "run old-run"
        store.save_run(make_record("new-run", job={"id": "7.0", "host": "a"}))
        store.put_job({"job_id": "7.0", "status": "unknown"})
        store.put_job({"job_id": "8", "status": "partial"})
        assert [r["run_id"] for r in store.runs_of_job("7")] == ["new-run"]
        assert store.get_job("7.0") == {"job_id": "7.0", "status": "unknown"}
        assert store.schema_version() == postgres.SCHEMA_VERSION == 3
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT version FROM carbonest_schema").fetchall() == [(3,)]
        assert conn.execute("SELECT run_id, job_id FROM runs ORDER BY seq").fetchall() == \
            [("old-run", None), ("new-run", "7.0")]
        assert conn.execute("SELECT job_id, seq FROM jobs ORDER BY seq").fetchall() == [("7.0", 1), ("8", 2)]
        assert conn.execute("SELECT data_type FROM information_schema.columns WHERE table_name = 'jobs'"
                            " AND column_name = 'started_ts' AND table_schema = current_schema()"
                            ).fetchall() == [("double precision",)]


def test_hosts_storing_job_records_at_once_get_distinct_creation_numbers(pg_url: str) -> None:
    import psycopg

    from carbonest.store.job_schema import POSTGRES_JOBS

    with PostgresStore(pg_url) as store:
        store.schema_version()  # migrated before the two transactions below overlap
        with psycopg.connect(pg_url) as a, psycopg.connect(pg_url) as b:
            # Two open transactions each insert a job: neither sees the other's row, as two hosts
            # writing at the same moment; MAX(seq) + 1 would give both the same number.
            row = {"status": "partial", "started_at": None, "started_ts": None, "updated_at": "x"}
            a.execute(POSTGRES_JOBS.upsert, {**row, "job_id": "ja", "job_json": '{"job_id": "ja"}'})
            b.execute(POSTGRES_JOBS.upsert, {**row, "job_id": "jb", "job_json": '{"job_id": "jb"}'})
            a.commit()
            b.commit()
            seqs = [seq for (seq,) in a.execute("SELECT seq FROM jobs").fetchall()]
        assert len(set(seqs)) == 2
        assert [j["job_id"] for j in store.jobs()] == ["jb", "ja"]  # no start time: latest created first


def test_a_newer_schema_is_refused_not_guessed_at(pg_url: str) -> None:
    with PostgresStore(pg_url) as store:
        store.save_run(make_record("r"))
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE carbonest_schema SET version = %s", (postgres.SCHEMA_VERSION + 1,))
    with PostgresStore(pg_url) as store, pytest.raises(StorageError, match="newer than this carbonest"):
        store.list_runs()


def test_a_reader_creates_nothing_and_reads_an_empty_database(pg_url: str) -> None:
    with PostgresStore(pg_url, read_only=True) as reader:
        assert reader.list_runs() == []
        assert reader.schema_version() == 0
    import psycopg

    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('runs')").fetchone() == (None,)


def test_the_password_is_never_shown(pg_cluster: Any) -> None:
    wrong = pg_cluster.url.replace(pg_cluster.password, "not-the-password-x1")
    store = PostgresStore(wrong)
    assert "not-the-password-x1" not in repr(store) and "***" in repr(store)
    with pytest.raises(StorageError) as info:
        store.list_runs()
    message = str(info.value)
    assert "not-the-password-x1" not in message
    assert "password" in message and "127.0.0.1" in message
    closed = f"postgresql://u:s3cret-pw@127.0.0.1:{_closed_port()}/db?password=other-secret"
    with pytest.raises(StorageError) as info:
        PostgresStore(closed, connect_timeout_s=2).list_runs()
    assert "s3cret-pw" not in str(info.value) and "other-secret" not in str(info.value)
    assert "reachable" in str(info.value)
    assert redact_url("postgres://a:b@h/d?sslmode=require&password=c") == \
        "postgres://a:***@h/d?sslmode=require&password=***"


def _opened(probe: Any) -> Any:
    probe.open()
    return probe


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_store_specs_are_checked_naming_who_gave_them(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidInputError, match="^store: .*not a URL"):
        store_spec("postgresql:/host/db")
    monkeypatch.setenv("CARBONEST_STORE", "   ")
    assert store_spec(None) == (None, "default")
    monkeypatch.setenv("CARBONEST_STORE", "postgresql://u:pw@127.0.0.1:1/db")
    assert store_spec(None, check_driver=False) == ("postgresql://u:pw@127.0.0.1:1/db", "CARBONEST_STORE")
    with pytest.raises(InvalidInputError, match="store: must be"):
        store_spec(12)


def test_a_postgresql_store_without_psycopg_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch,
                                                                   run_cli: Any) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "psycopg" else real(name, *a))
    monkeypatch.setenv("CARBONEST_STORE", "postgresql://u:topsecret@127.0.0.1:1/db")
    with pytest.raises(InvalidInputError, match="pip install 'carbonest\\[postgresql\\]'") as info:
        store_spec(None)
    assert info.value.field == "CARBONEST_STORE" and "topsecret" not in str(info.value)
    code, _, err = run_cli("runs")
    assert code == 2 and err.count("\n") == 1 and "CARBONEST_STORE" in err and "topsecret" not in err


def test_a_tracker_writes_to_the_store_the_environment_names(pg_url: str, monkeypatch: pytest.MonkeyPatch,
                                                             run_cli: Any) -> None:
    from carbonest import track
    from carbonest.probes.fake import FakeProbe

    monkeypatch.setenv("CARBONEST_STORE", pg_url)
    with track("shared", probes=[_opened(FakeProbe({'gpu:0': 100.0}))], region="FR",
               interval_s=0.01, flush_interval_s=0.05) as run:
        pass
    with PostgresStore(pg_url) as store:
        stored = store.get_run(run.run_id)
    assert stored["status"] == "completed" and stored["name"] == "shared"
    assert "***" not in json.dumps(stored) and pg_url.split("@")[0] not in json.dumps(stored)
    code, out, err = run_cli("runs", "--json")
    assert code == 0, err
    assert [r["run_id"] for r in json.loads(out)] == [run.run_id]
    monkeypatch.delenv("CARBONEST_STORE")
    code, out, err = run_cli("runs", "show", run.run_id[:8], "--store", pg_url, "--json")
    assert code == 0 and json.loads(out)["run_id"] == run.run_id


def test_store_url_argument_is_used_and_closed(pg_url: str) -> None:
    from carbonest import Tracker
    from carbonest.probes.fake import FakeProbe

    tracker = Tracker("by-url", store=pg_url, probes=[_opened(FakeProbe({'gpu:0': 10.0}))], region="FR")
    tracker.start()
    record = tracker.stop()
    with PostgresStore(pg_url) as store:
        assert store.get_run(record.run_id)["name"] == "by-url"
    assert tracker._store._conn is None  # the run opened it, so the run closed it


def test_sqlite_tracker_and_import_never_load_psycopg(tmp_path: Path) -> None:
    code = (
        "import sys, carbonest\n"
        "assert 'psycopg' not in sys.modules\n"
        "from carbonest.probes.fake import FakeProbe\n"
        "p = FakeProbe(); p.open()\n"
        "with carbonest.track('x', probes=[p], region='FR'):\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('psycopg', 'carbonest.store.postgres', 'prometheus_client', 'carbonest.measure.prometheus', 'amdsmi')))\n"
        "assert not loaded, loaded\n"
    )
    env = {"CARBONEST_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "runs.sqlite").exists()


def test_doctor_names_the_store_without_its_password(monkeypatch: pytest.MonkeyPatch, run_cli: Any) -> None:
    monkeypatch.setenv("CARBONEST_STORE", "postgresql://alice:hunter2-secret@db.example:5432/runs")
    code, out, _ = run_cli("doctor")
    assert code == 0
    assert "Runs are stored in: postgresql://alice:***@db.example:5432/runs" in out
    assert "hunter2-secret" not in out


def test_without_psycopg_a_postgresql_store_is_a_storage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg raises ImportError
    store = PostgresStore("postgresql://u:pw-secret@127.0.0.1:1/db")
    with pytest.raises(StorageError, match=r"pip install 'carbonest\[postgresql\]'") as info:
        store.list_runs()
    assert "pw-secret" not in str(info.value)


def test_an_unreachable_store_never_stops_the_run_nor_shows_the_password() -> None:
    import support

    support.needs("psycopg")  # the tracker checks that the driver is installed before it starts
    from carbonest import track
    from carbonest.probes.fake import FakeProbe

    url = f"postgresql://bob:pw-in-url-77@127.0.0.1:{_closed_port()}/runs"
    with pytest.warns(RuntimeWarning, match="run store") as caught:
        with track("offline", store=url, probes=[_opened(FakeProbe({'gpu:0': 50.0}))], region="FR") as run:
            pass
    assert run.record.status == "completed" and run.record.energy_kwh is not None
    text = json.dumps(run.record.to_dict()) + " ".join(str(w.message) for w in caught)
    assert "pw-in-url-77" not in text
    assert "postgresql://bob:***@127.0.0.1" in text


def test_an_unreachable_server_is_not_dialled_at_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    import support

    psycopg = support.needs("psycopg")
    dialled: list[str] = []

    def refuse(url: str, **_kw: object) -> None:
        dialled.append(url)
        raise psycopg.OperationalError("connection failed: Connection refused")

    monkeypatch.setattr(psycopg, "connect", refuse)
    store = PostgresStore("postgresql://u@127.0.0.1:1/db")
    with pytest.raises(StorageError, match="refused"):
        store.save_run(make_record("a"))
    assert len(dialled) == 1 and store._down is None  # a quick refusal: tried again next time
    dialled.clear()
    monkeypatch.setattr(postgres, "SLOW_CONNECT_S", 0.0)  # as if it had taken the whole timeout
    with pytest.raises(StorageError, match="refused"):
        store.save_run(make_record("a"))
    with pytest.raises(StorageError, match="the last try was under"):
        store.save_run(make_record("a"))  # a checkpoint soon after: fails at once, no new dial
    assert len(dialled) == 1
    monkeypatch.setattr(postgres, "RECONNECT_HOLDOFF_S", 0.0)
    store._down = (0.0, store._down[1])  # type: ignore[index]  # the hold-off is over
    with pytest.raises(StorageError, match="refused"):
        store.save_run(make_record("a"))
    assert len(dialled) == 2


def test_measure_and_runs_with_a_store_url(pg_url: str, run_cli: Any, tmp_path: Path) -> None:
    code, _, err = run_cli("measure", "--region", "FR", "--store", pg_url, "--name", "shared-cli", "--", "true")
    assert code == 0, err
    code, out, err = run_cli("runs", "--store", pg_url, "--json")
    assert code == 0, err
    [run] = json.loads(out)
    assert run["name"] == "shared-cli" and run["status"] == "completed"
    code, out, err = run_cli("runs", "export", "--format", "csv", "--store", pg_url)
    assert code == 0 and "shared-cli" in out


def test_a_forked_child_opens_its_own_connection_and_leaves_the_parents_alone(pg_url: str) -> None:
    import os

    with PostgresStore(pg_url) as store:
        store.save_run(make_record("parent-1"))
        session = store._conn.info.backend_pid
        pid = os.fork()
        if pid == 0:  # the child: write through the inherited store object, then vanish
            code = 1
            try:
                store.save_run(make_record("child"))
                store.close()
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        store.save_run(make_record("parent-2"))  # the parent's session was not ended by the child:
        assert store._conn.info.backend_pid == session  # the same server process, not a reconnection
        assert {r["run_id"] for r in store.list_runs()} == {"parent-1", "child", "parent-2"}
