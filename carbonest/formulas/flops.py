"""Compute models: training and inference FLOPs, GPU-hours from FLOPs, adaptation cost and storage.

PURE module (see the rules in :mod:`carbonest.formulas`): arithmetic only, so
every function takes Python scalars or numpy arrays (broadcast element-wise).

FLOP accounting (Kaplan et al. 2020, "Scaling Laws for Neural Language Models",
arXiv:2001.08361, section 2.1 and Table 1; Hoffmann et al. 2022, "Training
Compute-Optimal Large Language Models", arXiv:2203.15556, Appendix F): a dense
transformer with N non-embedding parameters spends about 2N FLOPs per token in
the forward pass (one multiply and one add per weight). The backward pass
costs about twice the forward: 2N for the gradients with respect to the
activations (needed to propagate the error) and 2N for the gradients with
respect to the weights. Training therefore costs C = 6 N D for D tokens, and
inference 2 N per generated or read token. Attention's context-dependent term
(2 n_layer n_ctx d_model per token) is left out, as in both papers; it is small
while d_model is large against n_ctx / 12.

Adaptation (parameter-efficient fine-tuning) follows from the same split:

* full fine-tuning is training: forward 2N + backward 4N = 6 N D;
* LoRA (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models",
  arXiv:2106.09685) freezes the pretrained weights, so no weight gradients are
  computed for them, but the activation gradients must still flow back through
  them to reach the adapters in earlier layers: forward 2N + activation
  gradient 2N = 4 N D, plus the adapters' own forward and backward
  6 N_adapter D;
* linear probing runs the frozen backbone forward only (2 N D, no backward
  through it) and trains the head: 6 N_head D.

Storage per adapted task: a full fine-tune stores all N weights, LoRA only the
adapters, a probe only the head (the shared base model is stored once in all
three cases and is not counted here).
"""

from __future__ import annotations

from typing import Any

from carbonest.units import S_PER_HOUR

__all__ = [
    "BYTES_PER_PARAM",
    "DEFAULT_MFU",
    "FORWARD_FLOPS_PER_PARAM_TOKEN",
    "MFU_HIGH",
    "MFU_LOW",
    "TRAINING_FLOPS_PER_PARAM_TOKEN",
    "adaptation_flops",
    "adaptation_storage_bytes",
    "energy_per_query_wh",
    "forward_flops",
    "full_finetune_flops",
    "gpu_hours",
    "inference_flops",
    "lora_flops",
    "probe_flops",
    "storage_bytes",
    "training_flops",
]

FORWARD_FLOPS_PER_PARAM_TOKEN = 2.0
"""Forward pass: one multiply-add (2 FLOPs) per weight per token (Kaplan et al. 2020, Table 1)."""

BACKWARD_ACTIVATION_FLOPS_PER_PARAM_TOKEN = 2.0
"""Backward pass, gradients with respect to the activations: 2 FLOPs per weight per token."""

BACKWARD_WEIGHT_FLOPS_PER_PARAM_TOKEN = 2.0
"""Backward pass, gradients with respect to the weights: 2 FLOPs per weight per token."""

TRAINING_FLOPS_PER_PARAM_TOKEN = (
    FORWARD_FLOPS_PER_PARAM_TOKEN
    + BACKWARD_ACTIVATION_FLOPS_PER_PARAM_TOKEN
    + BACKWARD_WEIGHT_FLOPS_PER_PARAM_TOKEN
)
"""C = 6 N D (Kaplan et al. 2020, section 2.1; Hoffmann et al. 2022, Appendix F)."""

DEFAULT_MFU = 0.40
"""Default model FLOPs utilisation (achieved model FLOP/s / peak FLOP/s). Dimensionless.

0.40 is the middle of the 38-43 % BF16 MFU that Meta reports for Llama 3 405B
pretraining on up to 16K H100s (Dubey et al. 2024, "The Llama 3 Herd of Models",
arXiv:2407.21783, Table 4), a recent, well-engineered large run on the GPUs
most jobs use today. It is deliberately below PaLM's 46.2 % (Chowdhery et al.
2022, arXiv:2204.02311, Table 3), the best reported figure for dense training
at scale, because most runs are tuned less carefully; a lower MFU means more
GPU-hours, so erring low errs on the side of a higher footprint.
"""

MFU_LOW = 0.213
"""Low end of the MFU range used when MFU is not given: GPT-3's 21.3 % as reported in
PaLM's Table 3 (Chowdhery et al. 2022). Dimensionless."""

MFU_HIGH = 0.462
"""High end of the MFU range used when MFU is not given: PaLM 540B's 46.2 %
(Chowdhery et al. 2022, Table 3). Dimensionless."""

BYTES_PER_PARAM = {
    "fp64": 8.0,
    "fp32": 4.0,
    "tf32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 0.5,
}
"""Bytes to store one weight in each number format (tf32 is stored as fp32). Units: bytes."""


def training_flops(params: Any, tokens: Any) -> Any:
    """Training compute of a dense transformer: C = 6 N D.

    Kaplan et al. 2020 (section 2.1) and Hoffmann et al. 2022 (Appendix F).
    GPT-3 (175e9 parameters, 300e9 tokens) gives 3.15e23 FLOPs against the
    3.14e23 published by Brown et al. 2020 (Table D.1).

    Units: params N (count), tokens D (count) -> FLOPs.
    """
    return TRAINING_FLOPS_PER_PARAM_TOKEN * params * tokens


def forward_flops(params: Any, tokens: Any) -> Any:
    """Forward-pass compute: 2 N per token (Kaplan et al. 2020, Table 1).

    Units: params (count), tokens (count) -> FLOPs.
    """
    return FORWARD_FLOPS_PER_PARAM_TOKEN * params * tokens


def inference_flops(params: Any, tokens: Any) -> Any:
    """Inference compute of one query that reads or generates T tokens: 2 N T.

    The forward pass only (Kaplan et al. 2020, Table 1); the KV-cache makes
    each generated token cost one forward pass of the weights.

    Units: params (count), tokens per query T (count) -> FLOPs per query.
    """
    return forward_flops(params, tokens)


def gpu_hours(flops: Any, peak_flops_per_s: Any, mfu: Any) -> Any:
    """Accelerator time to execute a computation: FLOPs / (peak FLOP/s x MFU) / 3600.

    MFU (model FLOPs utilisation, Chowdhery et al. 2022, Appendix B) is the
    fraction of the chip's peak throughput that the model's FLOPs achieve.

    Units: flops in FLOPs, peak_flops_per_s in FLOP/s per accelerator, mfu in
    (0, 1] -> accelerator-hours (divide by the accelerator count for wall-clock hours).
    """
    return flops / (peak_flops_per_s * mfu * S_PER_HOUR)


def full_finetune_flops(params: Any, tokens: Any) -> Any:
    """Full fine-tuning on D tokens: forward 2N + backward 4N = 6 N D (as training).

    Units: params (count), tokens per task (count) -> FLOPs per task.
    """
    return training_flops(params, tokens)


def lora_flops(params: Any, adapter_params: Any, tokens: Any) -> Any:
    """LoRA fine-tuning on D tokens: 4 N D + 6 N_adapter D.

    Frozen weights need no weight gradients (Hu et al. 2021), saving 2N of the
    6N per token, but activation gradients still flow through them: forward 2N
    + activation gradient 2N. The adapters are trained in full: 6 N_adapter.

    Units: params N, adapter_params N_adapter (counts), tokens per task -> FLOPs per task.
    """
    frozen = FORWARD_FLOPS_PER_PARAM_TOKEN + BACKWARD_ACTIVATION_FLOPS_PER_PARAM_TOKEN
    return frozen * params * tokens + training_flops(adapter_params, tokens)


def probe_flops(params: Any, head_params: Any, tokens: Any) -> Any:
    """Linear probing on D tokens: forward-only backbone 2 N D + trained head 6 N_head D.

    Units: params N, head_params N_head (counts), tokens per task -> FLOPs per task.
    """
    return forward_flops(params, tokens) + training_flops(head_params, tokens)


def adaptation_flops(method: str, params: Any, tokens: Any, trained_params: Any, tasks: Any = 1) -> Any:
    """FLOPs to adapt a model to K tasks of D tokens each, by ``method``.

    Args:
        method: ``"full"``, ``"lora"`` or ``"probe"``.
        params: Base-model parameters N. Units: count.
        tokens: Tokens per task D. Units: count.
        trained_params: Adapter (LoRA) or head (probe) parameters; ignored for ``"full"``. Units: count.
        tasks: Number of tasks K.

    Returns:
        Total FLOPs over the K tasks. Units: FLOPs.

    Raises:
        KeyError: ``method`` is not one of the three.
    """
    per_task = {
        "full": lambda: full_finetune_flops(params, tokens),
        "lora": lambda: lora_flops(params, trained_params, tokens),
        "probe": lambda: probe_flops(params, trained_params, tokens),
    }[method]()
    return per_task * tasks


def storage_bytes(params: Any, bytes_per_param: Any, tasks: Any = 1) -> Any:
    """Storage of K copies of a set of weights: K x params x bytes per parameter.

    Units: params (count), bytes_per_param in bytes, tasks K (count) -> bytes.
    """
    return tasks * params * bytes_per_param


def adaptation_storage_bytes(
    method: str, params: Any, trained_params: Any, bytes_per_param: Any, tasks: Any = 1
) -> Any:
    """Storage of the per-task weights of K adapted tasks (the shared base model not counted).

    ``"full"`` stores N weights per task, ``"lora"`` the adapter's, ``"probe"`` the head's.

    Units: params, trained_params (counts), bytes_per_param in bytes, tasks (count) -> bytes.

    Raises:
        KeyError: ``method`` is not one of full, lora, probe.
    """
    stored = {"full": params, "lora": trained_params, "probe": trained_params}[method]
    return storage_bytes(stored, bytes_per_param, tasks)


def energy_per_query_wh(
    params: Any, tokens_per_query: Any, peak_flops_per_s: Any, mfu: Any, power_w: Any
) -> Any:
    """IT energy of one query from its FLOPs: 2 N T / (peak x MFU) accelerator-seconds x power.

    Used when only the tokens per query are known (Patterson et al. 2021 add
    queries x energy per query to training; this supplies the energy per query).

    Units: params (count), tokens_per_query (count), peak_flops_per_s in FLOP/s,
    mfu in (0, 1], power_w in W per accelerator -> Wh per query.
    """
    return gpu_hours(inference_flops(params, tokens_per_query), peak_flops_per_s, mfu) * power_w
