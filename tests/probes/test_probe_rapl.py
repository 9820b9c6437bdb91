"""RaplProbe on real temporary powercap trees (tests/fakes/powercap.py)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from fakes.powercap import (
    AMD_RANGE_UJ,
    INTEL_PKG_RANGE_UJ,
    PowercapTree,
    amd_one_socket,
    intel_two_socket_with_psys,
)

from carbonest.errors import ProbePermissionError, ProbeUnavailableError
from carbonest.probes.rapl import ENV_POWERCAP_ROOT, PERMISSION_FIX, RaplProbe


def by_device(readings):  # type: ignore[no-untyped-def]
    return {r.device: r for r in readings}


def test_two_sockets_identity_from_name_not_zone_id(powercap: PowercapTree) -> None:
    intel_two_socket_with_psys(powercap)
    with RaplProbe(powercap.root) as probe:
        assert probe.devices() == [
            "package-0",
            "package-0/dram",
            "package-0/core",
            "psys",
            "package-1",
            "package-1/dram",
        ]
        info = probe.device_info()
        assert info["package-1"].component == "cpu" and info["package-1"].additive
        assert info["package-0/dram"].component == "dram" and info["package-0/dram"].additive
        assert not info["package-0/core"].additive
        assert not info["psys"].additive
        r = by_device(probe.read())
        assert r["package-1"].energy_j == 2.0  # zone intel-rapl:2, after psys
        assert r["package-1"].max_energy_j == INTEL_PKG_RANGE_UJ / 1e6
        assert r["package-0/dram"].provenance.label == "measured:rapl:package-0/dram"
        assert r["psys"].energy_j == 9.0


def test_counters_advance_between_reads_on_kept_descriptors(powercap: PowercapTree) -> None:
    intel_two_socket_with_psys(powercap)
    probe = RaplProbe(powercap.root)
    probe.open()
    first = by_device(probe.read())
    powercap.advance("intel-rapl:0", 5_000_000)
    powercap.advance("intel-rapl:2:0", 250_000)
    second = by_device(probe.read())
    assert second["package-0"].energy_j - first["package-0"].energy_j == pytest.approx(5.0)
    assert second["package-1/dram"].energy_j - first["package-1/dram"].energy_j == pytest.approx(
        0.25
    )
    probe.close()
    probe.close()  # idempotent


def test_wrap_during_run_is_visible_as_decrease(powercap: PowercapTree) -> None:
    powercap.add_zone("intel-rapl:0", "package-0", AMD_RANGE_UJ - 1_000, AMD_RANGE_UJ)
    with RaplProbe(powercap.root) as probe:
        before = probe.read()[0]
        powercap.advance("intel-rapl:0", 10_001)
        after = probe.read()[0]
    assert after.energy_j is not None and before.energy_j is not None
    assert after.energy_j < before.energy_j
    from carbonest.formulas.energy import counter_delta

    assert counter_delta(before.energy_j, after.energy_j, after.max_energy_j) == pytest.approx(
        0.010000, abs=2e-6
    )


def test_missing_dram_domain(powercap: PowercapTree) -> None:
    powercap.add_zone("intel-rapl:0", "package-0", 42)
    with RaplProbe(powercap.root) as probe:
        assert probe.devices() == ["package-0"]
        assert {i.component for i in probe.device_info().values()} == {"cpu"}


def test_amd_layout(powercap: PowercapTree) -> None:
    amd_one_socket(powercap)
    with RaplProbe(powercap.root) as probe:
        assert probe.devices() == ["package-0", "package-0/core"]
        info = probe.device_info()["package-0/core"]
        assert not info.additive and "lead core" in info.note
        r = by_device(probe.read())
        assert r["package-0"].max_energy_j == AMD_RANGE_UJ / 1e6


def test_subdomains_off(powercap: PowercapTree) -> None:
    intel_two_socket_with_psys(powercap)
    with RaplProbe(powercap.root, subdomains=False) as probe:
        assert probe.devices() == ["package-0", "package-0/dram", "package-1", "package-1/dram"]


def test_mmio_duplicate_is_skipped(powercap: PowercapTree) -> None:
    powercap.add_zone("intel-rapl:0", "package-0", 10)
    powercap.add_zone("intel-rapl-mmio:0", "package-0", 99)
    with RaplProbe(powercap.root) as probe:
        assert probe.devices() == ["package-0"]
        assert probe.read()[0].energy_j == 10 / 1e6


def test_hex_zone_ids_sorted_numerically(powercap: PowercapTree) -> None:
    for i in range(11):  # intel-rapl:0 .. intel-rapl:a
        powercap.add_zone(f"intel-rapl:{i:x}", f"package-{i}", i)
    with RaplProbe(powercap.root) as probe:
        assert probe.devices() == [f"package-{i}" for i in range(11)]


def _denying_opener(path: str, flags: int) -> int:
    # Since Linux 5.10 energy_uj is 0400 root: open() fails with EACCES for other users
    # while name and max_energy_range_uj stay readable. The tests run as root (which
    # bypasses file modes), so the denial is injected at the one call the kernel refuses.
    if path.endswith("energy_uj"):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
    return os.open(path, flags)


def test_permission_denied_names_the_fix(powercap: PowercapTree) -> None:
    intel_two_socket_with_psys(powercap)
    probe = RaplProbe(powercap.root, opener=_denying_opener)
    with pytest.raises(ProbePermissionError) as info:
        probe.open()
    assert info.value.probe == "rapl"
    assert info.value.fix == PERMISSION_FIX
    assert (
        "udev" in PERMISSION_FIX and "CVE-2020-8694" in PERMISSION_FIX and "chmod" in PERMISSION_FIX
    )
    status = probe.describe()
    assert not status.available and status.fix == PERMISSION_FIX
    probe.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads 0400 files; covered by the opener test")
def test_permission_denied_real_mode_0400_as_user(powercap: PowercapTree) -> None:
    powercap.add_zone("intel-rapl:0", "package-0", 1)
    os.chmod(powercap.energy_path("intel-rapl:0"), 0)
    with pytest.raises(ProbePermissionError):
        RaplProbe(powercap.root).open()


def test_transient_read_error_gives_error_reading_not_zero(powercap: PowercapTree) -> None:
    powercap.add_zone("intel-rapl:0", "package-0", 1)
    powercap.add_zone("intel-rapl:0:0", "dram", 1, 65712999613)
    with RaplProbe(powercap.root) as probe:
        powercap.energy_path("intel-rapl:0:0").write_text("garbage\n")
        r = by_device(probe.read())
        assert r["package-0/dram"].energy_j is None and r["package-0/dram"].error
        assert r["package-0"].energy_j == 1e-6


def test_zone_disappearing_and_reappearing(powercap: PowercapTree) -> None:
    powercap.add_zone("intel-rapl:0", "package-0", 1)
    calls: list[str] = []

    def opener(path: str, flags: int) -> int:
        calls.append(path)
        return os.open(path, flags)

    with RaplProbe(powercap.root, opener=opener) as probe:
        zone = probe._zones[0]
        os.close(zone.fd)  # the kernel side went away: the next pread gets EBADF
        bad = probe.read()[0]
        assert bad.error and bad.energy_j is None
        good = probe.read()[0]  # reopened
        assert good.energy_j == 1e-6 and len(calls) == 2


def test_no_tree_is_unavailable(tmp_path: Path) -> None:
    probe = RaplProbe(tmp_path / "nope")
    with pytest.raises(ProbeUnavailableError) as info:
        probe.open()
    assert not isinstance(info.value, ProbePermissionError)
    assert info.value.fix and ENV_POWERCAP_ROOT in info.value.fix


def test_container_masked_tree_is_unavailable(powercap: PowercapTree) -> None:
    intel_two_socket_with_psys(powercap)
    powercap.mask()
    assert os.path.islink(powercap.root / "intel-rapl:0")
    with pytest.raises(ProbeUnavailableError, match="unreadable"):
        RaplProbe(powercap.root).open()


def test_env_root_read_at_construction(
    powercap: PowercapTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    powercap.add_zone("intel-rapl:0", "package-0", 7)
    monkeypatch.setenv(ENV_POWERCAP_ROOT, str(powercap.root))
    probe = RaplProbe()
    monkeypatch.delenv(ENV_POWERCAP_ROOT)
    with probe:
        assert probe.read()[0].energy_j == 7e-6


@pytest.mark.rapl
def test_real_rapl_counters() -> None:
    root = "/sys/class/powercap"
    try:
        probe = RaplProbe(root)
        probe.open()
    except ProbeUnavailableError as exc:
        pytest.skip(f"no readable RAPL here: {exc}")
    try:
        readings = probe.read()
        assert readings and all(r.energy_j is not None for r in readings if r.error is None)
    finally:
        probe.close()
