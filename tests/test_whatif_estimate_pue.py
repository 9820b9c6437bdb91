"""estimate() and whatif() agree on the bounds of a defaulted PUE, and on an exact one."""

import pytest

import carbonest
from carbonest.intensity.resolve import industry_pue_bounds


def test_defaulted_pue_has_the_same_bounds_in_both() -> None:
    e = carbonest.estimate(gpu="V100", gpu_power_w=300, hours=10, intensity_g_per_kwh=100).to_dict()
    low, high = industry_pue_bounds(e["pue"])
    assert low < e["pue"] < high
    assert (e["pue_low"], e["pue_high"]) == (low, high)
    row = carbonest.whatif(gpu="V100", gpu_power_w=300, hours=10, intensity_g_per_kwh=100).iloc[0]
    assert row["energy_kwh_low"] == pytest.approx(e["energy_kwh_low"])
    assert row["energy_kwh_high"] == pytest.approx(e["energy_kwh_high"])
    assert row["co2e_kg_low"] == pytest.approx(e["co2e_kg_low"])


def test_given_pue_is_exact_in_both() -> None:
    e = carbonest.estimate(gpu="V100", gpu_power_w=300, hours=10, intensity_g_per_kwh=100, pue=1.2).to_dict()
    assert e["co2e_kg_low"] == pytest.approx(e["co2e_kg_high"])
    row = carbonest.whatif(gpu="V100", gpu_power_w=300, hours=10, intensity_g_per_kwh=100, pue=1.2).iloc[0]
    assert row["co2e_kg_low"] == pytest.approx(row["co2e_kg_high"]) == pytest.approx(e["co2e_kg"])


def test_a_sweep_keeps_to_one_basis() -> None:
    frame = carbonest.whatif(gpu="V100", hours=1, region=["CA-QC", "FR"])
    assert {b.split(" ")[0].rstrip(",") for b in frame["basis"]} == {"lifecycle"}
    direct = carbonest.whatif(gpu="V100", hours=1, region=["CA-QC", "FR"], basis="direct")
    assert list(direct["region"]) == ["CA-QC"] and direct["basis"].iat[0].startswith("direct")
    assert direct.attrs["unranked"] == [{"region": "FR", "region_name": "France", "reason": "no direct figure"}]


@pytest.mark.parametrize("region", ["aws:us-east-1", "azure:westeurope", "gcp:europe-west1", "FR"])
def test_water_of_a_row_equals_the_estimate(region: str) -> None:
    """A cloud region takes its provider's WUE in both (AWS 0.25, Azure 0.30 L/kWh), else the industry 1.8."""
    e = carbonest.estimate(gpu="A100", hours=10, region=region)
    row = carbonest.whatif(gpu="A100", hours=[10], region=[region, "DE"], water=True).iloc[0]
    assert row["wue_l_per_kwh"] == e.wue_l_per_kwh and row["water_l"] == pytest.approx(e.water_l)
    assert row["wue_provenance"] == dict(e.provenance)["wue_l_per_kwh"]


@pytest.mark.parametrize("gpu", ["V100", "A100"])
def test_default_dtype_follows_the_estimate_rule(gpu: str) -> None:
    """No dtype: the fastest 16-bit format the chip has (a V100 has no bf16, so fp16), in both."""
    e = carbonest.estimate(gpu=gpu, params=1e9, tokens=1e10, region="FR")
    row = carbonest.whatif(gpu=gpu, params=1e9, tokens=1e10, region="FR").iloc[0]
    assert row["dtype"] == e.dtype == ("fp16" if gpu == "V100" else "bf16")
    assert row["co2e_kg"] == pytest.approx(e.co2e_kg)


def test_no_common_dtype_asks_for_one() -> None:
    with pytest.raises(carbonest.InvalidInputError) as info:
        carbonest.whatif(gpu=["tpu-v1", "V100"], params=1e9, tokens=1e10)
    assert info.value.field == "dtype"
