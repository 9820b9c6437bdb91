"""``carbonest exporter``: a whole node's power, energy and CO2e for Prometheus, for as long as it runs.

Unlike a run, the exporter counts everything the node has (``scope="all"``: every GPU, every
CPU package, DRAM), keeps nothing on disk, and holds no sample history (the sampler's buffer
is one sample long): its memory stays flat however long it runs. Its counters start at 0
when it starts, as Prometheus counters may (``rate()`` and ``increase()`` handle restarts).

Intensity and PUE follow the run's rules (argument, ``CARBONEST_REGION`` / ``CARBONEST_PUE``,
the config file, else the world average and the industry PUE), from the shipped tables:
the CO2e counter of the exporter does not follow a live provider.
"""

from __future__ import annotations

import os
import time
from typing import Any

from carbonest.measure.prometheus import (
    DEFAULT_BIND,
    MetricsState,
    PrometheusExporter,
    check_bind,
    check_port,
    import_client,
    job_labels,
)


class NodeExporter:
    """Samples the whole node on one thread and serves it on ``/metrics``.

    Args:
        port: TCP port (0: a free one, see :attr:`url` after :meth:`start`).
        bind: Address to listen on (default 127.0.0.1).
        region: Grid region for the CO2e counter (default: environment or config, else world).
        basis: ``lifecycle`` or ``direct`` intensity of that region.
        intensity_g_per_kwh: A carbon intensity instead of a region. Units: g CO2e/kWh.
        pue: Power usage effectiveness (default: environment or config, else industry average).
        interval_s: Sampling interval, >= 0.01 (default 1). Units: s.

    Raises:
        InvalidInputError: A bad port, address, region, PUE or interval (naming ``port``,
            ``bind``, ...), or prometheus_client not installed.
    """

    def __init__(self, *, port: int, bind: str = DEFAULT_BIND, region: str | None = None,
                 basis: str | None = None, intensity_g_per_kwh: float | None = None,
                 pue: float | None = None, interval_s: float | None = None) -> None:
        self.port = check_port(port, field="port")
        self.bind = check_bind(bind, field="bind")
        import_client(field="port")
        self._kw: dict[str, Any] = dict(
            name="exporter", region=region, basis=basis, intensity_g_per_kwh=intensity_g_per_kwh, pue=pue,
            wue_l_per_kwh=None, interval_s=interval_s, flush_interval_s=None, probes=None, store=False,
            scope="all", clock=time.monotonic, handle_signals=False, intensity_provider="table",
            prometheus_port=None, prometheus_bind=DEFAULT_BIND,
        )
        self.warnings: list[str] = []
        self._ctx: Any = None
        self._sampler: Any = None
        self._probes: list[Any] = []
        self._server: PrometheusExporter | None = None

    @property
    def url(self) -> str | None:
        """Where the metrics are served, once started."""
        return self._server.url if self._server is not None else None

    @property
    def devices(self) -> list[str]:
        """``probe/device`` of everything measured (after :meth:`start`)."""
        return [f"{p.name}/{d}" for p in self._probes for d in p.devices()]

    def start(self) -> NodeExporter:
        """Resolve the settings, discover the probes, start sampling, then serving.

        Raises:
            PortInUseError: The port is taken (nothing is left running).
        """
        from carbonest.measure.sampler import Sampler
        from carbonest.measure.setup import resolve_settings, setup_probes
        from carbonest.measure.summary import RunContext

        import warnings

        with warnings.catch_warnings(record=True) as caught:  # said once, as notes, by the caller
            warnings.simplefilter("always")
            settings, notes = resolve_settings(self._kw, [])
            self._ctx = RunContext(run_id="exporter", name="exporter", started_at="", t0=time.monotonic(),
                                   pid=os.getpid(), **settings)
            self._probes, _, reasons = setup_probes(self._kw, self._ctx, self._ctx.notes)
        self.warnings += [str(w.message).removeprefix("carbonest: ") for w in caught]
        self.warnings += [f"{component} not measured: {why}" for component, why in sorted(reasons.items())
                          if not any(component in p.components and p.devices() for p in self._probes)]
        self._sampler = Sampler(self._probes, interval_s=self._ctx.interval_s, max_samples=1)
        self._sampler.start()
        try:
            self._server = PrometheusExporter(self._state, port=self.port, bind=self.bind).start()
        except BaseException:
            self.stop()
            raise
        return self

    def _state(self) -> MetricsState:
        ctx = self._ctx
        return MetricsState(
            totals=self._sampler.snapshot(), pue=ctx.pue, intensity_g_per_kwh=ctx.intensity_g_per_kwh,
            intensity_source=str(ctx.provenance.get("intensity_g_per_kwh", "")), labels=job_labels(ctx.host),
        )

    def stop(self) -> None:
        """Stop serving and sampling, close the probes. Idempotent."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        sampler, self._sampler = self._sampler, None
        if sampler is not None:
            sampler.stop()
        for probe in self._probes:
            probe.close()
        self._probes = []


__all__ = ["NodeExporter"]
