"""Issue 8 items 5 and 6 end to end: a real full disk (a 200 KiB tmpfs) at the final save, and a
command whose name is not UTF-8, through real processes and the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from carbonest.store.sqlite import SQLiteStore

REPO = Path(__file__).resolve().parents[2]

FILL = textwrap.dedent(
    """
    import os, sys, time, warnings
    from carbonest.probes.fake import FakeProbe
    from carbonest.measure.tracker import track

    warnings.simplefilter("ignore")
    home = sys.argv[1]
    probe = FakeProbe({"gpu:0": 100.0}); probe.open()
    with track("tmpfs", region="FR", probes=[probe], interval_s=0.01, flush_interval_s=0.05) as run:
        print(run.run_id, flush=True)
        time.sleep(0.3)
        fd = os.open(os.path.join(home, "filler"), os.O_WRONLY | os.O_CREAT)  # the disk fills up
        try:
            while True:
                os.write(fd, b"x" * 512)
        except OSError:
            os.close(fd)
        with run.phase("after"):
            time.sleep(0.1)
    """
)


@pytest.fixture
def tiny_tmpfs(tmp_path: Path):
    mount = shutil.which("mount")
    point = tmp_path / "tiny"
    point.mkdir()
    if mount is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    done = subprocess.run([mount, "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield point
    finally:
        subprocess.run(["umount", str(point)], check=False)


def test_final_save_on_a_real_full_disk(tiny_tmpfs: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "CARBONEST_HOME": str(tiny_tmpfs)}
    done = subprocess.run([sys.executable, "-c", FILL, str(tiny_tmpfs)], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.split()[0]
    assert "could not be saved" in done.stderr and "full" in done.stderr
    printed = json.loads(next(x for x in done.stderr.splitlines() if x.startswith("{")))
    assert printed["run_id"] == run_id and printed["status"] == "completed"
    assert [p["name"] for p in printed["phases"]] == ["after"]
    (tiny_tmpfs / "filler").unlink()  # room again, for the reader's own bookkeeping
    listing = subprocess.run([sys.executable, "-m", "carbonest", "runs"], capture_output=True, text=True,
                             env=env, cwd=REPO, timeout=60)
    assert listing.returncode == 0, listing.stderr
    line = next(x for x in listing.stdout.splitlines() if x.startswith(run_id[:12]))
    assert "completed (final record not saved:" in line and "full" in line
    with SQLiteStore(tiny_tmpfs / "runs.sqlite") as store:
        run = store.get_run(run_id)
    assert run["status"] == "completed" and "full" in run["final_record_error"]
    assert run["it_energy_kwh"] > 0  # the last checkpoint's figures


def test_a_command_whose_name_is_not_utf8(tmp_path: Path) -> None:
    if sys.platform != "linux":
        pytest.skip("file names are arbitrary bytes on Linux only")
    bad = os.path.join(os.fsencode(tmp_path), b"train-\xff.sh")
    with open(bad, "wb") as fh:
        fh.write(b"#!/bin/sh\nexit 0\n")
    os.chmod(bad, 0o755)
    home = tmp_path / "home"
    env = {**os.environ, "PYTHONPATH": str(REPO), "CARBONEST_HOME": str(home)}
    done = subprocess.run([os.fsencode(sys.executable), b"-m", b"carbonest", b"measure", b"--region", b"FR",
                           b"--", bad], capture_output=True, env=env, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    with SQLiteStore(home / "runs.sqlite") as store:
        (run,) = store.list_runs()
    assert run["name"] == "train-\ufffd.sh" and run["status"] == "completed"
