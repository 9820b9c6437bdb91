"""The work of a sweep: training (hours given, or FLOPs), adaptation to K tasks, serving Q queries.

Each function returns the IT energy of its part as :class:`~carbonest.whatif.engine.Bounds`
(kWh, before PUE) and the accelerator-hours it occupies, and writes its columns.
"""

from __future__ import annotations

from typing import Any

from carbonest.whatif.backend import xp
from carbonest.formulas import emissions, flops, patterson
from carbonest.records import Provenance
from carbonest.units import BYTES_PER_GB
from carbonest.whatif.engine import (
    DEFAULT_HEAD_PARAMS, DEFAULT_LORA_FRACTION, Bounds, Sweep, hours_from_flops, mfu, peak, total_energy,
)

FORMULA_LABELS = {
    None: "6ND / (peak x MFU)",
    "full": "full fine-tuning 6ND x tasks / (peak x MFU)",
    "lora": "LoRA (4N + 6 N_adapter) D x tasks / (peak x MFU)",
    "probe": "linear probe (2N + 6 N_head) D x tasks / (peak x MFU)",
}


def training(sw: Sweep, power_w: Bounds | None, host_w: list[Bounds] | None = None) -> tuple[Bounds, Any] | None:
    """Training or adaptation: IT energy and accelerator-hours (None if the request has none).

    ``power_w`` is per accelerator (over accelerator-hours), ``host_w`` the CPU sockets and memory
    of the job, one entry per component (over its wall-clock hours).
    """
    mode = sw.req.training
    if mode is None:
        return None
    if mode == "energy":
        return given_energy(sw)
    if mode == "hours":
        hours = sw.value("hours")
        wall = Bounds.exact(hours)
        gpu_hours = Bounds.exact(hours * sw.value("gpus")) if sw.req.counts_gpu else None
        sw.label("hours_provenance", None, ["user"])
    else:
        if sw.req.has("flops"):
            total = sw.value("flops")
            sw.label("hours_provenance", None, [Provenance("derived", "flops / (peak x MFU)").label])
            sw.label("flops_provenance", None, ["user"])
        else:
            total = adaptation_flops(sw) if sw.req.has("adaptation") else pretraining_flops(sw)
        sw.put("flops", total)
        gpus = sw.value("gpus")
        gpu_hours = hours_from_flops(sw, total, mfu(sw, "mfu"), peak(sw))
        wall = Bounds(gpu_hours.c / gpus, gpu_hours.lo / gpus, gpu_hours.hi / gpus)
        hours = wall.c
    sw.put("hours", hours)
    parts = []
    if gpu_hours is not None:
        sw.put("gpu_hours", gpu_hours.c)
        assert power_w is not None  # a gpu or gpu_power_w is counted
        parts.append(power_w.map(emissions.energy_kwh, gpu_hours))
    for host in host_w or []:
        parts.append(host.map(emissions.energy_kwh, wall))
    return total_energy(parts), gpu_hours.c if gpu_hours is not None else 0.0


def given_energy(sw: Sweep) -> tuple[Bounds, Any]:
    """A known IT energy of the training (``energy_kwh``): exact, no hardware-hours."""
    energy = sw.value("energy_kwh")
    sw.put("training_it_energy_kwh", energy)
    sw.label("energy_kwh_provenance", None, ["user"])
    sw.notes.append("IT energy given (energy_kwh): no power x hours was worked out for the training; "
                    "PUE, carbon intensity, water and their ranges apply to it as usual.")
    return Bounds.exact(energy), 0.0


def idle(sw: Sweep) -> tuple[Bounds, Any] | None:
    """IT energy of reserved but idle infrastructure charged to the job (``idle_kwh``), exact."""
    if not sw.req.has("idle_kwh"):
        return None
    energy = sw.value("idle_kwh")
    sw.put("idle_kwh", energy)
    sw.label("idle_kwh_provenance", None, ["user"])
    return Bounds.exact(energy), 0.0


def pretraining_flops(sw: Sweep) -> Any:
    """6ND for the params x tokens axes."""
    sw.label("hours_provenance", None, [Provenance("derived", FORMULA_LABELS[None]).label])
    return flops.training_flops(sw.value("params"), sw.value("tokens"))


def adaptation_flops(sw: Sweep) -> Any:
    """FLOPs and per-task storage of adapting the model to K tasks, for each method on the axis."""
    np = xp()

    n, d, tasks = sw.value("params"), sw.value("tokens"), sw.value("tasks")
    methods = sw.axis_values("adaptation")
    lora = sw.value("lora_params") if sw.req.has("lora_params") else DEFAULT_LORA_FRACTION * n
    head = sw.value("head_params") if sw.req.has("head_params") else DEFAULT_HEAD_PARAMS
    _note_defaults(sw, methods)
    code = sw.grid.along("adaptation", np.arange(len(methods)))
    per_task: Any = 0.0
    trained: Any = 0.0
    for i, method in enumerate(methods):  # at most 3 methods, each on the whole grid at once
        own = {"full": n, "lora": lora, "probe": head}[method]
        per_task = np.where(code == i, flops.adaptation_flops(method, n, d, own), per_task)
        trained = np.where(code == i, own, trained)
    bytes_per_param = sw.grid.along("dtype", [flops.BYTES_PER_PARAM[t] for t in sw.axis_values("dtype")])
    sw.put("trained_params", trained)
    sw.put("storage_gb", flops.storage_bytes(trained, bytes_per_param, tasks) / BYTES_PER_GB)
    labels = [Provenance("derived", FORMULA_LABELS[m]).label for m in methods]
    sw.label("hours_provenance", "adaptation", labels)
    return per_task * tasks


def _note_defaults(sw: Sweep, methods: Any) -> None:
    if "lora" in methods and not sw.req.has("lora_params"):
        sw.notes.append(f"LoRA adapter size not given: {DEFAULT_LORA_FRACTION:.1%} of params assumed "
                        "(give lora_params).")
    if "probe" in methods and not sw.req.has("head_params"):
        sw.notes.append(f"Probe head size not given: {DEFAULT_HEAD_PARAMS:,} parameters assumed "
                        "(a 10-class linear head on a 4,096-wide model; give head_params).")


def serving(sw: Sweep, power_w: Bounds | None) -> tuple[Bounds, Any] | None:
    """Serving Q queries: IT energy and accelerator-hours (None without queries).

    With ``energy_per_query_wh`` the energy is exact and the hours are the time the
    accelerators draw it at the assumed power; with ``tokens_per_query`` both come
    from 2NT FLOPs per query, the peak and the (inference) MFU.
    """
    mode = sw.req.serving
    if mode is None:
        return None
    queries = sw.value("queries")
    if mode == "energy":
        per_query = Bounds.exact(sw.value("energy_per_query_wh"))
        sw.label("energy_per_query_provenance", None, ["user"])
    else:
        m = mfu(sw, "inference_mfu")
        n, t, p = sw.value("params"), sw.value("tokens_per_query"), peak(sw)
        per_query = Bounds(
            flops.energy_per_query_wh(n, t, p, m.c, power_w.c),
            flops.energy_per_query_wh(n, t, p, m.hi, power_w.lo),
            flops.energy_per_query_wh(n, t, p, m.lo, power_w.hi),
        )
        sw.label("energy_per_query_provenance", None,
                 [Provenance("derived", "2NT / (peak x MFU) x power").label])
    energy = per_query.map(lambda e: patterson.inference_energy_kwh(queries, e))
    busy_hours = energy.c / emissions.energy_kwh(power_w.c, 1.0) if power_w is not None else 0.0
    sw.put("energy_per_query_wh", per_query.c)
    sw.put("serving_it_energy_kwh", energy.c)
    sw.put("serving_gpu_hours", busy_hours)
    return energy, busy_hours
