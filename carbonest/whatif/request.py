"""A what-if request, checked: which inputs combine, the axes of the sweep, the catalog look-ups.

Every mistake is an :class:`~carbonest.errors.InvalidInputError` whose ``field``
is the parameter at fault, raised before any large array is allocated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from carbonest._values import Value
from carbonest import inputs
from carbonest.errors import InvalidInputError, param
from carbonest.intensity.table import BASES
from carbonest.formulas.flops import BYTES_PER_PARAM
from carbonest.whatif import axes as ax
from carbonest.whatif.grid import Axis
from carbonest.whatif.lookup import Accelerators, Cpus, accelerators, cpus, datacenters, expand_regions

MAX_ROWS = 10_000_000
"""Largest sweep run without ``force=True``: about 10 million rows x 40 columns x 8 bytes = 3 GB."""

ADAPTATIONS = ("full", "lora", "probe")

HOST_INPUTS = ("cpu", "cpu_power_w", "dram_gb", "dram_power_w")
"""The inputs that count CPU sockets or memory (over the job's wall-clock hours)."""

EMBODIED_INPUTS = ("embodied_kg_per_server", "gpus_per_server", "lifetime_years", "utilization")
"""The embodied amortisation's inputs; any of them adds embodied carbon (as in ``estimate``)."""

NUMERIC = {
    "gpus": "count", "gpu_power_w": "positive", "hours": "positive", "params": "positive",
    "tokens": "positive", "mfu": "fraction", "tasks": "count", "lora_params": "positive",
    "head_params": "positive", "queries": "non_negative", "energy_per_query_wh": "non_negative",
    "tokens_per_query": "positive", "inference_mfu": "fraction", "pue": "pue",
    "intensity_g_per_kwh": "intensity", "wue_l_per_kwh": "non_negative",
    "water_generation_l_per_kwh": "non_negative",
    "flops": "positive", "energy_kwh": "positive", "idle_kwh": "non_negative",
    "embodied_kg_per_server": "non_negative", "gpus_per_server": "count", "lifetime_years": "positive",
    "utilization": "fraction", "cpus": "count", "cpu_power_w": "positive", "dram_gb": "positive",
    "dram_power_w": "positive",
}
"""The validation rule of each numeric input (see :mod:`carbonest.whatif.axes`)."""

ORDER = (
    "gpu", "gpus", "gpu_power_w", "cpu", "cpus", "cpu_power_w", "dram_gb", "dram_power_w", "hours", "params", "tokens", "dtype", "mfu", "adaptation", "tasks",
    "lora_params", "head_params", "queries", "energy_per_query_wh", "tokens_per_query", "inference_mfu",
    "datacenter", "region", "pue", "intensity_g_per_kwh", "wue_l_per_kwh", "water_generation_l_per_kwh",
    "flops", "energy_kwh", "idle_kwh", "embodied_kg_per_server", "gpus_per_server", "lifetime_years",
    "utilization",
)
"""Axis order of the grid (the last axis varies fastest from row to row)."""


@dataclass(init=False, repr=False, eq=False)
class Request(Value):
    """A checked what-if request.

    Attributes:
        given: The inputs the user set (name -> raw value), defaults filled in.
        axes: The axes of the sweep, in :data:`ORDER`.
        gpu: The GPU axis' look-ups, if a GPU was named.
        cpu: The CPU axis' look-ups, if a CPU was named.
        regions: Region specs of the region axis (baseline last, if any), if regions were named.
        dcs: Datacenter presets of the datacenter axis, if any.
        baseline: Whether the last region is the baseline appended for the saving column.
        embodied: Whether to add embodied carbon.
        water: Whether to add water.
        notes: Sentences for the output (defaults taken, SKUs resolved).
        basis: Basis of the regions' carbon intensity (``lifecycle`` or ``direct``).
        unranked: Regions asked for that have no figure on ``basis``: listed apart, never ranked.
        region_origin: Where the region came from when not given (``env:CARBONEST_REGION``,
            ``config:PATH``), else None.
    """

    given: dict[str, Any]
    axes: list[Axis] = field(default_factory=list)
    gpu: Accelerators | None = None
    cpu: Cpus | None = None
    regions: list[Any] | None = None
    dcs: list[Any] | None = None
    baseline: bool = False
    embodied: bool = False
    water: bool = False
    notes: list[str] = field(default_factory=list)
    basis: str = "lifecycle"
    unranked: list[Any] = field(default_factory=list)
    region_origin: str | None = None

    def __init__(
        self, given: dict[str, Any], axes: list[Axis] | None = None, gpu: Accelerators | None = None,
        cpu: Cpus | None = None, regions: list[Any] | None = None, dcs: list[Any] | None = None,
        baseline: bool = False, embodied: bool = False, water: bool = False, notes: list[str] | None = None,
        basis: str = "lifecycle", unranked: list[Any] | None = None, region_origin: str | None = None,
    ) -> None:
        self.given = given
        self.axes = [] if axes is None else axes
        self.gpu = gpu
        self.cpu = cpu
        self.regions = regions
        self.dcs = dcs
        self.baseline = baseline
        self.embodied = embodied
        self.water = water
        self.notes = [] if notes is None else notes
        self.basis = basis
        self.unranked = [] if unranked is None else unranked
        self.region_origin = region_origin

    @property
    def counts_gpu(self) -> bool:
        """Whether accelerators are counted (a gpu or gpu_power_w given)."""
        return "gpu" in self.given or "gpu_power_w" in self.given

    @property
    def counts_host(self) -> bool:
        """Whether CPU sockets or memory are counted (as in estimate: only those given)."""
        return any(n in self.given for n in HOST_INPUTS)

    def has(self, name: str) -> bool:
        """Whether ``name`` is an axis of the sweep."""
        return any(a.name == name for a in self.axes)

    @property
    def training(self) -> str | None:
        """``"hours"``, ``"flops"``, ``"energy"`` (a given IT energy) or None (serving only)."""
        if "hours" in self.given:
            return "hours"
        if "energy_kwh" in self.given:
            return "energy"
        return "flops" if "tokens" in self.given or "flops" in self.given else None

    @property
    def serving(self) -> str | None:
        """``"energy"`` (energy per query given), ``"tokens"`` (from FLOPs) or None."""
        if "queries" not in self.given:
            return None
        return "energy" if "energy_per_query_wh" in self.given else "tokens"


_H, _F = param("hours"), param("flops")
_PT = f"{param('params')} and {param('tokens')}"


def _check_combinations(g: dict[str, Any]) -> None:
    """Reject inputs that do not fit together (each error names the parameter to change)."""
    _check_given_work(g)
    _check_host(g)
    if not ({"gpu", "gpu_power_w", "energy_kwh"} | set(HOST_INPUTS)) & set(g):
        raise InvalidInputError(f"gpu: nothing to estimate: give {param('gpu')} or {param('gpu_power_w')}, "
                                f"{param('cpu')} or {param('cpu_power_w')}, {param('dram_gb')} "
                                f"or {param('dram_power_w')} (or {param('energy_kwh')})", field="gpu")
    if "hours" in g and ("tokens" in g or "adaptation" in g):
        raise InvalidInputError(f"hours: give either {_H} or {_PT} (GPU-hours from FLOPs), not both",
                                field="hours")
    if "tokens" in g:
        ax.require("params", g.get("params"), f"{param('tokens')} given without {param('params')} (the model size N of 6ND)")
        ax.require("gpu", g.get("gpu"), "needed to turn FLOPs into GPU-hours (its peak FLOP/s)")
    if "params" in g and "tokens" not in g and "tokens_per_query" not in g and "flops" not in g:
        raise InvalidInputError(f"tokens: {param('params')} given without {param('tokens')} (training tokens D of 6ND)", field="tokens")
    if "adaptation" in g:
        ax.require("tokens", g.get("tokens"), f"{param('adaptation')} needs {_PT} (tokens per task)")
    else:
        for name in ("tasks", "lora_params", "head_params"):
            ax.forbid(name, g.get(name), f"only used with {param('adaptation')}")
    _check_serving(g)
    if "region" in g and "intensity_g_per_kwh" in g:
        raise InvalidInputError(f"intensity_g_per_kwh: give either {param('region')} or intensity_g_per_kwh, not both",
                                field="intensity_g_per_kwh")
    if "baseline_region" in g:
        ax.forbid("intensity_g_per_kwh", g.get("intensity_g_per_kwh"),
                  "a baseline region compares regions; drop intensity_g_per_kwh or baseline_region")
    if not ({"hours", "tokens", "queries", "flops", "energy_kwh"} & set(g)):
        raise InvalidInputError(f"hours: give {_H}, or {_PT}, {_F}, energy_kwh, or {param('queries')}",
                                field="hours")


def _check_host(g: dict[str, Any]) -> None:
    """CPU sockets and memory: the rules of ``estimate``, each error naming the parameter."""
    if "cpus" in g and "cpu" not in g and "cpu_power_w" not in g:
        raise InvalidInputError(f"cpus: given without {param('cpu')} or {param('cpu_power_w')}", field="cpus")
    if "gpus" in g and "gpu" not in g and "gpu_power_w" not in g:
        raise InvalidInputError(f"gpus: given without {param('gpu')} or {param('gpu_power_w')}", field="gpus")
    if "dram_gb" in g and "dram_power_w" in g:
        raise InvalidInputError(f"dram_power_w: give either {param('dram_gb')} or {param('dram_power_w')} (power from W per GB), "
                                "not both", field="dram_power_w")
    if "energy_kwh" in g:
        for name in HOST_INPUTS + ("cpus",):
            ax.forbid(name, g.get(name), f"{param('energy_kwh')} is the training's known IT energy, instead of power x "
                                         f"hours; drop {param(name)} or {param('energy_kwh')}")
    if any(n in g for n in HOST_INPUTS) and not ({"hours", "tokens", "flops"} & set(g)):
        name = next(n for n in HOST_INPUTS if n in g)
        raise InvalidInputError(f"{name}: CPU and memory are counted over the training's hours; give {_H} "
                                f"(or {_PT}, or {_F})", field=name)


def _check_given_work(g: dict[str, Any]) -> None:
    """flops and energy_kwh (the same rules as ``estimate``, each error naming the parameter)."""
    if "flops" in g:
        for name, why in (("tokens", f"give either {_F} or {_PT} (6ND), not both"),
                          ("adaptation", f"{param('adaptation')} works its FLOPs out from {_PT}; drop {_F}"),
                          ("hours", f"give either {_H} or {_F} (the duration then comes from the FLOPs), not both")):
            ax.forbid(name, g.get(name), why)
        ax.require("gpu", g.get("gpu"), f"{_F} need an accelerator model (its peak FLOP/s)")
        if "params" in g and "tokens_per_query" not in g:
            raise InvalidInputError(f"params: with {_F}, {param('params')} only applies to serving (tokens_per_query)",
                                    field="params")
    if "energy_kwh" in g:
        for name in ("hours", "flops", "tokens", "adaptation", "mfu", "gpu_power_w"):
            ax.forbid(name, g.get(name), "energy_kwh is the training's known IT energy, instead of power x "
                                         f"hours (or FLOPs); drop {param(name)} or energy_kwh")
        if "params" in g and "tokens_per_query" not in g:
            raise InvalidInputError(f"params: with energy_kwh, {param('params')} only applies to serving (tokens_per_query)",
                                    field="params")
        if g.get("embodied") or any(n in g for n in EMBODIED_INPUTS):
            raise InvalidInputError("embodied: embodied carbon is amortised over the hardware's hours, which "
                                    f"energy_kwh does not give; use {_H} and gpu_power_w", field="embodied")


def _check_serving(g: dict[str, Any]) -> None:
    if "mfu" in g and "tokens" not in g and "flops" not in g:
        hint = "; for serving give inference_mfu" if "tokens_per_query" in g else ""
        raise InvalidInputError(f"mfu: only used with {_PT}{hint}", field="mfu")
    if "dtype" in g and "tokens" not in g and "tokens_per_query" not in g and "flops" not in g:
        raise InvalidInputError(f"dtype: only used with {_PT} (or tokens_per_query)", field="dtype")
    if "queries" not in g:
        for name in ("energy_per_query_wh", "tokens_per_query", "inference_mfu"):
            ax.forbid(name, g.get(name), f"only used with {param('queries')}")
        return
    if ("energy_per_query_wh" in g) == ("tokens_per_query" in g):
        raise InvalidInputError(f"energy_per_query_wh: {param('queries')} need either energy_per_query_wh or "
                                f"tokens_per_query (with {param('params')} and {param('gpu')})", field="energy_per_query_wh")
    if "tokens_per_query" in g:
        ax.require("params", g.get("params"), f"tokens_per_query needs {param('params')} (2 N T FLOPs per query)")
        ax.require("gpu", g.get("gpu"), f"tokens_per_query needs {param('gpu')} (its peak FLOP/s)")
    else:
        ax.forbid("inference_mfu", g.get("inference_mfu"), "only used with tokens_per_query")


def _defaults(g: dict[str, Any]) -> None:
    """Fill the defaults that become columns (said in the provenance columns)."""
    if "gpu" in g or "gpu_power_w" in g or "energy_kwh" in g or not any(n in g for n in HOST_INPUTS):
        g.setdefault("gpus", 1)
    if "cpu" in g or "cpu_power_w" in g:
        g.setdefault("cpus", 1)
    if "adaptation" in g:
        g.setdefault("tasks", 1)


def _default_dtype(req: Request) -> None:
    """No dtype given for work from FLOPs: the fastest 16-bit format every GPU of the sweep has
    (bf16, else fp16, else fp32), the rule :func:`carbonest.estimate` applies to one GPU."""
    g = req.given
    if "dtype" in g or not ("tokens" in g or "tokens_per_query" in g or "flops" in g) or "gpu" not in g:
        return
    specs = accelerators(ax.names("gpu", g["gpu"])).specs
    for dtype in ("bf16", "fp16", "fp32"):
        try:
            for spec in specs:
                spec.peak_flops_per_s(dtype)
        except InvalidInputError:
            continue
        g["dtype"] = dtype
        req.notes.append(f"No dtype given: the dense {dtype} peak was used (the fastest 16-bit format every "
                         "GPU of the sweep has).")
        return
    raise InvalidInputError("dtype: the GPUs of this sweep share no bf16, fp16 or fp32 peak FLOP/s; give dtype",
                            field="dtype")


def _name_axes(req: Request) -> None:
    g = req.given
    if "gpu" in g:
        names = ax.names("gpu", g["gpu"])
        req.gpu = accelerators(names)
        req.notes.extend(req.gpu.notes)
        req.axes.append(Axis("gpu", names, req.gpu.names))
    if "cpu" in g:
        names = ax.names("cpu", g["cpu"])
        req.cpu = cpus(names)
        req.axes.append(Axis("cpu", names, req.cpu.names))
    if "dtype" in g:
        dtypes = ax.choices("dtype", g["dtype"], tuple(BYTES_PER_PARAM))
        req.axes.append(Axis("dtype", dtypes, dtypes))
    if "adaptation" in g:
        methods = ax.choices("adaptation", g["adaptation"], ADAPTATIONS)
        req.axes.append(Axis("adaptation", methods, methods))
    if "datacenter" in g:
        req.dcs = datacenters(ax.names("datacenter", g["datacenter"]))
        req.axes.append(Axis("datacenter", tuple(d.id for d in req.dcs), tuple(d.id for d in req.dcs)))
    if "region" in g or "baseline_region" in g:
        _region_axis(req)


def _region_axis(req: Request) -> None:
    from carbonest.catalog import world_region

    from carbonest.intensity.table import figure_of

    g = req.given
    specs = expand_regions(ax.names("region", g["region"])) if "region" in g else [world_region()]
    req.unranked = [s for s in specs if s.figure(req.basis) is None]
    specs = [s for s in specs if s.figure(req.basis) is not None]
    if "baseline_region" in g:
        baseline = expand_regions([ax.names("baseline_region", g["baseline_region"])[0]])[0]
        try:
            figure_of(baseline, req.basis)
        except InvalidInputError as exc:
            raise InvalidInputError(str(exc).replace("basis:", "baseline_region:", 1),
                                    field="baseline_region") from None
        specs = specs + [baseline]
        req.baseline = True
    if not specs or (req.baseline and len(specs) == 1):
        missing = ", ".join(s.id for s in req.unranked[:8]) + (" ..." if len(req.unranked) > 8 else "")
        raise InvalidInputError(f"basis: none of the regions asked for has a {req.basis} figure ({missing}); "
                                "choose the other basis", field="basis")
    req.regions = specs
    ids = tuple(s.id for s in specs)
    req.axes.append(Axis("region", ids, ids))


def build(given: dict[str, Any], *, force: bool = False) -> Request:
    """Check a request and build its axes and look-ups.

    Args:
        given: The inputs that are not None.
        force: Allow sweeps larger than :data:`MAX_ROWS`.

    Raises:
        InvalidInputError: A bad value or combination, an unknown name, or a sweep too large.
    """
    force = inputs.flag("force", force)
    g = dict(given)
    basis = g.pop("basis", None)
    basis = "lifecycle" if basis is None else inputs.choice("basis", basis, BASES)
    _check_combinations(g)
    _defaults(g)
    origin = _configured_region(g)
    req = Request(g, embodied=inputs.flag("embodied", g.pop("embodied", False)),
                  water=inputs.flag("water", g.pop("water", False)), basis=basis, region_origin=origin)
    req.water = req.water or "wue_l_per_kwh" in g or "water_generation_l_per_kwh" in g
    req.embodied = req.embodied or any(n in g for n in EMBODIED_INPUTS)
    _default_dtype(req)
    try:
        _name_axes(req)
    except InvalidInputError as exc:
        if origin is None or exc.field not in ("region", "basis"):
            raise
        from carbonest.intensity.resolve import configured_region_error

        raise configured_region_error(origin, exc) from None
    for name in NUMERIC:
        if name in g:
            req.axes.append(Axis(name, ax.numbers(name, g[name], NUMERIC[name])))
    req.axes.sort(key=lambda a: ORDER.index(a.name))
    _check_size(req, force)
    return req


def _configured_region(g: dict[str, Any]) -> str | None:
    """With no region, intensity or datacenter that carries one: the region of CARBONEST_REGION or
    the config file (the rule ``estimate`` and ``track`` share), put into ``g``; returns its origin."""
    if {"region", "intensity_g_per_kwh", "baseline_region"} & set(g):
        return None
    if "datacenter" in g:
        from carbonest.catalog import find_datacenter

        try:
            if any(getattr(find_datacenter(n), "intensity_g_per_kwh", None) is not None
                   for n in ax.names("datacenter", g["datacenter"])):
                return None  # a datacenter's own figure, as estimate takes it
        except InvalidInputError:
            return None  # an unknown name: refused below, naming the flag
    from carbonest.intensity.resolve import configured_region

    region, origin = configured_region(None, None)
    if region is not None:
        g["region"] = region
    return origin


def size(req: Request) -> int:
    """The number of scenarios (rows) of a request."""
    return math.prod(len(a) - (req.baseline and a.name == "region") for a in req.axes)


def _check_size(req: Request, force: bool) -> None:
    rows = size(req)
    if rows > MAX_ROWS and not force:
        raise InvalidInputError(
            f"force: the sweep has {rows:,} scenarios, more than the limit of {MAX_ROWS:,}; "
            "pass force=True (--force) to run it anyway", field="force")
