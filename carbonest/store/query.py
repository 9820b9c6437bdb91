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
        path: The store file (default: ``$CARBONEST_HOME/runs.sqlite`` or the user data dir).
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

    A ``path`` given that does not exist is an :class:`~carbonest.errors.InvalidInputError`
    naming ``field`` (a typo must not look like an empty store). The default store not
    existing yet just means no run was kept: an empty store is returned.
    """
    import os as _os

    from carbonest.errors import InvalidInputError
    from carbonest.store.memory import MemoryStore
    from carbonest.store.sqlite import SQLiteStore

    if path is not None and not isinstance(path, (str, _os.PathLike)):
        raise InvalidInputError(f"{field}: must be a file path, got {path!r}", field=field)
    if path is not None and _os.path.isdir(path):  # a mistyped flag or argument, not a broken store
        raise InvalidInputError(f"{field}: {str(path)!r} is a folder, not a run store file", field=field)
    store = SQLiteStore(path, read_only=True)
    if str(store.path) == ":memory:" or store.path.exists():
        return store
    if path is not None:
        raise InvalidInputError(f"{field}: the run store {str(store.path)!r} does not exist", field=field)
    return MemoryStore()
