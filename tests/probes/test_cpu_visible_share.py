"""The CPU model charges only the CPUs a VM or container can see (hand-computed figures)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from carbonest.probes.cpu_model import CpuModelProbe
from carbonest.probes.discovery import catalog_cpu_power
from carbonest.probes.fake import ManualClock
from carbonest.probes.visible_cpus import VisibleCpus

TICKS = os.sysconf("SC_CLK_TCK")  # /proc/stat counts in USER_HZ ticks


def write_stat(root: Path, per_cpu: list[tuple[int, int]]) -> None:
    """per_cpu: (busy user ticks, idle ticks) for cpu0, cpu1, ..."""
    lines = [f"cpu  {sum(u for u, _ in per_cpu)} 0 0 {sum(i for _, i in per_cpu)} 0 0 0 0 0 0"]
    lines += [f"cpu{n} {u} 0 0 {i} 0 0 0 0 0 0" for n, (u, i) in enumerate(per_cpu)]
    (root / "proc").mkdir(exist_ok=True)
    (root / "proc" / "stat").write_text("\n".join(lines) + "\nintr 0\n")


def busy_single_thread(tmp_path: Path, probe: CpuModelProbe, n_cpus: int, busy: int = 1) -> float:
    clock = ManualClock()
    probe._clock = clock
    write_stat(tmp_path, [(0, 0)] * n_cpus)
    probe.open()
    # 10 s: `busy` CPUs 100 % busy, the rest idle.
    write_stat(tmp_path, [(10 * TICKS, 0)] * busy + [(0, 10 * TICKS)] * (n_cpus - busy))
    clock.advance(10.0)
    (r,) = probe.read()
    probe.close()
    assert r.power_w is not None and r.utilisation is not None
    return r.power_w


def test_two_vcpu_epyc_vm_busy_loop_is_a_few_watts(tmp_path: Path) -> None:
    model = catalog_cpu_power("AMD EPYC")
    vis = VisibleCpus(2.0, 2, affinity_cpus=2, cpu_ids=frozenset({0, 1}))
    probe = CpuModelProbe(cpu_name="AMD EPYC", power_model=model, visible=vis, root=str(tmp_path))
    power = busy_single_thread(tmp_path, probe, 2)
    # Shipped row amd-epyc (mean of CCF EPYC gen 1-5): 1.236553872 .. 3.473916599 W per vCPU.
    # u = 1 busy of 2 vCPUs = 0.5: 2 x (1.236553872 + 0.5 x (3.473916599 - 1.236553872)) W.
    assert power == pytest.approx(2 * (1.236553872 + 0.5 * (3.473916599 - 1.236553872)))
    assert power == pytest.approx(4.710470471)  # a few watts, not the 51.6 W of a 100 W package
    d = probe.provenance.detail
    assert d.startswith("per-vCPU CCF AMD EPYC, generation unknown 2 vCPUs x (1.24 + u x (3.47 - 1.24) W)")
    assert "2 vCPUs (all 2 online)" in d and "'AMD EPYC' not in the catalog, family mean (amd-epyc)" in d


def test_known_xeon_in_a_vm_gets_its_share_of_the_tdp(tmp_path: Path) -> None:
    model = catalog_cpu_power("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz")
    assert (model.kind, model.tdp_w, model.threads_per_socket, model.threads_basis) == (
        "tdp_share", 150.0, 20, "cores")  # no shipped source gives threads: cores are used
    vis = VisibleCpus(2.0, 2, affinity_cpus=2, cpu_ids=frozenset({0, 1}))
    probe = CpuModelProbe(cpu_name="Xeon", power_model=model, visible=vis, root=str(tmp_path))
    # 150 W x 1 socket x 2/20 x 0.5 = 7.5 W
    assert busy_single_thread(tmp_path, probe, 2) == pytest.approx(7.5)
    assert probe.provenance.detail.startswith(
        "TDP x share (Intel Xeon Gold 6248 150 W x 2/20 cores) x utilisation, 2 vCPUs (all 2 online), table cpus"
    )


def test_quota_container_on_a_big_host(tmp_path: Path) -> None:
    # cpu.max "150000 100000" on a 4-CPU host; 1.5 CPUs of work for 10 s fills the quota.
    vis = VisibleCpus(1.5, 4, affinity_cpus=4, quota_cpus=1.5, limited_by="cgroup",
                      cpu_ids=frozenset(range(4)), cgroup_version=2)
    probe = CpuModelProbe(power_model=catalog_cpu_power(None), visible=vis, root=str(tmp_path))
    clock = ManualClock()
    probe._clock = clock
    write_stat(tmp_path, [(0, 0)] * 4)
    probe.open()
    write_stat(tmp_path, [(10 * TICKS, 0), (5 * TICKS, 5 * TICKS), (0, 10 * TICKS), (0, 10 * TICKS)])
    clock.advance(10.0)
    (r,) = probe.read()
    assert r.utilisation == pytest.approx(1.0)  # 15 CPU-s of 1.5 x 10 s
    assert r.power_w == pytest.approx(1.5 * 3.5)  # CCF default 0.74..3.5 W, fully busy
    assert "1.5 vCPUs (cgroup v2 cpu quota, of 4 online)" in r.provenance.detail


def test_affinity_subset_reads_only_its_cpus(tmp_path: Path) -> None:
    # Pinned to cpu2 and cpu3 of 4; only cpu2 is busy (other CPUs' load must not count).
    vis = VisibleCpus(2.0, 4, affinity_cpus=2, limited_by="affinity", cpu_ids=frozenset({2, 3}))
    probe = CpuModelProbe(power_model=catalog_cpu_power(None), visible=vis, root=str(tmp_path))
    clock = ManualClock()
    probe._clock = clock
    write_stat(tmp_path, [(0, 0)] * 4)
    probe.open()
    write_stat(tmp_path, [(10 * TICKS, 0), (10 * TICKS, 0), (10 * TICKS, 0), (0, 10 * TICKS)])
    clock.advance(10.0)
    (r,) = probe.read()
    assert r.utilisation == pytest.approx(0.5)
    assert r.power_w == pytest.approx(2 * (0.74 + 0.5 * (3.5 - 0.74)))


def test_tdp_share_with_threads_unknown_uses_online_cpus(tmp_path: Path) -> None:
    # The older form: 100 W package, 1.5 of 4 CPUs visible -> share 1.5/4; all visible busy.
    vis = VisibleCpus(1.5, 4, affinity_cpus=4, quota_cpus=1.5, limited_by="cgroup", cgroup_version=2)
    probe = CpuModelProbe(100.0, cpu_name="X", visible=vis, root=str(tmp_path))
    power = busy_single_thread(tmp_path, probe, 4, busy=2)  # 20 CPU-s > 15: clamped to u = 1
    assert power == pytest.approx(100.0 * 1.5 / 4)
    assert "x 1.5/4 online CPUs, threads of the model unknown" in probe.provenance.detail
