"""SIGTERM, SIGKILL and exit: what a run leaves behind when its process is stopped from outside."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from carbonest.store.sqlite import SQLiteStore
from carbonest.measure.tracker import Tracker

from _trackertest_helpers import FAST

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import signal, sys, time
    from carbonest.probes.fake import FakeProbe
    from carbonest.store.sqlite import SQLiteStore
    from carbonest.measure.tracker import Tracker, track

    mode, db, marker = sys.argv[1:4]
    if mode == "chain":
        def mine(signum, frame):
            open(marker, "w").write("called")
            sys.exit(7)
        signal.signal(signal.SIGTERM, mine)
    probe = FakeProbe({"gpu:0": 100.0})
    probe.open()
    options = dict(region="FR", probes=[probe], store=SQLiteStore(db), interval_s=0.02,
                   flush_interval_s=0.1)
    if mode == "exit":
        Tracker("left-open", **options).start()
        sys.exit(0)
    if mode in ("fork-sigterm", "fork-exit"):
        import os
        tracker = Tracker("forked", **options).start()
        time.sleep(0.1)
        child = os.fork()
        if child == 0:  # a worker forked by the training code (a DataLoader worker, say)
            if mode == "fork-sigterm":
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
            sys.exit(0)  # runs the atexit handlers inherited from the parent
        _, wait_status = os.waitpid(child, 0)
        during = SQLiteStore(db).get_run(tracker.run_id)["status"]
        print(wait_status, during, tracker.stop().status, flush=True)
        sys.exit(0)
    if mode == "locked":
        import os, carbonest.measure.signals
        carbonest.measure.signals.SIGTERM_STOP_TIMEOUT_S = 0.5
        calls = []
        signal.signal(signal.SIGTERM, lambda signum, frame: calls.append(signum))
        tracker = Tracker("locked", **options).start()
        with tracker._sampler._lock:  # as run.record or a phase edge holds it for a moment
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(20):
                time.sleep(0.001)
        time.sleep(0.3)
        print(calls == [signal.SIGTERM], tracker.record.status, tracker.record.status_reason, flush=True)
        sys.exit(0)
    if mode == "twice":  # a final save slow enough for a second SIGTERM to arrive during it
        class SlowStore(SQLiteStore):
            def slow(self, record):
                if record["status"] != "running":
                    open(marker, "w").write("saving")
                    time.sleep(0.6)
            def checkpoint(self, record, samples=(), phases=()):
                self.slow(record)
                super().checkpoint(record, samples, phases)
            def save_run(self, record):  # what an older tracker called
                self.slow(record)
                super().save_run(record)
        options["store"] = SlowStore(db)
    if mode == "phase-lock":  # SIGTERM while the main thread holds the tracker's lock in phase()
        import os, carbonest.measure.signals, carbonest.measure.phases as tracker_module  # where phase() is
        carbonest.measure.signals.SIGTERM_STOP_TIMEOUT_S = 2.0
        hook = "phase_between" if hasattr(tracker_module, "phase_between") else "phase_record"
        original = getattr(tracker_module, hook)  # called under the tracker's lock as a phase ends
        def phase_record(*args):
            if not os.path.exists(marker):
                open(marker, "w").write("sent")
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(20):  # the handler runs here, inside the locked section
                    time.sleep(0.001)
            return original(*args)
        setattr(tracker_module, hook, phase_record)
        with track("phase-lock", **options) as run:
            print(run.run_id, flush=True)
            time.sleep(0.1)
            while True:
                with run.phase("step"):
                    time.sleep(0.001)
    with track("sub", **options) as run:
        print(run.run_id, flush=True)
        while True:
            time.sleep(0.01)
    """
)


def _spawn(mode: str, tmp_path: Path) -> tuple[subprocess.Popen[str], Path, Path]:
    db, marker = tmp_path / "runs.sqlite", tmp_path / "marker"
    env = {**os.environ, "PYTHONPATH": str(REPO), "CARBONEST_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", SCRIPT, mode, str(db), str(marker)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO,
    )
    return proc, db, marker


def _run_id(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line:
        proc.kill()
        raise AssertionError(f"child did not start: {proc.communicate()[1]}")
    return line


def test_sigterm_saves_interrupted_and_ends_the_process(tmp_path) -> None:
    proc, db, _ = _spawn("plain", tmp_path)
    run_id = _run_id(proc)
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGTERM, err
    with SQLiteStore(db) as store:
        run = store.get_run(run_id)
    assert run["status"] == "interrupted" and run["status_reason"] == "SIGTERM"
    assert run["ended_at"] is not None and run["it_energy_kwh"] > 0
    assert "interrupted_reason" not in run  # written by the tracker, not inferred from a dead pid


def test_sigterm_reaches_the_users_handler(tmp_path) -> None:
    proc, db, marker = _spawn("chain", tmp_path)
    run_id = _run_id(proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 7, err
    assert marker.read_text() == "called"
    with SQLiteStore(db) as store:
        run = store.get_run(run_id)
    assert run["status"] == "interrupted" and run["status_reason"] == "SIGTERM"


def test_sigkill_keeps_the_last_checkpoint(tmp_path) -> None:
    proc, db, _ = _spawn("plain", tmp_path)
    run_id = _run_id(proc)
    started = time.monotonic()
    time.sleep(0.5)
    proc.kill()
    proc.communicate(timeout=30)
    alive_s = time.monotonic() - started
    with SQLiteStore(db) as store:
        run = store.get_run(run_id)
        samples = store.samples(run_id)
        listed = {r["run_id"]: r for r in store.list_runs()}
    assert run["status"] == "interrupted" and listed[run_id]["status"] == "interrupted"
    assert "interrupted_reason" in run and run["last_checkpoint_at"]
    energy_j = run["it_energy_kwh"] * 3_600_000
    # > 0 from the checkpoints, <= what the whole life of the run could have drawn at 100 W
    assert 0 < energy_j <= 100.0 * (alive_s + 0.5)
    assert energy_j >= 100.0 * 0.1  # 0.5 s of run, checkpoints every 0.1 s: little is lost
    # The samples are flushed before the checkpoint that counts them: every joule of the last
    # checkpoint is in the stored samples, and at most one flush (0.1 s at 100 W) more.
    sampled_j = sum(s.energy_j for s in samples)
    assert len(samples) >= 5  # 0.5 s at 0.02 s, checkpointed every 0.1 s
    assert energy_j - 1e-6 <= sampled_j <= energy_j + 1e-6 + 100.0 * 0.2


def test_a_second_sigterm_during_the_save_does_not_abort_it(tmp_path) -> None:
    proc, db, marker = _spawn("twice", tmp_path)
    run_id = _run_id(proc)
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    while not marker.exists() and time.monotonic() < deadline:  # the final save has begun
        time.sleep(0.01)
    time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGTERM, err
    with SQLiteStore(db) as store:
        run = store.get_run(run_id)
    assert run["status"] == "interrupted" and run["status_reason"] == "SIGTERM", run.get("interrupted_reason")
    assert "interrupted_reason" not in run and run["ended_at"] is not None


def test_sigterm_inside_a_phase_saves_the_run_at_once(tmp_path) -> None:
    """The main thread holds the tracker's lock when the signal comes: the handler must not wait on it."""
    proc, db, _ = _spawn("phase-lock", tmp_path)
    run_id = _run_id(proc)
    started = time.monotonic()
    _, err = proc.communicate(timeout=30)
    took_s = time.monotonic() - started
    assert proc.returncode == -signal.SIGTERM, err
    with SQLiteStore(db) as store:
        run = store.get_run(run_id)
    assert run["status"] == "interrupted" and run["status_reason"] == "SIGTERM", run.get("interrupted_reason")
    assert "interrupted_reason" not in run
    assert took_s < 1.9  # no wait for the helper's timeout (2 s here)


def test_exit_with_the_run_open_saves_it_as_interrupted(tmp_path) -> None:
    proc, db, _ = _spawn("exit", tmp_path)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    with SQLiteStore(db) as store:
        (run,) = store.list_runs()
    assert run["status"] == "interrupted" and "exited" in run["status_reason"]


def test_sigterm_while_the_main_thread_holds_the_sampler_lock(tmp_path) -> None:
    """Stopping inside the handler would deadlock; the run is still saved once the lock is free."""
    proc, _, _ = _spawn("locked", tmp_path)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()  # SIGTERM would not end a deadlocked child
        proc.communicate()
        raise AssertionError("the SIGTERM handler deadlocked") from None
    assert proc.returncode == 0, err
    assert out.split() == ["True", "interrupted", "SIGTERM"]


@pytest.mark.parametrize(("mode", "child_status"), [("fork-sigterm", signal.SIGTERM), ("fork-exit", 0)])
def test_a_forked_child_does_not_end_the_parents_run(tmp_path, mode, child_status) -> None:
    proc, _, _ = _spawn(mode, tmp_path)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.split() == [str(int(child_status)), "running", "completed"], err  # 3.10 prints IntEnum by name


# -- in this process (pytest runs tests in the main thread) ---------------------------------------


@pytest.fixture
def user_handler():
    """A user's SIGTERM handler, installed for the test; the original is restored after."""
    original = signal.getsignal(signal.SIGTERM)
    calls: list[int] = []

    def handler(signum, frame):
        calls.append(signum)

    signal.signal(signal.SIGTERM, handler)
    yield handler, calls
    signal.signal(signal.SIGTERM, original)


def _deliver_sigterm() -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(100):  # the handler runs in the main thread between bytecodes
        time.sleep(0.001)


def test_sigterm_in_process_chains_and_restores(make_probe, store, user_handler) -> None:
    handler, calls = user_handler
    tracker = Tracker(region="FR", probes=[make_probe()], store=store, **FAST).start()
    assert signal.getsignal(signal.SIGTERM) != handler
    _deliver_sigterm()
    assert calls == [signal.SIGTERM]
    assert tracker.record.status == "interrupted" and tracker.record.status_reason == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is handler


def test_handler_installed_during_the_run_is_not_clobbered(make_probe, store, user_handler) -> None:
    tracker = Tracker(region="FR", probes=[make_probe()], store=store, **FAST).start()
    later_calls: list[int] = []

    def later(signum, frame):
        later_calls.append(signum)

    signal.signal(signal.SIGTERM, later)
    tracker.stop()
    assert signal.getsignal(signal.SIGTERM) is later


def test_stop_from_another_thread_keeps_sigterm_working(make_probe, store, user_handler) -> None:
    _, calls = user_handler
    tracker = Tracker(region="FR", probes=[make_probe()], store=store, **FAST).start()
    worker = threading.Thread(target=tracker.stop)
    worker.start()
    worker.join()
    assert tracker.record.status == "completed"
    _deliver_sigterm()
    assert calls == [signal.SIGTERM]  # the signal still reaches the user's handler
    assert tracker.record.status == "completed"


def test_nested_runs_chain_and_unwind(make_probe, store, user_handler) -> None:
    handler, calls = user_handler
    outer = Tracker("outer", region="FR", probes=[make_probe()], store=store, **FAST).start()
    inner = Tracker("inner", region="FR", probes=[make_probe()], store=store, **FAST).start()
    outer.stop()  # out of order
    inner.stop()
    assert signal.getsignal(signal.SIGTERM) is handler
    _deliver_sigterm()
    assert calls == [signal.SIGTERM]


def test_handle_signals_false_leaves_sigterm_alone(make_probe, store, user_handler) -> None:
    handler, _ = user_handler
    tracker = Tracker(region="FR", probes=[make_probe()], store=store, handle_signals=False, **FAST)
    tracker.start()
    assert signal.getsignal(signal.SIGTERM) is handler
    tracker.stop()


def test_started_in_a_worker_thread(make_probe, store, user_handler) -> None:
    handler, _ = user_handler
    results = []

    def work() -> None:
        with Tracker(region="FR", probes=[make_probe()], store=store, **FAST) as run:
            time.sleep(0.02)
        results.append(run.record)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert results[0].status == "completed"
    assert signal.getsignal(signal.SIGTERM) is handler
