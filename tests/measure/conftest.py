"""Fixtures for the tracker tests: an isolated carbonest home, fake probes, stores.

Every test runs with ``CARBONEST_HOME`` in its own temporary folder and with
the settings and launcher variables cleared, so nothing reads or writes the
real home and the host's environment cannot change a result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from carbonest.probes.fake import FakeProbe
from carbonest.store.runinfo import DISTRIBUTED_VARS
from carbonest.store.memory import MemoryStore

SETTINGS_VARS = ("CARBONEST_REGION", "CARBONEST_PUE", "CARBONEST_CONFIG", "CARBONEST_BASIS")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private CARBONEST_HOME; settings and distributed-job variables unset."""
    folder = tmp_path / "carbonest-home"
    folder.mkdir()
    monkeypatch.setenv("CARBONEST_HOME", str(folder))
    for name in SETTINGS_VARS + DISTRIBUTED_VARS + ("SLURM_LOCALID", "OMPI_COMM_WORLD_LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture
def make_probe() -> Iterator[Callable[..., FakeProbe]]:
    """Open FakeProbes (closed again after the test)."""
    made: list[FakeProbe] = []

    def make(power_w: Any = None, **options: Any) -> FakeProbe:
        probe = FakeProbe(power_w if power_w is not None else {"gpu:0": 100.0}, **options)
        probe.open()
        made.append(probe)
        return probe

    yield make
    for probe in made:
        probe.close()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()
