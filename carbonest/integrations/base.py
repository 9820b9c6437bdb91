"""Where a run's metrics go: the :class:`MetricSink` contract and the :class:`SinkHub` that drives it.

A sink receives one run, in four calls, always in this order::

    sink.start(record)                 # once, on the thread that started the run: params, provenance
    sink.log_metrics(metrics, step)    # 0..n times: cumulative figures at integer steps 0, 1, 2, ...
    sink.finish(record)                # once: the final record (the JSON artifact, the status)
    sink.close()                       # always last, even after a failure: release what start() took

``record`` is the run record in its stored, JSON form (``RunRecord.to_dict()``, or what
``carbonest runs show --json`` prints), so a run being measured and a run read back from the
store look the same to a sink. ``metrics`` are plain floats under the names of
:func:`step_metrics`; a figure that could not be measured is absent, never 0.

MLflow (:mod:`carbonest.integrations.mlflow`), Weights & Biases
(:mod:`carbonest.integrations.wandb`) and the CLI's ``--log-to`` share this contract; any
other destination (a Prometheus exporter, a file) implements the same four methods and can be
passed to ``carbonest.track(log_to=[MySink()])`` directly.

Failures: a sink never stops the run. The :class:`SinkHub` calls every sink inside a guard: its
first failure is warned about once (and named in the run's warnings while the run is still
going), later ones are counted; a sink whose ``start`` failed gets no further calls but
``close``. ``start`` runs on the caller's thread (so the run's start waits for it, as it would
for ``mlflow.start_run()``); the calls after it run on one worker thread of the hub, so a slow
tracking server delays neither the training code nor the sampler.

This module is a contract (layer 4): it imports nothing above the formulas.
"""

from __future__ import annotations

import json
import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from carbonest.errors import InvalidInputError
from carbonest.formulas import emissions
from carbonest.units import J_PER_KWH

__all__ = ["MetricSink", "SinkHub", "SINK_NAMES", "check_log_to", "component_provenance", "record_json",
           "run_params", "step_metrics", "stored_steps"]

SINK_NAMES = ("mlflow", "wandb")
"""The sinks that ``log_to`` / ``--log-to`` know by name."""

PREFIX = "carbonest/"
"""Every metric and parameter name carbonest writes starts with this (its own panel in W&B)."""

DEFAULT_FINISH_TIMEOUT_S = 30.0
"""How long ``SinkHub.finish`` waits for the sinks to send what is queued. Units: s."""

MAX_QUEUED = 1000
"""Calls waiting for the worker thread at most; beyond it metric steps are dropped (counted, warned)."""


class MetricSink(ABC):
    """A destination for one run's metrics (see the module docstring for the call order).

    Implementations import their library inside :meth:`start`, so that creating one is cheap and
    ``import carbonest`` never imports it. The same object may serve several runs one after the
    other (``@carbonest.track(log_to=[sink])`` on a function called every epoch): each run is
    ``start`` ... ``close``.
    """

    name: str = "sink"
    """Short name used in warnings (``"mlflow"``, ``"wandb"``)."""

    @abstractmethod
    def start(self, record: Mapping[str, Any]) -> None:
        """The run begins: find or open the destination run, log :func:`run_params`."""

    @abstractmethod
    def log_metrics(self, metrics: Mapping[str, float], step: int) -> None:
        """Cumulative figures at an integer step (0, 1, 2, ...). Units: in each name."""

    @abstractmethod
    def finish(self, record: Mapping[str, Any]) -> None:
        """The run ended: keep the final record (as :func:`record_json`) and its status."""

    def close(self) -> None:  # noqa: B027 - optional: most sinks have nothing to release
        """Release what :meth:`start` opened. Called last, also after a failure."""


def check_log_to(value: Any, field: str = "log_to") -> tuple[str | MetricSink, ...]:
    """``log_to`` as a tuple of sink names and sink objects; a usage error names ``field``.

    Accepts None, a name (``"mlflow"``, or several: ``"mlflow,wandb"``), a sink, or a list of them.
    """
    if value is None:
        return ()
    items = [value] if isinstance(value, (str, MetricSink)) else value
    if not isinstance(items, (list, tuple)):
        raise InvalidInputError(f"{field}: must be a sink name ({', '.join(SINK_NAMES)}), a MetricSink "
                                f"or a list of them, got {value!r}", field=field)
    out: list[str | MetricSink] = []
    for item in items:
        if isinstance(item, MetricSink):
            out.append(item)
            continue
        if not isinstance(item, str):
            raise InvalidInputError(f"{field}: must name a sink ({', '.join(SINK_NAMES)}) or be a MetricSink, "
                                    f"got {item!r}", field=field)
        for word in (w.strip().lower() for w in item.split(",")):
            if word not in SINK_NAMES:
                import difflib

                close = difflib.get_close_matches(word, SINK_NAMES, n=1)
                hint = f"; did you mean {close[0]}?" if close else ""
                raise InvalidInputError(f"{field}: unknown sink {word!r}: choose from "
                                        f"{', '.join(SINK_NAMES)}{hint}", field=field)
            if word not in out:
                out.append(word)
    return tuple(out)


# -- what a sink logs -----------------------------------------------------------------------------


def run_params(record: Mapping[str, Any]) -> dict[str, str]:
    """The run's settings and where each came from, as text (MLflow params, W&B config).

    Region, basis, PUE and carbon intensity each come with their provenance (``user``,
    ``table:regions Ember 2024``, ``default:...``); the region also with its table's source and year.
    """
    region = record.get("region") or {}
    prov = dict(record.get("provenance") or {})
    params = {
        "region": str(region.get("id")),
        "region_name": str(region.get("name")),
        "basis": str(region.get("basis")),
        "pue": _text(record.get("pue")),
        "intensity_g_per_kwh": _text(record.get("intensity_g_per_kwh")),
        "interval_s": _text(record.get("interval_s")),
        "carbonest_version": str(record.get("carbonest_version") or ""),
    }
    if region.get("source") is not None:
        params["region_source"] = f"{region.get('source')} {region.get('year') or ''}".strip()
    if record.get("wue_l_per_kwh") is not None:
        params["wue_l_per_kwh"] = _text(record["wue_l_per_kwh"])
    for key, label in sorted(prov.items()):
        params[f"provenance/{key}"] = str(label)
    return {PREFIX + k: v[:500] for k, v in params.items()}


def component_provenance(record: Mapping[str, Any]) -> dict[str, str]:
    """How each component's energy was had (``measured:nvml:total_energy``, ``modelled:...``), or
    ``not measured``: known once the probes have read, so sinks keep it with the final record."""
    out = {f"{PREFIX}provenance/{name}": str((entry or {}).get("provenance") or "unknown")[:500]
           for name, entry in (record.get("components") or {}).items()}
    for name in record.get("not_measured") or ():
        out[f"{PREFIX}provenance/{name}"] = "not measured"
    return out


def step_metrics(record: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> dict[str, float]:
    """Cumulative energy, CO2e and power of a record, under carbonest's metric names.

    ``power_w`` (total and per component) is the mean IT power since ``previous`` (the record of
    the last step), or over the whole run when there is none. A figure the record does not have
    (not measured yet, not measured at all) is left out, never given as 0.

    Names: ``carbonest/energy_kwh`` (facility, PUE included), ``carbonest/it_energy_kwh``,
    ``carbonest/co2e_kg``, ``carbonest/water_l``, ``carbonest/duration_s``,
    ``carbonest/power_w``, and per component ``carbonest/<gpu|cpu|dram>/energy_kwh`` and
    ``.../power_w``. Units: in each name.
    """
    out: dict[str, float] = {}
    for key in ("energy_kwh", "it_energy_kwh", "co2e_kg", "water_l", "duration_s"):
        _put(out, key, record.get(key))
    comps: Mapping[str, Any] = record.get("components") or {}
    before: Mapping[str, Any] = (previous or {}).get("components") or {}
    dt = _num(record.get("duration_s")) - (_num((previous or {}).get("duration_s")) if previous else 0.0)
    total_w: float | None = None
    for name, entry in sorted(comps.items()):
        energy = entry.get("energy_kwh") if isinstance(entry, Mapping) else None
        _put(out, f"{name}/energy_kwh", energy)
        if previous is None:
            power = entry.get("mean_power_w") if isinstance(entry, Mapping) else None
        elif energy is not None and dt > 0:
            earlier = before.get(name) or {}
            power = (energy - _num(earlier.get("energy_kwh"))) * J_PER_KWH / dt
        else:
            power = None
        if _put(out, f"{name}/power_w", power):
            total_w = (total_w or 0.0) + float(power)  # type: ignore[arg-type]
    if total_w is not None:
        out[PREFIX + "power_w"] = total_w
    elif previous is None:
        _put(out, "power_w", record.get("mean_power_w"))
    return out


def stored_steps(record: Mapping[str, Any], samples: Sequence[Any], step_s: float = 10.0) -> list[dict[str, float]]:
    """Metric steps rebuilt from a stored run's samples (``carbonest runs log``), ``step_s`` apart.

    Each step has the cumulative IT and facility energy per component (the record's additive
    devices only) and the mean power over the step; CO2e where the run used one carbon intensity
    (under a live provider the intensity changed during the run: only the final step, the
    record's own totals, carries CO2e then). The last step is the record itself.

    Units: ``step_s`` in s; figures as in :func:`step_metrics`.
    """
    comps: Mapping[str, Any] = record.get("components") or {}
    devices = {(c, str(d)) for c, e in comps.items() if isinstance(e, Mapping) for d in e.get("devices") or ()}
    pue = _num(record.get("pue"), 1.0)
    intensity = record.get("intensity_g_per_kwh") if not record.get("intensity_source") else None
    steps: list[dict[str, float]] = []
    energy_kwh: dict[str, float] = {}
    bucket_j: dict[str, float] = {}

    def close_bucket(t: float, width: float) -> None:
        row: dict[str, float] = {PREFIX + "duration_s": t}
        for comp in sorted(energy_kwh):
            row[f"{PREFIX}{comp}/energy_kwh"] = energy_kwh[comp]
            row[f"{PREFIX}{comp}/power_w"] = bucket_j.get(comp, 0.0) / width
        it = sum(energy_kwh.values())
        row[PREFIX + "it_energy_kwh"] = it
        row[PREFIX + "energy_kwh"] = emissions.facility_energy_kwh(it, pue)
        row[PREFIX + "power_w"] = sum(bucket_j.values()) / width
        if intensity is not None:
            row[PREFIX + "co2e_kg"] = emissions.co2e_kg(row[PREFIX + "energy_kwh"], float(intensity))
        steps.append(row)
        bucket_j.clear()

    current, last_t = None, 0.0
    for s in samples:
        if (s.component, str(s.device)) not in devices or s.energy_j is None:
            continue
        k = int(s.timestamp_s // step_s)
        if current is not None and k != current:
            close_bucket((current + 1) * step_s, step_s)
        current, last_t = k, s.timestamp_s
        energy_kwh[s.component] = energy_kwh.get(s.component, 0.0) + s.energy_j / J_PER_KWH
        bucket_j[s.component] = bucket_j.get(s.component, 0.0) + s.energy_j
    if current is not None and last_t > current * step_s:
        close_bucket(last_t, last_t - current * step_s)
    steps.append(step_metrics(record))
    return steps


def record_json(record: Mapping[str, Any]) -> str:
    """The record as the JSON artifact sinks keep (indented, UTF-8, no NaN)."""
    return json.dumps(dict(record), indent=2, ensure_ascii=False, allow_nan=False, default=str) + "\n"


def _put(out: dict[str, float], key: str, value: Any) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
        out[PREFIX + key] = float(value)
        return True
    return False


def _num(value: Any, default: float = 0.0) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _text(value: Any) -> str:
    return "n/a" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


# -- driving the sinks of one run -----------------------------------------------------------------


class SinkHub:
    """The sinks of one run: ``start`` on the caller's thread, everything after on one worker thread.

    Args:
        sinks: The sinks (already created; their libraries are imported in their ``start``).
        warn: Called once per sink with the text of its first failure (the tracker adds it to the
            run's warnings and warns the user).
        threaded: False to make every call on the caller's thread (``carbonest runs log``).
        finish_timeout_s: How long :meth:`finish` waits for the worker. Units: s.
    """

    def __init__(self, sinks: Iterable[MetricSink], warn: Callable[[str], None], *, threaded: bool = True,
                 finish_timeout_s: float = DEFAULT_FINISH_TIMEOUT_S) -> None:
        self.sinks = list(sinks)
        self._warn = warn
        self._threaded = threaded
        self._timeout = finish_timeout_s
        self._queue: queue.Queue[tuple[str, Any] | None] = queue.Queue(MAX_QUEUED)
        self._thread: threading.Thread | None = None
        self._live: list[MetricSink] = []
        self._failures: dict[int, int] = {}
        self._previous: Mapping[str, Any] | None = None
        self._step = 0
        self._dropped = 0
        self._finished = False

    @property
    def failures(self) -> dict[str, int]:
        """Failed calls per sink name so far."""
        return {s.name: self._failures[id(s)] for s in self.sinks if id(s) in self._failures}

    def start(self, record: Mapping[str, Any]) -> None:
        """Start every sink here (MLflow's active run is per thread); then the worker thread."""
        for sink in self.sinks:
            if self._guard(sink, "start", sink.start, record):
                self._live.append(sink)
            else:
                self._guard(sink, "close", sink.close)
        if self._threaded and self._live:
            self._thread = threading.Thread(target=self._work, name="carbonest-sinks", daemon=True)
            self._thread.start()

    def metrics(self, record: Mapping[str, Any]) -> None:
        """One step: the figures of ``record`` (a checkpoint) go to every sink."""
        if not self._live or self._finished:
            return
        values = step_metrics(record, self._previous)
        self._previous = record
        if values:
            self._send("metrics", (values, self._step))
            self._step += 1

    def log_steps(self, steps: Iterable[Mapping[str, float]]) -> None:
        """Steps already computed (a stored run's, :func:`stored_steps`)."""
        for values in steps:
            if self._live and values:
                self._send("metrics", (dict(values), self._step))
                self._step += 1

    def finish(self, record: Mapping[str, Any], *, final_step: bool = True) -> None:
        """The final figures as a last step, the record, then ``close``; waits for the worker."""
        if self._finished:
            return
        if final_step:
            self.metrics(record)
        self._finished = True
        if not self._live:
            return
        self._send("finish", record)
        self._send("close", None)
        thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(self._timeout)
            if thread.is_alive():
                self._warn(f"log_to: {', '.join(s.name for s in self._live)} still sending after "
                           f"{self._timeout:g} s; what was not sent yet is lost to them (the run is in the store)")
        if self._dropped:
            self._warn(f"log_to: {self._dropped} metric steps were dropped (the sinks fell behind)")

    def _send(self, what: str, payload: Any) -> None:
        if self._thread is None:
            self._dispatch(what, payload)
            return
        try:
            self._queue.put_nowait((what, payload))
        except queue.Full:
            if what == "metrics":
                self._dropped += 1
            else:  # the end of the run is never dropped: wait for room
                self._queue.put((what, payload), timeout=self._timeout)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            self._dispatch(*item)

    def _dispatch(self, what: str, payload: Any) -> None:
        for sink in self._live:
            if what == "metrics":
                self._guard(sink, "log_metrics", sink.log_metrics, *payload)
            elif what == "finish":
                self._guard(sink, "finish", sink.finish, payload)
            else:
                self._guard(sink, "close", sink.close)

    def _guard(self, sink: MetricSink, what: str, call: Callable[..., Any], *args: Any) -> bool:
        try:
            call(*args)
            return True
        except Exception as exc:  # noqa: BLE001 - a sink must never stop the run; warned about once
            count = self._failures.get(id(sink), 0) + 1
            self._failures[id(sink)] = count
            if count == 1:
                after = "; it gets no further calls" if what == "start" else "; later failures are not repeated"
                self._warn(f"log_to {sink.name}: {what} failed: {_describe(exc)}{after}")
            return False


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first[:300]}" if first else type(exc).__name__
