"""One rank of the Lightning torchrun test: the tiny module under DDP (gloo, CPU), then JSON.

Run as ``torchrun --nproc-per-node 2 _pl_ddp_child.py OUT_DIR``; each rank writes
``OUT_DIR/rank-<RANK>.json``.
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _pl_train import loaders, make_module, make_trainer  # noqa: E402

from carbonest.integrations.lightning import CarbonestCallback  # noqa: E402


def main() -> None:
    out = sys.argv[1]
    callback = CarbonestCallback(region="FR", interval_s=0.05)
    trainer = make_trainer(os.path.join(out, "fit"), [callback], devices=2, strategy="ddp",
                           use_distributed_sampler=True)
    trainer.fit(make_module(), *loaders())
    import torch.distributed as dist

    result = {
        "rank": trainer.global_rank, "local_rank": trainer.local_rank,
        "process_group": dist.is_initialized() and dist.get_world_size(),
        "run_id": callback.record.run_id if callback.record is not None else None,
        "record_co2e_kg": callback.record.co2e_kg if callback.record is not None else None,
        "totals": None if callback.totals is None else callback.totals.__dict__,
    }
    with open(os.path.join(out, f"rank-{result['rank']}.json"), "w", encoding="utf-8") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    main()
