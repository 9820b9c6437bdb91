"""Sampler: life cycle, validation, integration, failures, flushing, cost."""

from __future__ import annotations

import threading
import time
import warnings

import pytest

from carbonest.errors import InvalidInputError
from carbonest.probes.fake import FakeProbe, ManualClock
from carbonest.records import Sample
from carbonest.measure.sampler import Sampler, SamplerTotals


def test_interval_and_options_validated() -> None:
    with pytest.raises(InvalidInputError):
        Sampler([], interval_s=0.001)
    with pytest.raises(InvalidInputError):
        Sampler([], interval_s=float("nan"))
    with pytest.raises(InvalidInputError):
        Sampler([], flush_interval_s=0)
    with pytest.raises(InvalidInputError):
        Sampler([], max_samples=0)


def test_created_stopped_and_start_stop_idempotent() -> None:
    probe = FakeProbe()
    probe.open()
    s = Sampler([probe], interval_s=0.01)
    assert not s.running
    s.stop()  # stop before start: no-op
    s.start()
    s.start()
    assert s.running
    assert sum(t.name == "carbonest-sampler" for t in threading.enumerate()) == 1
    s.stop()
    s.stop()
    assert not s.running and s.error is None


def test_counter_integration_with_wrap_and_manual_clock() -> None:
    clock = ManualClock()
    probe = FakeProbe({"gpu:0": 100.0}, max_energy_j=250.0, clock=clock)
    probe.open()
    s = Sampler([probe], clock=clock)
    s.sample_once()  # baseline
    for _ in range(10):  # 100 W for 10 x 1 s = 1000 J, wrapping at 250 J four times
        clock.advance(1.0)
        s.sample_once()
    d = s.snapshot().devices["fake/gpu:0"]
    assert d.method == "counter"
    assert d.energy_j == pytest.approx(1000.0)
    assert d.mean_power_w == pytest.approx(100.0) and d.peak_power_w == 100.0
    assert d.samples == 11 and d.covered_s == pytest.approx(10.0)
    assert d.provenance is not None and d.provenance.label == "measured:fake:gpu:0"


def test_power_only_trapezoid() -> None:
    clock = ManualClock()
    probe = FakeProbe({"gpu:0": [0.0, 100.0, 100.0, 300.0]}, mode="power", clock=clock)
    probe.open()
    s = Sampler([probe], clock=clock)
    for _ in range(4):
        s.sample_once()
        clock.advance(2.0)
    d = s.snapshot().devices["fake/gpu:0"]
    assert d.method == "power"
    assert d.energy_j == pytest.approx(100.0 + 200.0 + 400.0)
    assert d.peak_power_w == 300.0
    samples = s.drain_samples()
    assert [x.energy_j for x in samples] == pytest.approx([100.0, 200.0, 400.0])
    assert samples[0].timestamp_s == pytest.approx(2.0) and samples[0].power_w == pytest.approx(
        50.0
    )
    assert s.drain_samples() == []


def test_failed_device_read_keeps_counter_exact() -> None:
    clock = ManualClock()
    probe = FakeProbe({"a": 10.0, "b": 20.0}, fail_after=2, fail_device="b", clock=clock)
    probe.open()
    s = Sampler([probe], clock=clock)
    for _ in range(5):
        s.sample_once()
        clock.advance(1.0)
    snap = s.snapshot()
    assert snap.devices["fake/a"].energy_j == pytest.approx(40.0)
    b = snap.devices["fake/b"]
    assert (
        b.energy_j == pytest.approx(20.0) and b.failures == 3 and b.last_error == "scripted failure"
    )


def test_probe_dying_mid_run_is_dropped_and_energy_kept() -> None:
    clock = ManualClock()
    dying = FakeProbe({"gpu:0": 50.0}, fail_after=3, fail_mode="probe", clock=clock)
    cpu = FakeProbe({"cpu": 10.0}, component="cpu", name="cpu", clock=clock)
    for p in (dying, cpu):
        p.open()
    s = Sampler([dying, cpu], clock=clock)
    with pytest.warns(RuntimeWarning, match="dropped"):
        for _ in range(5):
            s.sample_once()
            clock.advance(1.0)
    snap = s.snapshot()
    assert snap.devices["fake/gpu:0"].energy_j == pytest.approx(100.0)
    assert snap.devices["cpu/cpu"].energy_j == pytest.approx(40.0)
    assert snap.dropped and snap.dropped[0][0] == "fake"
    assert s.error is None  # an unavailable probe is not a sampler error


class _Buggy(FakeProbe):
    def read(self):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("bug in a probe")


def test_unexpected_exception_in_thread_is_kept_and_reported() -> None:
    probe = _Buggy()
    probe.open()
    s = Sampler([probe], interval_s=0.01)
    with pytest.warns(RuntimeWarning, match="bug in a probe"):
        s.start()
        s.stop()
    assert isinstance(s.error, ZeroDivisionError)


def test_flush_callback_from_thread_and_at_stop() -> None:
    calls: list[tuple[list[Sample], SamplerTotals, str]] = []
    got = threading.Event()

    def on_flush(samples: list[Sample], totals: SamplerTotals) -> None:
        calls.append((samples, totals, threading.current_thread().name))
        got.set()

    probe = FakeProbe({"gpu:0": 100.0})
    probe.open()
    s = Sampler([probe], interval_s=0.01, on_flush=on_flush, flush_interval_s=0.03)
    s.start()
    assert got.wait(2.0)
    s.stop()
    assert calls[0][2] == "carbonest-sampler"
    assert calls[-1][2] == threading.current_thread().name  # the final flush at stop
    all_samples = [x for c in calls for x in c[0]]
    final = calls[-1][1]
    assert sum(x.energy_j or 0.0 for x in all_samples) == pytest.approx(
        final.devices["fake/gpu:0"].energy_j
    )
    assert final.components["gpu"] == pytest.approx(final.devices["fake/gpu:0"].energy_j)


def test_flush_exception_is_kept() -> None:
    def boom(samples: list[Sample], totals: SamplerTotals) -> None:
        raise OSError("disk full")

    probe = FakeProbe()
    probe.open()
    s = Sampler([probe], interval_s=0.01, on_flush=boom)
    with pytest.warns(RuntimeWarning, match="disk full"):
        s.start()
        s.stop()
    assert isinstance(s.error, OSError)


def test_real_thread_energy_close_to_power_times_time() -> None:
    probe = FakeProbe({"gpu:0": 200.0})
    probe.open()
    s = Sampler([probe], interval_s=0.01)
    t0 = time.monotonic()
    s.start()
    time.sleep(0.2)  # the test waits; the sampler itself never sleeps
    s.stop()
    elapsed = time.monotonic() - t0
    d = s.snapshot().devices["fake/gpu:0"]
    assert d.samples >= 5
    assert d.energy_j == pytest.approx(200.0 * d.covered_s)
    assert 0.15 < d.covered_s <= elapsed


def test_non_additive_devices_excluded_from_components_and_phases() -> None:
    from carbonest.probes.base import DeviceInfo

    clock = ManualClock()
    probe = FakeProbe({"package-0": 50.0, "psys": 80.0}, component="cpu", name="rapl", clock=clock)
    probe.open()
    probe._info["psys"] = DeviceInfo("psys", "cpu", additive=False)
    s = Sampler([probe], clock=clock)
    s.sample_once()
    clock.advance(1.0)
    s.sample_once()
    phase_start = s.snapshot()
    clock.advance(2.0)
    s.sample_once()
    end = s.snapshot()
    assert end.components == {"cpu": pytest.approx(150.0)}
    assert end.component_energy_j_since(phase_start) == {"cpu": pytest.approx(100.0)}
    assert end.energy_j_since(phase_start)["rapl/psys"] == pytest.approx(160.0)


def test_restart_does_not_count_the_pause() -> None:
    clock = ManualClock()
    probe = FakeProbe({"d": 10.0}, clock=clock)
    probe.open()
    s = Sampler([probe], clock=clock, interval_s=60.0)
    s.start()
    clock.advance(1.0)
    s.stop()
    clock.advance(100.0)  # paused
    s.start()
    clock.advance(1.0)
    s.stop()
    assert s.snapshot().devices["fake/d"].energy_j == pytest.approx(20.0)


def test_duplicate_probe_names_get_unique_keys() -> None:
    a, b = FakeProbe({"x": 1.0}), FakeProbe({"x": 2.0})
    for p in (a, b):
        p.open()
    s = Sampler([a, b])
    s.sample_once()
    assert set(s.snapshot().devices) == {"fake/x", "fake#2/x"}


def test_sample_buffer_is_bounded() -> None:
    clock = ManualClock()
    probe = FakeProbe({"d": 1.0}, clock=clock)
    probe.open()
    s = Sampler([probe], clock=clock, max_samples=3)
    for _ in range(6):
        s.sample_once()
        clock.advance(1.0)
    assert len(s.drain_samples()) == 3 and s.samples_dropped == 2


def test_per_sample_cost_is_small() -> None:
    probe = FakeProbe({f"gpu:{i}": 100.0 for i in range(8)})
    probe.open()
    s = Sampler([probe])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.sample_once()
        n = 500
        start = time.process_time()
        for _ in range(n):
            s.sample_once()
        per_sample = (time.process_time() - start) / n
    assert per_sample < 0.002  # generous bound for CI noise; ~0.05 ms measured here


def test_prepare_runs_on_the_thread_and_start_returns_at_once() -> None:
    import threading
    import time as _time

    from carbonest.probes.fake import FakeProbe
    from carbonest.measure.sampler import Sampler

    seen: dict[str, object] = {}

    def prepare():
        seen["thread"] = threading.current_thread().name
        _time.sleep(0.2)  # slow discovery (e.g. NVML init)
        probe = FakeProbe({"gpu:0": 50.0})
        probe.open()
        return [probe]

    s = Sampler([], interval_s=0.01, prepare=prepare)
    t0 = _time.perf_counter()
    s.start()
    assert _time.perf_counter() - t0 < 0.1
    assert s.wait_ready(5)
    assert seen["thread"] == "carbonest-sampler"
    assert s.ready_s is not None and s.ready_s >= 0.2
    _time.sleep(0.1)
    s.stop()
    assert s.snapshot().components["gpu"] > 0


def test_a_failing_prepare_is_reported_and_sampling_goes_on() -> None:
    import warnings

    from carbonest.probes.fake import FakeProbe
    from carbonest.measure.sampler import Sampler

    given = FakeProbe({"cpu": 10.0}, component="cpu")
    given.open()

    def prepare():
        raise RuntimeError("discovery broke")

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        s = Sampler([given], interval_s=0.01, prepare=prepare)
        s.start()
        assert s.wait_ready(5)
        import time

        time.sleep(0.1)  # ten intervals after the failed prepare
        s.stop()
    assert isinstance(s.error, RuntimeError) and "discovery broke" in str(s.error)
    # sampling went on: the given probe kept being read, and its energy grew
    assert s.snapshot().components["cpu"] > 0


def test_history_keeps_the_last_readings_as_new_tuples_and_component_sums() -> None:
    from carbonest.measure.sampler import HISTORY
    from carbonest.probes.base import DeviceInfo

    clock = ManualClock()
    probe = FakeProbe({"package-0": 50.0, "psys": 80.0, "package-1": 25.0}, component="cpu", name="rapl", clock=clock)
    probe.open()
    probe._info["psys"] = DeviceInfo("psys", "cpu", additive=False)
    s = Sampler([probe], clock=clock)
    start = clock()
    seen = []
    for _ in range(HISTORY + 5):
        s.sample_once()
        seen.append(s.history)
        clock.advance(1.0)
    assert [len(h) for h in seen[:3]] == [1, 2, 3] and len(seen[-1]) == HISTORY
    assert seen[-2] is not seen[-1] and len(seen[-2]) == HISTORY  # replaced, never changed in place
    times = [t for t, _ in seen[-1]]
    assert times == [start + i for i in range(5, HISTORY + 5)]
    assert seen[-1][-1][1] is s.energy_now
    assert s.energy_now == {"cpu": pytest.approx((50.0 + 25.0) * (HISTORY + 4))}  # psys not added


def test_drained_samples_are_samples_of_each_interval() -> None:
    clock = ManualClock()
    probe = FakeProbe({"gpu:0": 100.0, "gpu:1": 50.0}, clock=clock)
    probe.open()
    flushed: list = []
    s = Sampler([probe], clock=clock, on_flush=lambda samples, totals: flushed.extend(samples))
    for _ in range(3):
        s.sample_once()
        clock.advance(2.0)
    samples = s.drain_samples()
    assert all(type(x) is Sample for x in samples)
    assert samples == [Sample(2.0, "gpu", "gpu:0", 100.0, 200.0), Sample(2.0, "gpu", "gpu:1", 50.0, 100.0),
                       Sample(4.0, "gpu", "gpu:0", 100.0, 200.0), Sample(4.0, "gpu", "gpu:1", 50.0, 100.0)]
    s.sample_once()
    s._flush()
    assert flushed == [Sample(6.0, "gpu", "gpu:0", 100.0, 200.0), Sample(6.0, "gpu", "gpu:1", 50.0, 100.0)]
