"""Fixtures for the probe tests: temporary powercap trees and the fake pynvml module."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_TESTS = str(Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from fakes.powercap import PowercapTree  # noqa: E402


@pytest.fixture
def powercap(tmp_path: Path) -> PowercapTree:
    """An empty powercap tree; add zones with ``add_zone``."""
    return PowercapTree(tmp_path)
