"""MLflow as a metric sink: a carbonest run's figures in an MLflow run.

::

    import mlflow, carbonest
    with mlflow.start_run():
        with carbonest.track(name="finetune", region="FR", log_to=["mlflow"]):
            train()

What goes where (names in :mod:`carbonest.integrations.base`):

* params (``carbonest/region``, ``carbonest/basis``, ``carbonest/pue``,
  ``carbonest/intensity_g_per_kwh``, ``carbonest/provenance/<figure>``, ...) when the run starts;
* metrics at every checkpoint of the run (``flush_interval_s``, 10 s by default) with integer
  steps 0, 1, 2, ...: ``carbonest/energy_kwh``, ``carbonest/co2e_kg``, ``carbonest/power_w``
  and per component ``carbonest/<gpu|cpu|dram>/energy_kwh`` and ``.../power_w``;
* the final run record as the JSON artifact ``carbonest/run-<carbonest run id>.json``, and the
  tags ``carbonest/run_id``, ``carbonest/status`` and ``carbonest/provenance/<component>`` (how
  its energy was had: ``measured:nvml:total_energy``, ``modelled:...``, ``not measured``).

Which MLflow run: the one given (``MlflowSink(run_id=...)``), else the active run of the thread
that starts the carbonest run (``mlflow.start_run()``), else ``MLFLOW_RUN_ID``. With none of
them, a new run is created in the active experiment (``mlflow.set_experiment``,
``MLFLOW_EXPERIMENT_NAME`` / ``MLFLOW_EXPERIMENT_ID``, else MLflow's default) under the
carbonest run's name, the line ``carbonest: no active MLflow run: ...`` on stderr says which, and
it is ended with the run's status (completed: FINISHED, failed: FAILED, interrupted: KILLED).
A run that was already there is left open for its owner.

The tracking store is MLflow's own choice (``mlflow.set_tracking_uri``, ``MLFLOW_TRACKING_URI``),
taken on the thread that starts the run; the calls after that go through an ``MlflowClient``
for that store on the hub's worker thread (MLflow's active run is per thread).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from typing import Any

from carbonest.integrations.base import PREFIX, MetricSink, component_provenance, record_json, run_params

TERMINAL_STATUS = {"completed": "FINISHED", "failed": "FAILED", "interrupted": "KILLED"}
"""carbonest's run status -> the MLflow run status a run carbonest created ends with."""


class MlflowSink(MetricSink):
    """Logs one carbonest run to an MLflow run (see the module docstring).

    Args:
        run_id: An MLflow run to log to (default: the active run, else ``MLFLOW_RUN_ID``, else a new one).
        tracking_uri: The tracking store (default: MLflow's current one).
    """

    name = "mlflow"

    def __init__(self, run_id: str | None = None, *, tracking_uri: str | None = None) -> None:
        self._given_run_id = run_id
        self._tracking_uri = tracking_uri
        self._client: Any = None
        self.run_id: str | None = None
        """The MLflow run being logged to (after start)."""
        self.target: str | None = None
        """Which MLflow run, in words (after start)."""
        self._owned = False

    def start(self, record: Mapping[str, Any]) -> None:
        import mlflow
        from mlflow import MlflowClient
        from mlflow.entities import Param, RunTag

        uri = self._tracking_uri or mlflow.get_tracking_uri()
        client = MlflowClient(tracking_uri=uri)
        active = mlflow.active_run()
        run_id = self._given_run_id or (active.info.run_id if active is not None else None) \
            or os.environ.get("MLFLOW_RUN_ID") or None
        self._owned = run_id is None
        if run_id is None:
            experiment_id = _experiment_id(client)
            run = client.create_run(experiment_id, run_name=str(record.get("name") or "carbonest"),
                                    tags={PREFIX + "run_id": str(record.get("run_id"))})
            run_id = run.info.run_id
            self.target = f"MLflow run {run_id} (experiment {experiment_id}, new) at {uri}"
            sys.stderr.write(f"carbonest: no active MLflow run: logging to a new run {run_id} "
                             f"in experiment {experiment_id} at {uri}\n")
        else:
            self.target = f"MLflow run {run_id} at {uri}"
        self._client, self.run_id = client, run_id
        # Params cannot change once logged: a second carbonest run inside the same MLflow run
        # (a tracked function called every epoch) logs only the params that are new there.
        # One whose value differs is set as a tag of the same name instead (the latest value), and said.
        existing = client.get_run(run_id).data.params
        wanted = run_params(record)
        params = [Param(k, v) for k, v in wanted.items() if k not in existing]
        differ = {k: v for k, v in wanted.items() if k in existing and existing[k] != v}
        tags = [RunTag(PREFIX + "run_id", str(record.get("run_id"))), RunTag(PREFIX + "status", "running")]
        tags += [RunTag(k, v) for k, v in differ.items()]
        if differ:
            sys.stderr.write(f"carbonest: MLflow run {run_id} has these params from an earlier carbonest run "
                             f"with other values; the new values are tags of the same name: {', '.join(differ)}\n")
        client.log_batch(run_id, params=params, tags=tags)

    def log_metrics(self, metrics: Mapping[str, float], step: int) -> None:
        from mlflow.entities import Metric

        if self._client is None:
            return
        now_ms = int(time.time() * 1000)
        self._client.log_batch(self.run_id, metrics=[Metric(k, float(v), now_ms, step) for k, v in metrics.items()])

    def finish(self, record: Mapping[str, Any]) -> None:
        from mlflow.entities import RunTag

        if self._client is None:
            return
        client, run_id = self._client, self.run_id
        client.log_text(run_id, record_json(record), f"carbonest/run-{record.get('run_id')}.json")
        status = str(record.get("status"))
        tags = {**component_provenance(record), PREFIX + "status": status}
        client.log_batch(run_id, tags=[RunTag(k, v) for k, v in tags.items()])
        if self._owned:
            client.set_terminated(run_id, status=TERMINAL_STATUS.get(status, "FINISHED"))

    def close(self) -> None:
        self._client = None
        self._owned = False


def _experiment_id(client: Any) -> str:
    """The experiment a new run goes to: the one ``mlflow.set_experiment`` or the environment chose."""
    experiment_id = os.environ.get("MLFLOW_EXPERIMENT_ID")
    if experiment_id:
        return experiment_id
    name = os.environ.get("MLFLOW_EXPERIMENT_NAME")
    if name:
        found = client.get_experiment_by_name(name)
        return str(found.experiment_id) if found is not None else str(client.create_experiment(name))
    try:  # set by mlflow.set_experiment(); MLflow has no public getter for it
        from mlflow.tracking.fluent import _get_experiment_id

        return str(_get_experiment_id() or "0")
    except ImportError:
        return "0"
