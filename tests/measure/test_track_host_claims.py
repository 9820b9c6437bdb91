"""One measurement per host: each GPU counted once by UUID, whatever each rank's CUDA_VISIBLE_DEVICES.

The fake pynvml (tests/fakes/fake_pynvml.py) stands in for the driver at the import boundary;
discovery, the claims and the tracker are the real ones.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_TESTS = str(Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from fakes.fake_pynvml import FakeGpu, FakeNvml  # noqa: E402

from carbonest.measure import setup  # noqa: E402
from carbonest.measure.tracker import Tracker  # noqa: E402
from carbonest.store.jobs import aggregate  # noqa: E402

from _trackertest_helpers import FAST  # noqa: E402

UUIDS = [f"GPU-0000000{i}-aaaa-bbbb-cccc-00000000000{i}" for i in range(3)]


@pytest.fixture
def three_gpus(monkeypatch: pytest.MonkeyPatch) -> FakeNvml:
    fake = FakeNvml([FakeGpu("NVIDIA H100 80GB HBM3", u, power_mw=100_000 * (i + 1)) for i, u in enumerate(UUIDS)])
    monkeypatch.setitem(sys.modules, "pynvml", fake.module())
    monkeypatch.setattr(setup, "_nvml_driver_present", lambda: True)
    monkeypatch.delenv("CUDA_DEVICE_ORDER", raising=False)
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "claims-test")
    return fake


def _start(monkeypatch: pytest.MonkeyPatch, store, local_rank: int, visible: str | None) -> Tracker:
    monkeypatch.setenv("LOCAL_RANK", str(local_rank))
    monkeypatch.setenv("RANK", str(local_rank))
    if visible is None:
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    else:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
    tracker = Tracker("claims", region="FR", store=store, **FAST).start()
    assert tracker.wait_ready(10)  # discovery read the environment of this rank
    return tracker


def _uuids(record) -> list[str]:
    return sorted(g["uuid"] for g in dict(record.job)["gpus"])


def test_overlapping_visible_sets_count_each_gpu_once(three_gpus, store, monkeypatch) -> None:
    rank0 = _start(monkeypatch, store, 0, "0,1")
    rank1 = _start(monkeypatch, store, 1, "1,2")  # sees GPU 1 too: rank 0 counts it already
    three_gpus.step(10.0)
    a, b = rank0.stop(), rank1.stop()
    assert _uuids(a) == UUIDS[:2] and _uuids(b) == [UUIDS[2]]
    assert any(UUIDS[1] in n and "another process" in n for n in b.notes)
    assert dict(a.job)["counts_host"] is True and dict(b.job)["counts_host"] is False
    assert "cpu" not in dict(b.components) and "cpu" in dict(a.components)
    job = aggregate("claims-test", [a.to_dict(), b.to_dict()], source="test")
    (host,) = job["hosts"]
    assert host["gpu_uuids"] == UUIDS and host["duplicates"] == []
    per_gpu = [g["energy_kwh"] for r in (a, b) for g in dict(r.job)["gpus"]]
    assert job["components"]["gpu"]["energy_kwh"] == pytest.approx(sum(per_gpu))
    assert all(e is not None and e > 0 for e in per_gpu)


def test_every_rank_seeing_every_gpu_counts_them_once(three_gpus, store, monkeypatch) -> None:
    trackers = [_start(monkeypatch, store, r, None) for r in range(3)]
    records = [t.stop() for t in trackers]
    claimed = [u for r in records for u in _uuids(r)]
    assert sorted(claimed) == UUIDS  # all of them, none twice
    assert [r.not_measured for r in records[1:]] == [("gpu",), ("gpu",)]


def test_a_gpu_claim_ends_with_its_run(three_gpus, store, monkeypatch) -> None:
    first = _start(monkeypatch, store, 1, "2")
    first.stop()
    second = _start(monkeypatch, store, 2, "2")
    assert _uuids(second.stop()) == [UUIDS[2]]


def test_a_forked_child_does_not_keep_the_claim_after_stop(tmp_path) -> None:
    """A persistent DataLoader worker forked during the run shares the claim files."""
    import multiprocessing
    import os

    from carbonest.measure.claims import HostClaims

    first = HostClaims("h", "job")
    assert first.claim("host")
    ready = multiprocessing.get_context("fork").Event()
    child = multiprocessing.get_context("fork").Process(target=lambda: (ready.set(), __import__("time").sleep(30)))
    child.start()
    try:
        assert ready.wait(10)
        assert not HostClaims("h", "job").claim("host")  # held while the run goes on
        first.release()
        assert HostClaims("h", "job").claim("host")  # the next run of this process gets it
    finally:
        child.kill()
        child.join()
    assert os.path.isdir(first.folder)
