"""Helpers shared by test folders: optional libraries and the loopback-only network guard.

``needs("transformers")`` imports an optional library a test uses. Without it the test is
skipped, except where ``CARBONEST_REQUIRE_EXTRAS=1`` (the full leg of ``.ci/tests.sh``, which
installs every extra): there a missing library fails the test, so a broken install cannot
pass as a row of skips.

``install_loopback_guard()`` makes every socket connect outside 127.0.0.0/8, ::1 and Unix
sockets fail, and records the attempt (libraries often swallow the error, so a test checks
``blocked_connects()`` afterwards; the ``loopback_only`` fixture in tests/conftest.py does).
Child processes get the same guard through ``loopback_env()``, which puts
``tests/loopback_site`` (a ``sitecustomize``) on their ``PYTHONPATH``.
"""

from __future__ import annotations

import importlib
import ipaddress
import os
import socket
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SITE_DIR = Path(__file__).resolve().parent / "loopback_site"
BLOCKED_LOG_ENV = "CARBONEST_TEST_BLOCKED_LOG"

_blocked: list[str] = []
_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex


def require_extras() -> bool:
    """True in the CI leg that installs every extra: missing ones fail instead of skipping."""
    return os.environ.get("CARBONEST_REQUIRE_EXTRAS") == "1"


def needs(module: str, reason: str = "") -> ModuleType:
    """Import ``module`` for a test: skip without it, or fail where every extra must be there."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        why = f"{module} is not installed ({reason or exc})"
        if require_extras():
            pytest.fail(f"{why}, but CARBONEST_REQUIRE_EXTRAS=1 says every extra is installed")
        pytest.skip(why, allow_module_level=True)  # usable at a test module's top too
        raise  # unreachable: skip raises


def needs_program(path: str) -> str:
    """A system program a test drives (chromium, pg_ctl): skip without it, or fail in the full leg."""
    import shutil

    found = shutil.which(path) or (path if os.path.isfile(path) and os.access(path, os.X_OK) else None)
    if found is None:
        why = f"{path} is not on this machine"
        if require_extras():
            pytest.fail(f"{why}, but CARBONEST_REQUIRE_EXTRAS=1 says .ci/tests.sh installed it")
        pytest.skip(why, allow_module_level=True)  # usable at a test module's top too
    return str(found)


def _is_loopback(family: int, address: Any) -> bool:
    if family == getattr(socket, "AF_UNIX", object()):
        return True
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host)
    if host in ("localhost", "localhost.localdomain", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost: it would need a lookup, so it is not loopback


def _record(address: Any) -> None:
    entry = repr(address)
    _blocked.append(entry)
    log = os.environ.get(BLOCKED_LOG_ENV)
    if log:
        try:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()} {entry}\n")
        except OSError:
            pass


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _is_loopback(self.family, address):
        _record(address)
        raise ConnectionRefusedError(f"test guard: connect to {address!r} outside loopback refused")
    _original_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _is_loopback(self.family, address):
        _record(address)
        return 111  # ECONNREFUSED
    return _original_connect_ex(self, address)


def install_loopback_guard() -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


def remove_loopback_guard() -> None:
    socket.socket.connect = _original_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _original_connect_ex  # type: ignore[method-assign]


def blocked_connects() -> list[str]:
    return list(_blocked)


def reset_blocked() -> None:
    _blocked.clear()


def loopback_env(base: dict[str, str] | None = None, log_file: Path | None = None) -> dict[str, str]:
    """An environment for a child Python process with the same guard (attempts logged to ``log_file``)."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SITE_DIR), env.get("PYTHONPATH", "")) if p)
    env["CARBONEST_TEST_LOOPBACK_GUARD"] = "1"
    if log_file is not None:
        env[BLOCKED_LOG_ENV] = str(log_file)
    return env
