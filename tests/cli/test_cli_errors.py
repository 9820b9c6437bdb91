"""Errors through the real entry point (issue 9, part B): flags not parameters on the CLI,
unknown flags per subcommand, name matching, the shared region rule, value limits, --json
errors and exit codes. The Python API's side of the same checks is in tests/test_api_face.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

API_NAMES = ("gpu_power_w", "cpu_power_w", "dram_gb", "dram_power_w", "intensity_g_per_kwh", "wue_l_per_kwh",
             "lora_params", "head_params", "energy_per_query_wh", "tokens_per_query", "inference_mfu", "energy_kwh",
             "idle_kwh", "embodied_kg_per_server", "gpus_per_server", "lifetime_years")
REPO = Path(__file__).resolve().parents[2]
API_NAME = re.compile(r"(?<![-\w'])(" + "|".join(sorted(API_NAMES)) + r")\b")


@pytest.mark.parametrize(("args", "expected"), [
    (["estimate", "--gpu", "V100", "--hours", "1", "--region", "FR", "--intensity", "3"],
     "--intensity: give either --region or --intensity, not both"),
    (["estimate", "--hours", "1"], "give --gpu or --gpu-power-w, --cpu or --cpu-power-w, --dram-gb or --dram-power-w"),
    (["estimate", "--gpu", "V100", "--hours", "1", "--cpus", "2"], "--cpus: given without --cpu or --cpu-power-w"),
    (["estimate", "--gpu", "A100", "--params", "7e9"], "--params and --tokens go together"),
    (["estimate", "--gpu", "V100", "--energy-kwh", "5", "--gpu-power-w", "300"],
     "--gpu-power-w: --energy-kwh already is the IT energy"),
    (["estimate", "--cpu", "Xeon Gold 6248", "--vcpus", "4", "--cpus", "2", "--hours", "1"],
     "give either --vcpus (a VM's share of a CPU) or --cpus"),
    (["estimate", "--preset", "patterson2021", "--gpu", "V100", "--hours", "1"], "give --intensity, --region or a --datacenter"),
    (["whatif", "--gpu", "V100", "--hours", "1", "--region", "FR", "--intensity", "3"],
     "--intensity: give either --region or --intensity, not both"),
    (["whatif", "--gpu", "V100", "--hours", "1", "--tasks", "3"], "--tasks: only used with --adaptation"),
])
def test_errors_name_flags_not_python_parameters(run_cli, args, expected) -> None:
    code, out, err = run_cli(*args)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert expected in err, err
    assert not API_NAME.search(err), err  # no gpu_power_w, intensity_g_per_kwh... on the CLI


def test_notes_and_warnings_name_flags_on_the_cli(run_cli) -> None:
    code, out, err = run_cli("estimate", "--gpu", "V100", "--hours", "1", "--region", "FR")
    assert code == 0 and "Give --gpu-power-w to set it" in out and "Give gpu_power_w" not in out


def test_unknown_flag_names_the_subcommand_its_help_and_the_closest_flag(run_cli) -> None:
    code, out, err = run_cli("estimate", "--gpu", "V100", "--hours", "1", "--jsn")
    assert code == 2 and out == ""
    assert err == ("carbonest estimate: error: unrecognized arguments: --jsn; did you mean --json? "
                   "(see carbonest estimate --help)\n")
    code, _, err = run_cli("doctor", "--verbose")
    assert code == 2 and err.startswith("carbonest doctor: error: unrecognized arguments: --verbose")
    assert "(see carbonest doctor --help)" in err
    code, _, err = run_cli("whatif", "--gpu", "V100", "--hours", "1", "--regoin", "FR")
    assert code == 2 and "carbonest whatif: error:" in err and "did you mean --region?" in err
    code, _, err = run_cli("runs", "show", "abc", "--jsonn")
    assert code == 2 and err.startswith("carbonest runs show: error:") and "did you mean --json?" in err


def test_ambiguous_region_is_refused_with_the_candidates(run_cli) -> None:
    code, out, err = run_cli("estimate", "--gpu", "V100", "--hours", "1", "--region", "georgia")
    assert code == 2 and out == ""
    assert "ambiguous region 'georgia'" in err and "GE (Georgia, country)" in err and "US-GA (" in err
    assert run_cli("estimate", "--gpu", "V100", "--hours", "1", "--region", "US-GA", "--json")[0] == 0


@pytest.mark.parametrize(("args", "first"), [
    (["--region", "quebc"], "did you mean CA-QC (Québec)?"),
    (["--region", "califrnia"], "did you mean US-CA (California)"),
    (["--gpu", "h1OO"], "did you mean H100"),  # look-alike characters: O for 0
    (["--gpu", "a1OO"], "did you mean A100"),
])
def test_suggestions_rank_by_edit_distance_with_look_alikes(run_cli, args, first) -> None:
    base = ["estimate", "--hours", "1"] + ([] if "--gpu" in args else ["--gpu", "V100"])
    code, _, err = run_cli(*base, *args)
    assert code == 2 and first in err, err


@pytest.mark.parametrize(("command", "query", "suggestion"), [
    ("regions", "quebc", "CA-QC (Québec)"), ("hardware", "h1OO", "H100"),
])
def test_a_table_query_that_matches_nothing_says_so_and_exits_1(run_cli, command, query, suggestion) -> None:
    code, out, err = run_cli(command, query)
    assert code == 1 and out == ""
    assert err.startswith(f"carbonest {command}: error: no ") and f"matches {query!r}" in err and suggestion in err
    code, out, err = run_cli(command, query, "--json")
    assert code == 1 and json.loads(out) == []
    assert json.loads(err)["suggestions"][0] == suggestion.split(" ")[0]


def test_estimate_and_whatif_honour_carbonest_region(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("CARBONEST_REGION", "quebec")
    code, out, _ = run_cli("estimate", "--gpu", "V100", "--hours", "1", "--json")
    d = json.loads(out)
    assert code == 0 and d["region"]["id"] == "CA-QC" and d["provenance"]["region"] == "env:CARBONEST_REGION"
    assert not any("No region given" in n for n in d["notes"])
    code, out, _ = run_cli("whatif", "--gpu", "V100", "--hours", "1", "--json")
    row = json.loads(out)[0]
    assert code == 0 and row["region"] == "CA-QC" and row["region_provenance"] == "env:CARBONEST_REGION"
    for command in ("estimate", "whatif"):  # a datacenter's own intensity beats the configured region
        _, out, _ = run_cli(command, "--gpu", "V100", "--hours", "1", "--datacenter", "strubell2019", "--json")
        assert "CA-QC" not in out and "strubell2019" in out
    code, out, _ = run_cli("estimate", "--gpu", "V100", "--hours", "1", "--region", "FR", "--json")
    assert json.loads(out)["region"]["id"] == "FR" and json.loads(out)["provenance"]["region"] == "user"
    monkeypatch.setenv("CARBONEST_REGION", "quebc")
    code, out, err = run_cli("estimate", "--gpu", "V100", "--hours", "1")
    assert code == 2 and err.startswith("carbonest estimate: error: CARBONEST_REGION: unknown region 'quebc'")


def test_estimate_honours_the_config_file(run_cli, monkeypatch, tmp_path) -> None:
    (tmp_path / "config.toml").write_text('region = "FR"\n')
    monkeypatch.setenv("CARBONEST_HOME", str(tmp_path))
    code, out, _ = run_cli("estimate", "--gpu", "V100", "--hours", "1", "--json")
    d = json.loads(out)
    assert code == 0 and d["region"]["id"] == "FR"
    assert d["provenance"]["region"] == f"config:{tmp_path / 'config.toml'}"


@pytest.mark.parametrize(("args", "expected"), [
    (["--pue", "50"], "--pue: PUE must be at most 3"),
    (["--intensity", "1e308"], "--intensity: must be at most 2,000 g CO2e/kWh"),
    (["--inference-mfu", "0.3"], "--inference-mfu: only applies with --queries"),
])
def test_values_out_of_range_are_refused(run_cli, args, expected) -> None:
    code, out, err = run_cli("estimate", "--gpu", "V100", "--hours", "1", *args)
    assert code == 2 and out == "" and expected in err, err


def test_whatif_refuses_the_same_limits(run_cli) -> None:
    code, _, err = run_cli("whatif", "--gpu", "V100", "--hours", "1", "--pue", "1.2,50")
    assert code == 2 and "--pue: PUE must be at most 3" in err
    code, _, err = run_cli("whatif", "--gpu", "V100", "--hours", "1", "--intensity", "100,1e308")
    assert code == 2 and "--intensity: must be at most 2,000" in err


def test_gpu_power_far_above_the_tdp_is_warned_about(run_cli) -> None:
    code, out, err = run_cli("estimate", "--gpu", "V100", "--gpu-power-w", "5000", "--hours", "1", "--region", "FR")
    assert code == 0 and out
    assert err.startswith("carbonest estimate: warning: --gpu-power-w: 5000 W per device is 16.7 times the 300 W TDP")
    assert "25%" in err
    assert run_cli("estimate", "--gpu", "V100", "--gpu-power-w", "350", "--hours", "1", "--region", "FR")[2] == ""


def test_json_errors_are_one_object_with_the_same_exit_code(run_cli, tmp_path) -> None:
    code, out, err = run_cli("estimate", "--gpu", "V100", "--hours", "1", "--region", "quebc", "--json")
    assert code == 2 and out == ""
    obj = json.loads(err)
    assert obj == {"error": "--region: unknown region 'quebc': did you mean CA-QC (Québec)?", "field": "--region",
                   "suggestions": ["CA-QC"]}
    code, _, err = run_cli("estimate", "--gpu", "V100", "--hours", "1", "--jsn", "--json")
    assert code == 2 and json.loads(err)["suggestions"] == ["--json"]
    bad = tmp_path / "not-a-store.sqlite"
    bad.write_bytes(b"not sqlite at all")
    code, _, err = run_cli("runs", "--store", str(bad), "--json")
    assert code == 1 and json.loads(err)["field"] is None and "run store" in json.loads(err)["error"]


def test_exit_codes_follow_the_table_in_docs(run_cli, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CARBONEST_HOME", str(tmp_path / "home"))
    doc = (REPO / "docs/cli.md").read_text(encoding="utf-8")
    table = doc.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 126 |", "| 127 |", "| 128+N |"):
        assert code in table
    missing = str(tmp_path / "no-such-folder" / "out")
    # usage errors (2): paths on the command line that cannot be used, before any work
    assert run_cli("whatif", "--gpu", "V100", "--hours", "1", "--csv", missing + ".csv")[0] == 2
    assert run_cli("measure", "--json-file", missing + ".json", "--", "true")[0] == 2
    assert run_cli("runs", "export", "--output", missing + ".csv")[0] == 2
    assert run_cli("runs", "--store", str(tmp_path))[0] == 2  # a folder, not a store file
    assert run_cli("runs", "--store", missing + ".sqlite")[0] == 2
    # runtime failures and nothing found (1)
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"x" * 100)
    assert run_cli("runs", "--store", str(bad))[0] == 1
    code, _, err = run_cli("runs", "show", "0123abc")
    assert code == 1 and "no run with id" in err
