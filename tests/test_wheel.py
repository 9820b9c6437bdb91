"""The shipped tables travel in the wheel: build it, install it in a fresh venv, run the CLI there.

The fresh venv borrows the already-installed third-party dependencies through
a .pth file (so the test needs no network), but carbonest itself comes only
from the wheel: the command runs outside the source tree and the test checks
where the imported package lives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_estimates(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(REPO)],
        check=True, capture_output=True, text=True,
    )
    wheels = list(dist.glob("carbonest-*.whl"))
    assert len(wheels) == 1
    env_dir = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    fresh_py = env_dir / "bin" / "python"
    fresh_site = Path(
        subprocess.run([str(fresh_py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                       check=True, capture_output=True, text=True).stdout.strip()
    )
    # Dependencies from the test environment; carbonest's own editable hook is not a .pth in this dir's path.
    (fresh_site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
         "--target", str(fresh_site), str(wheels[0])],
        check=True, capture_output=True, text=True,
    )
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    where = subprocess.run(
        [str(fresh_py), "-c", "import carbonest, os; print(os.path.dirname(carbonest.__file__))"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=clean_env,
    ).stdout.strip()
    assert Path(where).resolve() == (fresh_site / "carbonest").resolve()
    script = env_dir / "bin" / "carbonest"
    cmd = [str(script)] if script.exists() else [str(fresh_py), "-m", "carbonest"]
    done = subprocess.run(
        [*cmd, "estimate", "--gpu", "V100", "--hours", "79", "--region", "quebec", "--json"],
        capture_output=True, text=True, cwd=tmp_path, env=clean_env,
    )
    assert done.returncode == 0, done.stderr
    d = json.loads(done.stdout)
    assert d["region"]["id"] == "CA-QC" and d["co2e_kg"] > 0
    listed = subprocess.run([*cmd, "sources"], capture_output=True, text=True, cwd=tmp_path, env=clean_env)
    assert listed.returncode == 0 and "Ember" in listed.stdout
