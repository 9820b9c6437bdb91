"""Step 1 of the calculator: check every input, alone and in combination, before any lookup.

:func:`validate` turns the keyword arguments of :func:`carbonest.estimate` into
one frozen :class:`Request`. Every number is checked here (finite, in range,
integer where a count is meant) and every combination that would be ignored or
cannot be computed is refused, each with an
:class:`~carbonest.errors.InvalidInputError` whose message starts with the
parameter's name. Nothing here reads a table: names are only checked to be
names; step 2 (:mod:`carbonest.estimate.resolve`) finds them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from carbonest import inputs
from carbonest.errors import InvalidInputError, param

PRESETS = ("strubell2019", "patterson2021")
BASES = ("lifecycle", "direct")
ADAPTATIONS = ("full", "lora", "probe")
DTYPES = ("fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8")


class Work(NamedTuple):
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
    flops: float | None = None
    energy_kwh: float | None = None
    idle_kwh: float | None = None
    embodied_kg_per_server: float | None = None
    gpus_per_server: int | None = None
    lifetime_years: float | None = None
    utilization: float | None = None
    vcpus: float | None = None

    @property
    def trains_from_flops(self) -> bool:
        """Whether the duration comes from FLOPs (params and tokens, or total flops, given)."""
        return (self.params is not None and self.tokens is not None) or self.flops is not None


WORK_FIELDS = frozenset(Work._fields)

_F = param("flops")
_PT = f"{param('params')} and {param('tokens')}"

EMBODIED_INPUTS = ("embodied_kg_per_server", "gpus_per_server", "lifetime_years", "utilization")
"""Inputs of the embodied-carbon amortisation; giving any of them counts embodied carbon."""


class Device(NamedTuple):
    """One kind of device as asked: its name, count and power, each None when not given.

    Attributes:
        name: Catalog name (``"V100"``, ``"Xeon Gold 6248"``), not yet looked up.
        count: Number of devices. None: not given (1 is then the stated default).
        power_w: Average power per device, as given. Units: W.
        counted: Whether the component is counted at all (a name or a power was given).
    """

    name: str | None = None
    count: int | None = None  # type: ignore[assignment]  # shadows tuple.count, on purpose: the field reads best
    power_w: float | None = None
    counted: bool = False


class Request(NamedTuple):
    """Everything :func:`carbonest.estimate` was asked, checked.

    Attributes:
        hours: Wall-clock duration as given. Units: h.
        gpu: The accelerators asked for.
        cpu: The CPU sockets asked for.
        dram_gb: Memory size as given. Units: GB.
        dram_power_w: Memory power as given. Units: W.
        region: Grid region name, not yet looked up.
        intensity_g_per_kwh: A carbon intensity given instead of a region. Units: gCO2e/kWh.
        pue: A PUE given by the user (>= 1).
        datacenter: A datacenter or provider preset name, not yet looked up.
        preset: ``strubell2019``, ``patterson2021`` or None.
        work: The work (FLOPs, adaptation, serving, embodied, water).
        basis: Basis of a table region's carbon intensity: ``lifecycle`` (default) or ``direct``.
    """

    hours: float | None = None
    gpu: Device = Device()
    cpu: Device = Device()
    dram_gb: float | None = None
    dram_power_w: float | None = None
    region: str | None = None
    intensity_g_per_kwh: float | None = None
    pue: float | None = None
    datacenter: str | None = None
    preset: str | None = None
    work: Work = Work()
    basis: str = "lifecycle"

    @property
    def trains(self) -> bool:
        """Whether a training (or any hardware x duration) part is counted, not only serving."""
        return self.hours is not None or self.work.trains_from_flops

    @property
    def energy_given(self) -> bool:
        """Whether the training part is a known IT energy (``energy_kwh``) instead of power x hours."""
        return self.work.energy_kwh is not None


def _opt(check: Any, name: str, value: Any) -> Any:
    return None if value is None else check(name, value)


def validate(
    *,
    hours: Any = None,
    gpu: Any = None,
    gpus: Any = None,
    gpu_power_w: Any = None,
    cpu: Any = None,
    cpus: Any = None,
    cpu_power_w: Any = None,
    dram_gb: Any = None,
    dram_power_w: Any = None,
    region: Any = None,
    intensity_g_per_kwh: Any = None,
    pue: Any = None,
    datacenter: Any = None,
    preset: Any = None,
    basis: Any = None,
    **work: Any,
) -> Request:
    """Check the inputs of :func:`carbonest.estimate`; raise naming the first bad parameter.

    Raises:
        TypeError: an unknown keyword argument (as Python would for a misspelt one).
        InvalidInputError: a bad number, name or combination.
    """
    unknown = set(work) - WORK_FIELDS
    if unknown:
        raise TypeError(f"estimate() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    if preset is not None:
        preset = inputs.choice("preset", preset, PRESETS)
    job = validate_work({**work, "hours": hours})
    if job.trains_from_flops:
        if gpu is None:
            what = param("flops") if job.flops is not None else f"{param('params')} and {param('tokens')}"
            raise InvalidInputError(f"gpu: {what} need an accelerator model (its peak FLOP/s)", field="gpu")
    elif hours is not None:
        hours = inputs.positive("hours", hours)
    elif job.queries is None and job.energy_kwh is None:
        raise InvalidInputError(f"hours: a duration is required (or {param('params')} and {param('tokens')}, "
                                f"{param('flops')}, energy_kwh, or {param('queries')})", field="hours")
    _check_given_energy(job, gpu_power_w, cpu, cpu_power_w, dram_gb, dram_power_w)
    _check_vcpus(job, cpu, cpus, cpu_power_w)
    if preset == "patterson2021" and (cpu, cpu_power_w, dram_gb, dram_power_w) != (None,) * 4:
        raise InvalidInputError(
            "preset: patterson2021 counts the measured system power per processor (host included); "
            f"drop {param('cpu')}, cpu_power_w, dram_gb and dram_power_w, or drop the preset",
            field="preset",
        )
    inputs.exclusive("dram_gb", dram_gb, "dram_power_w", dram_power_w, why="power from W per GB")
    inputs.exclusive("region", region, "intensity_g_per_kwh", intensity_g_per_kwh)
    req = Request(
        hours=hours,
        gpu=_device("gpu", gpu, gpus, gpu_power_w),
        cpu=_device("cpu", cpu, cpus, cpu_power_w),
        dram_gb=_opt(inputs.positive, "dram_gb", dram_gb),
        dram_power_w=_opt(inputs.positive, "dram_power_w", dram_power_w),
        region=_opt(inputs.name, "region", region),
        intensity_g_per_kwh=_opt(inputs.intensity, "intensity_g_per_kwh", intensity_g_per_kwh),
        pue=_opt(inputs.pue, "pue", pue),
        datacenter=_opt(inputs.name, "datacenter", datacenter),
        preset=preset,
        work=job,
        basis="lifecycle" if basis is None else inputs.choice("basis", basis, BASES),
    )
    counted = req.gpu.counted or req.cpu.counted or req.dram_gb is not None or req.dram_power_w is not None
    if not counted and job.queries is None and job.energy_kwh is None:
        raise InvalidInputError(
            f"gpu: nothing to estimate: give {param('gpu')} or gpu_power_w, {param('cpu')} or cpu_power_w, "
            "dram_gb or dram_power_w",
            field="gpu",
        )
    return req


def _check_given_energy(job: Work, gpu_power_w: Any, cpu: Any, cpu_power_w: Any, dram_gb: Any,
                        dram_power_w: Any) -> None:
    """energy_kwh replaces the components' power x hours: refuse the power inputs it would ignore."""
    if job.energy_kwh is None:
        return
    for name, value in (("gpu_power_w", gpu_power_w), ("cpu", cpu), ("cpu_power_w", cpu_power_w),
                        ("dram_gb", dram_gb), ("dram_power_w", dram_power_w), ("vcpus", job.vcpus)):
        if value is not None:
            raise InvalidInputError(f"{name}: energy_kwh already is the IT energy (power x hours); "
                                    f"drop {param(name)} or energy_kwh", field=name)


def _check_vcpus(job: Work, cpu: Any, cpus: Any, cpu_power_w: Any) -> None:
    """vcpus models a VM's share of a CPU: it needs the CPU's name and replaces sockets and power."""
    if job.vcpus is None:
        return
    if cpus is not None:
        raise InvalidInputError(f"cpus: give either {param('vcpus')} (a VM's share of a CPU) or {param('cpus')} "
                                "(whole sockets), not both", field="cpus")
    if cpu_power_w is not None:
        raise InvalidInputError(f"cpu_power_w: {param('vcpus')} models the power from the CPU's table figures; "
                                f"give either {param('vcpus')} or cpu_power_w, not both", field="cpu_power_w")
    if cpu is None:
        raise InvalidInputError(f"vcpus: needs {param('cpu')} (a CPU model, micro-architecture or family)",
                                field="vcpus")


def _device(kind: str, name: Any, count: Any, power: Any) -> Device:
    """One device kind: its count is refused when neither a name nor a power says what to count."""
    count_field = f"{kind}s"
    counted = name is not None or power is not None
    if count is not None and not counted:
        raise InvalidInputError(f"{count_field}: given without {param(kind)} or {param(kind + '_power_w')}",
                                field=count_field)
    return Device(
        name=_opt(inputs.name, kind, name),
        count=_opt(inputs.count, count_field, count),
        power_w=_opt(inputs.positive, f"{kind}_power_w", power),
        counted=counted,
    )


_WORK_RULES: dict[str, Any] = {
    "params": inputs.positive, "tokens": inputs.positive, "mfu": inputs.fraction,
    "lora_params": inputs.positive, "head_params": inputs.positive, "queries": inputs.positive,
    "energy_per_query_wh": inputs.positive, "tokens_per_query": inputs.positive,
    "inference_mfu": inputs.fraction, "wue_l_per_kwh": inputs.non_negative, "flops": inputs.positive,
    "energy_kwh": inputs.positive, "idle_kwh": inputs.non_negative,
    "embodied_kg_per_server": inputs.non_negative, "gpus_per_server": inputs.count,
    "lifetime_years": inputs.positive, "utilization": inputs.fraction, "vcpus": inputs.positive,
}
"""The check of each optional numeric work input (each raises naming the parameter)."""


def validate_work(kw: dict[str, Any]) -> Work:
    """Check the work inputs one by one and in combination; raise naming the parameter."""
    w = Work(
        dtype=None if kw.get("dtype") is None else inputs.choice("dtype", kw["dtype"], DTYPES),
        adaptation=None if kw.get("adaptation") is None else inputs.choice("adaptation", kw["adaptation"], ADAPTATIONS),
        tasks=1 if kw.get("tasks") is None else inputs.count("tasks", kw["tasks"]),
        embodied=inputs.flag("embodied", kw.get("embodied", False)),
        **{name: _opt(check, name, kw.get(name)) for name, check in _WORK_RULES.items()},
    )
    if any(getattr(w, name) is not None for name in EMBODIED_INPUTS):
        w = w._replace(embodied=True)  # the amortisation's inputs say embodied carbon is wanted
    _check_new_work(w, kw)
    _check_combinations(w, kw)
    return w


def _check_new_work(w: Work, kw: dict[str, Any]) -> None:
    """Combinations of the inputs that published footprints use (flops, energy_kwh, idle_kwh, embodied)."""
    def need(name: str, what: str) -> InvalidInputError:
        return InvalidInputError(f"{name}: {what}", field=name)

    if w.flops is not None:
        if w.tokens is not None:
            raise need("flops", f"give either {_F} or {_PT} (6ND), not both")
        if w.adaptation is not None:
            raise need("flops", f"{param('adaptation')} works its FLOPs out from {_PT}; drop {_F}")
        if w.params is not None and w.tokens_per_query is None:
            raise need("params", f"with {_F}, {param('params')} only applies to serving (tokens_per_query)")
        if kw.get("hours") is not None:
            raise need("hours", f"give either {param('hours')} or {_F} (the duration then comes from the FLOPs), "
                                "not both")
    if w.energy_kwh is not None:
        for name in ("hours", "flops", "tokens", "adaptation", "mfu"):
            value = kw.get("hours") if name == "hours" else getattr(w, name)
            if value is not None:
                raise need(name, "energy_kwh is the training's known IT energy, instead of power x hours "
                                 f"(or FLOPs); drop {param(name)} or energy_kwh")
        if w.params is not None and w.tokens_per_query is None:
            raise need("params", f"with energy_kwh, {param('params')} only applies to serving (tokens_per_query)")
        if w.embodied:
            raise need("embodied", "embodied carbon is amortised over the hardware's hours, which energy_kwh "
                                   f"does not give; use {param('hours')} and gpu_power_w (the energy is their product)")


def _check_combinations(w: Work, kw: dict[str, Any]) -> None:
    def need(name: str, what: str) -> InvalidInputError:
        return InvalidInputError(f"{name}: {what}", field=name)

    if (w.params is None) != (w.tokens is None) and w.tokens_per_query is None:
        raise need("tokens" if w.tokens is None else "params", f"{_PT} go together (6ND)")
    if w.adaptation is not None and not w.trains_from_flops:
        raise need("adaptation", f"needs {param('params')} (the base model) and {param('tokens')} (per task)")
    for name, method in (("lora_params", "lora"), ("head_params", "probe")):
        if getattr(w, name) is not None and w.adaptation != method:
            raise need(name, f"only applies with {param('adaptation')} {method}")
    if w.dtype is not None and not w.trains_from_flops and w.tokens_per_query is None:
        raise need("dtype", f"only applies with {_PT}, or tokens_per_query (it picks the peak FLOP/s)")
    if kw.get("tasks") is not None and w.adaptation is None:
        raise need("tasks", f"only applies with {param('adaptation')}")
    if w.trains_from_flops and kw.get("hours") is not None:
        raise need("hours", f"give either {param('hours')} or {_PT} (the duration then comes from 6ND), not both")
    inputs.exclusive("energy_per_query_wh", w.energy_per_query_wh, "tokens_per_query", w.tokens_per_query)
    if w.queries is not None and w.energy_per_query_wh is None and w.tokens_per_query is None:
        raise need("queries", "needs energy_per_query_wh or tokens_per_query")
    if w.queries is None and (w.energy_per_query_wh is not None or w.tokens_per_query is not None):
        raise need("queries", f"energy_per_query_wh and tokens_per_query need the number of {param('queries')}")
    if w.tokens_per_query is not None and w.params is None:
        raise need("params", f"tokens_per_query needs {param('params')} (2N FLOPs per token)")
    if w.mfu is not None and not w.trains_from_flops:
        raise need("mfu", f"only applies with {_PT}")
    if w.inference_mfu is not None and w.queries is None:
        raise need("inference_mfu", f"only applies with {param('queries')} (serving)")
