"""The SQLite store a process's runs share (carbonest/measure/shared_store.py)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from carbonest.measure import shared_store
from carbonest.measure.tracker import track
from carbonest.store.sqlite import SQLiteStore

from _trackertest_helpers import FAST

REPO = Path(__file__).resolve().parents[2]


def _run(name: str, make_probe, **options):
    with track(name, region="FR", probes=[make_probe()], **FAST, **options) as run:
        pass
    return run


def _stored(path: Path, run_id: str) -> dict:
    with SQLiteStore(path) as store:
        return store.get_run(run_id)


def test_runs_of_a_process_share_one_open_connection(make_probe, home) -> None:
    first = _run("a", make_probe)
    conn = first._store._conn
    assert conn is not None  # given back open, not closed
    second = _run("b", make_probe)
    assert second._store is first._store and second._store._conn is conn
    for run in (first, second):
        assert _stored(home / "runs.sqlite", run.run_id)["status"] == "completed"


def test_a_store_file_deleted_between_runs_is_opened_anew(make_probe, home) -> None:
    first = _run("a", make_probe)
    old = first._store
    shutil.rmtree(home)
    second = _run("b", make_probe)
    assert second._store is not old and old._conn is None  # the old one closed
    assert _stored(home / "runs.sqlite", second.run_id)["name"] == "b"


def test_a_store_file_replaced_between_runs_is_opened_anew(make_probe, home) -> None:
    first = _run("a", make_probe)
    os.replace(home / "runs.sqlite", home / "moved.sqlite")
    for suffix in ("-wal", "-shm"):
        if (home / f"runs.sqlite{suffix}").exists():
            os.replace(home / f"runs.sqlite{suffix}", home / f"moved.sqlite{suffix}")
    SQLiteStore(home / "runs.sqlite").close()
    with SQLiteStore(home / "runs.sqlite") as fresh:
        fresh.count_runs()  # a new, empty file at the old path
    second = _run("b", make_probe)
    assert second._store is not first._store
    assert _stored(home / "runs.sqlite", second.run_id)["name"] == "b"
    with SQLiteStore(home / "runs.sqlite") as store:
        assert [r["name"] for r in store.list_runs()] == ["b"]  # not written into the moved file


def test_another_file_closes_the_idle_one(make_probe, home, tmp_path) -> None:
    first = _run("a", make_probe)
    other = tmp_path / "other.sqlite"
    second = _run("b", make_probe, store=str(other))
    assert first._store._conn is None and second._store is not first._store
    assert _stored(other, second.run_id)["name"] == "b"


def test_a_running_run_keeps_its_store_while_another_starts(make_probe, home) -> None:
    with track("outer", region="FR", probes=[make_probe()], **FAST) as outer:
        inner = _run("inner", make_probe)
        assert inner._store is outer._store and outer._store._conn is not None
    assert _stored(home / "runs.sqlite", outer.run_id)["status"] == "completed"


def test_stores_passed_in_are_not_shared(make_probe, tmp_path) -> None:
    store = SQLiteStore(tmp_path / "mine.sqlite")
    run = _run("mine", make_probe, store=store)
    assert run._store is store and not shared_store._ENTRIES
    store.close()


def _child(code: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARBONEST_HOME": str(home)}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


RUN_THEN = """
import os, signal, sys, carbonest
from carbonest.probes.fake import FakeProbe
with carbonest.track("child", region="FR", probes=[FakeProbe()], interval_s=0.01) as run:
    pass
print(run.run_id, flush=True)
{end}
"""


def test_the_process_exit_checkpoints_the_wal_into_the_file(tmp_path) -> None:
    home = tmp_path / "h"
    done = _child(RUN_THEN.format(end=""), home)
    assert done.returncode == 0, done.stderr
    assert not (home / "runs.sqlite-wal").exists()  # closed at exit: WAL merged and removed
    assert _stored(home / "runs.sqlite", done.stdout.split()[0])["status"] == "completed"


def test_a_process_killed_after_its_run_loses_nothing(tmp_path) -> None:
    home = tmp_path / "h"
    done = _child(RUN_THEN.format(end="os.kill(os.getpid(), signal.SIGKILL)"), home)
    assert done.returncode == -signal.SIGKILL
    assert (home / "runs.sqlite-wal").exists()  # still open when killed: the WAL is left
    assert _stored(home / "runs.sqlite", done.stdout.split()[0])["status"] == "completed"


def test_a_forked_child_uses_its_own_connection(tmp_path) -> None:
    home = tmp_path / "h"
    code = """
    import os, carbonest
    from carbonest.probes.fake import FakeProbe
    def run(name):
        with carbonest.track(name, region="FR", probes=[FakeProbe()], interval_s=0.01) as r:
            pass
        return r
    parent = run("before")
    pid = os.fork()
    if pid == 0:
        child = run("in child")
        assert child._store is not parent._store and child._store._conn is not parent._store._conn
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert status == 0
    after = run("after")
    assert after._store is parent._store
    print(len(carbonest.runs()))
    """
    done = _child(code, home)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "3"


def test_a_python_without_sqlite3_still_measures_without_a_store(tmp_path) -> None:
    code = """
    import sys, warnings
    sys.modules["sqlite3"] = None  # as a Python built without it: importing it raises ImportError
    import carbonest
    from carbonest.probes.fake import FakeProbe
    with carbonest.track("no sqlite", region="FR", probes=[FakeProbe()], interval_s=0.01, store=False) as run:
        pass
    print(run.record.status)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with carbonest.track("default store", region="FR", probes=[FakeProbe()], interval_s=0.01) as run:
            pass
    print(run.record.status, any("run store" in str(w.message) for w in seen))
    """
    done = _child(code, tmp_path / "h")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["completed", "completed", "True"]  # the store's absence is said, the run goes on


def test_a_store_that_fails_to_close_at_exit_says_so(make_probe, home, capsys) -> None:
    run = _run("a", make_probe)

    def broken_close() -> None:
        raise OSError("disk went away")

    run._store.close = broken_close
    shared_store.close_all()
    err = capsys.readouterr().err
    assert "closing the run store" in err and "disk went away" in err
