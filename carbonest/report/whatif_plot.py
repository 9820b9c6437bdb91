"""A what-if ranking as a bar chart: one bar per scenario, its low/high range as error bars.

Takes plain rows (dicts, as ``carbonest whatif --json`` prints them), not a what-if object,
so any ranking can be drawn. matplotlib (the ``report`` extra) is imported here only; the figure gets
an Agg canvas of its own (no display, and pyplot's global backend untouched); PNG or SVG by the file's extension.

The rows must be of one basis of carbon intensity (lifecycle or direct): bars of different
bases cannot be compared, so a mixed set is refused, naming the bases, rather than drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from carbonest.errors import CarbonestError, InvalidInputError

BAR_COLOUR = "#3b75af"
"""Fill of the bars (tests find the bars by it)."""
RANGE_COLOUR = "#222222"
FORMATS = (".png", ".svg")
MAX_BARS = 100
"""Most bars one chart draws (a taller one is unreadable, and past ~2,000 too tall for a PNG)."""
MEASURES = {"co2e_kg": ("CO2e", "kg CO2e"), "energy_kwh": ("energy", "kWh at the facility")}


def require_matplotlib() -> None:
    """CarbonestError saying how to install matplotlib, where it is missing (before any work is done)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CarbonestError("--plot needs matplotlib: pip install 'carbonest[report]'") from None


def _basis_kind(basis: Any) -> str:
    text = str(basis or "").strip().lower()
    for kind in ("lifecycle", "direct"):
        if text.startswith(kind):
            return kind
    return text.split(",")[0] or "unstated"


def one_basis(rows: Sequence[dict[str, Any]], field: str = "plot") -> str:
    """The one basis of ``rows``; InvalidInputError naming ``field`` when they mix bases."""
    kinds = sorted({_basis_kind(r.get("basis")) for r in rows})
    if len(kinds) > 1:
        raise InvalidInputError(f"{field}: the scenarios mix bases of carbon intensity ({', '.join(kinds)}), "
                                "which one chart cannot compare; plot one basis at a time (--basis lifecycle "
                                "or --basis direct)", field=field)
    return kinds[0] if kinds else "unstated"


def _label(row: dict[str, Any], keys: Sequence[str]) -> str:
    parts = []
    for k in keys:
        v = row.get(k)
        if v is None:
            continue
        if isinstance(v, float):
            v = f"{v:g}"
        parts.append(f"{k} {v}" if k in ("gpus", "hours", "pue", "mfu") else str(v))
    return " | ".join(parts) or "scenario"


LABEL_CANDIDATES = ("region", "gpu", "gpus", "hours", "datacenter", "pue", "intensity_g_per_kwh", "dtype", "mfu",
                    "adaptation", "tasks", "queries", "params", "tokens")
"""Row fields a bar's label may show: those whose values differ between the rows (region always)."""


def varying_keys(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The fields of :data:`LABEL_CANDIDATES` that tell the rows apart (``region`` always first)."""
    keys = [k for k in LABEL_CANDIDATES if len({repr(r.get(k)) for r in rows}) > 1]
    if "region" in keys and "intensity_g_per_kwh" in keys:  # the region's own figure: no news
        keys.remove("intensity_g_per_kwh")
    return keys if "region" in keys else ["region", *keys]


def plot_ranking(rows: Sequence[dict[str, Any]], path: str, *, measure: str = "co2e_kg",
                 label_keys: Sequence[str] | None = None, title: str | None = None) -> str:
    """Draw ``rows`` (in their order, the first at the top) as horizontal bars with range error bars.

    Args:
        rows: Scenario rows with ``measure``, ``measure_low``, ``measure_high`` and ``basis``.
        path: Output file, ``.png`` or ``.svg``.
        measure: ``"co2e_kg"`` or ``"energy_kwh"``.
        label_keys: Row fields joined into each bar's label (default: :func:`varying_keys`).
        title: Chart title (default: what is ranked, on which basis).

    Returns:
        The basis the chart is on.

    Raises:
        InvalidInputError: No rows, an unknown extension or measure, or rows of mixed bases (``field`` plot).
        CarbonestError: matplotlib is not installed, or the file could not be written.
    """
    ext = path[path.rfind("."):].lower() if "." in path else ""
    if ext not in FORMATS:
        raise InvalidInputError(f"plot: {path!r} must end in .png or .svg", field="plot")
    if measure not in MEASURES:
        raise InvalidInputError(f"plot: cannot plot {measure!r}", field="plot")
    if not rows:
        raise InvalidInputError("plot: no scenario to plot", field="plot")
    if len(rows) > MAX_BARS:
        raise InvalidInputError(f"plot: {len(rows):,} scenarios are too many bars for one chart "
                                f"(at most {MAX_BARS}); plot the best ones (--top N)", field="plot")
    basis = one_basis(rows)
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise CarbonestError("--plot needs matplotlib: pip install 'carbonest[report]'") from None

    values = [float(r[measure]) for r in rows]
    lows = [float(r.get(f"{measure}_low", v)) for r, v in zip(rows, values)]
    highs = [float(r.get(f"{measure}_high", v)) for r, v in zip(rows, values)]
    keys = varying_keys(rows) if label_keys is None else label_keys
    labels = [_label(r, keys) for r in rows]
    fig = Figure(figsize=(8.0, 1.2 + 0.32 * len(rows)), dpi=100)
    FigureCanvasAgg(fig)  # the Agg canvas, set on this figure only: pyplot's global backend is left alone
    ax = fig.add_subplot()
    ys = list(range(len(rows)))[::-1]
    ax.barh(ys, values, color=BAR_COLOUR, height=0.6,
            xerr=[[max(v - lo, 0.0) for v, lo in zip(values, lows)], [max(hi - v, 0.0) for v, hi in zip(values, highs)]],
            error_kw={"ecolor": RANGE_COLOUR, "capsize": 3, "elinewidth": 1})
    ax.set_yticks(ys, labels, fontsize=8)
    what, unit = MEASURES[measure]
    ax.set_xlabel(f"{unit} (bar: central figure; whiskers: low to high)")
    ax.set_title(title or f"{what} by scenario, lowest first ({basis} basis)", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    try:
        fig.savefig(path, format=ext[1:], metadata={"Date": None} if ext == ".svg" else None)
    except OSError as exc:
        raise CarbonestError(f"cannot write {path}: {exc.strerror or exc}") from None
    return basis
