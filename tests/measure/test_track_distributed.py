"""Multi-process jobs: which process counts what, and the identity a record carries."""

from __future__ import annotations

import time

import pytest

from carbonest.measure.summary import COMPONENTS
from carbonest.measure.tracker import track
from carbonest.measure.setup import _rank_policy

from _trackertest_helpers import FAST


def _policy(scope: str = "auto"):
    notes: list[str] = []
    wanted, gpu = _rank_policy({"scope": scope}, None, notes)  # type: ignore[arg-type]
    return wanted, gpu, notes


def test_no_launcher_counts_everything() -> None:
    assert _policy() == (COMPONENTS, None, [])


def test_local_rank_1_all_gpus_visible(monkeypatch) -> None:
    monkeypatch.setenv("LOCAL_RANK", "1")
    wanted, gpu, notes = _policy()
    assert wanted == ("gpu",) and gpu == "1"
    assert any("local rank 0" in n for n in notes)


def test_local_rank_0_counts_host_components(monkeypatch) -> None:
    monkeypatch.setenv("LOCAL_RANK", "0")
    wanted, gpu, _ = _policy()
    assert wanted == COMPONENTS and gpu == "0"


def test_local_rank_picks_its_entry_of_cuda_visible_devices(monkeypatch) -> None:
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,6")
    assert _policy()[:2] == (("gpu",), "6")


def test_more_ranks_than_visible_gpus_count_no_gpu(monkeypatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,6")
    monkeypatch.setenv("LOCAL_RANK", "3")
    wanted, gpu, notes = _policy()
    assert wanted == () and gpu is None  # not physical GPU 3, outside the visible set
    assert any("counted by local ranks 0-1" in n for n in notes)
    monkeypatch.setenv("LOCAL_RANK", "2")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    assert _policy()[:2] == ((), None)


def test_single_visible_gpu_needs_no_override(monkeypatch) -> None:
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    assert _policy()[:2] == (("gpu",), None)


def test_no_visible_gpu_is_not_overridden(monkeypatch) -> None:
    # CUDA_VISIBLE_DEVICES="" hides every GPU: this rank must not count one of the node's GPUs
    monkeypatch.setenv("LOCAL_RANK", "2")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert _policy()[:2] == (("gpu",), None)


def test_slurm_local_id_counts_as_local_rank(monkeypatch) -> None:
    monkeypatch.setenv("SLURM_LOCALID", "3")
    assert _policy()[:2] == (("gpu",), "3")


def test_scope_all_means_no_policy(monkeypatch) -> None:
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert _policy("all") == (COMPONENTS, None, [])


def test_scope_rank_without_launcher_is_rank_0() -> None:
    wanted, gpu, _ = _policy("rank")
    assert wanted == COMPONENTS and gpu == "0"


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
