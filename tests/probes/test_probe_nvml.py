"""NvmlProbe against the fake pynvml module injected at the import boundary."""

from __future__ import annotations

import sys

import pynvml as real_pynvml
import pytest
from fakes.fake_pynvml import H100_UUID, P100_UUID, FakeGpu, FakeMig, FakeNvml

from carbonest.errors import ProbePermissionError, ProbeUnavailableError
from carbonest.probes.nvml import NvmlProbe, resolve_visible_devices, translate_nvml_error


def test_fake_reproduces_nvmlerror_quirks(fake_nvml: FakeNvml) -> None:
    nv = sys.modules["pynvml"]
    err = nv.NVMLError(3)
    assert type(err).__name__ == "NVMLError_NotSupported" and err.value == 3
    with pytest.raises(AttributeError):
        err == 3  # noqa: B015  (the real class compares .value of both sides)
    with pytest.raises(TypeError):
        {err}
    with pytest.raises(nv.NVMLError_Uninitialized):
        nv.nvmlDeviceGetCount()


def test_energy_counter_and_power_only_devices(fake_nvml: FakeNvml) -> None:
    with NvmlProbe() as probe:
        assert probe.devices() == ["gpu:0", "gpu:1"]
        info = probe.device_info()
        assert info["gpu:0"].model == "NVIDIA H100 80GB HBM3"
        assert H100_UUID in info["gpu:0"].note
        first = probe.read()
        fake_nvml.step(2.0)
        second = probe.read()
    h100, p100 = second
    assert h100.provenance.label == "measured:nvml:total_energy"
    assert h100.energy_j == pytest.approx(first[0].energy_j + 600.0)  # 300 W x 2 s, mJ -> J
    assert h100.max_energy_j is None
    assert h100.power_w == 300.0 and h100.utilisation == 0.5
    assert h100.memory_used_bytes == 10 * 1024**3
    assert p100.provenance.label == "measured:nvml:power_usage"
    assert p100.energy_j is None and p100.power_w == 150.0 and p100.error is None
    assert fake_nvml.refcount == 0  # init and shutdown balanced


def test_bytes_strings_from_old_pynvml(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeNvml([FakeGpu("Tesla V100-SXM2-16GB", "GPU-abc", arch=5)], bytes_strings=True)
    monkeypatch.setitem(sys.modules, "pynvml", fake.module())
    with NvmlProbe(visible_devices="GPU-ab") as probe:
        assert probe.device_info()["gpu:0"].model == "Tesla V100-SXM2-16GB"


def test_pynvml_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes `import pynvml` raise ImportError
    with pytest.raises(ProbeUnavailableError) as info:
        NvmlProbe().open()
    assert "nvidia-ml-py" in (info.value.fix or "")


@pytest.mark.parametrize(
    ("code", "cls", "words"),
    [
        (12, ProbeUnavailableError, "driver"),
        (9, ProbeUnavailableError, "modprobe"),
        (4, ProbePermissionError, "/dev/nvidia"),
        (18, ProbeUnavailableError, "Reboot"),
    ],
)
def test_init_failures_become_actionable(
    monkeypatch: pytest.MonkeyPatch, code: int, cls: type, words: str
) -> None:
    fake = FakeNvml([], init_error=code)
    monkeypatch.setitem(sys.modules, "pynvml", fake.module())
    probe = NvmlProbe()
    with pytest.raises(cls) as info:
        probe.open()
    assert words in (info.value.fix or "")
    assert not probe.describe().available and probe.describe().fix == info.value.fix
    probe.close()


def test_real_pynvml_without_library_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    # This machine has nvidia-ml-py but no libnvidia-ml.so.1: the real LibraryNotFound path.
    monkeypatch.setitem(sys.modules, "pynvml", real_pynvml)
    try:
        real_pynvml.nvmlInit()
    except real_pynvml.NVMLError:
        pass
    else:
        real_pynvml.nvmlShutdown()
        pytest.skip("a real NVML library is present")
    with pytest.raises(ProbeUnavailableError, match="not found"):
        NvmlProbe().open()


def test_gpu_lost_mid_run_is_a_per_reading_error(fake_nvml: FakeNvml) -> None:
    with NvmlProbe() as probe:
        probe.read()
        fake_nvml.gpus[0].lost = True
        lost, ok = probe.read()
    assert lost.energy_j is None and lost.power_w is None
    assert lost.error and "GPU is lost" in lost.error
    assert ok.error is None and ok.power_w == 150.0


def test_nvml_shut_down_under_us_kills_the_probe(fake_nvml: FakeNvml) -> None:
    probe = NvmlProbe()
    probe.open()
    fake_nvml.refcount = 0
    with pytest.raises(ProbeUnavailableError):
        probe.read()
    probe.close()  # shutdown raises Uninitialized inside; close stays quiet
    probe.close()


def test_no_permission_on_one_index_skips_it(fake_nvml: FakeNvml) -> None:
    fake_nvml.gpus[0].no_permission = True
    with NvmlProbe() as probe:
        assert probe.devices() == ["gpu:0"]
        assert P100_UUID in probe.device_info()["gpu:0"].note


def test_translate_read_stage_keeps_device_errors_local() -> None:
    assert isinstance(translate_nvml_error(real_pynvml.NVMLError(15), stage="read"), str)
    died = translate_nvml_error(real_pynvml.NVMLError(1), stage="read")
    assert isinstance(died, ProbeUnavailableError)
    assert isinstance(
        translate_nvml_error(real_pynvml.NVMLError(999), stage="init"), ProbeUnavailableError
    )


UUIDS = ["GPU-aaaa1111", "GPU-aaaa2222", "GPU-bbbb3333"]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, [0, 1, 2]),
        ("", []),
        ("2,0", [2, 0]),
        ("0,2,-1,1", [0, 2]),
        ("1,7,0", [1]),
        ("GPU-bbbb", [2]),
        ("GPU-aaaa", []),  # ambiguous prefix stops parsing
        ("GPU-aaaa2,GPU-zzzz,0", [1]),
        ("0,0", []),  # duplicate
        (" 1 , 2 ", [1, 2]),
        ("foo,1", []),
    ],
)
def test_resolve_visible_devices(spec: str | None, expected: list[int]) -> None:
    assert resolve_visible_devices(spec, UUIDS) == expected


def test_resolve_skips_unopenable_and_honours_mig() -> None:
    assert resolve_visible_devices(None, ["GPU-a", None]) == [0]
    assert resolve_visible_devices("1", ["GPU-a", None]) == []
    parent = {"MIG-x": 1}.get
    assert resolve_visible_devices("MIG-x,0", UUIDS, parent) == [1]


def test_cuda_visible_devices_by_uuid_prefix_and_empty(
    fake_nvml: FakeNvml, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", P100_UUID[:12])
    with NvmlProbe() as probe:
        assert probe.device_info()["gpu:0"].model == "Tesla P100-PCIE-16GB"
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    with pytest.raises(ProbeUnavailableError, match="no visible"):
        NvmlProbe().open()
    assert fake_nvml.refcount == 0


def test_integer_entries_on_mixed_hosts_are_flagged(
    fake_nvml: FakeNvml, monkeypatch: pytest.MonkeyPatch
) -> None:
    with NvmlProbe(visible_devices="1") as probe:
        assert "CUDA_DEVICE_ORDER" in probe.device_info()["gpu:0"].note
    monkeypatch.setenv("CUDA_DEVICE_ORDER", "PCI_BUS_ID")
    with NvmlProbe(visible_devices="1") as probe:
        assert "CUDA_DEVICE_ORDER" not in probe.device_info()["gpu:0"].note


@pytest.mark.parametrize("style", ["new", "old"])
def test_mig_uuid_maps_to_parent_gpu(monkeypatch: pytest.MonkeyPatch, style: str) -> None:
    parent_uuid = "GPU-5e5e5e5e-0000-1111-2222-333344445555"
    mig = FakeMig("MIG-0c0c0c0c-1111-2222-3333-444455556666")
    fake = FakeNvml(
        [
            FakeGpu("NVIDIA A100-SXM4-40GB", "GPU-0101", arch=7),
            FakeGpu("NVIDIA H100 80GB HBM3", parent_uuid, migs=[mig]),
        ]
    )
    monkeypatch.setitem(sys.modules, "pynvml", fake.module())
    spec = mig.uuid if style == "new" else f"MIG-{parent_uuid}/1/0"
    with NvmlProbe(visible_devices=spec) as probe:
        (r,) = probe.read()
        info = probe.device_info()["gpu:0"]
    assert info.model == "NVIDIA H100 80GB HBM3" and "MIG" in info.note
    assert r.energy_j == 5000.0 and r.power_w == 300.0
    assert r.utilisation is None and r.error is None  # utilisation unsupported in MIG mode


@pytest.mark.gpu
def test_real_gpu() -> None:
    try:
        probe = NvmlProbe()
        probe.open()
    except ProbeUnavailableError as exc:
        pytest.skip(f"no usable NVIDIA GPU here: {exc}")
    try:
        readings = probe.read()
        assert readings
        for r in readings:
            assert r.energy_j is not None or r.power_w is not None, r.error
    finally:
        probe.close()


def test_mig_resolution_skips_a_gpu_whose_uuid_fails() -> None:
    """One GPU that cannot report its UUID must not stop the MIG entry resolving to another."""
    from types import SimpleNamespace

    import pynvml as real

    from carbonest.probes.cuda_visible import mig_parent_index

    def get_uuid(handle: str) -> str:
        if handle == "broken":
            raise real.NVMLError(real.NVML_ERROR_GPU_IS_LOST)
        return "GPU-5e5e5e5e-0000"

    nv = SimpleNamespace(NVMLError=real.NVMLError, nvmlDeviceGetUUID=get_uuid)
    assert mig_parent_index(nv, ["broken", "ok"], "MIG-GPU-5e5e5e5e-0000/1/0") == 1  # type: ignore[arg-type]
    assert mig_parent_index(nv, ["broken", None], "MIG-GPU-5e5e5e5e-0000/1/0") is None  # type: ignore[arg-type]
