"""Step 4 of the calculator: how long the hardware runs, given in hours or worked out from FLOPs.

Takes the request and the resolved accelerator; returns a :class:`Duration`:
the hours, their range, and (for work from FLOPs) the compute figures that the
estimate reports (FLOPs, dtype, peak FLOP/s, MFU; adaptation storage).
"""

from __future__ import annotations

from typing import Any, NamedTuple, TYPE_CHECKING

from carbonest.estimate.assumptions import DEFAULT_HEAD_PARAMS, DEFAULT_LORA_FRACTION
from carbonest.estimate.compute import dtype_for, mfu_range
from carbonest.formulas import flops
from carbonest.records import Notes, Provenance
from carbonest.units import BYTES_PER_GB

if TYPE_CHECKING:  # types only: the step modules import what they call, nothing more
    from carbonest.estimate.request import Request, Work
    from carbonest.estimate.resolve import Resolved

Range = tuple[float, float]


class Duration(NamedTuple):
    """Wall-clock duration of the counted hardware.

    Attributes:
        hours: Central figure; 0 when only serving is estimated. Units: h.
        hours_range: Low and high bound (from the MFU range when worked out from FLOPs). Units: h.
        extras: Compute figures for the estimate's further outputs (JSON-ready).
    """

    hours: float
    hours_range: Range
    extras: dict[str, Any]


def duration(req: Request, res: Resolved, journal: Notes) -> Duration:
    """The hours: as given, from FLOPs on the resolved accelerator, or none (serving only)."""
    if req.work.trains_from_flops:
        count = 1 if req.gpu.count is None else req.gpu.count
        return hours_from_flops(journal, req.work, res.gpu, count)
    if req.hours is not None:
        journal.provenance["hours"] = "user"
        return Duration(req.hours, (req.hours, req.hours), {})
    if req.energy_given:
        journal.provenance["energy_kwh"] = "user"
        journal.notes.append("IT energy given (energy_kwh): no power x hours was worked out for the training; "
                             "PUE, carbon intensity, water and their ranges apply to it as usual.")
        return Duration(0.0, (0.0, 0.0), {})
    journal.notes.append("Serving only: no training was counted; gpu, if given, only sets the power "
                         "and peak FLOP/s of the serving accelerators.")
    return Duration(0.0, (0.0, 0.0), {})


def training_flops(journal: Notes, work: Work, extras: dict[str, Any]) -> float:
    """FLOPs of pretraining (given, or 6ND) or of adapting to K tasks, with storage per task for adaptation."""
    if work.flops is not None:
        journal.provenance["flops"] = "user"
        return work.flops
    assert work.params is not None and work.tokens is not None
    if work.adaptation is None:
        journal.provenance["flops"] = Provenance("derived", "6ND").label
        return float(flops.training_flops(work.params, work.tokens))
    method = work.adaptation
    trained = {"full": work.params, "lora": work.lora_params, "probe": work.head_params}[method]
    if trained is None:
        trained = DEFAULT_LORA_FRACTION * work.params if method == "lora" else float(DEFAULT_HEAD_PARAMS)
        journal.notes.append(
            f"{'LoRA adapter' if method == 'lora' else 'Probe head'} size not given: {trained:,.0f} parameters "
            "assumed (carbonest.estimate.assumptions); give " + ("lora_params." if method == "lora" else "head_params.")
        )
    total = float(flops.adaptation_flops(method, work.params, work.tokens, trained, work.tasks))
    bytes_per_param = flops.BYTES_PER_PARAM[work.dtype or "bf16"]
    extras.update(
        adaptation=method, tasks=work.tasks, trained_params=trained,
        storage_gb=float(flops.adaptation_storage_bytes(method, work.params, trained, bytes_per_param,
                                                        work.tasks)) / BYTES_PER_GB,
        storage_gb_per_task=float(flops.adaptation_storage_bytes(method, work.params, trained,
                                                                 bytes_per_param)) / BYTES_PER_GB,
    )
    journal.provenance["flops"] = Provenance("derived", f"{method} adaptation FLOPs x {work.tasks} tasks").label
    return total


def hours_from_flops(journal: Notes, work: Work, spec: Any, gpus: int) -> Duration:
    """Wall-clock hours (and their range over MFU) of the FLOPs on ``gpus`` accelerators."""
    extras: dict[str, Any] = {}
    total = training_flops(journal, work, extras)
    dtype = dtype_for(journal, spec, work)
    peak = spec.peak_flops_per_s(dtype)
    mfu, (mfu_lo, mfu_hi) = mfu_range(journal, work.mfu, "mfu")
    gpu_hours = float(flops.gpu_hours(total, peak, mfu))
    extras.update(flops=total, dtype=dtype, peak_flops_per_s=peak, mfu=mfu)
    journal.provenance["hours"] = Provenance("derived", "FLOPs / (peak x MFU) / gpus").label
    low = float(flops.gpu_hours(total, peak, mfu_hi)) / gpus
    high = float(flops.gpu_hours(total, peak, mfu_lo)) / gpus
    return Duration(gpu_hours / gpus, (low, high), extras)
