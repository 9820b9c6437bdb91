"""The AMD SMI probe against a faithful fake ``amdsmi`` module (tests/fakes/fake_amdsmi.py),
injected at the import boundary: counter units and resets, power fields by generation and
ROCm version, visibility, errors, discovery and doctor."""

from __future__ import annotations

import json
import time
import sys
from collections.abc import Callable

import pytest
from fakes.fake_amdsmi import (
    DRIVER_NOT_LOADED,
    MI250X_UUID,
    MI300X_UUID,
    NO_PERM,
    RESOLUTION_UJ,
    AmdSmiLibraryException,
    FakeAmdGpu,
    FakeAmdSmi,
)

from carbonest.errors import ProbePermissionError, ProbeUnavailableError
from carbonest.measure.sampler import Sampler
from carbonest.probes.amdsmi import AmdSmiProbe, resolve_rocm_visible
from carbonest.probes.discovery import discover_probes

VISIBILITY = ("ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "CUDA_VISIBLE_DEVICES")


@pytest.fixture
def install(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakeAmdSmi]:
    for name in VISIBILITY:
        monkeypatch.delenv(name, raising=False)

    def put(gpus: list[FakeAmdGpu], **options: object) -> FakeAmdSmi:
        fake = FakeAmdSmi(gpus, **options)  # type: ignore[arg-type]
        monkeypatch.setitem(sys.modules, "amdsmi", fake.module())
        return fake

    return put


def _mi300x(**kw: object) -> FakeAmdGpu:
    return FakeAmdGpu("AMD Instinct MI300X", MI300X_UUID, **kw)  # type: ignore[arg-type]


def test_energy_counter_in_ticks_times_microjoules(install: Callable[..., FakeAmdSmi]) -> None:
    gpu = _mi300x(energy_ticks=1_000_000)
    fake = install([gpu])
    with AmdSmiProbe() as probe:
        assert fake.init_flags == [2]  # INIT_AMD_GPUS
        assert probe.devices() == ["gpu:0"]
        info = probe.device_info()["gpu:0"]
        assert info.model == "AMD Instinct MI300X" and MI300X_UUID in info.note
        [r] = probe.read()
        assert r.provenance.label == "measured:amdsmi:energy_count"
        assert r.energy_j == pytest.approx(1_000_000 * RESOLUTION_UJ / 1e6)  # uJ per tick, not J or mJ
        assert r.max_energy_j is None  # a 64-bit accumulator: a decrease is a reset
        assert r.power_w == 550.0 and r.utilisation == 0.8 and r.memory_used_bytes == 20_480 * 1024 * 1024
        gpu.advance(10.0)
        [later] = probe.read()
        assert later.energy_j - r.energy_j == pytest.approx(5500.0, abs=RESOLUTION_UJ / 1e6)
    assert fake.initialised == 0  # init and shut-down balanced


def test_the_counter_under_its_name_before_rocm_6_4(install: Callable[..., FakeAmdSmi]) -> None:
    install([_mi300x(energy_ticks=2_000_000)], legacy_keys=True)
    with AmdSmiProbe() as probe:
        [r] = probe.read()
    assert r.energy_j == pytest.approx(2_000_000 * RESOLUTION_UJ / 1e6)
    assert r.power_w == 550.0  # current_socket_power: no socket_power key before 6.1


def test_power_sampled_where_the_counter_is_not_supported(install: Callable[..., FakeAmdSmi]) -> None:
    install([FakeAmdGpu("AMD Instinct MI250X", MI250X_UUID, generation="mi200", energy_supported=False,
                        power_w=480)], legacy_keys=True)
    with AmdSmiProbe() as probe:
        [r] = probe.read()
    assert r.energy_j is None and r.error is None
    assert r.power_w == 480.0
    assert r.provenance.label == "measured:amdsmi:average_socket_power"


def test_a_counter_stuck_at_zero_falls_back_to_power_and_says_so(install: Callable[..., FakeAmdSmi]) -> None:
    install([_mi300x(energy_ticks=0)])
    with AmdSmiProbe() as probe:
        assert "reads 0" in probe.device_info()["gpu:0"].note
        [r] = probe.read()
    assert r.provenance.label == "measured:amdsmi:socket_power" and r.energy_j is None


def test_a_gpu_reset_mid_run_is_a_restart_not_a_wrap(install: Callable[..., FakeAmdSmi]) -> None:
    gpu = _mi300x(power_w=100)
    install([gpu])
    now = [0.0]
    with AmdSmiProbe(clock=lambda: now[0]) as probe:
        sampler = Sampler([probe], interval_s=1.0, clock=lambda: now[0])
        sampler.sample_once()
        for step in range(1, 4):
            now[0] = float(step)
            gpu.advance(1.0)
            if step == 2:
                gpu.reset()
                gpu.advance(1.0)  # 1 s counted since the reset
            sampler.sample_once()
        total = sampler.snapshot().devices["amdsmi/gpu:0"].energy_j
    # 100 J before the reset, the 100 J counted after it, 100 J more; never 2**64 ticks
    assert total == pytest.approx(300.0, abs=0.01)


def test_a_lost_gpu_is_an_error_on_its_reading_only(install: Callable[..., FakeAmdSmi]) -> None:
    first, second = _mi300x(), FakeAmdGpu("AMD Instinct MI300X", "another-uuid")
    install([first, second])
    with AmdSmiProbe() as probe:
        first.lost = True
        lost, fine = probe.read()
    assert lost.energy_j is None and lost.power_w is None and "status 12" in (lost.error or "")
    assert fine.error is None and fine.energy_j is not None


def test_no_driver_and_no_permission_say_what_to_do(install: Callable[..., FakeAmdSmi]) -> None:
    install([_mi300x()], driver_loaded=False)
    with pytest.raises(ProbeUnavailableError, match="amdgpu kernel driver") as info:
        AmdSmiProbe().open()
    assert info.value.fix and "modprobe amdgpu" in info.value.fix
    fake = install([_mi300x()])
    module = sys.modules["amdsmi"]

    def refused(*_a: object) -> None:
        raise AmdSmiLibraryException(NO_PERM)

    module.amdsmi_init = refused  # type: ignore[attr-defined]
    with pytest.raises(ProbePermissionError) as denied:
        AmdSmiProbe().open()
    assert "render" in (denied.value.fix or "")
    assert fake.initialised == 0
    assert DRIVER_NOT_LOADED == 34


def test_without_the_amdsmi_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "amdsmi", None)  # import amdsmi raises ImportError
    probe = AmdSmiProbe()
    with pytest.raises(ProbeUnavailableError, match="amdsmi") as info:
        probe.open()
    assert "pip install amdsmi" in (info.value.fix or "")
    assert not probe.describe().available


def test_rocm_visibility_rules() -> None:
    uuids = ["u0", "u1", "u2", "u3"]
    assert resolve_rocm_visible({}, uuids)[0] == [0, 1, 2, 3]
    assert resolve_rocm_visible({"ROCR_VISIBLE_DEVICES": "2,3"}, uuids)[0] == [2, 3]
    # HIP's indices count among the GPUs ROCR left visible
    picked, note = resolve_rocm_visible({"ROCR_VISIBLE_DEVICES": "3,1", "HIP_VISIBLE_DEVICES": "1"}, uuids)
    assert picked == [1] and "ROCR_VISIBLE_DEVICES" in note and "HIP_VISIBLE_DEVICES" in note
    assert resolve_rocm_visible({"CUDA_VISIBLE_DEVICES": "1,9,0"}, uuids)[0] == [1]  # 9 ends the list
    assert resolve_rocm_visible({"ROCR_VISIBLE_DEVICES": "GPU-u2"}, uuids)[0] == [2]
    assert resolve_rocm_visible({"HIP_VISIBLE_DEVICES": ""}, uuids)[0] == []


def test_visible_devices_hide_gpus(install: Callable[..., FakeAmdSmi], monkeypatch: pytest.MonkeyPatch) -> None:
    install([_mi300x(), FakeAmdGpu("AMD Instinct MI300X", "second-uuid")])
    monkeypatch.setenv("ROCR_VISIBLE_DEVICES", "1")
    with AmdSmiProbe() as probe:
        assert "second-uuid" in probe.device_info()["gpu:0"].note and len(probe.devices()) == 1
    monkeypatch.setenv("ROCR_VISIBLE_DEVICES", "")
    with pytest.raises(ProbeUnavailableError, match="no visible AMD GPU"):
        AmdSmiProbe().open()
    monkeypatch.delenv("ROCR_VISIBLE_DEVICES")
    with AmdSmiProbe(visible_devices="1") as rank_one:  # the tracker's one GPU for local rank 1
        assert len(rank_one.devices()) == 1 and "second-uuid" in rank_one.device_info()["gpu:0"].note


def test_discovery_picks_amdsmi_when_nvml_finds_nothing(install: Callable[..., FakeAmdSmi], tmp_path) -> None:  # type: ignore[no-untyped-def]
    from carbonest.probes.fake import FakeProbe

    install([_mi300x()])
    no_nvidia = FakeProbe(unavailable=ProbeUnavailableError("no NVIDIA GPU", probe="nvml", fix="none"))
    probes, statuses = discover_probes(("gpu",), nvml_factory=lambda: no_nvidia)
    try:
        assert [p.name for p in probes] == ["amdsmi"]
        assert [(s.name, s.available) for s in statuses] == [("nvml", False), ("amdsmi", True)]
    finally:
        for p in probes:
            p.close()


def test_doctor_reports_amd_gpus(install: Callable[..., FakeAmdSmi], monkeypatch: pytest.MonkeyPatch,
                                 run_cli: Callable[..., tuple[int, str, str]]) -> None:
    install([_mi300x()])
    monkeypatch.setattr("carbonest.measure.setup._amd_driver_present", lambda: True)
    code, out, err = run_cli("doctor", "--json")
    assert code == 0, err
    amd = next(p for p in json.loads(out) if p["name"] == "amdsmi")
    assert amd["available"] and amd["devices"] == ["gpu:0"]
    assert amd["readings"]["gpu:0"]["provenance"] == "measured:amdsmi:energy_count"
    assert amd["readings"]["gpu:0"]["power_w"] == 550.0
    monkeypatch.setattr("carbonest.measure.setup._amd_driver_present", lambda: False)
    code, out, _ = run_cli("doctor", "--json")
    amd = next(p for p in json.loads(out) if p["name"] == "amdsmi")
    assert not amd["available"] and "/dev/kfd" in amd["reason"] and amd["fix"]


def test_a_tracker_on_an_amd_host_measures_its_gpu(install: Callable[..., FakeAmdSmi],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The tracker's own discovery path with an AMD driver present (it once raised NameError
    there, which crashed start() on every AMD host)."""
    import carbonest

    device = _mi300x()
    install([device])
    monkeypatch.setattr("carbonest.measure.setup._amd_driver_present", lambda: True)
    monkeypatch.setattr("carbonest.measure.setup._nvml_driver_present", lambda: False)
    run = carbonest.Tracker(name="amd", region="FR", store=False, interval_s=0.05)
    run.start()
    assert run.wait_ready(10.0)  # the first reading is taken
    device.advance(1.0)  # 550 J on the GPU's own counter
    time.sleep(0.2)
    record = run.stop()
    gpu = dict(record.components)["gpu"]
    assert gpu["count"] == 1 and str(gpu["provenance"]).startswith("measured:amdsmi")
    assert gpu["energy_kwh"] * 3_600_000 == pytest.approx(550.0, rel=1e-6)
