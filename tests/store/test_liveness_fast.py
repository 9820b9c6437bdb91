"""The psutil-free creation time agrees with psutil's, so stale-run detection keeps working."""

import os

import pytest

from carbonest.store import liveness


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux procfs")
def test_linux_create_time_matches_psutil() -> None:
    psutil = pytest.importorskip("psutil")
    ours = liveness._linux_create_time()
    assert ours is not None
    assert abs(ours - psutil.Process().create_time()) <= liveness.CREATE_TIME_TOLERANCE_S
    assert liveness.process_alive(os.getpid(), ours)


def test_unreadable_proc_gives_none(tmp_path) -> None:
    assert liveness._linux_create_time(str(tmp_path)) is None
