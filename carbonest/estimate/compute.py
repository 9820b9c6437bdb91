"""The compute assumptions that training (step 4) and serving (step 5) share: which peak FLOP/s
(the number format) and which model FLOPs utilisation, each given or a stated default."""

from __future__ import annotations

from typing import Any, TYPE_CHECKING

from carbonest.errors import InvalidInputError
from carbonest.formulas import flops, uncertainty
from carbonest.records import Notes, Provenance

if TYPE_CHECKING:  # types only: the step modules import what they call, nothing more
    from carbonest.estimate.request import Work

Range = tuple[float, float]


def dtype_for(journal: Notes, spec: Any, work: Work) -> str:
    """The number format whose peak FLOP/s is used: given, else the fastest 16-bit one the chip has."""
    if work.dtype is not None:
        spec.peak_flops_per_s(work.dtype)  # raises, naming the formats the chip has
        journal.provenance["dtype"] = "user"
        return work.dtype
    for dtype in ("bf16", "fp16", "fp32"):
        try:
            spec.peak_flops_per_s(dtype)
        except InvalidInputError:
            continue
        journal.provenance["dtype"] = Provenance.default(dtype).label
        journal.notes.append(f"No dtype given: {spec.name}'s dense {dtype} peak was used.")
        return dtype
    raise InvalidInputError(f"gpu: {spec.name} has no published bf16, fp16 or fp32 peak FLOP/s", field="gpu")


def mfu_range(journal: Notes, given: float | None, key: str) -> tuple[float, Range]:
    """MFU and its range: exact when given, else the default and the published spread."""
    if given is not None:
        journal.provenance[key] = "user"
        return given, uncertainty.exact(given)
    journal.provenance[key] = Provenance.default(f"{flops.DEFAULT_MFU:g}").label
    journal.notes.append(f"No {key}: {flops.DEFAULT_MFU:.0%} model FLOPs utilisation assumed (Llama 3, Dubey et al. "
                         f"2024); the range uses {flops.MFU_LOW:.1%}-{flops.MFU_HIGH:.1%} (GPT-3 to PaLM).")
    return flops.DEFAULT_MFU, (flops.MFU_LOW, flops.MFU_HIGH)
