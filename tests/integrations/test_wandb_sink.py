"""Weights & Biases in offline mode: track(log_to=...), ``measure --log-to wandb`` and ``runs log --to
wandb``, read back from the offline run's transaction log (wandb_log.py). No network but loopback."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import carbonest
import support
from carbonest.probes.fake import FakeProbe

from wandb_log import finished_offline_run, offline_runs

wandb = support.needs("wandb", "pip install 'carbonest[wandb]'")

pytestmark = pytest.mark.usefixtures("loopback_only")

FAST = dict(interval_s=0.05, flush_interval_s=0.15)


def _probe(watts: float = 100.0) -> FakeProbe:
    probe = FakeProbe({"gpu:0": watts})
    probe.open()
    return probe


def _carbonest_rows(run: Any) -> list[dict[str, Any]]:
    return [row for row in run.history if "carbonest/step" in row]


def _artifact_record(run: Any, carbonest_run_id: str) -> dict[str, Any]:
    (artifact,) = [a for a in run.artifacts if a.name == f"carbonest-run-{carbonest_run_id}"]
    assert artifact.type == "carbonest-run"
    (entry,) = [c for c in artifact.manifest.contents if c.path == "carbonest_run.json"]
    return json.loads(Path(entry.local_path).read_text(encoding="utf-8"))


def test_track_logs_to_the_active_offline_run_without_moving_its_steps(wandb_offline: Path) -> None:
    user_run = wandb.init(project="finetune", settings=wandb.Settings(console="off"))
    with carbonest.track("finetune", region="FR", probes=[_probe()], log_to=["wandb"], **FAST) as tracked:
        for step in range(6):
            user_run.log({"loss": 1.0 / (step + 1)})
            time.sleep(0.1)
    user_run.finish()
    record = tracked.record
    (folder,) = offline_runs(wandb_offline)
    run = finished_offline_run(folder)
    assert run.run_id == user_run.id
    config = run.config["carbonest"]
    assert config["region"] == "FR" and config["provenance/region"] == "user"
    assert config["pue"] == f"{record.pue:g}"
    assert config["provenance/intensity_g_per_kwh"].startswith("table:regions FR")
    assert config["run_id"] == record.run_id
    assert [m.step_metric for m in run.metrics if m.glob_name == "carbonest/*"] == ["carbonest/step"]
    losses = [row["loss"] for row in run.history if "loss" in row]
    assert losses == pytest.approx([1.0 / (s + 1) for s in range(6)])  # every row of the user's is there
    assert [row["_step"] for row in run.history if "loss" in row] == list(range(6))  # at the user's steps
    rows = _carbonest_rows(run)
    assert len(rows) >= 2
    steps = [row["carbonest/step"] for row in rows]
    assert steps == sorted(steps)
    energies = [row["carbonest/energy_kwh"] for row in rows]
    assert energies == sorted(energies)
    assert run.summary["carbonest/energy_kwh"] == pytest.approx(record.energy_kwh)
    assert run.summary["carbonest/co2e_kg"] == pytest.approx(record.co2e_kg)
    assert run.summary["carbonest/status"] == "completed"
    assert run.summary["carbonest/provenance/gpu"] == dict(record.components)["gpu"]["provenance"]
    assert _artifact_record(run, record.run_id) == json.loads(json.dumps(record.to_dict()))


def test_measure_log_to_wandb_starts_and_finishes_its_own_run(run_cli: Any, wandb_offline: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "record.json"
    code, _, err = run_cli("measure", "--name", "child", "--region", "DE", "--interval", "0.05",
                           "--flush-interval", "0.15", "--log-to", "wandb", "--json-file", str(out), "--",
                           sys.executable, "-c", "import time; time.sleep(0.6)")
    assert code == 0, err
    record = json.loads(out.read_text())
    (folder,) = offline_runs(wandb_offline)
    run = finished_offline_run(folder)
    assert f"no active wandb run: logging to a new run {run.run_id}" in err and "offline" in err
    assert run.exit_code == 0
    rows = _carbonest_rows(run)
    assert [row["carbonest/step"] for row in rows] == list(range(len(rows))) and len(rows) >= 3
    assert rows[-1]["carbonest/cpu/energy_kwh"] == pytest.approx(record["components"]["cpu"]["energy_kwh"])
    assert run.config["carbonest"]["region"] == "DE"
    assert _artifact_record(run, record["run_id"])["status"] == "completed"
    assert wandb.run is None  # the run carbonest started is finished, not left active


def test_runs_log_to_wandb_and_a_usage_error(run_cli: Any, wandb_offline: Path) -> None:
    with carbonest.track("stored", region="SE", probes=[_probe(40.0)], interval_s=0.05) as tracked:
        time.sleep(0.3)
    record = tracked.record
    code, _, err = run_cli("runs", "log", record.run_id, "--to", "wandbb")
    assert code == 2 and "--to: unknown sink 'wandbb'" in err and "did you mean wandb?" in err
    code, out, err = run_cli("runs", "log", record.run_id, "--to", "wandb")
    assert code == 0, err
    (folder,) = offline_runs(wandb_offline)
    run = finished_offline_run(folder)
    assert f"logged run {record.run_id} (completed) to wandb run {run.run_id}" in out
    rows = _carbonest_rows(run)
    assert rows[-1]["carbonest/it_energy_kwh"] == pytest.approx(record.it_energy_kwh)
    assert _artifact_record(run, record.run_id)["run_id"] == record.run_id
