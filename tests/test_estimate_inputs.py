"""The inputs published footprints use: energy_kwh, idle_kwh, flops, the embodied amortisation's
figures, the patterson2021 system power, vcpus; each with hand-computed figures, one published
figure reproduced, its validation, provenance and JSON keys, and whatif giving the same figure."""

from __future__ import annotations

import math

import pytest

import carbonest
from carbonest.errors import InvalidInputError

# Luccioni, Viguier and Ligozat (2022/2023), "Estimating the Carbon Footprint of BLOOM, a 176B
# Parameter Language Model" (arXiv:2211.02001; JMLR 24(253)): 1,082,990 A100 GPU-hours at
# 400 W = 433,196 kWh of dynamic energy, 256,646 kWh of idle energy, on the French grid at
# 57 g CO2e/kWh; 24.69 t dynamic, 14.6 t idle, 11.2 t embodied, 50.5 t in all.
BLOOM_GPU_HOURS = 1_082_990
BLOOM_DYNAMIC_KWH = 433_196
BLOOM_IDLE_KWH = 256_646
BLOOM_G_PER_KWH = 57


def _err(**kw: object) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as info:
        carbonest.estimate(**kw)
    return info.value


# --- energy_kwh -------------------------------------------------------------------------------

def test_energy_kwh_hand_computed() -> None:
    """100 kWh IT x PUE 1.5 = 150 kWh; x 200 g/kWh = 30 kg; water 100 kWh x 1.8 L/kWh = 180 L."""
    d = carbonest.estimate(energy_kwh=100, pue=1.5, intensity_g_per_kwh=200).to_dict()
    assert d["it_energy_kwh"] == pytest.approx(100)
    assert d["energy_kwh"] == pytest.approx(150)
    assert d["co2e_kg"] == pytest.approx(30)
    assert d["water_l"] == pytest.approx(180)
    assert d["training_it_energy_kwh"] == 100
    assert d["provenance"]["energy_kwh"] == "user"
    assert d["components"] == {} and d["left_out"] == []
    assert d["co2e_kg_low"] == d["co2e_kg_high"] == pytest.approx(30)  # all given: exact


def test_energy_kwh_keeps_the_pue_range() -> None:
    """A defaulted PUE still spans the industry spread around a given energy."""
    d = carbonest.estimate(energy_kwh=100, intensity_g_per_kwh=100).to_dict()
    assert d["energy_kwh_low"] < d["energy_kwh"] < d["energy_kwh_high"]


def test_energy_kwh_reproduces_bloom_dynamic() -> None:
    """BLOOM (Luccioni et al. 2022): 433,196 kWh x 57 g/kWh = 24,692 kg = the paper's 24.69 t."""
    d = carbonest.estimate(energy_kwh=BLOOM_DYNAMIC_KWH, pue=1, intensity_g_per_kwh=BLOOM_G_PER_KWH).to_dict()
    assert d["co2e_kg"] == pytest.approx(24_692.172)
    assert round(d["co2e_kg"] / 1000, 2) == 24.69


@pytest.mark.parametrize(("kw", "field"), [
    ({"energy_kwh": -1}, "energy_kwh"),
    ({"energy_kwh": math.nan}, "energy_kwh"),
    ({"energy_kwh": 0}, "energy_kwh"),
    ({"energy_kwh": 10, "hours": 1}, "hours"),
    ({"energy_kwh": 10, "gpu": "A100", "gpu_power_w": 300}, "gpu_power_w"),
    ({"energy_kwh": 10, "cpu_power_w": 100}, "cpu_power_w"),
    ({"energy_kwh": 10, "dram_gb": 64}, "dram_gb"),
    ({"energy_kwh": 10, "gpu": "A100", "params": 7e9, "tokens": 1e9}, "tokens"),
    ({"energy_kwh": 10, "gpu": "A100", "flops": 1e20}, "flops"),
    ({"energy_kwh": 10, "embodied": True}, "embodied"),
])
def test_energy_kwh_is_refused_where_it_would_be_ignored(kw: dict[str, object], field: str) -> None:
    err = _err(intensity_g_per_kwh=100, **kw)
    assert err.field == field and str(err).startswith(field + ":")


def test_energy_kwh_allows_a_gpu_for_serving() -> None:
    """energy_kwh + queries with tokens_per_query: the gpu sets the serving power and peak."""
    d = carbonest.estimate(energy_kwh=10, gpu="A100", params=7e9, queries=1000, tokens_per_query=100,
                           pue=1, intensity_g_per_kwh=100).to_dict()
    assert d["it_energy_kwh"] == pytest.approx(10 + d["serving_it_energy_kwh"])


# --- idle_kwh ---------------------------------------------------------------------------------

def test_idle_kwh_hand_computed() -> None:
    """100 W x 10 h = 1 kWh, + 2 kWh idle = 3 kWh IT; x PUE 2 = 6 kWh; x 100 g = 0.6 kg."""
    d = carbonest.estimate(gpu_power_w=100, hours=10, idle_kwh=2, pue=2, intensity_g_per_kwh=100).to_dict()
    assert d["it_energy_kwh"] == pytest.approx(3)
    assert d["energy_kwh"] == pytest.approx(6)
    assert d["co2e_kg"] == pytest.approx(0.6)
    assert d["idle_kwh"] == 2
    assert d["provenance"]["idle_kwh"] == "user"
    assert d["components"]["gpu"]["energy_kwh"] == pytest.approx(1)


def test_idle_kwh_reproduces_bloom_idle() -> None:
    """BLOOM: 256,646 kWh idle x 57 g/kWh = 14,629 kg (the paper's 14.6 t); with the dynamic
    433,196 kWh, 689,842 kWh and 39.32 t (24.69 + 14.63)."""
    alone = carbonest.estimate(energy_kwh=1e-9, idle_kwh=BLOOM_IDLE_KWH, pue=1, intensity_g_per_kwh=57)
    assert alone.co2e_kg == pytest.approx(14_628.822, rel=1e-9)
    both = carbonest.estimate(energy_kwh=BLOOM_DYNAMIC_KWH, idle_kwh=BLOOM_IDLE_KWH, pue=1,
                              intensity_g_per_kwh=57).to_dict()
    assert both["it_energy_kwh"] == pytest.approx(689_842)
    assert both["co2e_kg"] == pytest.approx(39_320.994)


@pytest.mark.parametrize("bad", [-1, math.inf, "x"])
def test_idle_kwh_validation(bad: object) -> None:
    assert _err(gpu_power_w=100, hours=1, idle_kwh=bad).field == "idle_kwh"


# --- flops ------------------------------------------------------------------------------------

GPT3_FLOPS = 3.14e23  # Brown et al. 2020, "Language Models are Few-Shot Learners", Table D.1
GPT3_MFU = 24.6 / 125  # Patterson et al. 2021 Table 4: 24.6 TFLOP/s measured per V100 (125 TFLOP/s fp16 peak)


def test_flops_hand_computed() -> None:
    """1e18 FLOPs on one V100 at 50 % MFU: 1e18 / (125e12 x 0.5) / 3600 = 4.444 h; x 300 W = 1.333 kWh."""
    d = carbonest.estimate(flops=1e18, gpu="V100", mfu=0.5, gpu_power_w=300, pue=1,
                           intensity_g_per_kwh=100).to_dict()
    hours = 1e18 / (1.25e14 * 0.5) / 3600  # 4.444 h on one V100 SXM2 (fp16 peak 125 TFLOP/s)
    assert d["hours"] == pytest.approx(hours)
    assert d["it_energy_kwh"] == pytest.approx(0.3 * hours)
    assert d["flops"] == 1e18 and d["provenance"]["flops"] == "user"


def test_flops_reproduce_gpt3() -> None:
    """GPT-3: 3.14e23 FLOPs (Brown et al. 2020) on 10,000 V100s at Patterson's measured 24.6 TFLOP/s:
    3.14e23 / 2.46e17 FLOP/s = 354.56 h = 14.77 days (Patterson et al. 2021 Table 4: 14.8 days);
    x 10,000 x 330 W x PUE 1.1 = 1,287.06 MWh (the paper: 1,287 MWh); x 0.429 t/MWh = 552.15 t (552 t)."""
    d = carbonest.estimate(flops=GPT3_FLOPS, gpu="V100", gpus=10_000, mfu=GPT3_MFU, preset="patterson2021",
                           pue=1.1, intensity_g_per_kwh=429).to_dict()
    assert d["hours"] == pytest.approx(354.5619, rel=1e-6)
    assert d["energy_kwh"] / 1000 == pytest.approx(1287.06, rel=1e-5)
    assert round(d["energy_kwh"] / 1000) == 1287
    assert round(d["co2e_kg"] / 1000) == 552


@pytest.mark.parametrize(("kw", "field"), [
    ({"flops": 0}, "flops"),
    ({"flops": -1e20}, "flops"),
    ({"flops": 1e20, "params": 7e9, "tokens": 1e9}, "flops"),
    ({"flops": 1e20, "hours": 3}, "hours"),
    ({"flops": 1e20, "params": 7e9}, "params"),
    ({"flops": 1e20, "adaptation": "lora", "params": 7e9, "tokens": 1e9}, "flops"),
])
def test_flops_validation(kw: dict[str, object], field: str) -> None:
    assert _err(gpu="A100", **kw).field == field


def test_flops_need_a_gpu() -> None:
    assert _err(flops=1e20, gpu_power_w=300).field == "gpu"


# --- the patterson2021 preset's system power --------------------------------------------------

def test_patterson_preset_uses_the_measured_system_power() -> None:
    """GPT-3 in Patterson et al. 2021 Table 4 (via LLMCarbon models.csv): 10,000 V100s for 14.8 days at
    330 W system power each (TDP 300 W), PUE 1.1, 0.429 t/MWh: 1,289.376 MWh and 553.14 t, now
    without giving gpu_power_w."""
    d = carbonest.estimate(preset="patterson2021", gpu="V100", gpus=10_000, hours=14.8 * 24, pue=1.1,
                           intensity_g_per_kwh=429).to_dict()
    assert d["components"]["gpu"]["power_w"] == 330
    assert "patterson2021_system_power_w=330" in d["provenance"]["gpu_power_w"]
    assert d["energy_kwh"] / 1000 == pytest.approx(1289.376, rel=1e-9)
    assert d["co2e_kg"] / 1000 == pytest.approx(553.142304, rel=1e-9)


def test_patterson_preset_tpu_v3_is_the_mean_of_its_runs() -> None:
    """TPU v3: mean of T5 310, Meena 289, GShard 288, Switch 245 W = 283 W (Patterson Table 4)."""
    d = carbonest.estimate(preset="patterson2021", gpu="TPU v3", hours=1, pue=1, intensity_g_per_kwh=100).to_dict()
    assert d["components"]["gpu"]["power_w"] == pytest.approx(283)
    assert d["co2e_kg_low"] == d["co2e_kg_high"]  # a measured figure, taken exact as the paper does


def test_patterson_preset_without_a_published_figure_says_so() -> None:
    e = carbonest.estimate(preset="patterson2021", gpu="A100", hours=1, pue=1, intensity_g_per_kwh=100)
    assert "TDP" in e.to_dict()["provenance"]["gpu_power_w"]
    assert any("no measured system power" in n for n in e.notes)


# --- embodied amortisation --------------------------------------------------------------------

def test_embodied_inputs_hand_computed() -> None:
    """8 GPUs for 8,760 h, 1 server of 1,000 kg, 1-year life at 50 % use:
    GPUs 8 x 150 kg x 8760 / (1 x 8760 x 0.5) = 2,400 kg; server 1 x 1000 x 8760 / 4380 = 2,000 kg."""
    d = carbonest.estimate(gpu_power_w=100, gpus=8, hours=8760, embodied_kg_per_server=1000, lifetime_years=1,
                           utilization=0.5, pue=1, intensity_g_per_kwh=0).to_dict()
    assert d["embodied_co2e_kg"] == pytest.approx(4400)
    assert d["total_co2e_kg"] == pytest.approx(4400)
    assert (d["embodied_kg_per_server"], d["gpus_per_server"], d["lifetime_years"], d["utilization"]) == (
        1000, 8, 1, 0.5)
    prov = d["provenance"]
    assert prov["embodied_kg_per_server"] == prov["lifetime_years"] == prov["utilization"] == "user"
    assert prov["gpus_per_server"] == "default:8 GPUs per server"


def test_embodied_defaults_stay_the_table_values() -> None:
    """Defaults: 150 kg per GPU, 1,000 kg per server, 8 per server, 4 years, utilization 1."""
    d = carbonest.estimate(gpu_power_w=100, gpus=8, hours=35_040, embodied=True, pue=1,
                           intensity_g_per_kwh=0).to_dict()
    assert d["embodied_co2e_kg"] == pytest.approx(8 * 150 + 1000)
    assert d["provenance"]["lifetime_years"].startswith("table:constants server_lifetime_years=4")
    assert d["provenance"]["utilization"].startswith("default:1")


def test_embodied_reproduces_bloom() -> None:
    """BLOOM (Luccioni et al. 2022, section 3): 2,500 kg per server (8 A100 each), 150 kg per GPU,
    6-year life at 85 % use, 1,082,990 GPU-hours: (150 + 2500 / 8) x 1,082,990 / (6 x 8760 x 0.85)
    = 11,211 kg, the paper's 11.2 t."""
    d = carbonest.estimate(gpu="A100", gpus=384, hours=BLOOM_GPU_HOURS / 384, gpu_power_w=400, pue=1,
                           intensity_g_per_kwh=57, embodied_kg_per_server=2500, lifetime_years=6,
                           utilization=0.85).to_dict()
    assert d["embodied_co2e_kg"] == pytest.approx(462.5 * 1_082_990 / 44_676)
    assert round(d["embodied_co2e_kg"] / 1000, 1) == 11.2
    assert d["it_energy_kwh"] == pytest.approx(BLOOM_DYNAMIC_KWH)


@pytest.mark.parametrize(("kw", "field"), [
    ({"utilization": 0}, "utilization"),
    ({"utilization": 1.2}, "utilization"),
    ({"gpus_per_server": 2.5}, "gpus_per_server"),
    ({"gpus_per_server": 0}, "gpus_per_server"),
    ({"lifetime_years": 0}, "lifetime_years"),
    ({"embodied_kg_per_server": -5}, "embodied_kg_per_server"),
])
def test_embodied_inputs_validation(kw: dict[str, object], field: str) -> None:
    assert _err(gpu_power_w=100, hours=1, **kw).field == field


def test_an_embodied_input_counts_embodied_carbon() -> None:
    e = carbonest.estimate(gpu_power_w=100, hours=1, lifetime_years=6)
    assert e.to_dict()["embodied_co2e_kg"] is not None


# --- vcpus ------------------------------------------------------------------------------------

def test_vcpus_of_a_cpu_model_is_its_tdp_share() -> None:
    """Xeon Gold 6248: 150 W TDP, 20 cores in the table (no thread count): 4 vCPUs = 150 x 4/20 = 30 W;
    low bound 4 x 0.673 W (CCF Cascade Lake idle watts per vCPU)."""
    d = carbonest.estimate(cpu="Xeon Gold 6248", vcpus=4, hours=10, pue=1, intensity_g_per_kwh=100).to_dict()
    cpu = d["components"]["cpu"]
    assert cpu["power_w"] == pytest.approx(30) and cpu["count"] == 1
    assert cpu["energy_kwh"] == pytest.approx(0.3)
    assert d["energy_kwh_low"] == pytest.approx(4 * 0.673181674 * 10 / 1000)
    assert "TDP x share" in cpu["provenance"] and "4/20 cores" in cpu["provenance"]
    assert d["vcpus"] == 4 and d["provenance"]["vcpus"] == "user"


def test_vcpus_share_is_capped_at_the_whole_cpu() -> None:
    d = carbonest.estimate(cpu="Xeon Gold 6248", vcpus=64, hours=1, pue=1, intensity_g_per_kwh=0).to_dict()
    assert d["components"]["cpu"]["power_w"] == pytest.approx(150)


def test_vcpus_of_a_microarchitecture_uses_ccf_per_vcpu() -> None:
    """Cascade Lake: 4 x 3.928 W (CCF max per vCPU) at full load; low 4 x 0.673 W."""
    d = carbonest.estimate(cpu="Cascade Lake", vcpus=4, hours=1000, pue=1, intensity_g_per_kwh=0).to_dict()
    assert d["components"]["cpu"]["power_w"] == pytest.approx(4 * 3.928450843)
    assert d["energy_kwh_low"] == pytest.approx(4 * 0.673181674)
    assert "per vCPU (Cloud Carbon Footprint)" in d["components"]["cpu"]["provenance"]


def test_vcpus_reproduce_ccf_default_coefficients() -> None:
    """Cloud Carbon Footprint's methodology (Compute): an unknown processor is 0.74 W idle and 3.5 W
    fully busy per vCPU; 2 vCPUs at full load for 1 h = 7 Wh, idle 1.48 Wh."""
    d = carbonest.estimate(cpu="default", vcpus=2, hours=1, pue=1, intensity_g_per_kwh=0).to_dict()
    assert d["it_energy_kwh"] == pytest.approx(0.007)
    assert d["energy_kwh_low"] == pytest.approx(0.00148)


@pytest.mark.parametrize(("kw", "field"), [
    ({"cpu": "Xeon Gold 6248", "vcpus": 4, "cpus": 2}, "cpus"),
    ({"cpu": "Xeon Gold 6248", "vcpus": 4, "cpu_power_w": 50}, "cpu_power_w"),
    ({"vcpus": 4, "gpu_power_w": 100}, "vcpus"),
    ({"cpu": "Xeon Gold 6248", "vcpus": 0}, "vcpus"),
])
def test_vcpus_validation(kw: dict[str, object], field: str) -> None:
    assert _err(hours=1, **kw).field == field


# --- corrections ------------------------------------------------------------------------------

def test_a_cpu_at_its_tdp_gets_an_idle_to_tdp_range() -> None:
    """Xeon Gold 6248 at 150 W for 1 h: low = 150 x 0.673/3.928 (Cascade Lake idle/full per vCPU) = 25.7 W."""
    d = carbonest.estimate(cpu="Xeon Gold 6248", hours=1, pue=1, intensity_g_per_kwh=100).to_dict()
    assert d["energy_kwh"] == pytest.approx(0.15)
    assert d["energy_kwh_low"] == pytest.approx(0.150 * 0.673181674 / 3.928450843)


def test_training_and_serving_gpu_hours_are_apart() -> None:
    d = carbonest.estimate(gpu="H100", params=7e9, tokens=1e11, queries=1e6, tokens_per_query=500,
                           pue=1, intensity_g_per_kwh=100).to_dict()
    assert d["training_gpu_hours"] + d["serving_gpu_hours"] == pytest.approx(d["gpu_hours"])
    assert d["serving_gpu_hours"] > 0


def test_the_industry_wue_cites_the_lbnl_report() -> None:
    d = carbonest.estimate(gpu_power_w=100, hours=1, pue=1, intensity_g_per_kwh=0).to_dict()
    assert d["wue_l_per_kwh"] == 1.8
    assert "LBNL-1005775" in d["provenance"]["wue_l_per_kwh"]
    assert "2016" in d["provenance"]["wue_l_per_kwh"]


# --- whatif gives the estimate's figures ------------------------------------------------------

def _same(est: dict[str, object], row: object, *keys: str) -> None:
    for key in keys:
        assert float(row[key]) == pytest.approx(est[key], rel=1e-12), key  # type: ignore[index]


def test_whatif_energy_kwh_equals_estimate() -> None:
    est = carbonest.estimate(energy_kwh=100, intensity_g_per_kwh=200).to_dict()
    df = carbonest.whatif(energy_kwh=[100, 50], intensity_g_per_kwh=200)
    _same(est, df.iloc[0], "energy_kwh", "co2e_kg", "co2e_kg_low", "co2e_kg_high", "energy_kwh_low")
    assert df["training_it_energy_kwh"].tolist() == [100, 50]


def test_whatif_idle_kwh_equals_estimate() -> None:
    est = carbonest.estimate(gpu="A100", hours=10, idle_kwh=5, region="FR").to_dict()
    row = carbonest.whatif(gpu="A100", hours=10, idle_kwh=[5, 1], region="FR").iloc[0]
    _same(est, row, "it_energy_kwh", "energy_kwh", "co2e_kg", "co2e_kg_low", "co2e_kg_high")


def test_whatif_flops_equals_estimate() -> None:
    est = carbonest.estimate(flops=GPT3_FLOPS, gpu="V100", gpus=10_000, mfu=GPT3_MFU, gpu_power_w=330,
                             pue=1.1, intensity_g_per_kwh=429).to_dict()
    row = carbonest.whatif(flops=[GPT3_FLOPS, 1e23], gpu="V100", gpus=10_000, mfu=GPT3_MFU, gpu_power_w=330,
                           pue=1.1, intensity_g_per_kwh=429, dtype="fp16").iloc[0]
    _same(est, row, "hours", "energy_kwh", "co2e_kg")


def test_whatif_embodied_inputs_equal_estimate() -> None:
    kw = dict(gpu="A100", gpus=384, hours=BLOOM_GPU_HOURS / 384, gpu_power_w=400, pue=1, intensity_g_per_kwh=57)
    est = carbonest.estimate(embodied_kg_per_server=2500, lifetime_years=6, utilization=0.85,
                             gpus_per_server=8, **kw).to_dict()
    df = carbonest.whatif(embodied_kg_per_server=2500, lifetime_years=[6, 4], utilization=[0.85, 1],
                          gpus_per_server=8, **kw)
    _same(est, df.iloc[0], "embodied_co2e_kg", "total_co2e_kg")
    defaults = carbonest.estimate(embodied=True, **kw).to_dict()
    _same(defaults, carbonest.whatif(embodied=True, **kw).iloc[0], "embodied_co2e_kg")


@pytest.mark.parametrize(("kw", "field"), [
    ({"energy_kwh": [10, -1]}, "energy_kwh"),
    ({"energy_kwh": 10, "hours": 1}, "hours"),
    ({"energy_kwh": 10, "lifetime_years": 4}, "embodied"),
    ({"flops": 1e20, "hours": 1, "gpu": "A100"}, "hours"),
    ({"flops": 1e20, "gpu_power_w": 100}, "gpu"),
    ({"gpu": "A100", "hours": 1, "utilization": [0.5, 0]}, "utilization"),
    ({"gpu": "A100", "hours": 1, "gpus_per_server": 1.5}, "gpus_per_server"),
    ({"gpu": "A100", "hours": 1, "idle_kwh": -1}, "idle_kwh"),
])
def test_whatif_validation_names_the_parameter(kw: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        carbonest.whatif(intensity_g_per_kwh=100, **kw)
    assert info.value.field == field
