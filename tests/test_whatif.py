"""carbonest.whatif: the cartesian product, agreement with estimate(), FLOPs, ranges, extras, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import carbonest
from carbonest.errors import InvalidInputError, UnknownHardwareError, UnknownRegionError
from carbonest.formulas import flops, lifecycle, uncertainty
from carbonest.whatif import rank_regions, whatif

OUTPUTS = {"it_energy_kwh", "energy_kwh", "co2e_kg", "co2e_lbs", "pue", "intensity_g_per_kwh", "gpu_hours",
           "co2e_kg_low", "co2e_kg_high", "energy_kwh_low", "energy_kwh_high",
           "pue_provenance", "intensity_provenance", "gpu_power_provenance"}


def test_one_row_per_combination_in_c_order() -> None:
    df = whatif(gpu=["V100", "A100"], gpus=[1, 8], hours=[10, 100], region=["FR", "DE", "quebec"])
    assert len(df) == 2 * 2 * 2 * 3
    assert OUTPUTS <= set(df.columns)
    assert list(df["gpus"][:6]) == [1, 1, 1, 1, 1, 1] and df["gpus"].dtype.kind == "i"
    assert list(df["region"][:3]) == ["FR", "DE", "CA-QC"]
    assert list(df["hours"][:6]) == [10, 10, 10, 100, 100, 100]
    assert set(df["gpu"]) == {"NVIDIA Tesla V100 SXM2 16GB", "NVIDIA A100 SXM4 40GB"}


@pytest.mark.parametrize("job", [
    dict(gpu="A100", gpus=8, hours=100, region="aws:us-east-1"),
    dict(gpu="V100", gpus=4, hours=10, region="FR", pue=1.2),
    dict(gpu="H100", hours=5),
    dict(gpu="V100", gpu_power_w=200, hours=5, intensity_g_per_kwh=100, pue=1.1),
    dict(gpu="T4", hours=3, datacenter="google", region="DE"),
])
def test_a_row_equals_estimate_of_the_same_job(job: dict) -> None:
    row = whatif(**job).iloc[0]
    e = carbonest.estimate(**job)
    prov = e.to_dict()["provenance"]
    for key in ("co2e_kg", "energy_kwh", "it_energy_kwh", "pue", "intensity_g_per_kwh", "gpu_hours", "co2e_lbs"):
        assert row[key] == pytest.approx(getattr(e, key), rel=1e-12), key
    assert row["pue_provenance"] == prov["pue"]
    assert row["intensity_provenance"] == prov["intensity_g_per_kwh"]
    assert row["gpu_power_provenance"] == prov["gpu_power_w"]
    assert row["region"] == e.region.id


def test_no_region_means_the_world_average_said_so() -> None:
    df = whatif(gpu="A100", hours=1)
    assert df["region"][0] == "WORLD"
    assert "WORLD" in df["intensity_provenance"][0]
    assert any("world average" in n for n in df.attrs["notes"])


def test_ranges_contain_the_central_value_and_are_zero_width_for_exact_inputs() -> None:
    df = whatif(gpu=["V100", "A100"], hours=[1, 10], region="cloud")
    assert (df["co2e_kg_low"] <= df["co2e_kg"] * (1 + 1e-12)).all()
    assert (df["co2e_kg"] <= df["co2e_kg_high"] * (1 + 1e-12)).all()
    assert (df["energy_kwh_low"] < df["energy_kwh"]).all()  # TDP given as power: idle..TDP
    assert np.allclose(df["energy_kwh_low"], df["energy_kwh"] * uncertainty.GPU_IDLE_FRACTION_OF_TDP)
    exact = whatif(gpu_power_w=300, hours=2, pue=1.2, intensity_g_per_kwh=[50, 500])
    assert (exact["co2e_kg_low"] == exact["co2e_kg"]).all() and (exact["co2e_kg_high"] == exact["co2e_kg"]).all()


def test_gpu_hours_from_6nd() -> None:
    df = whatif(gpu="A100", gpus=[256, 1024], params=7e9, tokens=2e12, dtype="bf16", mfu=0.4, region="FR")
    peak = carbonest.catalog.find_accelerator("A100").peak_flops_per_s("bf16")
    expected = flops.gpu_hours(flops.training_flops(7e9, 2e12), peak, 0.4)
    assert np.allclose(df["gpu_hours"], expected)
    assert np.allclose(df["hours"], expected / df["gpus"])
    assert df["flops"][0] == pytest.approx(8.4e22)
    assert df["co2e_kg"][0] == pytest.approx(df["co2e_kg"][1])  # same GPU-hours, whatever the count
    assert (df["hours_provenance"] == "derived:6ND / (peak x MFU)").all()


def test_default_mfu_gives_the_published_range() -> None:
    df = whatif(gpu="A100", params=7e9, tokens=2e12, gpu_power_w=400, pue=1.1, intensity_g_per_kwh=100)
    row = df.iloc[0]
    assert row["mfu"] == flops.DEFAULT_MFU and row["mfu_provenance"].startswith("default:")
    assert row["co2e_kg_low"] == pytest.approx(row["co2e_kg"] * flops.DEFAULT_MFU / flops.MFU_HIGH)
    assert row["co2e_kg_high"] == pytest.approx(row["co2e_kg"] * flops.DEFAULT_MFU / flops.MFU_LOW)


def test_adaptation_methods_for_twenty_tasks() -> None:
    df = whatif(gpu="A100", params=7e9, tokens=1e8, adaptation=["full", "lora", "probe"], tasks=20,
                lora_params=4e6, head_params=4096, intensity_g_per_kwh=100).set_index("adaptation")
    assert df.loc["full", "flops"] == pytest.approx(20 * 6 * 7e9 * 1e8)
    assert df.loc["lora", "flops"] == pytest.approx(20 * (4 * 7e9 + 6 * 4e6) * 1e8)
    assert df.loc["probe", "flops"] == pytest.approx(20 * (2 * 7e9 + 6 * 4096) * 1e8)
    assert df.loc["full", "storage_gb"] == pytest.approx(20 * 14.0)
    assert df.loc["lora", "storage_gb"] == pytest.approx(20 * 4e6 * 2 / 1e9)
    assert df.loc["probe", "co2e_kg"] < df.loc["lora", "co2e_kg"] < df.loc["full", "co2e_kg"]


def test_adaptation_defaults_are_noted() -> None:
    df = whatif(gpu="A100", params=7e9, tokens=1e6, adaptation="lora", intensity_g_per_kwh=100)
    assert df["trained_params"][0] == pytest.approx(7e6)
    assert any("LoRA adapter size" in n for n in df.attrs["notes"])


def test_serving_from_energy_per_query_and_from_tokens() -> None:
    given_e = whatif(gpu="A100", gpu_power_w=400, queries=1e6, energy_per_query_wh=0.3, pue=1, intensity_g_per_kwh=100)
    assert given_e["it_energy_kwh"][0] == pytest.approx(300.0)
    assert given_e["serving_gpu_hours"][0] == pytest.approx(750.0)  # 300 kWh at 0.4 kW
    from_tokens = whatif(gpu="A100", gpu_power_w=400, params=7e9, tokens_per_query=1000, inference_mfu=0.4,
                         queries=1e6, pue=1, intensity_g_per_kwh=100)
    peak = carbonest.catalog.find_accelerator("A100").peak_flops_per_s("bf16")
    per_query = flops.energy_per_query_wh(7e9, 1000, peak, 0.4, 400)
    assert from_tokens["energy_per_query_wh"][0] == pytest.approx(per_query)
    assert from_tokens["it_energy_kwh"][0] == pytest.approx(per_query * 1e6 / 1000)


def test_training_plus_serving_adds_up() -> None:
    both = whatif(gpu="A100", gpus=8, hours=100, queries=1e6, energy_per_query_wh=0.3, region="FR")
    train = whatif(gpu="A100", gpus=8, hours=100, region="FR")
    assert both["it_energy_kwh"][0] == pytest.approx(train["it_energy_kwh"][0] + 300.0)


def test_embodied_and_water() -> None:
    df = whatif(gpu="A100", gpus=8, hours=100, region="FR", embodied=True, water=True)
    row = df.iloc[0]
    expected = lifecycle.job_embodied_kg(8, 100, 150.0, 1000.0, 8, 4)
    assert row["embodied_co2e_kg"] == pytest.approx(expected)
    assert row["total_co2e_kg"] == pytest.approx(row["co2e_kg"] + expected)
    assert row["water_onsite_l"] == pytest.approx(row["it_energy_kwh"] * row["wue_l_per_kwh"])
    mine = whatif(gpu="A100", hours=10, wue_l_per_kwh=[0.2, 0.5], water_generation_l_per_kwh=2.0, pue=1.5)
    assert list(mine["wue_provenance"]) == ["user", "user"]
    assert mine["water_l"][1] == pytest.approx(4.0 * 0.5 + 4.0 * 1.5 * 2.0)


def test_baseline_saving() -> None:
    df = whatif(gpu="A100", hours=[1, 2], region=["FR", "DE"], baseline_region="DE")
    assert len(df) == 4
    de = df[df["region"] == "DE"]
    assert np.allclose(de["saving_pct"], 0.0)
    fr = df[df["region"] == "FR"].iloc[0]
    assert fr["saving_pct"] == pytest.approx((1 - fr["co2e_kg"] / fr["baseline_co2e_kg"]) * 100)
    assert fr["saving_pct"] > 50


def test_rank_regions() -> None:
    top = rank_regions(5, regions="cloud", gpu="A100", gpus=8, hours=100, baseline_region="us-east-1")
    assert len(top) == 5
    assert top["co2e_kg"].is_monotonic_increasing
    assert (top["region"].astype(str).str.contains(":")).all()
    assert (top["saving_pct"] > 0).all()


def test_each_name_is_looked_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import carbonest.catalog as catalog

    calls: list[str] = []
    real = catalog.find_accelerator
    monkeypatch.setattr(catalog, "find_accelerator", lambda name: calls.append(name) or real(name))
    df = whatif(gpu=["V100", "A100"], hours=np.linspace(1, 100, 500), region=["FR", "DE"])
    assert len(df) == 2000 and sorted(calls) == ["A100", "V100"]


def test_numpy_arrays_and_numeric_strings() -> None:
    df = whatif(gpu="A100", gpus=np.array([1, 2]), params="7e9", tokens=["1e9", 2e9], mfu=np.float64(0.5))
    assert len(df) == 4 and df["params"][0] == 7e9 and list(df["tokens"][:2]) == [1e9, 2e9]


def test_module_stays_callable_after_the_package_is_imported() -> None:
    import carbonest.whatif.engine  # noqa: F401  (binds carbonest.whatif to the package)

    assert len(carbonest.whatif(gpu="A100", hours=1)) == 1


@pytest.mark.parametrize(("kwargs", "field"), [
    (dict(gpu="A100", params=7e9, tokens=1e9, mfu=1.5), "mfu"),
    (dict(gpu="A100", params=7e9, tokens=-1), "tokens"),
    (dict(gpu="A100", hours=[]), "hours"),
    (dict(gpu="A100", hours=1, region="FR", intensity_g_per_kwh=3), "intensity_g_per_kwh"),
    (dict(gpu="A100", hours=1, params=7e9, tokens=1e9), "hours"),
    (dict(gpu="A100", hours=1, mfu=0.5), "mfu"),
    (dict(gpu="A100", params=7e9, queries=10, tokens_per_query=100, mfu=0.5), "mfu"),
    (dict(gpu="A100"), "hours"),
    (dict(hours=1), "gpu"),
    (dict(gpu="A100", hours=1, gpus=1.5), "gpus"),
    (dict(gpu="A100", hours=1, pue=0.9), "pue"),
    (dict(gpu="A100", hours=np.array([1.0, np.nan])), "hours"),
    (dict(gpu="A100", queries=10), "energy_per_query_wh"),
    (dict(gpu="A100", hours=1, lora_params=1e6), "lora_params"),
    (dict(gpu="V100", params=1e9, tokens=1e9, dtype="fp8"), "dtype"),
])
def test_bad_input_names_the_parameter(kwargs: dict, field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        whatif(**kwargs)
    assert info.value.field == field
    if field != "dtype":  # the catalog's own message: "no fp8 peak throughput for ..."
        assert str(info.value).startswith(field + ":")


def test_unknown_names_carry_suggestions() -> None:
    with pytest.raises(UnknownHardwareError) as hw:
        whatif(gpu=["A100", "V1000"], hours=1)
    assert "V100" in hw.value.suggestions
    with pytest.raises(UnknownRegionError):
        whatif(gpu="A100", hours=1, region=["FR", "Atlantis"])


def test_sweep_limit_needs_force(monkeypatch: pytest.MonkeyPatch) -> None:
    import carbonest.whatif.request as request

    monkeypatch.setattr(request, "MAX_ROWS", 10)
    with pytest.raises(InvalidInputError) as info:
        whatif(gpu="A100", hours=list(range(1, 12)))
    assert info.value.field == "force" and "10" in str(info.value)
    assert len(whatif(gpu="A100", hours=list(range(1, 12)), force=True)) == 11


POS = st.floats(min_value=0.01, max_value=1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=30, deadline=None)
@given(POS, st.integers(1, 64), POS, st.floats(1.0, 3.0), st.floats(0.0, 1500.0), st.floats(1.1, 10.0))
def test_rows_follow_the_formulas(hours: float, gpus: int, power: float, pue: float, ci: float, k: float) -> None:
    df = whatif(gpu_power_w=power, gpus=gpus, hours=[hours, k * hours], pue=pue, intensity_g_per_kwh=ci)
    expected = power * gpus * hours / 1000 * pue * ci / 1000
    assert df["co2e_kg"][0] == pytest.approx(expected, rel=1e-9, abs=1e-300)
    assert df["co2e_kg"][1] == pytest.approx(k * df["co2e_kg"][0], rel=1e-9, abs=1e-300)
    assert df["co2e_kg"][1] >= df["co2e_kg"][0]
