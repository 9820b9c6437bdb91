"""What a run leaves in the store."""

from __future__ import annotations

import time

from carbonest.store.sqlite import SQLiteStore
from carbonest.measure.tracker import track

from _trackertest_helpers import FAST


def test_sqlite_record_equals_to_dict(make_probe, tmp_path) -> None:
    store = SQLiteStore(tmp_path / "runs.sqlite")
    with track("roundtrip", region="aws:us-east-1", wue_l_per_kwh=1.1, probes=[make_probe()],
               store=store, **FAST) as run:
        time.sleep(0.12)
        with run.phase("eval"):
            time.sleep(0.02)
    assert store.get_run(run.run_id) == run.record.to_dict()
    samples = store.samples(run.run_id)
    assert samples and all(s.device == "gpu:0" for s in samples)
    total_j = sum(s.energy_j for s in samples)
    assert abs(total_j - run.record.it_energy_kwh * 3_600_000) < 1e-6
    store.close()


def test_default_store_is_under_carbonest_home(make_probe, home) -> None:
    with track("default", region="FR", probes=[make_probe()], **FAST) as run:
        time.sleep(0.02)
    assert (home / "runs.sqlite").is_file()
    with SQLiteStore(home / "runs.sqlite") as store:
        assert store.get_run(run.run_id) == run.record.to_dict()


def test_checkpoints_while_running(make_probe, store) -> None:
    with track("ckpt", region="FR", probes=[make_probe()], store=store, interval_s=0.01,
               flush_interval_s=0.03) as run:
        time.sleep(0.15)
        live = store.get_run(run.run_id)
        assert live["status"] == "running" and live["ended_at"] is None
        assert live["it_energy_kwh"] is not None and live["it_energy_kwh"] > 0
        assert store.samples(run.run_id)
    final = store.get_run(run.run_id)
    assert final["status"] == "completed" and final["it_energy_kwh"] >= live["it_energy_kwh"]


def test_store_owned_by_the_caller_is_left_open(make_probe, tmp_path) -> None:
    store = SQLiteStore(tmp_path / "runs.sqlite")
    for name in ("a", "b"):
        with track(name, region="FR", probes=[make_probe()], store=store, **FAST):
            pass
    assert [r["name"] for r in store.list_runs()] == ["b", "a"]
    store.close()
