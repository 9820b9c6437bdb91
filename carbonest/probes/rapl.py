"""RAPL energy counters read through the Linux powercap sysfs tree.

What it reads (kernel ``Documentation/power/powercap/powercap.rst`` and
``drivers/powercap/intel_rapl_common.c``; see docs/measurement.md):

* ``<root>/intel-rapl:<hex>/`` top-level zones. Their ``name`` file is the
  identity (``package-0``, ``package-1-die-0``, ``psys``), not the hex id: ids
  follow registration order, and on multi-socket hosts ``psys`` may be
  registered *before* ``package-1``.
* ``<zone>/<zone>:<hex>/`` subzones ``dram``, ``core``, ``uncore``.
* ``energy_uj``: cumulative uJ, wrapping at ``max_energy_range_uj``.
* ``intel-rapl-mmio:<hex>`` duplicates a package counter through MMIO; the MSR
  (``intel-rapl``) zone of the same name wins, so nothing is counted twice.

AMD Zen uses the same ``intel-rapl`` control type with only ``package-N`` and a
``core`` child (read on the package's lead CPU only); there is no dram or psys.

Double counting: ``package-N`` and ``package-N/dram`` are separate and additive
(dram is nested in sysfs but NOT included in the package). ``core`` and
``uncore`` are inside their package and ``psys`` contains the packages: they are
reported with ``DeviceInfo.additive = False`` so totals skip them.

Cost: each ``energy_uj`` is opened once at ``open()`` and re-read with
``os.pread(fd, 32, 0)`` (about 0.7 us, against 12-15 us for open+read+close);
a read at offset 0 makes sysfs regenerate the value. No subprocess, no sleep.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from carbonest._values import Value
from carbonest.errors import ProbePermissionError, ProbeUnavailableError
from carbonest.probes.base import DeviceInfo, Probe
from carbonest.records import Component, Provenance, Reading
from carbonest.units import UJ_PER_J

__all__ = ["DEFAULT_POWERCAP_ROOT", "ENV_POWERCAP_ROOT", "PERMISSION_FIX", "RaplProbe"]

DEFAULT_POWERCAP_ROOT = "/sys/class/powercap"
ENV_POWERCAP_ROOT = "CARBONEST_POWERCAP_ROOT"

PERMISSION_FIX = (
    "energy_uj is readable by root only since Linux 5.10 (the fix for CVE-2020-8694, "
    "'PLATYPUS'). Run as root, or grant a trusted group read access on the host: once with "
    "'sudo chgrp powercap /sys/class/powercap/intel-rapl:*/energy_uj && "
    "sudo chmod g+r /sys/class/powercap/intel-rapl:*/energy_uj' (lost at reboot), or "
    "persistently with a udev rule in /etc/udev/rules.d/99-powercap.rules: "
    'SUBSYSTEM=="powercap", RUN+="/usr/bin/chgrp powercap /sys%p/energy_uj", '
    'RUN+="/usr/bin/chmod g+r /sys%p/energy_uj". Security trade-off: whoever can read '
    "these counters can run power side-channel attacks on this host (CVE-2020-8694), so "
    "grant it to trusted users only. Without access carbonest falls back to a TDP model. "
    "See docs/measurement.md."
)

_CONTAINER_FIX = (
    "Inside Docker/Podman/Kubernetes /sys/devices/virtual/powercap is masked: bind-mount the "
    "host's /sys/class/powercap and /sys/devices/virtual/powercap read-only to another "
    f"prefix and set {ENV_POWERCAP_ROOT} to the class directory; in a VM RAPL is usually "
    "not exposed at all (carbonest falls back to a TDP model)."
)

_TOP_ZONE = re.compile(r"(intel-rapl|intel-rapl-mmio):([0-9a-f]+)")
_SUBZONE_NOTES = {
    "core": "included in {pkg}; on AMD the lead core only",
    "uncore": "included in {pkg} (PP1, usually the integrated GPU)",
}

Opener = Callable[[str, int], int]


@dataclass(init=False, repr=False, eq=False, slots=True)
class _Zone(Value):
    """One readable RAPL domain, with its kept-open ``energy_uj`` descriptor."""

    info: DeviceInfo
    path: str
    max_energy_j: float | None
    provenance: Provenance
    fd: int = -1

    def __init__(
        self, info: DeviceInfo, path: str, max_energy_j: float | None, provenance: Provenance, fd: int = -1,
    ) -> None:
        self.info = info
        self.path = path
        self.max_energy_j = max_energy_j
        self.provenance = provenance
        self.fd = fd


def _read_text(path: str) -> str:
    with open(path, encoding="ascii") as f:
        return f.read().strip()


def _read_max_energy_j(zone_dir: str) -> float | None:
    try:
        return int(_read_text(os.path.join(zone_dir, "max_energy_range_uj"))) / UJ_PER_J
    except (OSError, ValueError):
        return None


def _hex_children(zone_dir: str, zone_entry: str) -> list[str]:
    pattern = re.compile(re.escape(zone_entry) + r":([0-9a-f]+)")
    try:
        names = os.listdir(zone_dir)
    except OSError:
        return []
    kids = [(int(m.group(1), 16), n) for n in names if (m := pattern.fullmatch(n))]
    return [n for _, n in sorted(kids)]


def _zone_info(name: str, parent: str | None) -> DeviceInfo | None:
    """Map a zone ``name`` to a device id, component and additivity; None if unknown."""
    if parent is None:
        if name.startswith("package-"):
            return DeviceInfo(name, "cpu", note="CPU package (socket/die)")
        if name.startswith("psys"):
            return DeviceInfo(name, "cpu", additive=False, note="platform; includes the packages")
        return None
    if name == "dram":
        return DeviceInfo(f"{parent}/dram", "dram", note=f"memory of {parent}; not in {parent}")
    if name in _SUBZONE_NOTES:
        note = _SUBZONE_NOTES[name].format(pkg=parent)
        return DeviceInfo(f"{parent}/{name}", "cpu", additive=False, note=note)
    return None


class RaplProbe(Probe):
    """CPU package and DRAM energy from RAPL powercap counters.

    Args:
        root: The powercap class directory. Default: ``$CARBONEST_POWERCAP_ROOT`` if set
            (read here, not at import), else ``/sys/class/powercap``.
        subdomains: Also report ``core``, ``uncore`` and ``psys`` (non-additive).
        opener: ``os.open``-compatible function used for ``energy_uj`` (injectable for tests).
        clock: Time source for reading timestamps. Units: s.
    """

    name = "rapl"
    components: tuple[Component, ...] = ("cpu", "dram")

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        subdomains: bool = True,
        opener: Opener = os.open,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        if root is None:
            root = os.environ.get(ENV_POWERCAP_ROOT) or DEFAULT_POWERCAP_ROOT
        self.root = os.fspath(root)
        self._subdomains = subdomains
        self._opener = opener
        self._clock = clock
        self._zones: list[_Zone] = []

    # -- discovery ---------------------------------------------------------------------------

    def _top_zones(self) -> list[tuple[str, str]]:
        if not os.path.isdir(self.root):
            raise ProbeUnavailableError(
                f"no powercap tree at {self.root}", probe=self.name, fix=_CONTAINER_FIX
            )
        found = [
            (m.group(1), int(m.group(2), 16), e)
            for e in os.listdir(self.root)
            if (m := _TOP_ZONE.fullmatch(e))
        ]
        # MSR zones first, so an MMIO duplicate of the same package is the one skipped.
        found.sort(key=lambda x: (x[0] != "intel-rapl", x[1]))
        return [(e, os.path.join(self.root, e)) for _, _, e in found]

    def _scan(self) -> tuple[list[_Zone], int]:
        zones: list[_Zone] = []
        seen: set[str] = set()
        dangling = 0
        for entry, zdir in self._top_zones():
            try:
                name = _read_text(os.path.join(zdir, "name"))
            except OSError:
                dangling += 1  # e.g. a masked /sys/devices/virtual/powercap in a container
                continue
            info = _zone_info(name, None)
            if info is None or info.device in seen or (not info.additive and not self._subdomains):
                continue
            seen.add(info.device)
            zones.append(self._make_zone(info, zdir))
            if not name.startswith("package-"):
                continue
            for child in _hex_children(zdir, entry):
                cdir = os.path.join(zdir, child)
                try:
                    sub = _zone_info(_read_text(os.path.join(cdir, "name")), name)
                except OSError:
                    continue
                if sub is not None and (sub.additive or self._subdomains):
                    zones.append(self._make_zone(sub, cdir))
        return zones, dangling

    @staticmethod
    def _make_zone(info: DeviceInfo, zdir: str) -> _Zone:
        prov = Provenance("measured", f"rapl:{info.device}")
        return _Zone(info, os.path.join(zdir, "energy_uj"), _read_max_energy_j(zdir), prov)

    def open(self) -> None:
        """Find the zones and open every ``energy_uj``.

        Raises:
            ProbeUnavailableError: No powercap tree or no package zone (VM, container, non-x86).
            ProbePermissionError: A counter exists but may not be read (root-only since 5.10).
        """
        self.close()
        try:
            zones, dangling = self._scan()
            if not any(z.info.device.startswith("package-") for z in zones):
                why = f"{dangling} zone(s) unreadable" if dangling else "no package zone"
                raise ProbeUnavailableError(
                    f"no RAPL package zone under {self.root} ({why})",
                    probe=self.name,
                    fix=_CONTAINER_FIX,
                )
            self._open_counters(zones)
        except ProbeUnavailableError as exc:
            self._status_reason, self._status_fix = str(exc), exc.fix
            raise
        self._zones = zones
        self._info = {z.info.device: z.info for z in zones}
        self._opened = True
        self._status_reason = f"{len(zones)} RAPL domain(s) under {self.root}"
        self._status_fix = None

    def _open_counters(self, zones: list[_Zone]) -> None:
        denied: list[str] = []
        try:
            for z in zones:
                try:
                    z.fd = self._opener(z.path, os.O_RDONLY)
                    self._trial_read(z)
                except PermissionError:
                    denied.append(z.path)
                except OSError as exc:
                    raise ProbeUnavailableError(
                        f"cannot open {z.path}: {exc.strerror}", probe=self.name, fix=_CONTAINER_FIX
                    ) from exc
            if denied:
                raise ProbePermissionError(
                    f"permission denied reading {', '.join(denied)}",
                    probe=self.name,
                    fix=PERMISSION_FIX,
                )
        except ProbeUnavailableError:
            self._close_fds(zones)
            raise

    def _trial_read(self, z: _Zone) -> None:
        """Read the counter once at open, so a counter that can never be read fails now.

        EIO/EAGAIN (a failed MSR read) is left for the sampler to retry; anything else
        (EISDIR, content that is not a number) means the file is not a counter.
        """
        try:
            int(os.pread(z.fd, 32, 0))
        except OSError as exc:
            if exc.errno in (errno.EIO, errno.EAGAIN):
                return
            raise
        except ValueError as exc:
            raise OSError(errno.EINVAL, f"not an energy counter ({exc})") from exc

    # -- reading -----------------------------------------------------------------------------

    def read(self) -> list[Reading]:
        """One Reading per domain: the raw counter in J and its wrap range.

        Raises:
            ProbeUnavailableError: The probe is not open.
        """
        if not self._opened:
            raise ProbeUnavailableError("rapl probe is not open", probe=self.name)
        t_s = self._clock()
        out: list[Reading] = []
        for z in self._zones:
            info = z.info
            try:
                if z.fd < 0:
                    z.fd = self._opener(z.path, os.O_RDONLY)
                energy_j = int(os.pread(z.fd, 32, 0)) / UJ_PER_J
            except (OSError, ValueError) as exc:
                out.append(self._failed(z, t_s, exc))
                continue
            out.append(
                Reading(
                    info.component,
                    info.device,
                    t_s,
                    z.provenance,
                    energy_j=energy_j,
                    max_energy_j=z.max_energy_j,
                )
            )
        return out

    def _failed(self, z: _Zone, t_s: float, exc: Exception) -> Reading:
        # EIO/EINVAL: a failed MSR read, try again next time. ENODEV/ENOENT/EBADF: the zone
        # was removed (CPU offline, driver reload); reopen on the next read.
        if isinstance(exc, OSError) and exc.errno in (errno.ENODEV, errno.ENOENT, errno.EBADF):
            self._close_fd(z)
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else repr(exc)
        info = z.info
        return Reading(info.component, info.device, t_s, z.provenance, error=f"{z.path}: {why}")

    # -- closing -----------------------------------------------------------------------------

    @staticmethod
    def _close_fd(z: _Zone) -> None:
        if z.fd >= 0:
            with contextlib.suppress(OSError):  # already invalid: nothing left to release
                os.close(z.fd)
            z.fd = -1

    def _close_fds(self, zones: list[_Zone]) -> None:
        for z in zones:
            self._close_fd(z)

    def close(self) -> None:
        """Close every kept descriptor. Idempotent."""
        self._close_fds(self._zones)
        self._opened = False
