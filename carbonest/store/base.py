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

from carbonest.errors import InvalidInputError
from carbonest.records import Sample

RUN_STATUSES: Final = ("running", "completed", "failed", "interrupted")
"""Every status a stored run may have."""


class RunNotFoundError(InvalidInputError, LookupError):
    """No stored run has this id, or an id starting with it.

    Attributes:
        run_id: The id or prefix that was asked for.
    """

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(f"no run with id or id prefix {run_id!r} in the store", field="run_id")


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
            field="run_id",
        )


@dataclass(frozen=True, slots=True)
class RunIndex:
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
    )


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
    "RUN_STATUSES",
    "AmbiguousRunIdError",
    "RunIndex",
    "RunNotFoundError",
    "RunStore",
    "check_limit",
    "check_run_id",
    "index_record",
    "parse_timestamp",
    "utc_now_iso",
]
