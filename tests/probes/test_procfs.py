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


def _reference_busy_total(text: str, names: set[str] | None) -> tuple[int, int]:
    """proc(5) by the book, on text: busy = the first 8 fields - idle - iowait, summed over the lines."""
    busy = total = 0
    for line in text.splitlines():
        fields = line.split()
        if fields and (fields[0] == "cpu" if names is None else fields[0] in names):
            ticks = [int(v) for v in fields[1:9]]
            total += sum(ticks)
            busy += sum(ticks) - sum(ticks[3:5])
    return busy, total


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="needs Linux procfs")
def test_stat_reader_agrees_with_the_text_parse_on_a_copy_of_this_machines_file(tmp_path: Path) -> None:
    text = Path("/proc/stat").read_text()
    (tmp_path / "stat").write_text(text)
    busy, total = _reference_busy_total(text, None)
    assert StatReader(str(tmp_path)).busy_total() == (busy * TICK_S, total * TICK_S)
    cpus = sorted(int(f[3:]) for f in (line.split()[0] for line in text.splitlines()) if f[3:].isdigit())
    some = frozenset(cpus[:1])
    busy, total = _reference_busy_total(text, {f"cpu{i}" for i in some})
    assert StatReader(str(tmp_path), cpu_ids=some).busy_total() == (busy * TICK_S, total * TICK_S)


def test_stat_reader_sums_only_the_named_cpu_lines(tmp_path: Path) -> None:
    lines = ["cpu  1111 0 0 9999 0 0 0 0 0 0"]
    lines += [f"cpu{n} {10 * n} 1 2 {100 + n} 5 0 0 0 0 0" for n in range(12)]
    (tmp_path / "stat").write_text("\n".join(lines) + "\nintr 1 2 3\nctxt 5\n")
    reader = StatReader(str(tmp_path), cpu_ids=frozenset({1, 3}))  # not cpu10..cpu11 (a prefix of them)
    busy, total = reader.busy_total()
    assert busy == pytest.approx((10 + 1 + 2 + 30 + 1 + 2) * TICK_S)
    assert total == pytest.approx((10 + 1 + 2 + 101 + 5 + 30 + 1 + 2 + 103 + 5) * TICK_S)
    with pytest.raises(OSError):
        StatReader(str(tmp_path), cpu_ids=frozenset({40}))


def test_stat_reader_takes_a_short_cpu_line_without_a_newline(tmp_path: Path) -> None:
    # an old kernel's four fields (no iowait), and no line after it
    (tmp_path / "stat").write_text("cpu  10 20 30 40")
    assert StatReader(str(tmp_path)).busy_total() == pytest.approx((60 * TICK_S, 100 * TICK_S))


def test_meminfo_reader_finds_its_lines_in_any_order_and_at_line_starts_only(tmp_path: Path) -> None:
    (tmp_path / "meminfo").write_text(
        "MemAvailable:    250 kB\nXMemTotal:  7 kB\nMemFree:  100 kB\nMemTotal:  1000 kB"
    )
    assert MeminfoReader(str(tmp_path)).used_bytes() == 750 * 1024
    (tmp_path / "meminfo").write_text("MemTotal:  1000 kB\nSwapAvailable:  5 kB\n")
    with pytest.raises(OSError):
        MeminfoReader(str(tmp_path))


@pytest.mark.skipif(not os.path.exists("/proc/meminfo"), reason="needs Linux procfs")
def test_meminfo_reader_agrees_with_the_text_parse_on_a_copy_of_this_machines_file(tmp_path: Path) -> None:
    text = Path("/proc/meminfo").read_text()
    (tmp_path / "meminfo").write_text(text)
    kib = {line.split()[0]: int(line.split()[1]) for line in text.splitlines() if line.strip()}
    assert MeminfoReader(str(tmp_path)).used_bytes() == (kib["MemTotal:"] - kib["MemAvailable:"]) * 1024
