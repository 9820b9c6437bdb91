"""Storing a simulated 512-node job into the PostgreSQL run store.

Every host of the job writes what a tracker writes: a first ``running`` checkpoint, then at
the end its final record together with its samples, in one transaction
(``PostgresStore.checkpoint``). By default: 512 hosts, 12 devices each (8 GPUs, 2 CPU
packages, 2 DRAM), 600 samples per device (ten minutes at 1 s): 3.7 million sample rows.
``--writers`` processes play the hosts at once (a real job has 512 writers; this machine has
few cores, so fewer processes take turns, each with its own connection, as hosts would).

Prints the wall time, rows per second, and the median and 95th percentile of one host's final
checkpoint. Job records (one per job, gathered to rank 0) are not part of this benchmark.

Run: python benchmarks/pg_store_512.py [--hosts 512] [--devices 12] [--samples 600] [--writers 8]
     [--url postgresql://...]   (default: a throw-away cluster from tests/pgcluster.py, needs
     Debian's postgresql server package; the URL's database gets fresh tables in a new schema)
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from typing import Any

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def host_record(host: int, devices: int, status: str) -> dict[str, Any]:
    gpus = max(0, devices - 4)
    return {
        "run_id": f"job512-host{host:03d}", "name": "llm-pretrain", "status": status,
        "started_at": "2026-12-01T00:00:00Z", "ended_at": "2026-12-01T00:10:00Z" if status != "running" else None,
        "host": f"node{host:03d}", "pid": 1000 + host, "duration_s": 600.0, "energy_kwh": 1.2, "co2e_kg": 0.5,
        "components": {"gpu": {"energy_kwh": 1.0, "provenance": "measured:nvml:total_energy", "count": gpus},
                       "cpu": {"energy_kwh": 0.15, "provenance": "measured:rapl:package-0", "count": 2},
                       "dram": {"energy_kwh": 0.05, "provenance": "measured:rapl:package-0/dram", "count": 2}},
        "distributed": {"SLURM_JOB_ID": "512512", "SLURM_NODEID": str(host), "WORLD_SIZE": str(512 * gpus)},
    }


def host_samples(devices: int, samples: int) -> list[Any]:
    from carbonest.records import Sample

    names = [("gpu", f"gpu:{i}") for i in range(max(0, devices - 4))]
    names += [("cpu", "package-0"), ("cpu", "package-1"), ("dram", "package-0/dram"), ("dram", "package-1/dram")]
    return [Sample(float(t + 1), c, d, 300.0, 300.0) for t in range(samples) for c, d in names[:devices]]


def writer(url: str, hosts: list[int], devices: int, samples: int, queue: Any) -> None:
    from carbonest.store.postgres import PostgresStore

    rows = host_samples(devices, samples)
    with PostgresStore(url) as store:
        for host in hosts:
            store.checkpoint(host_record(host, devices, "running"))
            t0 = time.perf_counter()
            store.checkpoint(host_record(host, devices, "completed"), rows)
            queue.put(time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=512)
    parser.add_argument("--devices", type=int, default=12)
    parser.add_argument("--samples", type=int, default=600)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    cluster = None
    url = args.url
    if url is None:
        sys.path.insert(0, os.path.join(REPO, "tests"))
        import pgcluster

        cluster = pgcluster.start_cluster()
    try:
        if cluster is not None:
            url = cluster.fresh_url()
        else:
            import psycopg

            schema = f"bench_{os.getpid()}"
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')
            url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        shares = [list(range(args.hosts))[w::args.writers] for w in range(args.writers)]
        procs = [ctx.Process(target=writer, args=(url, share, args.devices, args.samples, queue))
                 for share in shares if share]
        t0 = time.perf_counter()
        for p in procs:
            p.start()
        latencies = [queue.get(timeout=3600) for _ in range(args.hosts)]
        for p in procs:
            p.join()
        wall = time.perf_counter() - t0
        from carbonest.store.postgres import PostgresStore

        with PostgresStore(url) as store:
            stored = store.list_runs()
            one = store.samples("job512-host000")
        rows = args.hosts * args.devices * args.samples
        assert len(stored) == args.hosts and len(one) == args.devices * args.samples, (len(stored), len(one))
        latencies.sort()
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {len(procs)} writer processes")
        print(f"{args.hosts} hosts x {args.devices} devices x {args.samples} samples = {rows:,} sample rows"
              f" + {2 * args.hosts} record checkpoints")
        print(f"wall time {wall:8.2f} s   {rows / wall:,.0f} sample rows/s   {args.hosts / wall:,.1f} hosts/s")
        print(f"one host's final checkpoint ({args.devices * args.samples:,} samples + record, one transaction):"
              f" median {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
        print(f"stored: {len(stored)} of {args.hosts} runs; every sample of host 0 read back")
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
