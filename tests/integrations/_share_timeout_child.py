"""One rank of the test of a gather that one rank never joins: rank 1 asks for the totals, rank 0
(the measuring one) does not take part; rank 1 must give up within the bound and go on.

Run as ``torchrun --nproc-per-node 2 _share_timeout_child.py OUT_DIR``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings

import torch.distributed as dist

from carbonest.integrations import _host


def main() -> None:
    out = sys.argv[1]
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    _host.SHARE_TIMEOUT_S = 2.0
    run = _host.HostRun({"region": "FR", "interval_s": 0.05, "name": "share-timeout"})
    run.begin("share-timeout", measures=rank == 0)
    result: dict[str, object] = {"rank": rank}
    if rank == 1:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t0 = time.monotonic()
            first = run.totals()
            result["waited_s"] = time.monotonic() - t0
            t0 = time.monotonic()
            second = run.totals()  # sharing is off now: no second wait
            result["second_s"] = time.monotonic() - t0
        result["totals"] = [first, second]
        result["warnings"] = [str(w.message) for w in caught]
    else:
        time.sleep(4.0)  # rank 0 is busy elsewhere and never joins the gather
    run.end()
    result["measured"] = run.record is not None
    with open(os.path.join(out, f"rank-{rank}.json"), "w", encoding="utf-8") as fh:
        json.dump(result, fh, default=str)
    os._exit(0)  # the abandoned collective is not waited for at teardown


if __name__ == "__main__":
    main()
