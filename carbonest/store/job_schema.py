"""The schema of job records (version 3 of the store), in one place for every SQL backend.

Migration 3 adds, to the version-2 schema of :mod:`carbonest.store.sqlite`:

* ``runs.job_id``: the run record's ``job.id`` (indexed), so the runs of one job are found
  without reading every record (``carbonest runs --job``, job records formed from a store).
* ``jobs``: one row per job record (:mod:`carbonest.store.jobs`), upserted by ``job_id``;
  the record itself as JSON in ``job_json``, its status and start indexed.

The statements are plain SQL with SQLite's named parameters (``:name``); :data:`SQLITE_JOBS`
and :data:`POSTGRES_JOBS` are the queries each backend runs, the PostgreSQL ones derived from
the same text (``%(name)s`` parameters, ``DOUBLE PRECISION`` for ``REAL``, a sequence for
``jobs.seq``), so the two cannot drift apart. :class:`carbonest.store.sql_jobs.SQLJobs` runs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from carbonest._values import FrozenValue


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

_NEXT_SEQ: Final = "(SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs)"
"""``jobs.seq`` of a new row in SQLite, where one writer at a time holds the file; PostgreSQL
takes ``nextval('jobs_seq')`` instead (concurrent writers would read the same maximum)."""

UPSERT_JOB: Final = f"""
INSERT INTO jobs (job_id, seq, status, started_at, started_ts, updated_at, job_json)
VALUES (:job_id, {_NEXT_SEQ}, :status, :started_at, :started_ts,
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


@dataclass(init=False, repr=False, eq=False)
class JobQueries(FrozenValue):
    """The job statements of one backend, in its parameter style."""

    upsert: str
    select_job: str
    select_jobs: str
    runs_of_job: str
    no_limit: int | None
    """What ``SELECT_JOBS``'s ``limit`` parameter gets for "all": SQLite ``LIMIT -1``,
    PostgreSQL ``LIMIT NULL`` (the same as ``LIMIT ALL``)."""

    def __init__(
        self, upsert: str, select_job: str, select_jobs: str, runs_of_job: str, no_limit: int | None,
    ) -> None:
        object.__setattr__(self, "upsert", upsert)
        object.__setattr__(self, "select_job", select_job)
        object.__setattr__(self, "select_jobs", select_jobs)
        object.__setattr__(self, "runs_of_job", runs_of_job)
        object.__setattr__(self, "no_limit", no_limit)


def to_pyformat(sql: str) -> str:
    """SQLite's ``:name`` parameters as psycopg's ``%(name)s``."""
    return re.sub(r"(?<![:\w]):([a-z_]+)\b", r"%(\1)s", sql)


SQLITE_JOBS: Final = JobQueries(UPSERT_JOB, SELECT_JOB, SELECT_JOBS, SELECT_RUNS_OF_JOB, no_limit=-1)


def __getattr__(name: str) -> object:
    """``POSTGRES_JOBS`` and ``POSTGRES_JOB_MIGRATION``, made on first use: the SQLite store
    (on the tracker's start path) imports this module and needs neither."""
    if name == "POSTGRES_JOBS":
        value: object = JobQueries(
            to_pyformat(UPSERT_JOB.replace(_NEXT_SEQ, "nextval('jobs_seq')")), to_pyformat(SELECT_JOB),
            to_pyformat(SELECT_JOBS), to_pyformat(SELECT_RUNS_OF_JOB), no_limit=None)
    elif name == "POSTGRES_JOB_MIGRATION":
        # Version 2 -> 3 in PostgreSQL: JOB_MIGRATION with PostgreSQL's 8-byte float and the
        # sequence that numbers new job rows.
        value = ("CREATE SEQUENCE jobs_seq",
                 *(statement.replace(" REAL", " DOUBLE PRECISION") for statement in JOB_MIGRATION))
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


if TYPE_CHECKING:
    POSTGRES_JOBS: Final[JobQueries]
    POSTGRES_JOB_MIGRATION: Final[tuple[str, ...]]

__all__ = ["JOB_MIGRATION", "POSTGRES_JOBS", "POSTGRES_JOB_MIGRATION", "SELECT_JOB", "SELECT_JOBS",
           "SELECT_RUNS_OF_JOB", "SQLITE_JOBS", "UPSERT_JOB", "JobQueries", "to_pyformat"]
