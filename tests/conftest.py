"""Fixtures for every test folder: the real ``carbonest`` entry point, in-process, and the
loopback-only network guard (tests/support.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from carbonest.cli.main import main

import support


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


@pytest.fixture
def loopback_only() -> Iterator[None]:
    """Fail the test if anything in this process tries a socket connect outside loopback."""
    support.reset_blocked()
    support.install_loopback_guard()
    try:
        yield
    finally:
        support.remove_loopback_guard()
    attempts = support.blocked_connects()
    assert not attempts, f"connects outside 127.0.0.1 were attempted: {attempts}"


@pytest.fixture(autouse=True)
def _private_claims(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Host claims (carbonest/measure/claims.py) in a folder of the test's own, never /tmp's."""
    monkeypatch.setenv("CARBONEST_CLAIMS_DIR", str(tmp_path_factory.mktemp("claims")))
