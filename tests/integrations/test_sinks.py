"""The sink contract without any tracker library: call order, failures that cost nothing, usage errors."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import carbonest
from carbonest.errors import InvalidInputError
from carbonest.integrations.base import MetricSink, step_metrics
from carbonest.probes.fake import FakeProbe
from carbonest.store.sqlite import SQLiteStore

FAST = dict(interval_s=0.05, flush_interval_s=0.1)


class Recorder(MetricSink):
    name = "recorder"

    def __init__(self, fail: str = "") -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.fail = fail

    def _call(self, what: str, *args: Any) -> None:
        self.calls.append((what, *args))
        if what == self.fail:
            raise RuntimeError(f"{what} is broken")

    def start(self, record: Mapping[str, Any]) -> None:
        self._call("start", record["status"])

    def log_metrics(self, metrics: Mapping[str, float], step: int) -> None:
        self._call("log_metrics", step)

    def finish(self, record: Mapping[str, Any]) -> None:
        self._call("finish", record["status"])

    def close(self) -> None:
        self._call("close")


def _probe() -> FakeProbe:
    probe = FakeProbe({"gpu:0": 100.0})
    probe.open()
    return probe


def test_the_calls_come_in_order_with_steps_counting_from_zero() -> None:
    sink = Recorder()
    with carbonest.track("ordered", region="FR", probes=[_probe()], log_to=sink, **FAST) as run:
        time.sleep(0.45)
    names = [c[0] for c in sink.calls]
    assert names[0] == "start" and names[-2:] == ["finish", "close"]
    steps = [c[1] for c in sink.calls if c[0] == "log_metrics"]
    assert steps == list(range(len(steps))) and len(steps) >= 3
    assert sink.calls[0] == ("start", "running") and sink.calls[-2] == ("finish", "completed")
    assert run.record.warnings == ()


@pytest.mark.parametrize("broken", ["start", "log_metrics", "finish", "close"])
def test_a_failing_sink_warns_once_and_the_run_goes_on_and_is_stored(
        broken: str, home: Path, recwarn: pytest.WarningsRecorder) -> None:
    sink, healthy = Recorder(fail=broken), Recorder()
    ran = []
    with carbonest.track("resilient", region="FR", probes=[_probe()], log_to=[sink, healthy], **FAST) as run:
        time.sleep(0.35)
        ran.append(True)
    assert ran and run.record.status == "completed"
    warned = [str(w.message) for w in recwarn if f"log_to recorder: {broken} failed" in str(w.message)]
    assert len(warned) == 1 and "RuntimeError: " + broken + " is broken" in warned[0]
    assert [c[0] for c in healthy.calls][-2:] == ["finish", "close"]  # the other sink got everything
    if broken == "start":  # nothing more is sent to a sink that could not start, but it is closed
        assert [c[0] for c in sink.calls] == ["start", "close"]
    stored = SQLiteStore(home / "runs.sqlite", read_only=True).get_run(run.record.run_id)
    assert stored["status"] == "completed" and stored["energy_kwh"] == pytest.approx(run.record.energy_kwh)
    if broken in ("start", "log_metrics"):  # failures while the run goes on are in its record too
        assert any(w.startswith(f"log_to recorder: {broken} failed") for w in stored["warnings"])


@pytest.mark.parametrize("value", ["mlfow", ["wandb", "tensorboard"], 5, [None]])
def test_an_unknown_sink_is_a_usage_error_naming_log_to(value: Any) -> None:
    with pytest.raises(InvalidInputError) as info:
        carbonest.track(log_to=value)
    assert info.value.field == "log_to" and str(info.value).startswith("log_to: ")


def test_the_cli_names_the_flag(run_cli: Any) -> None:
    code, _, err = run_cli("measure", "--log-to", "mlfow", "--", "true")
    assert code == 2
    assert err == "carbonest measure: error: --log-to: unknown sink 'mlfow': choose from mlflow, wandb; did you mean mlflow?\n"


def test_figures_not_measured_are_absent_never_zero() -> None:
    record = {"energy_kwh": None, "co2e_kg": None, "duration_s": 2.0,
              "components": {"cpu": {"energy_kwh": None, "mean_power_w": None}}}
    assert step_metrics(record) == {"carbonest/duration_s": 2.0}
    later = {"energy_kwh": 0.002, "co2e_kg": 0.0001, "duration_s": 12.0, "it_energy_kwh": 0.001,
             "components": {"cpu": {"energy_kwh": 0.001}}}
    metrics = step_metrics(later, {"duration_s": 2.0, "components": {"cpu": {"energy_kwh": 0.0005}}})
    assert metrics["carbonest/cpu/power_w"] == pytest.approx(0.0005 * 3_600_000 / 10.0)  # 180 W over the step
    assert metrics["carbonest/power_w"] == metrics["carbonest/cpu/power_w"]


def test_import_carbonest_imports_no_ipython_and_no_tracker_library() -> None:
    code = ("import sys, carbonest; carbonest.load_ipython_extension; "
            "from carbonest.integrations.sinks import create_sinks; create_sinks(('mlflow', 'wandb')); "
            "t = carbonest.Tracker(log_to=['mlflow', 'wandb']); "
            "print(','.join(m for m in ('IPython', 'mlflow', 'wandb') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
