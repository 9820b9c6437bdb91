"""Where the run store lives on disk.

The location is resolved when a store is built, never at import time, so a
test (or a user) can set ``CARBONEST_HOME`` just before creating a store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

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
    env = os.environ if environ is None else environ
    home = env.get(ENV_HOME, "").strip()
    if home:
        return Path(home).expanduser() / DB_FILENAME
    import platformdirs  # lazily: keeps `import carbonest` light

    return Path(platformdirs.user_data_dir("carbonest", appauthor=False)) / DB_FILENAME


__all__ = ["DB_FILENAME", "ENV_HOME", "default_store_path"]
