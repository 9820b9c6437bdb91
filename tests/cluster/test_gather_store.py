"""Rank 0's side of the gather against a real c10d store (torch's HashStore), no processes."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

import support


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch):
    torch_dist = support.needs("torch.distributed")
    from torch.distributed import distributed_c10d

    store = torch_dist.HashStore()
    monkeypatch.setattr(distributed_c10d, "_get_default_store", lambda: store)

    from carbonest.measure import gather

    counts: dict[int, dict[str, int]] = {}  # each simulated rank is its own process: its own counts

    def rank(r: int, name: str = "fit"):
        monkeypatch.setattr(gather, "_COUNTS", counts.setdefault(r, {}))
        return gather.Gather(SimpleNamespace(get_rank=lambda: r, get_world_size=lambda: 3), name)

    return rank


def test_rank_0_waits_for_announced_ranks_only(world) -> None:
    r0, r1, r2 = world(0), world(1), world(2)
    r0.announce("a")
    r1.announce("b")  # rank 2 started its tracker before the group existed: not announced
    r1.send({"run_id": "b", "rank": 1})
    t = time.monotonic()
    got, problems = r0.collect({"run_id": "a", "rank": 0}, timeout_s=20)
    assert time.monotonic() - t < 10  # rank 2 was not waited for
    assert [g["run_id"] for g in got] == ["a", "b"] and problems == []


def test_an_announced_rank_that_never_sends_costs_the_deadline_then_is_named(world) -> None:
    r0, r1, r2 = world(0), world(1), world(2)
    for r in (r0, r1, r2):
        r.announce("x")
    r2.send({"run_id": "c", "rank": 2})
    t = time.monotonic()
    got, problems = r0.collect({"run_id": "a", "rank": 0}, timeout_s=0.5)
    assert 0.4 < time.monotonic() - t < 10
    assert [g["run_id"] for g in got] == ["a", "c"]
    assert problems and "rank(s) 1 within 0.5 s" in problems[0]


def test_runs_are_matched_by_name_and_count(world) -> None:
    first0, first1 = world(0, "epoch"), world(1, "epoch")
    second0, second1 = world(0, "epoch"), world(1, "epoch")
    second1.send({"run_id": "late", "rank": 1})
    first1.send({"run_id": "early", "rank": 1})
    assert [g["run_id"] for g in first0.collect({"run_id": "e0"}, 0.2)[0]] == ["e0", "early"]
    assert [g["run_id"] for g in second0.collect({"run_id": "l0"}, 0.2)[0]] == ["l0", "late"]
