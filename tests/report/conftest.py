"""Stored runs shared by the report tests (made once per session: the 24-hour run takes seconds)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from carbonest.records import Sample
from carbonest.store.sqlite import SQLiteStore

from _reporttest_helpers import XSS_NAME, record, store_day_run

QC = {"id": "CA-QC", "name": "Québec", "year": 2019, "source": "Canada NIR", "basis": "direct, consumption",
      "kind": "subnational"}
PL = {"id": "PL", "name": "Poland", "year": 2024, "source": "Ember (2025), Yearly Electricity Data",
      "basis": "lifecycle, generation", "kind": "country"}


def _short(store: SQLiteStore, run_id: str, name: str, hours: float, gpu_w: float, **kw: Any) -> None:
    """A run of ``hours`` at a constant GPU power, with samples every minute and two phases."""
    duration = hours * 3600.0
    kwh = gpu_w * duration / 3.6e6
    phases = [
        {"name": "warm-up <b>&", "started_at": "2026-05-01T00:00:00.000Z", "duration_s": duration / 4,
         "it_energy_kwh": kwh / 4, "energy_kwh": kwh / 4 * 1.2, "co2e_kg": None, "components": {}},
        {"name": "train $x$", "started_at": "2026-05-01T00:15:00.000Z", "duration_s": duration / 2,
         "it_energy_kwh": kwh / 2, "energy_kwh": kwh / 2 * 1.2, "co2e_kg": None, "components": {}},
    ]
    comps = {"gpu": {"energy_kwh": kwh, "mean_power_w": gpu_w, "peak_power_w": gpu_w, "count": 1,
                     "devices": ["gpu:0"], "provenance": "measured:nvml:total_energy"}}
    store.save_run(record(run_id, name, duration, comps, phases=phases, interval_s=60.0, **kw))
    store.add_samples(run_id, [Sample(60.0 * (i + 1), "gpu", "gpu:0", gpu_w, gpu_w * 60.0)
                               for i in range(int(duration / 60))])


@pytest.fixture(scope="session")
def runs_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with: ``aaaa..`` 1 h at 300 W in France (lifecycle), named like a script tag;
    ``bbbb..`` the same for 2 h; ``cccc..`` 1 h in Poland; ``dddd..`` 1 h in Quebec on the direct basis;
    ``eeee..`` a run with no energy measured."""
    path = tmp_path_factory.mktemp("report") / "runs.sqlite"
    store = SQLiteStore(path)
    _short(store, "a" * 32, XSS_NAME, 1.0, 300.0, command="python train.py --tag '<img src=x onerror=alert(2)>'")
    _short(store, "b" * 32, "twice as long", 2.0, 300.0)
    _short(store, "c" * 32, "in Poland", 1.0, 300.0, intensity=614.98, region=PL)
    _short(store, "d" * 32, "in Quebec, direct basis", 1.0, 300.0, intensity=1.5, region=QC)
    store.save_run(record("e" * 32, "nothing measured", 60.0, {}, energy_kwh=None, it_energy_kwh=None,
                          co2e_kg=None, mean_power_w=None, not_measured=["gpu", "cpu", "dram"]))
    store.close()
    return path


@pytest.fixture(scope="session")
def day_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stored 24-hour run at the tracker's default interval, thinned by the store (id ``day0...``)."""
    path = tmp_path_factory.mktemp("report-day") / "runs.sqlite"
    store_day_run(path)
    return path
