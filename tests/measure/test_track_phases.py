"""Named phases inside a run."""

from __future__ import annotations

import time

import pytest

from carbonest.errors import CarbonestError, InvalidInputError
from carbonest.probes.fake import ManualClock
from carbonest.measure.tracker import Tracker, track
from carbonest.units import J_PER_KWH

from _trackertest_helpers import FAST


def _wait_for_read(run, at_s: float) -> None:
    """Wait until the sampler thread has read at manual time ``at_s`` (a phase edge)."""
    deadline = time.monotonic() + 5
    while run._sampler.snapshot().devices["fake/gpu:0"].covered_s < at_s:
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_phase_energy_is_the_part_measured_inside(make_probe, store) -> None:
    clock = ManualClock()
    probe = make_probe({"gpu:0": 200.0}, clock=clock)
    with track("phases", region="FR", pue=1.5, probes=[probe], store=store, clock=clock, **FAST) as run:
        clock.advance(3.0)
        _wait_for_read(run, 3.0)
        with run.phase("eval"):
            clock.advance(1.0)
            _wait_for_read(run, 4.0)
        clock.advance(2.0)
    r = run.record
    (phase,) = r.phases
    assert phase.name == "eval" and phase.duration_s == pytest.approx(1.0)
    assert phase.it_energy_kwh * J_PER_KWH == pytest.approx(200.0)
    assert phase.energy_kwh == phase.it_energy_kwh * 1.5
    assert phase.co2e_kg == phase.energy_kwh * r.intensity_g_per_kwh / 1000
    assert dict(phase.components) == {"gpu": phase.it_energy_kwh}
    assert r.it_energy_kwh * J_PER_KWH == pytest.approx(200.0 * 6.0)
    assert store.get_run(r.run_id)["phases"] == [phase.to_dict()]


def test_phase_in_real_time(make_probe, store) -> None:
    with track(region="FR", probes=[make_probe({"gpu:0": 100.0})], store=store, **FAST) as run:
        time.sleep(0.1)
        with run.phase("eval"):
            time.sleep(0.2)
        with run.phase("eval"):  # a name may repeat
            pass
    first, second = run.record.phases
    inside_j = first.it_energy_kwh * J_PER_KWH
    # edges have the sampling interval's resolution (0.01 s here); slack for a loaded machine
    assert inside_j == pytest.approx(100.0 * first.duration_s, abs=100.0 * 0.06)
    assert 100.0 * 0.1 < inside_j < 100.0 * 0.4
    assert inside_j < run.record.it_energy_kwh * J_PER_KWH
    assert second.it_energy_kwh is not None and second.it_energy_kwh < first.it_energy_kwh


def test_phase_kept_when_its_block_raises(make_probe, store) -> None:
    with pytest.raises(RuntimeError):
        with track(region="FR", probes=[make_probe()], store=store, **FAST) as run:
            with run.phase("train"):
                raise RuntimeError("boom")
    assert [p.name for p in run.record.phases] == ["train"] and run.record.status == "failed"


def test_phase_outside_a_running_run_raises(make_probe, store) -> None:
    tracker = Tracker(region="FR", probes=[make_probe()], store=store, **FAST)
    with pytest.raises(CarbonestError, match="not running"):
        with tracker.phase("eval"):
            pass
    tracker.start()
    with pytest.raises(InvalidInputError):
        with tracker.phase(""):
            pass
    tracker.stop()
    with pytest.raises(CarbonestError, match="not running"):
        with tracker.phase("eval"):
            pass


def test_phases_are_visible_while_running(make_probe, store) -> None:
    with track(region="FR", probes=[make_probe()], store=store, **FAST) as run:
        with run.phase("warmup"):
            time.sleep(0.02)
        assert [p.name for p in run.record.phases] == ["warmup"]


def test_phase_open_when_the_run_stops_is_in_the_record(make_probe, store) -> None:
    tracker = Tracker(region="FR", probes=[make_probe()], store=store, **FAST).start()
    with tracker.phase("train"):
        time.sleep(0.03)
        record = tracker.stop("interrupted", "scripted")
    assert [p.name for p in record.phases] == ["train"]
    assert record.phases[0].it_energy_kwh > 0
    assert tracker.record is record and len(record.phases) == 1  # not added twice
    assert store.get_run(record.run_id)["phases"][0]["name"] == "train"
