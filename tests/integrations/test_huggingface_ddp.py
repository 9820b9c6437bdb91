"""The Hugging Face and Lightning callbacks under ``torchrun --nproc-per-node 2`` with the gloo
backend on CPU: one run for the host, not two, and both ranks see the totals (shared over the
process group)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import support

support.needs("transformers")
support.needs("torch.distributed.run")

HERE = Path(__file__).resolve().parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _torchrun(child: str, out: Path) -> list[dict]:
    blocked = out / "blocked.log"
    env = support.loopback_env(log_file=blocked)
    env.update(OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join([str(HERE), env["PYTHONPATH"]]))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--nnodes", "1",
           "--master-addr", "127.0.0.1", "--master-port", str(_free_port()), str(HERE / child), str(out)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-4000:]
    assert not blocked.exists() or not blocked.read_text(), blocked.read_text()
    return [json.loads((out / f"rank-{r}.json").read_text()) for r in (0, 1)]


def _stored() -> list[dict]:
    from carbonest.store.query import open_for_reading

    with open_for_reading() as store:
        return list(store.list_runs(None))


@pytest.mark.slow
def test_transformers_two_ranks_one_run_shared_totals(tmp_path) -> None:
    ranks = _torchrun("_hf_ddp_child.py", tmp_path)
    assert [r["process_group"] for r in ranks] == [2, 2] and ranks[0]["backend"] == "gloo"

    # one run for the host: measured by local rank 0; rank 1 started none
    assert ranks[0]["run_id"] is not None and ranks[1]["run_id"] is None
    stored = _stored()
    assert [r["run_id"] for r in stored] == [ranks[0]["run_id"]]
    assert stored[0]["status"] == "completed" and stored[0]["distributed"]["WORLD_SIZE"] == "2"

    # both ranks see the totals: the same figures at every log and at the end
    assert ranks[0]["totals"] == ranks[1]["totals"]
    assert ranks[1]["totals"]["co2e_kg"] == ranks[0]["record_co2e_kg"] > 0
    assert ranks[1]["totals"]["hosts"] == 1
    assert [r["carbonest_warnings"] for r in ranks] == [[], []]
    during = [entry for entry in ranks[1]["logs"] if entry]  # the evaluation after training has none
    assert len(ranks[1]["logs"]) == len(during) + 1 and len(during) >= 3
    assert ranks[0]["logs"] == ranks[1]["logs"]
    assert all("carbonest/energy_kwh" in entry for entry in during)
    # the model card block is built by world process zero only
    assert ranks[0]["card"]["emissions"] == pytest.approx(ranks[0]["record_co2e_kg"] * 1000)
    assert ranks[1]["card"] is None


@pytest.mark.slow
def test_lightning_ddp_one_run_per_node_shared_totals(tmp_path) -> None:
    support.needs("lightning")
    ranks = _torchrun("_pl_ddp_child.py", tmp_path)
    assert [r["process_group"] for r in ranks] == [2, 2]
    assert [r["local_rank"] for r in ranks] == [0, 1]
    assert ranks[0]["run_id"] is not None and ranks[1]["run_id"] is None
    stored = _stored()
    assert [r["run_id"] for r in stored] == [ranks[0]["run_id"]] and stored[0]["status"] == "completed"
    assert ranks[0]["totals"] == ranks[1]["totals"]
    assert ranks[1]["totals"]["co2e_kg"] == ranks[0]["record_co2e_kg"] > 0


@pytest.mark.slow
def test_a_gather_a_rank_never_joins_is_given_up_within_the_bound(tmp_path) -> None:
    ranks = _torchrun("_share_timeout_child.py", tmp_path)
    waiting = ranks[1]
    assert 1.5 <= waiting["waited_s"] < 15
    assert waiting["second_s"] < 1.0
    assert waiting["totals"] == [None, None]  # a rank that does not measure has no figures of its own
    assert len(waiting["warnings"]) == 1 and "could not be shared between ranks" in waiting["warnings"][0]
    assert ranks[0]["measured"] and not waiting["measured"]
