"""``carbonest.runs()`` and ``carbonest.get_run()``: the run store from Python."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import os

    import pandas as pd

    from carbonest.records.run import RunRecord
    from carbonest.store.base import RunStore


def runs(limit: int | None = None, *, path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Stored runs, newest first, as a pandas DataFrame (one row per run, flat columns).

    Args:
        limit: At most this many runs (all when None).
        path: The store: a SQLite file or a ``postgresql://`` URL (default: ``$CARBONEST_STORE``,
            else ``$CARBONEST_HOME/runs.sqlite`` or the user data dir).
    """
    from carbonest.store.export import runs_dataframe

    with open_for_reading(path) as store:
        return runs_dataframe(store, limit)


def get_run(run_id: str, *, path: str | os.PathLike[str] | None = None) -> RunRecord:
    """One stored run, by id or unique prefix, with its ``status`` brought up to date.

    Returns:
        The :class:`~carbonest.records.RunRecord` (``record.to_dict()`` is the stored JSON object).
        carbonest 0.1.0 returned that dict; ``record["co2e_kg"]`` and ``record.get(...)``
        still work for now, with a ``DeprecationWarning``.
    """
    from carbonest.records.run import RunRecord

    with open_for_reading(path) as store:
        return RunRecord.from_dict(store.get_run(run_id))


def open_for_reading(path: str | os.PathLike[str] | None = None, *, field: str = "path") -> RunStore:
    """The run store opened read-only; nothing is created, not even the file.

    ``path`` is a SQLite file or a ``postgresql://`` URL; None means ``$CARBONEST_STORE``, else
    the default file (:mod:`carbonest.store.locate`). A file given that does not exist is an
    :class:`~carbonest.errors.InvalidInputError` naming ``field`` (a typo must not look like an
    empty store). The default store not existing yet just means no run was kept: an empty
    store is returned.
    """
    from carbonest.store import locate

    return locate.open_for_reading(path, field=field)
