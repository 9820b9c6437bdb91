"""``carbonest when --region R --hours H``: the start time that minimises a job's CO2e."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from carbonest.cli.common import fmt, print_json


def add_parser(sub: Any) -> None:
    """Register ``when``."""
    p = sub.add_parser(
        "when", help="the best time to start a job, from a live forecast",
        description="The start time within --within that minimises the job's operational CO2e in one live "
                    "provider's forecast (one basis), the CO2e of starting now and the saving.",
    )
    p.add_argument("--region", metavar="R", required=True, help="grid region or the provider's zone")
    p.add_argument("--hours", metavar="H", required=True, help="the job's duration (hours, or 90m, 2d)")
    p.add_argument("--within", metavar="T", default="24h", help="latest start from now (default 24h)")
    p.add_argument("--provider", metavar="P", help="electricitymaps, watttime or uk (default: configured)")
    p.add_argument("--basis", metavar="B", help="lifecycle, direct or marginal (default: the provider's)")
    p.add_argument("--gpu", metavar="NAME", help="accelerator model, as for estimate")
    p.add_argument("--gpus", metavar="N", help="number of accelerators (default 1)")
    p.add_argument("--gpu-power-w", metavar="W", help="average draw per accelerator (default: its TDP)")
    p.add_argument("--cpu", metavar="NAME", help="CPU model, for its TDP")
    p.add_argument("--cpus", metavar="N", help="number of CPU sockets")
    p.add_argument("--cpu-power-w", metavar="W", help="average draw per CPU socket")
    p.add_argument("--dram-gb", metavar="GB", help="memory size; power from W per GB")
    p.add_argument("--dram-power-w", metavar="W", help="memory power, instead of --dram-gb")
    p.add_argument("--pue", metavar="X", help="power usage effectiveness")
    p.add_argument("--datacenter", metavar="NAME", help="datacenter or provider preset for the PUE")
    p.add_argument("--energy-kwh", metavar="E", help="the job's IT energy, instead of its hardware")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``carbonest when``."""
    from carbonest import inputs
    from carbonest.intensity.timefmt import parse_duration_h
    from carbonest.schedule.when import when

    names = ("gpu", "gpus", "gpu_power_w", "cpu", "cpus", "cpu_power_w", "dram_gb", "dram_power_w", "pue",
             "datacenter", "energy_kwh")
    job = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
    provider = inputs.choice("provider", args.provider, ("electricitymaps", "watttime", "uk", "table")) \
        if args.provider else None
    basis = inputs.choice("basis", args.basis, ("lifecycle", "direct", "marginal")) if args.basis else None
    result = when(args.region, parse_duration_h(args.hours, "hours"), within_h=_within(args.within),
                  provider=provider, basis=basis, **job)
    if args.json:
        print_json(result.to_dict())
    else:
        sys.stdout.write(render(result.to_dict()))
    return 0


def _within(text: str) -> float:
    from carbonest.intensity.timefmt import parse_duration_h

    return 0.0 if str(text).strip() in ("0", "0h") else parse_duration_h(text, "within")


def render(r: dict[str, Any]) -> str:
    """The readable summary of a ``when`` result."""
    unit = f"g CO2e/kWh ({r['basis']}, {r['averaging']})"
    lines = [
        f"Best start for a {r['hours']:g} h job in {r['region']} ({r['provider']} forecast): {r['best_start']}",
        f"  Start now  {r['now_start']}  {fmt(r['now_intensity_g_per_kwh'])} {unit}  {fmt(r['now_co2e_kg'])} kg CO2e",
        f"  Best       {r['best_start']}  {fmt(r['best_intensity_g_per_kwh'])} {unit}  "
        f"{fmt(r['best_co2e_kg'])} kg CO2e (ends {r['best_end']})",
        f"  Saving     {fmt(r['saving_kg'])} kg CO2e ({fmt(r['saving_pct'])} %)",
        f"  Energy     {fmt(r['energy_kwh'])} kWh at the facility; {r['candidates']} start times compared, "
        f"forecast {r['forecast_start']} to {r['forecast_end']}",
    ]
    for key, label in r["provenance"].items():
        lines.append(f"  {key:<20} {label}")
    lines.extend(f"  - {n}" for n in r["notes"])
    return "\n".join(lines) + "\n"
