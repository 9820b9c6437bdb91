"""The report's plots, with matplotlib (the optional extra ``carbonest[report]``).

The only module of carbonest that imports matplotlib, inside :func:`pyplot`, with the Agg
backend (no display, no GUI toolkit). Figures are built with the object API on their own
``Figure`` (no global pyplot state), so two reports in one process do not share axes.

How the power is drawn: each stored sample is the mean power since the previous sample of its
device, so every series is a step line (``drawstyle="steps-pre"``: the value holds over the
interval that ends at the sample). Where samples were merged by the store's thinning, the
axes are hatched and the legend says so: those steps are bucket means, not readings.
User text (run and phase names) is shown literally: ``$`` is escaped so that matplotlib's
mathtext never interprets it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from carbonest.errors import CarbonestError
from carbonest.report.compare import Decomposition, RunFactors
from carbonest.report.model import RunReport, Series

INSTALL_HINT = 'the plots need matplotlib, which is not installed: pip install "carbonest[report]"'
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
"""Line colours by device, in series order; the first device's line is ``#1f77b4``."""
PHASE_COLOURS = ("#fdd49e", "#c7e9c0", "#c6dbef", "#fcbba1", "#dadaeb", "#d9d9d9")
MERGED_HATCH_COLOUR = "#d8d8d8"
MAX_PHASE_ROWS = 3


class MissingExtraError(CarbonestError):
    """An optional library an output needs is not installed (the message says how to install it)."""


def pyplot() -> Any:
    """matplotlib's Figure class under the Agg backend; MissingExtraError when it is absent."""
    try:
        import matplotlib
    except ImportError:
        raise MissingExtraError(INSTALL_HINT) from None
    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    return Figure


def literal(text: Any) -> str:
    """User text for a matplotlib label: ``$`` escaped (no mathtext), control characters dropped."""
    return "".join(c for c in str(text) if c.isprintable()).replace("$", r"\$")


def time_scale(duration_s: float) -> tuple[float, str]:
    """Divisor and unit for the time axis: seconds, minutes or hours."""
    if duration_s > 3 * 3600:
        return 3600.0, "h"
    if duration_s > 180:
        return 60.0, "min"
    return 1.0, "s"


def _step_xy(series: Series, scale: float) -> tuple[list[float], list[float]]:
    """x, y of a steps-pre line: the first point is the first interval's start; None power breaks it."""
    nan = float("nan")
    xs: list[float] = []
    ys: list[float] = []
    previous_end: float | None = None
    for seg in series.segments:
        power = nan if seg.power_w is None else seg.power_w
        if previous_end is None or abs(seg.start_s - previous_end) > 1e-9:
            xs.append(seg.start_s / scale)
            ys.append(power)
        xs.append(seg.end_s / scale)
        ys.append(power)
        previous_end = seg.end_s
    return xs, ys


def _merged_ranges(series: Sequence[Series]) -> list[tuple[float, float]]:
    spans = sorted((g.start_s, g.end_s) for s in series for g in s.segments if g.merged)
    out: list[tuple[float, float]] = []
    for start, end in spans:
        if out and start <= out[-1][1] + 1e-9:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def draw_power(fig: Any, slot: Any, rep: RunReport) -> list[Any]:
    """The phase lane and one axes per component, sharing the time axis, in ``slot``."""
    components = list(dict.fromkeys(s.component for s in rep.series)) or ["power"]
    lane = 1 if rep.phases else 0
    grid = slot.subgridspec(lane + len(components), 1, hspace=0.15,
                            height_ratios=[0.25 + 0.25 * len(phase_rows(rep))] * lane + [2.0] * len(components))
    duration = float(rep.record.get("duration_s") or 0.0)
    ends = [g.end_s for s in rep.series for g in s.segments]
    scale, unit = time_scale(max([duration, *ends]))
    axes = [fig.add_subplot(grid[i, 0]) for i in range(lane + len(components))]
    for ax in axes[1:]:
        ax.sharex(axes[0])
    if lane:
        _draw_phases(axes[0], rep, scale)
    colour_of = {(s.component, s.device): COLOURS[i % len(COLOURS)] for i, s in enumerate(rep.series)}
    for ax, component in zip(axes[lane:], components):
        mine = [s for s in rep.series if s.component == component]
        for start, end in _merged_ranges(mine):
            ax.axvspan(start / scale, end / scale, facecolor="none", edgecolor=MERGED_HATCH_COLOUR,
                       hatch="///", linewidth=0, label="thinned: bucket means")
        for s in mine:
            xs, ys = _step_xy(s, scale)
            ax.plot(xs, ys, drawstyle="steps-pre", color=colour_of[(s.component, s.device)], linewidth=1.4,
                    label=literal(s.device))
        ax.set_ylabel(f"{component} W")
        ax.set_ylim(bottom=0)
        ax.grid(True, color="#eeeeee")
        if mine:
            handles, labels = ax.get_legend_handles_labels()
            unique = dict(zip(labels, handles))
            ax.legend(unique.values(), unique.keys(), loc="upper right", fontsize=7, framealpha=0.85)
        else:
            ax.text(0.5, 0.5, "no samples stored", ha="center", va="center", transform=ax.transAxes)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    axes[-1].set_xlabel(f"time since the run started ({unit})")
    axes[-1].set_xlim(0, (max([duration, *ends]) or 1.0) / scale)
    return axes


def phase_rows(rep: RunReport) -> list[str]:
    """The phase lane's rows: one per phase name when there are few, else one shared row."""
    names = list(dict.fromkeys(p.name for p in rep.phases))
    return names if len(names) <= MAX_PHASE_ROWS else ["phases"]


def _draw_phases(ax: Any, rep: RunReport, scale: float) -> None:
    rows = phase_rows(rep)
    shared = rows == ["phases"] and len({p.name for p in rep.phases}) > MAX_PHASE_ROWS
    colour = {n: PHASE_COLOURS[i % len(PHASE_COLOURS)] for i, n in enumerate(dict.fromkeys(p.name for p in rep.phases))}
    total = max((p.start_s + p.duration_s for p in rep.phases), default=1.0) / scale or 1.0
    for p in rep.phases:
        row = 0 if shared else rows.index(p.name)
        start, width = p.start_s / scale, max(p.duration_s / scale, 0.0)
        ax.broken_barh([(start, width)], (row + 0.1, 0.8), facecolors=colour[p.name], edgecolor="#888888",
                       linewidth=0.5)
        if shared and width > 0.08 * total:  # a name inside its bar where it fits
            ax.text(start + width / 2, row + 0.5, literal(p.name)[:20], ha="center", va="center", fontsize=7,
                    clip_on=True)
    ax.set_ylim(0, len(rows))
    ax.set_yticks([i + 0.5 for i in range(len(rows))], [literal(n)[:24] for n in rows], fontsize=7)
    ax.invert_yaxis()


def draw_breakdown(ax: Any, rep: RunReport) -> None:
    """Horizontal bars: IT energy per component, then the facility overhead (PUE)."""
    r = rep.record
    labels, values = [], []
    for name, comp in (r.get("components") or {}).items():
        if comp.get("energy_kwh") is not None:
            labels.append(literal(name))
            values.append(float(comp["energy_kwh"]))
    facility, it = rep.energy_kwh, r.get("it_energy_kwh")
    if facility is not None and it is not None:
        labels.append(f"overhead (PUE {r.get('pue')})")
        values.append(facility - float(it))
    ax.barh(labels, values, color="#4c72b0")
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:.3g}", va="center", fontsize=8)
    ax.set_xlabel("kWh")
    ax.set_title("energy breakdown (facility)", fontsize=9, loc="left")
    ax.invert_yaxis()
    if not values:
        ax.text(0.5, 0.5, "no energy measured", ha="center", va="center", transform=ax.transAxes)


def draw_regions(ax: Any, rep: RunReport) -> None:
    """The same job's CO2e in the lowest-carbon regions (the run's basis), the run's own marked."""
    rows = list(rep.regions)
    labels = [literal(g.id) + (" (this run)" if g.is_run_region else "") for g in rows]
    values = [g.co2e_kg for g in rows]
    ax.barh(labels, values, color=["#c44e52" if g.is_run_region else "#55a868" for g in rows])
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:.3g}", va="center", fontsize=8)
    ax.set_xlabel("kg CO2e")
    ax.set_title(f"same job, lowest-carbon grids ({rep.basis or 'no basis'})", fontsize=9, loc="left")
    ax.invert_yaxis()
    if not rows:
        ax.text(0.5, 0.5, literal(rep.regions_note)[:60], ha="center", va="center", transform=ax.transAxes,
                fontsize=7)


def report_figure(rep: RunReport) -> Any:
    """One figure with the whole report: title, power over time with phases, breakdown, regions."""
    Figure = pyplot()
    n = len({s.component for s in rep.series}) or 1
    fig = Figure(figsize=(11, 4.5 + 1.8 * n), dpi=100, layout="constrained")
    grid = fig.add_gridspec(2, 2, height_ratios=[1.2 + 1.5 * n, 2.2])
    draw_power(fig, grid[0, :], rep)
    draw_breakdown(fig.add_subplot(grid[1, 0]), rep)
    draw_regions(fig.add_subplot(grid[1, 1]), rep)
    fig.suptitle(title(rep), fontsize=10)
    return fig


def title(rep: RunReport) -> str:
    """The report's title line: name, energy and CO2e with its range."""
    from carbonest.report.text import num

    rng = rep.co2e_range_kg
    tail = f" (range {num(rng[0])} to {num(rng[1])})" if rng else ""
    return (f"{literal(rep.record.get('name') or 'run')[:60]}: {num(rep.energy_kwh)} kWh, "
            f"{num(rep.co2e_kg)} kg CO2e{tail}")


def power_figure(rep: RunReport) -> Any:
    """Power over time with the phases, alone (for the HTML page)."""
    Figure = pyplot()
    n = len({s.component for s in rep.series}) or 1
    fig = Figure(figsize=(10, 0.8 + 1.8 * n + (0.8 if rep.phases else 0)), dpi=110, layout="constrained")
    draw_power(fig, fig.add_gridspec(1, 1)[0, 0], rep)
    return fig


def bars_figure(rep: RunReport) -> Any:
    """The energy breakdown and the lowest-carbon regions, side by side (for the HTML page)."""
    Figure = pyplot()
    fig = Figure(figsize=(10, 3.0), dpi=110, layout="constrained")
    grid = fig.add_gridspec(1, 2)
    draw_breakdown(fig.add_subplot(grid[0, 0]), rep)
    draw_regions(fig.add_subplot(grid[0, 1]), rep)
    return fig


def compare_figure(runs: Sequence[RunFactors], decomps: Sequence[Decomposition]) -> Any:
    """Bars of each run's CO2e (or energy) and the contribution of each cause to each difference."""
    Figure = pyplot()
    fig = Figure(figsize=(10, 3.5), dpi=100, layout="constrained")
    left, right = fig.add_gridspec(1, 2).subplots()
    co2e = all(d.quantity == "co2e_kg" for d in decomps)
    names = [f"{literal(r.name)[:14]}\n{r.run_id[:8]}" for r in runs]  # the id tells same-named runs apart
    values = [r.co2e_kg if co2e else r.energy_kwh for r in runs]
    left.bar(range(len(runs)), [float("nan") if v is None else v for v in values], color=COLOURS[0])
    for i, v in enumerate(values):  # a run with nothing measured has no bar, and says so
        left.text(i, v or 0.0, "n/a" if v is None else f"{v:.3g}", ha="center", va="bottom", fontsize=8)
    left.set_xticks(range(len(runs)), names, fontsize=7)
    left.set_xlim(-0.6, len(runs) - 0.4)
    left.set_ylabel("kg CO2e" if co2e else "kWh (facility)")
    left.set_title("per run", fontsize=9, loc="left")
    width = 0.8 / max(1, len(decomps))
    for i, d in enumerate(decomps):
        if not d.terms:
            right.text(0.5, 0.9 - 0.1 * i, f"{names[i + 1].replace(chr(10), ' ')}: not decomposed",
                       ha="center", transform=right.transAxes, fontsize=8)
            continue
        xs = [j + i * width for j in range(3)]
        right.bar(xs, [d.terms[k] for k in ("duration", "power", "place")], width,
                  label=names[i + 1].replace("\n", " "), color=COLOURS[(i + 1) % len(COLOURS)])
    right.set_xticks([j + 0.4 - width / 2 for j in range(3)], ["duration", "power", "place"])
    right.set_xlim(-0.6, 2.6 + 0.8 - width)
    right.axhline(0, color="#444444", linewidth=0.8)
    right.set_ylabel("kg CO2e" if co2e else "kWh")
    right.set_title("difference from the first run, by cause", fontsize=9, loc="left")
    if any(d.terms for d in decomps):
        right.legend(fontsize=7)
    return fig


def figure_bytes(fig: Any, fmt: str) -> bytes:
    """The figure rendered as ``png`` or ``svg``."""
    out = io.BytesIO()
    fig.savefig(out, format=fmt, metadata={"Software": None} if fmt == "png" else {"Date": None})
    return out.getvalue()
