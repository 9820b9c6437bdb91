"""Aggregating a big job's records into one job record (carbonest/store/jobs.py).

Simulates a job of ``--ranks`` ranks (default 1,000: 125 hosts x 8 ranks, 8 GPUs per host,
each rank claiming its own GPU and local rank 0 the host's CPU and DRAM), then times:

* ``aggregate`` over the full run records (what the store path does: ``carbonest runs --job``,
  ``srun carbonest measure``), and over their summaries (what rank 0 gets from a gather);
* the whole store path on SQLite: ``runs_of_job`` reading the records, then ``aggregate``.

Target (issue 11): aggregating 1,000 ranks' records under 1 s.
Run: python benchmarks/job_aggregate.py [--ranks N] [--runs R]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from carbonest.store.jobs import aggregate, summarise
from carbonest.store.sqlite import SQLiteStore

PER_HOST = 8


def rank_record(rank: int) -> dict[str, Any]:
    host, local = divmod(rank, PER_HOST)
    comps: dict[str, Any] = {"gpu": {"energy_kwh": 0.5, "count": 1, "devices": ["gpu:0"],
                                     "provenance": "measured:nvml:total_energy", "mean_power_w": 400.0}}
    if local == 0:
        comps["cpu"] = {"energy_kwh": 0.2, "count": 2, "provenance": "measured:rapl:package-0"}
        comps["dram"] = {"energy_kwh": 0.05, "count": 2, "provenance": "measured:rapl:package-0/dram"}
    return {
        "run_id": f"{rank:032x}", "name": "train", "status": "completed", "started_at": "2026-12-01T00:00:00Z",
        "ended_at": "2026-12-01T01:00:00Z", "duration_s": 3600.0, "host": f"gn{host:04d}", "pid": 1000 + local,
        "pue": 1.2, "intensity_g_per_kwh": 56.0, "co2e_kg": 0.05, "energy_kwh": 0.9, "it_energy_kwh": 0.75,
        "region": {"id": "FR"}, "components": comps, "not_measured": [], "notes": ["x" * 200], "warnings": [],
        "phases": [], "phase_stats": [],
        "job": {"id": "bench", "launcher": "slurm", "host": f"gn{host:04d}", "node_rank": host, "rank": rank,
                "local_rank": local, "world_size": None, "num_nodes": None, "counts_host": local == 0,
                "gpus": [{"uuid": f"GPU-{host:04d}-{local}", "device": "gpu:0", "energy_kwh": 0.5}]},
    }


def timed(fn: Any, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ranks", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    records = [rank_record(r) for r in range(args.ranks)]
    for r in records:
        r["job"]["world_size"] = args.ranks
        r["job"]["num_nodes"] = -(-args.ranks // PER_HOST)
    summaries = [summarise(r) for r in records]
    job = aggregate("bench", records, source="bench")
    assert job["status"] == "complete" and job["reported_hosts"] == -(-args.ranks // PER_HOST)
    print(f"{args.ranks} ranks on {job['reported_hosts']} hosts, {args.runs} runs each")
    for name, fn in (("aggregate(full records)", lambda: aggregate("bench", records, source="b")),
                     ("aggregate(summaries)", lambda: aggregate("bench", summaries, source="b"))):
        values = timed(fn, args.runs)
        print(f"{name:<44} median {statistics.median(values):8.1f} ms  min {min(values):8.1f}  target < 1000 ms")
    with tempfile.TemporaryDirectory() as folder:
        with SQLiteStore(Path(folder) / "runs.sqlite") as store:
            for r in records:
                store.save_run(r)
            values = timed(lambda: aggregate("bench", store.runs_of_job("bench"), source="b"), args.runs)
    print(f"{'SQLite runs_of_job + aggregate':<44} median {statistics.median(values):8.1f} ms  "
          f"min {min(values):8.1f}  target < 1000 ms")


if __name__ == "__main__":
    main()
