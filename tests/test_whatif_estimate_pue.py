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
