"""Fixtures for the integration tests: every test in its own carbonest home, offline
(see _integration_env.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from _integration_env import isolate


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "carbonest-home"
    isolate(monkeypatch, folder)
    yield folder
