"""CLI flags of the inputs published footprints use: values reach the API, errors name the flag."""

from __future__ import annotations

import pytest


def test_energy_and_idle_flags(cli) -> None:
    """BLOOM (Luccioni et al. 2022): 433,196 + 256,646 kWh at 57 g/kWh, PUE 1 = 39,321 kg."""
    r = cli("estimate", "--energy-kwh", "433196", "--idle-kwh", "256646", "--pue", "1", "--intensity", "57", "--json")
    assert r.code == 0, r.err
    d = r.json()
    assert d["co2e_kg"] == pytest.approx(39_320.994)
    text = cli("estimate", "--energy-kwh", "433196", "--idle-kwh", "256646", "--pue", "1", "--intensity", "57").out
    assert "Idle 256,646 kWh" in text
    assert "433,196 kWh IT energy of the training (--energy-kwh)" in text


def test_flops_flag(cli) -> None:
    d = cli("estimate", "--flops", "3.14e23", "--gpu", "V100", "--gpus", "10000", "--mfu", str(24.6 / 125),
            "--preset", "patterson2021", "--pue", "1.1", "--intensity", "429", "--json").json()
    assert round(d["energy_kwh"] / 1000) == 1287 and round(d["co2e_kg"] / 1000) == 552


def test_embodied_flags(cli) -> None:
    r = cli("estimate", "--gpu", "A100", "--gpus", "384", "--hours", str(1_082_990 / 384), "--gpu-power-w", "400",
            "--pue", "1", "--intensity", "57", "--embodied-kg-per-server", "2500", "--gpus-per-server", "8",
            "--lifetime-years", "6", "--utilization", "0.85")
    assert r.code == 0, r.err
    assert "Embodied 11,211 kg CO2e" in r.out
    assert "2,500 kg per server (8 GPUs), 150 kg per GPU, over 6 years at 85% use" in r.out


def test_vcpus_flag(cli) -> None:
    d = cli("estimate", "--cpu", "Xeon Gold 6248", "--vcpus", "4", "--hours", "10", "--pue", "1",
            "--intensity", "100", "--json").json()
    assert d["components"]["cpu"]["power_w"] == pytest.approx(30)


def test_training_and_serving_gpu_hours_are_printed_apart(cli) -> None:
    out = cli("estimate", "--gpu", "H100", "--params", "7e9", "--tokens", "1e12", "--queries", "1e6",
              "--tokens-per-query", "500", "--region", "FR").out
    assert "training GPU-hours" in out
    assert "training +" in out and "serving =" in out


@pytest.mark.parametrize(("args", "flag"), [
    (("--energy-kwh", "-1"), "--energy-kwh"),
    (("--energy-kwh", "5", "--hours", "1"), "--hours"),
    (("--gpu", "A100", "--hours", "1", "--idle-kwh", "x"), "--idle-kwh"),
    (("--gpu", "A100", "--flops", "1e20", "--hours", "1"), "--hours"),
    (("--gpu", "A100", "--hours", "1", "--utilization", "2"), "--utilization"),
    (("--gpu", "A100", "--hours", "1", "--gpus-per-server", "0"), "--gpus-per-server"),
    (("--gpu", "A100", "--hours", "1", "--lifetime-years", "-4"), "--lifetime-years"),
    (("--gpu", "A100", "--hours", "1", "--embodied-kg-per-server", "nan"), "--embodied-kg-per-server"),
    (("--cpu", "Xeon Gold 6248", "--vcpus", "4", "--cpus", "2", "--hours", "1"), "--cpus"),
    (("--cpu", "Xeon Gold 6248", "--vcpus", "4", "--cpu-power-w", "20", "--hours", "1"), "--cpu-power-w"),
])
def test_errors_name_the_flag(cli, args: tuple[str, ...], flag: str) -> None:
    r = cli("estimate", *args)
    assert r.code == 2
    assert r.err.startswith(f"carbonest estimate: error: {flag}:"), r.err
    assert len(r.err.strip().splitlines()) == 1


def test_whatif_flags(cli) -> None:
    r = cli("whatif", "--energy-kwh", "100,200", "--idle-kwh", "10", "--intensity", "57", "--pue", "1", "--json")
    assert r.code == 0, r.err
    rows = r.json()
    assert sorted(row["co2e_kg"] for row in rows) == pytest.approx([110 * 0.057, 210 * 0.057])
    r = cli("whatif", "--gpu", "A100", "--hours", "100", "--lifetime-years", "4,6", "--utilization", "0.85",
            "--embodied-kg-per-server", "2500", "--gpus-per-server", "8", "--json")
    assert r.code == 0, r.err
    assert len(r.json()) == 2 and all(row["embodied_co2e_kg"] > 0 for row in r.json())
    r = cli("whatif", "--gpu", "A100", "--flops", "1e21,1e22", "--json")
    assert r.code == 0, r.err


@pytest.mark.parametrize(("args", "flag"), [
    (("--energy-kwh", "100,-1"), "--energy-kwh"),
    (("--gpu", "A100", "--hours", "1", "--utilization", "0"), "--utilization"),
    (("--gpu", "A100", "--flops", "1e20", "--hours", "1"), "--hours"),
])
def test_whatif_errors_name_the_flag(cli, args: tuple[str, ...], flag: str) -> None:
    r = cli("whatif", *args)
    assert r.code == 2
    assert f"error: {flag}:" in r.err, r.err
