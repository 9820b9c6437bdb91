"""``carbonest.track`` and :class:`Tracker`: measure a run around Python code.

Three ways in, one behaviour::

    with carbonest.track(name="finetune", region="CA-QC") as run:
        train()
        with run.phase("eval"):
            evaluate()
    print(run.record.co2e_kg)

    @carbonest.track(name="step")          # a fresh run for every call
    def train(): ...

    tracker = carbonest.Tracker(name="x"); tracker.start(); ...; record = tracker.stop()

What a run does:

* ``start()`` resolves the carbon intensity and PUE (:mod:`carbonest.intensity.resolve`;
  region from the argument, else ``CARBONEST_REGION`` or the config file,
  else the world average, said loudly), discovers the probes
  (:func:`carbonest.probes.discovery.discover_probes`), starts the one
  sampler thread and saves a first ``running`` checkpoint.
* Every ``flush_interval_s`` the sampler thread saves the samples and the
  record so far, so a process killed with SIGKILL keeps everything up to its
  last checkpoint (the store shows it as ``interrupted`` once its pid is gone).
* An exception in the ``with`` block saves the run as ``failed`` (``sys.exit(0)``
  as ``completed``) and propagates unchanged; KeyboardInterrupt (SIGINT) and
  SIGTERM save it as ``interrupted`` (SIGTERM then reaches the handler that was
  there before, by default ending the process as usual). A child forked during
  the run inherits neither: its SIGTERM and exit leave the parent's run alone.
* Training code never crashes because of carbonest: a probe that fails is
  dropped with a warning, a store that cannot be written is warned about and
  the run goes on. Only a user mistake raises: a bad argument (an unknown
  region, a PUE below 1, an interval below 0.01 s) at construction or
  ``start()``, an invalid config file or ``CARBONEST_PUE`` at ``start()``.

Multi-process jobs (torchrun, Slurm, MPI): with ``scope="auto"`` a process
that knows its local rank counts host-wide components (CPU, DRAM) only on
local rank 0, and only its own GPU (index LOCAL_RANK among the visible ones)
when every GPU of the node is visible to every rank, so a node is counted
once. The record carries the distributed identity to add runs up later.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, Literal, TypeVar, overload

from carbonest import inputs
from carbonest.errors import CarbonestError, InvalidInputError
from carbonest.probes.base import Probe
from carbonest.records.run import PhaseRecord, RunRecord
from carbonest.measure.summary import RunContext, build_record, phase_record
from carbonest.measure.signals import SignalHandling

F = TypeVar("F", bound=Callable[..., Any])
Scope = Literal["auto", "all", "rank"]

def _check_options(kw: dict[str, Any]) -> None:
    """Raise InvalidInputError for a bad number now, at construction, not once training runs."""
    from carbonest.measure.sampler import MIN_INTERVAL_S

    if kw["name"] is not None and not isinstance(kw["name"], str):
        raise InvalidInputError(f"name: must be a string, got {kw['name']!r}", field="name")
    if kw["basis"] is not None:
        kw["basis"] = inputs.choice("basis", kw["basis"], ("lifecycle", "direct"))
    if kw["pue"] is not None:
        inputs.pue("pue", kw["pue"])
    if kw["wue_l_per_kwh"] is not None:
        inputs.non_negative("wue_l_per_kwh", kw["wue_l_per_kwh"])
    if kw["interval_s"] is not None and inputs.positive("interval_s", kw["interval_s"]) < MIN_INTERVAL_S:
        raise InvalidInputError(
            f"interval_s: must be at least {MIN_INTERVAL_S} s, got {kw['interval_s']!r}", field="interval_s"
        )
    if kw["flush_interval_s"] is not None:
        inputs.positive("flush_interval_s", kw["flush_interval_s"])
    if kw["scope"] not in ("auto", "all", "rank"):
        raise InvalidInputError(f"scope: must be one of auto, all, rank, got {kw['scope']!r}", field="scope")


def _warn(message: str) -> None:
    from carbonest.measure.setup import warn_user

    warn_user(message, RuntimeWarning)


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Tracker(SignalHandling):
    """Measures the energy and emissions of one run. See the module docstring.

    Args:
        name: Name of the run (default ``"run"``).
        region: Grid region for the carbon intensity (default: env/config, else world average).
        basis: Basis of the region's intensity: ``"lifecycle"`` (default) or ``"direct"`` (default:
            ``CARBONEST_BASIS`` or the config file, else lifecycle).
        intensity_g_per_kwh: A carbon intensity instead of a region. Units: g CO2e/kWh.
        pue: Power usage effectiveness (default: env/config, cloud provider's, industry average).
        wue_l_per_kwh: Water usage effectiveness, for ``water_l``. Units: L/kWh.
        interval_s: Sampling interval, >= 0.01. Units: s.
        flush_interval_s: Checkpoint interval. Units: s.
        probes: Open probes to use instead of discovery (the caller keeps ownership).
        store: A :class:`~carbonest.store.base.RunStore`; None for the default SQLite store;
            False to keep nothing on disk.
        scope: ``"auto"`` (count a node once in multi-process jobs), ``"all"`` (count what this
            process sees) or ``"rank"`` (as auto, even without a launcher variable).
        clock: Monotonic clock. Units: s.
        handle_signals: Save the run as interrupted on SIGTERM (main thread only).
        intensity_provider: A live carbon-intensity provider (``"electricitymaps"``, ``"watttime"``,
            ``"uk"``, or an :class:`~carbonest.intensity.base.IntensityProvider`): each interval's energy
            meets the intensity in force then, with the table figure as the named fallback
            (:mod:`carbonest.measure.live`). Default: ``CARBONEST_INTENSITY_PROVIDER`` or the config
            file, else the shipped tables.
    """

    def __init__(
        self, name: str | None = None, *, region: str | None = None, basis: str | None = None,
        intensity_g_per_kwh: float | None = None, pue: float | None = None,
        wue_l_per_kwh: float | None = None, interval_s: float | None = None,
        flush_interval_s: float | None = None, probes: list[Probe] | None = None,
        store: Any = None, scope: Scope = "auto", clock: Callable[[], float] = time.monotonic,
        handle_signals: bool = True, intensity_provider: Any = None,
    ) -> None:
        self._kwargs = dict(
            name=name, region=region, basis=basis, intensity_g_per_kwh=intensity_g_per_kwh, pue=pue,
            wue_l_per_kwh=wue_l_per_kwh, interval_s=interval_s, flush_interval_s=flush_interval_s,
            probes=probes, store=store, scope=scope, clock=clock, handle_signals=handle_signals,
            intensity_provider=intensity_provider,
        )
        self.name = name or "run"
        _check_options(self._kwargs)
        self.run_id = os.urandom(16).hex()
        self._state: Literal["new", "running", "stopped"] = "new"
        self._lock = threading.RLock()
        self._sampler: Any = None
        self._owned_probes: list[Probe] = []
        self._ctx: RunContext | None = None
        self._store: Any = None
        self._record: RunRecord | None = None
        self._phases: list[PhaseRecord] = []
        self._open_phases: dict[object, tuple[str, str, Any]] = {}
        self._warnings: list[str] = []
        self._prev_sigterm: Any = None  # the SIGTERM handler ours replaced; kept to forward to
        self._sigterm_installed = False

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> Tracker:
        """Start measuring. Idempotent: a second call (or a call after stop) does nothing."""
        with self._lock:
            if self._state != "new":
                return self
            from carbonest.measure.setup import resolve_settings, setup_probes

            kw = self._kwargs
            settings, notes = resolve_settings(kw, self._warnings)  # user mistakes raise here
            self._ctx = RunContext(
                run_id=self.run_id, name=self.name, started_at=_utc_now(), t0=kw["clock"](),
                pid=os.getpid(), **settings,
            )
            self._ctx.notes.extend(notes)
            given: list[Probe] = []
            if kw["probes"] is not None:
                given, _, self._ctx.not_measured_reasons = setup_probes(kw, self._ctx, self._ctx.notes)
            from carbonest.measure.sampler import Sampler

            # Discovery, the store and the first checkpoint run on the sampler thread, so
            # start() returns at once; the record says when measuring began (ready_s).
            self._sampler = Sampler(
                given, interval_s=self._ctx.interval_s, clock=kw["clock"],
                on_flush=self._on_flush, flush_interval_s=self._ctx.flush_interval_s,
                prepare=self._prepare,
            )
            self._state = "running"
            self._sampler.start()
            self._install_handlers()
            return self

    def _prepare(self) -> list[Probe]:
        """Runs first on the sampler thread: discover probes, open the store, save a checkpoint."""
        from carbonest.store.liveness import current_process_create_time
        from carbonest.measure.setup import open_store, setup_probes

        assert self._ctx is not None
        kw = self._kwargs
        self._ctx.pid_create_time = current_process_create_time()
        found: list[Probe] = []
        if kw["probes"] is None:
            notes: list[str] = []
            found, owned, self._ctx.not_measured_reasons = setup_probes(kw, self._ctx, notes)
            self._owned_probes = owned
            self._ctx.notes.extend(notes)
        self._store = open_store(kw["store"], self._warnings)
        self._checkpoint(self._sampler.snapshot(), [])
        return found

    def stop(self, status: Literal["completed", "failed", "interrupted"] = "completed",
             reason: str | None = None) -> RunRecord:
        """Stop measuring, save and return the final record. Idempotent."""
        with self._lock:
            if self._state == "stopped" and self._record is not None:
                return self._record
            if self._state == "new":
                self.start()
            self._state = "stopped"
            self._remove_handlers()
            self._sampler.stop()
            self._close_owned()
            for opened in self._open_phases.values():  # a phase still open ends with the run
                self._close_phase(*opened)
            self._open_phases.clear()
            self._record = self._build(status, reason, ended=True)
            self._save(self._record, [])
            if self._store is not None and self._kwargs["store"] is None:
                self._store.close()
            return self._record

    def __enter__(self) -> Tracker:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is None or (isinstance(exc, SystemExit) and exc.code in (None, 0)):
            self.stop("completed")  # sys.exit(0) inside the block ends the work successfully
        elif isinstance(exc, KeyboardInterrupt):
            self.stop("interrupted", "KeyboardInterrupt (SIGINT)")
        elif type(exc).__name__ == "CancelledError":  # asyncio's (not imported here: it is heavy)
            self.stop("interrupted", "cancelled (asyncio.CancelledError)")
        else:
            self.stop("failed", f"{type(exc).__name__}: {exc}")

    def __call__(self, func: F) -> F:
        """Use as a decorator: every call of ``func`` is measured as a fresh run."""

        options = dict(self._kwargs)
        options["name"] = options["name"] or func.__qualname__
        import inspect

        if inspect.iscoroutinefunction(func):  # measure the awaiting, not the coroutine's creation

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with Tracker(**options):
                    return await func(*args, **kwargs)

            return run_async  # type: ignore[return-value]
        if inspect.isgeneratorfunction(func):  # measure the iteration, not the generator's creation

            @functools.wraps(func)
            def run_generator(*args: Any, **kwargs: Any) -> Any:
                with Tracker(**options):
                    return (yield from func(*args, **kwargs))

            return run_generator  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with Tracker(**options):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def wait_ready(self, timeout_s: float | None = 10.0) -> bool:
        """Wait until the probes are discovered and read once (start() does not wait for it).

        Returns False if that did not happen within ``timeout_s`` seconds.
        """
        if self._sampler is None:
            return False
        return bool(self._sampler.wait_ready(timeout_s))

    # -- results -------------------------------------------------------------------------------

    @property
    def record(self) -> RunRecord:
        """The final record after stop, or the record so far while running."""
        if self._record is not None:
            return self._record
        if self._state == "new":
            raise CarbonestError("the run has not started: call start() or use 'with'")
        return self._build("running", None, ended=False)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Measure a named part of the run separately: ``with run.phase("eval"): ...``."""
        name = inputs.name("phase", name)
        key = object()
        with self._lock:
            if self._state != "running":
                raise CarbonestError(f"phase {name!r}: the run is not running")
            self._open_phases[key] = (name, _utc_now(), self._sampler.snapshot())
        try:
            yield
        finally:
            with self._lock:  # stop() may have closed it already (SIGTERM or stop() inside the phase)
                opened = self._open_phases.pop(key, None)
                if opened is not None:
                    self._close_phase(*opened)

    def _close_phase(self, name: str, started: str, before: Any) -> None:
        # Phase edges have the sampling interval's resolution: no extra read is forced
        # from this thread, since probes are read by the sampler thread alone.
        assert self._ctx is not None
        self._phases.append(phase_record(self._ctx, name, started, before, self._sampler.snapshot()))

    # -- internals -----------------------------------------------------------------------------

    def _build(self, status: str, reason: str | None, *, ended: bool, totals: Any = None) -> RunRecord:
        assert self._ctx is not None
        snap = totals if totals is not None else self._sampler.snapshot()
        errors = [f"sampler: {self._sampler.error!r}"] if self._sampler.error else []
        record = build_record(
            self._ctx, snap, status=status, reason=reason,
            ended_at=_utc_now() if ended else None, duration_s=self._kwargs["clock"]() - self._ctx.t0,
            phases=tuple(self._phases), warnings=tuple(self._warnings + errors),
        )
        return dataclasses.replace(record, measured_from_s=self._sampler.ready_s)

    def _close_owned(self) -> None:
        for probe in self._owned_probes:
            try:
                probe.close()
            except Exception as exc:  # a probe bug must not cost the run its final record
                self._warnings.append(f"probe {probe.name}: close failed: {exc!r}")
                _warn(f"carbonest: probe {probe.name} close failed: {exc!r}")
        self._owned_probes = []

    def _on_flush(self, samples: list[Any], totals: Any) -> None:
        # "new" too: the sampler thread may flush before start() has saved the first checkpoint;
        # the samples must then follow a record, not go to a run the store does not know yet.
        if self._state != "stopped":
            self._checkpoint(totals, samples)
        elif samples:
            self._save(None, samples)

    def _checkpoint(self, totals: Any, samples: list[Any]) -> None:
        self._save(self._build("running", None, ended=False, totals=totals), samples)

    def _save(self, record: RunRecord | None, samples: list[Any]) -> None:
        if self._store is None:
            return
        try:
            if record is not None:
                self._store.save_run(record.to_dict())
            if samples:
                self._store.add_samples(self.run_id, samples)
        except Exception as exc:  # noqa: BLE001 - kept in the record and warned about, never hidden
            # StorageError is the contract, but a third-party store's own error must not crash
            # training either (at start) or end the sampler thread (at a checkpoint).
            message = f"run store: {exc}" if isinstance(exc, CarbonestError) else f"run store: {exc!r}"
            if message not in self._warnings:
                self._warnings.append(message)
                _warn(f"carbonest: {message}; measuring goes on")


@overload
def track(name: F, **options: Any) -> F: ...


@overload
def track(name: str | None = None, **options: Any) -> Tracker: ...


def track(name: Any = None, **options: Any) -> Any:
    """A :class:`Tracker`, for ``with carbonest.track(...) as run:`` or ``@carbonest.track(...)``.

    Takes the same arguments as :class:`Tracker`. ``@carbonest.track`` without parentheses
    decorates the function directly, with the default options.
    """
    if callable(name):
        return Tracker(None, **options)(name)
    return Tracker(name, **options)
