"""Is the process that wrote a ``running`` record still alive?

A run is checkpointed with status ``running`` until its tracker writes the
final record. If that process died first (SIGKILL, OOM killer, power cut of a
node, ``os._exit``), the record stays ``running`` for ever. Readers therefore
check the writer: a ``running`` record whose ``host`` is this host and whose
``pid`` no longer names the same live process is shown as ``interrupted``.

Pid reuse: the kernel recycles pids, so a live pid is only "the same process"
when its creation time matches ``pid_create_time`` stored in the record (as
``psutil.Process().create_time()`` gives it, seconds since the epoch). Without
a stored creation time a live pid is taken as the writer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Final

CREATE_TIME_TOLERANCE_S: Final = 1.0
"""How far two creation times of one pid may differ and still be one process. Units: s."""


def current_host() -> str:
    """Return this machine's host name, as the tracker stores it in ``host``."""
    from carbonest.store.runinfo import hostname

    return hostname()


def current_process_create_time() -> float | None:
    """Return this process's creation time, to store as ``pid_create_time``.

    Units: s since the epoch. None if psutil is missing.
    """
    own = _linux_create_time()
    if own is not None:
        return own
    try:
        import psutil  # lazily: keeps `import carbonest` light
    except ImportError:  # pragma: no cover - psutil is a declared dependency
        return None
    return float(psutil.Process().create_time())


def _linux_create_time(proc_root: str = "/proc") -> float | None:
    """This process's start as psutil computes it on Linux, without importing psutil (~25 ms):
    boot time (``btime`` of /proc/stat) + start time in clock ticks (field 22 of
    /proc/self/stat, proc(5)) / CLK_TCK. Units: s since the epoch. None if unreadable."""
    try:
        with open(f"{proc_root}/self/stat", "rb") as fh:
            stat = fh.read().decode("ascii", "replace")
        with open(f"{proc_root}/stat", "rb") as fh:
            btime = next(int(line.split()[1]) for line in fh.read().decode().splitlines()
                         if line.startswith("btime "))
        after_name = stat[stat.rindex(")") + 2 :].split()  # the name may hold spaces and ')'
        start_ticks = int(after_name[19])  # field 22 overall; field 3 is after_name[0]
        return btime + start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def process_alive(pid: int, create_time: float | None = None) -> bool:
    """Return whether ``pid`` still names the process that was created at ``create_time``.

    A zombie (dead, not yet reaped) counts as dead. When psutil is missing the
    check falls back to ``os.kill(pid, 0)`` and cannot see pid reuse.

    Args:
        pid: Process id of the writer.
        create_time: Its creation time if known. Units: s since the epoch.

    Returns:
        True if that process is (probably) still running.
    """
    if pid <= 0:
        return False
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is a declared dependency
        return _kill_zero_alive(pid)
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        if create_time is not None:
            return bool(abs(proc.create_time() - create_time) <= CREATE_TIME_TOLERANCE_S)
        return True
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        # It exists; we just may not inspect it, so it cannot be declared dead.
        return True


def stale_reason(record: Mapping[str, Any], *, host: str | None = None) -> str | None:
    """Say why a ``running`` record is taken as interrupted, or None if it is not.

    Args:
        record: A stored run record.
        host: This host's name; :func:`current_host` when None.

    Returns:
        A one-line reason when the record is ``running``, was written on this
        host, and its writer process is gone; otherwise None.
    """
    if record.get("status") != "running":
        return None
    pid = record.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool):
        return None
    here = current_host() if host is None else host
    if record.get("host") != here:
        return None
    create_time = record.get("pid_create_time")
    created = float(create_time) if isinstance(create_time, (int, float)) else None
    if process_alive(pid, created):
        return None
    return f"writer process {pid} on {here} ended without writing a final record"


def as_interrupted(
    record: Mapping[str, Any], reason: str, last_checkpoint_at: str | None
) -> dict[str, Any]:
    """Return a copy of a stale ``running`` record marked ``interrupted``."""
    out = dict(record)
    out["status"] = "interrupted"
    out["interrupted_reason"] = reason
    out["last_checkpoint_at"] = last_checkpoint_at
    return out


def _kill_zero_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


__all__ = [
    "CREATE_TIME_TOLERANCE_S",
    "as_interrupted",
    "stale_reason",
    "current_host",
    "current_process_create_time",
    "process_alive",
]
