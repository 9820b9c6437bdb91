"""``carbonest estimate`` through the real entry point: outputs, exit codes, one-line errors."""

from __future__ import annotations

import math

import pytest

from carbonest.units import KG_PER_LB


def test_readme_example_runs_as_a_process(proc) -> None:
    r = proc("estimate", "--gpu", "V100", "--hours", "79", "--region", "quebec")
    assert r.code == 0, r.err
    assert "kg CO2e" in r.out
    assert "CA-QC" in r.out
    assert r.err == ""


def test_json_has_the_documented_keys(cli) -> None:
    r = cli("estimate", "--gpu", "V100", "--gpus", "8", "--hours", "10", "--region", "france", "--json")
    assert r.code == 0, r.err
    d = r.json()
    for key in ("energy_kwh", "it_energy_kwh", "co2e_kg", "co2e_lbs", "pue", "intensity_g_per_kwh",
                "hours", "gpu_hours", "region", "components", "provenance"):
        assert key in d, key
    assert set(d["region"]) >= {"id", "name", "year", "source", "basis"}
    assert d["region"]["id"] == "FR"
    gpu = d["components"]["gpu"]
    assert set(gpu) >= {"model", "count", "power_w", "energy_kwh", "provenance"}
    assert gpu["count"] == 8
    assert d["gpu_hours"] == 80
    # energy is consistent: IT = 8 x TDP x 10 h; facility = IT x PUE; CO2e = facility x CI
    assert d["it_energy_kwh"] == pytest.approx(8 * gpu["power_w"] * 10 / 1000)
    assert d["energy_kwh"] == pytest.approx(d["it_energy_kwh"] * d["pue"])
    assert d["co2e_kg"] == pytest.approx(d["energy_kwh"] * d["intensity_g_per_kwh"] / 1000)
    assert d["co2e_lbs"] == pytest.approx(d["co2e_kg"] / KG_PER_LB)
    assert d["provenance"]["hours"] == "user"
    assert d["provenance"]["gpu_power_w"].startswith("table:accelerators")
    assert d["provenance"]["pue"].startswith("table:datacenters")
    assert d["provenance"]["intensity_g_per_kwh"].startswith("table:regions")
    assert d["left_out"] == ["cpu", "dram"]


def test_defaults_are_said_plainly(cli) -> None:
    r = cli("estimate", "--gpu-power-w", "250", "--hours", "2")
    assert r.code == 0, r.err
    assert "world average" in r.out
    assert "industry average" in r.out
    assert "not counted" in r.out and "cpu" in r.out


def test_family_name_names_the_sku_and_alternatives(cli) -> None:
    d = cli("estimate", "--gpu", "A100", "--hours", "1", "--json").json()
    assert any("A100" in n and "other SKUs" in n for n in d["notes"])


def test_strubell_preset_reproduces_bert(cli) -> None:
    r = cli("estimate", "--preset", "strubell2019", "--gpu-power-w", str(12041.51 / 64), "--gpus", "64",
            "--hours", "79.2", "--json")
    d = r.json()
    assert round(d["energy_kwh"]) == 1507
    assert round(d["co2e_lbs"]) == 1438
    assert d["pue"] == 1.58
    assert d["provenance"]["pue"] == "preset:strubell2019"


def test_patterson_preset_reproduces_gpt3(cli) -> None:
    r = cli("estimate", "--preset", "patterson2021", "--gpu", "V100", "--gpus", "10000",
            "--gpu-power-w", "330", "--hours", str(14.8 * 24), "--pue", "1.1", "--intensity", "429", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["energy_kwh"] / 1000 == pytest.approx(1289.376, rel=1e-9)
    assert d["co2e_kg"] / 1000 == pytest.approx(553.142304, rel=1e-9)


def test_patterson_preset_needs_pue_and_intensity(cli) -> None:
    r = cli("estimate", "--preset", "patterson2021", "--gpu", "V100", "--hours", "10")
    assert r.code == 2
    assert "--intensity" in r.err or "--pue" in r.err


def test_imperial_units_lead_with_lbs(cli) -> None:
    r = cli("estimate", "--gpu", "T4", "--hours", "3", "--units", "imperial")
    assert r.code == 0
    assert "lbs CO2e (" in r.out.splitlines()[0]


def test_cpu_and_dram_components(cli) -> None:
    d = cli("estimate", "--gpu", "V100", "--cpu-power-w", "150", "--cpus", "2", "--dram-gb", "64",
            "--hours", "1", "--intensity", "100", "--pue", "1.2", "--json").json()
    assert d["components"]["cpu"]["energy_kwh"] == pytest.approx(0.3)
    assert d["components"]["dram"]["power_w"] == pytest.approx(64 * 0.3725)
    assert d["left_out"] == []


@pytest.mark.parametrize(
    ("args", "must_say"),
    [
        (["--gpu", "V1000", "--hours", "1"], ["--gpu", "V1000", "V100"]),
        (["--gpu", "V100", "--hours", "1", "--region", "quebek"], ["--region", "quebek", "CA-QC"]),
        (["--cpu", "Xeon Gold 99999", "--hours", "1"], ["--cpu", "Xeon Gold 99999"]),
        (["--gpu", "V100", "--hours", "-3"], ["--hours", "-3"]),
        (["--gpu", "V100", "--hours", "0"], ["--hours"]),
        (["--gpu", "V100", "--hours", "nan"], ["--hours", "nan"]),
        (["--gpu", "V100", "--hours", "inf"], ["--hours"]),
        (["--gpu", "V100", "--hours", "abc"], ["--hours", "abc"]),
        (["--gpu", "V100"], ["--hours"]),
        (["--gpu", "V100", "--hours", "1", "--pue", "0.9"], ["--pue", "0.9"]),
        (["--gpu", "V100", "--hours", "1", "--gpus", "2.5"], ["--gpus", "2.5"]),
        (["--gpu", "V100", "--hours", "1", "--gpus", "0"], ["--gpus"]),
        (["--gpu", "V100", "--hours", "1", "--gpus", "-4"], ["--gpus"]),
        (["--gpu", "V100", "--hours", "1", "--gpu-power-w", "-1"], ["--gpu-power-w"]),
        (["--gpu", "V100", "--hours", "1", "--region", "FR", "--intensity", "50"], ["--intensity", "region"]),
        (["--gpu", "V100", "--hours", "1", "--intensity", "-5"], ["--intensity"]),
        (["--cpu", "Xeon Gold 6248", "--cpu-power-w", "900", "--hours", "1"], ["--cpu-power-w", "TDP"]),
        (["--dram-gb", "64", "--dram-power-w", "20", "--hours", "1"], ["--dram-power-w"]),
        (["--hours", "1"], ["nothing to estimate"]),
        (["--gpu", "V100", "--hours", "1", "--preset", "fancy"], ["--preset", "fancy"]),
        (["--gpu", "V100", "--hours", "1", "--units", "stones"], ["--units", "stones"]),
        (["--gpu", "V100", "--hours", "1", "--bogus"], ["--bogus"]),
        (["--gpus", "4", "--hours", "1", "--cpu-power-w", "100"], ["--gpus"]),
    ],
)
def test_bad_input_is_one_line_exit_2(cli, args: list[str], must_say: list[str]) -> None:
    r = cli("estimate", *args)
    assert r.code == 2, (args, r.out, r.err)
    assert r.out == ""
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    assert "Traceback" not in r.err
    for word in must_say:
        assert word in r.err, (word, r.err)


def test_unknown_gpu_as_a_process_has_no_traceback(proc) -> None:
    r = proc("estimate", "--gpu", "V1000", "--hours", "79")
    assert r.code == 2
    assert "did you mean" in r.err and "V100" in r.err
    assert "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_json_numbers_are_finite(cli) -> None:
    d = cli("estimate", "--gpu", "H100", "--gpus", "8", "--hours", "100", "--region", "aws:us-east-1", "--json").json()
    for key in ("energy_kwh", "co2e_kg", "pue", "intensity_g_per_kwh"):
        assert math.isfinite(d[key]) and d[key] > 0
    # a cloud region carries its provider's PUE
    assert d["provenance"]["pue"].startswith("table:regions")


def test_a_direct_basis_figure_is_flagged(cli) -> None:
    d = cli("estimate", "--gpu", "V100", "--hours", "1", "--region", "quebec", "--basis", "direct", "--json").json()
    assert d["region"]["basis"].startswith("direct")
    assert any("direct (combustion) emissions only" in n for n in d["notes"])
    lifecycle = cli("estimate", "--gpu", "V100", "--hours", "1", "--region", "quebec", "--json").json()
    assert lifecycle["region"]["basis"].startswith("lifecycle")
    assert not any("combustion" in n for n in lifecycle["notes"])
