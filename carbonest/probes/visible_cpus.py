"""How many CPUs this process can use: CPU affinity and the cgroup CPU quota.

A VM sees its own vCPUs as the whole machine; a container may see every CPU of the host in
``/proc/stat`` and ``os.cpu_count()`` but be allowed only a few, by

* **affinity** (``os.sched_getaffinity(0)``: cpuset, ``taskset``, ``docker --cpuset-cpus``), and
* **a CFS bandwidth quota** (``docker --cpus``, Kubernetes CPU limits): cgroup v2 ``cpu.max``
  (``"<quota_us> <period_us>"``, or ``"max <period>"`` for no limit) or cgroup v1
  ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` (quota ``-1`` = no limit). See the kernel's
  ``Documentation/admin-guide/cgroup-v2.rst`` ("cpu.max") and
  ``Documentation/scheduler/sched-bwc.rst``.

The process's cgroup comes from ``/proc/self/cgroup``; where that hierarchy is mounted from
``/proc/self/mountinfo`` (field 4 is the mounted root inside the hierarchy, field 5 the mount
point, so a container whose own cgroup is mounted at ``/sys/fs/cgroup`` maps its path
correctly). The limit in force is the smallest quota on the path from the process's cgroup
up to the mount point. Everything is read below an injectable ``root`` so that tests run on
real temporary trees.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Literal, NamedTuple

__all__ = ["VisibleCpus", "read_visible_cpus"]

Limit = Literal["affinity", "cgroup", "none"]


class VisibleCpus(NamedTuple):
    """The CPUs a process may use.

    Attributes:
        vcpus: min(affinity, cgroup quota); may be fractional. Units: logical CPUs.
        online_cpus: Logical CPUs of the (virtual) machine.
        affinity_cpus: CPUs in the affinity mask, or None if unknown.
        quota_cpus: cgroup quota / period, or None when unlimited or unreadable.
        limited_by: ``"cgroup"`` (the quota is the smaller), ``"affinity"`` (the mask is
            smaller than the machine), or ``"none"``.
        cpu_ids: The affinity CPU numbers (for per-CPU ``/proc/stat`` lines), or None.
        cgroup_dir: Directory of the cgroup whose quota applied, or None.
        cgroup_version: 1 or 2 when a cgroup quota was found, else None.
    """

    vcpus: float
    online_cpus: int
    affinity_cpus: int | None = None
    quota_cpus: float | None = None
    limited_by: Limit = "none"
    cpu_ids: frozenset[int] | None = None
    cgroup_dir: str | None = None
    cgroup_version: int | None = None

    def describe(self) -> str:
        """One line for provenance: ``"2 vCPUs (of 2 online)"``, ``"1.5 vCPUs (cgroup v2 quota)"``."""
        n = f"{self.vcpus:g} vCPU{'s' if self.vcpus != 1 else ''}"
        if self.limited_by == "cgroup":
            return f"{n} (cgroup v{self.cgroup_version} cpu quota, of {self.online_cpus} online)"
        if self.limited_by == "affinity":
            return f"{n} (affinity, of {self.online_cpus} online)"
        return f"{n} (all {self.online_cpus} online)"


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def _parse_cpu_list(text: str) -> frozenset[int]:
    """``"0-3,8,10-11"`` -> {0, 1, 2, 3, 8, 10, 11} (kernel cpulist format)."""
    out: set[int] = set()
    for part in text.strip().split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return frozenset(out)


def _online(root: str) -> int:
    text = _read(os.path.join(root, "sys/devices/system/cpu/online"))
    if text and text.strip():
        try:
            return len(_parse_cpu_list(text))
        except ValueError:
            pass
    return os.cpu_count() or 1


def _mounts(root: str) -> list[tuple[str, str, str, str]]:
    """(hierarchy root, mount point, fstype, super options) of each cgroup mount."""
    out = []
    for line in (_read(os.path.join(root, "proc/self/mountinfo")) or "").splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if sep and len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
            out.append((fields[3], fields[4], tail[0], tail[2]))
    return out


def _cgroup_dirs(root: str) -> list[tuple[int, str, str]]:
    """(version, directory of this process's cgroup, mount point) for the cpu controller."""
    found = []
    mounts = _mounts(root)
    for line in (_read(os.path.join(root, "proc/self/cgroup")) or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        v2 = controllers == ""
        if not v2 and "cpu" not in controllers.split(","):
            continue
        for mroot, point, fstype, opts in mounts:
            if v2 != (fstype == "cgroup2") or (not v2 and "cpu" not in opts.split(",")):
                continue
            rel = path if mroot == "/" else path[len(mroot):] if path.startswith(mroot) else None
            if rel is None:
                continue
            top = os.path.join(root, point.lstrip("/"))
            found.append((2 if v2 else 1, os.path.join(top, rel.lstrip("/")), top))
    return found


def _quota_at(version: int, directory: str) -> float | None:
    if version == 2:
        text = _read(os.path.join(directory, "cpu.max"))
        fields = text.split() if text else []
        if len(fields) != 2 or fields[0] == "max":
            return None
        quota, period = fields
    else:
        quota = (_read(os.path.join(directory, "cpu.cfs_quota_us")) or "").strip()
        period = (_read(os.path.join(directory, "cpu.cfs_period_us")) or "").strip()
    try:
        q, p = int(quota), int(period)
    except ValueError:
        return None
    return q / p if q > 0 and p > 0 else None


def _quota(root: str) -> tuple[float | None, str | None, int | None]:
    """The smallest CPU quota from this cgroup up to its mount point: (cpus, dir, version)."""
    best: tuple[float | None, str | None, int | None] = (None, None, None)
    for version, leaf, top in _cgroup_dirs(root):
        d = leaf
        while True:
            q = _quota_at(version, d)
            if q is not None and (best[0] is None or q < best[0]):
                best = (q, d, version)
            if os.path.normpath(d) == os.path.normpath(top) or len(d) <= len(top):
                break
            d = os.path.dirname(d)
    return best


def _own_affinity() -> frozenset[int] | None:
    getter = getattr(os, "sched_getaffinity", None)
    return frozenset(getter(0)) if getter is not None else None


def read_visible_cpus(
    root: str = "/",
    *,
    affinity: Callable[[], frozenset[int] | set[int] | None] | None = None,
) -> VisibleCpus:
    """The CPUs this process may use: min(affinity, cgroup CPU quota), and which limit applied.

    Args:
        root: Filesystem root holding ``proc/self/{cgroup,mountinfo}``, the cgroup mounts and
            ``sys/devices/system/cpu/online``.
        affinity: Returns the affinity CPU set (default ``os.sched_getaffinity(0)``; None
            where the platform has none).

    Returns:
        The visible CPUs. Never raises: unreadable files count as "no limit".
    """
    online = _online(root)
    ids = (affinity or _own_affinity)()
    ids = frozenset(ids) if ids else None
    n_aff = len(ids) if ids else None
    quota, qdir, version = _quota(root)
    vcpus: float = float(n_aff if n_aff is not None else online)
    limited: Limit = "affinity" if n_aff is not None and n_aff < online else "none"
    if quota is not None and quota < vcpus:
        vcpus, limited = quota, "cgroup"
    return VisibleCpus(
        vcpus=vcpus, online_cpus=online, affinity_cpus=n_aff, quota_cpus=quota,
        limited_by=limited, cpu_ids=ids, cgroup_dir=qdir if quota is not None else None,
        cgroup_version=version if quota is not None else None,
    )
