"""Prometheus metrics of a run (``track(prometheus_port=P)``, ``measure --prometheus-port P``)
or of a whole node (``carbonest exporter``), served with ``prometheus_client``.

Each scrape of ``/metrics`` reads the sampler's totals at that moment (a snapshot, under the
sampler's lock: nothing is read from the hardware by the scrape itself) and shows, per
additive device (devices that overlap another, such as RAPL ``core`` inside its package, are
left out so that sums in PromQL never count a joule twice):

* ``carbonest_power_watts`` (gauge): mean IT power over the device's latest sampling interval
  (its latest reading for power-only devices). Units: W.
* ``carbonest_energy_joules_total`` (counter): IT energy since the run (or exporter) started;
  only ever increases. Units: J.
* ``carbonest_co2e_grams_total`` (counter): that energy x PUE x carbon intensity. Units: g CO2e.

Labels: ``host``, ``component`` (gpu, cpu, dram), ``device`` (``gpu:0``, ``package-0``),
``probe`` (nvml, amdsmi, rapl, cpu_model, ...), ``provenance`` (the counter or model, e.g.
``measured:nvml:total_energy``), ``job`` and ``rank`` (from the launcher's variables, empty
when unknown). Beside them, ``carbonest_pue`` and ``carbonest_intensity_grams_per_kwh``
(with the ``source`` of the figure), and ``carbonest_run_info`` (``run_id``, ``name``).

The server binds 127.0.0.1 unless told otherwise: metrics of a host are not for the whole
network by default. ``prometheus_client`` is imported when an exporter starts, never before.
"""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from carbonest.errors import CarbonestError, InvalidInputError
from carbonest.formulas.emissions import co2e_kg, facility_energy_kwh
from carbonest.units import G_PER_KG, J_PER_KWH

DEFAULT_BIND = "127.0.0.1"
JOB_VARS = ("SLURM_JOB_ID", "TORCHELASTIC_RUN_ID", "PBS_JOBID", "LSB_JOBID")
"""Where the ``job`` label comes from, first set wins (Slurm, torchrun, PBS, LSF)."""
RANK_VARS = ("RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK")
"""Where the ``rank`` label comes from, first set wins (torchrun, Slurm, Open MPI, PMI)."""


class PortInUseError(CarbonestError):
    """The address and port asked for are taken by another program."""


@dataclass(frozen=True)
class MetricsState:
    """What one scrape shows: the sampler's totals and the factors that turn energy into CO2e.

    Attributes:
        totals: A :class:`~carbonest.measure.sampler.SamplerTotals` (None before the first reading).
        pue: Power usage effectiveness applied to the CO2e counter.
        intensity_g_per_kwh: Carbon intensity applied to it. Units: g CO2e/kWh.
        intensity_source: Where that intensity came from (a provenance label).
        labels: ``host``, ``job`` and ``rank`` (and any more constant labels).
        info: ``run_id`` and ``name`` of the run, for ``carbonest_run_info``.
    """

    totals: Any
    pue: float
    intensity_g_per_kwh: float
    intensity_source: str
    labels: Mapping[str, str]
    info: Mapping[str, str] = field(default_factory=dict)


def job_labels(host: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``host``, ``job`` and ``rank`` labels from the launcher's variables (empty when unknown)."""
    env = os.environ if environ is None else environ
    job = next((env[k] for k in JOB_VARS if env.get(k, "").strip()), "")
    rank = next((env[k] for k in RANK_VARS if env.get(k, "").strip()), "")
    return {"host": host, "job": job.strip(), "rank": rank.strip()}


def check_port(port: object, *, field: str = "prometheus_port") -> int:
    """``port`` as an int in 0..65535 (0: any free port), else InvalidInputError naming ``field``."""
    value = port
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise InvalidInputError(f"{field}: must be a port number from 0 to 65535, got {port!r}", field=field)
    return value


def check_bind(bind: object, *, field: str = "prometheus_bind") -> str:
    """``bind`` as an address this host can listen on, else InvalidInputError naming ``field``."""
    if not isinstance(bind, str) or not bind.strip():
        raise InvalidInputError(f"{field}: must be an IP address or host name, got {bind!r}", field=field)
    try:
        socket.getaddrinfo(bind.strip(), None, 0, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise InvalidInputError(f"{field}: cannot listen on {bind!r}: {exc}", field=field) from None
    return bind.strip()


def import_client(field: str = "prometheus_port") -> Any:
    """``prometheus_client``, or InvalidInputError saying how to install it."""
    try:
        import prometheus_client
    except ImportError:
        raise InvalidInputError(
            f"{field}: Prometheus metrics need prometheus_client: pip install 'carbonest[prometheus]'",
            field=field) from None
    return prometheus_client


class _Collector:
    """Turns a :class:`MetricsState` into metric families at every scrape."""

    def __init__(self, source: Callable[[], MetricsState]) -> None:
        self._source = source

    def describe(self) -> list[Any]:
        return []  # no fixed list: the registry then does not call collect() at registration

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        state = self._source()
        base = dict(state.labels)
        names = [*base, "component", "device", "probe", "provenance"]
        power = GaugeMetricFamily("carbonest_power_watts", "IT power over the latest sampling interval (W)",
                                  labels=names)
        energy = CounterMetricFamily("carbonest_energy_joules", "IT energy since the start (J)", labels=names)
        co2e = CounterMetricFamily("carbonest_co2e_grams", "CO2e of that energy: x PUE x carbon intensity (g)",
                                   labels=names)
        devices = state.totals.devices.values() if state.totals is not None else ()
        for d in sorted(devices, key=lambda d: d.key):
            if not d.additive or d.method is None:
                continue  # overlaps another device, or no good reading yet: nothing to show
            values = [*base.values(), d.component, d.device, d.probe,
                      d.provenance.label if d.provenance is not None else ""]
            if d.last_power_w is not None:
                power.add_metric(values, d.last_power_w)
            energy.add_metric(values, d.energy_j)
            facility_kwh = facility_energy_kwh(d.energy_j / J_PER_KWH, state.pue)
            co2e.add_metric(values, co2e_kg(facility_kwh, state.intensity_g_per_kwh) * G_PER_KG)
        yield power
        yield energy
        yield co2e
        pue = GaugeMetricFamily("carbonest_pue", "Power usage effectiveness applied to CO2e", labels=list(base))
        pue.add_metric(list(base.values()), state.pue)
        yield pue
        intensity = GaugeMetricFamily("carbonest_intensity_grams_per_kwh",
                                      "Carbon intensity applied to CO2e (g CO2e/kWh)", labels=[*base, "source"])
        intensity.add_metric([*base.values(), state.intensity_source], state.intensity_g_per_kwh)
        yield intensity
        if state.info:
            info = GaugeMetricFamily("carbonest_run_info", "The run these metrics measure",
                                     labels=[*base, *state.info])
            info.add_metric([*base.values(), *state.info.values()], 1.0)
            yield info


class PrometheusExporter:
    """An HTTP server for ``/metrics`` on its own daemon thread, over a state source.

    Args:
        source: Called at every scrape; returns the :class:`MetricsState` to show.
        port: TCP port; 0 picks a free one (see :attr:`port` after :meth:`start`).
        bind: Address to listen on (default 127.0.0.1: this host only).
    """

    def __init__(self, source: Callable[[], MetricsState], *, port: int, bind: str = DEFAULT_BIND) -> None:
        self._source = source
        self.port = check_port(port)
        self.bind = check_bind(bind)
        self._server: Any = None
        self._thread: Any = None

    @property
    def url(self) -> str:
        """Where the metrics are, e.g. ``http://127.0.0.1:9100/metrics``."""
        host = f"[{self.bind}]" if ":" in self.bind else self.bind
        return f"http://{host}:{self.port}/metrics"

    def start(self) -> PrometheusExporter:
        """Bind and serve. Idempotent.

        Raises:
            PortInUseError: Another program listens on that address and port.
            InvalidInputError: prometheus_client is not installed.
            CarbonestError: The address cannot be listened on (not an address of this host).
        """
        if self._server is not None:
            return self
        client = import_client()
        from prometheus_client import CollectorRegistry

        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Collector(self._source))
        try:
            self._server, self._thread = client.start_http_server(self.port, addr=self.bind, registry=registry)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    f"{self.bind}:{self.port} is already in use (choose another port, or stop what listens there)"
                ) from None
            raise CarbonestError(f"cannot listen on {self.bind}:{self.port}: {exc.strerror or exc}") from None
        self.port = int(self._server.server_port)
        return self

    def stop(self) -> None:
        """Stop serving and free the port. Idempotent."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None


def port_is_free(port: int, bind: str = DEFAULT_BIND) -> None:
    """Raise :class:`PortInUseError` if ``bind:port`` is taken (checked before a command starts)."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            probe.bind((bind, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    f"{bind}:{port} is already in use (choose another port, or stop what listens there)"
                ) from None
            raise CarbonestError(f"cannot listen on {bind}:{port}: {exc.strerror or exc}") from None


def start_for_tracker(tracker: Any, warnings_out: list[str]) -> PrometheusExporter | None:
    """Start a running tracker's exporter; a port in use is warned about (training goes on)."""
    kw = tracker._kwargs
    exporter = PrometheusExporter(lambda: tracker_state(tracker), port=kw["prometheus_port"],
                                  bind=kw["prometheus_bind"])
    try:
        return exporter.start()
    except CarbonestError as exc:
        from carbonest.measure.setup import warn_user

        message = f"prometheus: {exc}; the run is not exported"
        warnings_out.append(message)
        warn_user(f"carbonest: {message}", RuntimeWarning)
        return None


def tracker_state(tracker: Any) -> MetricsState:
    """The state of a running :class:`~carbonest.measure.tracker.Tracker`, for its exporter."""
    ctx = tracker._ctx
    sampler = tracker._sampler
    totals = sampler.snapshot() if sampler is not None else None
    return MetricsState(
        totals=totals, pue=ctx.pue, intensity_g_per_kwh=ctx.intensity_g_per_kwh,
        intensity_source=str(ctx.provenance.get("intensity_g_per_kwh", "")),
        labels=job_labels(ctx.host), info={"run_id": ctx.run_id, "name": ctx.name},
    )


__all__ = [
    "DEFAULT_BIND", "MetricsState", "PortInUseError", "PrometheusExporter", "check_bind", "check_port",
    "job_labels", "port_is_free", "start_for_tracker", "tracker_state",
]
