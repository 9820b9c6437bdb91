"""The parts of ``estimate`` beyond hardware x hours: work from FLOPs, adaptation, serving,
embodied carbon, water and uncertainty ranges.

Every equation is a call into :mod:`carbonest.formulas`; every constant comes
from the catalog or :mod:`carbonest.assumptions`, and each use is recorded in
the estimate's provenance or notes. The what-if engine applies the same rules
to arrays (:mod:`carbonest.whatif`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carbonest import inputs
from carbonest.assumptions import DEFAULT_GPUS_PER_SERVER, DEFAULT_HEAD_PARAMS, DEFAULT_LORA_FRACTION
from carbonest.errors import InvalidInputError
from carbonest.formulas import emissions, flops, lifecycle, patterson, uncertainty
from carbonest.records import Provenance
from carbonest.resolve import Notes, table_provenance
from carbonest.units import BYTES_PER_GB

ADAPTATIONS = ("full", "lora", "probe")
DTYPES = ("fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8")
Range = tuple[float, float]


@dataclass(frozen=True)
class Work:
    """Validated inputs that describe the work instead of (or besides) a duration."""

    params: float | None = None
    tokens: float | None = None
    dtype: str | None = None
    mfu: float | None = None
    adaptation: str | None = None
    tasks: int = 1
    lora_params: float | None = None
    head_params: float | None = None
    queries: float | None = None
    energy_per_query_wh: float | None = None
    tokens_per_query: float | None = None
    inference_mfu: float | None = None
    embodied: bool = False
    wue_l_per_kwh: float | None = None

    @property
    def trains_from_flops(self) -> bool:
        """Whether the duration comes from FLOPs (params and tokens given)."""
        return self.params is not None and self.tokens is not None


def _opt(check: Any, field: str, value: Any) -> Any:
    return None if value is None else check(field, value)


def validate_work(kw: dict[str, Any]) -> Work:
    """Check the work inputs one by one and in combination; raise naming the parameter."""
    w = Work(
        params=_opt(inputs.positive, "params", kw.get("params")),
        tokens=_opt(inputs.positive, "tokens", kw.get("tokens")),
        dtype=None if kw.get("dtype") is None else inputs.choice("dtype", kw["dtype"], DTYPES),
        mfu=_opt(inputs.fraction, "mfu", kw.get("mfu")),
        adaptation=None if kw.get("adaptation") is None else inputs.choice("adaptation", kw["adaptation"], ADAPTATIONS),
        tasks=1 if kw.get("tasks") is None else inputs.count("tasks", kw["tasks"]),
        lora_params=_opt(inputs.positive, "lora_params", kw.get("lora_params")),
        head_params=_opt(inputs.positive, "head_params", kw.get("head_params")),
        queries=_opt(inputs.positive, "queries", kw.get("queries")),
        energy_per_query_wh=_opt(inputs.positive, "energy_per_query_wh", kw.get("energy_per_query_wh")),
        tokens_per_query=_opt(inputs.positive, "tokens_per_query", kw.get("tokens_per_query")),
        inference_mfu=_opt(inputs.fraction, "inference_mfu", kw.get("inference_mfu")),
        embodied=bool(kw.get("embodied", False)),
        wue_l_per_kwh=_opt(inputs.non_negative, "wue_l_per_kwh", kw.get("wue_l_per_kwh")),
    )
    _check_combinations(w, kw)
    return w


def _check_combinations(w: Work, kw: dict[str, Any]) -> None:
    def need(field: str, what: str) -> InvalidInputError:
        return InvalidInputError(f"{field}: {what}", field=field)

    if (w.params is None) != (w.tokens is None) and w.tokens_per_query is None:
        raise need("tokens" if w.tokens is None else "params", "params and tokens go together (6ND)")
    if w.adaptation is not None and not w.trains_from_flops:
        raise need("adaptation", "needs params (the base model) and tokens (per task)")
    for name, method in (("lora_params", "lora"), ("head_params", "probe")):
        if getattr(w, name) is not None and w.adaptation != method:
            raise need(name, f"only applies with adaptation {method}")
    if w.dtype is not None and not w.trains_from_flops and w.tokens_per_query is None:
        raise need("dtype", "only applies with params and tokens, or tokens_per_query (it picks the peak FLOP/s)")
    if kw.get("tasks") is not None and w.adaptation is None:
        raise need("tasks", "only applies with adaptation")
    if w.trains_from_flops and kw.get("hours") is not None:
        raise need("hours", "give either hours or params and tokens (hours then come from 6ND), not both")
    inputs.exclusive("energy_per_query_wh", w.energy_per_query_wh, "tokens_per_query", w.tokens_per_query)
    if w.queries is not None and w.energy_per_query_wh is None and w.tokens_per_query is None:
        raise need("queries", "needs energy_per_query_wh or tokens_per_query")
    if w.queries is None and (w.energy_per_query_wh is not None or w.tokens_per_query is not None):
        raise need("queries", "energy_per_query_wh and tokens_per_query need the number of queries")
    if w.tokens_per_query is not None and w.params is None:
        raise need("params", "tokens_per_query needs params (2N FLOPs per token)")
    if w.mfu is not None and not w.trains_from_flops:
        raise need("mfu", "only applies with params and tokens")


def dtype_for(n: Notes, spec: Any, work: Work) -> str:
    """The number format whose peak FLOP/s is used: given, else the fastest 16-bit one the chip has."""
    if work.dtype is not None:
        spec.peak_flops_per_s(work.dtype)  # raises, naming the formats the chip has
        n.provenance["dtype"] = "user"
        return work.dtype
    for dtype in ("bf16", "fp16", "fp32"):
        try:
            spec.peak_flops_per_s(dtype)
        except InvalidInputError:
            continue
        n.provenance["dtype"] = Provenance.default(dtype).label
        n.notes.append(f"No dtype given: {spec.name}'s dense {dtype} peak was used.")
        return dtype
    raise InvalidInputError(f"gpu: {spec.name} has no published bf16, fp16 or fp32 peak FLOP/s", field="gpu")


def mfu_range(n: Notes, given: float | None, key: str) -> tuple[float, Range]:
    """MFU and its range: exact when given, else the default and the published spread."""
    if given is not None:
        n.provenance[key] = "user"
        return given, uncertainty.exact(given)
    n.provenance[key] = Provenance.default(f"{flops.DEFAULT_MFU:g}").label
    n.notes.append(f"No {key}: {flops.DEFAULT_MFU:.0%} model FLOPs utilisation assumed (Llama 3, Dubey et al. "
                   f"2024); the range uses {flops.MFU_LOW:.1%}-{flops.MFU_HIGH:.1%} (GPT-3 to PaLM).")
    return flops.DEFAULT_MFU, (flops.MFU_LOW, flops.MFU_HIGH)


def training_flops(n: Notes, work: Work, extras: dict[str, Any]) -> float:
    """FLOPs of pretraining (6ND) or of adapting to K tasks, with storage per task for adaptation."""
    assert work.params is not None and work.tokens is not None
    if work.adaptation is None:
        n.provenance["flops"] = Provenance("derived", "6ND").label
        return float(flops.training_flops(work.params, work.tokens))
    method = work.adaptation
    trained = {"full": work.params, "lora": work.lora_params, "probe": work.head_params}[method]
    if trained is None:
        trained = DEFAULT_LORA_FRACTION * work.params if method == "lora" else float(DEFAULT_HEAD_PARAMS)
        n.notes.append(
            f"{'LoRA adapter' if method == 'lora' else 'Probe head'} size not given: {trained:,.0f} parameters "
            "assumed (carbonest.assumptions); give " + ("lora_params." if method == "lora" else "head_params.")
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
    n.provenance["flops"] = Provenance("derived", f"{method} adaptation FLOPs x {work.tasks} tasks").label
    return total


def hours_from_flops(n: Notes, work: Work, spec: Any, gpus: int, extras: dict[str, Any]) -> tuple[float, Range]:
    """Wall-clock hours (and their range over MFU) of the FLOPs on ``gpus`` accelerators."""
    total = training_flops(n, work, extras)
    dtype = dtype_for(n, spec, work)
    peak = spec.peak_flops_per_s(dtype)
    mfu, (mfu_lo, mfu_hi) = mfu_range(n, work.mfu, "mfu")
    gpu_hours = float(flops.gpu_hours(total, peak, mfu))
    extras.update(flops=total, dtype=dtype, peak_flops_per_s=peak, mfu=mfu)
    n.provenance["hours"] = Provenance("derived", "FLOPs / (peak x MFU) / gpus").label
    low = float(flops.gpu_hours(total, peak, mfu_hi)) / gpus
    high = float(flops.gpu_hours(total, peak, mfu_lo)) / gpus
    return gpu_hours / gpus, (low, high)


def serving(n: Notes, work: Work, spec: Any, power: Range, power_w: float | None,
            extras: dict[str, Any]) -> tuple[float, Range, float]:
    """Serving IT energy (kWh), its range, and the accelerator-hours it keeps busy."""
    assert work.queries is not None
    if work.energy_per_query_wh is not None:
        per_query = uncertainty.exact(work.energy_per_query_wh)
        central = work.energy_per_query_wh
        n.provenance["energy_per_query_wh"] = "user"
    else:
        if spec is None or power_w is None:
            raise InvalidInputError("tokens_per_query: needs gpu (its peak FLOP/s and power)", field="tokens_per_query")
        dtype = dtype_for(n, spec, work)
        peak = spec.peak_flops_per_s(dtype)
        mfu, (lo, hi) = mfu_range(n, work.inference_mfu, "inference_mfu")
        args = (work.params, work.tokens_per_query, peak)
        central = float(flops.energy_per_query_wh(*args, mfu, power_w))
        per_query = (float(flops.energy_per_query_wh(*args, hi, power[0])),
                     float(flops.energy_per_query_wh(*args, lo, power[1])))
        n.provenance["energy_per_query_wh"] = Provenance("derived", "2NT / (peak x MFU) x power").label
    energy = float(patterson.inference_energy_kwh(work.queries, central))
    rng = (patterson.inference_energy_kwh(work.queries, per_query[0]),
           patterson.inference_energy_kwh(work.queries, per_query[1]))
    busy = energy / emissions.energy_kwh(power_w, 1.0) if power_w else 0.0
    extras.update(queries=work.queries, energy_per_query_wh=central, serving_it_energy_kwh=energy)
    return energy, (float(rng[0]), float(rng[1])), busy


def embodied_kg(n: Notes, gpu_hours: float | None, hours: float | None) -> float:
    """Manufacturing emissions charged to the job (accelerators and their host's share, amortised)."""
    from carbonest.catalog import constant

    gpu, server, life = constant("embodied_gpu_kg"), constant("embodied_server_base_kg"), constant("server_lifetime_years")
    labels = [table_provenance("constants", c.source, c.year, f"{c.name}={c.value:g}").label for c in (gpu, server, life)]
    n.provenance["embodied"] = "; ".join(labels) + f"; default:{DEFAULT_GPUS_PER_SERVER} GPUs per server"
    if gpu_hours:
        return float(lifecycle.job_embodied_kg(1, gpu_hours, gpu.value, server.value,
                                               DEFAULT_GPUS_PER_SERVER, life.value))
    n.notes.append("Embodied carbon without GPUs: one host server's share for the duration.")
    return float(lifecycle.amortised_embodied_kg(server.value, hours or 0.0, life.value))


def water(n: Notes, work: Work, dc: Any, region_spec: Any, it_kwh: float) -> tuple[float, float]:
    """On-site water (L) and the WUE used: given > datacenter > cloud provider > industry average."""
    from carbonest.catalog import find_datacenter, industry_wue

    source = None
    if work.wue_l_per_kwh is not None:
        n.provenance["wue_l_per_kwh"] = "user"
        wue = work.wue_l_per_kwh
    else:
        if dc is not None and dc.wue_l_per_kwh is not None:
            source = dc
        elif region_spec is not None and getattr(region_spec, "provider", None):
            provider = find_datacenter(region_spec.provider)
            source = provider if provider.wue_l_per_kwh is not None else None
        if source is None:
            source = industry_wue()
            n.notes.append(f"No WUE given: the industry average {source.wue_l_per_kwh:g} L/kWh "
                           f"({source.source} {source.year}) was used for water.")
        n.provenance["wue_l_per_kwh"] = table_provenance("datacenters", source.source, source.year, source.id).label
        wue = float(source.wue_l_per_kwh)
    return float(lifecycle.onsite_water_l(it_kwh, wue)), wue


def pue_range(n: Notes, pue: float) -> Range:
    """PUE bounds: the industry spread when the industry average was defaulted, else exact."""
    if not n.provenance.get("pue", "").startswith("table:datacenters uptime-"):
        return uncertainty.exact(pue)
    from carbonest.resolve import industry_pue_bounds

    return industry_pue_bounds(pue)


def intensity_range(region_spec: Any, intensity: float) -> Range:
    """The spread of published figures for the region (sources and years), else exact."""
    if region_spec is None:
        return uncertainty.exact(intensity)
    from carbonest.catalog import intensity_spread

    low, high, _ = intensity_spread(region_spec.id)
    lo, hi = uncertainty.widen_to_include((float(low), float(high)), intensity)
    return float(lo), float(hi)


def component_power_range(entry: Any, spec: Any) -> Range:
    """A GPU whose power was not given: from idle to TDP (uncertainty.GPU_IDLE_FRACTION_OF_TDP); else exact."""
    if entry.component == "gpu" and entry.provenance.kind != "user" and spec is not None:
        lo, hi = uncertainty.power_range_w(float(spec.tdp_w))
        return float(lo), float(hi)
    return uncertainty.exact(float(entry.power_w))


def it_energy_range(components: list[Any], gpu_spec: Any, hours: Range, serving: Range | None) -> Range:
    """IT energy bounds: each component's power range x its count x the hours range, plus serving."""
    terms = []
    for c in components:
        power = component_power_range(c, gpu_spec)
        terms.append((emissions.energy_kwh(power[0] * c.count, hours[0]),
                      emissions.energy_kwh(power[1] * c.count, hours[1])))
    if serving is not None:
        terms.append(serving)
    low, high = uncertainty.sum_range(*terms)
    return float(low), float(high)
