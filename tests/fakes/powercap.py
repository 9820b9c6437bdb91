"""A real powercap sysfs tree on disk, laid out as the kernel does (HARDWARE-FACTS §2).

``<base>/devices/virtual/powercap/<control>/<zone>/<subzone>/`` holds the files;
``<base>/class/powercap/`` holds one relative symlink per control type, zone and
subzone, exactly like ``/sys/class/powercap``. Zone ids are hexadecimal and
follow registration order; the ``name`` file is the identity. ``energy_uj`` is
mode 0400 as since Linux 5.10 (tests run as root here, so denial is simulated
through the probe's injectable opener; see tests/probes/test_probe_rapl.py).
"""

from __future__ import annotations

import os
from pathlib import Path

INTEL_PKG_RANGE_UJ = 262143328850
INTEL_DRAM_RANGE_UJ = 65712999613
AMD_RANGE_UJ = 65532610987


class PowercapTree:
    """Builds and drives a temporary powercap tree.

    Args:
        base: An empty directory (``tmp_path``).
    """

    def __init__(self, base: Path) -> None:
        self.base = base
        self.devices = base / "devices" / "virtual" / "powercap"
        self.root = base / "class" / "powercap"
        self.root.mkdir(parents=True)
        self.zones: dict[str, Path] = {}  # zone dir name -> real directory

    def _link(self, entry: str, target: Path) -> None:
        rel = os.path.relpath(target, self.root)
        (self.root / entry).symlink_to(rel)

    def add_zone(
        self,
        zone: str,
        name: str,
        energy_uj: int = 0,
        max_range_uj: int = INTEL_PKG_RANGE_UJ,
        *,
        constraints: bool = True,
    ) -> Path:
        """Register ``zone`` (e.g. ``"intel-rapl:0"`` or ``"intel-rapl:0:0"``) with its files."""
        control = zone.split(":", 1)[0]
        ctl_dir = self.devices / control
        if not ctl_dir.exists():
            ctl_dir.mkdir(parents=True)
            (ctl_dir / "enabled").write_text("1\n")
            self._link(control, ctl_dir)
        parent_id = zone.rsplit(":", 1)[0]
        parent = self.zones.get(parent_id, ctl_dir)
        zdir = parent / zone
        zdir.mkdir()
        (zdir / "name").write_text(name + "\n")
        (zdir / "max_energy_range_uj").write_text(f"{max_range_uj}\n")
        (zdir / "enabled").write_text("1\n" if constraints else "0\n")
        if constraints:
            (zdir / "constraint_0_name").write_text("long_term\n")
            (zdir / "constraint_0_power_limit_uw").write_text("150000000\n")
            (zdir / "constraint_0_max_power_uw").write_text("150000000\n")
        energy = zdir / "energy_uj"
        energy.write_text(f"{energy_uj}\n")
        energy.chmod(0o400)
        for f in ("name", "max_energy_range_uj"):
            (zdir / f).chmod(0o444)
        self.zones[zone] = zdir
        self._link(zone, zdir)
        return zdir

    def energy_path(self, zone: str) -> Path:
        return self.zones[zone] / "energy_uj"

    def set_energy(self, zone: str, energy_uj: int) -> None:
        """Write a new counter value in place (same inode, as sysfs regenerates it)."""
        path = self.energy_path(zone)
        mode = path.stat().st_mode & 0o777
        path.chmod(mode | 0o200)  # so non-root test runs can write the 0400 file too
        with open(path, "r+", encoding="ascii") as f:
            f.truncate(0)
            f.write(f"{energy_uj}\n")
        path.chmod(mode)

    def get_energy(self, zone: str) -> int:
        return int(self.energy_path(zone).read_text())

    def advance(self, zone: str, delta_uj: int) -> None:
        """Advance the counter by ``delta_uj``, wrapping like the hardware (modulus range + 1)."""
        rng = int((self.zones[zone] / "max_energy_range_uj").read_text())
        self.set_energy(zone, (self.get_energy(zone) + delta_uj) % (rng + 1))

    def mask(self) -> None:
        """Empty the devices tree as Docker/Kubernetes do: class symlinks now dangle."""
        import shutil

        shutil.rmtree(self.devices)


def intel_two_socket_with_psys(tree: PowercapTree) -> None:
    """Two sockets, psys registered between them (kernel order since late 2020)."""
    tree.add_zone("intel-rapl:0", "package-0", 1_000_000)
    tree.add_zone("intel-rapl:0:0", "dram", 500_000, INTEL_DRAM_RANGE_UJ)
    tree.add_zone("intel-rapl:0:1", "core", 700_000)
    tree.add_zone("intel-rapl:1", "psys", 9_000_000)
    tree.add_zone("intel-rapl:2", "package-1", 2_000_000)
    tree.add_zone("intel-rapl:2:0", "dram", 600_000, INTEL_DRAM_RANGE_UJ)


def amd_one_socket(tree: PowercapTree) -> None:
    """AMD Zen: package + lead-core ``core`` child, no dram, no psys, no constraints."""
    tree.add_zone("intel-rapl:0", "package-0", 3_000_000, AMD_RANGE_UJ, constraints=False)
    tree.add_zone("intel-rapl:0:0", "core", 1_000_000, AMD_RANGE_UJ, constraints=False)
