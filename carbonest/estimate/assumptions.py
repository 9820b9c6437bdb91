"""Documented assumptions shared by ``estimate`` and the what-if engine.

These are not measurements and not table rows: each is a stated, sourced
assumption that applies when the user does not give the value. Outputs that
use one say so in their notes or provenance.
"""

DEFAULT_LORA_FRACTION = 0.001
"""LoRA adapter size when not given, as a fraction of the base model's parameters.

An assumption of the order of common LoRA set-ups: rank-8 adapters on the query
and value projections of LLaMA-7B (32 layers x 2 matrices x (4096 x 8 + 8 x 4096))
are 4.19M parameters, 0.06 % of 6.7B; rank 16 or more projections double or
triple that. Dimensionless. Give ``lora_params`` for your own adapters.
"""

DEFAULT_HEAD_PARAMS = 40_970
"""Linear-probe head size when not given: a 10-class linear classifier on a
4,096-wide representation (4096 x 10 weights + 10 biases; 4,096 is LLaMA-7B's
d_model). An assumption; its FLOPs are negligible next to the backbone's 2ND."""

DEFAULT_GPUS_PER_SERVER = 8
"""Accelerators per host server, for the host's share of embodied carbon: the
8-GPU HGX/DGX baseboard, e.g. Meta's Grand Teton servers for Llama 3 (Dubey et
al. 2024, section 3.3.1). An assumption for other hardware."""

DEFAULT_UTILIZATION = 1.0
"""Share of its lifetime that the hardware is busy, for amortising embodied carbon when not
given: 1, Cloud Carbon Footprint's convention (the whole life is shared among the uses, and
idle time is charged to no one). Life-cycle studies charge idle time to the uses with a
smaller share: Luccioni et al. 2022 (BLOOM) take 85 %. Dimensionless, in (0, 1]."""

GPU_POWER_OVER_TDP_MARGIN = 0.25
"""How far above an accelerator's TDP a given average power may be before it is warned about:
25 %. An average draw above the TDP is possible only where the power limit was raised (some boards
allow 10-20 %); 25 % above it is more likely a typo or the wrong device. Dimensionless."""


def over_tdp_message(name: str, tdp_w: float, power_w: float) -> str | None:
    """The warning for a given accelerator power above its TDP by more than
    :data:`GPU_POWER_OVER_TDP_MARGIN` (None when within it); shared with the what-if engine."""
    if power_w <= tdp_w * (1 + GPU_POWER_OVER_TDP_MARGIN):
        return None
    return (f"gpu_power_w: {power_w:g} W per device is {power_w / tdp_w:.3g} times the {tdp_w:g} W TDP of "
            f"{name} (more than {GPU_POWER_OVER_TDP_MARGIN:.0%} above it); used as given, check the value "
            "or the device")
