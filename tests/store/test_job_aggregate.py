"""Job records from the records of a job's processes: each host and each GPU once (store/jobs.py)."""

from __future__ import annotations

import pytest

from carbonest.store.jobs import aggregate, summarise


def _record(run_id: str, host: str, rank: int, local: int, *, cpu: float | None = None,
            gpus: dict[str, float] | None = None, counts_host: bool | None = None, **extra: object) -> dict:
    comps = {}
    if cpu is not None:
        comps["cpu"] = {"energy_kwh": cpu, "count": 1}
    if gpus:
        comps["gpu"] = {"energy_kwh": sum(gpus.values()), "count": len(gpus)}
    record = {"run_id": run_id, "status": "completed", "started_at": f"2024-01-01T00:00:0{rank}Z", "pue": 1.5,
              "intensity_g_per_kwh": 100.0, "components": comps,
              "job": {"id": "j", "host": host, "rank": rank, "local_rank": local, "node_rank": 0 if host == "a" else 1,
                      "world_size": 4, "num_nodes": 2, "counts_host": counts_host, "launcher": "torchrun",
                      "gpus": [{"uuid": u, "device": f"gpu:{i}", "energy_kwh": e}
                               for i, (u, e) in enumerate((gpus or {}).items())]}}
    record.update(extra)
    return record


def test_duplicates_within_a_host_are_left_out_and_said() -> None:
    # every rank of host a saw the whole host (probes given, scope "all"): counted once anyway
    runs = [_record(f"a{r}", "a", r, r, cpu=1.0, gpus={"G0": 2.0, "G1": 3.0}) for r in range(2)]
    runs += [_record("b0", "b", 2, 0, cpu=4.0, gpus={"G2": 5.0}, counts_host=True),
             _record("b1", "b", 3, 1, gpus={"G3": 6.0}, counts_host=False)]
    job = aggregate("j", runs, source="test")
    a, b = job["hosts"]
    assert a["it_energy_kwh"] == pytest.approx(6.0) and a["components"]["cpu"]["counted_by"] == ["a0"]
    assert len(a["duplicates"]) == 3 and any("G1" in d for d in a["duplicates"])
    assert b["it_energy_kwh"] == pytest.approx(15.0) and b["duplicates"] == []
    assert job["it_energy_kwh"] == pytest.approx(21.0) and job["components"]["gpu"]["energy_kwh"] == pytest.approx(16.0)
    assert job["energy_kwh"] == pytest.approx(21.0 * 1.5) and job["co2e_kg"] == pytest.approx(21.0 * 1.5 * 0.1)
    assert job["status"] == "complete" and (job["reported_hosts"], job["expected_hosts"]) == (2, 2)


def test_the_host_claim_holder_wins_over_a_lower_local_rank() -> None:
    runs = [_record("x1", "a", 0, 0, cpu=9.0), _record("x2", "a", 1, 1, cpu=1.0, counts_host=True)]
    assert aggregate("j", runs, source="t")["hosts"][0]["components"]["cpu"]["counted_by"] == ["x2"]


def test_missing_ranks_hosts_and_running_runs_make_it_partial() -> None:
    runs = [_record("a0", "a", 0, 0, cpu=1.0), _record("a1", "a", 1, 1, status="running")]
    job = aggregate("j", runs, source="t", problems=["gather: no record from rank(s) 3"])
    assert job["status"] == "partial"
    assert "2 of 4 ranks did not report (ranks 2, 3)" in job["problems"]
    assert "1 of 2 hosts reported" in job["problems"] and any("still running" in p for p in job["problems"])


def test_nothing_measured_is_none_not_zero_and_unknown_size_is_unknown() -> None:
    record = _record("a0", "a", 0, 0)
    record["job"] = {"id": "j", "host": "a"}
    job = aggregate("j", [record], source="t")
    assert job["it_energy_kwh"] is None and job["co2e_kg"] is None and job["status"] == "unknown"


def test_gpus_without_uuids_are_added_as_is_with_a_note() -> None:
    record = _record("a0", "a", 0, 0, gpus={"G0": 1.0})
    record["job"]["gpus"] = []
    host = aggregate("j", [record], source="t")["hosts"][0]
    assert host["components"]["gpu"]["energy_kwh"] == 1.0 and "no UUIDs" in host["duplicates"][0]


def test_summaries_aggregate_like_records() -> None:
    runs = [_record(f"a{r}", "a", r, r, cpu=1.0, gpus={f"G{r}": 2.0}) for r in range(2)]
    full, slim = aggregate("j", runs, source="t", created_at="x"), aggregate("j", map(summarise, runs),
                                                                            source="t", created_at="x")
    assert full == slim


def test_runs_one_after_the_other_on_a_host_both_count() -> None:
    # train, then eval, in one Slurm job on one host: not duplicates of each other
    train = _record("t", "a", 0, 0, cpu=1.0, gpus={"G0": 2.0}, started_at="2024-01-01T00:00:00Z",
                    ended_at="2024-01-01T01:00:00Z")
    evaluate = _record("e", "a", 0, 0, cpu=0.5, gpus={"G0": 1.0}, started_at="2024-01-01T01:00:00Z",
                       ended_at="2024-01-01T01:10:00Z")
    overlapping = _record("o", "a", 1, 1, cpu=0.5, gpus={"G0": 1.0}, started_at="2024-01-01T00:30:00Z",
                          ended_at="2024-01-01T00:40:00Z")
    (host,) = aggregate("j", [train, evaluate, overlapping], source="t")["hosts"]
    assert host["it_energy_kwh"] == pytest.approx(4.5)
    assert host["components"]["cpu"]["counted_by"] == ["t", "e"] and host["ranks"] == [0, 1]
    assert len(host["duplicates"]) == 2 and all("run o " in d for d in host["duplicates"])


def test_combined_adds_a_new_gather_to_the_stored_job_and_the_stores_runs() -> None:
    from carbonest.store.jobs import combined, job_view
    from carbonest.store.memory import MemoryStore

    store = MemoryStore()
    epoch1 = [_record(f"e1-{r}", "a", r, r, cpu=1.0 if r == 0 else None, gpus={f"G{r}": 1.0},
                      started_at="2024-01-01T00:00:00Z", ended_at="2024-01-01T01:00:00Z") for r in range(2)]
    store.put_job(aggregate("j", epoch1, source="gather", problems=["gather: no record from rank(s) 3"]))
    store.save_run(_record("local", "b", 2, 0, cpu=2.0, started_at="2024-01-01T00:00:00Z", ended_at="2024-01-01T01:00:00Z"))
    epoch2 = [summarise(_record(f"e2-{r}", "a", r, r, cpu=1.0 if r == 0 else None, gpus={f"G{r}": 1.0},
                                started_at="2024-01-01T01:00:00Z", ended_at="2024-01-01T02:00:00Z")) for r in range(2)]
    job = combined("j", store, epoch2, source="gather")
    assert job["it_energy_kwh"] == pytest.approx(2 * 3.0 + 2.0) and len(job["runs"]) == 5
    assert job["problems"][0] == "gather: no record from rank(s) 3" and job["status"] == "partial"
    store.put_job(job)
    assert job_view(store, "j")["it_energy_kwh"] == pytest.approx(8.0)
