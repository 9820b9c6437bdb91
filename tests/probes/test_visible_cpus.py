"""read_visible_cpus on real temporary /proc and cgroup trees."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbonest.probes.visible_cpus import read_visible_cpus

V2_MOUNT = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n"
V1_MOUNT = "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"


def tree(root: Path, *, online: str, cgroup: str, mountinfo: str) -> None:
    (root / "proc/self").mkdir(parents=True)
    (root / "proc/self/cgroup").write_text(cgroup)
    (root / "proc/self/mountinfo").write_text(mountinfo)
    (root / "sys/devices/system/cpu").mkdir(parents=True)
    (root / "sys/devices/system/cpu/online").write_text(online + "\n")


def write(path: Path, text: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    for name, value in (x.split("=", 1) for x in text.split(";")):
        (path / name).write_text(value + "\n")


def all_of(n: int):  # type: ignore[no-untyped-def]
    return lambda: frozenset(range(n))


def test_container_with_cpu_max_sees_one_and_a_half_cpus(tmp_path: Path) -> None:
    tree(tmp_path, online="0-63", cgroup="0::/kubepods/pod1/ctr\n", mountinfo=V2_MOUNT)
    write(tmp_path / "sys/fs/cgroup/kubepods/pod1/ctr", "cpu.max=150000 100000")
    v = read_visible_cpus(str(tmp_path), affinity=all_of(64))
    assert v.vcpus == 1.5 and v.quota_cpus == 1.5 and v.limited_by == "cgroup"
    assert v.online_cpus == 64 and v.affinity_cpus == 64 and v.cgroup_version == 2
    assert v.describe() == "1.5 vCPUs (cgroup v2 cpu quota, of 64 online)"


def test_smallest_quota_on_the_path_applies(tmp_path: Path) -> None:
    # Kubernetes sets a limit on the pod and on the container; the pod's is smaller here.
    tree(tmp_path, online="0-63", cgroup="0::/kubepods/pod1/ctr\n", mountinfo=V2_MOUNT)
    write(tmp_path / "sys/fs/cgroup/kubepods/pod1", "cpu.max=50000 100000")
    write(tmp_path / "sys/fs/cgroup/kubepods/pod1/ctr", "cpu.max=max 100000")
    v = read_visible_cpus(str(tmp_path), affinity=all_of(64))
    assert v.vcpus == 0.5 and v.cgroup_dir == str(tmp_path / "sys/fs/cgroup/kubepods/pod1")


def test_affinity_smaller_than_quota(tmp_path: Path) -> None:
    tree(tmp_path, online="0-15", cgroup="0::/job\n", mountinfo=V2_MOUNT)
    write(tmp_path / "sys/fs/cgroup/job", "cpu.max=400000 100000")  # 4 CPUs
    v = read_visible_cpus(str(tmp_path), affinity=lambda: {2, 3})
    assert v.vcpus == 2.0 and v.limited_by == "affinity" and v.quota_cpus == 4.0
    assert v.cpu_ids == frozenset({2, 3})
    assert v.describe() == "2 vCPUs (affinity, of 16 online)"


def test_unlimited_cpu_max(tmp_path: Path) -> None:
    tree(tmp_path, online="0-1", cgroup="0::/\n", mountinfo=V2_MOUNT)
    write(tmp_path / "sys/fs/cgroup", "cpu.max=max 100000")
    v = read_visible_cpus(str(tmp_path), affinity=all_of(2))
    assert (v.vcpus, v.quota_cpus, v.limited_by) == (2.0, None, "none")
    assert v.describe() == "2 vCPUs (all 2 online)"


def test_cgroup_v1_quota_in_a_container_mounting_its_own_cgroup(tmp_path: Path) -> None:
    # Docker without a cgroup namespace: /proc/self/cgroup names /docker/abc, but the mount
    # root is that very cgroup, mounted at /sys/fs/cgroup/cpu,cpuacct.
    mount = "32 31 0:29 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n"
    tree(tmp_path, online="0-7", cgroup="5:cpu,cpuacct:/docker/abc\n2:memory:/docker/abc\n", mountinfo=mount)
    write(tmp_path / "sys/fs/cgroup/cpu,cpuacct", "cpu.cfs_quota_us=250000;cpu.cfs_period_us=100000")
    v = read_visible_cpus(str(tmp_path), affinity=all_of(8))
    assert v.vcpus == 2.5 and v.cgroup_version == 1 and v.limited_by == "cgroup"


def test_cgroup_v1_no_limit(tmp_path: Path) -> None:
    tree(tmp_path, online="0-1", cgroup="1:cpu:/\n", mountinfo=V1_MOUNT.replace("cpu,cpuacct rw -", "cpu rw -"))
    write(tmp_path / "sys/fs/cgroup/cpu", "cpu.cfs_quota_us=-1;cpu.cfs_period_us=100000")
    assert read_visible_cpus(str(tmp_path), affinity=all_of(2)).quota_cpus is None


def test_missing_files_mean_no_limit(tmp_path: Path) -> None:
    v = read_visible_cpus(str(tmp_path), affinity=lambda: None)
    assert v.quota_cpus is None and v.affinity_cpus is None and v.vcpus == v.online_cpus >= 1


def test_this_machine() -> None:
    v = read_visible_cpus()
    assert 0 < v.vcpus <= v.online_cpus
    if v.limited_by == "none":
        assert v.vcpus == v.online_cpus
