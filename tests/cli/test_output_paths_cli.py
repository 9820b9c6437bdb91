"""Output paths and API argument types: a clear error, never a traceback (item 18)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import carbonest
from carbonest.errors import InvalidInputError

FULL = "/dev/full"
needs_dev_full = pytest.mark.skipif(not os.path.exists(FULL), reason="no /dev/full here")


@pytest.mark.parametrize(("path", "why"), [("/proc/nope/x.csv", "no such folder"), ("{tmp}", "it is a folder")])
def test_runs_export_to_a_path_that_cannot_be_written(cli, tmp_path: Path, path: str, why: str) -> None:
    path = path.format(tmp=tmp_path)
    r = cli("runs", "export", "--format", "csv", "-o", path)
    assert r.code == 2, r.err
    assert r.err.startswith(f"carbonest runs: error: --output: cannot write {path!r} ({why}")
    assert r.err.count("\n") == 1


def test_whatif_csv_into_a_folder_is_refused_before_the_sweep(cli, tmp_path: Path) -> None:
    r = cli("whatif", "--gpu", "V100", "--hours", "1", "--region", "FR", "--csv", str(tmp_path))
    assert r.code == 2 and r.out == ""
    assert r.err.startswith("carbonest whatif: error: --csv: cannot write") and "folder" in r.err


@needs_dev_full
@pytest.mark.parametrize("args", [
    ["regions"], ["sources", "--json"], ["estimate", "--gpu", "V100", "--hours", "1", "--region", "FR", "--json"],
    ["runs", "--json"], ["whatif", "--gpu", "V100", "--hours", "1", "--region", "FR"],
    ["runs", "export", "--format", "json", "-o", FULL],
])
def test_writing_to_a_full_device_is_one_line(tmp_path: Path, args: list[str]) -> None:
    import subprocess

    env = {**os.environ, "CARBONEST_HOME": str(tmp_path)}
    with open(FULL, "w") as full:
        done = subprocess.run([sys.executable, "-m", "carbonest", *args], stdout=full, stderr=subprocess.PIPE,
                              text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert done.stderr.count("\n") == 1 and "No space left on device" in done.stderr


@needs_dev_full
def test_measure_keeps_the_commands_exit_code_when_stdout_is_full(tmp_path: Path) -> None:
    import subprocess

    env = {**os.environ, "CARBONEST_HOME": str(tmp_path)}
    with open(FULL, "w") as full:
        done = subprocess.run([sys.executable, "-m", "carbonest", "measure", "--region", "FR", "--json-file", "-",
                               "--", sys.executable, "-c", "raise SystemExit(3)"],
                              stdout=full, stderr=subprocess.PIPE, text=True, env=env, timeout=120)
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert "could not write the record to stdout" in done.stderr


@pytest.mark.parametrize(("call", "field"), [
    (lambda: carbonest.regions(42), "query"),
    (lambda: carbonest.hardware(42), "query"),
    (lambda: carbonest.hardware(kind=3), "kind"),
    (lambda: carbonest.runs(path=42), "path"),
    (lambda: carbonest.get_run("abc", path=42), "path"),
    (lambda: carbonest.estimate(gpu="V100", hours=1, embodied="no"), "embodied"),
    (lambda: carbonest.whatif(gpu="V100", hours=1, embodied="no"), "embodied"),
    (lambda: carbonest.track(region="FR", store=3).start(), "store"),
    (lambda: carbonest.track(region="FR", probes=3).start(), "probes"),
    (lambda: carbonest.track(region="FR", clock=3).start(), "clock"),
    (lambda: carbonest.track(region="FR", handle_signals="yes").start(), "handle_signals"),
])
def test_api_arguments_of_the_wrong_type_name_the_parameter(call, field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        call()
    assert info.value.field == field and str(info.value).startswith(f"{field}: ")
