"""One rank of the torchrun test: the tiny Trainer under DDP (gloo, CPU), then what it saw as JSON.

Run as ``torchrun --nproc-per-node 2 _hf_ddp_child.py OUT_DIR``; each rank writes
``OUT_DIR/rank-<RANK>.json``.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _hf_train import make_trainer  # noqa: E402

from transformers import TrainerCallback  # noqa: E402

from carbonest.integrations.huggingface import CarbonestCallback  # noqa: E402


class Recorder(TrainerCallback):  # type: ignore[misc]
    def __init__(self) -> None:
        self.logs: list[dict[str, Any]] = []

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        self.logs.append({k: v for k, v in logs.items() if k.startswith("carbonest/")})


def main() -> None:
    out = sys.argv[1]
    recorder, callback = Recorder(), CarbonestCallback(region="CA-QC", interval_s=0.05)
    trainer = make_trainer(os.path.join(out, "train"), [recorder, callback], ddp_backend="gloo")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.train()
        trainer.evaluate()  # after training: logs on every rank, and no gather may wait for rank 0
    import torch.distributed as dist

    result = {
        "rank": int(os.environ["RANK"]), "local_rank": int(os.environ["LOCAL_RANK"]),
        "process_group": dist.is_initialized() and dist.get_world_size(),
        "backend": dist.get_backend() if dist.is_initialized() else None,
        "run_id": callback.record.run_id if callback.record is not None else None,
        "record_co2e_kg": callback.record.co2e_kg if callback.record is not None else None,
        "totals": None if callback.totals is None else callback.totals.__dict__,
        "logs": recorder.logs, "card": callback.co2_eq_emissions,
        "carbonest_warnings": [str(w.message) for w in caught if "carbonest" in str(w.message)],
    }
    with open(os.path.join(out, f"rank-{result['rank']}.json"), "w", encoding="utf-8") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    main()
