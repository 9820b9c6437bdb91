"""Job records in an SQL store: the job part of the store contract (schema version 3).

One implementation for SQLite and PostgreSQL: a backend mixes :class:`SQLJobs` in, names its
statements (:class:`~carbonest.store.job_schema.JobQueries`) and says whether its schema has
the job tables yet (an older store opened read-only has not). ``fn(handle)`` in ``_call`` gets a
``sqlite3.Connection`` or a psycopg cursor: both ``execute(sql, params)`` and fetch rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from carbonest.errors import InvalidInputError
from carbonest.store import base
from carbonest.store.job_schema import JobQueries


class SQLJobs:
    """``put_job``, ``get_job``, ``jobs`` and ``runs_of_job`` over the store's ``_call``."""

    _job_queries: ClassVar[JobQueries]
    _call: Callable[..., Any]
    _load: Callable[[Any], dict[str, Any]]

    def _has_jobs(self, handle: Any) -> bool:
        """False in an older store opened read-only (its schema has no job records yet)."""
        raise NotImplementedError

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
        sql = self._job_queries.upsert
        self._call(lambda handle: handle.execute(sql, params), write=True)

    def get_job(self, job_id: str) -> dict[str, Any]:
        """The stored job record with exactly this id."""
        base.check_job_id(job_id)
        sql = self._job_queries.select_job

        def read(handle: Any) -> Any:
            if not self._has_jobs(handle):
                return None
            return handle.execute(sql, {"job_id": job_id}).fetchone()

        row = self._call(read, write=False)
        if row is None:
            raise base.JobNotFoundError(job_id)
        record: dict[str, Any] = json.loads(row[0])
        return record

    def jobs(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Stored job records, newest ``started_at`` first."""
        base.check_limit(limit)
        queries = self._job_queries
        params = {"limit": queries.no_limit if limit is None else limit}

        def read(handle: Any) -> list[Any]:
            if not self._has_jobs(handle):
                return []
            return list(handle.execute(queries.select_jobs, params).fetchall())

        return [json.loads(row[0]) for row in self._call(read, write=False)]

    def runs_of_job(self, job_id: str) -> list[dict[str, Any]]:
        """Every run of the job (and of its steps), oldest first, with the interrupted rule applied."""
        base.check_job_id(job_id)
        params = {"job_id": job_id, "n": len(job_id) + 1, "prefix": job_id + "."}
        sql = self._job_queries.runs_of_job

        def read(handle: Any) -> list[Any]:
            if not self._has_jobs(handle):
                return []
            return list(handle.execute(sql, params).fetchall())

        return [self._load(row) for row in self._call(read, write=False)]


__all__ = ["SQLJobs"]
