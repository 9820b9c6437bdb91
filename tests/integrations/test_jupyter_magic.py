"""``%load_ext carbonest`` and the ``%%carbonest`` cell magic, through IPython's InteractiveShell in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

import support
from carbonest.store.sqlite import SQLiteStore

support.needs("IPython", "pip install 'carbonest[jupyter]'")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402


@pytest.fixture(scope="module")
def shell() -> InteractiveShell:
    sh = InteractiveShell.instance()
    result = sh.run_cell("%load_ext carbonest")
    assert result.success, result
    return sh


def _stored(home: Path, run_id: str) -> dict:
    return SQLiteStore(home / "runs.sqlite", read_only=True).get_run(run_id)


def test_the_magic_measures_the_cell_and_prints_the_answer_line(
        shell: InteractiveShell, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = shell.run_cell("%%carbonest --region FR --name cell-a --interval 0.05\n"
                            "import time\nmeasured_total = sum(range(10**5))\ntime.sleep(0.2)\n")
    assert result.success
    out = capsys.readouterr().out
    assert shell.user_ns["measured_total"] == sum(range(10**5))  # the cell ran, in the user's namespace
    record = shell.user_ns["_carbonest"]
    assert record.name == "cell-a" and record.status == "completed" and record.duration_s >= 0.2
    line = out.strip().splitlines()[-1]
    assert line.startswith("carbonest: ") and record.run_id[:12] in line and "FR" in line
    assert f"{record.energy_kwh:.3g} kWh" in line
    assert _stored(home, record.run_id)["status"] == "completed"


def test_a_cell_that_raises_is_a_failed_run_and_the_error_is_shown(
        shell: InteractiveShell, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = shell.run_cell("%%carbonest --region DE\nraise ValueError('bad batch')\n")
    out = capsys.readouterr().out
    record = shell.user_ns["_carbonest"]
    assert record.status == "failed" and record.status_reason == "ValueError: bad batch"
    assert "ValueError" in out and "(failed)" in out.strip().splitlines()[-1]
    assert _stored(home, record.run_id)["status"] == "failed"
    assert result.error_in_exec is None  # the magic itself did not fail: the cell's error was shown


def test_a_bad_option_is_one_line_and_the_cell_does_not_run(
        shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    for line, expected in (("--region Atlantis", "%%carbonest: error: --region: unknown region 'Atlantis'"),
                           ("--pue 0.5", "%%carbonest: error: --pue:"),
                           ("--log-to nowhere", "%%carbonest: error: --log-to: unknown sink 'nowhere'"),
                           ("--bogus", "%%carbonest: error: unrecognized arguments: --bogus")):
        shell.run_cell(f"%%carbonest {line}\nnot_run = True\n")
        err = capsys.readouterr().err
        assert err.startswith(expected) and err.count("\n") == 1, err
        assert "not_run" not in shell.user_ns
