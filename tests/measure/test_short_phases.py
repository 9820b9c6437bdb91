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


def _reference_phase_between(ctx, name, started_at, t_start, t_end, opened, closed):
    """phase_between as first written (every reading of every component walked): the figures
    the bisecting version must give."""
    from carbonest.measure.summary import SHORT_PHASE_INTERVALS, PhaseRecord, _outputs

    def spacing_at(times, t, default_s):
        if len(times) < 2:
            return default_s
        for i in range(1, len(times)):
            if t <= times[i]:
                return times[i] - times[i - 1]
        return max(times[-1] - times[-2], t - times[-1])

    readings = dict(opened)
    readings.update(closed)
    times = sorted(readings)
    duration_s = max(0.0, t_end - t_start)
    per_comp = {}
    for c in sorted({c for _, e in readings.items() for c in e if c in ctx.wanted}):
        series = [(t, readings[t][c]) for t in times if c in readings[t]]
        ts, es = [t for t, _ in series], [e for _, e in series]
        per_comp[c] = max(0.0, energy_at_j(ts, es, t_end) - energy_at_j(ts, es, t_start)) / J_PER_KWH
    note = None
    spacing = max(spacing_at(times, t_start, ctx.interval_s), spacing_at(times, t_end, ctx.interval_s))
    if duration_s < SHORT_PHASE_INTERVALS * spacing:
        note = (f"energy interpolated between readings {spacing:.3g} s apart (resolution {spacing:.3g} s; "
                f"the phase lasted {duration_s:.3g} s)")
    it_energy = sum(per_comp.values()) if per_comp else None
    facility, co2, _ = _outputs(ctx, it_energy, None)
    return PhaseRecord(name=name, started_at=started_at, duration_s=duration_s, it_energy_kwh=it_energy,
                       energy_kwh=facility, co2e_kg=co2, components=tuple(sorted(per_comp.items())), note=note)


def test_phase_edges_give_the_figures_of_walking_every_reading(make_probe, store) -> None:
    """Random histories: components that appear late, a clock that steps back, edges before,
    between and after the readings, histories that overlap or not."""
    import random

    from carbonest.measure.summary import phase_between

    with track(region="FR", probes=[make_probe()], store=store, **SLOW) as run:
        ctx = run._ctx
    rng = random.Random(8)
    for case in range(400):
        t, energy, hist = 100.0, {"cpu": 0.0, "gpu": 0.0, "dram": 0.0}, []
        gpu_from = rng.choice([0, 0, 3, 10, 40])
        for k in range(rng.randint(1, 60)):
            t += rng.choice([0.01, 0.1, 0.5, 1.0]) * (-0.5 if rng.random() < 0.03 else 1.0)
            for c in energy:
                energy[c] += rng.random() * 50.0
            hist.append((t, {c: e for c, e in energy.items() if c != "gpu" or k >= gpu_from}))
        cut = rng.randint(0, len(hist))
        opened = tuple(hist[max(0, cut - 32):cut]) or tuple(hist[:1])
        closed = tuple(hist[max(cut, len(hist) - 32):]) if rng.random() < 0.8 else tuple(hist[-32:])
        lo, hi = hist[0][0] - 1.0, hist[-1][0] + 1.0
        t_start = rng.uniform(lo, hi) if rng.random() < 0.7 else rng.choice([h[0] for h in hist])
        t_end = t_start + rng.choice([0.0, 0.005, 0.05, 0.3, 2.0, 20.0])
        args = (ctx, "step", "2026-12-02T00:00:00.000Z", t_start, t_end, opened, closed)
        assert phase_between(*args) == _reference_phase_between(*args), case
