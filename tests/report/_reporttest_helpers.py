"""Stored runs for the report tests: a short run with phases and a 24-hour run at the tracker's
default interval, written through the real SQLite store (so its thinning applies)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from carbonest.measure.setup import DEFAULT_INTERVAL_S
from carbonest.records import Sample
from carbonest.store.sqlite import DEFAULT_MAX_SAMPLES_PER_DEVICE, SQLiteStore
from carbonest.store.thinning import thin_series

DAY_S = 86_400
XSS_NAME = "<script>alert(1)</script>"


def record(run_id: str, name: str, duration_s: float, components: dict[str, Any], *, pue: float = 1.2,
           intensity: float = 44.18, region: dict[str, Any] | None = None, phases: list[dict[str, Any]] = (),
           **extra: Any) -> dict[str, Any]:
    """A record as the tracker writes it, its totals computed from ``components`` (kWh per component)."""
    it = sum(c["energy_kwh"] for c in components.values())
    energy = it * pue
    rec: dict[str, Any] = {
        "run_id": run_id, "name": name, "status": "completed", "status_reason": None,
        "started_at": "2026-05-01T00:00:00.000Z", "ended_at": "2026-05-02T00:00:00.000Z",
        "duration_s": duration_s, "host": "node-1", "pid": 4242, "pid_create_time": None, "distributed": {},
        "energy_kwh": energy, "it_energy_kwh": it, "co2e_kg": energy * intensity / 1000.0, "pue": pue,
        "intensity_g_per_kwh": intensity,
        "region": region or {"id": "FR", "name": "France", "year": 2024, "source": "Ember (2025), Yearly Electricity Data",
                             "basis": "lifecycle, generation", "kind": "country"},
        "provenance": {"pue": "user", "intensity_g_per_kwh": "table:regions FR lifecycle Ember (2025) 2024"},
        "components": components, "mean_power_w": it * 3.6e6 / duration_s, "peak_power_w": None,
        "phases": list(phases), "phases_total": len(phases), "not_measured": ["dram"], "warnings": [],
        "notes": [], "interval_s": 1.0, "measured_from_s": 0.0, "carbonest_version": "0.1.0",
    }
    rec.update(extra)
    return rec


def gpu_power(t_s: float) -> float:
    """A training-like GPU profile: 300 W with a slow swing and an idle dip every 6 hours."""
    if (t_s % 21_600) < 900:
        return 60.0
    return 300.0 + 40.0 * math.sin(t_s / 600.0)


def store_day_run(path: Path, run_id: str = "day" + "0" * 29) -> str:
    """A 24-hour run sampled every second (the tracker's default) on two GPUs and a CPU, stored as
    the store keeps it: each series thinned by the store's own policy
    (:func:`carbonest.store.thinning.thin_series` at the default limit of samples per device)."""
    interval = DEFAULT_INTERVAL_S
    devices = [("gpu", "gpu:0", gpu_power), ("gpu", "gpu:1", lambda t: 0.9 * gpu_power(t)),
               ("cpu", "cpu:0", lambda t: 85.0)]
    totals = {"gpu": 0.0, "cpu": 0.0}
    stored: list[Sample] = []
    for component, device, power in devices:
        series = []
        for k in range(int(DAY_S / interval)):
            t = (k + 1) * interval
            p = power(t)
            series.append(Sample(t, component, device, p, p * interval))
            totals[component] += p * interval / 3.6e6
        stored += thin_series(series, DEFAULT_MAX_SAMPLES_PER_DEVICE)
    phases = [{"name": f"epoch {i}", "started_at": f"2026-05-01T{i * 4:02d}:00:00.000Z", "duration_s": 14_000.0,
               "it_energy_kwh": None, "energy_kwh": None, "co2e_kg": None, "components": {}} for i in range(6)]
    comps = {c: {"energy_kwh": kwh, "provenance": "measured:nvml:total_energy" if c == "gpu" else "modelled:tdp"}
             for c, kwh in totals.items()}
    with SQLiteStore(path, max_samples_per_device=DEFAULT_MAX_SAMPLES_PER_DEVICE) as store:
        store.save_run(record(run_id, "a day of training", DAY_S, comps, phases=phases))
        store.add_samples(run_id, stored)
    return run_id
