"""MLflow: track(log_to=...), ``measure --log-to mlflow`` and ``runs log --to mlflow`` against a real
local tracking store (SQLite), read back with MlflowClient. No network but loopback."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import carbonest
import support
from carbonest.integrations.mlflow import MlflowSink
from carbonest.probes.fake import FakeProbe
from carbonest.store.sqlite import SQLiteStore

mlflow = support.needs("mlflow", "pip install 'carbonest[mlflow]'")

pytestmark = pytest.mark.usefixtures("loopback_only")

FAST = dict(interval_s=0.05, flush_interval_s=0.15)


def _client(uri: str) -> Any:
    return mlflow.MlflowClient(uri)


def _history(client: Any, run_id: str, key: str) -> list[tuple[int, float]]:
    return sorted((m.step, m.value) for m in client.get_metric_history(run_id, key))


def _artifact(client: Any, run_id: str, carbonest_run_id: str, tmp_path: Path) -> dict[str, Any]:
    local = client.download_artifacts(run_id, f"carbonest/run-{carbonest_run_id}.json", str(tmp_path))
    return json.loads(Path(local).read_text(encoding="utf-8"))


def _probe(watts: float = 100.0) -> FakeProbe:
    probe = FakeProbe({"gpu:0": watts})
    probe.open()
    return probe


def test_track_logs_params_metrics_with_steps_and_the_record(mlflow_store: str, tmp_path: Path) -> None:
    client = _client(mlflow_store)
    with mlflow.start_run() as active:
        with carbonest.track("finetune", region="FR", probes=[_probe()], log_to=["mlflow"], **FAST) as run:
            time.sleep(0.6)
        mlflow.log_metric("loss", 0.5)  # the user's run is still theirs, and still open
    record = run.record
    data = client.get_run(active.info.run_id).data
    assert data.params["carbonest/region"] == "FR"
    assert data.params["carbonest/provenance/region"] == "user"
    assert data.params["carbonest/pue"] == f"{record.pue:g}"
    assert data.params["carbonest/intensity_g_per_kwh"] == f"{record.intensity_g_per_kwh:g}"
    assert data.params["carbonest/provenance/intensity_g_per_kwh"] == dict(record.provenance)["intensity_g_per_kwh"]
    assert data.params["carbonest/provenance/intensity_g_per_kwh"].startswith("table:regions FR")
    assert data.params["carbonest/basis"].startswith("lifecycle")
    assert data.tags["carbonest/run_id"] == record.run_id and data.tags["carbonest/status"] == "completed"
    assert data.tags["carbonest/provenance/gpu"] == dict(record.components)["gpu"]["provenance"]
    assert data.tags["carbonest/provenance/cpu"] == "not measured"  # the fake probe has a GPU only
    energy = _history(client, active.info.run_id, "carbonest/energy_kwh")
    steps = [s for s, _ in energy]
    assert steps == list(range(len(steps))) and len(steps) >= 3  # checkpoints during the run, then the end
    values = [v for _, v in energy]
    assert values == sorted(values) and values[-1] == pytest.approx(record.energy_kwh)
    co2 = _history(client, active.info.run_id, "carbonest/co2e_kg")
    assert co2[-1][1] == pytest.approx(record.co2e_kg)
    power = _history(client, active.info.run_id, "carbonest/gpu/power_w")
    assert all(v == pytest.approx(100.0, rel=0.2) for _, v in power)  # the fake GPU draws 100 W
    assert _artifact(client, active.info.run_id, record.run_id, tmp_path) == json.loads(json.dumps(record.to_dict()))
    assert client.get_run(active.info.run_id).info.status == "FINISHED"  # ended by mlflow.start_run's with


def test_without_an_active_run_a_new_one_is_made_named_and_ended_as_failed(
        mlflow_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ZeroDivisionError):
        with carbonest.track("no-active", region="DE", probes=[_probe()], log_to="mlflow", **FAST):
            time.sleep(0.2)
            1 / 0  # noqa: B018
    err = capsys.readouterr().err
    assert "carbonest: no active MLflow run: logging to a new run" in err
    client = _client(mlflow_store)
    (found,) = client.search_runs(["0"], "attributes.run_name = 'no-active'")
    assert found.info.run_id in err
    assert found.info.status == "FAILED"
    assert found.data.tags["carbonest/status"] == "failed"
    assert found.data.params["carbonest/region"] == "DE"


def test_a_second_run_in_the_same_mlflow_run_adds_steps_without_a_param_clash(
        mlflow_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    sink = MlflowSink()
    with mlflow.start_run() as active:
        for region in ("FR", "FR", "DE"):
            with carbonest.track("epoch", region=region, probes=[_probe()], log_to=[sink], **FAST) as run:
                time.sleep(0.2)
            assert not run.record.warnings, run.record.warnings
    data = _client(mlflow_store).get_run(active.info.run_id).data
    assert data.tags["carbonest/run_id"] == run.record.run_id  # the latest carbonest run
    assert data.params["carbonest/region"] == "FR"  # params cannot change: the first value stays,
    assert data.tags["carbonest/region"] == "DE"  # and the later one is a tag, said on stderr
    assert "the new values are tags of the same name: carbonest/region" in capsys.readouterr().err


def test_a_sink_that_fails_costs_neither_the_code_nor_the_stored_run(
        mlflow_store: str, home: Path, recwarn: pytest.WarningsRecorder) -> None:
    done = []
    with carbonest.track("bad-target", region="FR", probes=[_probe()], log_to=[MlflowSink(run_id="0" * 32)],
                         **FAST) as run:
        time.sleep(0.2)
        done.append(True)
    assert done and run.record.status == "completed"
    (problem,) = [w for w in run.record.warnings if w.startswith("log_to mlflow: start failed")]
    assert sum("log_to mlflow" in str(w.message) for w in recwarn) == 1  # warned once
    stored = SQLiteStore(home / "runs.sqlite", read_only=True).get_run(run.record.run_id)
    assert stored["status"] == "completed" and problem in stored["warnings"]


def test_measure_log_to_mlflow_measures_a_real_child(run_cli: Any, mlflow_store: str, tmp_path: Path) -> None:
    out = tmp_path / "record.json"
    code, _, err = run_cli("measure", "--name", "child", "--region", "FR", "--interval", "0.05",
                           "--flush-interval", "0.15", "--log-to", "mlflow", "--json-file", str(out), "--",
                           sys.executable, "-c", "import time; time.sleep(0.6)")
    assert code == 0, err
    record = json.loads(out.read_text())
    client = _client(mlflow_store)
    (found,) = client.search_runs(["0"], f"tags.`carbonest/run_id` = '{record['run_id']}'")
    assert found.info.run_id in err and found.info.status == "FINISHED"
    assert found.data.params["carbonest/region"] == "FR"
    cpu = _history(client, found.info.run_id, "carbonest/cpu/energy_kwh")
    assert [s for s, _ in cpu] == list(range(len(cpu))) and len(cpu) >= 3
    assert cpu[-1][1] == pytest.approx(record["components"]["cpu"]["energy_kwh"])
    assert _artifact(client, found.info.run_id, record["run_id"], tmp_path)["run_id"] == record["run_id"]


def test_runs_log_sends_a_stored_run(run_cli: Any, mlflow_store: str, tmp_path: Path) -> None:
    clock_probe = _probe(50.0)
    with carbonest.track("stored", region="SE", probes=[clock_probe], interval_s=0.05, store=None) as run:
        time.sleep(0.5)
    record = run.record
    code, out, err = run_cli("runs", "log", record.run_id[:10], "--to", "mlflow")
    assert code == 0, err
    client = _client(mlflow_store)
    (found,) = client.search_runs(["0"], f"tags.`carbonest/run_id` = '{record.run_id}'")
    assert f"logged run {record.run_id} (completed) to MLflow run {found.info.run_id}" in out
    assert found.data.params["carbonest/region"] == "SE"
    assert found.data.params["carbonest/provenance/region"] == "user"
    it_energy = _history(client, found.info.run_id, "carbonest/it_energy_kwh")
    assert len(it_energy) >= 2 and [s for s, _ in it_energy] == list(range(len(it_energy)))
    assert it_energy[-1][1] == pytest.approx(record.it_energy_kwh)
    assert it_energy[-2][1] == pytest.approx(record.it_energy_kwh, rel=1e-9)  # the samples add up to the record
    assert _artifact(client, found.info.run_id, record.run_id, tmp_path)["status"] == "completed"


def test_mlflow_run_id_from_the_environment_is_used_and_left_open(
        run_cli: Any, mlflow_store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(mlflow_store)
    target = client.create_run("0", run_name="opened-elsewhere").info.run_id
    with pytest.raises(KeyboardInterrupt):
        with carbonest.track("interrupted", region="FR", probes=[_probe()], interval_s=0.05) as run:
            raise KeyboardInterrupt
    monkeypatch.setenv("MLFLOW_RUN_ID", target)
    code, out, err = run_cli("runs", "log", run.record.run_id, "--to", "mlflow")
    assert code == 0, err
    assert f"to MLflow run {target} at" in out and "no active MLflow run" not in err
    found = client.get_run(target)
    assert found.data.tags["carbonest/status"] == "interrupted"
    assert found.info.status == "RUNNING"  # not carbonest's to end
