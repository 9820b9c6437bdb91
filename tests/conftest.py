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


@pytest.fixture(autouse=True)
def _no_settings_from_this_machine(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No region, PUE or config file of the machine running the tests leaks into them: estimate
    and whatif honour CARBONEST_REGION and config.toml as track does. A test sets what it needs."""
    for var in ("CARBONEST_REGION", "CARBONEST_PUE", "CARBONEST_BASIS", "CARBONEST_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    if "CARBONEST_HOME" not in __import__("os").environ:
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "no-user-config"))


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


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[object]:
    """A throw-away PostgreSQL server on 127.0.0.1 for the whole session (tests/pgcluster.py).

    Skips without psycopg or Debian's server programs (fails where every extra must be there).
    """
    support.needs("psycopg")
    import pgcluster

    bindir = pgcluster.find_bindir()
    support.needs_program(f"{bindir}/pg_ctl" if bindir else "/usr/lib/postgresql/N/bin/pg_ctl")
    cluster = pgcluster.start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: object) -> str:
    """A ``postgresql://`` URL (with a password) whose tables go to a new, empty schema."""
    return pg_cluster.fresh_url()  # type: ignore[attr-defined, no-any-return]


@pytest.fixture(autouse=True)
def _private_claims(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Host claims (carbonest/measure/claims.py) in a folder of the test's own, never /tmp's."""
    monkeypatch.setenv("CARBONEST_CLAIMS_DIR", str(tmp_path_factory.mktemp("claims")))


@pytest.fixture(autouse=True)
def _shared_store_closed() -> Iterator[None]:
    """The store a test's trackers shared (carbonest/measure/shared_store.py) is closed after it,
    as at the exit of a process: no test sees another's open connection."""
    yield
    import sys

    shared = sys.modules.get("carbonest.measure.shared_store")
    if shared is not None:
        shared.close_all()
