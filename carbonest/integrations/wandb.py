"""Weights & Biases as a metric sink: a carbonest run's figures in a wandb run.

::

    import wandb, carbonest
    wandb.init(project="finetune")               # WANDB_MODE=offline works the same
    with carbonest.track(name="finetune", region="FR", log_to=["wandb"]):
        train()

What goes where (names in :mod:`carbonest.integrations.base`):

* ``wandb.config["carbonest"]``: region, basis, PUE, carbon intensity and the provenance of each,
  when the run starts;
* ``wandb.log``: the metrics at every checkpoint (``flush_interval_s``, 10 s by default), with
  their own x-axis ``carbonest/step`` (``define_metric("carbonest/*", step_metric=...)``), so
  they never move the run's own step. In a run that is yours they are logged with
  ``commit=False``: they join the row of your next ``wandb.log``, and your steps stay as you
  set them. In a run carbonest started each is a row of its own;
* the final record as the artifact ``carbonest-run-<id>`` (type ``carbonest-run``, file
  ``carbonest_run.json``), and the final figures, ``carbonest/status`` and
  ``carbonest/provenance/<component>`` in the run summary.

Which run: the active one (``wandb.run``); with none, carbonest starts one (project
``WANDB_PROJECT``, else ``carbonest``; the carbonest run's name; job type ``carbonest``), says so
on stderr, and finishes it at the end with exit code 0 (completed) or 1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from carbonest.integrations.base import (
    PREFIX,
    MetricSink,
    component_provenance,
    record_json,
    run_params,
    step_metrics,
)

ARTIFACT_TYPE = "carbonest-run"
ARTIFACT_FILE = "carbonest_run.json"


class WandbSink(MetricSink):
    """Logs one carbonest run to the active wandb run, or to one it starts (module docstring)."""

    name = "wandb"

    def __init__(self) -> None:
        self._run: Any = None
        self._owned = False
        self.target: str | None = None
        """Which wandb run, in words (after start)."""

    def start(self, record: Mapping[str, Any]) -> None:
        import wandb

        run = wandb.run
        self._owned = run is None
        if run is None:
            project = None if os.environ.get("WANDB_PROJECT") else "carbonest"
            run = wandb.init(project=project, name=str(record.get("name") or "carbonest"), job_type="carbonest",
                             settings=wandb.Settings(console="off"))
            sys.stderr.write(f"carbonest: no active wandb run: logging to a new run {run.id} "
                             f"(project {run.project}, {run.settings.mode} mode, {run.dir})\n")
        self._run = run
        self.target = f"wandb run {run.id} (project {run.project}){', new' if self._owned else ''}"
        params = {k[len(PREFIX):]: v for k, v in run_params(record).items()}
        params["run_id"] = str(record.get("run_id"))
        run.config.update({"carbonest": params}, allow_val_change=True)
        run.define_metric(PREFIX + "*", step_metric=PREFIX + "step")

    def log_metrics(self, metrics: Mapping[str, float], step: int) -> None:
        if self._run is None:
            return
        self._run.log({**metrics, PREFIX + "step": step}, commit=self._owned)

    def finish(self, record: Mapping[str, Any]) -> None:
        import wandb

        run = self._run
        if run is None:
            return
        status = str(record.get("status"))
        run.summary.update({**step_metrics(record), **component_provenance(record), PREFIX + "status": status})
        artifact = wandb.Artifact(f"carbonest-run-{record.get('run_id')}", type=ARTIFACT_TYPE,
                                  metadata={"status": status, "co2e_kg": record.get("co2e_kg"),
                                            "energy_kwh": record.get("energy_kwh")})
        with artifact.new_file(ARTIFACT_FILE, mode="w", encoding="utf-8") as fh:
            fh.write(record_json(record))
        run.log_artifact(artifact)
        if self._owned:
            run.finish(exit_code=0 if status == "completed" else 1)
            self._owned = False

    def close(self) -> None:
        run, self._run = self._run, None
        if run is not None and self._owned:  # finish() was not reached: end the run we started
            run.finish(exit_code=1)
        self._owned = False
