"""The schema of job records (version 3 of the store), in one place for every SQL backend.

Migration 3 adds, to the version-2 schema of :mod:`carbonest.store.sqlite`:

* ``runs.job_id``: the run record's ``job.id`` (indexed), so the runs of one job are found
  without reading every record (``carbonest runs --job``, job records formed from a store).
* ``jobs``: one row per job record (:mod:`carbonest.store.jobs`), upserted by ``job_id``;
  the record itself as JSON in ``job_json``, its status and start indexed.

The statements are plain SQL; a backend with other type names maps ``REAL`` to its double
type (PostgreSQL: ``DOUBLE PRECISION``) and ``TEXT`` stays ``TEXT``.
"""

from __future__ import annotations

from typing import Final

JOB_MIGRATION: Final[tuple[str, ...]] = (
    "ALTER TABLE runs ADD COLUMN job_id TEXT",
    "CREATE INDEX runs_by_job ON runs (job_id)",
    """CREATE TABLE jobs (
            job_id TEXT PRIMARY KEY NOT NULL,
            seq INTEGER NOT NULL,
            status TEXT NOT NULL,
            started_at TEXT,
            started_ts REAL,
            updated_at TEXT NOT NULL,
            job_json TEXT NOT NULL)""",
    "CREATE INDEX jobs_by_start ON jobs (started_ts, seq)",
)
"""Version 2 -> 3."""

UPSERT_JOB: Final = """
INSERT INTO jobs (job_id, seq, status, started_at, started_ts, updated_at, job_json)
VALUES (:job_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), :status, :started_at, :started_ts,
    :updated_at, :job_json)
ON CONFLICT (job_id) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
    started_ts = excluded.started_ts, updated_at = excluded.updated_at, job_json = excluded.job_json
"""
"""Insert or replace one job record (named parameters; PostgreSQL: ``%(name)s``)."""

SELECT_JOB: Final = "SELECT job_json FROM jobs WHERE job_id = :job_id"
SELECT_JOBS: Final = ("SELECT job_json FROM jobs ORDER BY started_ts IS NULL, started_ts DESC, seq DESC"
                      " LIMIT :limit")
SELECT_RUNS_OF_JOB: Final = ("SELECT run_id, status, updated_at, record_json FROM runs"
                             " WHERE job_id = :job_id OR substr(job_id, 1, :n) = :prefix"
                             " ORDER BY started_ts IS NULL, started_ts, seq")
"""The runs of a job and of its steps (``12345`` finds ``12345.0``); oldest first."""

__all__ = ["JOB_MIGRATION", "SELECT_JOB", "SELECT_JOBS", "SELECT_RUNS_OF_JOB", "UPSERT_JOB"]
