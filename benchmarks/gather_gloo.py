"""The cost of carbonest's job gather inside a real 4-process torch.distributed job (gloo, CPU).

Launches ``torchrun --nproc-per-node N`` (rendezvous on 127.0.0.1) of a small worker that times
``Tracker.stop()`` of short runs (fake probes, ``store=False``) twice: before the process group
exists (no gather: the plain stop) and after ``init_process_group("gloo")`` (every rank sends its
summary to the group's store, rank 0 collects them all and forms the job record), with a barrier
before each stop so that the ranks' skew is not counted as gather time. Prints each rank's
median stop with and without the gather, and the size of one rank's summary.

Needs torch (the ``test-full`` extra: the CPU build). Run: python benchmarks/gather_gloo.py [--nproc 4] [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

WORKER = r'''
import json, os, statistics, sys, time
import torch.distributed as dist
import carbonest
from carbonest.probes.fake import FakeProbe
from carbonest.store.jobs import summarise

runs = int(os.environ["BENCH_RUNS"])
probe = FakeProbe({"gpu:0": 100.0}, uuids={"gpu:0": "GPU-bench-" + os.environ["LOCAL_RANK"]})
probe.open()

def stops(barrier):
    out = []
    for _ in range(runs):
        tr = carbonest.Tracker("bench", region="FR", probes=[probe], store=False, handle_signals=False).start()
        if barrier:
            dist.barrier()
        t = time.perf_counter()
        rec = tr.stop()
        out.append((time.perf_counter() - t) * 1000)
    return out, rec

plain, _ = stops(False)
dist.init_process_group("gloo")
gathered, rec = stops(True)
size = len(json.dumps(summarise(rec.to_dict()), separators=(",", ":")))
with open(os.path.join(os.environ["BENCH_OUT"], f"{dist.get_rank()}.json"), "w") as fh:
    json.dump({"plain": statistics.median(plain), "gathered": statistics.median(gathered),
               "gathered_max": max(gathered), "size": size}, fh)
dist.destroy_process_group()
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nproc", type=int, default=4)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        worker = Path(folder) / "worker.py"
        worker.write_text(WORKER)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "BENCH_RUNS": str(args.runs), "BENCH_OUT": folder, "OMP_NUM_THREADS": "1",
               "CARBONEST_HOME": folder}
        subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nnodes=1", f"--nproc-per-node={args.nproc}",
                        "--rdzv-backend=c10d", f"--rdzv-endpoint=127.0.0.1:{port}", "--rdzv-id=bench",
                        "--local-addr=127.0.0.1", str(worker)], env=env, check=True, capture_output=True)
        ranks = {int(p.stem): json.loads(p.read_text()) for p in Path(folder).glob("[0-9]*.json")}
    print(f"{args.nproc} ranks (gloo, one host), {args.runs} stops per rank and mode; medians")
    for rank, r in sorted(ranks.items()):
        role = "collects" if rank == 0 else "sends"
        print(f"rank {rank} ({role:<8}): stop without group {r['plain']:6.2f} ms, with the gather {r['gathered']:6.2f} ms"
              f" (max {r['gathered_max']:.1f}), gather adds {r['gathered'] - r['plain']:+.2f} ms")
    print(f"one rank's summary: {ranks[0]['size']} bytes")


if __name__ == "__main__":
    main()
