"""The Python face: estimate(), regions(), hardware(), and what `import carbonest` costs."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

import carbonest
from carbonest.cli.main import main


def test_estimate_returns_an_immutable_estimate() -> None:
    e = carbonest.estimate(gpu="V100", gpus=4, hours=10, region="FR")
    assert isinstance(e, carbonest.Estimate)
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.co2e_kg = 0  # type: ignore[misc]
    assert e.component("gpu") is not None and e.component("cpu") is None


def test_to_dict_equals_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    e = carbonest.estimate(gpu="V100", gpus=4, hours=10, region="FR", pue=1.2)
    assert main(["estimate", "--gpu", "V100", "--gpus", "4", "--hours", "10", "--region", "FR",
                 "--pue", "1.2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(e.to_dict()))


def test_errors_are_typed() -> None:
    with pytest.raises(carbonest.UnknownHardwareError) as info:
        carbonest.estimate(gpu="V1000", hours=1)
    assert "V100" in info.value.suggestions
    with pytest.raises(carbonest.UnknownRegionError):
        carbonest.estimate(gpu="V100", hours=1, region="Atlantis")
    with pytest.raises(carbonest.InvalidInputError) as bad:
        carbonest.estimate(gpu="V100", hours=float("nan"))
    assert bad.value.field == "hours"
    assert isinstance(bad.value, ValueError)


def test_user_values_override_tables() -> None:
    e = carbonest.estimate(gpu="V100", gpu_power_w=200, hours=5, intensity_g_per_kwh=100, pue=1.1)
    d = e.to_dict()
    assert d["provenance"]["gpu_power_w"] == "user"
    assert d["provenance"]["pue"] == "user"
    assert d["provenance"]["intensity_g_per_kwh"] == "user"
    assert e.co2e_kg == pytest.approx(200 * 5 / 1000 * 1.1 * 100 / 1000)


def test_regions_and_hardware_frames() -> None:
    regions = carbonest.regions()
    assert {"id", "name", "kind", "intensity_g_per_kwh", "year", "source", "basis"} <= set(regions.columns)
    assert set(regions["kind"]) >= {"country", "subnational", "cloud"}
    hw = carbonest.hardware("V100")
    assert len(hw) >= 2 and {"id", "name", "kind", "tdp_w"} <= set(hw.columns)


def test_import_is_light() -> None:
    code = (
        "import sys, carbonest; carbonest.__version__; "
        "heavy = [m for m in ('pandas', 'numpy', 'requests', 'pydantic', 'pynvml', 'psutil') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_estimate_path_imports_no_heavy_module() -> None:
    code = (
        "import sys; from carbonest.cli.main import main; "
        "import io, contextlib; buf = io.StringIO(); "
        "contextlib.redirect_stdout(buf).__enter__(); "
        "rc = main(['estimate', '--gpu', 'V100', '--hours', '1', '--region', 'quebec', '--json']); "
        "sys.stderr.write(','.join(m for m in ('pandas', 'numpy', 'pydantic', 'requests') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip() == ""


def test_runs_dataframe_and_get_run(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CARBONEST_HOME", str(tmp_path))
    from carbonest.probes.fake import FakeProbe

    probe = FakeProbe({"gpu:0": 250.0})
    probe.open()
    with carbonest.track("api-run", region="FR", probes=[probe], interval_s=0.02) as run:
        pass
    frame = carbonest.runs()
    assert list(frame["run_id"]) == [run.run_id]
    assert frame.loc[0, "status"] == "completed"
    stored = carbonest.get_run(run.run_id[:10])
    assert isinstance(stored, carbonest.RunRecord) and stored.run_id == run.run_id
    assert stored.to_dict() == json.loads(json.dumps(run.record.to_dict()))
    with pytest.warns(DeprecationWarning, match="RunRecord"):  # the dict form of 0.1.0 still reads
        assert stored["co2e_kg"] == stored.co2e_kg and stored.get("status") == "completed"


def test_runs_still_callable_after_get_run(tmp_path, monkeypatch) -> None:
    code = ("import carbonest; carbonest.get_run; import sys; "
            "sys.stdout.write(type(carbonest.runs()).__name__)")
    env = {**__import__("os").environ, "CARBONEST_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout == "DataFrame"


def test_accelerator_without_tdp_needs_a_power(capsys) -> None:
    with pytest.raises(carbonest.InvalidInputError) as info:
        carbonest.estimate(gpu="tpu-v5p", hours=1)
    assert info.value.field == "gpu_power_w"
    assert carbonest.estimate(gpu="tpu-v5p", hours=1, gpu_power_w=300, intensity_g_per_kwh=100).co2e_kg > 0


def test_estimate_exposes_its_further_outputs_as_attributes() -> None:
    e = carbonest.estimate(gpu="V100", hours=10, region="FR", embodied=True)
    d = e.to_dict()
    for key in ("co2e_kg_low", "co2e_kg_high", "energy_kwh_low", "energy_kwh_high", "water_l",
                "embodied_co2e_kg", "total_co2e_kg"):
        assert getattr(e, key) == d[key]
    with pytest.raises(AttributeError):
        e.no_such_output  # noqa: B018
