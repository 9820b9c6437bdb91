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


from fakes.fake_pynvml import H100_UUID, P100_UUID, FakeGpu, FakeNvml  # noqa: E402


@pytest.fixture
def fake_nvml(monkeypatch: pytest.MonkeyPatch) -> FakeNvml:
    """An H100 (energy counter) and a P100 (power only), injected as ``pynvml``."""
    fake = FakeNvml(
        [
            FakeGpu("NVIDIA H100 80GB HBM3", H100_UUID),
            FakeGpu("Tesla P100-PCIE-16GB", P100_UUID, arch=4, power_mw=150_000),
        ]
    )
    monkeypatch.setitem(sys.modules, "pynvml", fake.module())
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.delenv("CUDA_DEVICE_ORDER", raising=False)
    return fake
