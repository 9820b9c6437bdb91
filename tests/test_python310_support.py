"""Python 3.10, which requires-python allows: tomli declared, and the CI runs the suite there too (item 16)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    try:
        import tomllib
    except ImportError:  # Python 3.10: the very dependency checked below
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def test_tomli_is_declared_for_python_before_3_11() -> None:
    meta = _pyproject()["project"]
    assert meta["requires-python"] == ">=3.10"
    tomli = [d for d in meta["dependencies"] if re.match(r"tomli\b", d)]
    assert len(tomli) == 1
    assert re.search(r";\s*python_version\s*<\s*['\"]3\.11['\"]", tomli[0])


def test_a_valid_config_file_is_read_on_every_supported_python(tmp_path: Path) -> None:
    # The config reader takes tomllib, else tomli: on 3.10 the declared tomli must be there.
    (tmp_path / "config.toml").write_text('region = "FR"\npue = 1.2\n')
    code = ("from carbonest.config import load_settings; import os; "
            "s = load_settings({'CARBONEST_HOME': os.environ['HOME_DIR']}); print(s.region, s.pue)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"HOME_DIR": str(tmp_path), "PATH": ""}, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["FR", "1.2"]


def test_ci_runs_exactly_the_readme_test_command_with_a_python_310_leg() -> None:
    readme = (REPO / "README.md").read_text()
    block = readme.split("Install and run the tests", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0].strip()
    ci = [line for line in (REPO / ".ci" / "run").read_text().splitlines()
          if line and not line.startswith(("#", "set ", "cd "))]
    assert ci == [block]
    script = (REPO / block).read_text()
    assert ".venv-test/bin/python -m pytest -q" in script
    assert "python3.10" in script and ".venv-test310/bin/python -m pytest -q" in script
    assert "notice: no Python 3.10" in script  # skipped, not failed, where there is none
