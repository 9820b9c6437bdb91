"""An in-memory run store with the same behaviour as the SQLite one.

For tests of the tracker and the CLI, and for runs that should leave nothing
on disk. It follows the whole contract (upsert, id prefixes, newest first,
thinning, the interrupted rule) but keeps nothing after the process ends.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from carbonest.errors import InvalidInputError
from carbonest.records import Sample
from carbonest.store import base, liveness
from carbonest.store.base import AmbiguousRunIdError, RunNotFoundError, RunStore
from carbonest.store.thinning import thin_series


class MemoryStore(RunStore):
    """Run store held in memory, thread-safe.

    Args:
        max_samples_per_device: Most samples kept per run and device; beyond
            it they are merged into aligned time buckets, keeping total energy.
    """

    def __init__(self, *, max_samples_per_device: int = 10_000) -> None:
        if max_samples_per_device < 1:
            raise InvalidInputError(
                "max_samples_per_device must be at least 1", field="max_samples_per_device"
            )
        self.max_samples_per_device = max_samples_per_device
        self._lock = threading.Lock()
        self._runs: dict[str, tuple[int, float | None, str, str]] = {}
        self._samples: dict[str, dict[tuple[str, str], list[Sample]]] = {}
        self._phases: dict[str, list[dict[str, Any]]] = {}
        self._jobs: dict[str, tuple[int, float | None, str]] = {}
        self._seq = 0

    def save_run(self, record: Mapping[str, Any]) -> None:
        """Insert or replace the run's record (a checkpoint). See :class:`RunStore`."""
        index, text = _encode(record)
        with self._lock:
            self._put(index, text)

    def checkpoint(self, record: Mapping[str, Any], samples: Sequence[Sample] = (),
                   phases: Sequence[Mapping[str, Any]] = ()) -> None:
        """The record, its new samples and newly finished phases, all under one lock."""
        index, text = _encode(record)
        kept = [json.loads(json.dumps(base.clean_text(dict(p)))) for p in phases]
        with self._lock:
            self._put(index, text)
            self._add_samples_locked(index.run_id, samples)
            self._phases.setdefault(index.run_id, []).extend(kept)

    def add_phases(self, run_id: str, phases: Sequence[Mapping[str, Any]]) -> None:
        """Append finished phases to the saved run ``run_id``."""
        kept = [json.loads(json.dumps(base.clean_text(dict(p)))) for p in phases]
        with self._lock:
            if run_id not in self._runs:
                raise RunNotFoundError(run_id)
            self._phases.setdefault(run_id, []).extend(kept)

    def phases(self, run_id: str) -> list[dict[str, Any]]:
        """Every stored phase of the run (id or unique prefix), in the order they finished."""
        with self._lock:
            full_id = self._resolve(base.check_run_id(run_id))
            return copy.deepcopy(self._phases.get(full_id, []))

    def _put(self, index: base.RunIndex, text: str) -> None:
        previous = self._runs.get(index.run_id)
        if previous is None:
            self._seq += 1
        seq = self._seq if previous is None else previous[0]
        self._runs[index.run_id] = (seq, index.started_ts, base.utc_now_iso(), text)

    def add_samples(self, run_id: str, samples: Sequence[Sample]) -> None:
        """Append samples to the saved run ``run_id`` and thin its series if too long."""
        base.check_run_id(run_id)
        with self._lock:
            if run_id not in self._runs:
                raise RunNotFoundError(run_id)
            self._add_samples_locked(run_id, samples)

    def _add_samples_locked(self, run_id: str, samples: Sequence[Sample]) -> None:
        if samples:
            by_device = self._samples.setdefault(run_id, {})
            for sample in samples:
                by_device.setdefault((sample.component, sample.device), []).append(sample)
            for key in {(s.component, s.device) for s in samples}:
                series = sorted(by_device[key], key=lambda s: s.timestamp_s)
                by_device[key] = thin_series(series, self.max_samples_per_device)

    def get_run(self, run_id: str) -> dict[str, Any]:
        """Return the run with this id or unique id prefix; stale ones as ``interrupted``."""
        with self._lock:
            full_id = self._resolve(base.check_run_id(run_id))
            entry = self._runs[full_id]
        return _load(entry)

    def list_runs(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Return runs newest ``started_at`` first (ties: latest saved first), at most ``limit``."""
        base.check_limit(limit)
        with self._lock:
            entries = sorted(
                self._runs.values(),
                key=lambda e: (e[1] is None, -(e[1] or 0.0), -e[0]),
            )
        return [_load(e) for e in entries[:limit]]

    def samples(self, run_id: str) -> list[Sample]:
        """Return the run's samples ordered by time, component, device."""
        with self._lock:
            full_id = self._resolve(base.check_run_id(run_id))
            everything = [s for series in self._samples.get(full_id, {}).values() for s in series]
        return sorted(everything, key=lambda s: (s.timestamp_s, s.component, s.device))

    def put_job(self, job: Mapping[str, Any]) -> None:
        """Insert or replace the job record (upsert by ``job_id``)."""
        job = base.clean_text(job)
        job_id = base.check_job(job)
        try:
            text = json.dumps(dict(job), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"job {job_id}: the record is not JSON-serialisable: {exc}") from exc
        started = base.parse_timestamp(job.get("started_at"), field="started_at")
        with self._lock:
            previous = self._jobs.get(job_id)
            if previous is None:
                self._seq += 1
            self._jobs[job_id] = (self._seq if previous is None else previous[0], started, text)

    def get_job(self, job_id: str) -> dict[str, Any]:
        """The stored job record with exactly this id."""
        with self._lock:
            entry = self._jobs.get(base.check_job_id(job_id))
        if entry is None:
            raise base.JobNotFoundError(job_id)
        record: dict[str, Any] = json.loads(entry[2])
        return record

    def jobs(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Stored job records, newest ``started_at`` first."""
        base.check_limit(limit)
        with self._lock:
            entries = sorted(self._jobs.values(), key=lambda e: (e[1] is None, -(e[1] or 0.0), -e[0]))
        return [json.loads(e[2]) for e in entries[:limit]]

    def close(self) -> None:
        """Nothing to release; the data stays until the object is dropped."""

    def _resolve(self, run_id: str) -> str:
        if run_id in self._runs:
            return run_id
        matches = sorted(k for k in self._runs if k.startswith(run_id))
        if not matches:
            raise RunNotFoundError(run_id)
        if len(matches) > 1:
            raise AmbiguousRunIdError(run_id, matches[:6])
        return matches[0]


def _encode(record: Mapping[str, Any]) -> tuple[base.RunIndex, str]:
    record = base.with_capped_name(base.clean_text(record))
    index = base.index_record(record)
    try:
        text = json.dumps(dict(record))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"run {index.run_id}: the record is not JSON-serialisable: {exc}"
        ) from exc
    return index, text


def _load(entry: tuple[int, float | None, str, str]) -> dict[str, Any]:
    _, _, updated_at, text = entry
    record: dict[str, Any] = json.loads(text)
    reason = liveness.stale_reason(record)
    return record if reason is None else liveness.as_interrupted(record, reason, updated_at)


__all__ = ["MemoryStore"]
