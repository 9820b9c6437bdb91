"""Strubell et al. 2019, Table 3, reproduced from the paper's published inputs.

Each row: hardware, total power p_c + p_r + g p_g (W), hours, published
kWh-PUE and published lbs CO2e (rounded to whole numbers in the paper).
"""

import pytest

from carbonest.formulas import strubell

TABLE_3 = [
    # model, total power W, hours, kWh-PUE, lbs CO2e
    ("Transformer base (P100x8)", 1415.78, 12, 27, 26),
    ("Transformer big (P100x8)", 1515.43, 84, 201, 192),
    ("ELMo (P100x3)", 517.66, 336, 275, 262),
    ("BERT base (V100x64)", 12041.51, 79.2, 1507, 1438),
    ("NAS (P100x8)", 1515.43, 274120, 656347, 626155),
]


@pytest.mark.parametrize(("model", "power_w", "hours", "kwh_pue", "lbs"), TABLE_3)
def test_table_3_rows(model: str, power_w: float, hours: float, kwh_pue: int, lbs: int) -> None:
    energy = strubell.energy_kwh_pue(hours, power_w)
    assert round(energy) == kwh_pue, model
    assert round(strubell.co2e_lbs(energy)) == lbs, model


def test_constants_are_the_papers() -> None:
    assert strubell.STRUBELL_PUE == 1.58
    assert strubell.STRUBELL_LBS_PER_KWH == 0.954


def test_total_power_bracket() -> None:
    # p_c + p_r + g p_g
    assert strubell.total_power_w(100.0, 20.0, 250.0, 4) == 1120.0


def test_bert_from_components() -> None:
    # 64 GPUs: the bracket then Eq. 1 gives the same as the total-power form.
    per_gpu = 12041.51 / 64
    p = strubell.total_power_w(0.0, 0.0, per_gpu, 64)
    assert strubell.energy_kwh_pue(79.2, p) == pytest.approx(1506.8264, abs=1e-3)
