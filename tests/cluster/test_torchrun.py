"""Whole jobs under the real torchrun, gloo on CPU: one job record, each host once, no hang.

Three launches (torch starts slowly: each asserts several things): four processes on one
node; two torchrun agents posing as two nodes (``CARBONEST_HOST``), rendezvous on
127.0.0.1; and a job whose rank 1 vanishes mid-run. The worker is tests/cluster/torch_job.py.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import support
from carbonest.store.sqlite import SQLiteStore

WORKER = Path(__file__).with_name("torch_job.py")
HOST_W = 50.0 + 10.0 + 2 * 100.0  # the fake probes of one host (tests/cluster/torch_job.py)


@pytest.fixture(autouse=True)
def _torch() -> None:
    support.needs("torch")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _agent(tmp: Path, host: str, run_id: str, port: int, *, nnodes: int, nproc: int, **extra: str) -> subprocess.Popen:
    home, out = tmp / f"home-{host}", tmp / "out"
    home.mkdir()
    out.mkdir(exist_ok=True)
    env = support.loopback_env(log_file=tmp / "blocked.log")
    env.update(CARBONEST_HOME=str(home), CARBONEST_HOST=host, TEST_OUT=str(out), OMP_NUM_THREADS="1", **extra)
    for key in ("CARBONEST_REGION", "CARBONEST_JOB_ID", "SLURM_JOB_ID"):
        env.pop(key, None)
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nnodes={nnodes}", f"--nproc-per-node={nproc}",
           "--rdzv-backend=c10d", f"--rdzv-endpoint=127.0.0.1:{port}", f"--rdzv-id={run_id}",
           "--local-addr=127.0.0.1", "--max-restarts=0", "--monitor-interval=0.2", str(WORKER)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(*agents: subprocess.Popen, timeout_s: float = 150.0) -> list[str]:
    outputs = []
    for agent in agents:
        try:
            text, _ = agent.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            for a in agents:
                a.kill()
            pytest.fail("torchrun did not finish: carbonest hung the job")
        outputs.append(text)
        assert agent.returncode == 0, text[-3000:]
    return outputs


def _ranks(tmp: Path) -> dict[int, dict]:
    return {int(p.stem.split("-")[1]): json.loads(p.read_text()) for p in (tmp / "out").glob("rank-*.json")}


def _stored_jobs(tmp: Path) -> list[dict]:
    jobs = []
    for db in tmp.glob("home-*/runs.sqlite"):
        with SQLiteStore(db, read_only=True) as store:
            jobs += store.jobs()
    return jobs


def _check_host(host: dict, records: list[dict]) -> None:
    """The host's figures: its CPU and DRAM from exactly one record, each GPU once."""
    mine = [r for r in records if r["job"]["host"] == host["host"]]
    with_cpu = [r for r in mine if "cpu" in r["components"]]
    assert len(with_cpu) == 1 and host["components"]["cpu"]["counted_by"] == [with_cpu[0]["run_id"]]
    assert host["components"]["cpu"]["energy_kwh"] == pytest.approx(with_cpu[0]["components"]["cpu"]["energy_kwh"])
    assert host["gpu_uuids"] == [f"GPU-{host['host']}-0", f"GPU-{host['host']}-1"]
    gpus = [g for r in mine for g in r["job"]["gpus"]]
    assert sorted(g["uuid"] for g in gpus) == host["gpu_uuids"]  # claimed once across the host's ranks
    assert host["components"]["gpu"]["energy_kwh"] == pytest.approx(sum(g["energy_kwh"] for g in gpus))
    assert host["duplicates"] == []
    # known power: the host's energy over its counting run's measured time, 260 W
    seconds = host["components"]["cpu"]["energy_kwh"] * 3.6e6 / 50.0
    assert host["it_energy_kwh"] * 3.6e6 / seconds == pytest.approx(HOST_W, rel=0.15)


def _check_loopback(tmp: Path, ranks: dict[int, dict]) -> None:
    """Nothing left 127.0.0.1: Python's connects (the guard's log) and torch's store (MASTER_ADDR)."""
    assert not (tmp / "blocked.log").exists()
    assert {r["master_addr"] for r in ranks.values()} == {"127.0.0.1"}


def _check_totals(job: dict) -> None:
    for key in ("it_energy_kwh", "energy_kwh", "co2e_kg"):
        assert job[key] == pytest.approx(sum(h[key] for h in job["hosts"]))
    for comp, entry in job["components"].items():
        assert entry["energy_kwh"] == pytest.approx(sum(h["components"][comp]["energy_kwh"] for h in job["hosts"]))


def test_four_ranks_on_one_node_make_one_job_counting_the_host_once(tmp_path: Path) -> None:
    _finish(_agent(tmp_path, "node-a", "four", _free_port(), nnodes=1, nproc=4))
    ranks = _ranks(tmp_path)
    assert sorted(ranks) == [0, 1, 2, 3]
    assert all(r["sum"] == [40.0] * 4 for r in ranks.values())  # (1+2+3+4) x 4: both all_reduces ran
    (job,) = _stored_jobs(tmp_path)
    assert job == ranks[0]["job"] and all(ranks[r]["job"] is None for r in (1, 2, 3))
    assert job["job_id"] == "four" and job["status"] == "complete" and job["problems"] == []
    assert (job["reported_ranks"], job["expected_ranks"], job["reported_hosts"]) == (4, 4, 1)
    records = [r["record"] for r in ranks.values()]
    assert {r["job"]["id"] for r in records} == {"four"}
    assert sorted(r["job"]["local_rank"] for r in records) == [0, 1, 2, 3]
    (host,) = job["hosts"]
    assert host["ranks"] == [0, 1, 2, 3] and sorted(host["run_ids"]) == sorted(r["run_id"] for r in records)
    _check_host(host, records)
    _check_totals(job)
    _check_loopback(tmp_path, ranks)


def test_two_agents_posing_as_two_nodes(tmp_path: Path) -> None:
    port = _free_port()
    agents = [_agent(tmp_path, host, "two-nodes", port, nnodes=2, nproc=1) for host in ("node-a", "node-b")]
    _finish(*agents)
    ranks = _ranks(tmp_path)
    (job,) = _stored_jobs(tmp_path)  # in the store of the node that had rank 0
    assert job["status"] == "complete" and (job["reported_hosts"], job["expected_hosts"]) == (2, 2)
    assert [h["host"] for h in job["hosts"]] == ["node-a", "node-b"] or \
        [h["host"] for h in job["hosts"]] == ["node-b", "node-a"]
    assert sorted(h["node_rank"] for h in job["hosts"]) == [0, 1]
    records = [r["record"] for r in ranks.values()]
    for host in job["hosts"]:
        _check_host(host, records)
    _check_totals(job)
    assert len({g for h in job["hosts"] for g in h["gpu_uuids"]}) == 4
    _check_loopback(tmp_path, ranks)


def test_a_rank_that_dies_leaves_a_partial_job_not_a_hang(tmp_path: Path) -> None:
    started = time.monotonic()
    _finish(_agent(tmp_path, "node-a", "dies", _free_port(), nnodes=1, nproc=2,
                   TEST_DIE_RANK="1", CARBONEST_GATHER_TIMEOUT_S="3"))
    ranks = _ranks(tmp_path)
    assert sorted(ranks) == [0]
    assert 2.5 < ranks[0]["stop_s"] < 15  # waited for rank 1 up to the deadline, then went on
    with SQLiteStore(tmp_path / "home-node-a" / "runs.sqlite", read_only=True) as store:
        runs = {r["job"]["rank"]: r for r in store.runs_of_job("dies")}
    assert runs[1]["status"] == "interrupted"  # its last checkpoint is kept, its process gone
    assert runs[0]["status"] == "completed"
    (job,) = _stored_jobs(tmp_path)
    assert job["status"] == "partial" and any("gather: no record from rank(s) 1 within 3 s" in p for p in job["problems"])
    # the store rank 0 writes holds rank 1's last checkpoint (one home here): counted, said to be cut short
    assert sorted(job["run_ids"]) == sorted(r["run_id"] for r in runs.values())
    assert any("1 run(s) interrupted" in p and runs[1]["run_id"] in p for p in job["problems"])
    _check_loopback(tmp_path, ranks)
    assert time.monotonic() - started < 120
