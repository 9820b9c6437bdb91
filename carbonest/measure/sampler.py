"""The one background thread: reads every probe at a fixed interval and integrates energy.

Only the probe contract (:mod:`carbonest.probes.base`) is known here, never a backend.

Per device the sampler keeps:

* energy (J): from counter deltas (:func:`~carbonest.formulas.energy.counter_delta`,
  one wrap per interval allowed, ``max_energy_j=None`` meaning "reset, not wrap")
  when the device reports a counter; otherwise the trapezoid of its power. The
  method is fixed by the first good reading. A failed read leaves a gap: the
  next counter delta still covers it exactly, and power is interpolated over it.
* mean power (energy / covered time), peak power, good and failed reads, the
  last error, the provenance, whether the device is additive.

Thread rules (DESIGN.md §2): created stopped; ``start()``/``stop()`` idempotent;
the loop waits on ``threading.Event.wait`` (never ``time.sleep``); ``stop()``
joins with a timeout and then takes a final reading in the caller's thread.
The first exception raised inside the thread (or by ``on_flush``) is kept in
:attr:`Sampler.error` and reported with ``warnings.warn``, never swallowed. A
probe that raises ``ProbeUnavailableError`` mid-run is dropped with a warning;
the energy it measured so far is kept.

Phases: :meth:`Sampler.snapshot` is cheap and thread-safe; the tracker takes one
at each phase boundary and subtracts (:meth:`SamplerTotals.energy_j_since`).
"""

from __future__ import annotations

import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from carbonest._values import FrozenValue
from carbonest.errors import InvalidInputError, ProbeUnavailableError
from carbonest.formulas.energy import counter_delta, trapezoid_segment_j
from carbonest.probes.base import Probe
from carbonest.records import Provenance, Reading, Sample

__all__ = ["DeviceTotals", "Sampler", "SamplerTotals"]

MIN_INTERVAL_S = 0.01
FlushCallback = Callable[[list[Sample], "SamplerTotals"], None]


HISTORY = 32
"""Readings kept for phase edges (a phase opened further back uses the estimate made at its start)."""


@dataclass(init=False, repr=False, eq=False, slots=True)
class DeviceTotals(FrozenValue):
    """What the sampler accumulated for one device.

    Attributes:
        key: Unique id across probes, ``"<probe>/<device>"``.
        probe: Probe name. device: Device id within the probe. component: gpu/cpu/dram.
        energy_j: Energy since start. Units: J.
        covered_s: Time covered by integrated intervals. Units: s.
        mean_power_w: ``energy_j / covered_s``, None before the first interval. Units: W.
        peak_power_w: Highest power read (or interval mean for counter-only devices). Units: W.
        samples: Good readings. failures: Readings with an error.
        method: ``"counter"``, ``"power"`` (trapezoid) or None (no good reading yet).
        additive: False if the device overlaps another (RAPL core/uncore/psys).
        provenance: Provenance of the latest reading. last_error: Latest error text.
        model: Hardware model name, if the probe knows it.
        uuid: The device's unique id (a GPU's UUID), if the probe knows it.
    """

    key: str
    probe: str
    device: str
    component: str
    energy_j: float
    covered_s: float
    mean_power_w: float | None
    peak_power_w: float | None
    samples: int
    failures: int
    method: Literal["counter", "power"] | None
    additive: bool
    provenance: Provenance | None
    last_error: str | None
    model: str | None
    backwards: int = 0
    last_power_w: float | None = None
    """Power of the latest reading (power devices) or interval (counter devices). Units: W."""
    uuid: str | None = None

    def __init__(
        self, key: str, probe: str, device: str, component: str, energy_j: float, covered_s: float,
        mean_power_w: float | None, peak_power_w: float | None, samples: int, failures: int,
        method: Literal["counter", "power"] | None, additive: bool, provenance: Provenance | None,
        last_error: str | None, model: str | None, backwards: int = 0, last_power_w: float | None = None,
        uuid: str | None = None,
    ) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "probe", probe)
        object.__setattr__(self, "device", device)
        object.__setattr__(self, "component", component)
        object.__setattr__(self, "energy_j", energy_j)
        object.__setattr__(self, "covered_s", covered_s)
        object.__setattr__(self, "mean_power_w", mean_power_w)
        object.__setattr__(self, "peak_power_w", peak_power_w)
        object.__setattr__(self, "samples", samples)
        object.__setattr__(self, "failures", failures)
        object.__setattr__(self, "method", method)
        object.__setattr__(self, "additive", additive)
        object.__setattr__(self, "provenance", provenance)
        object.__setattr__(self, "last_error", last_error)
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "backwards", backwards)
        object.__setattr__(self, "last_power_w", last_power_w)
        object.__setattr__(self, "uuid", uuid)


@dataclass(init=False, repr=False, eq=False, slots=True)
class SamplerTotals(FrozenValue):
    """A consistent snapshot of every device's totals.

    Attributes:
        timestamp_s: Sampler clock at the snapshot. Units: s.
        elapsed_s: Time since the first ``start()``. Units: s.
        devices: Totals by device key (``"nvml/gpu:0"``, ``"rapl/package-0/dram"``).
        components: Energy per component over additive devices only. Units: J.
        dropped: ``(probe, reason)`` of probes dropped mid-run.
    """

    timestamp_s: float
    elapsed_s: float
    devices: dict[str, DeviceTotals]
    components: dict[str, float]
    dropped: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def __init__(
        self, timestamp_s: float, elapsed_s: float, devices: dict[str, DeviceTotals],
        components: dict[str, float], dropped: tuple[tuple[str, str], ...] = (),
    ) -> None:
        object.__setattr__(self, "timestamp_s", timestamp_s)
        object.__setattr__(self, "elapsed_s", elapsed_s)
        object.__setattr__(self, "devices", devices)
        object.__setattr__(self, "components", components)
        object.__setattr__(self, "dropped", dropped)

    def energy_j_since(self, earlier: SamplerTotals) -> dict[str, float]:
        """Energy per device key between ``earlier`` and this snapshot. Units: J."""
        return {
            k: d.energy_j - (earlier.devices[k].energy_j if k in earlier.devices else 0.0)
            for k, d in self.devices.items()
        }

    def component_energy_j_since(self, earlier: SamplerTotals) -> dict[str, float]:
        """Energy per component (additive devices) between two snapshots. Units: J."""
        return {c: e - earlier.components.get(c, 0.0) for c, e in self.components.items()}


class _Acc:
    """Mutable per-device accumulator (hot path: plain attributes, no allocation per read)."""

    __slots__ = tuple(
        "key probe device component additive model method last_e last_e_t last_p last_p_t"
        " energy_j covered_s peak_w samples failures provenance last_error backwards last_w uuid".split()
    )

    def __init__(self, key: str, probe: Probe, r: Reading) -> None:
        info = probe.device_info().get(r.device)
        self.key, self.probe, self.device, self.component = key, probe.name, r.device, r.component
        self.additive = info.additive if info is not None else True
        self.model = info.model if info is not None else None
        self.uuid = info.uuid if info is not None else None
        self.method: Literal["counter", "power"] | None = None
        self.last_e: float | None = None
        self.last_e_t = 0.0
        self.last_p: float | None = None
        self.last_p_t = 0.0
        self.energy_j = self.covered_s = 0.0
        self.peak_w: float | None = None
        self.samples = self.failures = 0
        self.provenance: Provenance | None = None
        self.last_error: str | None = None
        self.backwards = 0
        self.last_w: float | None = None

    def _went_back(self, dt: float) -> None:
        # A clock that goes backwards (an injected clock, a suspended VM's) would give a negative
        # interval, and a power device negative energy: the interval is dropped, never stored.
        self.backwards += 1
        if self.backwards == 1:
            warnings.warn(f"carbonest sampler: {self.key}: the clock went back {-dt:.3g} s between two "
                          "readings; that interval is dropped", RuntimeWarning, stacklevel=3)

    def rebaseline(self) -> None:
        self.last_e = self.last_p = None

    def add(self, r: Reading) -> tuple[float, float] | None:
        """Fold one reading in; return the new interval's (energy J, duration s), if any."""
        if r.error is not None:
            self.failures += 1
            self.last_error = r.error
        interval = None
        e, p, t = r.energy_j, r.power_w, r.timestamp_s
        if e is not None and self.method != "power":
            self.method = "counter"
            last_e, last_t = self.last_e, self.last_e_t
            if last_e is not None:
                if t >= last_t:
                    interval = (counter_delta(last_e, e, r.max_energy_j), t - last_t)
                else:
                    self._went_back(t - last_t)
            self.last_e, self.last_e_t = e, t
        elif p is not None and self.method != "counter":
            self.method = "power"
            last_p, last_t = self.last_p, self.last_p_t
            if last_p is not None and t < last_t:
                self._went_back(t - last_t)
            elif last_p is not None:
                interval = (trapezoid_segment_j(last_p, p, t - last_t), t - last_t)
            self.last_p, self.last_p_t = p, t
        if e is not None or p is not None:
            self.samples += 1
            self.provenance = r.provenance
        peak = p
        if interval is not None:
            energy, dt = interval
            self.energy_j += energy
            self.covered_s += dt
            if peak is None and dt > 0:
                peak = energy / dt
        if peak is not None:
            if self.peak_w is None or peak > self.peak_w:
                self.peak_w = peak
            self.last_w = peak
        return interval

    def totals(self) -> DeviceTotals:
        mean = self.energy_j / self.covered_s if self.covered_s > 0 else None
        return DeviceTotals(
            self.key, self.probe, self.device, self.component, self.energy_j, self.covered_s,
            mean, self.peak_w, self.samples, self.failures, self.method, self.additive,
            self.provenance, self.last_error, self.model, self.backwards, self.last_w, self.uuid,
        )  # fmt: skip


class Sampler:
    """Reads probes on one background thread and accumulates energy per device.

    Args:
        probes: Open probes (the caller owns them and closes them).
        interval_s: Time between reads, >= 0.01. Units: s.
        clock: Monotonic time source (same clock as the probes'). Units: s.
        on_flush: Called as ``on_flush(samples, totals)`` every ``flush_interval_s`` from the
            sampler thread, and once more at ``stop()``.
        flush_interval_s: Time between flushes. Units: s.
        max_samples: Bound of the in-memory Sample buffer (oldest dropped beyond it).
        prepare: Optional set-up run first *on the sampler thread* (e.g. probe discovery, which
            can take tens of milliseconds): it returns further probes to sample. ``start()``
            then returns at once and the baseline reading is taken when ``prepare`` is done;
            :attr:`ready_s` says how long after ``start()`` that was.
        on_ready: Optional work run on the sampler thread right after that first reading (the
            tracker opens the store and saves its first checkpoint there), so no store work
            delays the first reading.

    Raises:
        InvalidInputError: An interval below 0.01 s, a non-positive flush interval or bound.
    """

    def __init__(
        self,
        probes: Sequence[Probe],
        interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        on_flush: FlushCallback | None = None,
        flush_interval_s: float = 10.0,
        max_samples: int = 100_000,
        prepare: Callable[[], Sequence[Probe]] | None = None,
        on_ready: Callable[[], None] | None = None,
        on_tick: Callable[[], None] | None = None,
    ) -> None:
        if not interval_s >= MIN_INTERVAL_S:
            raise InvalidInputError(
                f"interval_s must be >= {MIN_INTERVAL_S} s, got {interval_s!r}", field="interval_s"
            )
        if not flush_interval_s > 0:
            raise InvalidInputError(
                f"flush_interval_s must be > 0, got {flush_interval_s!r}", field="flush_interval_s"
            )
        if max_samples < 1:
            raise InvalidInputError(
                f"max_samples must be >= 1, got {max_samples!r}", field="max_samples"
            )
        self.interval_s = float(interval_s)
        self.flush_interval_s = float(flush_interval_s)
        self._probes = list(probes)
        self._clock = clock
        self._on_flush = on_flush
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._accs: dict[int, dict[str, _Acc]] = {}
        self._keys: set[str] = set()
        # (timestamp_s, component, device, power_w, energy_j): made Samples when taken (flush,
        # drain_samples), not at every reading, so the reading path allocates less.
        self._samples: deque[tuple[float, str, str, float | None, float]] = deque(maxlen=max_samples)
        self._additive: list[_Acc] = []  # the additive accumulators, in creation order
        self.samples_dropped = 0
        self._t0: float | None = None
        self.dropped: list[tuple[str, str]] = []
        self.error: BaseException | None = None
        self._prepare = prepare
        self._on_ready = on_ready
        self._on_tick = on_tick
        self.energy_now: dict[str, float] = {}
        self.history: tuple[tuple[float, dict[str, float]], ...] = ()
        """The last :data:`HISTORY` readings as (sampler clock, :attr:`energy_now`), replaced (never
        changed in place) after every reading: phase edges interpolate between them. Units: s, J."""
        """Energy so far per component over additive devices, replaced (never changed in place)
        after every reading, so other threads read it without the lock (phase edges). Units: J."""
        self._started_at: float | None = None
        self.ready_s: float | None = None
        self._ready = threading.Event()

    # -- life cycle ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Take the baseline reading and start the thread. Idempotent."""
        if self.running:
            return
        with self._lock:
            for accs in self._accs.values():  # after a stop: do not count the pause
                for acc in accs.values():
                    acc.rebaseline()
        self._stop_event.clear()
        self._started_at = self._clock()
        if self._probes or self._prepare is None:
            self.sample_once()  # the probes already open get their baseline now
        if self._prepare is None and self._on_ready is None:
            self.ready_s = 0.0
            self._ready.set()
            target = self._run
        else:
            target = self._prepare_then_run
        self._thread = threading.Thread(target=target, name="carbonest-sampler", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout_s: float | None = None) -> bool:
        """Wait until every probe (those from ``prepare`` too) has its baseline reading."""
        return self._ready.wait(timeout_s)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the thread, take a final reading and flush. Idempotent."""
        thread = self._thread
        if thread is None:
            return
        self._stop_event.set()
        thread.join(timeout_s)
        self._thread = None
        if thread.is_alive():
            self._fail(
                TimeoutError(f"sampler thread still busy after {timeout_s} s; final read skipped")
            )
            return
        self.sample_once()
        self._flush()

    def __enter__(self) -> Sampler:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _prepare_then_run(self) -> None:
        prepare, self._prepare = self._prepare, None
        extra: list[Probe] = []
        if prepare is not None:
            try:
                extra = list(prepare())
            except BaseException as exc:  # kept and reported; the run goes on with what it has
                self._fail(exc)
            with self._lock:
                self._probes.extend(extra)
            if extra or not self._accs:
                self.sample_once()
        self.ready_s = self._clock() - (self._started_at or 0.0)
        self._ready.set()
        on_ready, self._on_ready = self._on_ready, None
        if on_ready is not None:
            try:
                on_ready()
            except BaseException as exc:  # kept and reported; sampling goes on
                self._fail(exc)
        self._run()

    def _run(self) -> None:
        try:
            clock, wait, interval = self._clock, self._stop_event.wait, self.interval_s
            flush_interval, sample_once = self.flush_interval_s, self.sample_once
            next_t = clock() + interval
            next_flush = clock() + flush_interval
            while not wait(min(interval, max(0.0, next_t - clock()))):
                sample_once()
                now = clock()
                next_t += interval
                # Fell behind (slow probe, suspended VM): skip missed ticks. A clock that went
                # back must not make the thread wait out the difference either.
                if next_t < now or next_t > now + interval:
                    next_t = now + interval
                if next_flush > now + flush_interval:
                    next_flush = now + flush_interval
                if self._on_flush is not None and now >= next_flush:
                    self._flush()
                    next_flush = now + flush_interval
                elif self._on_tick is not None:
                    self._on_tick()
        except BaseException as exc:  # kept and reported, see _fail
            self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = exc
        warnings.warn(f"carbonest sampler: {exc!r}", RuntimeWarning, stacklevel=2)

    # -- sampling ------------------------------------------------------------------------------

    def sample_once(self) -> None:
        """Read every probe once and fold the readings in.

        The thread calls this; call it yourself only while the sampler is stopped.
        """
        if self._t0 is None:
            self._t0 = self._clock()
        for probe in tuple(self._probes):  # a copy: _drop removes from the list
            try:
                readings = probe.read()
            except ProbeUnavailableError as exc:
                self._drop(probe, f"{exc}")
                continue
            except Exception as exc:  # a probe bug: keep the error, drop the probe, go on
                self._fail(exc)
                self._drop(probe, f"{exc!r}")
                continue
            self._fold(probe, readings)
        comps: dict[str, float] = {}
        for a in self._additive:  # creation order, as the accumulators' dicts: the same sums
            c = a.component
            comps[c] = comps.get(c, 0.0) + a.energy_j
        history = self.history
        if len(history) >= HISTORY:
            history = history[len(history) - (HISTORY - 1):]
        self.history = history + ((self._clock(), comps),)
        self.energy_now = comps

    def _drop(self, probe: Probe, reason: str) -> None:
        self._probes.remove(probe)
        self.dropped.append((probe.name, reason))
        warnings.warn(
            f"carbonest sampler: probe {probe.name!r} dropped ({reason}); "
            "its energy so far is kept",
            RuntimeWarning,
            stacklevel=3,
        )

    def _fold(self, probe: Probe, readings: list[Reading]) -> None:
        t0 = self._t0 or 0.0
        samples = self._samples
        with self._lock:
            accs = self._accs.get(id(probe))
            if accs is None:
                accs = self._accs[id(probe)] = {}
            for r in readings:
                acc = accs.get(r.device)
                if acc is None:
                    acc = accs[r.device] = _Acc(self._new_key(probe.name, r.device), probe, r)
                    self._additive = [a for d in self._accs.values() for a in d.values() if a.additive]
                interval = acc.add(r)
                if interval is not None:
                    energy, dt = interval
                    if len(samples) == samples.maxlen:
                        self.samples_dropped += 1
                    samples.append(
                        (r.timestamp_s - t0, r.component, r.device, energy / dt if dt > 0 else None, energy)
                    )

    def _new_key(self, probe_name: str, device: str) -> str:
        key, n = f"{probe_name}/{device}", 1
        while key in self._keys:
            n += 1
            key = f"{probe_name}#{n}/{device}"
        self._keys.add(key)
        return key

    # -- results -------------------------------------------------------------------------------

    def snapshot(self) -> SamplerTotals:
        """Totals per device and per component, consistent across devices. Thread-safe."""
        with self._lock:
            return self._snapshot_locked()

    def _snapshot_locked(self) -> SamplerTotals:
        now = self._clock()
        devices = {a.key: a.totals() for accs in self._accs.values() for a in accs.values()}
        components: dict[str, float] = {}
        for d in devices.values():
            if d.additive:
                components[d.component] = components.get(d.component, 0.0) + d.energy_j
        elapsed = now - self._t0 if self._t0 is not None else 0.0
        return SamplerTotals(now, elapsed, devices, components, tuple(self.dropped))

    def drain_samples(self) -> list[Sample]:
        """Take the buffered Samples (oldest first) and empty the buffer."""
        with self._lock:
            taken = list(self._samples)
            self._samples.clear()
        return [Sample(*x) for x in taken]

    def _flush(self) -> None:
        if self._on_flush is None:
            return
        with self._lock:
            taken = list(self._samples)
            self._samples.clear()
            totals = self._snapshot_locked()
        samples = [Sample(*x) for x in taken]
        try:
            self._on_flush(samples, totals)
        except Exception as exc:  # kept and reported; sampling goes on
            self._fail(exc)
