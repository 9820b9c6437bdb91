"""The embedded default run store: one SQLite file, crash-safe, multi-process.

Guarantees (see ``docs/storage.md``):

* Crash safety: every write is one short transaction in WAL mode, so a process
  killed at any point (SIGKILL included) leaves the file consistent, with every
  committed checkpoint in it. ``synchronous=NORMAL`` means an OS crash or power
  loss may drop the last few commits, never corrupt the file.
* Concurrency: any number of processes and threads may write one file. Writers
  take the write lock up front (``BEGIN IMMEDIATE``), wait up to
  ``busy_timeout_s`` for it, and retry a bounded number of times after that.
  Within a process, one connection is shared by all threads behind a lock.
* Size: at most ``max_samples_per_device`` samples per run and device; beyond
  that they are merged into aligned time buckets
  (:mod:`carbonest.store.thinning`), which keeps the total energy.

``sqlite3.Error`` is translated into :class:`~carbonest.errors.StorageError`,
naming the file, in :meth:`SQLiteStore._call` and nowhere else.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar

from carbonest.errors import InvalidInputError, StorageError
from carbonest.records import Sample
from carbonest.store import base, liveness
from carbonest.store.base import RunNotFoundError, RunStore
from carbonest.store.sqlite_schema import MIGRATIONS, SCHEMA_VERSION
from carbonest.store.sqlite_jobs import SQLiteJobs
from carbonest.store.thinning import plan_thinning
from carbonest.store.paths import create_private_file, make_private_dirs

if TYPE_CHECKING:
    from pathlib import Path

T = TypeVar("T")

DEFAULT_MAX_SAMPLES_PER_DEVICE: Final = 10_000
_RETRIES: Final = 5
_RETRY_BASE_S: Final = 0.05

_UPSERT: Final = """
INSERT INTO runs (run_id, seq, name, status, started_at, started_ts, ended_at, host, pid,
    pid_create_time, duration_s, energy_kwh, co2e_kg, updated_at, record_json, job_id)
VALUES (:run_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM runs), :name, :status, :started_at,
    :started_ts, :ended_at, :host, :pid, :pid_create_time, :duration_s, :energy_kwh,
    :co2e_kg, :updated_at, :record_json, :job_id)
ON CONFLICT (run_id) DO UPDATE SET name = excluded.name, status = excluded.status,
    started_at = excluded.started_at, started_ts = excluded.started_ts,
    ended_at = excluded.ended_at, host = excluded.host, pid = excluded.pid,
    pid_create_time = excluded.pid_create_time, duration_s = excluded.duration_s,
    energy_kwh = excluded.energy_kwh, co2e_kg = excluded.co2e_kg,
    updated_at = excluded.updated_at, record_json = excluded.record_json, job_id = excluded.job_id
"""
_SELECT_RUN: Final = "SELECT run_id, status, updated_at, record_json FROM runs"
_NEWEST_FIRST: Final = " ORDER BY started_ts IS NULL, started_ts DESC, seq DESC"


class SQLiteStore(SQLiteJobs, RunStore):
    """Run store in one SQLite file (stdlib ``sqlite3``), safe across threads and processes.

    Nothing touches the disk until the first call; then the parent directory
    is created, the file opened in WAL mode and the schema migrated.

    Args:
        path: The database file; ``:memory:`` for a private in-memory store.
            None means :func:`~carbonest.store.paths.default_store_path`,
            resolved now (``$CARBONEST_HOME/runs.sqlite`` or the user data dir).
        max_samples_per_device: Most samples kept per run and device; beyond
            it they are merged into aligned time buckets, keeping total energy.
        busy_timeout_s: How long one statement waits for another writer. Units: s.
        read_only: Open for reading only (``runs``, ``runs show``, ``runs export``,
            ``carbonest.runs()``): SQLite ``mode=ro``, or ``immutable=1`` where the
            WAL's shared-memory file cannot be created (a read-only folder or mount).
            Nothing is ever created: a missing file raises :class:`StorageError`,
            and a stale ``running`` run is shown as interrupted without writing it back.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        max_samples_per_device: int = DEFAULT_MAX_SAMPLES_PER_DEVICE,
        busy_timeout_s: float = 10.0,
        read_only: bool = False,
    ) -> None:
        if path is None:
            from carbonest.store.paths import default_store_file

            path = default_store_file()
        if max_samples_per_device < 1:
            raise InvalidInputError(
                "max_samples_per_device must be at least 1", field="max_samples_per_device"
            )
        self._file = os.fspath(path)  # a str: pathlib (8 ms to import) stays off the start path
        self.max_samples_per_device = max_samples_per_device
        self.busy_timeout_s = busy_timeout_s
        self.read_only = read_only
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._conn_pid = 0
        self._forked_conns: list[sqlite3.Connection] = []

    @property
    def path(self) -> Path:
        """The database file (``Path(":memory:")`` for an in-memory store)."""
        from pathlib import Path

        return Path(self._file)

    def __repr__(self) -> str:
        return f"SQLiteStore({self._file!r})"

    # -- the contract -------------------------------------------------------

    def save_run(self, record: Mapping[str, Any]) -> None:
        """Insert or replace the run's record: the tracker's checkpoint. See :class:`RunStore`."""
        params = _upsert_params(record)
        self._call(lambda conn: conn.execute(_UPSERT, params), write=True)

    def add_samples(self, run_id: str, samples: Sequence[Sample]) -> None:
        """Append samples to the saved run ``run_id`` and thin its series if too long."""
        base.check_run_id(run_id)
        if not samples:
            return

        def write(conn: sqlite3.Connection) -> None:
            if conn.execute("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)).fetchone() is None:
                raise RunNotFoundError(run_id)
            self._insert_samples(conn, run_id, samples)

        self._call(write, write=True)

    def checkpoint(self, record: Mapping[str, Any], samples: Sequence[Sample] = (),
                   phases: Sequence[Mapping[str, Any]] = ()) -> None:
        """The record, its new samples and newly finished phases in one transaction.

        A kill at any point leaves either the previous checkpoint or this one whole: never a
        record counting energy whose samples are not stored.
        """
        params = _upsert_params(record)
        run_id = params["run_id"]
        phase_rows = [_phase_row(run_id, p) for p in phases]

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(_UPSERT, params)
            if samples:
                self._insert_samples(conn, run_id, samples)
            if phase_rows:
                _insert_rows(conn, _INSERT_PHASE, _INSERT_PHASES_JSON, phase_rows)

        self._call(write, write=True)

    def add_phases(self, run_id: str, phases: Sequence[Mapping[str, Any]]) -> None:
        """Append finished phases to the saved run ``run_id``, in one transaction."""
        base.check_run_id(run_id)
        rows = [_phase_row(run_id, p) for p in phases]
        if rows:
            self._call(lambda conn: _insert_rows(conn, _INSERT_PHASE, _INSERT_PHASES_JSON, rows), write=True)

    def phases(self, run_id: str) -> list[dict[str, Any]]:
        """Every stored phase of the run (id or unique prefix), in the order they finished."""
        base.check_run_id(run_id)

        def read(conn: sqlite3.Connection) -> list[Any]:
            full_id = self._find(conn, run_id)[0]
            if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'phases'").fetchone() is None:
                return []  # a version-1 store opened read-only: it has no phases table
            return conn.execute(
                "SELECT name, started_at, duration_s, it_energy_kwh, energy_kwh, co2e_kg,"
                " components_json FROM phases WHERE run_id = ? ORDER BY id",
                (full_id,),
            ).fetchall()

        keys = ("name", "started_at", "duration_s", "it_energy_kwh", "energy_kwh", "co2e_kg")
        return [
            {**dict(zip(keys, row[:6])), "components": json.loads(row[6])}
            for row in self._call(read, write=False)
        ]

    def reserve_final_note(self, run_id: str) -> None:
        """A blank note next to the file (:mod:`carbonest.store.final_note`)."""
        if self._file != ":memory:":
            from carbonest.store import final_note

            final_note.reserve(self._file, base.check_run_id(run_id))

    def note_final_not_saved(self, run_id: str, status: str, reason: str) -> bool:
        """Fill the reserved note in place (no new disk space needed)."""
        if self._file == ":memory:":
            return False
        from carbonest.store import final_note

        return final_note.fill(self._file, base.check_run_id(run_id), status, reason)

    def release_final_note(self, run_id: str) -> None:
        """Delete the run's note."""
        if self._file != ":memory:":
            from carbonest.store import final_note

            final_note.release(self._file, base.check_run_id(run_id))

    def _insert_samples(self, conn: sqlite3.Connection, run_id: str, samples: Sequence[Sample]) -> None:
        rows = [
            (run_id, s.timestamp_s, s.component, s.device, s.power_w, s.energy_j) for s in samples
        ]
        _insert_rows(conn, _INSERT_SAMPLE, _INSERT_SAMPLES_JSON, rows)
        for component, device in sorted({(s.component, s.device) for s in samples}):
            self._thin(conn, run_id, component, device)

    def get_run(self, run_id: str) -> dict[str, Any]:
        """Return the run with this id or unique id prefix; stale ones as ``interrupted``."""
        base.check_run_id(run_id)
        row = self._call(lambda conn: self._find(conn, run_id), write=False)
        return self._load(row)

    def list_runs(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Return runs newest ``started_at`` first (ties: latest saved first), at most ``limit``."""
        base.check_limit(limit)
        sql = _SELECT_RUN + _NEWEST_FIRST + " LIMIT ?"
        bound = -1 if limit is None else limit
        rows = self._call(lambda conn: conn.execute(sql, (bound,)).fetchall(), write=False)
        return [self._load(row) for row in rows]

    def count_runs(self) -> int:
        """How many runs the store holds, counted in SQL."""
        row = self._call(lambda conn: conn.execute("SELECT COUNT(*) FROM runs").fetchone(), write=False)
        return int(row[0])

    def samples(self, run_id: str) -> list[Sample]:
        """Return the run's samples ordered by time, component, device."""
        base.check_run_id(run_id)

        def read(conn: sqlite3.Connection) -> list[Any]:
            full_id = self._find(conn, run_id)[0]
            return conn.execute(
                "SELECT t_s, component, device, power_w, energy_j FROM samples"
                " WHERE run_id = ? ORDER BY t_s, component, device, id",
                (full_id,),
            ).fetchall()

        return [Sample(*row) for row in self._call(read, write=False)]

    def close(self) -> None:
        """Close this process's connection; a later call opens a new one."""
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None and self._conn_pid == os.getpid():
                conn.close()
            elif conn is not None:
                self._forked_conns.append(conn)  # inherited over fork: never close it here

    # -- internals ----------------------------------------------------------

    def _find(self, conn: sqlite3.Connection, run_id: str) -> Any:
        row = conn.execute(_SELECT_RUN + " WHERE run_id = ?", (run_id,)).fetchone()
        if row is not None:
            return row
        rows = conn.execute(
            _SELECT_RUN + " WHERE substr(run_id, 1, ?) = ? ORDER BY run_id LIMIT 6",
            (len(run_id), run_id),
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
        note = self._final_note(run_id)
        if note is not None:  # it ended, but its final record did not fit on the disk
            marked = dict(record, status=note["status"], final_record_error=str(note.get("reason")),
                          last_checkpoint_at=updated_at)
        else:
            marked = liveness.as_interrupted(record, reason, updated_at)
        if self._mark_interrupted(run_id, updated_at, marked) and note is not None:
            from carbonest.store import final_note

            final_note.release(self._file, run_id)
        return marked

    def _final_note(self, run_id: str) -> dict[str, Any] | None:
        if self._file == ":memory:":
            return None
        from carbonest.store import final_note

        note = final_note.read(self._file, run_id)
        return note if note is not None and note["status"] in base.RUN_STATUSES else None

    def _mark_interrupted(self, run_id: str, seen_updated_at: str, marked: dict[str, Any]) -> bool:
        """Persist the status a stale run is given, unless it was checkpointed since it was read."""
        if self.read_only:
            return False  # recomputed at every read; a read-only store is never written
        params = (marked["status"], base.utc_now_iso(), _to_json(marked, run_id), run_id, seen_updated_at)
        sql = (
            "UPDATE runs SET status = ?, updated_at = ?, record_json = ?"
            " WHERE run_id = ? AND status = 'running' AND updated_at = ?"
        )
        try:
            self._call(lambda conn: conn.execute(sql, params), write=True)
        except StorageError:
            # A read-only copy of the store still reads fine; the status is
            # simply recomputed on the next read.
            return False
        return True

    def _thin(self, conn: sqlite3.Connection, run_id: str, component: str, device: str) -> None:
        key = (run_id, component, device)
        where = " WHERE run_id = ? AND component = ? AND device = ?"
        (count,) = conn.execute("SELECT COUNT(*) FROM samples" + where, key).fetchone()
        if count <= self.max_samples_per_device:
            return
        rows = conn.execute(
            "SELECT id, t_s, power_w, energy_j FROM samples" + where + " ORDER BY t_s, id", key
        ).fetchall()
        series = [Sample(t, component, device, p, e) for _, t, p, e in rows]
        plan = plan_thinning(series, self.max_samples_per_device)
        doomed = [(row[0],) for start, stop, _ in plan for row in rows[start:stop]]
        conn.executemany("DELETE FROM samples WHERE id = ?", doomed)
        conn.executemany(
            "INSERT INTO samples (run_id, t_s, component, device, power_w, energy_j)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(run_id, m.timestamp_s, component, device, m.power_w, m.energy_j) for *_, m in plan],
        )

    def _call(self, fn: Callable[[sqlite3.Connection], T], *, write: bool) -> T:
        """Run ``fn`` in one transaction, retrying while the file is locked; translate errors."""
        with self._lock:
            for attempt in range(_RETRIES + 1):
                try:
                    return self._attempt(fn, write=write)
                except sqlite3.OperationalError as exc:
                    if _is_busy(exc) and attempt < _RETRIES:
                        time.sleep(_RETRY_BASE_S * 2**attempt)
                        continue
                    raise self._error(exc) from exc
                except sqlite3.Error as exc:
                    raise self._error(exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, fn: Callable[[sqlite3.Connection], T], *, write: bool) -> T:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            result = fn(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        return result

    def _connection(self) -> sqlite3.Connection:
        if self._conn is not None and self._conn_pid == os.getpid():
            return self._conn
        if self._conn is not None:
            # Inherited across fork(): never use or close it in the child (SQLite
            # forbids carrying a connection over fork); keep it referenced so the
            # garbage collector does not close it either.
            self._forked_conns.append(self._conn)
            self._conn = None
        conn = self._open()
        self._conn, self._conn_pid = conn, os.getpid()
        return conn

    def _open(self) -> sqlite3.Connection:
        if self.read_only and self._file != ":memory:":
            return self._open_read_only()
        if self._file != ":memory:":
            try:
                make_private_dirs(os.path.dirname(os.path.abspath(self._file)))
                create_private_file(self._file)
            except OSError as exc:
                raise StorageError(
                    f"cannot create the directory of the run store {self._file}: {exc}"
                    " (set CARBONEST_HOME to a writable directory)"
                ) from exc
        conn = sqlite3.connect(
            self._file, timeout=self.busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() == "wal":
                conn.execute("PRAGMA synchronous = NORMAL")
            _migrate(conn, self._file)
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_read_only(self) -> sqlite3.Connection:
        """Open without writing anything: ``mode=ro``, else ``immutable=1``; never create the file."""
        if not self.path.exists():
            raise StorageError(f"run store {self.path} does not exist")
        if self.path.is_dir():
            raise StorageError(f"run store {self.path} is a directory, not a run store file")
        from urllib.parse import quote

        uri = "file:" + quote(str(self.path.resolve()))
        try:
            return self._connect_read_only(uri + "?mode=ro")
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if "unable to open" not in text and "readonly" not in text and "read-only" not in text:
                raise
        # A WAL-mode file in a folder where its -shm file cannot be created (a read-only
        # folder or mount): read it as immutable. Safe for a read-only copy; a writer
        # changing the file meanwhile is not seen (and may confuse the reader).
        return self._connect_read_only(uri + "?immutable=1")

    def _connect_read_only(self, uri: str) -> sqlite3.Connection:
        conn = sqlite3.connect(
            uri, uri=True, timeout=self.busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # reads the file (and WAL)
            # An older schema reads fine (every later version only adds tables: a version-1 store has
            # no phases table, and phases() then reads none); it is migrated by the next writer.
            if not 1 <= version <= SCHEMA_VERSION:
                newer = version > SCHEMA_VERSION
                raise StorageError(
                    f"run store {self.path} has schema version {version}; this carbonest reads"
                    f" version {SCHEMA_VERSION}"
                    + (" (upgrade carbonest)" if newer else
                       " (not a carbonest run store, or one to open writable once to migrate)")
                )
        except BaseException:
            conn.close()
            raise
        return conn

    def _error(self, exc: sqlite3.Error) -> StorageError:
        message = f"run store {self._file}: {exc}"
        text = str(exc).lower()
        if "not a database" in text or "malformed" in text:
            message += " (the file is damaged or not a carbonest run store; move it aside)"
        elif "readonly" in text or "unable to open" in text:
            message += " (check permissions, or set CARBONEST_HOME to a writable directory)"
        return StorageError(message)


def _migrate(conn: sqlite3.Connection, path: str) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION`; safe when several processes race."""
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"run store {path} has schema version {version}, newer than this carbonest"
                f" understands ({SCHEMA_VERSION}); upgrade carbonest"
            )
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text


_INSERT_PHASE: Final = (
    "INSERT INTO phases (run_id, name, started_at, duration_s, it_energy_kwh, energy_kwh, co2e_kg,"
    " components_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


_INSERT_SAMPLE: Final = (
    "INSERT INTO samples (run_id, t_s, component, device, power_w, energy_j) VALUES (?, ?, ?, ?, ?, ?)"
)


def _from_json(table: str, columns: str) -> str:
    names = columns.split(", ")
    picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(names)))
    return f"INSERT INTO {table} ({columns}) SELECT {picks} FROM json_each(?) ORDER BY key"


_INSERT_SAMPLES_JSON: Final = _from_json("samples", "run_id, t_s, component, device, power_w, energy_j")
_INSERT_PHASES_JSON: Final = _from_json(
    "phases", "run_id, name, started_at, duration_s, it_energy_kwh, energy_kwh, co2e_kg, components_json"
)


def _insert_rows(conn: sqlite3.Connection, one_row: str, from_json: str, rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows with one statement: the rows as one JSON array, unpacked by SQLite.

    ``executemany`` steps once per row, and every step gives up the GIL: against a CPU-bound
    main thread the sampler thread then waits up to the switch interval (5 ms) for it each
    time, so 500 rows took seconds. One statement gives it up once. Falls back to
    ``executemany`` where SQLite has no JSON functions or a value is not JSON (NaN).
    """
    if len(rows) > 1:
        try:
            conn.execute(from_json, (json.dumps(rows, allow_nan=False),))
            return
        except (ValueError, sqlite3.OperationalError):
            pass
    conn.executemany(one_row, rows)


def _upsert_params(record: Mapping[str, Any]) -> dict[str, Any]:
    """The checked, UTF-8-clean columns of one record (text that is not UTF-8: U+FFFD)."""
    record = base.with_capped_name(record)
    try:  # one JSON pass checks the text is UTF-8 and makes the column (the checkpoint's hot path)
        text: str | None = json.dumps(dict(record), separators=(",", ":"), ensure_ascii=False)
        text.encode("utf-8")  # type: ignore[union-attr]
    except (TypeError, ValueError, UnicodeEncodeError):
        record, text = base.with_capped_name(base.clean_text(record)), None  # cleaned, item by item
    index = base.index_record(record)
    params = {name: getattr(index, name) for name in _INDEX_FIELDS}
    params["updated_at"] = base.utc_now_iso()
    params["record_json"] = text if text is not None else _to_json(record, index.run_id)
    return params


_INDEX_FIELDS: Final = tuple(f.name for f in dataclasses.fields(base.RunIndex))


def _phase_row(run_id: str, phase: Mapping[str, Any]) -> tuple[Any, ...]:
    p = base.clean_text(phase)
    return (run_id, str(p["name"]), p.get("started_at"), p.get("duration_s"), p.get("it_energy_kwh"),
            p.get("energy_kwh"), p.get("co2e_kg"), _to_json(p.get("components") or {}, run_id))


def _to_json(record: Mapping[str, Any], run_id: str) -> str:
    try:
        return json.dumps(dict(record), separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"run {run_id}: the record is not JSON-serialisable: {exc}"
        ) from exc


__all__ = ["DEFAULT_MAX_SAMPLES_PER_DEVICE", "MIGRATIONS", "SCHEMA_VERSION", "SQLiteStore"]
