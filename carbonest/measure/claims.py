"""Host claims: which process of a host counts the host's CPU and DRAM, and each of its GPUs.

Every process of a job that measures takes, for the time of its run, an exclusive
``flock`` on one small file per thing it counts: ``host`` (the CPU packages and DRAM)
and ``gpu-<UUID>`` for each GPU it reads. A file already locked by another live process
means that thing is counted there, so it is left out here; the kernel drops a lock when
its process ends (a SIGKILL included), so a dead process never holds a claim. The files
live in one folder per host identity and job (``<claims dir>/<host>/<job>``), private to
the user: ``$CARBONEST_CLAIMS_DIR`` or ``$TMPDIR/carbonest-claims-<uid>`` (``/tmp``
by default), node-local on a cluster, so two nodes never share a claim even over a shared
home. Where ``fcntl`` is missing (Windows) every claim is granted, and the record says so.
"""

from __future__ import annotations

import os
from pathlib import Path

from carbonest.probes.base import DeviceInfo, Probe
from carbonest.records import Reading

CLAIMS_DIR_ENV = "CARBONEST_CLAIMS_DIR"
HOST_CLAIM = "host"


def _safe(part: str) -> str:
    """A path component for any text: safe characters kept, the others as %XX."""
    return "".join(c if c.isalnum() or c in "._-" else f"%{ord(c):02x}" for c in part) or "%"


def claims_folder(host: str, job: str | None) -> Path:
    """Where the claims of ``job`` on ``host`` live (see the module docstring)."""
    root = os.environ.get(CLAIMS_DIR_ENV, "").strip()
    if not root:
        uid = os.getuid() if hasattr(os, "getuid") else 0
        root = os.path.join(os.environ.get("TMPDIR") or "/tmp", f"carbonest-claims-{uid}")
    return Path(root) / _safe(host) / _safe(job or "no-job")


class HostClaims:
    """Exclusive claims held by this process until :meth:`release`.

    Args:
        host: The host identity (:func:`carbonest.store.runinfo.host_identity`).
        job: The job id, or None (a job-less run: claims shared by every such run of the user).
    """

    def __init__(self, host: str, job: str | None) -> None:
        self.folder = claims_folder(host, job)
        self._held: dict[str, int] = {}
        self.problem: str | None = None
        """Why claims could not be taken (each was then granted), or None."""

    def claim(self, name: str) -> bool:
        """Take the claim ``name``; False if another live process holds it."""
        if name in self._held:
            return True
        try:
            import fcntl
        except ImportError:
            self.problem = "no fcntl on this platform: nothing is shared between processes"
            return True
        try:
            from carbonest.store.paths import make_private_dirs

            make_private_dirs(self.folder)
            fd = os.open(self.folder / f"{_safe(name)}.lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        except OSError as exc:
            self.problem = f"cannot write claims in {self.folder}: {exc.strerror or exc}"
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._held[name] = fd
        return True

    @property
    def held(self) -> tuple[str, ...]:
        """The claims held, in the order taken."""
        return tuple(self._held)

    def release(self) -> None:
        """Give every claim back. Idempotent.

        Unlocked before closing: a child forked during the run (a persistent DataLoader
        worker) shares the open file, and closing only our copy would leave the lock held for
        as long as the child lives, refusing the claim to this process's next run.
        """
        held, self._held = self._held, {}
        for fd in held.values():
            try:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_UN)
            except (ImportError, OSError):
                pass
            try:
                os.close(fd)
            except OSError:
                pass


class OwnDevices(Probe):
    """An open probe read for some of its devices only: those this process claimed.

    Delegates to the probe (which stays the owner of the hardware); :meth:`close` closes it.
    """

    def __init__(self, inner: Probe, devices: set[str]) -> None:
        super().__init__()
        self.inner = inner
        self.name = inner.name  # type: ignore[misc]
        self.components = inner.components
        self._info = {d: i for d, i in inner.device_info().items() if d in devices}
        self._opened = True
        self._status_reason = f"{len(self._info)} of {len(inner.devices())} device(s) claimed here"

    def open(self) -> None:
        """The probe is open already."""

    def read(self) -> list[Reading]:
        """The claimed devices' readings."""
        return [r for r in self.inner.read() if r.device in self._info]

    def device_info(self) -> dict[str, DeviceInfo]:
        """Facts about the claimed devices."""
        return dict(self._info)

    def close(self) -> None:
        """Close the probe."""
        self._opened = False
        self.inner.close()


__all__ = ["OwnDevices", "CLAIMS_DIR_ENV", "HOST_CLAIM", "HostClaims", "claims_folder"]
