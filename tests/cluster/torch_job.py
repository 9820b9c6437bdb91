"""A tiny torch.distributed job for tests/cluster (run by torchrun: gloo on CPU).

Every rank offers carbonest the probes of its whole host (fake ones with known power:
CPU 50 W, DRAM 10 W, two GPUs of 100 W with host-specific UUIDs) and asks for the host
policy (``scope="rank"``), so the host claims decide who counts what. Each rank writes what
it saw to ``$TEST_OUT/rank-<rank>.json``. ``TEST_DIE_RANK=k`` makes rank k vanish mid-run
(``os._exit``: no stop, no record sent), as a killed or crashed process would.
"""

from __future__ import annotations

import json
import os
import sys
import time

import torch
import torch.distributed as dist

import carbonest
from carbonest.probes.fake import FakeProbe


def host_probes(host: str) -> list[FakeProbe]:
    probes = [
        FakeProbe({"package-0": 50.0}, component="cpu", name="fakecpu"),
        FakeProbe({"package-0/dram": 10.0}, component="dram", name="fakedram"),
        FakeProbe({"gpu:0": 100.0, "gpu:1": 100.0}, component="gpu", name="fakegpu",
                  uuids={"gpu:0": f"GPU-{host}-0", "gpu:1": f"GPU-{host}-1"}),
    ]
    for p in probes:
        p.open()
    return probes


def main() -> int:
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    die = os.environ.get("TEST_DIE_RANK")
    out = os.environ["TEST_OUT"]
    run = carbonest.Tracker("train", region="FR", probes=host_probes(os.environ["CARBONEST_HOST"]),
                            scope="rank", interval_s=0.02, flush_interval_s=0.1).start()
    t = torch.ones(4) * (rank + 1)
    dist.all_reduce(t)  # a real collective of the job, before carbonest's gather
    time.sleep(0.4)
    if die is not None and rank == int(die):
        os._exit(0)  # gone without a trace: torchrun sees a clean exit and waits for the rest
    t0 = time.monotonic()
    record = run.stop()
    stop_s = time.monotonic() - t0
    if die is None:
        dist.all_reduce(t)  # the job's collectives still work after carbonest's gather
    with open(os.path.join(out, f"rank-{rank}.json"), "w", encoding="utf-8") as fh:
        json.dump({"rank": rank, "record": record.to_dict(), "job": run.job, "sum": t.tolist(),
                   "stop_s": stop_s, "master_addr": os.environ.get("MASTER_ADDR"),
                   "torch_imported_by_user": "torch" in sys.modules}, fh)
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
