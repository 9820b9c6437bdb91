"""The three ways in (with, decorator, start/stop) and how a run ends."""

from __future__ import annotations

import time

import pytest

import carbonest
from carbonest.errors import CarbonestError
from carbonest.probes.fake import ManualClock
from carbonest.measure.tracker import Tracker, track
from carbonest.units import J_PER_KWH

from _trackertest_helpers import FAST


def test_with_block_measures_scripted_power(make_probe, store) -> None:
    probe = make_probe({"gpu:0": 100.0})
    with track("train", region="FR", probes=[probe], store=store, **FAST) as run:
        time.sleep(0.3)
    r = run.record
    assert r.status == "completed" and r.status_reason is None and r.ended_at is not None
    gpu = dict(r.components)["gpu"]
    assert gpu["mean_power_w"] == pytest.approx(100.0)
    assert gpu["provenance"] == "measured:fake:gpu:0" and gpu["method"] == ["counter"]
    energy_j = r.it_energy_kwh * J_PER_KWH
    covered_s = energy_j / gpu["mean_power_w"]
    assert 0.3 <= covered_s <= r.duration_s
    assert energy_j == pytest.approx(100.0 * r.duration_s, abs=100.0 * 0.1)
    # the record's own figures hang together exactly
    assert r.energy_kwh == r.it_energy_kwh * r.pue
    assert r.co2e_kg == r.energy_kwh * r.intensity_g_per_kwh / 1000
    assert r.region.id == "FR" and r.region.kind == "country" and r.region.year
    prov = dict(r.provenance)
    assert prov["region"] == "user"
    assert prov["intensity_g_per_kwh"].startswith("table:regions FR")
    assert prov["pue"].startswith("table:datacenters")
    assert any("No PUE given" in n for n in r.notes)
    assert r.not_measured == ("cpu", "dram") and r.warnings == ()
    assert "cpu: not measured (no probe for it among the probes given)" in r.notes
    assert r.interval_s == FAST["interval_s"] and r.carbonest_version == carbonest.__version__


def test_manual_clock_gives_exact_energy(make_probe, store) -> None:
    clock = ManualClock()
    probe = make_probe({"gpu:0": 250.0, "gpu:1": 50.0}, clock=clock)
    with track("exact", region="FR", pue=1.25, probes=[probe], store=store, clock=clock, **FAST) as run:
        clock.advance(2.0)
        time.sleep(0.05)  # the sampler thread reads at the advanced time: nothing is lost
        clock.advance(2.0)
    r = run.record
    assert r.duration_s == 4.0
    assert r.it_energy_kwh * J_PER_KWH == pytest.approx(300.0 * 4.0, rel=1e-12)
    assert r.mean_power_w == pytest.approx(300.0)
    assert r.energy_kwh == r.it_energy_kwh * 1.25 and dict(r.provenance)["pue"] == "user"
    assert dict(r.components)["gpu"]["count"] == 2


def test_intensity_instead_of_region(make_probe, store) -> None:
    with track(intensity_g_per_kwh=100.0, pue=1.0, probes=[make_probe()], store=store, **FAST) as run:
        time.sleep(0.05)
    r = run.record
    assert r.name == "run" and r.intensity_g_per_kwh == 100.0 and r.region.id == "custom"
    assert dict(r.provenance)["intensity_g_per_kwh"] == "user"
    assert r.co2e_kg == r.energy_kwh * 100.0 / 1000


def test_public_face(make_probe, store) -> None:
    assert carbonest.track is track and carbonest.Tracker is Tracker
    with carbonest.track("x", region="FR", probes=[make_probe()], store=store, **FAST) as run:
        pass
    assert isinstance(run.record, carbonest.RunRecord)


def test_decorator_fresh_run_per_call(make_probe, store) -> None:
    probe = make_probe()

    @track(region="FR", probes=[probe], store=store, **FAST)
    def step(x: int) -> int:
        time.sleep(0.02)
        return x * 2

    assert step(2) == 4 and step(5) == 10
    assert step.__name__ == "step"
    runs = store.list_runs()
    assert len(runs) == 2 and len({r["run_id"] for r in runs}) == 2
    assert {r["name"] for r in runs} == {step.__qualname__}
    assert all(r["status"] == "completed" for r in runs)


def test_decorator_keeps_an_explicit_name_and_records_failures(make_probe, store) -> None:
    @track("named", region="FR", probes=[make_probe()], store=store, **FAST)
    def boom() -> None:
        raise LookupError("nope")

    with pytest.raises(LookupError):
        boom()
    (run,) = store.list_runs()
    assert run["name"] == "named" and run["status"] == "failed"


def test_bare_decorator_without_parentheses(home, monkeypatch) -> None:
    """``@carbonest.track`` with no call, the usual slip, measures with the defaults."""
    from carbonest.probes import discovery
    from carbonest.store.sqlite import SQLiteStore

    monkeypatch.setenv("CARBONEST_REGION", "FR")
    monkeypatch.setattr(discovery, "discover_probes", lambda components, **_: ([], []))

    @track
    def answer() -> int:
        return 42

    assert not isinstance(answer, Tracker) and answer.__name__ == "answer"
    assert answer() == 42
    with SQLiteStore(home / "runs.sqlite") as stored:
        (run,) = stored.list_runs()
    assert run["name"] == answer.__qualname__ and run["status"] == "completed"


def test_name_must_be_text() -> None:
    from carbonest.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="name"):
        Tracker(42)  # type: ignore[arg-type]


def test_start_stop_idempotent(make_probe, store) -> None:
    tracker = Tracker("explicit", region="FR", probes=[make_probe()], store=store, **FAST)
    with pytest.raises(CarbonestError):
        tracker.record  # noqa: B018 - not started yet
    assert tracker.start() is tracker
    run_id = tracker.run_id
    tracker.start()
    time.sleep(0.05)
    live = tracker.record
    assert live.status == "running" and live.ended_at is None and live.run_id == run_id
    assert store.get_run(run_id)["status"] == "running"
    first = tracker.stop()
    second = tracker.stop()
    assert first is second and first.status == "completed"
    assert tracker.record is first
    tracker.start()  # a stopped tracker stays stopped
    assert tracker.record is first and len(store.list_runs()) == 1
    assert first.duration_s >= live.duration_s


def test_stop_without_start_gives_an_empty_completed_run(make_probe, store) -> None:
    record = Tracker("never", region="FR", probes=[make_probe()], store=store, **FAST).stop()
    assert record.status == "completed" and store.get_run(record.run_id)["status"] == "completed"


def test_exception_saved_as_failed_and_propagates_unchanged(make_probe, store) -> None:
    error = ValueError("bad batch")
    tracker = track("fails", region="FR", probes=[make_probe()], store=store, **FAST)
    with pytest.raises(ValueError) as caught:
        with tracker:
            raise error
    assert caught.value is error and caught.value.__context__ is None
    r = tracker.record
    assert r.status == "failed"
    assert "ValueError" in r.status_reason and "bad batch" in r.status_reason
    assert store.get_run(r.run_id)["status"] == "failed"


def test_keyboard_interrupt_is_interrupted(make_probe, store) -> None:
    tracker = track("ctrl-c", region="FR", probes=[make_probe()], store=store, **FAST)
    with pytest.raises(KeyboardInterrupt):
        with tracker:
            raise KeyboardInterrupt
    assert tracker.record.status == "interrupted"
    assert "KeyboardInterrupt" in tracker.record.status_reason
    assert store.get_run(tracker.run_id)["status"] == "interrupted"


@pytest.mark.parametrize(("code", "status"), [(0, "completed"), (None, "completed"), (2, "failed")])
def test_sys_exit_in_block(make_probe, store, code, status) -> None:
    tracker = track("exit", region="FR", probes=[make_probe()], store=store, **FAST)
    with pytest.raises(SystemExit):
        with tracker:
            raise SystemExit(code)
    assert tracker.record.status == status


def test_given_probes_are_not_closed_owned_ones_are(make_probe, store, monkeypatch) -> None:
    given = make_probe()
    with track(region="FR", probes=[given], store=store, **FAST):
        pass
    assert given.closed_count == 0

    from carbonest.probes import discovery
    from carbonest.probes.fake import FakeProbe

    discovered: list[FakeProbe] = []

    def fake_discover(components, **_):
        probe = FakeProbe({"package-0": 50.0}, component="cpu")
        probe.open()
        discovered.append(probe)
        return [probe], [probe.describe()]

    monkeypatch.setattr(discovery, "discover_probes", fake_discover)
    with track(region="FR", store=store, **FAST) as run:
        time.sleep(0.03)
    assert discovered and discovered[0].closed_count >= 1
    r = run.record
    assert dict(r.components)["cpu"]["mean_power_w"] == pytest.approx(50.0)
    assert set(r.not_measured) == {"gpu", "dram"}
