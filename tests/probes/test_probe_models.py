"""CpuModelProbe and MemoryModelProbe with an injected psutil stand-in."""

from __future__ import annotations

from collections import namedtuple
from pathlib import Path
from types import SimpleNamespace

import pytest

from carbonest.errors import InvalidInputError
from carbonest.probes.cpu_model import CpuModelProbe, read_cpu_model_name, read_cpu_socket_count
from carbonest.probes.fake import ManualClock
from carbonest.probes.memory_model import GREEN_ALGORITHMS_W_PER_GB, MemoryModelProbe
from carbonest.records import Provenance

# psutil 7.2 field order on Linux; the probe must read by name (8.0 reorders them).
CpuTimes = namedtuple(
    "CpuTimes",
    "user nice system idle iowait irq softirq steal guest guest_nice",
)


class FakePsutil:
    def __init__(self) -> None:
        self.times = CpuTimes(100.0, 0.0, 50.0, 800.0, 50.0, 0.0, 0.0, 0.0, 30.0, 0.0)
        self.used = 8 * 10**9
        self.rss = 2 * 10**9
        self.proc_cpu = SimpleNamespace(user=1.0, system=1.0)
        self.processes = 0

    def cpu_times(self) -> CpuTimes:
        return self.times

    def cpu_count(self) -> int:
        return 4

    def virtual_memory(self) -> SimpleNamespace:
        total = 32 * 10**9  # the probe counts total - available as in use
        return SimpleNamespace(used=self.used, total=total, available=total - self.used)

    def Process(self) -> SimpleNamespace:  # noqa: N802 (psutil's name)
        self.processes += 1
        return SimpleNamespace(
            cpu_times=lambda: self.proc_cpu, memory_info=lambda: SimpleNamespace(rss=self.rss)
        )

    def add(self, **kw: float) -> None:
        self.times = self.times._replace(**{k: getattr(self.times, k) + v for k, v in kw.items()})


def test_cpu_model_machine_share() -> None:
    ps, clock = FakePsutil(), ManualClock()
    prov = Provenance("table", "cpus.csv", source="Intel ARK", year=2024)
    probe = CpuModelProbe(
        150.0,
        cpu_name="Intel Xeon Gold 6248",
        tdp_provenance=prov,
        sockets=2,
        psutil_module=ps,
        clock=clock,
    )
    probe.open()
    # 10 s on 4 CPUs = 40 CPU-s: 8 busy (user 6, which already holds guest 2, + system 2),
    # 32 not busy (idle 28 + iowait 4); guest must not be added a second time.
    ps.add(user=6.0, system=2.0, guest=2.0, idle=28.0, iowait=4.0)
    clock.advance(10.0)
    (r,) = probe.read()
    assert r.utilisation == pytest.approx(8.0 / 40.0)
    assert r.power_w == pytest.approx(300.0 * 0.2)
    assert r.energy_j == pytest.approx(600.0)
    assert r.provenance.kind == "modelled"
    assert (
        r.provenance.detail
        == "tdp x utilisation (Intel Xeon Gold 6248, 2 x 150 W, table cpus.csv Intel ARK 2024)"
    )
    assert probe.device_info()["cpu"].model == "Intel Xeon Gold 6248"


def test_cpu_model_unknown_cpu_default_and_process_scope() -> None:
    ps, clock = FakePsutil(), ManualClock()
    probe = CpuModelProbe(
        100.0,
        cpu_name="AMD EPYC",
        tdp_provenance=Provenance.default("x"),
        scope="process",
        psutil_module=ps,
        clock=clock,
    )
    probe.open()
    for _ in range(3):
        ps.proc_cpu = SimpleNamespace(user=ps.proc_cpu.user + 2.0, system=ps.proc_cpu.system)
        clock.advance(1.0)
        (r,) = probe.read()
        assert r.utilisation == pytest.approx(0.5)  # 2 CPU-s per 1 s on 4 CPUs
    assert ps.processes == 1  # one Process object kept
    assert "unknown CPU 'AMD EPYC', default 100 W" in r.provenance.detail
    assert r.provenance.detail.startswith("process share of")


def test_cpu_model_validates() -> None:
    with pytest.raises(InvalidInputError):
        CpuModelProbe(0.0)
    with pytest.raises(InvalidInputError):
        CpuModelProbe(100.0, sockets=0)


def test_cpu_times_going_backwards_clamps() -> None:
    ps, clock = FakePsutil(), ManualClock()
    probe = CpuModelProbe(100.0, psutil_module=ps, clock=clock)
    probe.open()
    ps.add(user=-5.0, idle=10.0)
    clock.advance(1.0)
    assert probe.read()[0].utilisation == 0.0


def test_real_psutil_cpu_model() -> None:
    probe = CpuModelProbe(65.0)
    probe.open()
    (r,) = probe.read()
    assert r.power_w is not None and 0.0 <= r.power_w <= 65.0
    probe.close()
    probe.close()


def test_memory_model() -> None:
    ps, clock = FakePsutil(), ManualClock()
    probe = MemoryModelProbe(psutil_module=ps, clock=clock)
    probe.open()
    ps.used = 16 * 10**9
    clock.advance(10.0)
    (r,) = probe.read()
    assert r.power_w == pytest.approx(16 * GREEN_ALGORITHMS_W_PER_GB)
    assert r.energy_j == pytest.approx((8 + 16) / 2 * GREEN_ALGORITHMS_W_PER_GB * 10.0)
    assert r.memory_used_bytes == 16 * 10**9 and r.component == "dram"
    assert "Lannelongue et al. 2021" in r.provenance.detail and r.provenance.year == 2021
    rss = MemoryModelProbe(w_per_gb=1.0, scope="process", psutil_module=ps, clock=clock)
    rss.open()
    assert rss.read()[0].power_w == pytest.approx(2.0)
    assert "(user)" in rss.provenance.detail
    with pytest.raises(InvalidInputError):
        MemoryModelProbe(w_per_gb=-1)


X86 = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz
physical id\t: 0

processor\t: 1
model name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz
physical id\t: 1
"""

ARM64 = """processor\t: 0
BogoMIPS\t: 243.75
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics
CPU implementer\t: 0x41
CPU architecture: 8
CPU variant\t: 0x3
CPU part\t: 0xd0c
CPU revision\t: 1
"""


@pytest.mark.parametrize(
    ("text", "name", "sockets"),
    [
        (X86, "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", 2),
        (ARM64, None, None),
        ("processor\t: 0\nmodel name\t: unknown\n", None, None),
        ("model name\t: AMD EPYC\n", "AMD EPYC", None),
    ],
)
def test_read_cpuinfo(tmp_path: Path, text: str, name: str | None, sockets: int | None) -> None:
    (tmp_path / "cpuinfo").write_text(text)
    assert read_cpu_model_name(str(tmp_path)) == name
    assert read_cpu_socket_count(str(tmp_path)) == sockets


def test_read_cpuinfo_missing(tmp_path: Path) -> None:
    assert read_cpu_model_name(str(tmp_path)) is None
