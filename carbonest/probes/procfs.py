"""Cheap re-reads of two Linux procfs files for the modelled probes (hot path of the sampler).

``psutil.cpu_times()`` and ``psutil.virtual_memory()`` parse the whole of
``/proc/stat`` and ``/proc/meminfo`` and build named tuples on every call
(about 50 and 100 microseconds here). The sampler needs two numbers from each,
every interval, so these readers keep the file open and ``pread`` it from
offset 0 (procfs regenerates the content on each read), parsing only what
they need. Field meanings: proc(5), "/proc/stat" and "/proc/meminfo".
"""

from __future__ import annotations

import os

__all__ = ["MeminfoReader", "StatReader"]

# /proc/stat "cpu" line, in order: user nice system idle iowait irq softirq steal guest guest_nice.
# guest and guest_nice are already included in user and nice (proc(5)), so they are not added.
_COUNTED_FIELDS = 8
_IDLE_FIELDS = (3, 4)  # idle, iowait


class _Pread:
    """A procfs file kept open and re-read from the start."""

    def __init__(self, path: str, size: int) -> None:
        self.path = path
        self._size = size
        self._fd: int | None = os.open(path, os.O_RDONLY)

    def data(self) -> bytes:
        """The file's first ``size`` bytes, read now (one ``pread``)."""
        if self._fd is None:
            raise OSError(f"{self.path} is closed")
        return os.pread(self._fd, self._size, 0)

    def text(self) -> str:
        return self.data().decode("ascii", "replace")

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _busy_total_ticks(fields: list[bytes]) -> tuple[int, int]:
    """(busy, total) ticks of one ``cpu`` line's fields (the name first)."""
    ticks = list(map(int, fields[1 : 1 + _COUNTED_FIELDS]))
    total = sum(ticks)
    return total - sum(ticks[_IDLE_FIELDS[0] : _IDLE_FIELDS[-1] + 1]), total


class StatReader(_Pread):
    """CPU time from ``<proc_root>/stat``: (busy seconds, total seconds).

    Summed over all CPUs (the aggregate ``cpu`` line), or over ``cpu_ids`` only (their
    ``cpuN`` lines: the CPUs in this process's affinity mask). The bytes are parsed as they
    come (the fields are ASCII digits), only the lines needed.
    """

    def __init__(self, proc_root: str = "/proc", cpu_ids: frozenset[int] | None = None) -> None:
        self._names = {f"cpu{i}".encode() for i in cpu_ids} if cpu_ids else None
        size = 512 if cpu_ids is None else 1024 + 160 * (max(cpu_ids) + 1)  # ~100 B per cpuN line
        super().__init__(os.path.join(proc_root, "stat"), size)
        self._tick_s = 1.0 / os.sysconf("SC_CLK_TCK")
        self.busy_total()  # fail at open, not at the first sample

    def busy_total(self) -> tuple[float, float]:
        """(busy, total) CPU time since boot, summed over the CPUs read. Units: s."""
        data = self.data()
        if self._names is None:
            end = data.find(b"\n")
            first = (data if end < 0 else data[:end]).split()
            if not first or first[0] != b"cpu":
                raise OSError(f"{self.path}: no aggregate 'cpu' line")
            busy, total = _busy_total_ticks(first)
            return busy * self._tick_s, total * self._tick_s
        busy = total = found = 0
        names = self._names
        for line in data.split(b"\n"):
            if line.startswith(b"cpu"):
                fields = line.split()
                if fields[0] in names:
                    b, t = _busy_total_ticks(fields)
                    busy, total, found = busy + b, total + t, found + 1
        if not found:
            raise OSError(f"{self.path}: none of the lines {sorted(n.decode() for n in self._names)}")
        return busy * self._tick_s, total * self._tick_s


def _kib_field(data: bytes, key: bytes) -> int | None:
    """The number after ``key`` at the start of a line of ``data``, or None."""
    if data.startswith(key):
        start = 0
    else:
        start = data.find(b"\n" + key)
        if start < 0:
            return None
        start += 1
    end = data.find(b"\n", start)
    return int(data[start : end if end >= 0 else len(data)].split()[1])


class MeminfoReader(_Pread):
    """Memory in use from ``<proc_root>/meminfo``: MemTotal - MemAvailable."""

    def __init__(self, proc_root: str = "/proc") -> None:
        super().__init__(os.path.join(proc_root, "meminfo"), 256)
        self.used_bytes()

    def used_bytes(self) -> int:
        """Memory in use: MemTotal - MemAvailable (kernel's estimate), in bytes. Units: bytes."""
        data = self.data()
        total = _kib_field(data, b"MemTotal:")
        available = _kib_field(data, b"MemAvailable:")
        if total is None or available is None:
            raise OSError(f"{self.path}: no MemTotal/MemAvailable lines")
        return (total - available) * 1024  # the file says kB, meaning KiB
