"""Job records in the SQLite store: :class:`~carbonest.store.sql_jobs.SQLJobs` with SQLite's
statements (:data:`~carbonest.store.job_schema.SQLITE_JOBS`).

Kept apart from :mod:`carbonest.store.sqlite` (its size).
"""

from __future__ import annotations

import sqlite3
from typing import ClassVar

from carbonest.store.job_schema import SQLITE_JOBS, JobQueries
from carbonest.store.sql_jobs import SQLJobs


class SQLiteJobs(SQLJobs):
    """``put_job``, ``get_job``, ``jobs`` and ``runs_of_job`` over the store's connection."""

    _job_queries: ClassVar[JobQueries] = SQLITE_JOBS

    def _has_jobs(self, handle: sqlite3.Connection) -> bool:
        """False in an older store opened read-only (its schema has no job records yet)."""
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'"
        return handle.execute(sql).fetchone() is not None


__all__ = ["SQLiteJobs"]
