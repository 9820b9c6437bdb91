"""The procfs fast path of the modelled probes, on real temporary files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from carbonest.probes.cpu_model import CpuModelProbe
from carbonest.probes.memory_model import GREEN_ALGORITHMS_W_PER_GB, MemoryModelProbe
from carbonest.probes.procfs import MeminfoReader, StatReader

TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


def write_stat(root: Path, user: int, idle: int, guest: int = 0) -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice (ticks)
    (root / "stat").write_text(
        f"cpu  {user} 0 0 {idle} 0 0 0 0 {guest} 0\ncpu0 {user} 0 0 {idle} 0 0 0 0 0 0\nintr 1 2 3\n"
    )


def test_stat_reader_counts_busy_and_total_and_sees_rewrites(tmp_path: Path) -> None:
    write_stat(tmp_path, user=100, idle=300, guest=40)
    reader = StatReader(str(tmp_path))
    busy, total = reader.busy_total()
    assert busy == pytest.approx(100 * TICK_S)  # guest is inside user: not added again
    assert total == pytest.approx(400 * TICK_S)
    write_stat(tmp_path, user=150, idle=350)
    assert reader.busy_total() == pytest.approx((150 * TICK_S, 500 * TICK_S))
    reader.close()
    reader.close()
    with pytest.raises(OSError):
        reader.busy_total()


def test_meminfo_reader_uses_total_minus_available(tmp_path: Path) -> None:
    (tmp_path / "meminfo").write_text("MemTotal:  1000 kB\nMemFree:  100 kB\nMemAvailable:  400 kB\n")
    assert MeminfoReader(str(tmp_path)).used_bytes() == 600 * 1024


def test_malformed_files_fail_at_open(tmp_path: Path) -> None:
    (tmp_path / "stat").write_text("intr 1 2\n")
    (tmp_path / "meminfo").write_text("MemTotal: 5 kB\n")
    with pytest.raises(OSError):
        StatReader(str(tmp_path))
    with pytest.raises(OSError):
        MeminfoReader(str(tmp_path))


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="needs Linux procfs")
def test_probes_take_the_fast_path_on_linux() -> None:
    cpu = CpuModelProbe(100.0)
    mem = MemoryModelProbe()
    cpu.open()
    mem.open()
    try:
        assert cpu._stat is not None and mem._meminfo is not None
        (c,) = cpu.read()
        (m,) = mem.read()
        assert c.power_w is not None and 0.0 <= c.power_w <= 100.0
        assert m.memory_used_bytes and m.power_w == pytest.approx(m.memory_used_bytes / 1e9 * GREEN_ALGORITHMS_W_PER_GB)
        assert "MemTotal - MemAvailable" in m.provenance.detail
    finally:
        cpu.close()
        mem.close()
