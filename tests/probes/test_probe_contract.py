"""ONE contract test, run over every probe type (carbonest/probes/base.py rules)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fakes.fake_pynvml import FakeNvml
from fakes.powercap import PowercapTree, intel_two_socket_with_psys

from carbonest.errors import ProbeUnavailableError
from carbonest.probes.base import DeviceInfo, Probe, ProbeStatus
from carbonest.probes.cpu_model import CpuModelProbe
from carbonest.probes.fake import FakeProbe
from carbonest.probes.memory_model import MemoryModelProbe
from carbonest.probes.nvml import NvmlProbe
from carbonest.probes.rapl import RaplProbe
from carbonest.records import Reading

Advance = Callable[[], None]


@pytest.fixture(params=["nvml", "amdsmi", "rapl", "cpu_model", "memory_model", "fake"])
def probe_and_advance(
    request: pytest.FixtureRequest, tmp_path: Path, fake_nvml: FakeNvml, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Probe, Advance]]:
    kind = request.param
    if kind == "nvml":
        yield NvmlProbe(), lambda: fake_nvml.step(1.0)
    elif kind == "amdsmi":
        from fakes.fake_amdsmi import MI250X_UUID, MI300X_UUID, FakeAmdGpu, FakeAmdSmi

        gpus = [FakeAmdGpu("AMD Instinct MI300X", MI300X_UUID),
                FakeAmdGpu("AMD Instinct MI250X", MI250X_UUID, generation="mi200", energy_supported=False)]
        monkeypatch.setitem(sys.modules, "amdsmi", FakeAmdSmi(gpus).module())
        for name in ("ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "CUDA_VISIBLE_DEVICES"):
            monkeypatch.delenv(name, raising=False)
        from carbonest.probes.amdsmi import AmdSmiProbe

        yield AmdSmiProbe(), lambda: [g.advance(1.0) for g in gpus]
    elif kind == "rapl":
        tree = PowercapTree(tmp_path)
        intel_two_socket_with_psys(tree)
        yield RaplProbe(tree.root), lambda: [tree.advance(z, 1000) for z in list(tree.zones)]
    elif kind == "cpu_model":
        yield CpuModelProbe(95.0), lambda: None
    elif kind == "memory_model":
        yield MemoryModelProbe(), lambda: None
    else:
        yield FakeProbe({"gpu:0": 100.0, "gpu:1": [50.0, 60.0]}), lambda: None


def _check_reading(r: Reading, info: DeviceInfo) -> None:
    assert r.component == info.component
    assert r.provenance.kind in ("measured", "modelled") and r.provenance.detail
    assert isinstance(r.timestamp_s, float)
    if r.error is None:
        assert r.energy_j is not None or r.power_w is not None
    for value in (r.energy_j, r.power_w):
        assert value is None or value >= 0
    assert r.max_energy_j is None or r.max_energy_j > 0
    assert r.utilisation is None or 0 <= r.utilisation <= 1


def test_probe_contract(probe_and_advance: tuple[Probe, Advance]) -> None:
    probe, advance = probe_and_advance
    assert isinstance(probe.name, str) and probe.name
    assert set(probe.components) <= {"gpu", "cpu", "dram"}
    assert probe.devices() == []
    with pytest.raises(ProbeUnavailableError):
        probe.read()  # not open yet

    probe.open()
    devices = probe.devices()
    assert devices and len(set(devices)) == len(devices)
    info = probe.device_info()
    assert list(info) == devices
    status = probe.describe()
    assert isinstance(status, ProbeStatus) and status.available and status.name == probe.name
    assert set(status.devices) == set(devices)

    for _ in range(3):
        advance()
        start = time.perf_counter()
        readings = probe.read()
        assert time.perf_counter() - start < 0.05  # never sleeps
        assert [r.device for r in readings] == devices
        for r in readings:
            _check_reading(r, info[r.device])

    probe.close()
    probe.close()  # idempotent
    assert not probe.describe().available
    with pytest.raises(ProbeUnavailableError):
        probe.read()


def test_import_carbonest_probes_imports_no_vendor_module() -> None:
    import subprocess

    code = (
        "import sys, carbonest.probes.discovery, carbonest.probes.nvml, carbonest.measure.sampler;"
        "print('pynvml' in sys.modules, 'psutil' in sys.modules, 'numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]
