"""FLOPs models against published figures, plus properties (linearity, order of the methods)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonest.formulas import flops

POSITIVE = st.floats(min_value=1.0, max_value=1e13, allow_nan=False, allow_infinity=False)
SCALE = st.floats(min_value=0.01, max_value=100.0)


def test_gpt3_training_compute_matches_the_paper() -> None:
    # Brown et al. 2020, Table D.1: GPT-3 175B on 300B tokens, 3.14e23 FLOPs.
    c = flops.training_flops(175e9, 300e9)
    assert c == pytest.approx(3.15e23, rel=1e-12)
    assert c == pytest.approx(3.14e23, rel=0.005)


def test_chinchilla_training_compute_matches_the_paper() -> None:
    # Hoffmann et al. 2022: Chinchilla 70B on 1.4T tokens, the Gopher budget of 5.76e23 FLOPs.
    assert flops.training_flops(70e9, 1.4e12) == pytest.approx(5.76e23, rel=0.025)


def test_llama2_7b_gpu_hours_at_the_default_mfu() -> None:
    # Touvron et al. 2023 (Llama 2), Table 2: 7B on 2T tokens took 184,320 A100-80GB GPU-hours.
    # A100 dense BF16 peak: 312 TFLOP/s. At MFU 0.40: 186,966 h, within 1.5 %.
    hours = flops.gpu_hours(flops.training_flops(7e9, 2e12), 312e12, flops.DEFAULT_MFU)
    assert hours == pytest.approx(8.4e22 / (312e12 * 0.4 * 3600), rel=1e-12)
    assert hours == pytest.approx(184_320, rel=0.02)


def test_default_mfu_sits_inside_its_range() -> None:
    assert 0 < flops.MFU_LOW < flops.DEFAULT_MFU < flops.MFU_HIGH <= 1


def test_inference_is_two_flops_per_parameter_token() -> None:
    assert flops.inference_flops(7e9, 1000) == pytest.approx(1.4e13)
    assert flops.forward_flops(1, 1) == 2.0


def test_adaptation_methods_per_the_forward_backward_accounting() -> None:
    n, d = 7e9, 1e6
    assert flops.full_finetune_flops(n, d) == pytest.approx(6 * n * d)
    assert flops.lora_flops(n, 4e6, d) == pytest.approx(4 * n * d + 6 * 4e6 * d)
    assert flops.probe_flops(n, 4096, d) == pytest.approx(2 * n * d + 6 * 4096 * d)
    assert flops.adaptation_flops("lora", n, d, 4e6, tasks=20) == pytest.approx(20 * flops.lora_flops(n, 4e6, d))
    assert flops.adaptation_flops("full", n, d, None, tasks=3) == pytest.approx(18 * n * d)
    with pytest.raises(KeyError):
        flops.adaptation_flops("prefix", n, d, 1)


def test_storage_per_task() -> None:
    # 7B in bf16 is 14 GB per fully fine-tuned task; a 4M-parameter adapter 8 MB.
    assert flops.adaptation_storage_bytes("full", 7e9, 4e6, 2, tasks=20) == pytest.approx(20 * 14e9)
    assert flops.adaptation_storage_bytes("lora", 7e9, 4e6, 2, tasks=20) == pytest.approx(20 * 8e6)
    assert flops.adaptation_storage_bytes("probe", 7e9, 4096, 4, tasks=1) == pytest.approx(16384)
    assert flops.BYTES_PER_PARAM["bf16"] == 2 and flops.BYTES_PER_PARAM["fp32"] == 4


def test_energy_per_query_from_tokens() -> None:
    # 7B, 1000 tokens: 1.4e13 FLOPs; at 312 TFLOP/s x 0.4 = 0.1122 s; x 400 W = 12.46 J = 3.46e-3 Wh.
    wh = flops.energy_per_query_wh(7e9, 1000, 312e12, 0.4, 400)
    assert wh == pytest.approx(1.4e13 / (312e12 * 0.4) * 400 / 3600, rel=1e-12)


def test_arrays_match_scalars() -> None:
    n = np.array([1e9, 7e9, 70e9])
    d = np.array([[1e11], [2e12]])
    grid = flops.training_flops(n, d)
    assert grid.shape == (2, 3)
    assert grid[1, 2] == flops.training_flops(70e9, 2e12)
    hours = flops.gpu_hours(grid, 312e12, np.array([0.3, 0.4, 0.5]))
    assert hours[0, 1] == pytest.approx(flops.gpu_hours(7e9 * 6 * 1e11, 312e12, 0.4))


@given(POSITIVE, POSITIVE, SCALE)
def test_training_flops_is_linear_in_each_argument(n: float, d: float, k: float) -> None:
    assert flops.training_flops(k * n, d) == pytest.approx(k * flops.training_flops(n, d), rel=1e-12)
    assert flops.training_flops(n, k * d) == pytest.approx(k * flops.training_flops(n, d), rel=1e-12)


@given(POSITIVE, POSITIVE, st.floats(min_value=0.01, max_value=1.0), st.floats(min_value=0.01, max_value=1.0))
def test_gpu_hours_fall_as_mfu_rises(c: float, peak: float, m1: float, m2: float) -> None:
    lo, hi = sorted((m1, m2))
    assert flops.gpu_hours(c, peak, hi) <= flops.gpu_hours(c, peak, lo)


@given(POSITIVE, POSITIVE, st.floats(min_value=0.0, max_value=1 / 3))
def test_lora_never_costs_more_than_full_while_the_adapter_is_small(n: float, d: float, share: float) -> None:
    adapter = share * n
    assert flops.lora_flops(n, adapter, d) <= flops.full_finetune_flops(n, d) * (1 + 1e-12)
    assert flops.probe_flops(n, adapter, d) <= flops.lora_flops(n, adapter, d) * (1 + 1e-12)
