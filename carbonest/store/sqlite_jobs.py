"""Job records in the SQLite store: the job part of the store contract (schema version 3).

Kept apart from :mod:`carbonest.store.sqlite` (its size); the SQL is in
:mod:`carbonest.store.job_schema`, shared with other SQL backends.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from carbonest.errors import InvalidInputError
from carbonest.store import base
from carbonest.store.job_schema import SELECT_JOB, SELECT_JOBS, SELECT_RUNS_OF_JOB, UPSERT_JOB

T = TypeVar("T")


class SQLiteJobs:
    """``put_job``, ``get_job``, ``jobs`` and ``runs_of_job`` over the store's connection."""

    _call: Callable[..., Any]
    _load: Callable[[Any], dict[str, Any]]

    def put_job(self, job: Mapping[str, Any]) -> None:
        """Insert or replace the job record (upsert by ``job_id``)."""
        job = base.clean_text(job)
        job_id = base.check_job(job)
        try:
            text = json.dumps(dict(job), separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"job {job_id}: the record is not JSON-serialisable: {exc}") from exc
        started = job.get("started_at")
        params = {"job_id": job_id, "status": job["status"], "started_at": started,
                  "started_ts": base.parse_timestamp(started, field="started_at"),
                  "updated_at": base.utc_now_iso(), "job_json": text}
        self._call(lambda conn: conn.execute(UPSERT_JOB, params), write=True)

    def get_job(self, job_id: str) -> dict[str, Any]:
        """The stored job record with exactly this id."""
        base.check_job_id(job_id)

        def read(conn: sqlite3.Connection) -> Any:
            if not _has_jobs(conn):
                return None
            return conn.execute(SELECT_JOB, {"job_id": job_id}).fetchone()

        row = self._call(read, write=False)
        if row is None:
            raise base.JobNotFoundError(job_id)
        record: dict[str, Any] = json.loads(row[0])
        return record

    def jobs(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Stored job records, newest ``started_at`` first."""
        base.check_limit(limit)

        def read(conn: sqlite3.Connection) -> list[Any]:
            if not _has_jobs(conn):
                return []
            return conn.execute(SELECT_JOBS, {"limit": -1 if limit is None else limit}).fetchall()

        return [json.loads(row[0]) for row in self._call(read, write=False)]

    def runs_of_job(self, job_id: str) -> list[dict[str, Any]]:
        """Every run of the job (and of its steps), oldest first, with the interrupted rule applied."""
        base.check_job_id(job_id)
        params = {"job_id": job_id, "n": len(job_id) + 1, "prefix": job_id + "."}

        def read(conn: sqlite3.Connection) -> list[Any]:
            if not _has_jobs(conn):
                return []
            return conn.execute(SELECT_RUNS_OF_JOB, params).fetchall()

        return [self._load(row) for row in self._call(read, write=False)]


def _has_jobs(conn: sqlite3.Connection) -> bool:
    """False in an older store opened read-only (its schema has no job records yet)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'").fetchone() is not None


__all__ = ["SQLiteJobs"]
