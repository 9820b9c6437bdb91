"""``carbonest measure``, ``runs`` and ``doctor`` through the real entry point."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

SLEEP = [sys.executable, "-c", "import time; time.sleep(0.3)"]


def test_measure_runs_the_command_and_writes_the_record(proc) -> None:
    r = proc("measure", "--name", "t1", "--region", "FR", "--interval", "0.05", "--json-file", "-", "--", *SLEEP)
    assert r.code == 0, r.err
    d = json.loads(r.out)
    for key in ("run_id", "name", "status", "duration_s", "energy_kwh", "co2e_kg", "components"):
        assert key in d
    assert d["name"] == "t1" and d["status"] == "completed"
    assert d["duration_s"] >= 0.3
    assert d["region"]["id"] == "FR"
    assert set(d["components"]) <= {"gpu", "cpu", "dram"} and "cpu" in d["components"]
    for entry in d["components"].values():
        assert entry["energy_kwh"] is not None and entry["provenance"]
    assert "gpu" in d["not_measured"]  # no GPU here, and it says so rather than reporting 0
    assert d["co2e_kg"] == pytest.approx(d["energy_kwh"] * d["intensity_g_per_kwh"] / 1000)
    assert "status    completed" in r.err  # the summary goes to stderr


def test_measure_writes_a_json_file_and_the_store(proc, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    r = proc("measure", "--region", "DE", "--interval", "0.05", "--json-file", str(out), "--", *SLEEP)
    assert r.code == 0, r.err
    record = json.loads(out.read_text())
    listed = proc("runs", "--json")
    assert listed.code == 0
    runs = listed.json()
    assert runs[0]["run_id"] == record["run_id"]
    shown = proc("runs", "show", record["run_id"][:8], "--json")
    assert shown.code == 0 and shown.json()["run_id"] == record["run_id"]
    text = proc("runs", "show", record["run_id"][:8])
    assert record["run_id"] in text.out and "kWh" in text.out
    csv_out = proc("runs", "export", "--format", "csv")
    assert csv_out.code == 0
    header = csv_out.out.splitlines()[0].split(",")
    assert "cpu_energy_kwh" in header and record["run_id"] in csv_out.out


def test_measure_passes_the_exit_code_through(proc) -> None:
    r = proc("measure", "--region", "FR", "--interval", "0.05", "--json-file", "-", "--",
             sys.executable, "-c", "import sys; sys.exit(3)")
    assert r.code == 3
    d = json.loads(r.out)
    assert d["status"] == "failed" and d["status_reason"] == "exit code 3"


def test_measure_unknown_command(proc) -> None:
    r = proc("measure", "--", "no-such-command-xyz")
    assert r.code == 127
    assert r.err.strip().splitlines() == ["carbonest measure: error: command not found: no-such-command-xyz"]


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["--"], "CMD"),
        ([], "CMD"),
        (["--interval", "0.001", "--", "true"], "--interval"),
        (["--pue", "0.5", "--", "true"], "--pue"),
        (["--region", "Atlantis", "--", "true"], "--region"),
    ],
)
def test_measure_bad_input(cli, args: list[str], word: str) -> None:
    r = cli("measure", *args)
    assert r.code == 2, r.err
    assert word in r.err and len(r.err.strip().splitlines()) == 1


def test_unknown_region_does_not_run_the_command(proc, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    r = proc("measure", "--region", "quebek", "--", sys.executable, "-c", f"open({str(marker)!r}, 'w')")
    assert r.code == 2 and "CA-QC" in r.err
    assert not marker.exists()


def test_sigterm_is_forwarded_and_the_run_saved_as_interrupted(tmp_path: Path) -> None:
    env = {**os.environ, "CARBONEST_HOME": str(tmp_path)}
    p = subprocess.Popen(
        [sys.executable, "-m", "carbonest", "measure", "--region", "FR", "--interval", "0.05",
         "--json-file", str(tmp_path / "r.json"), "--", sys.executable, "-c", "import time; time.sleep(30)"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(2.0)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 128 + signal.SIGTERM, err
    record = json.loads((tmp_path / "r.json").read_text())
    assert record["status"] == "interrupted"
    assert "SIGTERM" in record["status_reason"]
    assert record["duration_s"] < 20


def test_runs_on_an_empty_store(proc) -> None:
    r = proc("runs")
    assert r.code == 0 and "no runs" in r.out
    assert proc("runs", "--json").json() == []


def test_runs_show_unknown_id(proc) -> None:
    r = proc("runs", "show", "deadbeef")  # an id that matches nothing: 1, as grep (docs/cli.md, Exit codes)
    assert r.code == 1 and "deadbeef" in r.err and len(r.err.strip().splitlines()) == 1


def test_runs_bad_limit(cli) -> None:
    r = cli("runs", "--limit", "-1")
    assert r.code == 2 and "--limit" in r.err


def test_doctor_json_lists_every_probe(proc) -> None:
    r = proc("doctor", "--json")
    assert r.code == 0, r.err
    report = r.json()
    names = [p["name"] for p in report]
    assert names == ["nvml", "amdsmi", "rapl", "cpu_model", "memory_model"]
    for p in report:
        assert set(p) >= {"name", "available", "reason", "fix"}
        if not p["available"]:
            assert p["reason"] and p["fix"]
    model = next(p for p in report if p["name"] == "cpu_model")
    assert model["available"] and model["readings"]["cpu"]["power_w"] is not None


def test_doctor_explains_a_tree_without_rapl_zones(proc, tmp_path: Path) -> None:
    # A powercap tree with no RAPL package zone (as in a container or a VM).
    (tmp_path / "powercap" / "dtpm").mkdir(parents=True)
    r = proc("doctor", "--json", env={"CARBONEST_POWERCAP_ROOT": str(tmp_path / "powercap")})
    rapl = next(p for p in r.json() if p["name"] == "rapl")
    assert not rapl["available"]
    assert "no RAPL package zone" in rapl["reason"]
    assert "CARBONEST_POWERCAP_ROOT" in rapl["fix"]
    text = proc("doctor", env={"CARBONEST_POWERCAP_ROOT": str(tmp_path / "powercap")})
    assert "fix:" in text.out and "no  rapl" in text.out


def test_doctor_refuses_a_counter_that_is_not_a_file(proc, tmp_path: Path) -> None:
    zone = tmp_path / "powercap" / "intel-rapl:0"
    zone.mkdir(parents=True)
    (zone / "name").write_text("package-0\n")
    (zone / "max_energy_range_uj").write_text("262143328850\n")
    (zone / "energy_uj").mkdir()  # a directory where the counter should be
    r = proc("doctor", "--json", env={"CARBONEST_POWERCAP_ROOT": str(tmp_path / "powercap")})
    rapl = next(p for p in r.json() if p["name"] == "rapl")
    assert not rapl["available"] and "energy_uj" in rapl["reason"]


def test_an_unwritable_json_file_is_refused_before_the_command_runs(proc, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    r = proc("measure", "--json-file", "/nonexistent-dir/x.json", "--",
             sys.executable, "-c", f"open({str(marker)!r}, 'w')")
    assert r.code == 2 and "--json-file" in r.err and "Traceback" not in r.err
    assert not marker.exists()


def test_errors_name_the_measure_command_not_its_arguments(cli) -> None:
    r = cli("measure", "--interval", "0.001", "--", "true")
    assert r.err.startswith("carbonest measure: error: --interval")


def test_doctor_shows_the_cpu_model_its_share_and_constants(proc) -> None:
    r = proc("doctor", "--json")
    cpu = next(e for e in r.json() if e["name"] == "cpu_model")
    model = cpu["model"]
    assert model["kind"] in ("tdp_share", "per_vcpu") and model["provenance"]
    assert model["vcpus"] >= 1 and "vCPU" in model["visible_cpus"]
    low, high = model["range_w"]
    if model["kind"] == "per_vcpu":  # this VM's "AMD EPYC": CCF's per-vCPU figures x the visible vCPUs
        assert low == pytest.approx(model["vcpus"] * model["min_w_per_vcpu"])
        assert high == pytest.approx(model["vcpus"] * model["max_w_per_vcpu"])
    else:
        assert low == 0 and 0 < high <= model["tdp_w"]
    text = proc("doctor")
    assert text.code == 0 and "model:" in text.out and "sees:" in text.out


def test_measure_takes_a_basis(proc) -> None:
    r = proc("measure", "--region", "CA-QC", "--basis", "direct", "--interval", "0.05", "--json-file", "-", "--", *SLEEP)
    assert r.code == 0, r.err
    record = json.loads(r.out)
    assert record["region"]["basis"].startswith("direct") and record["intensity_g_per_kwh"] == 1.5
    bad = proc("measure", "--basis", "net", "--", *SLEEP)
    assert bad.code == 2 and bad.err.count("\n") == 1 and "--basis" in bad.err
