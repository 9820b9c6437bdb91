"""The decorator on coroutine and generator functions measures their running, and a cancelled
task is an interrupted run."""

from __future__ import annotations

import asyncio
import time

import pytest

from carbonest import track

from _trackertest_helpers import FAST


def test_async_function_is_measured_while_awaited(make_probe, store) -> None:
    probe = make_probe()

    @track(region="FR", store=store, probes=[probe], **FAST)
    async def work(x: int) -> int:
        await asyncio.sleep(0.2)
        return x * 2

    assert asyncio.run(work(21)) == 42
    (run,) = store.list_runs()
    assert run["status"] == "completed" and run["name"].endswith("work")
    assert run["duration_s"] >= 0.2


def test_generator_is_measured_while_iterated(make_probe, store) -> None:
    probe = make_probe()

    @track(region="FR", store=store, probes=[probe], **FAST)
    def batches():
        for i in range(3):
            time.sleep(0.05)
            yield i

    gen = batches()
    assert store.list_runs() == []  # creating the generator starts nothing
    assert list(gen) == [0, 1, 2]
    (run,) = store.list_runs()
    assert run["status"] == "completed" and run["duration_s"] >= 0.15


def test_cancelled_task_is_interrupted(make_probe, store) -> None:
    probe = make_probe()

    @track(region="FR", store=store, probes=[probe], **FAST)
    async def forever() -> None:
        await asyncio.sleep(30)

    async def main() -> None:
        task = asyncio.create_task(forever())
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    (run,) = store.list_runs()
    assert run["status"] == "interrupted" and "cancelled" in run["status_reason"]
