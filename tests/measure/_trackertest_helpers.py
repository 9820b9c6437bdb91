"""Shared helpers of the tracker tests (importable: pytest puts this folder on sys.path)."""

from __future__ import annotations

from typing import Any

from carbonest.errors import StorageError
from carbonest.store.memory import MemoryStore

FAST = {"interval_s": 0.01, "flush_interval_s": 0.05}
"""Sampling options that keep a test short."""


class BrokenStore(MemoryStore):
    """A store whose every write fails as a full or read-only disk would."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0

    def save_run(self, record: Any) -> None:
        self.attempts += 1
        raise StorageError("disk full (scripted)")

    def add_samples(self, run_id: str, samples: Any) -> None:
        self.attempts += 1
        raise StorageError("disk full (scripted)")

    def checkpoint(self, record: Any, samples: Any = (), phases: Any = ()) -> None:
        self.attempts += 1
        raise StorageError("disk full (scripted)")
