"""Issue 8, items 1-3 and 5-7: what a run must not lose or bend (phases, first reading,
checkpoint atomicity, a full disk, names that are not UTF-8, a clock that goes back)."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import warnings

import pytest

from carbonest.probes.fake import ManualClock
from carbonest.store.sqlite import SQLiteStore
from carbonest.measure.tracker import Tracker, track
from carbonest.units import J_PER_KWH

from _trackertest_helpers import FAST


# -- 1. phases in a loop -------------------------------------------------------------------------


def test_phase_in_a_loop_is_tallied_and_each_phase_stored_once(make_probe, tmp_path) -> None:
    from carbonest.records.run import MAX_RECORD_PHASES

    store = SQLiteStore(tmp_path / "runs.sqlite")
    with track("loop", region="FR", probes=[make_probe()], store=store, interval_s=0.01,
               flush_interval_s=0.02) as run:
        for i in range(3000):
            with run.phase("step"):
                pass
            if i % 1000 == 0:
                with run.phase("eval"):
                    time.sleep(0.01)
                time.sleep(0.03)  # let checkpoints happen in between
    r = run.record
    assert r.phases_total == 3003 and len(r.phases) == MAX_RECORD_PHASES
    stats = {s.name: s for s in r.phase_stats}
    assert stats["step"].count == 3000 and stats["eval"].count == 3
    assert stats["step"].min_duration_s <= stats["step"].max_duration_s
    assert stats["eval"].duration_s >= 3 * 0.009
    stored = store.phases(run.run_id)
    assert len(stored) == 3003  # each once: none lost, none written twice
    assert sum(1 for p in stored if p["name"] == "eval") == 3
    eval_j = sum(p["it_energy_kwh"] or 0.0 for p in stored if p["name"] == "eval") * J_PER_KWH
    assert eval_j == pytest.approx((stats["eval"].it_energy_kwh or 0.0) * J_PER_KWH)
    saved = store.get_run(run.run_id)
    assert saved == r.to_dict() and len(saved["phases"]) == MAX_RECORD_PHASES
    store.close()


def test_the_record_stays_small_however_many_phases(make_probe, store) -> None:
    sizes = []
    with track(region="FR", probes=[make_probe()], store=store, **FAST) as run:
        for n in (1000, 5000):
            while run._phases_total < n:
                with run.phase("step"):
                    pass
            sizes.append(len(json.dumps(run.record.to_dict())))
    assert sizes[1] < sizes[0] * 1.1  # O(1) in the number of phases, not linear
    assert len(run._pending_phases) == 0 and len(store.phases(run.run_id)) == 5000


class _ThreadSpyStore(SQLiteStore):
    """Records which thread stored each batch of phases."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[tuple[str, int]] = []

    def add_phases(self, run_id, phases) -> None:
        self.batches.append((threading.current_thread().name, len(phases)))
        super().add_phases(run_id, phases)


def test_a_full_phase_batch_is_stored_by_the_thread_that_closed_it(make_probe, tmp_path) -> None:
    """Not by the sampler thread, whose readings it would delay (benchmarks.md, issue 8)."""
    from carbonest.measure.tracker import PHASE_BATCH

    store = _ThreadSpyStore(tmp_path / "runs.sqlite")
    with track(region="FR", probes=[make_probe()], store=store, interval_s=0.01, flush_interval_s=60.0) as run:
        for _ in range(PHASE_BATCH - 1):
            with run.phase("step"):
                pass
        assert store.batches == [] and len(run._pending_phases) == PHASE_BATCH - 1
        with run.phase("step"):
            pass
        assert store.batches == [(threading.current_thread().name, PHASE_BATCH)]
        assert len(run._pending_phases) == 0
    assert len(store.phases(run.run_id)) == PHASE_BATCH
    store.close()


def test_the_sampler_thread_stores_phases_only_when_two_batches_are_left_waiting(make_probe, tmp_path) -> None:
    from carbonest.measure.tracker import PHASE_BATCH

    store = _ThreadSpyStore(tmp_path / "runs.sqlite")
    with track(region="FR", probes=[make_probe()], store=store, interval_s=0.01, flush_interval_s=60.0) as run:
        with run._phase_writes:  # as while a checkpoint stores phases: the closing thread skips its write
            for _ in range(2 * PHASE_BATCH):
                with run.phase("step"):
                    pass
            assert store.batches == []
        end = time.monotonic() + 5.0
        while not store.batches and time.monotonic() < end:
            time.sleep(0.01)
        assert store.batches == [("carbonest-sampler", 2 * PHASE_BATCH)]
    assert len(store.phases(run.run_id)) == 2 * PHASE_BATCH  # each once
    store.close()


# -- 2. the first reading comes before any store work -------------------------------------------


class _SpyStore(SQLiteStore):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.first: dict | None = None

    def checkpoint(self, record, samples=(), phases=()):
        if self.first is None:
            self.first = dict(record)
        super().checkpoint(record, samples, phases)


def test_discovered_probes_are_read_before_the_store_is_written(tmp_path, monkeypatch) -> None:
    from carbonest.probes import discovery
    from carbonest.probes.fake import FakeProbe

    def fake_discover(components, **_):
        probe = FakeProbe({"gpu:0": 100.0})
        probe.open()
        return [probe], [probe.describe()]

    monkeypatch.setattr(discovery, "discover_probes", fake_discover)
    store = _SpyStore(tmp_path / "runs.sqlite")
    with track(region="FR", store=store, **FAST) as run:
        assert run.wait_ready()
        time.sleep(0.05)
    assert store.first is not None and store.first["measured_from_s"] is not None
    store.close()


def test_the_run_is_in_the_store_when_start_returns_however_busy_the_main_thread(tmp_path, monkeypatch) -> None:
    """Where discovery is cheap (no NVIDIA driver), the first reading and the run's registration
    happen in start() itself: a CPU-bound main thread right after start() cannot hold them up, and
    a SIGKILL at any time after start() returns leaves the run in the store."""
    from carbonest.measure.setup import discovery_is_cheap

    if not discovery_is_cheap():
        pytest.skip("an NVIDIA driver is visible: discovery and registration run on the sampler thread")
    monkeypatch.setenv("CARBONEST_HOME", str(tmp_path))
    run = track("busy", region="FR", interval_s=0.05)
    run.start()
    with SQLiteStore(tmp_path / "runs.sqlite", read_only=True) as reader:  # no CPU given to the thread
        stored = reader.get_run(run.run_id)
    assert stored["status"] == "running" and stored["measured_from_s"] is not None
    end = time.monotonic() + 0.2
    while time.monotonic() < end:  # the training loop goes on
        sum(i * i for i in range(1000))
    run.stop()


# -- 3. one transaction per checkpoint -----------------------------------------------------------


def _transactions(statements: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    current: list[str] | None = None
    for s in statements:
        head = s.strip().split()[0].upper()
        if head == "BEGIN":
            current = []
        elif head in ("COMMIT", "ROLLBACK") and current is not None:
            out.append(current)
            current = None
        elif current is not None:
            current.append(" ".join(s.split()))
    return out


def test_each_checkpoint_of_the_tracker_is_one_transaction(make_probe, tmp_path) -> None:
    store = SQLiteStore(tmp_path / "runs.sqlite")
    store.list_runs()  # opens the connection, to watch what the tracker sends on it
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)
    with track(region="FR", probes=[make_probe()], store=store, interval_s=0.01, flush_interval_s=0.03):
        time.sleep(0.2)
    writes = [t for t in _transactions(statements) if any("INSERT INTO samples" in s for s in t)]
    assert len(writes) >= 3
    for t in writes:  # the record and the samples it counts commit together, record first
        assert t[0].startswith("INSERT INTO runs"), t[:2]
    store.close()


def test_a_checkpoint_whose_samples_fail_leaves_the_record_as_it_was(make_probe, tmp_path) -> None:
    path = tmp_path / "runs.sqlite"
    store = SQLiteStore(path)
    store.list_runs()
    store._conn.execute("CREATE TRIGGER full BEFORE INSERT ON samples"
                        " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    with pytest.warns(RuntimeWarning, match="disk is full"):
        with track(region="FR", probes=[make_probe()], store=store, interval_s=0.01,
                   flush_interval_s=0.03) as run:
            time.sleep(0.15)
    stored = store.get_run(run.run_id)
    stored_j = (stored["it_energy_kwh"] or 0.0) * J_PER_KWH
    assert stored_j <= sum(s.energy_j or 0.0 for s in store.samples(run.run_id)) + 1e-9
    assert run.record.it_energy_kwh > 0  # the run itself measured, and said so (item 5)
    store.close()


# -- 5. a full disk at the final save ------------------------------------------------------------


class _FillingStore(SQLiteStore):
    """SQLite that answers every write with SQLITE_FULL once ``full`` is set (the sqlite boundary)."""

    full = False

    def _attempt(self, fn, *, write):
        if write and self.full:
            raise sqlite3.OperationalError("database or disk is full")
        return super()._attempt(fn, write=write)


def test_final_save_on_a_full_disk_prints_the_record_and_notes_it(make_probe, tmp_path, capfd) -> None:
    store = _FillingStore(tmp_path / "runs.sqlite")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with track("full", region="FR", probes=[make_probe()], store=store, **FAST) as run:
            time.sleep(0.1)
            store.full = True
    err = capfd.readouterr().err
    assert "could not be saved" in err and "database or disk is full" in err
    line = next(x for x in err.splitlines() if x.startswith("{"))
    printed = json.loads(line)
    assert printed["run_id"] == run.run_id and printed["status"] == "completed"
    assert printed["it_energy_kwh"] == pytest.approx(run.record.it_energy_kwh)
    assert any("disk is full" in w for w in run.record.warnings)
    from carbonest.store import final_note

    note = final_note.read(store.path, run.run_id)
    assert note == {"status": "completed", "reason": note["reason"]} and "disk is full" in note["reason"]
    store.close()


def test_a_completed_run_whose_final_save_failed_is_listed_completed(tmp_path) -> None:
    from carbonest.store import final_note
    from carbonest.store.runinfo import hostname

    path = tmp_path / "runs.sqlite"
    dead_pid = 2**22 + 7  # above the default pid_max: no live process has it
    killed, completed = "ab" * 16, "cd" * 16
    with SQLiteStore(path) as store:
        for run_id, started in ((killed, "2026-01-01T00:00:00Z"), (completed, "2026-01-01T00:01:00Z")):
            store.save_run({"run_id": run_id, "name": "x", "status": "running", "started_at": started,
                            "host": hostname(), "pid": dead_pid, "it_energy_kwh": 0.5})
            store.reserve_final_note(run_id)
    # the one run ended, but its final record did not fit; the other was killed (blank note)
    assert final_note.fill(path, completed, "completed", "run store: database or disk is full")
    with SQLiteStore(path) as store:
        listed = {r["run_id"]: r for r in store.list_runs()}
    assert listed[killed]["status"] == "interrupted" and "final_record_error" not in listed[killed]
    assert listed[completed]["status"] == "completed"
    assert listed[completed]["final_record_error"] == "run store: database or disk is full"
    assert listed[completed]["it_energy_kwh"] == 0.5  # the figures of its last checkpoint
    assert not os.path.exists(final_note.note_path(path, completed))  # applied to the store, then dropped
    with SQLiteStore(path) as store:
        assert store.get_run(completed)["status"] == "completed"


# -- 6. text that is not UTF-8 -------------------------------------------------------------------


def test_a_name_that_is_not_utf8_keeps_the_run(make_probe, tmp_path) -> None:
    store = SQLiteStore(tmp_path / "runs.sqlite")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with track("bad\udcffname", region="FR", probes=[make_probe()], store=store, **FAST) as run:
            with run.phase("ph\udcfe"):
                time.sleep(0.03)
    (saved,) = store.list_runs()
    assert saved["name"] == "bad\ufffdname" == run.record.name
    assert saved["status"] == "completed" and saved["it_energy_kwh"] > 0
    assert [p["name"] for p in store.phases(run.run_id)] == ["ph\ufffd"]
    store.close()


# -- 7. a clock that goes back -------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["energy", "power"])
def test_a_clock_going_back_stores_no_negative_figure(make_probe, store, mode) -> None:
    clock = ManualClock()
    probe = make_probe({"gpu:0": 100.0}, clock=clock, mode=mode)
    with pytest.warns(RuntimeWarning, match="clock went back"):
        with track(region="FR", probes=[probe], store=store, clock=clock, **FAST) as run:
            clock.advance(2.0)
            time.sleep(0.05)
            with run.phase("back"):
                clock.now_s -= 10.0  # a suspended VM's clock, or an injected one
                time.sleep(0.05)
            clock.advance(1.0)
            time.sleep(0.05)
    r = run.record
    assert r.duration_s >= 0 and r.it_energy_kwh is not None and r.it_energy_kwh >= 0
    assert all(p.duration_s >= 0 and (p.it_energy_kwh or 0) >= 0 for p in r.phases)
    assert all((s.energy_j or 0) >= 0 for s in store.samples(r.run_id))
    assert any("clock went backwards" in w for w in r.warnings)
    # the intervals that went forward still count: 2 s + 1 s at 100 W
    assert r.it_energy_kwh * J_PER_KWH == pytest.approx(300.0, rel=0.01)
