"""Fixtures for every test folder: the real ``carbonest`` entry point, in-process."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from carbonest.cli.main import main


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run ``carbonest ARGS`` through ``main``: (exit code, stdout, stderr). argparse's own exits count."""

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
