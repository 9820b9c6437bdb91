"""The SQLite run store a process's trackers share: opened once, kept open between runs.

Closing the last connection to a WAL-mode SQLite file checkpoints the WAL into the main file,
with its fsyncs: 3-4 ms on the development machine, then as much again to open the file,
set its pragmas and check its schema for the next run. A training script that measures every
epoch (``@carbonest.track``), or a notebook that measures cell after cell, paid both per run.
So a tracker that opened its store from a path (the default store, ``$CARBONEST_STORE``, a
path or SQLite file given as ``store=``) gets it through :func:`acquire` and gives it back
through :func:`release`, which keeps it open for the next run of the process:

* The store is reused only for the same file (absolute path) and only while that path is
  still the file that was written (same device and inode): a store moved, deleted or
  replaced between two runs is closed and the new file opened.
* At most one store is kept open when no run uses it: opening another file closes it.
* It is closed when the process exits (``atexit``): the WAL checkpoint happens then, once.
  A process killed before that leaves the WAL beside the file, and the next opener of the
  file (any carbonest command) replays it: nothing committed is lost. While a process holds
  it open, a copy of the store must include its ``-wal`` file (docs/storage.md).
* Across ``fork()`` the child never uses the parent's connection (:class:`SQLiteStore` opens
  its own) and never closes it.

PostgreSQL stores, ``:memory:`` and stores passed in as objects are not shared.
"""

from __future__ import annotations

import os
import threading
from typing import Any

_LOCK = threading.Lock()
_ENTRIES: dict[str, _Entry] = {}
_AT_EXIT = False


class _Entry:
    __slots__ = ("identity", "pid", "store", "users")

    def __init__(self, store: Any) -> None:
        self.store = store
        self.pid = os.getpid()
        self.users = 1
        self.identity: tuple[int, int] | None = None  # (st_dev, st_ino) when last given back


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def shared_file(spec: Any) -> str | None:
    """The absolute SQLite file a store argument (``None``, a path, a URL) names, or None when
    it is not one to share (PostgreSQL, ``:memory:``). Raises what :func:`store_spec` raises."""
    from carbonest.store.locate import is_postgres_url, store_spec

    value, _ = store_spec(spec)
    if value is None:
        from carbonest.store.paths import default_store_file

        value = default_store_file()
    if is_postgres_url(value) or value == ":memory:":
        return None
    return os.path.abspath(value)


def acquire(spec: Any) -> Any:
    """The run store ``spec`` names, the process's open one where it is the same file.

    Raises:
        CarbonestError: As :func:`carbonest.store.locate.open_store` (a bad URL or path).
    """
    from carbonest.store.locate import open_store

    path = shared_file(spec)
    if path is None:
        return open_store(spec)
    global _AT_EXIT
    with _LOCK:
        entry = _ENTRIES.get(path)
        if (entry is not None and entry.pid == os.getpid() and
                (entry.users > 0 or (entry.identity is not None and entry.identity == _identity(path)))):
            entry.users += 1
            return entry.store
        for key, idle in list(_ENTRIES.items()):  # not the same file any more, or another file
            if key == path or idle.users == 0:
                del _ENTRIES[key]
                if idle.pid == os.getpid() and idle.users == 0:
                    idle.store.close()
        store = open_store(spec)
        _ENTRIES[path] = _Entry(store)
        if not _AT_EXIT:
            import atexit

            atexit.register(close_all)
            _AT_EXIT = True
        return store


def release(store: Any) -> None:
    """Give back a store from :func:`acquire`: kept open for the next run, or closed if it is
    not a shared one."""
    with _LOCK:
        for path, entry in _ENTRIES.items():
            if entry.store is store and entry.pid == os.getpid():
                entry.users = max(0, entry.users - 1)
                if entry.users == 0:
                    entry.identity = _identity(path)
                return
    store.close()


def close_all() -> None:
    """Close every shared store of this process (at exit; tests)."""
    with _LOCK:
        entries = list(_ENTRIES.values())
        _ENTRIES.clear()
    for entry in entries:
        if entry.pid == os.getpid():
            try:
                entry.store.close()
            except Exception as exc:  # noqa: BLE001 - at exit: said on stderr, the exit goes on
                # What was committed is in the file or its WAL either way (the next opener replays it).
                import sys

                sys.stderr.write(f"carbonest: closing the run store {entry.store!r} failed: {exc!r}\n")
