"""Training code never crashes because of carbonest: missing probes, failing probes, failing stores."""

from __future__ import annotations

import time
import warnings

import pytest

from carbonest.measure import sampler as sampler_module
from carbonest.measure.tracker import track

from _trackertest_helpers import FAST, BrokenStore


def test_nothing_measurable_gives_none_never_zero(store) -> None:
    with track("blind", region="FR", probes=[], store=store, **FAST) as run:
        time.sleep(0.03)
        with run.phase("eval"):
            pass
    r = run.record
    assert r.status == "completed"
    assert r.it_energy_kwh is None and r.energy_kwh is None and r.co2e_kg is None
    assert r.mean_power_w is None and r.peak_power_w is None and r.water_l is None
    assert set(r.not_measured) == {"gpu", "cpu", "dram"}
    assert all(any(n.startswith(f"{c}: not measured") for n in r.notes) for c in ("gpu", "cpu", "dram"))
    assert r.phases[0].it_energy_kwh is None and r.phases[0].co2e_kg is None
    stored = store.get_run(r.run_id)
    assert stored["energy_kwh"] is None and stored["co2e_kg"] is None


def test_given_probes_leave_the_other_components_not_measured(make_probe, store) -> None:
    with track(region="FR", probes=[make_probe()], store=store, **FAST) as run:
        time.sleep(0.02)
    r = run.record
    assert r.it_energy_kwh > 0 and set(r.not_measured) == {"cpu", "dram"}


def test_discovery_failure_does_not_crash(store, monkeypatch) -> None:
    from carbonest.errors import CarbonestError
    from carbonest.probes import discovery

    def broken(*_, **__):
        raise CarbonestError("scripted discovery failure")

    monkeypatch.setattr(discovery, "discover_probes", broken)
    with pytest.warns(RuntimeWarning, match="discovery"):
        with track(region="FR", store=store, **FAST) as run:
            pass
    assert run.record.status == "completed" and run.record.energy_kwh is None
    assert set(run.record.not_measured) == {"gpu", "cpu", "dram"}


def test_probe_dying_mid_run_keeps_energy_so_far(make_probe, store) -> None:
    probe = make_probe({"gpu:0": 100.0}, fail_after=5, fail_mode="probe")
    with pytest.warns(RuntimeWarning, match="dropped"):
        with track("dies", region="FR", probes=[probe], store=store, **FAST) as run:
            time.sleep(0.3)
    r = run.record
    assert r.status == "completed"
    assert r.it_energy_kwh is not None and r.it_energy_kwh > 0
    # 5 good reads at 0.01 s cover ~0.04 s; the run lasted >= 0.3 s (slack for a slow machine)
    assert r.it_energy_kwh * 3_600_000 < 100.0 * r.duration_s * 0.5
    assert any("dropped" in w and "fake probe died" in w for w in r.warnings)


def test_device_errors_are_counted(make_probe, store) -> None:
    probe = make_probe({"gpu:0": 100.0, "gpu:1": 100.0}, fail_after=3, fail_mode="device")
    with track(region="FR", probes=[probe], store=store, **FAST) as run:
        time.sleep(0.1)
    gpu = dict(run.record.components)["gpu"]
    assert run.record.status == "completed" and gpu["failed_reads"] > 0
    assert gpu["last_errors"] == ["scripted failure"]


def test_a_probe_bug_is_reported_not_swallowed(make_probe, store) -> None:
    probe = make_probe()

    def buggy_read():
        raise ZeroDivisionError("probe bug")

    probe.read = buggy_read  # type: ignore[method-assign]
    with pytest.warns(RuntimeWarning):
        with track(region="FR", probes=[probe], store=store, **FAST) as run:
            time.sleep(0.03)
    r = run.record
    assert r.status == "completed" and r.it_energy_kwh is None
    assert any("ZeroDivisionError" in w for w in r.warnings)


def test_store_failure_warns_and_the_run_goes_on(make_probe) -> None:
    broken = BrokenStore()
    with pytest.warns(RuntimeWarning, match="run store"):
        with track("unsaved", region="FR", probes=[make_probe()], store=broken, **FAST) as run:
            time.sleep(0.15)
    r = run.record
    assert r.status == "completed" and r.it_energy_kwh > 0
    assert broken.attempts >= 2
    store_warnings = [w for w in r.warnings if "run store" in w]
    assert len(store_warnings) == 1 and "disk full" in store_warnings[0]


def test_default_store_unwritable_home(make_probe, home, monkeypatch) -> None:
    blocker = home / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CARBONEST_HOME", str(blocker))
    with pytest.warns(RuntimeWarning, match="run store"):
        with track(region="FR", probes=[make_probe()], **FAST) as run:
            pass
    assert run.record.status == "completed"
    assert any("run store" in w for w in run.record.warnings)


def test_no_store_at_all(make_probe, home) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with track(region="FR", probes=[make_probe()], store=False, **FAST) as run:
            pass
    assert run.record.status == "completed" and not (home / "runs.sqlite").exists()


def test_slow_start_does_not_race_the_first_flush(make_probe, store, monkeypatch) -> None:
    """The sampler thread may flush before start() has finished: samples must not go to a missing run."""
    original = sampler_module.Sampler.start

    def slow_start(self):
        original(self)
        time.sleep(0.1)  # the thread reads and flushes (every 0.02 s) meanwhile

    monkeypatch.setattr(sampler_module.Sampler, "start", slow_start)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with track(region="FR", probes=[make_probe()], store=store, interval_s=0.01,
                   flush_interval_s=0.02) as run:
            time.sleep(0.05)
    assert run.record.warnings == ()
    assert store.samples(run.run_id)


def _discover_one(monkeypatch, made: list) -> None:
    from carbonest.probes import discovery
    from carbonest.probes.fake import FakeProbe

    def fake_discover(components, **_):
        probe = FakeProbe({"gpu:0": 100.0})
        probe.open()
        made.append(probe)
        return [probe], [probe.describe()]

    monkeypatch.setattr(discovery, "discover_probes", fake_discover)


def test_failed_start_closes_the_probes_it_opened(store, monkeypatch) -> None:
    made: list = []
    _discover_one(monkeypatch, made)
    from carbonest.measure import setup

    def broken_store(*args, **kwargs):  # start fails after discovery opened a probe
        raise RuntimeError("scripted: the store broke after discovery")

    monkeypatch.setattr(setup, "open_store", broken_store)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = track(region="FR", store=store, **FAST).start()
        assert run.wait_ready()
        record = run.stop()
    assert len(made) == 1, "discovery did not run: the test would prove nothing"
    assert made[0].closed_count == 1  # the probe start had opened is closed, once
    assert any("scripted: the store broke" in w for w in record.warnings)


def test_a_start_that_fails_before_the_sampler_exists_leaves_nothing_open(store, monkeypatch) -> None:
    """Where no NVIDIA driver is visible, discovery runs in start() itself (the first reading comes
    before any store work); a start that then fails must close every probe it opened."""
    made: list = []
    _discover_one(monkeypatch, made)

    def broken_init(self, *args, **kwargs):
        raise OSError("scripted: no thread for you")

    monkeypatch.setattr(sampler_module.Sampler, "__init__", broken_init)
    with pytest.raises(OSError):
        track(region="FR", store=store, **FAST).start()
    from carbonest.measure.setup import discovery_is_cheap

    if discovery_is_cheap():  # discovery ran in start(): its probe was opened, then closed
        assert len(made) == 1 and made[0].closed_count == 1
    else:  # discovery would have run on the sampler thread, which never existed
        assert made == []


def test_probe_close_failure_is_a_warning(store, monkeypatch) -> None:
    made: list = []
    _discover_one(monkeypatch, made)
    with pytest.warns(RuntimeWarning, match="close failed"):
        with track(region="FR", store=store, **FAST) as run:
            assert run.wait_ready()
            made[0].close = lambda: 1 / 0  # type: ignore[method-assign]
    assert run.record.status == "completed"
    assert store.get_run(run.run_id)["status"] == "completed"
    assert any("close failed" in w for w in run.record.warnings)


class _ForeignErrorStore(BrokenStore):
    """A third-party store that lets its backend's own error out (breaking the contract)."""

    def save_run(self, record):
        self.attempts += 1
        raise OSError(28, "No space left on device")

    def add_samples(self, run_id, samples):
        self.save_run(None)

    def checkpoint(self, record, samples=(), phases=()):
        self.save_run(record)


def test_store_with_a_foreign_error_does_not_crash_or_stop_sampling(make_probe) -> None:
    broken = _ForeignErrorStore()
    with pytest.warns(RuntimeWarning, match="No space left"):
        with track("foreign", region="FR", probes=[make_probe()], store=broken, interval_s=0.01,
                   flush_interval_s=0.02) as run:
            time.sleep(0.15)
    r = run.record
    assert r.status == "completed" and broken.attempts >= 3  # checkpoints went on being tried
    assert r.it_energy_kwh * 3_600_000 > 100.0 * 0.1
    assert not any(w.startswith("sampler:") for w in r.warnings)
    assert any("OSError" in w for w in r.warnings)


def test_probe_dying_before_a_full_interval_is_not_measured(make_probe, store) -> None:
    probe = make_probe({"gpu:0": 100.0}, fail_after=1, fail_mode="probe")  # only the baseline read
    with pytest.warns(RuntimeWarning, match="dropped"):
        with track(region="FR", probes=[probe], store=store, **FAST) as run:
            time.sleep(0.05)
    r = run.record
    assert r.it_energy_kwh is None and r.co2e_kg is None
    assert "gpu" in r.not_measured
    assert "gpu: not measured (its probe gave no complete sampling interval)" in r.notes
    assert dict(r.components)["gpu"]["energy_kwh"] is None
