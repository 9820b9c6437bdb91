"""``carbonest whatif``: sweep scenarios and rank them (a thin layer over :func:`carbonest.whatif`).

Every value flag takes a comma list (``--gpu V100,A100 --hours 10,100``);
numbers may use scientific notation (``--params 7e9``). The CLI only splits
the lists, calls the public API, sorts and renders; checks and equations live
below it.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import TYPE_CHECKING, Any

from carbonest.cli.common import fmt, print_json
from carbonest.errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd

    from carbonest.whatif import Table

TEXT_ROWS = 20
"""Rows printed as text when ``--top`` is not given (JSON and CSV get every row)."""

# CLI flag -> whatif() parameter, for the list-valued flags.
LIST_FLAGS = {
    "gpu": "gpu", "gpus": "gpus", "gpu_power_w": "gpu_power_w", "hours": "hours", "region": "region",
    "pue": "pue", "intensity": "intensity_g_per_kwh", "datacenter": "datacenter", "params": "params",
    "tokens": "tokens", "mfu": "mfu", "dtype": "dtype", "adaptation": "adaptation", "tasks": "tasks",
    "lora_params": "lora_params", "head_params": "head_params", "queries": "queries",
    "energy_per_query_wh": "energy_per_query_wh", "tokens_per_query": "tokens_per_query",
    "inference_mfu": "inference_mfu", "water_generation_l_per_kwh": "water_generation_l_per_kwh",
    "flops": "flops", "energy_kwh": "energy_kwh", "idle_kwh": "idle_kwh",
    "embodied_kg_per_server": "embodied_kg_per_server", "gpus_per_server": "gpus_per_server",
    "lifetime_years": "lifetime_years", "utilization": "utilization", "cpu": "cpu", "cpus": "cpus",
    "cpu_power_w": "cpu_power_w", "dram_gb": "dram_gb", "dram_power_w": "dram_power_w",
}
SORT_KEYS = {"co2e": "co2e_kg", "energy": "energy_kwh"}
SHOWN_INPUTS = ("gpus", "gpu_power_w", "cpus", "cpu_power_w", "dram_gb", "dram_power_w", "hours", "gpu_hours", "flops", "params", "tokens", "dtype", "mfu",
                "adaptation", "tasks", "queries", "tokens_per_query", "inference_mfu", "energy_per_query_wh",
                "training_it_energy_kwh", "idle_kwh", "datacenter", "pue", "intensity_g_per_kwh",
                "embodied_kg_per_server", "gpus_per_server", "lifetime_years", "utilization")


def add_parser(sub: Any) -> None:
    """Register the ``whatif`` subcommand."""
    p = sub.add_parser(
        "whatif", help="sweep scenarios (hardware x duration x region ...) and rank them by CO2e",
        description="Evaluate every combination of the given values (comma lists) and print them "
                    "sorted, lowest CO2e first. Give --hours, or --params and --tokens (GPU-hours from 6ND).")
    add = p.add_argument
    add("--gpu", metavar="LIST", help="accelerator model(s), e.g. V100,A100")
    add("--gpus", metavar="LIST", help="number(s) of accelerators (default 1)")
    add("--gpu-power-w", metavar="LIST", help="average draw per accelerator in W (default: TDP)")
    add("--cpu", metavar="LIST", help="CPU model(s), for their TDP (as in estimate)")
    add("--cpus", metavar="LIST", help="number(s) of CPU sockets (default 1)")
    add("--cpu-power-w", metavar="LIST", help="average draw per CPU socket in W (default: TDP)")
    add("--dram-gb", metavar="LIST", help="memory size(s) in GB; power from W per GB")
    add("--dram-power-w", metavar="LIST", help="memory power in W, instead of --dram-gb")
    add("--hours", metavar="LIST", help="wall-clock duration(s) in hours")
    add("--region", metavar="LIST", help="region(s), or a set: all, countries, subnational, cloud, aws, gcp, azure")
    add("--pue", metavar="LIST", help="PUE value(s) (default: datacenter > cloud provider > industry average)")
    add("--intensity", metavar="LIST", help="carbon intensity in g CO2e/kWh, instead of --region")
    add("--datacenter", metavar="LIST", help="datacenter preset(s) for PUE (and intensity)")
    add("--params", metavar="LIST", help="model parameters N (e.g. 7e9): GPU-hours from 6ND / (peak x MFU)")
    add("--tokens", metavar="LIST", help="training tokens D (per task with --adaptation)")
    add("--mfu", metavar="LIST", help="model FLOPs utilisation in (0, 1] (default 0.4)")
    add("--dtype", metavar="{fp64,fp32,tf32,fp16,bf16,fp8,int8}[,...]",
        help="number format for peak FLOP/s and storage (default: bf16, else fp16, else fp32)")
    add("--adaptation", metavar="{full,lora,probe}[,...]", help="adapt the model to --tasks tasks instead of pretraining")
    add("--tasks", metavar="LIST", help="number of tasks K to adapt to (default 1)")
    add("--lora-params", metavar="LIST", help="LoRA adapter parameters (default 0.1%% of --params)")
    add("--head-params", metavar="LIST", help="probe head parameters (default 40,970)")
    add("--queries", metavar="LIST", help="queries served (adds serving, Patterson et al. 2021)")
    add("--energy-per-query-wh", metavar="LIST", help="IT energy per query in Wh")
    add("--tokens-per-query", metavar="LIST", help="tokens per query: energy from 2NT FLOPs (needs --params)")
    add("--inference-mfu", metavar="LIST", help="MFU while serving (default 0.4)")
    add("--flops", metavar="LIST", help="total training FLOPs, instead of --params x --tokens (needs --gpu)")
    add("--energy-kwh", metavar="LIST", help="known IT energy of the training in kWh, instead of power x hours")
    add("--idle-kwh", metavar="LIST", help="IT energy of reserved but idle infrastructure in kWh, added")
    add("--embodied", action="store_true", help="add embodied carbon of the hardware (amortised)")
    add("--embodied-kg-per-server", metavar="LIST", help="embodied kg CO2e per host server without GPUs (implies --embodied)")
    add("--gpus-per-server", metavar="LIST", help="GPUs per host server (default 8; implies --embodied)")
    add("--lifetime-years", metavar="LIST", help="hardware service life in years (default: table; implies --embodied)")
    add("--utilization", metavar="LIST", help="share of its life the hardware is busy (default 1; implies --embodied)")
    add("--water", action="store_true", help="add water at the provider's or industry WUE (--wue to give it)")
    add("--wue", metavar="L_PER_KWH[,...]", help="on-site water usage effectiveness in L/kWh (implies --water)")
    add("--water-generation-l-per-kwh", metavar="LIST", help="water consumed per kWh generated (adds it to water)")
    add("--baseline-region", metavar="R", help="print each row's CO2e saving against region R, in %%")
    add("--basis", metavar="{lifecycle,direct}", help="basis of the regions' carbon intensity: lifecycle (default) or direct; "
                                     "regions without a figure on it are listed apart, not ranked")
    add("--sort", choices=tuple(SORT_KEYS), default="co2e", help="sort key, lowest first (default co2e)")
    add("--top", metavar="N", help=f"keep the N best rows (text default: {TEXT_ROWS})")
    add("--json", action="store_true", help="print a JSON list of row objects")
    add("--csv", metavar="PATH", help="also write every (sorted) row to a CSV file")
    add("--plot", metavar="PATH", help="also draw the rows shown as a bar chart with their low/high range "
                                      "(.png or .svg; needs carbonest[report])")
    add("--force", action="store_true", help="allow a sweep over the 10 million row limit")
    p.set_defaults(run=run)


def split_list(field: str, text: str) -> list[str]:
    """A comma list as its items; an empty list or item is a user error naming ``field``."""
    parts = [p.strip() for p in text.split(",")]
    if not any(parts):
        raise InvalidInputError(f"{field}: must not be an empty list", field=field)
    if not all(parts):
        raise InvalidInputError(f"{field}: empty item in the list {text!r}", field=field)
    return parts


def _request(args: argparse.Namespace) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for flag, param in LIST_FLAGS.items():
        text = getattr(args, flag)
        if text is not None:
            kwargs[param] = split_list(param, text)
    if args.water or args.wue is not None:
        kwargs["water"] = True
    if args.wue is not None:
        kwargs["wue_l_per_kwh"] = split_list("wue", args.wue)
    kwargs.update(embodied=args.embodied, baseline_region=args.baseline_region, force=args.force,
                  basis=args.basis)
    return kwargs


def run(args: argparse.Namespace) -> int:
    """Run ``carbonest whatif``.

    Without ``--csv`` the sweep runs without pandas (:func:`carbonest.whatif.whatif_table`): the
    same rows as the DataFrame, at a fraction of the start-up time. ``--csv`` writes the DataFrame.
    """
    from carbonest import inputs
    from carbonest.whatif import Table, whatif, whatif_table

    top = inputs.count("top", args.top) if args.top is not None else None
    if args.csv:
        from carbonest.cli.common import check_output_path

        check_output_path("csv", args.csv)  # before the sweep, not after it
    if args.plot:
        _check_plot(args.plot, top)
    try:
        if args.csv:
            frame = whatif(**_request(args), sort=args.sort)  # sorting refuses rows of mixed bases
            _write_csv(frame, args.csv)
            table = Table({str(c): frame[c].tolist() for c in frame.columns}, dict(frame.attrs))
        else:
            table = whatif_table(**_request(args), sort=args.sort)
    except InvalidInputError as exc:
        raise _cli_field(exc) from None
    total = len(table)
    shown = table.head(top if top is not None else (total if args.json else TEXT_ROWS))
    if args.plot:
        _plot(shown, args)
    if args.json:
        print_json(shown.records() if not table.attrs.get("unranked") else
                   {"rows": shown.records(), "unranked": table.attrs["unranked"]})
    else:
        sys.stdout.write(render(shown, total, args.sort, table.attrs.get("notes", [])))
        if args.csv:
            sys.stdout.write(f"Wrote {total:,} rows to {args.csv}\n")
    return 0


def _check_plot(path: str, top: int | None) -> None:
    """A --plot that could not be drawn (path, format, bar count, matplotlib) is refused before the sweep."""
    from carbonest.cli.common import check_output_path
    from carbonest.report.whatif_plot import FORMATS, MAX_BARS, require_matplotlib

    if top is not None and top > MAX_BARS:
        raise InvalidInputError(f"plot: --top {top:,} gives too many bars for one chart (at most {MAX_BARS})",
                                field="plot")
    if not path.lower().endswith(FORMATS):
        raise InvalidInputError(f"plot: {path!r} must end in .png or .svg", field="plot")
    check_output_path("plot", path)
    require_matplotlib()


def _plot(shown: Table, args: argparse.Namespace) -> None:
    """Draw the ranking's best rows (--top N, else the text output's) to --plot; say where on stderr."""
    from carbonest.report.whatif_plot import plot_ranking

    best = shown if args.top is not None else shown.head(TEXT_ROWS)
    basis = plot_ranking(best.records(), args.plot, measure=SORT_KEYS[args.sort])
    sys.stderr.write(f"carbonest whatif: plot of {len(best):,} scenario(s), {basis} basis, written to {args.plot}\n")


def _cli_field(exc: InvalidInputError) -> InvalidInputError:
    """Name the flag the user typed where it differs from the parameter (``--wue``)."""
    if exc.field == "wue_l_per_kwh":
        return InvalidInputError(str(exc).replace("wue_l_per_kwh:", "wue:", 1), field="wue")
    return exc


def _write_csv(frame: pd.DataFrame, path: str) -> None:
    from carbonest.errors import CarbonestError

    try:
        frame.to_csv(path, index=False)
    except OSError as exc:
        raise CarbonestError(f"cannot write {path}: {exc.strerror or exc}") from None


def _columns(frame: Table) -> list[tuple[str, str]]:
    """(column, header) pairs of the text table: what varies, then the results."""
    cols = [("region", "region"), ("region_name", "name")]
    if "gpu" in frame:
        cols.append(("gpu", "gpu"))
    if "cpu" in frame:
        cols.append(("cpu", "cpu"))
    for name in SHOWN_INPUTS:
        if name in frame and (name in ("gpus", "cpus", "hours") or len(set(frame[name])) > 1):
            cols.append((name, name.replace("_", " ")))
    if "basis" in frame:
        cols.append(("basis", "basis"))
    cols += [("energy_kwh", "energy kWh"), ("co2e_kg", "CO2e kg"), ("co2e_range", "CO2e range kg")]
    extras = (("serving_it_energy_kwh", "serving IT kWh"), ("storage_gb", "storage GB"),
              ("embodied_co2e_kg", "embodied kg"), ("total_co2e_kg", "total kg"),
              ("water_l", "water L"), ("saving_pct", "saving %"))
    cols += [(c, h) for c, h in extras if c in frame]
    return cols


def _cell(frame: Table, col: str, i: int) -> str:
    if col == "co2e_range":
        return f"{fmt(float(frame['co2e_kg_low'][i]))}-{fmt(float(frame['co2e_kg_high'][i]))}"
    value: Any = frame[col][i]
    if isinstance(value, str):
        if col == "basis":
            return value.replace("(", ",").split(",")[0].strip()
        return value[:24] if col == "region_name" else value
    if col == "saving_pct":
        return f"{value:+.1f}" if math.isfinite(value) else "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return fmt(float(value))


def render(frame: Table, total: int, sort: str, notes: list[str]) -> str:
    """The readable sorted table, the provenance of the inputs and the notes."""
    cols = _columns(frame)
    cells = [[_cell(frame, c, i) for c, _ in cols] for i in range(len(frame))]
    widths = [max([len(h)] + [len(r[j]) for r in cells]) for j, (_, h) in enumerate(cols)]
    numeric = [c not in ("region", "region_name", "gpu", "cpu", "dtype", "adaptation", "datacenter", "basis")
               for c, _ in cols]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()

    what = "CO2e" if sort == "co2e" else "energy"
    out = [f"{total:,} scenario{'s' if total != 1 else ''}, sorted by {what} (lowest first); "
           f"showing {len(frame):,}:", "", line([h for _, h in cols])]
    out += [line(r) for r in cells]
    out += ["", "Where the numbers came from:"]
    for col in [c for c in frame.columns if c.endswith("_provenance")]:
        labels = list(dict.fromkeys(str(v) for v in frame[col]))
        shown = labels[0] if len(labels) == 1 else f"{len(labels)} sources, e.g. {labels[0]}"
        out.append(f"  {col.removesuffix('_provenance'):<16} {shown}")
    unranked = frame.attrs.get("unranked") or []
    if unranked:
        out += ["", f"Listed apart, not ranked ({unranked[0]['reason']}):"]
        out += [f"  {u['region']:<28} {u['region_name']}" for u in unranked]
    if notes:
        out += ["", "Notes:"] + [f"  - {n}" for n in notes]
    return "\n".join(out) + "\n"
