"""The phases of a run (``with run.phase("step"): ...``): the tracker's phase half.

A mixin of :class:`~carbonest.measure.tracker.Tracker`, which provides the state used here
(``_guard``, ``_state``, ``_ctx``, ``_sampler``, ``_store``, ``_kwargs``, ``_warnings`` and the
phase lists it creates). Phases cost O(1) each whatever their number: the record lists the
first :data:`~carbonest.records.run.MAX_RECORD_PHASES` and a tally per name; every finished
phase goes to the store once, in batches of :data:`PHASE_BATCH` written by the thread whose
phase filled the batch, or with the next checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from carbonest import inputs
from carbonest.errors import CarbonestError
from carbonest.measure.summary import PhaseTally, phase_between
from carbonest.records.run import MAX_RECORD_PHASES

MAX_PHASE_NAMES = 1000
"""Distinct phase names summarised one by one in ``phase_stats``; further names share one entry."""
OTHER_PHASES = "(other phase names)"
PHASE_BATCH = 500
"""Finished phases written to the store between checkpoints once this many are waiting: by the
thread whose phase filled the batch (see :meth:`PhaseRecording._write_phase_batch`)."""
MAX_PENDING_PHASES = 100_000
"""Finished phases held for the next checkpoint at most (beyond it the oldest are not stored)."""


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _warn(message: str) -> None:
    from carbonest.measure.setup import warn_user

    warn_user(message, RuntimeWarning)


class PhaseRecording:
    """``phase()`` and the storing of finished phases (see the module docstring)."""

    _guard: Any
    _state: str
    _ctx: Any
    _sampler: Any
    _store: Any
    _kwargs: dict[str, Any]
    _warnings: list[str]
    _phases: list[Any]
    _phase_tallies: dict[str, PhaseTally]
    _phases_total: int
    _pending_phases: Any
    _phases_not_stored: int
    _phase_writes: Any
    _open_phases: dict[object, tuple[str, str, float, Any]]
    run_id: str

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Measure a named part of the run separately: ``with run.phase("eval"): ...``."""
        name = inputs.name("phase", name)
        key = object()
        with self._guard:
            if self._state != "running":
                raise CarbonestError(f"phase {name!r}: the run is not running")
            # The sampler's published energies: no lock of the sampler's taken at a phase edge.
            self._open_phases[key] = (name, _utc_now(), self._kwargs["clock"](), self._sampler.history)
        try:
            yield
        finally:
            with self._guard:  # stop() may have closed it already (SIGTERM or stop() inside the phase)
                opened = self._open_phases.pop(key, None)
                if opened is not None:
                    self._close_phase(*opened)
            if len(self._pending_phases) >= PHASE_BATCH:
                self._write_phase_batch(wait=False)

    def _close_phase(self, name: str, started: str, t_before: float, opened: Any) -> None:
        # Phase edges are interpolated between the sampler's readings: no extra read is forced
        # from this thread, since probes are read by the sampler thread alone.
        assert self._ctx is not None
        done = phase_between(self._ctx, name, started, t_before, self._kwargs["clock"](), opened,
                             self._sampler.history)
        # O(1) per phase whatever their number: the record lists the first ones and a tally per
        # name; every phase goes to the store once, at the next checkpoint.
        self._phases_total += 1
        if len(self._phases) < MAX_RECORD_PHASES:
            self._phases.append(done)
        tally = self._phase_tallies.get(name)
        if tally is None:
            if len(self._phase_tallies) >= MAX_PHASE_NAMES:
                name = OTHER_PHASES
            tally = self._phase_tallies.get(name)
            if tally is None:
                tally = self._phase_tallies[name] = PhaseTally(name)
        tally.add(done)
        if self._kwargs["store"] is not False:
            if len(self._pending_phases) >= MAX_PENDING_PHASES:
                self._pending_phases.popleft()
                self._phases_not_stored += 1
            self._pending_phases.append(done)

    def _take_pending_phases(self) -> list[dict[str, Any]]:
        """The phases finished since the last checkpoint (popleft: safe against the main thread)."""
        out = []
        pending = self._pending_phases
        for _ in range(len(pending)):
            try:
                out.append(pending.popleft().to_dict())
            except IndexError:  # taken by the other thread meanwhile (a stop whose join timed out)
                break
        return out

    def _write_phase_batch(self, wait: bool) -> None:
        """Store the finished phases waiting, once :data:`PHASE_BATCH` of them are; never raises.

        Called by the thread whose phase filled the batch (the training loop's, for a phase per
        step), after the phase is closed and outside the tracker's lock. Not by the sampler
        thread: against a CPU-bound main thread, the store's CPU work for a batch (about 60 us a
        phase) and each SQLite call's GIL hand-off (up to the 5 ms switch interval) kept it from
        sampling for 70 ms a batch, a quarter of the readings at 1,700 phases/s. The phases cost
        the main thread the same CPU either way (one GIL). ``wait=False``: if a checkpoint is
        storing phases right now, leave the batch to it (or to the next phase's end).
        """
        if not self._phase_writes.acquire(wait):
            return
        try:
            if len(self._pending_phases) < PHASE_BATCH or self._store is None or self._state == "stopped":
                return
            phases = self._take_pending_phases()
            try:
                self._store.add_phases(self.run_id, phases)
            except Exception as exc:  # noqa: BLE001 - as _save: warned about once, never raised
                message = f"run store: {exc}" if isinstance(exc, CarbonestError) else f"run store: {exc!r}"
                if message not in self._warnings:
                    self._warnings.append(message)
                    _warn(f"carbonest: {message}; measuring goes on")
        finally:
            self._phase_writes.release()

    def _on_tick(self) -> None:
        """After a reading, on the sampler thread: a fallback for phase batches left unwritten.

        Phases are written by the thread that closes them (:meth:`_write_phase_batch`); only if
        twice a batch is waiting (that thread's write was skipped while a checkpoint stored
        phases, and no phase has ended since) does the sampler thread write them.
        """
        if len(self._pending_phases) >= 2 * PHASE_BATCH:
            self._write_phase_batch(wait=True)
