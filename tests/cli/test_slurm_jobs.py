"""``srun carbonest measure -- CMD`` across an allocation: one job record, from Slurm's variables.

No Slurm daemon: each "node" is a ``carbonest measure`` run under the variables srun sets on
that node (SLURM_NODEID, SLURM_PROCID, SLURM_LOCALID, ...; CARBONEST_HOST poses the host), all
writing one shared store, as a cluster with a shared home does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from carbonest.store.sqlite import SQLiteStore

ALLOCATION = {
    "SLURM_JOB_ID": "4242", "SLURM_STEP_ID": "0", "SLURM_JOB_NUM_NODES": "2", "SLURM_STEP_NUM_NODES": "2",
    "SLURM_NTASKS": "2", "SLURM_JOB_PARTITION": "gpu-a100", "SLURM_JOB_NODELIST": "gn[01-02]",
    "SLURM_JOB_NAME": "train",
}
CMD = ["--", sys.executable, "-c", "pass"]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CARBONEST_HOME", str(tmp_path))
    for key in ("CARBONEST_JOB_ID", "CARBONEST_REGION", "LOCAL_RANK", "RANK", "WORLD_SIZE", "TORCHELASTIC_RUN_ID",
                "SLURM_STEP_NODELIST", "GROUP_WORLD_SIZE", "CUDA_VISIBLE_DEVICES"):
        monkeypatch.delenv(key, raising=False)
    for key, value in ALLOCATION.items():
        monkeypatch.setenv(key, value)
    return tmp_path


def _on_node(monkeypatch: pytest.MonkeyPatch, node: int) -> None:
    monkeypatch.setenv("SLURM_NODEID", str(node))
    monkeypatch.setenv("SLURM_PROCID", str(node))
    monkeypatch.setenv("SLURM_LOCALID", "0")
    monkeypatch.setenv("CARBONEST_HOST", f"gn0{node + 1}")


def test_srun_measure_on_two_nodes_makes_one_job(cli, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _on_node(monkeypatch, 0)
    assert cli("measure", "--region", "FR", "--interval", "0.01", *CMD).code == 0
    first = cli("runs", "--job", "4242", "--json").json()
    assert first["status"] == "partial" and "1 of 2 hosts reported" in first["problems"]
    _on_node(monkeypatch, 1)
    assert cli("measure", "--region", "FR", "--interval", "0.01", *CMD).code == 0

    job = cli("runs", "--job", "4242", "--json").json()  # the job id finds its steps
    assert job["status"] == "complete" and job["problems"] == []
    assert [h["host"] for h in job["hosts"]] == ["gn01", "gn02"] and [h["node_rank"] for h in job["hosts"]] == [0, 1]
    assert job["metadata"] == {"launcher": "slurm", "slurm_job_id": "4242", "step": "0", "partition": "gpu-a100",
                               "nodelist": "gn[01-02]", "job_name": "train", "num_nodes": 2, "world_size": 2}
    for host in job["hosts"]:  # each node's CPU counted by its own measure process, once
        assert host["components"]["cpu"]["energy_kwh"] > 0 and host["duplicates"] == []
    assert job["it_energy_kwh"] == pytest.approx(sum(h["it_energy_kwh"] for h in job["hosts"]))
    assert job["co2e_kg"] == pytest.approx(sum(h["co2e_kg"] for h in job["hosts"]))

    with SQLiteStore(home / "runs.sqlite", read_only=True) as store:
        stored = store.get_job("4242.0")  # the last node to finish stored the complete record
        runs = store.runs_of_job("4242")
    assert stored["status"] == "complete" and stored["reported_hosts"] == 2
    assert [r["job"]["host"] for r in runs] == ["gn01", "gn02"]
    assert {r["job"]["id"] for r in runs} == {"4242.0"}

    text = cli("runs", "--job", "4242.0")
    assert text.code == 0
    assert "job 4242.0  complete" in text.out and "gn01 (node 0, ranks 0)" in text.out
    assert "partition=gpu-a100" in text.out and "hosts     2 of 2" in text.out


def test_unknown_job_found_nothing_exits_1(cli, home: Path) -> None:
    """docs/cli.md's table: a job id that matches nothing is exit 1 (as a run id, as grep)."""
    r = cli("runs", "--job", "nope")
    assert r.code == 1 and "job" in r.err and "nope" in r.err and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_srun_measure_on_two_nodes_into_one_postgresql_store(cli, home: Path, monkeypatch: pytest.MonkeyPatch,
                                                             pg_url: str) -> None:
    from carbonest.store.postgres import PostgresStore

    for node in (0, 1):  # each node writes the shared database, none the SQLite file
        _on_node(monkeypatch, node)
        assert cli("measure", "--region", "FR", "--interval", "0.01", "--store", pg_url, *CMD).code == 0
    assert not (home / "runs.sqlite").exists()

    job = cli("runs", "--job", "4242", "--store", pg_url, "--json").json()
    assert job["status"] == "complete" and job["problems"] == []
    assert [h["host"] for h in job["hosts"]] == ["gn01", "gn02"] and [h["node_rank"] for h in job["hosts"]] == [0, 1]
    assert job["it_energy_kwh"] == pytest.approx(sum(h["it_energy_kwh"] for h in job["hosts"]))
    with PostgresStore(pg_url, read_only=True) as store:
        stored = store.get_job("4242.0")
        runs = store.runs_of_job("4242")
    assert stored["status"] == "complete" and stored["reported_hosts"] == 2
    assert [r["job"]["host"] for r in runs] == ["gn01", "gn02"] and {r["job"]["id"] for r in runs} == {"4242.0"}

    text = cli("runs", "--job", "4242.0", "--store", pg_url)
    assert text.code == 0 and "job 4242.0  complete" in text.out and "hosts     2 of 2" in text.out
    unknown = cli("runs", "--job", "nope", "--store", pg_url)
    assert unknown.code == 1 and "nope" in unknown.err and len(unknown.err.strip().splitlines()) == 1
