"""What a run does beyond measuring and storing itself, kept out of the tracker's core:
metrics sinks (``log_to=``), the Prometheus exporter's address, and its part in a multi-process
job (the torch.distributed gather and the job record, docs/cluster.md); with the two helpers the
tracker's ``start()`` uses before its thread starts.

:class:`RunExtensions` is a mixin of :class:`carbonest.measure.tracker.Tracker`: its methods use
the tracker's attributes (``_kwargs``, ``_warnings``, ``_ctx``, ``_record``, ``_store``,
``_exporter``, ``_gather``, ``_job``, ``_sinks``) and are called from ``start()``/``stop()``.
"""

from __future__ import annotations

import sys
from typing import Any


def _warn(message: str) -> None:
    from carbonest.measure.setup import warn_user

    warn_user(message, RuntimeWarning)


class RunExtensions:
    """Sinks, the metrics address and the job record of a :class:`~carbonest.measure.tracker.Tracker`."""

    _kwargs: dict[str, Any]
    _warnings: list[str]
    _ctx: Any
    _record: Any
    _store: Any
    _exporter: Any
    _gather: Any
    _job: dict[str, Any] | None
    _sinks: Any
    name: str
    run_id: str
    _build: Any  # the tracker's record builder: _build(status, reason, *, ended, totals=None)

    def _start_sinks(self) -> None:
        """log_to: the sinks start here, on the caller's thread (MLflow's active run is per thread)."""
        if not self._kwargs["log_to"]:
            self._sinks = None
            return
        from carbonest.integrations.sinks import open_hub

        hub = open_hub(self._kwargs["log_to"], self._sink_problem)
        if hub is not None:
            hub.start(self._build("running", None, ended=False).to_dict())
        self._sinks = hub  # only now: the sampler thread's checkpoints send metrics from here on

    def _sink_problem(self, message: str) -> None:
        self._warnings.append(message)
        _warn(f"carbonest: {message}; measuring goes on")

    def _announce(self) -> None:
        """In a torch.distributed job: tell rank 0 this rank tracks (see measure/gather.py)."""
        from carbonest.measure.gather import announce

        self._gather = announce(self.name, self.run_id, self._warnings)

    def _finish_job(self) -> None:
        """After the final save: give the host claims back; gather or form the job record."""
        assert self._ctx is not None and self._record is not None
        if self._ctx.claims is not None:
            self._ctx.claims.release()
        if self._ctx.job.get("id") or "torch.distributed" in sys.modules:
            from carbonest.measure.gather import finish_job

            self._job = finish_job(self._record, self._store, self._gather, self._warnings, _warn)

    @property
    def job(self) -> dict[str, Any] | None:
        """The job record this process formed at stop (rank 0 of a torch.distributed job, or the
        host's process of a job found by its id), else None. See docs/cluster.md."""
        return self._job

    @property
    def metrics_url(self) -> str | None:
        """Where the run's Prometheus metrics are served while it runs (``prometheus_port=``)."""
        return self._exporter.url if self._exporter is not None else None


def utf8_text(text: str) -> str:
    """``text``, with any character that cannot be written as UTF-8 (bytes from argv) as U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        from carbonest.store.base import clean_text

        return str(clean_text(text))
    return text


def preload(kw: dict[str, Any]) -> None:
    """Import here, on the caller's thread, what the sampler thread's set-up needs.

    Each import reads files, and a thread that blocks gives the GIL up: against a CPU-bound main
    thread it then waits up to the switch interval (5 ms) to get it back, so importing these on
    the sampler thread delayed the first reading and the run's registration by 50-500 ms.
    """
    import carbonest.store.liveness  # noqa: F401 - the process start time
    if kw["probes"] is None:
        import carbonest.probes.cpu_model  # noqa: F401
        import carbonest.probes.discovery  # noqa: F401
        import carbonest.probes.memory_model  # noqa: F401
        import carbonest.probes.rapl  # noqa: F401
    if kw["store"] is None:
        import carbonest.store.final_note  # noqa: F401
        import carbonest.measure.shared_store  # noqa: F401
        try:
            import carbonest.store.sqlite  # noqa: F401
        except ImportError:  # a Python without sqlite3: opening the store says so, the run goes on
            pass
