"""``carbonest.whatif``: vectorised scenario sweeps over hardware, duration, model size and place.

Any input may be a scalar, a list or a numpy array; the sweep is the cartesian
product of them all, one DataFrame row per scenario::

    import carbonest
    df = carbonest.whatif(gpu=["V100", "A100"], gpus=[1, 8], hours=[10, 100], region="cloud")
    df.nsmallest(5, "co2e_kg")[["gpu", "gpus", "hours", "region", "co2e_kg"]]

Rules of this subpackage:

* No Python loop per scenario. Each distinct name is looked up once in the
  catalog (:mod:`~carbonest.whatif.lookup`); values become arrays over their
  axis of the grid (:mod:`~carbonest.whatif.grid`); every formula of
  :mod:`carbonest.formulas` is called once on the whole grid with numpy
  broadcasting (:mod:`~carbonest.whatif.engine`, ``work``, ``totals``).
* The same precedence and provenance labels as :func:`carbonest.estimate`, so
  a row equals the estimate of the same job.
* numpy and pandas are imported inside functions: ``import carbonest`` stays light. The
  engine asks :func:`carbonest.whatif.backend.xp` for its array module: numpy, or the plain
  Python of :mod:`~carbonest.whatif.pyarr` that :func:`whatif_table` (the CLI) uses for sweeps
  of up to 10,000 rows, with identical numbers.
* Inputs are checked at the edge (:mod:`~carbonest.whatif.request`), before
  any large array exists; a sweep over :data:`MAX_ROWS` needs ``force=True``.
* What it may import: layers L0-L5 (records, formulas, catalog, intensity), and
  of its sibling calculator only the stated assumptions
  (:mod:`carbonest.estimate.assumptions`). Never ``measure``, ``cli`` or the
  package face; nothing below L6 may import it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Union

from carbonest.whatif.backend import xp
from carbonest._lazy import callable_package
from carbonest.errors import InvalidInputError
from carbonest.whatif.request import MAX_ROWS

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

Names = Union[str, Sequence[str]]
"""A name or a list of names: one axis of the sweep."""

Numbers = Union[float, Sequence[float], "npt.NDArray[np.float64]", "npt.NDArray[np.int64]"]
"""A number, a list of numbers or a numpy array of them: one axis of the sweep."""

SortKey = Literal["co2e", "energy"]

__all__ = ["MAX_ROWS", "Names", "Numbers", "SortKey", "Table", "check_one_basis", "rank_regions", "whatif",
           "whatif_table"]

_FIRST = ("gpu", "gpus", "gpu_power_w", "cpu", "cpus", "cpu_power_w", "dram_gb", "dram_power_w", "hours", "gpu_hours", "params", "tokens", "dtype", "mfu", "flops",
          "adaptation", "tasks", "trained_params", "lora_params", "head_params", "storage_gb", "queries",
          "tokens_per_query", "inference_mfu", "energy_per_query_wh", "training_it_energy_kwh", "idle_kwh",
          "datacenter", "region", "region_name")


def whatif(
    *, gpu: Names | None = None, gpus: Numbers | None = None, gpu_power_w: Numbers | None = None,
    hours: Numbers | None = None, region: Names | None = None, pue: Numbers | None = None,
    intensity_g_per_kwh: Numbers | None = None, datacenter: Names | None = None,
    params: Numbers | None = None, tokens: Numbers | None = None, mfu: Numbers | None = None,
    dtype: Names | None = None, adaptation: Names | None = None, tasks: Numbers | None = None,
    lora_params: Numbers | None = None, head_params: Numbers | None = None, queries: Numbers | None = None,
    energy_per_query_wh: Numbers | None = None, tokens_per_query: Numbers | None = None,
    inference_mfu: Numbers | None = None, embodied: bool = False, water: bool = False,
    wue_l_per_kwh: Numbers | None = None, water_generation_l_per_kwh: Numbers | None = None,
    baseline_region: str | None = None, flops: Numbers | None = None, energy_kwh: Numbers | None = None,
    idle_kwh: Numbers | None = None, embodied_kg_per_server: Numbers | None = None,
    gpus_per_server: Numbers | None = None, lifetime_years: Numbers | None = None,
    utilization: Numbers | None = None, cpu: Names | None = None, cpus: Numbers | None = None,
    cpu_power_w: Numbers | None = None, dram_gb: Numbers | None = None, dram_power_w: Numbers | None = None,
    basis: str | None = None, sort: SortKey | None = None, top: int | None = None,
    force: bool = False) -> pd.DataFrame:
    """Energy, CO2e with low/high bounds, and optionally embodied carbon and water, of every scenario.

    Each argument but the flags takes a scalar, a list or a numpy array: one row per combination.
    docs/whatif.md explains the models (hours, 6ND FLOPs, adaptation, serving) and every default.

    Args:
        gpu: Accelerator name(s), e.g. ``"A100"``.
        gpus: Accelerators per job (default 1).
        gpu_power_w: Average power per accelerator; default TDP, bounds idle..TDP. Units: W.
        hours: Wall-clock duration, instead of params and tokens. Units: h.
        region: Region name(s) or set (all, countries, subnational, cloud, aws, gcp, azure); default world.
        pue: PUE; default datacenter > cloud provider of the region > industry average.
        intensity_g_per_kwh: Carbon intensity instead of region. Units: g CO2e/kWh.
        datacenter: Datacenter preset(s) for the PUE (and intensity, if one carries it).
        params: Model parameters N.
        tokens: Training tokens D (per task when adapting).
        mfu: Model FLOPs utilisation in (0, 1]; default 0.40, bounds 0.213-0.462.
        dtype: Number format of the peak FLOP/s and of stored weights (default: the fastest 16-bit
            format every GPU of the sweep has: bf16, else fp16, else fp32, as estimate picks).
        adaptation: ``full``, ``lora`` or ``probe`` fine-tuning instead of pretraining.
        tasks: Tasks K to adapt to (default 1).
        lora_params: LoRA adapter parameters (default 0.1 % of params).
        head_params: Probe head parameters (default 40,970).
        queries: Queries served (Patterson et al. 2021: training plus serving).
        energy_per_query_wh: IT energy per query. Units: Wh.
        tokens_per_query: Tokens per query, for 2NT FLOPs per query instead of the energy.
        inference_mfu: MFU while serving (default 0.40).
        embodied: Add ``embodied_co2e_kg`` and ``total_co2e_kg``.
        water: Add on-site (and, given a factor, generation) water ``water_l``.
        wue_l_per_kwh: On-site water usage effectiveness (implies water). Units: L/kWh.
        water_generation_l_per_kwh: Water consumed per kWh generated (implies water). Units: L/kWh.
        baseline_region: Add ``saving_pct`` of each row against the same job in this region.
        cpu: CPU model(s), for their TDP (as in estimate: TDP x sockets, range idle..TDP).
        cpus: CPU sockets per job (default 1 when cpu or cpu_power_w is given).
        cpu_power_w: Average draw per CPU socket (default: the CPU's TDP). Units: W.
        dram_gb: Memory size; power from the table's W per GB. Units: GB.
        dram_power_w: Memory power, instead of dram_gb. Units: W.
        basis: Basis of the regions' carbon intensity: ``"lifecycle"`` (default) or ``"direct"``.
            Every row carries one basis (the ``basis`` column); a region asked for without a figure
            on it is not a row but is listed in ``attrs["unranked"]`` (and said in the notes).
        flops: Total training FLOPs, instead of params and tokens (needs gpu).
        energy_kwh: A known IT energy of the training, instead of power x hours. Units: kWh.
        idle_kwh: IT energy of reserved but idle infrastructure, added to the IT energy. Units: kWh.
        embodied_kg_per_server: Embodied emissions of a host server without its GPUs (implies embodied).
            Units: kg CO2e.
        gpus_per_server: GPUs per host server (default 8; implies embodied).
        lifetime_years: Service life of the hardware (default: the table's; implies embodied). Units: years.
        utilization: Share of its life the hardware is busy, in (0, 1] (default 1; implies embodied).
        sort: ``"co2e"`` or ``"energy"``: rows sorted by ``co2e_kg`` or ``energy_kwh``, lowest first
            (stable; rows on different bases of carbon intensity are refused). Default: C order.
        top: Keep the ``top`` best rows by ``sort`` (``"co2e"`` when sort is not given).
        force: Allow more than :data:`MAX_ROWS` scenarios.

    Returns:
        One row per scenario, in C order of the arguments; ``attrs["notes"]`` lists defaults taken,
        ``attrs["unranked"]`` the regions without a figure on the basis (id, name, reason).

    Raises:
        InvalidInputError: Bad value, combination or size (``field`` names it); unknown names: subclasses.
    """
    given = {k: v for k, v in locals().items() if v is not None and v is not False}
    frame = _run({k: v for k, v in given.items() if k not in ("force", "sort", "top")}, force)
    return ranked(frame, sort, top)


SORT_COLUMNS = {"co2e": "co2e_kg", "energy": "energy_kwh"}
"""``sort`` key -> the column it sorts by."""


def ranked(frame: pd.DataFrame, sort: str | None, top: int | None) -> pd.DataFrame:
    """``frame`` sorted by ``sort`` (lowest first, stable) and cut to ``top`` rows; attrs kept."""
    from carbonest import inputs

    count = None if top is None else inputs.count("top", top)
    if sort is None and count is None:
        return frame
    key = inputs.choice("sort", "co2e" if sort is None else sort, tuple(SORT_COLUMNS))
    check_one_basis(frame)
    attrs = frame.attrs
    out = frame.sort_values(SORT_COLUMNS[key], kind="stable").reset_index(drop=True)
    if count is not None:
        out = out.head(count)
    out.attrs = attrs
    return out


def _run(given: dict[str, Any], force: bool) -> pd.DataFrame:
    import pandas as pd

    cols, attrs, _ = _evaluate(given, force, frame=True)
    frame = pd.DataFrame(cols, copy=False)
    frame.attrs.update(attrs)
    return frame


def _evaluate(given: dict[str, Any], force: bool, *, frame: bool,
              plain_up_to: int = 0) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """The columns of a sweep (name -> array, or categorical / list of str), its attrs, and whether it
    ran on plain Python (a sweep of at most ``plain_up_to`` rows does; numpy otherwise)."""
    from carbonest.whatif import backend
    from carbonest.whatif.request import build, size

    if plain_up_to:
        with backend.plain():
            req = build(given, force=force)
            if size(req) <= plain_up_to:
                cols, attrs = _compute(req, given, frame=False)
                return cols, attrs, True
    cols, attrs = _compute(build(given, force=force), given, frame=frame)
    return cols, attrs, False


def _compute(req: Any, given: dict[str, Any], *, frame: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every formula on the grid of a checked request, with the array module in force."""
    np = xp()

    from carbonest.whatif import engine, totals, work

    sw = engine.Sweep(req, frame=frame)
    engine.write_inputs(sw)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused below, naming the input
        power_w = engine.power(sw) if req.counts_gpu else None
        host_w = engine.host_power(sw)
        parts = [p for p in (work.training(sw, power_w, host_w), work.serving(sw, power_w), work.idle(sw))
                 if p is not None]
        it = engine.total_energy([energy for energy, _ in parts])
        energy, co2 = totals.footprint(sw, it)
        if req.embodied:
            totals.embodied(sw, sum(p[1] for p in parts), co2.c)
        if req.water:
            totals.water(sw, it.c, energy.c)
        if req.baseline:
            totals.saving(sw, co2.c)
    for column in ("energy_kwh", "co2e_kg", "co2e_kg_high", "total_co2e_kg", "water_l"):
        values = sw.cols.get(column)
        if values is not None and np.asarray(values).dtype.kind == "f" and np.isinf(np.asarray(values)).any():
            raise _overflow(given, column)
    order = [c for c in _FIRST if c in sw.cols] + [c for c in sw.cols if c not in _FIRST]
    attrs = {"notes": list(dict.fromkeys(sw.notes)),
             "unranked": [{"region": s.id, "region_name": s.name, "reason": f"no {req.basis} figure"}
                          for s in req.unranked]}
    return {**{c: sw.cols[c] for c in order}, **sw.prov}, attrs


class Table:
    """A sweep's rows without pandas (for the CLI): column name -> numpy array or list of str.

    The same columns, values and order as :func:`whatif`'s DataFrame (tested); ``attrs`` likewise.
    Columns read as Python lists (``table["co2e_kg"]``); sorting and cutting work on the arrays, so
    a sweep of 10,000 rows whose text shows 20 converts only those 20.
    """

    def __init__(self, cols: dict[str, Any], attrs: dict[str, Any]) -> None:
        self.cols = cols
        self.attrs = attrs

    def __len__(self) -> int:
        return len(next(iter(self.cols.values()))) if self.cols else 0

    def __contains__(self, name: object) -> bool:
        return name in self.cols

    @property
    def columns(self) -> list[str]:
        """Column names, in order."""
        return list(self.cols)

    def __getitem__(self, name: str) -> list[Any]:
        values = self.cols[name]
        return values if isinstance(values, list) else values.tolist()

    def take(self, order: Any) -> Table:
        """The rows at ``order`` (a sequence of row numbers), in that order."""
        rows = list(order)
        return Table({k: [v[i] for i in rows] if isinstance(v, list) else v[order] for k, v in self.cols.items()},
                     self.attrs)

    def head(self, n: int) -> Table:
        """The first ``n`` rows."""
        return Table({k: v[:n] for k, v in self.cols.items()}, self.attrs)

    def records(self) -> list[dict[str, Any]]:
        """One dict per row (NaN and infinities as None), as the CLI's JSON prints them."""
        import math

        names = list(self.cols)
        return [{k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in zip(names, row)}
                for row in zip(*(self[n] for n in names))]


def whatif_table(*, sort: SortKey | None = None, top: int | None = None, force: bool = False,
                 plain_python: bool = True, **given: Any) -> Table:
    """:func:`whatif` without pandas, for the CLI: the same rows as a :class:`Table`.

    A sweep of up to :data:`~carbonest.whatif.pyarr.MAX_PLAIN_ROWS` scenarios runs on plain Python
    (:mod:`carbonest.whatif.pyarr`: no numpy imported); a larger one on numpy. Both give the
    DataFrame's numbers exactly (tested).

    Args:
        plain_python: False: numpy whatever the size (the tests compare the two).
        sort: As :func:`whatif`'s.
        top: As :func:`whatif`'s.
        force: As :func:`whatif`'s.
        **given: :func:`whatif`'s other arguments (checked as there: an unknown one is a TypeError).
    """
    from carbonest import inputs

    code = whatif.__code__  # its keyword-only parameters (inspect.signature costs an import)
    allowed = set(code.co_varnames[:code.co_kwonlyargcount]) - {"sort", "top", "force"}
    unknown = set(given) - allowed
    if unknown:
        raise TypeError(f"whatif() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    from carbonest.whatif.pyarr import MAX_PLAIN_ROWS, argsort

    cols, attrs, plain = _evaluate({k: v for k, v in given.items() if v is not None and v is not False}, force,
                                   frame=False, plain_up_to=MAX_PLAIN_ROWS if plain_python else 0)
    table = Table(cols, attrs)
    count = None if top is None else inputs.count("top", top)
    if sort is None and count is None:
        return table
    key = inputs.choice("sort", "co2e" if sort is None else sort, tuple(SORT_COLUMNS))
    _check_bases(set(table.cols["basis"]) if "basis" in table else [])
    column = table.cols[SORT_COLUMNS[key]]
    order = argsort(column) if plain else xp().argsort(column, kind="stable")  # as pandas' stable sort
    return table.take(order[:count] if count is not None else order)


def _overflow(given: dict[str, Any], column: str) -> InvalidInputError:
    """The error for a sweep whose result overflows: it names the largest number given."""
    largest: tuple[float, str, Any] | None = None
    for key, values in given.items():
        for value in values if isinstance(values, (list, tuple)) else [values]:
            if isinstance(value, bool):
                continue
            try:
                size = abs(float(value))
            except OverflowError:
                size = float("inf")
            except (TypeError, ValueError):
                continue
            if largest is None or size > largest[0]:
                largest = (size, key, value)
    field, value = (largest[1], largest[2]) if largest else ("hours", None)
    return InvalidInputError(f"{field}: too large, {value!r} makes {column!r} overflow (more than 1.8e308)",
                             field=field)


def check_one_basis(frame: pd.DataFrame) -> None:
    """Refuse to rank or compare rows whose intensities are on different bases.

    Every ranking path (sorting by CO2e, ``top``, ``rank_regions``, a saving against a baseline)
    calls this before it orders anything: a direct-combustion figure ranks far below a lifecycle
    figure for the same grid, so a ranking across bases would be wrong, not merely rough.

    Raises:
        InvalidInputError: the ``basis`` column holds more than one kind of basis (``field`` is basis).
    """
    if "basis" not in frame or frame.empty:
        return
    _check_bases(frame["basis"].astype(str).unique())


def _check_bases(bases: Any) -> None:
    from carbonest.whatif.lookup import basis_kind

    kinds = sorted({basis_kind(b) for b in set(bases)})
    if len(kinds) > 1:
        raise InvalidInputError(
            "basis: these scenarios mix bases of carbon intensity (" + ", ".join(kinds) + "), which cannot "
            "be ranked against each other; compare rows of one basis (e.g. leave out the datacenter "
            "presets that carry their own intensity, or give intensity_g_per_kwh)", field="basis")



def rank_regions(
    top: int = 10, *, regions: Any = "all", baseline_region: str | None = None, **job: Any
) -> pd.DataFrame:
    """The same job in the ``top`` lowest-carbon regions, with the saving against a baseline region.

    Args:
        top: How many rows to keep.
        regions: The candidate regions (names or a set name, default ``all``).
        baseline_region: The user's region: adds ``saving_pct``, the CO2e saved by moving, in %.
        **job: Any other :func:`whatif` argument (hardware, hours or FLOPs, ...).

    Returns:
        The ``top`` rows with the lowest ``co2e_kg``, lowest first.
    """
    from carbonest import inputs

    count = inputs.count("top", top)
    frame = whatif(region=regions, baseline_region=baseline_region, **job)
    check_one_basis(frame)
    ranked = frame.nsmallest(count, "co2e_kg", keep="first").reset_index(drop=True)
    ranked.attrs = frame.attrs
    return ranked


callable_package(__name__, whatif)
