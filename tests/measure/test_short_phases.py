"""A phase shorter than a few sampling intervals: interpolated energy, said so, never above the draw.

The issue's case: a 0.5 s phase recorded 192 W on a CPU model capped at 100 W. The phase's edges
fell between readings 1 s apart, so the energy difference of the published totals held a whole
interval's energy (100 J) against 0.5 s of wall time.
"""

from __future__ import annotations

import pytest

from carbonest.formulas.energy import energy_at_j
from carbonest.measure.tracker import track
from carbonest.probes.fake import ManualClock
from carbonest.units import J_PER_KWH

SLOW = {"interval_s": 3600.0, "flush_interval_s": 3600.0}  # the test takes every reading itself


def test_a_half_second_phase_between_readings_stays_under_the_draw(make_probe, store) -> None:
    clock = ManualClock()
    probe = make_probe({"cpu:0": 100.0}, clock=clock)
    with track("short", region="FR", pue=1.0, probes=[probe], store=store, clock=clock, **SLOW) as run:
        clock.advance(1.0)
        run._sampler.sample_once()          # reading at 1 s: 100 J so far
        clock.advance(0.7)
        with run.phase("eval"):             # opens at 1.7 s
            clock.advance(0.3)
            run._sampler.sample_once()      # reading at 2 s: 200 J so far
            clock.advance(0.2)              # closes at 2.2 s
        clock.advance(1.0)
    (phase,) = run.record.phases
    assert phase.duration_s == pytest.approx(0.5)
    mean_w = phase.it_energy_kwh * J_PER_KWH / phase.duration_s
    assert mean_w <= 100.0 + 1e-9, f"{mean_w:.0f} W over a 100 W device"
    assert phase.it_energy_kwh * J_PER_KWH == pytest.approx(50.0)
    assert phase.note is not None and "interpolated" in phase.note and "1 s" in phase.note
    assert store.get_run(run.run_id)["phases"][0]["note"] == phase.note


def test_a_long_phase_has_no_interpolation_note(make_probe, store) -> None:
    clock = ManualClock()
    probe = make_probe({"cpu:0": 100.0}, clock=clock)
    with track("long", region="FR", pue=1.0, probes=[probe], store=store, clock=clock, **SLOW) as run:
        with run.phase("train"):
            for _ in range(10):
                clock.advance(1.0)
                run._sampler.sample_once()
    (phase,) = run.record.phases
    assert phase.note is None and phase.it_energy_kwh * J_PER_KWH == pytest.approx(1000.0)


def test_energy_at_interpolates_between_readings_and_extrapolates_the_last_power() -> None:
    times, energies = [0.0, 1.0, 2.0], [0.0, 100.0, 150.0]
    assert energy_at_j(times, energies, 0.5) == pytest.approx(50.0)
    assert energy_at_j(times, energies, 1.5) == pytest.approx(125.0)
    assert energy_at_j(times, energies, 3.0) == pytest.approx(200.0)  # 50 W, the last interval's
    assert energy_at_j(times, energies, -1.0) == pytest.approx(0.0)   # nothing before the first
    assert energy_at_j([5.0], [7.0], 9.0) == pytest.approx(7.0)       # one reading: no power known
