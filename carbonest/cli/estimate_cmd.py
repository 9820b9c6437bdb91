"""``carbonest estimate``: the offline calculator."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from carbonest.cli.common import fmt, print_json


def add_parser(sub: Any) -> None:
    """Register the ``estimate`` subcommand."""
    p = sub.add_parser(
        "estimate",
        help="estimate energy and CO2e of a job from hardware, duration and region",
        description="Estimate the energy and CO2e of a job. Components not given are not counted.",
    )
    p.add_argument("--hours", metavar="H", help="wall-clock duration in hours (required)")
    p.add_argument("--gpu", metavar="NAME", help="accelerator model, e.g. V100, 'A100 80GB', h100-sxm")
    p.add_argument("--gpus", metavar="N", help="number of accelerators (default 1)")
    p.add_argument("--gpu-power-w", metavar="W", help="average draw per accelerator (default: its TDP)")
    p.add_argument("--cpu", metavar="NAME", help="CPU model, for its TDP")
    p.add_argument("--cpus", metavar="N", help="number of CPU sockets (default 1)")
    p.add_argument("--cpu-power-w", metavar="W", help="average draw per CPU socket (default: its TDP)")
    p.add_argument("--dram-gb", metavar="GB", help="memory size; power from W per GB")
    p.add_argument("--dram-power-w", metavar="W", help="memory power, instead of --dram-gb")
    p.add_argument("--region", metavar="R", help="grid region: country, state, province or cloud region")
    p.add_argument("--intensity", metavar="G_PER_KWH", help="carbon intensity in g CO2e/kWh, instead of --region")
    p.add_argument("--pue", metavar="X", help="power usage effectiveness (default: industry average)")
    p.add_argument("--datacenter", metavar="NAME", help="datacenter or provider preset for PUE (and intensity)")
    p.add_argument("--preset", metavar="NAME", help="strubell2019 or patterson2021")
    p.add_argument("--units", choices=("metric", "imperial"), default="metric", help="units of the text output")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``carbonest estimate``."""
    from carbonest.estimator import estimate

    result = estimate(
        hours=args.hours, gpu=args.gpu, gpus=args.gpus, gpu_power_w=args.gpu_power_w,
        cpu=args.cpu, cpus=args.cpus, cpu_power_w=args.cpu_power_w,
        dram_gb=args.dram_gb, dram_power_w=args.dram_power_w,
        region=args.region, intensity_g_per_kwh=args.intensity, pue=args.pue,
        datacenter=args.datacenter, preset=args.preset,
    )
    if args.json:
        print_json(result.to_dict())
    else:
        sys.stdout.write(render(result.to_dict(), imperial=args.units == "imperial"))
    return 0


def render(e: dict[str, Any], *, imperial: bool = False) -> str:
    """The readable text summary of an estimate's JSON form."""
    lines: list[str] = []
    kg, lbs = e["co2e_kg"], e["co2e_lbs"]
    co2 = f"{fmt(lbs)} lbs CO2e ({fmt(kg)} kg)" if imperial else f"{fmt(kg)} kg CO2e ({fmt(lbs)} lbs)"
    region = e["region"]
    where = f"{region['name']} [{region['id']}]"
    lines.append(f"Estimated footprint: {co2}")
    lines.append(f"  Energy   {fmt(e['energy_kwh'])} kWh at the facility "
                 f"(IT {fmt(e['it_energy_kwh'])} kWh x PUE {e['pue']:g})")
    lines.append(f"  Grid     {fmt(e['intensity_g_per_kwh'])} g CO2e/kWh, {where}")
    if region.get("source"):
        lines.append(f"           {region['source']} {region.get('year') or ''}, basis: {region.get('basis') or 'n/a'}")
    for eq in e["equivalents"]:
        lines.append(f"  About    {fmt(eq['amount'])} {eq['label']} ({eq['source']})")
    lines.append("")
    lines.append("Components (IT energy, before PUE):")
    for name, c in e["components"].items():
        model = c["model"] or "unspecified"
        lines.append(f"  {name:<5} {c['count']} x {model}, {fmt(c['power_w'])} W each, "
                     f"{fmt(c['energy_kwh'])} kWh  [{c['provenance']}]")
    if e["left_out"]:
        lines.append(f"  not counted (not given): {', '.join(e['left_out'])}")
    lines.append("")
    lines.append("Where each input came from:")
    for key, label in e["provenance"].items():
        lines.append(f"  {key:<20} {label}")
    if e["notes"]:
        lines.append("")
        lines.append("Notes:")
        lines.extend(f"  - {n}" for n in e["notes"])
    return "\n".join(lines) + "\n"
