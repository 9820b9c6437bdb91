"""Multi-process jobs: which process counts what, and the identity a record carries."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from carbonest.measure.summary import COMPONENTS
from carbonest.measure.tracker import track
from carbonest.measure.setup import _rank_policy
from carbonest.store.runinfo import job_identity

from _trackertest_helpers import FAST


def _policy(scope: str = "auto"):
    notes: list[str] = []
    ctx = SimpleNamespace(job=job_identity(), claims=None)
    wanted, claims = _rank_policy({"scope": scope}, ctx, notes)  # type: ignore[arg-type]
    return wanted, claims, notes


def test_no_launcher_counts_everything() -> None:
    assert _policy() == (COMPONENTS, None, [])


def test_local_rank_0_counts_the_host_and_claims_it(monkeypatch) -> None:
    monkeypatch.setenv("LOCAL_RANK", "0")
    wanted, claims, _ = _policy()
    assert wanted == COMPONENTS and claims.held == ("host",)


def test_local_rank_1_counts_only_gpus(monkeypatch) -> None:
    monkeypatch.setenv("LOCAL_RANK", "1")
    wanted, claims, notes = _policy()
    assert wanted == ("gpu",) and claims.held == ()
    assert any("local rank 0" in n for n in notes)


def test_a_second_local_rank_0_of_the_job_leaves_the_host_to_the_first(monkeypatch) -> None:
    # srun carbonest measure -- torchrun ...: the measure process and torchrun's local rank 0
    # share the Slurm job id and the host; only one of them counts the CPU and DRAM.
    monkeypatch.setenv("SLURM_JOB_ID", "77")
    monkeypatch.setenv("SLURM_LOCALID", "0")
    first = _policy()
    monkeypatch.setenv("LOCAL_RANK", "0")
    second = _policy()
    assert first[0] == COMPONENTS and second[0] == ("gpu",)
    assert any("host lock" in n for n in second[2])
    first[1].release()
    assert _policy()[0] == COMPONENTS  # a claim given back (or its process gone) is free again


def test_other_host_or_job_has_its_own_claims(monkeypatch) -> None:
    monkeypatch.setenv("LOCAL_RANK", "0")
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "job-a")
    a = _policy()
    monkeypatch.setenv("CARBONEST_HOST", "posed-node-b")
    b = _policy()
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "job-b")
    c = _policy()
    assert a[0] == b[0] == c[0] == COMPONENTS


def test_rank_without_local_rank_is_elected_by_host_lock(monkeypatch) -> None:
    monkeypatch.setenv("RANK", "3")  # mp.spawn-style: ranks, no local rank
    first, second = _policy(), _policy()
    assert first[0] == COMPONENTS and second[0] == ("gpu",)


def test_slurm_local_id_counts_as_local_rank(monkeypatch) -> None:
    monkeypatch.setenv("SLURM_LOCALID", "3")
    assert _policy()[0] == ("gpu",)


def test_scope_all_means_no_policy(monkeypatch) -> None:
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert _policy("all") == (COMPONENTS, None, [])


def test_scope_rank_without_launcher_elects_by_host_lock() -> None:
    first, second = _policy("rank"), _policy("rank")
    assert first[0] == COMPONENTS and second[0] == ("gpu",)


def test_distributed_identity_recorded(make_probe, store, monkeypatch) -> None:
    env = {"RANK": "5", "LOCAL_RANK": "1", "WORLD_SIZE": "8", "SLURM_PROCID": "5"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with track(region="FR", probes=[make_probe()], store=store, **FAST) as run:
        time.sleep(0.01)
    assert dict(run.record.distributed) == env
    assert store.get_run(run.run_id)["distributed"] == env


def test_policy_applied_through_discovery(store, monkeypatch) -> None:
    from carbonest.probes import discovery

    seen: dict[str, object] = {}

    def fake_discover(components, **options):
        seen["components"] = tuple(components)
        seen["nvml"] = options["nvml_factory"]
        return [], []

    monkeypatch.setattr(discovery, "discover_probes", fake_discover)
    monkeypatch.setenv("LOCAL_RANK", "1")
    with track(region="FR", store=store, **FAST) as run:
        pass
    assert seen["components"] == ("gpu",)
    assert run.record.not_measured == ("gpu",)
    assert any("local rank 0" in n for n in run.record.notes)


@pytest.mark.parametrize("scope", ["all", "auto"])
def test_without_local_rank_every_component_wanted(store, monkeypatch, scope) -> None:
    from carbonest.probes import discovery

    seen: list[tuple[str, ...]] = []
    monkeypatch.setattr(discovery, "discover_probes", lambda c, **_: (seen.append(tuple(c)), ([], []))[1])
    with track(region="FR", store=store, scope=scope, **FAST):
        pass
    assert seen == [COMPONENTS]
