"""A shared run store on PostgreSQL (psycopg 3): many hosts write one database.

Same contract, schema version and record rules as :mod:`carbonest.store.sqlite`; what differs
is what a server gives (see ``docs/storage.md``, "PostgreSQL"):

* Schema: the tables of :data:`MIGRATIONS` (the SQLite schema in PostgreSQL types: ``DOUBLE
  PRECISION`` for SQLite's ``REAL``, which in PostgreSQL would be 4-byte floats, ``BIGSERIAL``
  ids; the job tables and their queries derived from :mod:`carbonest.store.job_schema`, run by
  :class:`~carbonest.store.sql_jobs.SQLJobs` as in SQLite), and ``carbonest_schema`` holding the version. Migrations run in one transaction under
  a transaction-scoped advisory lock, so several hosts may open a fresh database at once (DDL
  is transactional in PostgreSQL: a failed migration leaves the previous version whole).
* Concurrency: every write is one short transaction (READ COMMITTED); the record is an upsert
  (``ON CONFLICT``), samples and phases go in with ``COPY``. One connection per process,
  shared by its threads behind a lock; a connection inherited over ``fork()`` is never used
  or closed by the child. A connection lost mid-call is opened again once; deadlocks and
  serialisation failures are retried with backoff.
* Secrets: the password in the URL (or a ``password=`` parameter) never appears in an error,
  a ``repr`` or a record (:func:`~carbonest.store.locate.redact_url`).

``psycopg`` is imported when the first connection opens, never at import (the tracker on
SQLite never imports it; tested). ``psycopg.Error`` becomes
:class:`~carbonest.errors.StorageError` in :meth:`PostgresStore._call` (and in ``_connection``,
which keeps a failed connection's error for :data:`RECONNECT_HOLDOFF_S` so that a server that
cannot be reached does not hold a tracker's sampler thread up at every checkpoint).
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Final, TypeVar

from carbonest.errors import InvalidInputError, StorageError
from carbonest.records import Sample
from carbonest.store import base, liveness
from carbonest.store.base import RunNotFoundError, RunStore
from carbonest.store.job_schema import POSTGRES_JOB_MIGRATION, POSTGRES_JOBS, JobQueries
from carbonest.store.locate import URL_SCHEMES, is_postgres_url, redact_url, secrets_in
from carbonest.store.sql_jobs import SQLJobs
from carbonest.store.thinning import plan_thinning

T = TypeVar("T")


MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (  # version 1: runs and samples
        "CREATE SEQUENCE runs_seq",
        """CREATE TABLE runs (
            run_id TEXT PRIMARY KEY NOT NULL,
            seq BIGINT NOT NULL DEFAULT nextval('runs_seq'),
            name TEXT,
            status TEXT NOT NULL,
            started_at TEXT,
            started_ts DOUBLE PRECISION,
            ended_at TEXT,
            host TEXT,
            pid BIGINT,
            pid_create_time DOUBLE PRECISION,
            duration_s DOUBLE PRECISION,
            energy_kwh DOUBLE PRECISION,
            co2e_kg DOUBLE PRECISION,
            updated_at TEXT NOT NULL,
            record_json TEXT NOT NULL)""",
        "CREATE INDEX runs_by_start ON runs (started_ts, seq)",
        "CREATE INDEX runs_by_status ON runs (status)",
        """CREATE TABLE samples (
            id BIGSERIAL PRIMARY KEY,
            run_id TEXT NOT NULL,
            t_s DOUBLE PRECISION NOT NULL,
            component TEXT NOT NULL,
            device TEXT NOT NULL,
            power_w DOUBLE PRECISION,
            energy_j DOUBLE PRECISION)""",
        "CREATE INDEX samples_by_run ON samples (run_id, component, device, t_s)",
    ),
    (  # version 2: each finished phase, stored once at the checkpoint after it ended
        """CREATE TABLE phases (
            id BIGSERIAL PRIMARY KEY,
            run_id TEXT NOT NULL,
            name TEXT NOT NULL,
            started_at TEXT,
            duration_s DOUBLE PRECISION,
            it_energy_kwh DOUBLE PRECISION,
            energy_kwh DOUBLE PRECISION,
            co2e_kg DOUBLE PRECISION,
            components_json TEXT NOT NULL)""",
        "CREATE INDEX phases_by_run ON phases (run_id, id)",
    ),
    POSTGRES_JOB_MIGRATION,  # version 3: runs.job_id and the jobs table (carbonest/store/job_schema.py)
)
"""Schema migrations; entry ``i`` takes ``carbonest_schema.version`` from ``i`` to ``i + 1``.

Kept in step with :data:`carbonest.store.sqlite.MIGRATIONS` (a test checks the two lists are
as long): a new table is one more entry here and one there."""

SCHEMA_VERSION: Final = len(MIGRATIONS)
DEFAULT_MAX_SAMPLES_PER_DEVICE: Final = 10_000
_LOCK_KEY: Final = 0x63617262  # "carb": the advisory lock that serialises migrations
RECONNECT_HOLDOFF_S: Final = 15.0
"""After a connection that took SLOW_CONNECT_S or more to fail, calls fail at once with its
error for this long. Units: s."""
SLOW_CONNECT_S: Final = 1.0
"""A failed connection this slow (a timeout, an unreachable host) starts the hold-off. Units: s."""
_RETRIES: Final = 5
_RETRY_BASE_S: Final = 0.05
_RETRY_SQLSTATES: Final = ("40001", "40P01")  # serialization_failure, deadlock_detected

_UPSERT: Final = """
INSERT INTO runs (run_id, name, status, started_at, started_ts, ended_at, host, pid,
    pid_create_time, duration_s, energy_kwh, co2e_kg, updated_at, record_json, job_id)
VALUES (%(run_id)s, %(name)s, %(status)s, %(started_at)s, %(started_ts)s, %(ended_at)s,
    %(host)s, %(pid)s, %(pid_create_time)s, %(duration_s)s, %(energy_kwh)s, %(co2e_kg)s,
    %(updated_at)s, %(record_json)s, %(job_id)s)
ON CONFLICT (run_id) DO UPDATE SET name = excluded.name, status = excluded.status,
    started_at = excluded.started_at, started_ts = excluded.started_ts,
    ended_at = excluded.ended_at, host = excluded.host, pid = excluded.pid,
    pid_create_time = excluded.pid_create_time, duration_s = excluded.duration_s,
    energy_kwh = excluded.energy_kwh, co2e_kg = excluded.co2e_kg,
    updated_at = excluded.updated_at, record_json = excluded.record_json, job_id = excluded.job_id
"""
_SELECT_RUN: Final = "SELECT run_id, status, updated_at, record_json FROM runs"
_NEWEST_FIRST: Final = " ORDER BY started_ts IS NULL, started_ts DESC, seq DESC"
_HAS_SCHEMA_TABLE: Final = (
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
    " ON n.oid = c.relnamespace WHERE c.relname = 'carbonest_schema' AND n.nspname = current_schema())"
)
_COPY_SAMPLES: Final = "COPY samples (run_id, t_s, component, device, power_w, energy_j) FROM STDIN"
_COPY_PHASES: Final = (
    "COPY phases (run_id, name, started_at, duration_s, it_energy_kwh, energy_kwh, co2e_kg,"
    " components_json) FROM STDIN"
)


class PostgresStore(SQLJobs, RunStore):
    """Run store in a PostgreSQL database, shared by every host that reaches it.

    Nothing connects until the first call; then the schema is created or migrated to
    :data:`SCHEMA_VERSION` (unless ``read_only``).

    Args:
        url: A libpq URL, ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?param=value]``;
            the password may instead come from ``PGPASSWORD`` or ``~/.pgpass`` (libpq's rules).
        max_samples_per_device: Most samples kept per run and device (thinned beyond it, as
            :class:`~carbonest.store.sqlite.SQLiteStore`).
        connect_timeout_s: How long opening a connection may take. Units: s.
        read_only: Never create or migrate anything; every transaction is ``READ ONLY``. A
            database without carbonest's tables reads as an empty store.

    Raises:
        InvalidInputError: ``url`` is not a ``postgresql://`` URL (field ``store``).
    """

    def __init__(
        self,
        url: str,
        *,
        max_samples_per_device: int = DEFAULT_MAX_SAMPLES_PER_DEVICE,
        connect_timeout_s: float = 10.0,
        read_only: bool = False,
    ) -> None:
        if not is_postgres_url(url):
            raise InvalidInputError(
                f"store: {redact_url(str(url))!r} is not a postgresql:// URL", field="store")
        if max_samples_per_device < 1:
            raise InvalidInputError(
                "max_samples_per_device must be at least 1", field="max_samples_per_device")
        self._url = url
        self.url = redact_url(url)
        """The URL with its password hidden: safe to print."""
        self.max_samples_per_device = max_samples_per_device
        self.connect_timeout_s = connect_timeout_s
        self.read_only = read_only
        self._lock = threading.RLock()
        self._conn: Any = None
        self._conn_pid = 0
        self._forked_conns: list[Any] = []
        self._has_schema = True
        self._down: tuple[float, StorageError] | None = None  # (until when, why): see _connection

    _job_queries: ClassVar[JobQueries] = POSTGRES_JOBS
    """put_job, get_job, jobs and runs_of_job: :class:`~carbonest.store.sql_jobs.SQLJobs`."""

    def __repr__(self) -> str:
        return f"PostgresStore({self.url!r})"

    # -- the contract -------------------------------------------------------

    def save_run(self, record: Mapping[str, Any]) -> None:
        """Insert or replace the run's record: the tracker's checkpoint. See :class:`RunStore`."""
        params = _upsert_params(record)
        self._call(lambda cur: cur.execute(_UPSERT, params), write=True)

    def add_samples(self, run_id: str, samples: Sequence[Sample]) -> None:
        """Append samples to the saved run ``run_id`` and thin its series if too long."""
        base.check_run_id(run_id)
        if not samples:
            return

        def write(cur: Any) -> None:
            if cur.execute("SELECT 1 FROM runs WHERE run_id = %s", (run_id,)).fetchone() is None:
                raise RunNotFoundError(run_id)
            self._insert_samples(cur, run_id, samples)

        self._call(write, write=True)

    def checkpoint(self, record: Mapping[str, Any], samples: Sequence[Sample] = (),
                   phases: Sequence[Mapping[str, Any]] = ()) -> None:
        """The record, its new samples and newly finished phases in one transaction."""
        params = _upsert_params(record)
        run_id = params["run_id"]
        phase_rows = [_phase_row(run_id, p) for p in phases]

        def write(cur: Any) -> None:
            cur.execute(_UPSERT, params)
            if samples:
                self._insert_samples(cur, run_id, samples)
            if phase_rows:
                _copy(cur, _COPY_PHASES, phase_rows)

        self._call(write, write=True)

    def add_phases(self, run_id: str, phases: Sequence[Mapping[str, Any]]) -> None:
        """Append finished phases to the saved run ``run_id``, in one transaction."""
        base.check_run_id(run_id)
        rows = [_phase_row(run_id, p) for p in phases]
        if rows:
            self._call(lambda cur: _copy(cur, _COPY_PHASES, rows), write=True)

    def phases(self, run_id: str) -> list[dict[str, Any]]:
        """Every stored phase of the run (id or unique prefix), in the order they finished."""
        base.check_run_id(run_id)

        def read(cur: Any) -> list[Any]:
            full_id = self._find(cur, run_id)[0]
            if self._version(cur) < 2:
                return []  # a version-1 database read read-only: no phases table yet
            return list(cur.execute(
                "SELECT name, started_at, duration_s, it_energy_kwh, energy_kwh, co2e_kg,"
                " components_json FROM phases WHERE run_id = %s ORDER BY id", (full_id,)).fetchall())

        keys = ("name", "started_at", "duration_s", "it_energy_kwh", "energy_kwh", "co2e_kg")
        return [{**dict(zip(keys, row[:6])), "components": json.loads(row[6])}
                for row in self._call(read, write=False)]

    def get_run(self, run_id: str) -> dict[str, Any]:
        """Return the run with this id or unique id prefix; stale ones as ``interrupted``."""
        base.check_run_id(run_id)
        row = self._call(lambda cur: self._find(cur, run_id), write=False)
        return self._load(row)

    def list_runs(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Return runs newest ``started_at`` first (ties: latest created first), at most ``limit``."""
        base.check_limit(limit)

        def read(cur: Any) -> list[Any]:
            if not self._has_schema:
                return []
            return list(cur.execute(_SELECT_RUN + _NEWEST_FIRST + " LIMIT %s", (limit,)).fetchall())

        return [self._load(row) for row in self._call(read, write=False)]

    def samples(self, run_id: str) -> list[Sample]:
        """Return the run's samples ordered by time, component, device."""
        base.check_run_id(run_id)

        def read(cur: Any) -> list[Any]:
            full_id = self._find(cur, run_id)[0]
            return list(cur.execute(
                "SELECT t_s, component, device, power_w, energy_j FROM samples"
                " WHERE run_id = %s ORDER BY t_s, component, device, id", (full_id,)).fetchall())

        return [Sample(*row) for row in self._call(read, write=False)]

    def schema_version(self) -> int:
        """The database's schema version (0: no carbonest tables yet)."""
        return self._call(self._version, write=False)

    def close(self) -> None:
        """Close this process's connection; a later call opens a new one."""
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None and self._conn_pid == os.getpid():
                conn.close()
            elif conn is not None:
                self._forked_conns.append(conn)  # inherited over fork: closing it would end the parent's session

    # -- internals ----------------------------------------------------------

    def _insert_samples(self, cur: Any, run_id: str, samples: Sequence[Sample]) -> None:
        rows = [(run_id, s.timestamp_s, s.component, s.device, s.power_w, s.energy_j) for s in samples]
        _copy(cur, _COPY_SAMPLES, rows)
        touched = {(s.component, s.device) for s in samples}
        # One round trip for every series' length (a host has a dozen devices), then thin the long ones.
        counts = cur.execute("SELECT component, device, COUNT(*) FROM samples WHERE run_id = %s"
                             " GROUP BY component, device", (run_id,)).fetchall()
        for component, device, count in sorted(counts):
            if (component, device) in touched and count > self.max_samples_per_device:
                self._thin(cur, run_id, component, device)

    def _thin(self, cur: Any, run_id: str, component: str, device: str) -> None:
        key = (run_id, component, device)
        where = " WHERE run_id = %s AND component = %s AND device = %s"
        rows = cur.execute("SELECT id, t_s, power_w, energy_j FROM samples" + where + " ORDER BY t_s, id",
                           key).fetchall()
        series = [Sample(t, component, device, p, e) for _, t, p, e in rows]
        plan = plan_thinning(series, self.max_samples_per_device)
        doomed = [row[0] for start, stop, _ in plan for row in rows[start:stop]]
        cur.execute("DELETE FROM samples WHERE id = ANY(%s)", (doomed,))
        _copy(cur, _COPY_SAMPLES,
              [(run_id, m.timestamp_s, component, device, m.power_w, m.energy_j) for *_, m in plan])

    def _find(self, cur: Any, run_id: str) -> Any:
        if not self._has_schema:
            raise RunNotFoundError(run_id)
        row = cur.execute(_SELECT_RUN + " WHERE run_id = %s", (run_id,)).fetchone()
        if row is not None:
            return row
        rows = cur.execute(
            _SELECT_RUN + " WHERE left(run_id, %s) = %s ORDER BY run_id LIMIT 6", (len(run_id), run_id)
        ).fetchall()
        if not rows:
            raise RunNotFoundError(run_id)
        if len(rows) > 1:
            raise base.AmbiguousRunIdError(run_id, [r[0] for r in rows])
        return rows[0]

    def _load(self, row: Any) -> dict[str, Any]:
        run_id, status, updated_at, record_json = row
        record: dict[str, Any] = json.loads(record_json)
        if status != "running":
            return record
        reason = liveness.stale_reason(record)
        if reason is None:
            return record
        marked = liveness.as_interrupted(record, reason, updated_at)
        if not self.read_only:
            params = (marked["status"], base.utc_now_iso(), _to_json(marked, run_id), run_id, updated_at)
            sql = ("UPDATE runs SET status = %s, updated_at = %s, record_json = %s"
                   " WHERE run_id = %s AND status = 'running' AND updated_at = %s")
            try:
                self._call(lambda cur: cur.execute(sql, params), write=True)
            except StorageError:
                pass  # the status is simply worked out again at the next read
        return marked

    def _has_jobs(self, cur: Any) -> bool:
        # A writer migrated at connection; a reader may have opened an older schema.
        return self._has_schema and (not self.read_only or self._version(cur) >= 3)

    def _version(self, cur: Any) -> int:
        # A scan of pg_class under this statement's snapshot, not to_regclass(): that reads the
        # backend's catalog cache, which can still hold "no such table" from before the
        # migration lock was taken, while another host created it meanwhile.
        if not cur.execute(_HAS_SCHEMA_TABLE).fetchone()[0]:
            return 0
        row = cur.execute("SELECT version FROM carbonest_schema").fetchone()
        return 0 if row is None else int(row[0])

    def _call(self, fn: Callable[[Any], T], *, write: bool) -> T:
        """Run ``fn(cursor)`` in one transaction, retrying a lost connection and lock conflicts."""
        try:
            import psycopg
        except ImportError as exc:
            raise StorageError(
                f"run store {self.url}: PostgreSQL needs psycopg 3 (pip install 'carbonest[postgresql]')"
            ) from exc

        with self._lock:
            reconnected = False
            for attempt in range(_RETRIES + 1):
                try:
                    return self._attempt(fn)
                except psycopg.OperationalError as exc:
                    sqlstate = getattr(exc, "sqlstate", None)
                    if sqlstate in _RETRY_SQLSTATES and attempt < _RETRIES:
                        time.sleep(_RETRY_BASE_S * 2**attempt)
                        continue
                    if self._conn is not None and self._conn.closed and not reconnected:
                        self._conn, reconnected = None, True  # the server went away: open again, once
                        continue
                    raise self._error(exc) from exc
                except psycopg.Error as exc:
                    raise self._error(exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, fn: Callable[[Any], T]) -> T:
        conn = self._connection()
        with conn.transaction(), conn.cursor() as cur:
            return fn(cur)

    def _connection(self) -> Any:
        if self._conn is not None and self._conn_pid == os.getpid() and not self._conn.closed:
            return self._conn
        if self._conn is not None and self._conn_pid != os.getpid():
            self._forked_conns.append(self._conn)  # see close(): never touched in the child
        self._conn = None
        if self._down is not None and time.monotonic() < self._down[0]:
            # A server that could not be reached is not tried again at every call: a tracker's
            # sampler thread would wait up to connect_timeout_s at each checkpoint.
            raise StorageError(f"{self._down[1]} (the last try was under {RECONNECT_HOLDOFF_S:g} s ago)")
        dialled = time.monotonic()
        try:
            conn = self._open()
        except Exception as exc:
            import psycopg

            now = time.monotonic()
            if isinstance(exc, psycopg.OperationalError) and now - dialled >= SLOW_CONNECT_S:
                error = self._error(exc)  # slow to fail (a timeout): hold off; a quick refusal costs nothing
                self._down = (now + RECONNECT_HOLDOFF_S, error)
                raise error from exc
            raise
        self._down = None
        self._conn, self._conn_pid = conn, os.getpid()
        return conn

    def _open(self) -> Any:
        import psycopg  # present: _call imported it

        conn = psycopg.connect(self._url, connect_timeout=max(1, int(self.connect_timeout_s)),
                               autocommit=True, application_name="carbonest")
        try:
            if self.read_only:
                conn.read_only = True
                with conn.cursor() as cur:
                    version = self._version(cur)
                self._check_version(version, migrating=False)
                self._has_schema = version > 0
            else:
                _migrate(conn, self)
                self._has_schema = True
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_version(self, version: int, *, migrating: bool) -> None:
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"run store {self.url} has schema version {version}, newer than this carbonest"
                f" understands ({SCHEMA_VERSION}); upgrade carbonest")

    def _error(self, exc: BaseException) -> StorageError:
        text = " ".join(str(exc).split())
        for secret in secrets_in(self._url):
            text = text.replace(secret, "***")
        message = f"run store {self.url}: {text}"
        lowered = text.lower()
        if "connection" in lowered and ("refused" in lowered or "failed" in lowered or "timeout" in lowered):
            message += " (is the server running and reachable? check the host and port of the URL)"
        elif "password authentication failed" in lowered or "no password supplied" in lowered:
            message += " (check the user and password: the URL, PGPASSWORD or ~/.pgpass)"
        elif "permission denied" in lowered:
            message += " (the user needs CREATE on the schema and rights on carbonest's tables)"
        return StorageError(message)


def _migrate(conn: Any, store: PostgresStore) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION` in one transaction; safe when hosts race."""
    with conn.cursor() as cur:
        if store._version(cur) == SCHEMA_VERSION:
            return
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        version = store._version(cur)  # again, under the lock: another host may have migrated
        store._check_version(version, migrating=True)
        if version == SCHEMA_VERSION:
            return
        if version == 0:
            cur.execute("CREATE TABLE IF NOT EXISTS carbonest_schema (version INTEGER NOT NULL)")
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                cur.execute(statement)
        cur.execute("DELETE FROM carbonest_schema")
        cur.execute("INSERT INTO carbonest_schema (version) VALUES (%s)", (SCHEMA_VERSION,))


def _copy(cur: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Rows in with one ``COPY``: one round trip however many there are."""
    with cur.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _upsert_params(record: Mapping[str, Any]) -> dict[str, Any]:
    """The checked, UTF-8-clean columns of one record (text that is not UTF-8: U+FFFD)."""
    record = base.with_capped_name(base.clean_text(record))
    index = base.index_record(record)
    params = {k: _no_nul(v) for k, v in dataclasses.asdict(index).items()}
    params["updated_at"] = base.utc_now_iso()
    params["record_json"] = _to_json(record, index.run_id)
    return params


def _no_nul(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL: an indexed column gets U+FFFD for it (the record's JSON
    keeps it, escaped as ``\\u0000``)."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) and "\x00" in value else value


def _phase_row(run_id: str, phase: Mapping[str, Any]) -> tuple[Any, ...]:
    p = base.clean_text(phase)
    return (run_id, _no_nul(str(p["name"])), _no_nul(p.get("started_at")), p.get("duration_s"), p.get("it_energy_kwh"),
            p.get("energy_kwh"), p.get("co2e_kg"), _to_json(p.get("components") or {}, run_id))


def _to_json(record: Mapping[str, Any], run_id: str) -> str:
    try:
        return json.dumps(dict(record), separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"run {run_id}: the record is not JSON-serialisable: {exc}") from exc


__all__ = [
    "DEFAULT_MAX_SAMPLES_PER_DEVICE", "MIGRATIONS", "RECONNECT_HOLDOFF_S", "SCHEMA_VERSION", "URL_SCHEMES",
    "PostgresStore", "is_postgres_url", "redact_url",
]
