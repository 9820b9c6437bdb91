"""Where the run store lives on disk.

The location is resolved when a store is built, never at import time, so a
test (or a user) can set ``CARBONEST_HOME`` just before creating a store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pathlib import Path

ENV_HOME: Final = "CARBONEST_HOME"
"""Environment variable naming the directory that holds carbonest's data."""

DB_FILENAME: Final = "runs.sqlite"
"""File name of the SQLite run store inside that directory."""


def default_store_path(environ: Mapping[str, str] | None = None) -> Path:
    """Return the default path of the SQLite run store.

    ``$CARBONEST_HOME/runs.sqlite`` when the variable is set and not empty,
    else ``runs.sqlite`` in the platform's per-user data directory
    (``platformdirs.user_data_dir("carbonest")``, e.g.
    ``~/.local/share/carbonest`` on Linux). Nothing is created here.

    Args:
        environ: The environment to read; ``os.environ`` when None.

    Returns:
        The path of the database file (it may not exist yet).
    """
    from pathlib import Path

    return Path(default_store_file(environ))


def default_store_file(environ: Mapping[str, str] | None = None) -> str:
    """:func:`default_store_path` as a plain string (no :mod:`pathlib`: the tracker's start path)."""
    env = os.environ if environ is None else environ
    home = env.get(ENV_HOME, "").strip()
    if home:
        return os.path.join(os.path.expanduser(home), DB_FILENAME)
    import platformdirs  # lazily: keeps `import carbonest` light

    return os.path.join(platformdirs.user_data_dir("carbonest", appauthor=False), DB_FILENAME)


__all__ = ["DB_FILENAME", "ENV_HOME", "default_store_file", "default_store_path"]


def make_private_dirs(folder: str | os.PathLike[str]) -> None:
    """Create ``folder`` and its missing parents with mode 0700; existing ones keep their mode."""
    missing = []
    path = os.path.abspath(folder)
    while not os.path.exists(path) and path != os.path.dirname(path):
        missing.append(path)
        path = os.path.dirname(path)
    for created in reversed(missing):
        try:
            os.mkdir(created, 0o700)
        except FileExistsError:  # another process made it meanwhile: its mode stands
            continue
        os.chmod(created, 0o700)  # mkdir's mode is reduced by the umask; 0700 is never wider


def create_private_file(path: str | os.PathLike[str]) -> None:
    """Create an empty store file with mode 0600 (SQLite gives its -wal and -shm files the same)."""
    if os.path.exists(path):
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)
