"""Run storage: where run records and their power samples are kept.

Rules of this subpackage:

* :mod:`~carbonest.store.base` is the contract (:class:`RunStore`), the record
  checks and the "interrupted" rule; every backend follows it and the tracker
  knows only it.
* One backend per module: :mod:`~carbonest.store.sqlite` (the embedded
  default) and :mod:`~carbonest.store.memory` (in memory, for tests).
* Around them: :mod:`~carbonest.store.query` (``carbonest.runs()`` and
  ``carbonest.get_run()``), :mod:`~carbonest.store.export` (flat tables),
  :mod:`~carbonest.store.liveness` (is a "running" run's process still alive?),
  :mod:`~carbonest.store.runinfo` (the facts about this process that a
  record carries and liveness compares: host, distributed identity, the job
  section) and :mod:`~carbonest.store.jobs` (job records: the runs of a job
  added up, each host and GPU once; their SQL in
  :mod:`~carbonest.store.job_schema`, the queries run for SQLite and PostgreSQL by
  :mod:`~carbonest.store.sql_jobs`, SQLite's check in :mod:`~carbonest.store.sqlite_jobs`).
* What it may import: layers L0-L4 (errors, units, records, config). Never the
  tracker, the calculator, the CLI or the package face; they call the store.
* A backend translates its vendor's errors into
  :class:`~carbonest.errors.StorageError` at one boundary.
* Nothing at import time: importing this package (as ``carbonest.store.runinfo`` on the
  tracker's start path does) reads no module of it. And nothing heavy later: pandas (export), platformdirs (default
  path) and psutil (liveness) are imported inside the functions that use them.

See ``docs/storage.md`` for the location, schema and guarantees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from carbonest._lazy import lazy_attributes

if TYPE_CHECKING:
    from carbonest.store.base import AmbiguousRunIdError, RunNotFoundError, RunStore
    from carbonest.store.export import export_runs, runs_dataframe
    from carbonest.store.memory import MemoryStore
    from carbonest.store.sqlite import SQLiteStore

_LAZY = {
    "AmbiguousRunIdError": "carbonest.store.base",
    "RunNotFoundError": "carbonest.store.base",
    "RunStore": "carbonest.store.base",
    "SQLiteStore": "carbonest.store.sqlite",
    "MemoryStore": "carbonest.store.memory",
    "export_runs": "carbonest.store.export",
    "runs_dataframe": "carbonest.store.export",
}


__getattr__ = lazy_attributes(__name__, _LAZY)


__all__ = [
    "AmbiguousRunIdError",
    "MemoryStore",
    "RunNotFoundError",
    "RunStore",
    "SQLiteStore",
    "export_runs",
    "runs_dataframe",
]
