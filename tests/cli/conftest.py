"""Helpers to run the real ``carbonest`` entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from carbonest.cli.main import main

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """Run ``carbonest ARGS`` in-process through ``main`` and capture what it prints."""

    def run(*args: str) -> Result:
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own exits (--help, usage errors)
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def proc(tmp_path: Path):
    """Run ``python -m carbonest ARGS`` as a real process."""

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        full_env = {**os.environ, "CARBONEST_HOME": str(tmp_path / "home"), **(env or {})}
        done = subprocess.run(
            [sys.executable, "-m", "carbonest", *args],
            capture_output=True, text=True, cwd=REPO, env=full_env, timeout=120,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    return run
