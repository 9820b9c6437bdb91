"""``carbonest estimate`` with work instead of a duration, serving, embodied carbon, water and ranges."""

from __future__ import annotations

import pytest

from carbonest.formulas import flops, lifecycle


def test_ranges_water_and_totals_are_always_there(cli) -> None:
    d = cli("estimate", "--gpu", "V100", "--hours", "10", "--region", "FR", "--json").json()
    for key in ("co2e_kg_low", "co2e_kg_high", "energy_kwh_low", "energy_kwh_high", "water_l",
                "embodied_co2e_kg", "total_co2e_kg"):
        assert key in d, key
    assert d["co2e_kg_low"] <= d["co2e_kg"] <= d["co2e_kg_high"]
    assert d["energy_kwh_low"] <= d["energy_kwh"] <= d["energy_kwh_high"]
    assert d["co2e_kg_low"] < d["co2e_kg_high"]  # TDP-defaulted power and industry PUE are uncertain
    assert d["embodied_co2e_kg"] is None and d["total_co2e_kg"] == d["co2e_kg"]
    assert d["water_l"] == pytest.approx(d["it_energy_kwh"] * d["wue_l_per_kwh"])
    assert d["provenance"]["wue_l_per_kwh"].startswith("table:datacenters")


def test_exact_inputs_give_a_zero_width_range(cli) -> None:
    d = cli("estimate", "--gpu", "V100", "--gpu-power-w", "250", "--hours", "10", "--pue", "1.2",
            "--intensity", "300", "--json").json()
    assert d["co2e_kg_low"] == pytest.approx(d["co2e_kg"]) == pytest.approx(d["co2e_kg_high"])
    assert d["energy_kwh_low"] == pytest.approx(d["energy_kwh_high"])


def test_params_tokens_give_gpu_hours(cli) -> None:
    d = cli("estimate", "--gpu", "a100-sxm4-80gb", "--gpus", "8", "--params", "7e9", "--tokens", "2e12",
            "--dtype", "bf16", "--mfu", "0.4", "--region", "FR", "--json").json()
    total = 6 * 7e9 * 2e12
    assert d["flops"] == pytest.approx(total)
    assert d["gpu_hours"] == pytest.approx(total / (d["peak_flops_per_s"] * 0.4) / 3600)
    assert d["hours"] == pytest.approx(d["gpu_hours"] / 8)
    assert d["provenance"]["mfu"] == "user" and d["provenance"]["hours"].startswith("derived:")


def test_default_mfu_is_said_and_widens_the_range(cli) -> None:
    d = cli("estimate", "--gpu", "H100", "--params", "1e9", "--tokens", "2e10", "--gpu-power-w", "500",
            "--pue", "1.1", "--intensity", "100", "--json").json()
    assert d["mfu"] == flops.DEFAULT_MFU
    assert any("MFU" in n or "FLOPs utilisation" in n for n in d["notes"])
    assert d["co2e_kg_low"] < d["co2e_kg"] < d["co2e_kg_high"]


def test_adaptation_methods_compare(cli) -> None:
    out = {}
    for method in ("full", "lora", "probe"):
        out[method] = cli("estimate", "--gpu", "A100", "--params", "7e9", "--tokens", "1e8", "--adaptation",
                          method, "--tasks", "20", "--region", "FR", "--json").json()
    assert out["full"]["co2e_kg"] > out["lora"]["co2e_kg"] > out["probe"]["co2e_kg"]
    assert out["full"]["storage_gb"] == pytest.approx(20 * 7e9 * 2 / 1e9)
    assert out["lora"]["storage_gb"] < out["full"]["storage_gb"] / 100
    assert out["full"]["flops"] == pytest.approx(20 * 6 * 7e9 * 1e8)


def test_serving_is_added_to_training(cli) -> None:
    base = cli("estimate", "--gpu", "V100", "--gpu-power-w", "300", "--hours", "10", "--pue", "1.1",
               "--intensity", "400", "--json").json()
    both = cli("estimate", "--gpu", "V100", "--gpu-power-w", "300", "--hours", "10", "--pue", "1.1",
               "--intensity", "400", "--queries", "1e6", "--energy-per-query-wh", "0.5", "--json").json()
    assert both["serving_it_energy_kwh"] == pytest.approx(500.0)
    assert both["it_energy_kwh"] == pytest.approx(base["it_energy_kwh"] + 500.0)
    assert both["co2e_kg"] == pytest.approx((base["it_energy_kwh"] + 500) * 1.1 * 0.4)


def test_serving_only_from_tokens_per_query(cli) -> None:
    d = cli("estimate", "--gpu", "H100", "--params", "7e9", "--queries", "1e6", "--tokens-per-query", "500",
            "--region", "FR", "--json").json()
    assert d["hours"] is None and d["serving_it_energy_kwh"] > 0
    assert d["provenance"]["energy_per_query_wh"].startswith("derived:")


def test_embodied_uses_the_constants(cli) -> None:
    d = cli("estimate", "--gpu", "V100", "--gpus", "8", "--hours", "100", "--region", "FR", "--embodied",
            "--json").json()
    expected = lifecycle.job_embodied_kg(1, 800, 150, 1000, 8, 4)
    assert d["embodied_co2e_kg"] == pytest.approx(expected)
    assert d["total_co2e_kg"] == pytest.approx(d["co2e_kg"] + expected)
    assert "embodied_gpu_kg=150" in d["provenance"]["embodied"]


def test_text_shows_ranges_and_work(cli) -> None:
    r = cli("estimate", "--gpu", "A100", "--params", "7e9", "--tokens", "2e12", "--gpus", "64", "--embodied")
    assert r.code == 0
    assert "Range" in r.out and "Embodied" in r.out and "GPU-hours" in r.out and "Water" in r.out


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--gpu", "A100", "--params", "7e9"], "--tokens"),
        (["--gpu", "A100", "--params", "7e9", "--tokens", "-1"], "--tokens"),
        (["--gpu", "A100", "--params", "7e9", "--tokens", "1e9", "--mfu", "1.5"], "--mfu"),
        (["--gpu", "A100", "--params", "7e9", "--tokens", "1e9", "--mfu", "0"], "--mfu"),
        (["--gpu", "A100", "--params", "7e9", "--tokens", "1e9", "--hours", "3"], "--hours"),
        (["--params", "7e9", "--tokens", "1e9", "--gpu-power-w", "300"], "--gpu"),
        (["--gpu", "A100", "--params", "7e9", "--tokens", "1e9", "--dtype", "fp12"], "--dtype"),
        (["--gpu", "K80", "--params", "7e9", "--tokens", "1e9", "--dtype", "fp8"], "fp8"),
        (["--gpu", "A100", "--params", "7e9", "--tokens", "1e9", "--adaptation", "distill"], "--adaptation"),
        (["--gpu", "A100", "--hours", "1", "--adaptation", "lora"], "--adaptation"),
        (["--gpu", "A100", "--hours", "1", "--tasks", "3"], "--tasks"),
        (["--gpu", "A100", "--hours", "1", "--queries", "10"], "--queries"),
        (["--gpu", "A100", "--hours", "1", "--queries", "10", "--energy-per-query-wh", "1",
          "--tokens-per-query", "5"], "--tokens-per-query"),
        (["--gpu", "A100", "--hours", "1", "--wue", "-2"], "--wue"),
    ],
)
def test_bad_work_input(cli, args: list[str], flag: str) -> None:
    r = cli("estimate", *args)
    assert r.code == 2, (args, r.err)
    assert flag in r.err and len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--gpu", "A100", "--hours", "1", "--dtype", "fp16"], "--dtype"),
        (["--gpu", "A100", "--params", "7e9", "--tokens", "1e9", "--adaptation", "probe", "--lora-params", "5"],
         "--lora-params"),
        (["--gpu", "A100", "--params", "7e9", "--tokens", "1e9", "--adaptation", "lora", "--head-params", "5"],
         "--head-params"),
    ],
)
def test_flags_that_would_be_ignored_are_refused(cli, args: list[str], flag: str) -> None:
    r = cli("estimate", *args)
    assert r.code == 2 and flag in r.err


def test_serving_only_says_so_and_imperial_range_in_lbs(cli) -> None:
    r = cli("estimate", "--gpu", "A100", "--queries", "1e6", "--energy-per-query-wh", "0.3", "--region", "FR")
    assert r.code == 0 and "serving only" in r.out and "not counted (not given)" not in r.out
    imp = cli("estimate", "--gpu", "V100", "--hours", "3", "--region", "FR", "--units", "imperial")
    first = imp.out.splitlines()[0]
    assert first.startswith("0.137 lbs CO2e (0.0104 to 0.246 lbs;"), first


def test_datacenter_pue_on_another_providers_region_is_noted(cli) -> None:
    d = cli("estimate", "--gpu", "A100", "--hours", "1", "--region", "aws:us-east-1", "--datacenter", "google",
            "--json").json()
    assert d["pue"] == pytest.approx(1.10)
    assert any("another provider" in n for n in d["notes"])
