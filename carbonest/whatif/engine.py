"""The vectorised evaluation of a checked request: every formula called once on the whole grid.

Each quantity is a numpy array that broadcasts over the grid (a GPU's TDP has
the GPU axis only, energy has every axis it depends on); :class:`Bounds` holds
a central value with its low/high bounds (:mod:`carbonest.formulas.uncertainty`).
Columns are flattened only when stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carbonest._values import FrozenValue
from carbonest.whatif.backend import xp
from carbonest.errors import InvalidInputError, param
from carbonest.estimate.assumptions import DEFAULT_HEAD_PARAMS, DEFAULT_LORA_FRACTION
from carbonest.formulas import flops, patterson, uncertainty
from carbonest.records import Provenance
from carbonest.whatif import lookup
from carbonest.whatif.grid import Grid
from carbonest.whatif.request import Request

@dataclass(init=False, repr=False, eq=False)
class Bounds(FrozenValue):
    """A central value and its low/high bounds (arrays broadcastable over the grid)."""

    c: Any
    lo: Any
    hi: Any

    def __init__(
        self, c: Any, lo: Any, hi: Any,
    ) -> None:
        object.__setattr__(self, "c", c)
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)

    @classmethod
    def exact(cls, value: Any) -> Bounds:
        """A zero-width range."""
        return cls(value, value, value)

    def map(self, fn: Any, *others: Bounds) -> Bounds:
        """Apply a formula increasing in every argument to centrals, lows and highs."""
        return Bounds(fn(self.c, *(o.c for o in others)), fn(self.lo, *(o.lo for o in others)),
                      fn(self.hi, *(o.hi for o in others)))


class Sweep:
    """One evaluation: the grid, the columns written so far, the notes."""

    def __init__(self, req: Request, *, frame: bool = True) -> None:
        self.req = req
        self.grid = Grid(req.axes, frame=frame)
        self.keep: tuple[slice, ...] | None = None
        if req.baseline:
            self.keep = tuple(slice(0, n - (a.name == "region")) for a, n in zip(req.axes, self.grid.shape))
        self.cols: dict[str, Any] = {}
        self.prov: dict[str, Any] = {}
        self.notes = list(req.notes)

    def value(self, name: str) -> Any:
        """A numeric axis' values, broadcastable over the grid."""
        return self.grid.values(name)

    def axis_values(self, name: str) -> Any:
        """The values of axis ``name`` as given (names or numbers)."""
        return self.grid.axis(name).values

    def put(self, name: str, value: Any) -> None:
        """Store a numeric column (one entry per scenario)."""
        self.cols[name] = self.grid.flat(value, self.keep)

    def label(self, name: str, axis: str | None, labels: Any) -> None:
        """Store a provenance column whose label depends on one axis (or is constant)."""
        self.prov[name] = self.grid.label_column(axis, tuple(labels), self.keep)

    def text(self, name: str, axis: str | None, labels: Any) -> None:
        """Store a string column whose value depends on one axis (or is constant)."""
        self.cols[name] = self.grid.label_column(axis, tuple(labels), self.keep)

    def along(self, a: lookup.Along) -> Bounds:
        """An :class:`~carbonest.whatif.lookup.Along` as grid-broadcastable bounds."""
        if a.axis is None:
            return Bounds(float(a.values[0]), float(a.low[0]), float(a.high[0]))
        g = self.grid
        return Bounds(g.along(a.axis, a.values), g.along(a.axis, a.low), g.along(a.axis, a.high))


def write_inputs(sw: Sweep) -> None:
    """Columns of the inputs that are not also outputs (names first, then numbers)."""
    outputs = {"gpu_power_w", "mfu", "inference_mfu", "pue", "intensity_g_per_kwh", "region", "hours",
               "wue_l_per_kwh", "water_generation_l_per_kwh", "energy_per_query_wh", "energy_kwh", "idle_kwh",
               "flops", "embodied_kg_per_server", "gpus_per_server", "lifetime_years", "utilization",
               "cpu_power_w", "dram_power_w"}
    for axis in sw.req.axes:
        if axis.name in outputs:
            continue
        if axis.labels is not None:
            sw.text(axis.name, axis.name, axis.labels)
        elif axis.name in ("gpus", "tasks", "cpus"):
            sw.cols[axis.name] = sw.grid.flat(sw.value(axis.name), sw.keep, dtype="int64")
        else:
            sw.put(axis.name, sw.value(axis.name))


def power(sw: Sweep) -> Bounds:
    """Average power per accelerator: the user's (exact) or the TDP (range idle..TDP)."""
    if sw.req.has("gpu_power_w"):
        p = sw.value("gpu_power_w")
        sw.put("gpu_power_w", p)
        sw.label("gpu_power_provenance", None, ["user"])
        _warn_over_tdp(sw)
        return Bounds.exact(p)
    np = xp()

    acc = sw.req.gpu
    assert acc is not None
    missing = [n for n, w in zip(acc.names, acc.tdp_w) if np.isnan(w)]
    if missing:
        raise InvalidInputError(f"gpu_power_w: no published TDP for {missing[0]}; give gpu_power_w",
                                field="gpu_power_w")
    tdp = sw.grid.along("gpu", acc.tdp_w)
    low, high = uncertainty.power_range_w(tdp)
    sw.put("gpu_power_w", tdp)
    sw.label("gpu_power_provenance", "gpu", acc.tdp_labels)
    sw.notes.append("GPU power: the TDP was used as the average draw (real draw is usually lower); "
                    "the low bound assumes idle power, "
                    f"{uncertainty.GPU_IDLE_FRACTION_OF_TDP:g} x TDP. Give gpu_power_w to set it.")
    return Bounds(tdp, low, high)


def _warn_over_tdp(sw: Sweep) -> None:
    """The highest given power against the lowest TDP of the sweep: warned (and noted) as in estimate.
    Plain Python over the (short) axes, so the plain-Python path imports no numpy."""
    import math

    from carbonest.errors import warn_user
    from carbonest.estimate.assumptions import over_tdp_message

    acc = sw.req.gpu
    if acc is None:
        return
    tdps = [(float(t), i) for i, t in enumerate(acc.tdp_w) if not math.isnan(float(t))]
    if not tdps:
        return
    tdp, i = min(tdps)
    given = max(float(v) for v in sw.axis_values("gpu_power_w"))
    message = over_tdp_message(acc.names[i], tdp, given)
    if message is not None:
        sw.notes.append(message + ".")
        warn_user(f"carbonest: {message}", UserWarning)


def host_power(sw: Sweep) -> list[Bounds]:
    """Power of the CPU sockets and memory of a job (W, all sockets), as :func:`carbonest.estimate`
    counts them: the user's power (exact) or the CPU's TDP (range idle..TDP); memory from the given
    power or size x the table's W per GB (exact). One entry per counted component (CPU, then memory),
    so their energies add up in the order estimate adds them."""
    req = sw.req
    total: list[Bounds] = []
    if req.has("cpu_power_w"):
        p = sw.value("cpu_power_w")
        if req.cpu is not None:
            _check_cpu_power(sw, p)
        sw.put("cpu_power_w", p)
        sw.label("cpu_power_provenance", None, ["user"])
        total.append(Bounds.exact(p * sw.value("cpus")))
    elif req.cpu is not None:
        tdp, idle = sw.grid.along("cpu", req.cpu.tdp_w), sw.grid.along("cpu", req.cpu.idle_w)
        sw.put("cpu_power_w", tdp)
        sw.label("cpu_power_provenance", "cpu", req.cpu.tdp_labels)
        sw.notes.append("CPU power: each CPU's TDP per socket was used; the low bound is its idle power "
                        "(TDP x Cloud Carbon Footprint's min/max watts per vCPU of its micro-architecture). "
                        "Give cpu_power_w to set it.")
        n = sw.value("cpus")
        total.append(Bounds(tdp * n, idle * n, tdp * n))
    dram = _dram_power(sw)
    if dram is not None:
        total.append(dram)
    return total


def _check_cpu_power(sw: Sweep, power_w: Any) -> None:
    np = xp()

    assert sw.req.cpu is not None
    tdp = sw.grid.along("cpu", sw.req.cpu.tdp_w)
    over = np.broadcast_to(np.asarray(power_w) > tdp, np.broadcast_shapes(np.shape(power_w), np.shape(tdp)))
    if over.any():
        i = np.argwhere(over)[0]
        name = sw.req.cpu.names[int(i[sw.grid.position["cpu"]])]
        watts = float(np.broadcast_to(np.asarray(power_w), over.shape)[tuple(i)])
        tdp_w = float(np.broadcast_to(tdp, over.shape)[tuple(i)])
        raise InvalidInputError(f"cpu_power_w: {watts:g} W per CPU disagrees with {param('cpu')} {name!r}, whose TDP is "
                                f"{tdp_w:g} W (an average draw cannot exceed it); drop one of the two",
                                field="cpu_power_w")


def _dram_power(sw: Sweep) -> Bounds | None:
    """Memory power: given, or size x the table's W per GB (the constant estimate uses)."""
    if sw.req.has("dram_power_w"):
        p = sw.value("dram_power_w")
        sw.put("dram_power_w", p)
        sw.label("dram_power_provenance", None, ["user"])
        return Bounds.exact(p)
    if not sw.req.has("dram_gb"):
        return None
    w_per_gb, label = lookup.constant("memory_power_w_per_gb")
    p = sw.value("dram_gb") * w_per_gb
    sw.put("dram_power_w", p)
    sw.label("dram_power_provenance", None, [label.replace(f"={w_per_gb:g}", f"={w_per_gb:g} W/GB", 1)])
    return Bounds.exact(p)


def peak(sw: Sweep) -> Any:
    """Peak FLOP/s of each GPU in each dtype, broadcastable over the grid."""
    acc = sw.req.gpu
    assert acc is not None
    return sw.grid.over(("gpu", "dtype"), acc.peak_flops_per_s(sw.axis_values("dtype")))


def mfu(sw: Sweep, name: str) -> Bounds:
    """Model FLOPs utilisation: the user's (exact) or the default with its published range."""
    if sw.req.has(name):
        m = sw.value(name)
        sw.put(name, m)
        sw.label(f"{name}_provenance", None, ["user"])
        return Bounds.exact(m)
    sw.put(name, flops.DEFAULT_MFU)
    label = Provenance.default(f"{flops.DEFAULT_MFU:g} (Llama 3 405B, Dubey et al. 2024)").label
    sw.label(f"{name}_provenance", None, [label])
    return Bounds(flops.DEFAULT_MFU, flops.MFU_LOW, flops.MFU_HIGH)


def total_energy(parts: list[Bounds]) -> Bounds:
    """IT energy of the parts of a job (training, serving) added up, bounds included."""
    central = parts[0].c
    for part in parts[1:]:
        central = patterson.total_energy_kwh(central, part.c)
    low, high = uncertainty.sum_range(*((p.lo, p.hi) for p in parts))
    return Bounds(central, low, high)


def hours_from_flops(sw: Sweep, total_flops: Any, m: Bounds, per_peak: Any) -> Bounds:
    """Accelerator-hours of a computation; high MFU gives the low bound."""
    return Bounds(flops.gpu_hours(total_flops, per_peak, m.c), flops.gpu_hours(total_flops, per_peak, m.hi),
                  flops.gpu_hours(total_flops, per_peak, m.lo))
