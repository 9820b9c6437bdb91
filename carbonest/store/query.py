"""``carbonest.runs()`` and ``carbonest.get_run()``: the run store from Python."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import os

    import pandas as pd


def runs(limit: int | None = None, *, path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Stored runs, newest first, as a pandas DataFrame (one row per run, flat columns).

    Args:
        limit: At most this many runs (all when None).
        path: The store file (default: ``$CARBONEST_HOME/runs.sqlite`` or the user data dir).
    """
    from carbonest.store.export import runs_dataframe
    from carbonest.store.sqlite import SQLiteStore

    with SQLiteStore(path) as store:
        return runs_dataframe(store, limit)


def get_run(run_id: str, *, path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """One stored run record (as saved, with ``status`` brought up to date), by id or unique prefix."""
    from carbonest.store.sqlite import SQLiteStore

    with SQLiteStore(path) as store:
        return store.get_run(run_id)
