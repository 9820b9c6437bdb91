"""``carbonest measure`` as a process supervisor: signals, SIGKILL of measure itself, grace period, exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

# The child: (optionally) handle or ignore one signal, say it is ready, write its pid, wait.
CHILD = """
import os, signal, sys, time
ready, how, signame = sys.argv[1:4]
if how == "exit0":
    signal.signal(getattr(signal, signame), lambda *_: sys.exit(0))
elif how == "ignore":
    signal.signal(getattr(signal, signame), signal.SIG_IGN)
open(ready + ".tmp", "w").write(str(os.getpid()))
os.replace(ready + ".tmp", ready)
time.sleep(60)
"""


def _default_signals() -> None:
    """A suite started in the background by a shell has SIGINT and SIGQUIT ignored, under nohup
    SIGHUP too, and an ignored signal stays ignored across exec: give measure (and so its child)
    the defaults."""
    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)


def _ignoring_sighup() -> None:
    """measure started as `nohup carbonest measure ...` would be."""
    _default_signals()
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def _start(tmp_path: Path, how: str = "default", signame: str = "SIGTERM", *extra: str,
           preexec: Any = _default_signals) -> tuple[subprocess.Popen[str], Path, int]:
    env = {**os.environ, "CARBONEST_HOME": str(tmp_path / "home")}
    ready = tmp_path / "ready"
    p = subprocess.Popen(
        [sys.executable, "-m", "carbonest", "measure", "--region", "FR", "--interval", "0.05", *extra,
         "--json-file", str(tmp_path / "r.json"), "--",
         sys.executable, "-c", CHILD, str(ready), how, signame],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=preexec,
    )
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert p.poll() is None, p.communicate()
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.02)
    return p, tmp_path / "r.json", int(ready.read_text())


def _gone(pid: int, within_s: float) -> bool:
    """True once ``pid`` no longer runs (gone, or a zombie waiting for its new parent)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("signame", ["SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGINT", "SIGTERM"])
def test_every_terminating_signal_is_forwarded_then_the_run_saved(tmp_path: Path, signame: str) -> None:
    p, record_file, child = _start(tmp_path)
    p.send_signal(getattr(signal, signame))
    _, err = p.communicate(timeout=30)
    number = int(getattr(signal, signame))
    assert p.returncode == 128 + number, err  # measure waited for the child killed by it
    assert _gone(child, 5)
    record = json.loads(record_file.read_text())
    assert record["status"] == "interrupted" and signame in record["status_reason"]


@pytest.mark.slow
def test_under_nohup_a_hangup_neither_stops_measure_nor_its_command(tmp_path: Path) -> None:
    # SIGHUP was ignored when measure started: it stays ignored (the command inherits that), so
    # a closed terminal is neither forwarded nor followed by SIGKILL --kill-after seconds later.
    p, record_file, child = _start(tmp_path, "default", "SIGTERM", "--kill-after", "0.5",
                                   preexec=_ignoring_sighup)
    p.send_signal(signal.SIGHUP)
    time.sleep(1.5)  # past --kill-after
    assert p.poll() is None and not _gone(child, 0.1)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 128 + signal.SIGTERM, err
    record = json.loads(record_file.read_text())
    assert record["status"] == "interrupted" and "SIGTERM" in record["status_reason"]
    assert "SIGHUP" not in record["status_reason"] and "SIGKILL" not in record["status_reason"]


@pytest.mark.slow
def test_a_warning_signal_the_command_handles_ends_as_the_command_says(tmp_path: Path) -> None:
    # Slurm's --signal=USR1@60: the job checkpoints and exits 0; the run is completed.
    p, record_file, _ = _start(tmp_path, "exit0", "SIGUSR1")
    p.send_signal(signal.SIGUSR1)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert json.loads(record_file.read_text())["status"] == "completed"


@pytest.mark.slow
def test_the_command_does_not_outlive_a_sigkilled_measure(tmp_path: Path) -> None:
    p, _, child = _start(tmp_path)
    try:
        p.kill()
        p.communicate(timeout=30)
        assert _gone(child, 5), "the command ran on after measure was killed"
    finally:
        if not _gone(child, 0.1):
            os.kill(child, signal.SIGKILL)


@pytest.mark.slow
def test_a_command_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    p, record_file, child = _start(tmp_path, "ignore", "SIGTERM", "--kill-after", "0.5")
    try:
        sent = time.monotonic()
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
        assert time.monotonic() - sent < 10
        assert p.returncode == 128 + signal.SIGKILL, err
        record = json.loads(record_file.read_text())
        assert record["status"] == "interrupted"
        assert "SIGTERM" in record["status_reason"] and "SIGKILL" in record["status_reason"]
        assert "0.5 s" in record["status_reason"]
    finally:
        if not _gone(child, 0.1):
            os.kill(child, signal.SIGKILL)


def test_kill_after_must_be_a_positive_number(cli) -> None:
    r = cli("measure", "--kill-after", "-1", "--", "true")
    assert r.code == 2 and r.err.startswith("carbonest measure: error: --kill-after")


def test_a_file_that_is_not_executable_is_126_permission_denied(proc, tmp_path: Path) -> None:
    script = tmp_path / "train.sh"
    script.write_text("#!/bin/sh\necho ran\n")
    script.chmod(0o644)
    r = proc("measure", "--", str(script))
    assert r.code == 126, r.err
    assert r.err.strip().splitlines() == [f"carbonest measure: error: permission denied: {script}"]
    folder = proc("measure", "--", str(tmp_path))
    assert folder.code == 126 and "is a directory" in folder.err


def test_a_non_executable_file_found_on_path_is_126(proc, tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin" / "trainme"
    script.write_text("#!/bin/sh\necho ran\n")
    script.chmod(0o644)
    r = proc("measure", "--", "trainme", env={"PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"})
    assert r.code == 126 and "permission denied: trainme" in r.err
