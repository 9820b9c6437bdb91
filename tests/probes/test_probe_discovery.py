"""discover_probes: fixed order, fallbacks, statuses with reason and fix."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

import pytest
from fakes.fake_pynvml import FakeNvml
from fakes.powercap import PowercapTree, intel_two_socket_with_psys

from carbonest.errors import ProbeUnavailableError
from carbonest.probes.discovery import discover_probes
from carbonest.probes.fake import FakeProbe
from carbonest.probes.rapl import PERMISSION_FIX, RaplProbe
from carbonest.records import Provenance


def _names(probes):  # type: ignore[no-untyped-def]
    return [p.name for p in probes]


def _close(probes) -> None:  # type: ignore[no-untyped-def]
    for p in probes:
        p.close()


def test_everything_measured(fake_nvml: FakeNvml, powercap: PowercapTree) -> None:
    intel_two_socket_with_psys(powercap)
    probes, statuses = discover_probes(powercap_root=str(powercap.root))
    try:
        assert _names(probes) == ["nvml", "rapl"]
        assert [s.available for s in statuses] == [True, True]
        assert statuses[1].components == ("cpu", "dram")
    finally:
        _close(probes)


def test_fallbacks_when_nothing_measurable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml([], init_error=12).module())
    (tmp_path / "cpuinfo").write_text("model name\t: AMD EPYC\nphysical id\t: 0\n")
    seen: list[str | None] = []

    def lookup(name: str | None) -> tuple[float, Provenance]:
        seen.append(name)
        return 180.0, Provenance("table", "cpus.csv")

    probes, statuses = discover_probes(
        powercap_root=str(tmp_path / "no-powercap"), proc_root=str(tmp_path), cpu_tdp=lookup
    )
    try:
        assert _names(probes) == ["cpu_model", "memory_model"]
        assert seen == ["AMD EPYC"]
        nvml, amd, rapl = statuses[:3]  # no NVIDIA GPU: AMD SMI is tried next (not installed here)
        assert not nvml.available and nvml.fix and "driver" in nvml.fix
        assert amd.name == "amdsmi" and not amd.available and amd.fix
        assert not rapl.available and rapl.fix
        assert statuses[3].available and "180 W" in statuses[3].reason
        for p in probes:
            assert p.read()[0].provenance.kind == "modelled"
    finally:
        _close(probes)


def test_unknown_cpu_gets_the_stated_per_vcpu_default(tmp_path: Path) -> None:
    # Was "unknown CPU, default 100 W" (a whole package charged to any visible CPUs: the bug);
    # now CCF's average per vCPU, labelled as the default.
    probes, _ = discover_probes(
        ["cpu"], powercap_root=str(tmp_path / "none"), proc_root=str(tmp_path)
    )
    try:
        (p,) = probes
        r = p.read()[0]
        assert p.power_model.kind == "per_vcpu"
        assert (p.power_model.min_w_per_vcpu, p.power_model.max_w_per_vcpu) == (0.74, 3.5)
        assert "per-vCPU CCF unknown CPU" in r.provenance.detail
        assert "no CPU model name, CCF average for an unknown CPU (default)" in r.provenance.detail
    finally:
        _close(probes)


def test_rapl_without_dram_adds_memory_model(powercap: PowercapTree) -> None:
    powercap.add_zone("intel-rapl:0", "package-0", 5)
    probes, statuses = discover_probes(["cpu", "dram"], powercap_root=str(powercap.root))
    try:
        assert _names(probes) == ["rapl", "memory_model"]
    finally:
        _close(probes)


def test_rapl_permission_denied_falls_back_with_fix(powercap: PowercapTree) -> None:
    intel_two_socket_with_psys(powercap)

    def denied(path: str, flags: int) -> int:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)

    probes, statuses = discover_probes(
        ["cpu", "dram"], rapl_factory=lambda: RaplProbe(powercap.root, opener=denied)
    )
    try:
        assert _names(probes) == ["cpu_model", "memory_model"]
        assert statuses[0].name == "rapl" and statuses[0].fix == PERMISSION_FIX
    finally:
        _close(probes)


def test_injected_factories_and_fresh_lists() -> None:
    def make() -> tuple[list, list]:  # type: ignore[type-arg]
        return discover_probes(
            nvml_factory=lambda: FakeProbe({"gpu:0": 250.0}, name="fakegpu"),
            rapl_factory=lambda: FakeProbe(
                unavailable=ProbeUnavailableError("no rapl", probe="rapl", fix="x")
            ),
            cpu_model_factory=lambda: FakeProbe({"cpu": 50.0}, component="cpu", name="fakecpu"),
            memory_model_factory=lambda: FakeProbe({"mem": 5.0}, component="dram", name="fakemem"),
        )

    a, sa = make()
    b, _ = make()
    assert _names(a) == ["fakegpu", "fakecpu", "fakemem"]
    assert a is not b and all(x is not y for x, y in zip(a, b))
    assert [s.name for s in sa] == ["fakegpu", "rapl", "fakecpu", "fakemem"]
    assert sa[1].to_dict()["fix"] == "x"
    _close(a + b)


def test_gpu_only() -> None:
    probes, statuses = discover_probes(["gpu"], nvml_factory=lambda: FakeProbe())
    assert _names(probes) == ["fake"] and len(statuses) == 1
