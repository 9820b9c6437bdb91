"""The run-store contract and the checks every backend applies to records.

A run store keeps run records (JSON-able dicts written by the tracker) and the
power time series of each run. The tracker checkpoints a run by calling
:meth:`RunStore.save_run` with the whole record at the start, at every flush
and at the end; each call replaces the stored record (upsert by ``run_id``), so
a process that dies loses at most what happened since its last checkpoint.

Interrupted runs: a record stored as ``running`` whose writer (``host`` equal
to this host, ``pid`` and optional ``pid_create_time``) is no longer alive is
returned by :meth:`RunStore.get_run` and :meth:`RunStore.list_runs` with
``status == "interrupted"``; its figures are those of its last checkpoint,
``last_checkpoint_at`` says when that was and ``interrupted_reason`` why the
run is taken as interrupted. Runs written on other hosts are never judged:
their writer cannot be seen from here. The rule itself is implemented once, in
:mod:`carbonest.store.liveness`, for every backend to call.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, Final

from carbonest._values import FrozenValue
from carbonest.errors import InvalidInputError
from carbonest.records import Sample

RUN_STATUSES: Final = ("running", "completed", "failed", "interrupted")
"""Every status a stored run may have."""

JOB_STATUSES: Final = ("complete", "partial", "unknown")
"""Every status a job record may have (see :mod:`carbonest.store.jobs`)."""


class RunNotFoundError(InvalidInputError, LookupError):
    """No stored run has this id, or an id starting with it.

    Attributes:
        run_id: The id or prefix that was asked for.
    """

    def __init__(self, run_id: str, field: str = "run_id") -> None:
        self.run_id = run_id
        super().__init__(f"no run with id or id prefix {run_id!r} in the store", field=field)


class AmbiguousRunIdError(InvalidInputError, LookupError):
    """A run-id prefix matches more than one stored run.

    Attributes:
        run_id: The prefix that was asked for.
        candidates: Some of the ids it matches.
    """

    def __init__(self, run_id: str, candidates: Sequence[str]) -> None:
        self.run_id = run_id
        self.candidates = tuple(candidates)
        shown = ", ".join(self.candidates[:5])
        super().__init__(
            f"run id prefix {run_id!r} is ambiguous (matches {shown}, ...); give more characters",
            field="run_id", suggestions=self.candidates,
        )


class JobNotFoundError(InvalidInputError, LookupError):
    """No job record and no run of this job id is stored.

    Attributes:
        job_id: The id that was asked for.
    """

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(f"no job {job_id!r} in the store (neither a job record nor a run of it)",
                         field="job_id")


@dataclass(init=False, repr=False, eq=False, slots=True)
class RunIndex(FrozenValue):
    """The indexed columns of one record, checked. Units as in the record's key names."""

    run_id: str
    name: str | None
    status: str
    started_at: str | None
    started_ts: float | None
    ended_at: str | None
    host: str | None
    pid: int | None
    pid_create_time: float | None
    duration_s: float | None
    energy_kwh: float | None
    co2e_kg: float | None
    job_id: str | None = None

    def __init__(
        self, run_id: str, name: str | None, status: str, started_at: str | None, started_ts: float | None,
        ended_at: str | None, host: str | None, pid: int | None, pid_create_time: float | None,
        duration_s: float | None, energy_kwh: float | None, co2e_kg: float | None, job_id: str | None = None,
    ) -> None:
        object.__setattr__(self, "run_id", run_id)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "started_at", started_at)
        object.__setattr__(self, "started_ts", started_ts)
        object.__setattr__(self, "ended_at", ended_at)
        object.__setattr__(self, "host", host)
        object.__setattr__(self, "pid", pid)
        object.__setattr__(self, "pid_create_time", pid_create_time)
        object.__setattr__(self, "duration_s", duration_s)
        object.__setattr__(self, "energy_kwh", energy_kwh)
        object.__setattr__(self, "co2e_kg", co2e_kg)
        object.__setattr__(self, "job_id", job_id)


def index_record(record: Mapping[str, Any]) -> RunIndex:
    """Check the keys a store indexes and return them.

    Plain checks rather than a pydantic model: this runs at every checkpoint,
    on the sampler thread, and must stay cheap.

    Args:
        record: A run record.

    Returns:
        Its indexed fields.

    Raises:
        InvalidInputError: A key is missing or has the wrong type.
    """
    if not isinstance(record, Mapping):
        raise InvalidInputError(f"a run record must be a mapping, not {type(record).__name__}")
    run_id = record.get("run_id")
    if not isinstance(run_id, str) or not run_id:
        raise InvalidInputError("a run record needs a non-empty string 'run_id'", field="run_id")
    status = record.get("status")
    if status not in RUN_STATUSES:
        raise InvalidInputError(
            f"run {run_id}: status {status!r} is not one of {', '.join(RUN_STATUSES)}",
            field="status",
        )
    started_at = _opt_str(record, "started_at")
    pid = record.get("pid")
    if pid is not None and (isinstance(pid, bool) or not isinstance(pid, int)):
        raise InvalidInputError(f"run {run_id}: 'pid' must be an integer", field="pid")
    return RunIndex(
        run_id=run_id,
        name=_opt_str(record, "name"),
        status=str(status),
        started_at=started_at,
        started_ts=parse_timestamp(started_at, field="started_at"),
        ended_at=_opt_str(record, "ended_at"),
        host=_opt_str(record, "host"),
        pid=pid,
        pid_create_time=_opt_float(record, "pid_create_time"),
        duration_s=_opt_float(record, "duration_s"),
        energy_kwh=_opt_float(record, "energy_kwh"),
        co2e_kg=_opt_float(record, "co2e_kg"),
        job_id=_job_id_of(record),
    )


def _job_id_of(record: Mapping[str, Any]) -> str | None:
    job = record.get("job")
    if job is None:
        return None
    if not isinstance(job, Mapping):
        raise InvalidInputError("run record key 'job' must be a mapping or None", field="job")
    value = job.get("id")
    if value is None or isinstance(value, str):
        return value
    raise InvalidInputError("run record key 'job.id' must be a string or None", field="job")


def check_job(job: Mapping[str, Any]) -> str:
    """Return a job record's ``job_id`` after checking the keys stores index.

    Raises:
        InvalidInputError: Not a mapping, no non-empty string ``job_id``, or a ``status``
            that is not ``complete``, ``partial`` or ``unknown``.
    """
    if not isinstance(job, Mapping):
        raise InvalidInputError(f"a job record must be a mapping, not {type(job).__name__}")
    job_id = job.get("job_id")
    if not isinstance(job_id, str) or not job_id:
        raise InvalidInputError("a job record needs a non-empty string 'job_id'", field="job_id")
    if job.get("status") not in JOB_STATUSES:
        raise InvalidInputError(f"job {job_id}: status {job.get('status')!r} is not one of "
                                f"{', '.join(JOB_STATUSES)}", field="status")
    _opt_str(job, "started_at")
    return job_id


def with_capped_name(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """The record, or a copy whose over-long ``name`` is cut, with a note saying so.

    A name of megabytes (a file pasted by mistake) would otherwise be written at
    every checkpoint; see :data:`carbonest.inputs.MAX_NAME_CHARS`.
    """
    from carbonest.inputs import capped_name

    name = record.get("name") if isinstance(record, Mapping) else None
    if not isinstance(name, str):
        return record
    cut, note = capped_name(name)
    if note is None:
        return record
    copy = dict(record)
    copy["name"] = cut
    notes = copy.get("notes")
    copy["notes"] = [*notes, note] if isinstance(notes, list) else [note]
    return copy


def parse_timestamp(value: str | None, *, field: str = "timestamp") -> float | None:
    """Parse an ISO-8601 time (``Z`` allowed; naive means UTC) to seconds since the epoch."""
    if value is None:
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"{field} {value!r} is not an ISO-8601 time", field=field) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def utc_now_iso() -> str:
    """Return the current UTC time as an ISO-8601 string."""
    return datetime.now(timezone.utc).isoformat()


def check_limit(limit: int | None) -> None:
    """Raise InvalidInputError unless ``limit`` is None or a non-negative int."""
    if limit is None:
        return
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise InvalidInputError(
            f"limit must be a non-negative integer, not {limit!r}", field="limit"
        )


def clean_text(value: Any) -> Any:
    """``value`` with every string in it made encodable as UTF-8.

    A name or command that came from bytes that are not UTF-8 (``sys.argv`` and
    ``os.fsdecode`` keep such bytes as lone surrogates) cannot be written to SQLite
    or to a UTF-8 file; each such character becomes U+FFFD, so the run is kept.
    Containers are copied only when something in them changes.
    """
    if isinstance(value, (dict, list)):  # a whole record: one pass in C when nothing needs cleaning
        import json

        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
            return value
        except (TypeError, ValueError, UnicodeEncodeError):
            pass  # something to clean (or not JSON): item by item below
    return _clean(value)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            try:  # the bytes that surrogateescape kept, then one U+FFFD per byte that is not UTF-8
                return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            except UnicodeEncodeError:  # other lone surrogates
                return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
        return value
    if isinstance(value, Mapping):
        items = [(_clean(k), _clean(v)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(items, value.items())):
            return value
        return dict(items)
    if isinstance(value, (list, tuple)):
        cleaned = [_clean(v) for v in value]
        if all(a is b for a, b in zip(cleaned, value)):
            return value
        return type(value)(cleaned) if isinstance(value, list) else tuple(cleaned)
    return value


def check_job_id(job_id: object) -> str:
    """Return ``job_id`` if it is a non-empty string, else raise InvalidInputError."""
    if not isinstance(job_id, str) or not job_id:
        raise InvalidInputError(f"a job id must be a non-empty string, not {job_id!r}", field="job_id")
    return job_id


def job_matches(stored: object, wanted: str) -> bool:
    """Whether a run's job id is ``wanted``, or a step of it (``12345.0`` for ``12345``)."""
    return isinstance(stored, str) and (stored == wanted or stored.startswith(wanted + "."))


def check_run_id(run_id: object) -> str:
    """Return ``run_id`` if it is a non-empty string, else raise InvalidInputError."""
    if not isinstance(run_id, str) or not run_id:
        raise InvalidInputError(
            f"a run id must be a non-empty string, not {run_id!r}", field="run_id"
        )
    return run_id


class RunStore(abc.ABC):
    """Storage of run records and their power samples.

    Implementations must be safe to call from the tracker's sampler thread and
    the main thread at once, translate their backend's errors into
    :class:`~carbonest.errors.StorageError`, and apply the interrupted rule
    described in this module's docstring on every read.
    """

    @abc.abstractmethod
    def save_run(self, record: Mapping[str, Any]) -> None:
        """Insert the record, or replace the stored one with the same ``run_id`` (a checkpoint).

        Raises:
            InvalidInputError: The record lacks ``run_id``/``status`` or is not JSON-able.
            StorageError: The store cannot be written.
        """

    @abc.abstractmethod
    def add_samples(self, run_id: str, samples: Sequence[Sample]) -> None:
        """Append power samples to a saved run (exact id), thinning if over the size limit.

        Raises:
            RunNotFoundError: No run with exactly this id has been saved.
            StorageError: The store cannot be written.
        """

    @abc.abstractmethod
    def get_run(self, run_id: str) -> dict[str, Any]:
        """Return the full record of the run with this id or unique id prefix.

        Raises:
            RunNotFoundError: Nothing matches.
            AmbiguousRunIdError: The prefix matches several runs.
            StorageError: The store cannot be read.
        """

    @abc.abstractmethod
    def list_runs(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Return full records, newest ``started_at`` first, at most ``limit`` of them."""

    @abc.abstractmethod
    def samples(self, run_id: str) -> list[Sample]:
        """Return a run's samples (id or unique prefix), by time then component and device."""

    def checkpoint(self, record: Mapping[str, Any], samples: Sequence[Sample] = (),
                   phases: Sequence[Mapping[str, Any]] = ()) -> None:
        """Save the record, the samples it counts and the phases finished since the last checkpoint.

        The tracker's one write per checkpoint. A backend that can should do it in one
        transaction, so that a stored record never counts energy its samples do not hold
        (:class:`~carbonest.store.sqlite.SQLiteStore` and
        :class:`~carbonest.store.memory.MemoryStore` do). This default, for third-party
        stores written against the older contract, saves the record and then the samples,
        and keeps no phases beyond those the record lists.

        Raises:
            InvalidInputError: As :meth:`save_run`.
            StorageError: The store cannot be written.
        """
        self.save_run(record)
        if samples:
            self.add_samples(str(record["run_id"]), samples)

    def reserve_final_note(self, run_id: str) -> None:
        """Keep room, while there is some, to note that the run's final record could not be saved.

        Called by the tracker after its first checkpoint. A backend on a disk that can fill up
        (the SQLite store) writes a small placeholder; this default does nothing.
        """

    def note_final_not_saved(self, run_id: str, status: str, reason: str) -> bool:
        """Record that the run ended with ``status`` but its final record could not be saved.

        Readers then list the run with that status and ``final_record_error`` = ``reason``
        rather than as interrupted. Returns whether the note was written (this default: no).
        """
        return False

    def release_final_note(self, run_id: str) -> None:
        """The final record was saved: drop the room kept by :meth:`reserve_final_note`."""

    def count_runs(self) -> int:
        """How many runs the store holds (what ``list_runs`` without a limit would return).

        This default lists them all; a backend with an index counts without loading records.
        """
        return len(self.list_runs(None))

    def add_phases(self, run_id: str, phases: Sequence[Mapping[str, Any]]) -> None:
        """Append finished phases to a saved run between checkpoints (a run with many phases).

        This default keeps none (the record still lists the first ones and a tally per name).
        """

    def phases(self, run_id: str) -> list[dict[str, Any]]:
        """Every stored phase of a run (id or unique prefix), in the order they finished.

        The record itself lists only the first ``phases`` and a summary per name
        (``phase_stats``); a backend that keeps phases apart (the SQLite and memory stores)
        returns all of them. This default returns those the record lists.
        """
        return list(self.get_run(run_id).get("phases") or [])

    # -- job records (docs/cluster.md) ---------------------------------------------------------
    # Defaults for third-party stores written against the older contract: runs_of_job reads
    # every run; job records themselves are not kept (put_job raises StorageError).

    def put_job(self, job: Mapping[str, Any]) -> None:
        """Insert the job record, or replace the stored one with the same ``job_id``.

        Raises:
            InvalidInputError: As :func:`check_job`, or not JSON-able.
            StorageError: The store cannot be written, or keeps no job records.
        """
        from carbonest.errors import StorageError

        check_job(job)
        raise StorageError(f"{type(self).__name__} keeps no job records")

    def get_job(self, job_id: str) -> dict[str, Any]:
        """The stored job record with exactly this id.

        Raises:
            JobNotFoundError: None is stored.
        """
        raise JobNotFoundError(check_job_id(job_id))

    def jobs(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Stored job records, newest ``started_at`` first, at most ``limit``."""
        check_limit(limit)
        return []

    def runs_of_job(self, job_id: str) -> list[dict[str, Any]]:
        """Every stored run whose ``job.id`` is ``job_id``, or, for a Slurm job id without a
        step (``12345``), is one of its steps (``12345.0``); oldest first."""
        check_job_id(job_id)
        runs = [r for r in self.list_runs() if job_matches((r.get("job") or {}).get("id"), job_id)]
        return runs[::-1]

    @abc.abstractmethod
    def close(self) -> None:
        """Release the store's resources. Idempotent."""

    def __enter__(self) -> RunStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _opt_str(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None or isinstance(value, str):
        return value
    raise InvalidInputError(f"run record key {key!r} must be a string or None", field=key)


def _opt_float(record: Mapping[str, Any], key: str) -> float | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"run record key {key!r} must be a number or None", field=key)
    result = float(value)
    return None if math.isnan(result) else result


__all__ = [
    "JOB_STATUSES",
    "RUN_STATUSES",
    "AmbiguousRunIdError",
    "JobNotFoundError",
    "RunIndex",
    "RunNotFoundError",
    "RunStore",
    "check_job",
    "check_job_id",
    "check_limit",
    "check_run_id",
    "clean_text",
    "index_record",
    "job_matches",
    "parse_timestamp",
    "utc_now_iso",
]
