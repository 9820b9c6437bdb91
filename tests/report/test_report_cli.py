"""``carbonest report``: the text report, --compare, --appendix, usage errors and the missing extra."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pytest

from _reporttest_helpers import XSS_NAME

REPO = Path(__file__).resolve().parents[2]


def test_text_report(run_cli, runs_store: Path) -> None:
    import importlib.util

    code, out, err = run_cli("report", "aaaa", "--store", str(runs_store))
    assert code == 0, err
    if importlib.util.find_spec("matplotlib") is not None:  # without it: the note tested below
        assert err == ""
    assert XSS_NAME in out  # text is shown as it is
    assert "0.3600 kWh at the facility" in out
    assert "range" in out and "lowest-carbon regions" in out and "provenance of every figure" in out
    assert "warm-up <b>&" in out and "km driven" in out


def test_text_report_cleans_control_characters(run_cli, tmp_path: Path) -> None:
    from carbonest.store.sqlite import SQLiteStore

    from _reporttest_helpers import record

    path = tmp_path / "runs.sqlite"
    with SQLiteStore(path) as store:
        store.save_run(record("9" * 32, "evil\x1b[2J\nline", 60.0, {"gpu": {"energy_kwh": 0.01}}))
    code, out, _ = run_cli("report", "9999", "--store", str(path))
    assert code == 0 and "\x1b" not in out and "evil?[2J?line" in out


def test_compare_names_the_main_cause(run_cli, runs_store: Path) -> None:
    code, out, err = run_cli("report", "--compare", "aaaa", "bbbb", "cccc", "--store", str(runs_store))
    assert code == 0, err
    blocks = out.split("\n\n")
    assert "main cause: duration" in blocks[1] and "+100.0 %" in blocks[1] and "kg CO2e" in blocks[1]
    assert "main cause: place" in blocks[2]
    code, out, err = run_cli("report", "--compare", "aaaa", "dddd", "--store", str(runs_store))
    assert code == 0, err
    assert "CO2e not compared" in out and "lifecycle vs direct" in out and "kg CO2e" not in out.split("\n\n")[1]


@pytest.mark.parametrize("args, flag", [
    (["report"], "RUN_ID"),
    (["report", "--compare", "aaaa"], "--compare"),
    (["report", "aaaa", "--compare", "bbbb", "cccc"], "RUN_ID"),
    (["report", "aaaa", "--html", "/nonexistent-folder/r.html"], "--html"),
])
def test_usage_errors_are_one_line_and_exit_2(run_cli, runs_store: Path, args: list[str], flag: str) -> None:
    code, out, err = run_cli(*args, "--store", str(runs_store))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and flag in err and "Traceback" not in err


@pytest.mark.parametrize("args, flag", [
    (["report", "zzzz"], "RUN_ID: no run with id or id prefix 'zzzz'"),
    (["report", "--compare", "aaaa", "zzzz"], "--compare: no run with id or id prefix 'zzzz'"),
])
def test_a_run_id_that_matches_nothing_exits_1(run_cli, runs_store: Path, args: list[str], flag: str) -> None:
    """docs/cli.md's exit-code table: a run id that matches nothing is 1 (as grep), not a usage error."""
    code, out, err = run_cli(*args, "--store", str(runs_store))
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and flag in err and "Traceback" not in err


def test_appendix_prints_run_appendix_of_the_loaded_record(run_cli, runs_store: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The wiring only: carbonest.report.appendix is the other half of issue 13 (here a stand-in
    records what it was given; with the real module it prints the real appendix)."""
    seen = []
    stand_in = types.ModuleType("carbonest.report.appendix")

    def run_appendix(record, fmt):
        seen.append((record["run_id"], fmt))
        return f"appendix of {record['name']} as {fmt}"

    stand_in.run_appendix = run_appendix
    import carbonest.report

    monkeypatch.setitem(sys.modules, "carbonest.report.appendix", stand_in)
    monkeypatch.setattr(carbonest.report, "appendix", stand_in, raising=False)
    code, out, err = run_cli("report", "bbbb", "--appendix", "latex", "--store", str(runs_store))
    assert code == 0, err
    assert seen == [("b" * 32, "latex")] and out == "appendix of twice as long as latex\n"
    code, _, err = run_cli("report", "bbbb", "--appendix", "pdf", "--store", str(runs_store))
    assert code == 2 and "--appendix" in err


def test_without_matplotlib_one_line_says_how_to_install_it(runs_store: Path, tmp_path: Path) -> None:
    hide = ("import sys; sys.modules['matplotlib'] = None; from carbonest.cli.main import main; "
            "sys.exit(main(sys.argv[1:]))")
    base = [sys.executable, "-c", hide, "report", "aaaa", "--store", str(runs_store)]
    done = subprocess.run([*base, "--html", str(tmp_path / "r.html")], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        'carbonest report: error: the plots need matplotlib, which is not installed: pip install "carbonest[report]"']
    assert not (tmp_path / "r.html").exists()
    text = subprocess.run(base, capture_output=True, text=True, cwd=REPO, timeout=60)
    assert text.returncode == 0 and "provenance of every figure" in text.stdout  # the text report needs no extra
    assert text.stderr.splitlines() == ['carbonest report: note: the plots need matplotlib, which is not installed: '
                                        'pip install "carbonest[report]" (only --html, --png and --svg need it)']


def test_import_carbonest_report_does_not_import_matplotlib() -> None:
    code = ("import sys, carbonest.report.model, carbonest.report.text, carbonest.report.html, "
            "carbonest.report.plots, carbonest.cli.report_cmd; print(sys.modules.get('matplotlib') is not None)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
