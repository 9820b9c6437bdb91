"""Throughput of ``carbonest.whatif``: one million scenarios, target under 1 s (issue 4).

Run: python benchmarks/whatif_bench.py [--runs N]

Each case is run once to warm the imports and the catalog tables, then ``--runs``
times; the median and the best wall time are printed with the scenarios per
second. This is a measurement, not a test: machines differ.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

CASES: dict[str, dict[str, Any]] = {
    # 4 GPUs x 5 counts x 112 durations x every region of the table (about 480) = about 1.07M rows.
    "hours x region (all)": dict(gpu=["V100", "A100", "H100", "T4"], gpus=[1, 2, 4, 8, 16],
                                 hours=[float(h) for h in range(1, 113)], region="all"),
    # FLOPs: 2 GPUs x 10 model sizes x 10 token counts x 5 MFUs x 2 dtypes x 50 PUEs x 10 intensities = 1M.
    "6ND x MFU x PUE x intensity": dict(gpu=["A100", "H100"], params=[1e9 * k for k in range(1, 11)],
                                        tokens=[1e11 * k for k in range(1, 11)], mfu=[0.2, 0.3, 0.4, 0.5, 0.6],
                                        dtype=["bf16", "fp16"], pue=[1.0 + k / 100 for k in range(50)],
                                        intensity_g_per_kwh=[50.0 * k for k in range(1, 11)]),
    # Everything on: embodied, water and the saving against a baseline region, same grid as the first.
    "all outputs + baseline": dict(gpu=["V100", "A100", "H100", "T4"], gpus=[1, 2, 4, 8, 16],
                                   hours=[float(h) for h in range(1, 113)], region="all",
                                   embodied=True, water=True, baseline_region="us-east-1"),
}


def time_case(fn: Callable[..., Any], kwargs: dict[str, Any], runs: int) -> tuple[int, list[float]]:
    """Rows produced and the wall time of each run, in seconds."""
    rows = len(fn(**kwargs))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(**kwargs)
        times.append(time.perf_counter() - start)
    return rows, times


def main() -> None:
    """Print one line per case: rows, median and best time, rows per second."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    runs = parser.parse_args().runs
    from carbonest.whatif import whatif

    print(f"carbonest.whatif on {os.cpu_count()} CPU(s), {runs} runs per case after one warm-up")
    for name, kwargs in CASES.items():
        rows, times = time_case(whatif, kwargs, runs)
        median, best = statistics.median(times), min(times)
        print(f"  {name:<30} {rows:>10,} rows  median {median:6.3f} s  best {best:6.3f} s  "
              f"{rows / median / 1e6:5.2f} M rows/s")


if __name__ == "__main__":
    main()
