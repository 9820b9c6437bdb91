"""Size and time of ``carbonest report`` for a stored 24-hour run on a big node.

A synthetic run: 24 h sampled every second (the tracker's default) on ``--gpus`` GPUs, a CPU and
DRAM, each series thinned by the store's own policy at its default limit, kept in a SQLite store
in a temporary folder. Prints the stored samples, then for the text, HTML, PNG and SVG outputs
the wall-clock and CPU time of ``carbonest report`` in-process (the median of ``--runs``) and the
size of what it wrote. The HTML target is under 2 MB. Figures, not a test: it never fails.

    .venv-test/bin/python benchmarks/report_bench.py [--gpus 8] [--runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import statistics
import tempfile
import time
from pathlib import Path

from carbonest.cli.main import main
from carbonest.measure.setup import DEFAULT_INTERVAL_S
from carbonest.records import Sample
from carbonest.store.sqlite import DEFAULT_MAX_SAMPLES_PER_DEVICE, SQLiteStore
from carbonest.store.thinning import thin_series

DAY_S = 86_400
RUN_ID = "bench" + "0" * 27


def _series(component: str, device: str, base_w: float) -> list[Sample]:
    out = []
    for k in range(int(DAY_S / DEFAULT_INTERVAL_S)):
        t = (k + 1) * DEFAULT_INTERVAL_S
        p = base_w * (0.2 if (t % 21_600) < 900 else 1.0 + 0.1 * math.sin(t / 600.0))
        out.append(Sample(t, component, device, p, p * DEFAULT_INTERVAL_S))
    return thin_series(out, DEFAULT_MAX_SAMPLES_PER_DEVICE)


def make_store(path: Path, gpus: int) -> int:
    devices = [("gpu", f"gpu:{i}", 350.0) for i in range(gpus)] + [("cpu", "cpu:0", 180.0), ("dram", "dram:0", 40.0)]
    samples: list[Sample] = []
    kwh: dict[str, float] = {}
    for component, device, base in devices:
        series = _series(component, device, base)
        samples += series
        kwh[component] = kwh.get(component, 0.0) + sum(s.energy_j or 0.0 for s in series) / 3.6e6
    it = sum(kwh.values())
    record = {
        "run_id": RUN_ID, "name": "benchmark day", "status": "completed", "started_at": "2026-05-01T00:00:00Z",
        "ended_at": "2026-05-02T00:00:00Z", "duration_s": float(DAY_S), "host": "bench", "pid": 1,
        "components": {c: {"energy_kwh": v, "provenance": "measured:bench"} for c, v in kwh.items()},
        "it_energy_kwh": it, "energy_kwh": it * 1.2, "pue": 1.2, "intensity_g_per_kwh": 44.18,
        "co2e_kg": it * 1.2 * 44.18 / 1000,
        "region": {"id": "FR", "name": "France", "year": 2024, "source": "Ember (2025), Yearly Electricity Data",
                   "basis": "lifecycle, generation", "kind": "country"},
        "provenance": {"pue": "user"}, "interval_s": DEFAULT_INTERVAL_S, "measured_from_s": 0.0,
        "phases": [{"name": f"epoch {i}", "started_at": f"2026-05-01T{i * 2:02d}:00:00Z", "duration_s": 7000.0,
                    "it_energy_kwh": None, "energy_kwh": None, "co2e_kg": None} for i in range(12)],
    }
    with SQLiteStore(path) as store:
        store.save_run(record)
        store.add_samples(RUN_ID, samples)
    return len(samples)


def time_once(args: list[str]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(args) == 0
    return time.perf_counter() - wall, time.process_time() - cpu


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpus", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} (a shared machine moves these figures by tens of percent)")
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "runs.sqlite"
        count = make_store(store, opts.gpus)
        print(f"stored 24 h run: {opts.gpus} GPUs + CPU + DRAM, {count:,} samples after thinning")
        base = ["report", RUN_ID, "--store", str(store)]
        time_once([*base, "--png", str(Path(tmp) / "warm.png")])  # matplotlib's import and font cache
        for kind in ("text", "html", "png", "svg"):
            out = Path(tmp) / f"report.{kind}"
            args = base if kind == "text" else [*base, f"--{kind}", str(out)]
            times = [time_once(args) for _ in range(opts.runs)]
            size = f"{out.stat().st_size / 1e6:.2f} MB" if out.exists() else "(stdout)"
            print(f"{kind:<5} wall {statistics.median(t[0] for t in times):6.2f} s  "
                  f"cpu {statistics.median(t[1] for t in times):6.2f} s  size {size}")


if __name__ == "__main__":
    main_bench()
