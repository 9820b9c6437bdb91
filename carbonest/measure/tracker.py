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
  ``start()``, an invalid config file or ``CARBONEST_PUE`` at the first
  ``start()`` of the process. The config file is read once per process (again
  only when its content changes); a later edit that is invalid is a warning
  and the last good settings stay in force, so training that decorates every
  epoch with ``@track`` is not stopped by an edit between epochs.

Multi-process jobs (torchrun, Slurm, MPI; docs/cluster.md): with ``scope="auto"``
the host's CPU and DRAM are counted by local rank 0 (or the host-lock winner) and
each GPU by the one process of the job and host that claims its UUID first, so a
host is counted once; the record's ``job`` section says who measured what, and at
stop the ranks' records become one job record (gathered to rank 0, or from the store).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal, TypeVar, overload

from carbonest.errors import CarbonestError
from carbonest.probes.base import Probe
from carbonest.records.run import PhaseRecord, RunRecord
from carbonest.measure.summary import PhaseTally, RunContext, build_record
from carbonest.measure.signals import SignalHandling
from carbonest.measure.extensions import RunExtensions, preload, utf8_text
from carbonest.measure.phases import (  # noqa: F401 - re-exported: the phase constants
    MAX_PENDING_PHASES, MAX_PHASE_NAMES, OTHER_PHASES, PHASE_BATCH, PhaseRecording, _utc_now, _warn,
)

# What every start() needs, imported with this module rather than inside the first start():
# about 35 modules (settings, tables, probes, the SQLite store), 25-35 ms on the development
# machine. Imported here, that is paid where the program imports the tracker, with its other
# imports, not inside the first run, between start() and the first reading, nor at stop().
# ``import carbonest`` stays light: it imports this module only when ``track`` or ``Tracker``
# is first used. The GPU backends (NVML, AMD SMI) and their libraries are still imported only
# where a driver is present, and PostgreSQL, Prometheus and the sinks only when asked for.
import carbonest.catalog.cpus  # noqa: E402,F401 - the CPU power model's look-up
import carbonest.catalog.datacenters  # noqa: E402,F401 - the default PUE
import carbonest.catalog.regions  # noqa: E402,F401 - the region's intensity
import carbonest.config  # noqa: E402,F401
import carbonest.measure.live  # noqa: E402,F401
import carbonest.measure.sampler  # noqa: E402,F401
import carbonest.measure.setup  # noqa: E402,F401
import carbonest.measure.shared_store  # noqa: E402,F401
import carbonest.probes.cpu_model  # noqa: E402,F401
import carbonest.probes.discovery  # noqa: E402,F401
import carbonest.probes.memory_model  # noqa: E402,F401
import carbonest.probes.procfs  # noqa: E402,F401
import carbonest.probes.rapl  # noqa: E402,F401
import carbonest.store.final_note  # noqa: E402,F401
import carbonest.store.liveness  # noqa: E402,F401
import carbonest.store.locate  # noqa: E402,F401

try:
    import carbonest.store.sqlite  # noqa: E402,F401
except ImportError:  # a Python built without sqlite3: a run with a store says so at start(), as it did
    pass

F = TypeVar("F", bound=Callable[..., Any])
Scope = Literal["auto", "all", "rank"]

class Tracker(PhaseRecording, SignalHandling, RunExtensions):
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
        store: A :class:`~carbonest.store.base.RunStore`, a ``postgresql://`` URL (a shared
            PostgreSQL store) or a SQLite file path; None for ``$CARBONEST_STORE``, else the
            default SQLite store; False to keep nothing on disk.
        scope: ``"auto"`` (count a host once in multi-process jobs), ``"all"`` (count what this
            process sees) or ``"rank"`` (as auto, even without a launcher, by host lock, and
            over ``probes`` given too: docs/cluster.md).
        clock: Monotonic clock. Units: s.
        handle_signals: Save the run as interrupted on SIGTERM (main thread only).
        intensity_provider: A live carbon-intensity provider (``"electricitymaps"``, ``"watttime"``,
            ``"uk"``, or an :class:`~carbonest.intensity.base.IntensityProvider`): each interval's energy
            meets the intensity in force then, with the table figure as the named fallback
            (:mod:`carbonest.measure.live`). Default: ``CARBONEST_INTENSITY_PROVIDER`` or the config
            file, else the shipped tables.
        prometheus_port: Serve the run's power, energy and CO2e for Prometheus on this port
            while it runs (0: a free port; :mod:`carbonest.measure.prometheus`). A port in use
            is a warning, not an error: the run goes on unexported.
        prometheus_bind: Address the metrics server listens on (default 127.0.0.1).
        log_to: Where the run's metrics also go: ``"mlflow"``, ``"wandb"``, a
            :class:`~carbonest.integrations.base.MetricSink`, or a list of them (params at the start,
            metrics at every checkpoint, the record at the end; a sink's failure is a warning).
    """

    def __init__(
        self, name: str | None = None, *, region: str | None = None, basis: str | None = None,
        intensity_g_per_kwh: float | None = None, pue: float | None = None,
        wue_l_per_kwh: float | None = None, interval_s: float | None = None,
        flush_interval_s: float | None = None, probes: list[Probe] | None = None,
        store: Any = None, scope: Scope = "auto", clock: Callable[[], float] = time.monotonic,
        handle_signals: bool = True, intensity_provider: Any = None,
        prometheus_port: int | None = None, prometheus_bind: str = "127.0.0.1", log_to: Any = None,
    ) -> None:
        self._kwargs = dict(
            name=name, region=region, basis=basis, intensity_g_per_kwh=intensity_g_per_kwh, pue=pue,
            wue_l_per_kwh=wue_l_per_kwh, interval_s=interval_s, flush_interval_s=flush_interval_s,
            probes=probes, store=store, scope=scope, clock=clock, handle_signals=handle_signals,
            intensity_provider=intensity_provider, log_to=log_to,
            prometheus_port=prometheus_port, prometheus_bind=prometheus_bind,
        )
        from carbonest.measure.setup import check_options

        check_options(self._kwargs)
        self.name = utf8_text(name or "run")
        self.run_id = os.urandom(16).hex()
        self._state: Literal["new", "running", "stopped"] = "new"
        self._lock = threading.RLock()
        self._sampler: Any = None
        self._owned_probes: list[Probe] = []
        self._ctx: RunContext | None = None
        self._store: Any = None
        self._record: RunRecord | None = None
        self._phases: list[PhaseRecord] = []  # the first MAX_RECORD_PHASES, listed in the record
        self._phase_tallies: dict[str, PhaseTally] = {}
        self._phases_total = 0
        self._pending_phases: deque[PhaseRecord] = deque()  # finished, not yet in the store
        self._phase_writes = threading.Lock()  # taking pending phases and storing them, in order
        self._phases_not_stored = 0
        self._unsaved_samples: list[Any] = []
        self._open_phases: dict[object, tuple[str, str, float, Any]] = {}
        self._warnings: list[str] = []
        self._sinks: Any = None  # log_to's SinkHub, from start()
        self._prev_sigterm: Any = None  # the SIGTERM handler ours replaced; kept to forward to
        self._sigterm_installed = False
        self._exporter: Any = None  # the Prometheus exporter (prometheus_port=...)
        self._gather: Any = None  # this run's side of a torch.distributed gather (measure/gather.py)
        self._job: dict[str, Any] | None = None
        self._init_signal_state()

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> Tracker:
        """Start measuring. Idempotent: a second call (or a call after stop) does nothing."""
        with self._guard:
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
            from carbonest.measure.setup import discovery_is_cheap

            preload(kw)
            on_thread = kw["probes"] is None and not discovery_is_cheap()
            if kw["probes"] is not None:
                given, _, self._ctx.not_measured_reasons = setup_probes(kw, self._ctx, self._ctx.notes)
            elif not on_thread:
                # No NVIDIA driver: discovery only reads /proc and /sys (a few ms), so it is done
                # here and the probes get their first reading before start() returns, whatever
                # the main thread does next. With a driver, NVML's initialisation (up to seconds)
                # would hold start() up: discovery then runs first thing on the sampler thread.
                given = self._discover()
            from carbonest.measure.sampler import Sampler

            # The store and the first checkpoint always come after the first reading. Where the
            # probes were discovered here, that reading is taken in start() and the run is
            # registered in the store right after it, before start() returns: a busy main
            # thread would otherwise leave the sampler thread waiting for the GIL at every
            # SQLite call (up to the 5 ms switch interval each), and the run unregistered for
            # hundreds of ms. With NVML to initialise, both happen on the sampler thread.
            try:
                self._sampler = Sampler(
                    given, interval_s=self._ctx.interval_s, clock=kw["clock"],
                    on_flush=self._on_flush, flush_interval_s=self._ctx.flush_interval_s,
                    prepare=self._discover if on_thread else None,
                    on_ready=self._register if on_thread else None, on_tick=self._on_tick,
                )
            except BaseException:
                self._close_owned()
                raise
            self._state = "running"
            self._sampler.start()
            if not on_thread:
                self._register_here()
            if kw["prometheus_port"] is not None:
                from carbonest.measure.prometheus import start_for_tracker

                self._exporter = start_for_tracker(self, self._warnings)
            self._install_handlers()
            self._start_sinks()
            if "torch.distributed" in sys.modules:  # never imported by carbonest itself
                self._announce()
            return self

    def _register_here(self) -> None:
        """:meth:`_register` on the caller's thread; a failure is warned about, never raised."""
        try:
            self._register()
        except Exception as exc:  # noqa: BLE001 - training must not stop because the store did
            message = f"run store: registering the run failed: {exc!r}"
            self._warnings.append(message)
            _warn(f"carbonest: {message}; measuring goes on")

    def _discover(self) -> list[Probe]:
        """Runs first on the sampler thread: discover the probes (read at once after it)."""
        from carbonest.measure.setup import setup_probes

        assert self._ctx is not None
        notes: list[str] = []
        found, owned, self._ctx.not_measured_reasons = setup_probes(self._kwargs, self._ctx, notes)
        self._owned_probes = owned
        self._ctx.notes.extend(notes)
        return found

    def _register(self) -> None:
        """After the first reading: open the store, save a checkpoint (see :meth:`start`)."""
        from carbonest.store.liveness import current_process_create_time
        from carbonest.measure.setup import open_store

        assert self._ctx is not None
        self._ctx.pid_create_time = current_process_create_time()
        self._store = open_store(self._kwargs["store"], self._warnings)
        if self._store is not None and self._state != "stopped":
            self._checkpoint(self._sampler.snapshot(), [])
            try:  # room for a note, should the final record not fit on the disk (see stop)
                self._store.reserve_final_note(self.run_id)
            except Exception as exc:  # noqa: BLE001 - only the fallback is lost; warned about
                self._warnings.append(f"run store: no room reserved for a final note: {exc!r}")

    def stop(self, status: Literal["completed", "failed", "interrupted"] = "completed",
             reason: str | None = None) -> RunRecord:
        """Stop measuring, save and return the final record. Idempotent."""
        with self._guard:
            if self._state == "stopped" and self._record is not None:
                return self._record
            if self._state == "new":
                self.start()
            self._state = "stopped"
            self._sampler.stop()  # its last samples wait in _unsaved_samples for the final record
            self._close_owned()
            for opened in self._open_phases.values():  # a phase still open ends with the run
                self._close_phase(*opened)
            self._open_phases.clear()
            self._record = self._build(status, reason, ended=True)
            samples, self._unsaved_samples = self._unsaved_samples, []
            error = self._save(self._record, samples, self._take_pending_phases())
            if error is not None:
                message = f"run store: {error}"
                if message not in self._record.warnings:
                    self._record = dataclasses.replace(self._record, warnings=self._record.warnings + (message,))
                self._final_not_saved(self._record, error)
            elif self._store is not None:
                self._store.release_final_note(self.run_id)
            self._finish_job()
            given = self._kwargs["store"]
            if self._store is not None and (given is None or isinstance(given, (str, os.PathLike))):
                from carbonest.measure.shared_store import release

                release(self._store)  # one this run opened (the default, or named by URL or path)
            if self._exporter is not None:
                self._exporter.stop()
            # Only now: a SIGTERM during the save above is held by our handler, not let kill it.
            self._remove_handlers()
            if self._sinks is not None:  # log_to: after the save, so a sink cannot cost the run
                self._sinks.finish(self._record.to_dict())
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

    def __repr__(self) -> str:
        """``<Tracker 'train' running, run 1a2b3c4d, 0.0123 kWh so far>``: never blocks, never raises."""
        energy = "no energy yet"
        record = self._record
        if record is None and self._state == "running" and self._lock.acquire(timeout=0.05):
            try:
                record = self._build("running", None, ended=False)
            except Exception:  # a repr must not raise (debuggers, logs): say it is unknown
                energy = "energy unknown"
            finally:
                self._lock.release()
        if record is not None:
            so_far = " so far" if self._state == "running" else ""
            if record.energy_kwh is not None:
                energy = f"{record.energy_kwh:.3g} kWh{so_far}"
            else:
                energy = "no energy yet" if so_far else "energy not measured"
        return f"<Tracker {self.name!r} {self._state}, run {self.run_id[:8]}, {energy}>"

    # -- results -------------------------------------------------------------------------------

    @property
    def record(self) -> RunRecord:
        """The final record after stop, or the record so far while running."""
        if self._record is not None:
            return self._record
        if self._state == "new":
            raise CarbonestError("the run has not started: call start() or use 'with'")
        with self._guard:
            return self._record or self._build("running", None, ended=False)

    # -- internals -----------------------------------------------------------------------------

    def _build(self, status: str, reason: str | None, *, ended: bool, totals: Any = None) -> RunRecord:
        assert self._ctx is not None
        snap = totals if totals is not None else self._sampler.snapshot()
        errors = [f"sampler: {self._sampler.error!r}"] if self._sampler.error else []
        if self._phases_not_stored:
            errors.append(f"{self._phases_not_stored} phases were not stored (the store fell behind); "
                          "phase_stats still counts them")
        record = build_record(
            self._ctx, snap, status=status, reason=reason,
            ended_at=_utc_now() if ended else None,
            duration_s=max(0.0, self._kwargs["clock"]() - self._ctx.t0),  # a clock that went back
            phases=tuple(self._phases), warnings=tuple(self._warnings + errors),
            phase_stats=tuple(t.frozen() for t in list(self._phase_tallies.values())),
            phases_total=self._phases_total,
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
        if self._state != "stopped":
            self._checkpoint(totals, samples)
            if self._sinks is not None:  # log_to: one metric step per checkpoint
                self._sinks.metrics(self._build("running", None, ended=False, totals=totals).to_dict())
        else:  # stop()'s last flush: these samples go in one transaction with the final record
            self._unsaved_samples.extend(samples)

    def _checkpoint(self, totals: Any, samples: list[Any]) -> None:
        if self._store is None:  # not open yet (the first checkpoint comes with it) or store=False
            if samples:
                self._unsaved_samples.extend(samples)  # kept for the next checkpoint
            return
        if self._unsaved_samples:
            samples = self._unsaved_samples + samples
            self._unsaved_samples = []
        record = self._build("running", None, ended=False, totals=totals)
        with self._phase_writes:  # after a batch being stored by another thread, not before it
            self._save(record, samples, self._take_pending_phases())

    def _save(self, record: RunRecord, samples: list[Any], phases: list[dict[str, Any]]) -> str | None:
        """One checkpoint: the record, its samples and new phases in one store call; the error text."""
        if self._store is None:
            return None
        try:
            self._store.checkpoint(record.to_dict(), samples, phases)
        except Exception as exc:  # noqa: BLE001 - kept in the record and warned about, never hidden
            # StorageError is the contract, but a third-party store's own error must not crash
            # training either (at start) or end the sampler thread (at a checkpoint).
            text = f"{exc}" if isinstance(exc, CarbonestError) else f"{exc!r}"
            message = f"run store: {text}"
            if message not in self._warnings:
                self._warnings.append(message)
                _warn(f"carbonest: {message}; measuring goes on")
            return text
        return None

    def _final_not_saved(self, record: RunRecord, error: str) -> None:
        """The final save failed (a full disk): say so, print the record, leave a note for listings."""
        from carbonest.store.base import clean_text

        noted = False
        if self._store is not None:
            try:
                noted = bool(self._store.note_final_not_saved(self.run_id, record.status, error))
            except Exception:  # noqa: BLE001 - the stderr copy below is the last resort
                noted = False
        where = "" if noted else "; the store will list it as interrupted"
        try:
            sys.stderr.write(
                f"carbonest: the final record of run {self.run_id} ({record.status}) could not be saved: "
                f"{error}{where}. The record follows as one JSON line:\n"
                + json.dumps(clean_text(record.to_dict()), separators=(",", ":")) + "\n"
            )
            sys.stderr.flush()
        except (OSError, ValueError):  # stderr closed: nothing more can be done
            pass


@overload
def track(name: F, /) -> F: ...


@overload
def track(
    name: str | None = None, *, region: str | None = None, basis: str | None = None,
    intensity_g_per_kwh: float | None = None, pue: float | None = None, wue_l_per_kwh: float | None = None,
    interval_s: float | None = None, flush_interval_s: float | None = None, probes: list[Probe] | None = None,
    store: Any = None, scope: Scope = "auto", clock: Callable[[], float] = time.monotonic,
    handle_signals: bool = True, intensity_provider: Any = None,
    prometheus_port: int | None = None, prometheus_bind: str = "127.0.0.1", log_to: Any = None,
) -> Tracker: ...


def track(
    name: Any = None, *, region: str | None = None, basis: str | None = None,
    intensity_g_per_kwh: float | None = None, pue: float | None = None, wue_l_per_kwh: float | None = None,
    interval_s: float | None = None, flush_interval_s: float | None = None, probes: list[Probe] | None = None,
    store: Any = None, scope: Scope = "auto", clock: Callable[[], float] = time.monotonic,
    handle_signals: bool = True, intensity_provider: Any = None,
    prometheus_port: int | None = None, prometheus_bind: str = "127.0.0.1", log_to: Any = None,
) -> Any:
    """A :class:`Tracker`, for ``with carbonest.track(...) as run:`` or ``@carbonest.track(...)``.

    Takes the same arguments as :class:`Tracker` (see there what each means).
    ``@carbonest.track`` without parentheses decorates the function directly, with the
    default options.

    To add an option: add it to :class:`Tracker`, then here to both signatures (the
    implementation passes every keyword on by name, so nothing else changes).
    """
    options = {k: v for k, v in locals().items() if k != "name"}
    if callable(name):
        return Tracker(None, **options)(name)
    return Tracker(name, **options)
