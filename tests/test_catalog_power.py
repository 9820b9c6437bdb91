"""TPU power choices, Patterson et al. 2021 system powers, TPU memory in GB (10^9 bytes)."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from carbonest.catalog import find_accelerator


def _power() -> list[dict[str, str]]:
    text = (resources.files("carbonest.data") / "accelerator_power.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("sku", "watts", "scope"),
    [("tpu-v2", 280, "chip (TDP)"), ("tpu-v3", 450, "chip (TDP)"), ("tpu-v4", 192, "chip (maximum measured power)")],
)
def test_tpu_power_is_the_primary_figure(sku: str, watts: float, scope: str) -> None:
    spec = find_accelerator(sku)
    assert spec.tdp_w == watts and spec.tdp_scope == scope
    chosen = [r for r in _power() if r["accelerator_id"] == sku and r["chosen"] == "true"]
    assert len(chosen) == 1 and float(chosen[0]["power_w"]) == watts
    assert "Jouppi" in chosen[0]["source"]


def test_disagreeing_figures_are_kept_with_their_sources() -> None:
    alts = {(r["accelerator_id"], float(r["power_w"])): r for r in _power() if r["chosen"] == "false"}
    assert "Epoch" in alts[("tpu-v3", 220.0)]["source"]
    assert alts[("tpu-v4", 170.0)]["metric"] == "mean measured power"


def test_patterson_system_power_is_the_mean_of_the_papers_runs() -> None:
    assert find_accelerator("tpu-v2").patterson2021_system_power_w == round((229 + 227 + 208) / 3, 2)
    assert find_accelerator("tpu-v3").patterson2021_system_power_w == (310 + 289 + 288 + 245) / 4
    assert find_accelerator("v100-sxm2-16gb").patterson2021_system_power_w == 330
    assert find_accelerator("a100-sxm4-40gb").patterson2021_system_power_w is None


@pytest.mark.parametrize(
    ("sku", "gib"), [("tpu-v2", 16), ("tpu-v3", 32), ("tpu-v4", 32), ("tpu-v5e", 16), ("tpu-v5p", 95)]
)
def test_tpu_memory_is_converted_from_gib(sku: str, gib: int) -> None:
    assert find_accelerator(sku).memory_gb == pytest.approx(gib * 2**30 / 1e9, abs=0.01)
