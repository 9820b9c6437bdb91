"""The on-disk cache of live intensity answers (layer L5).

One JSON file per request under ``$CARBONEST_HOME/cache/intensity/<provider>/``
(or the user data folder, as the run store), named by a hash of the URL and
its parameters: never of a header, so a key is never part of a file name or a
file. Each provider gives each endpoint its own time to live (``latest`` a few
minutes, a fully past range a day, a forecast a quarter of an hour). Writes
are atomic (a temporary file, then ``os.replace``); a file that cannot be read
or written is a miss, never an error: the cache only ever saves requests.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Cache", "default_cache_dir"]


def default_cache_dir(environ: Mapping[str, str] | None = None) -> str:
    """``$CARBONEST_HOME/cache/intensity``, else the user data folder's ``cache/intensity``.

    The same folder rule as the run store's (``carbonest.store.paths``), not imported from it:
    this package stays below the store.
    """
    env = os.environ if environ is None else environ
    home = env.get("CARBONEST_HOME", "").strip()
    if not home:
        import platformdirs

        home = platformdirs.user_data_dir("carbonest")
    return os.path.join(os.path.expanduser(home), "cache", "intensity")


class Cache:
    """Answers kept on disk for a time to live.

    Args:
        root: The folder (default: :func:`default_cache_dir`, resolved when first used).
        enabled: False to read and write nothing.
        clock: Wall clock. Units: s since the epoch.
    """

    def __init__(self, root: str | None = None, *, enabled: bool = True,
                 clock: Callable[[], float] = time.time) -> None:
        self._root = root
        self.enabled = enabled
        self._clock = clock

    @property
    def root(self) -> str:
        if self._root is None:
            self._root = default_cache_dir()
        return self._root

    @staticmethod
    def key(url: str, params: Mapping[str, Any] | None) -> str:
        """The file name of one request (URL and sorted parameters only)."""
        given = dict(params or {})
        text = url + "?" + "&".join(f"{k}={given[k]}" for k in sorted(given))
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def _path(self, provider: str, key: str) -> str:
        return os.path.join(self.root, provider, key + ".json")

    def get(self, provider: str, key: str, ttl_s: float) -> Any | None:
        """The body kept for ``key`` if younger than ``ttl_s``, else None."""
        if not self.enabled or ttl_s <= 0:
            return None
        try:
            with open(self._path(provider, key), encoding="utf-8") as fh:
                entry = json.load(fh)
            if self._clock() - float(entry["fetched_at"]) <= ttl_s:
                return entry["body"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return None

    def put(self, provider: str, key: str, body: Any) -> None:
        """Keep ``body`` for ``key`` (atomically; a failure to write is ignored, said nowhere)."""
        if not self.enabled:
            return
        folder = os.path.join(self.root, provider)
        try:
            os.makedirs(folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump({"fetched_at": self._clock(), "body": body}, fh)
                os.replace(tmp, self._path(provider, key))
            except BaseException:
                os.unlink(tmp)
                raise
        except (OSError, TypeError, ValueError):
            return
