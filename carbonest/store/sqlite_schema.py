"""The SQLite run store's schema: the migrations that build it, version by version.

``PRAGMA user_version`` is the number of migrations applied; :mod:`carbonest.store.sqlite`
applies the missing ones when it opens a file for writing, and reads any version up to
:data:`SCHEMA_VERSION` read-only. The table layout is described in ``docs/storage.md``.
"""

from __future__ import annotations

from typing import Final

from carbonest.store.job_schema import JOB_MIGRATION

MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (  # version 1
        """CREATE TABLE runs (
            run_id TEXT PRIMARY KEY NOT NULL,
            seq INTEGER NOT NULL,
            name TEXT,
            status TEXT NOT NULL,
            started_at TEXT,
            started_ts REAL,
            ended_at TEXT,
            host TEXT,
            pid INTEGER,
            pid_create_time REAL,
            duration_s REAL,
            energy_kwh REAL,
            co2e_kg REAL,
            updated_at TEXT NOT NULL,
            record_json TEXT NOT NULL)""",
        "CREATE INDEX runs_by_start ON runs (started_ts, seq)",
        "CREATE INDEX runs_by_status ON runs (status)",
        """CREATE TABLE samples (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL,
            t_s REAL NOT NULL,
            component TEXT NOT NULL,
            device TEXT NOT NULL,
            power_w REAL,
            energy_j REAL)""",
        "CREATE INDEX samples_by_run ON samples (run_id, component, device, t_s)",
    ),
    (  # version 2: each finished phase, stored once at the checkpoint after it ended
        """CREATE TABLE phases (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL,
            name TEXT NOT NULL,
            started_at TEXT,
            duration_s REAL,
            it_energy_kwh REAL,
            energy_kwh REAL,
            co2e_kg REAL,
            components_json TEXT NOT NULL)""",
        "CREATE INDEX phases_by_run ON phases (run_id, id)",
    ),
    JOB_MIGRATION,  # version 3: runs.job_id and the jobs table (carbonest/store/job_schema.py)
)
"""Schema migrations; entry ``i`` takes ``PRAGMA user_version`` from ``i`` to ``i + 1``."""

SCHEMA_VERSION: Final = len(MIGRATIONS)

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]
