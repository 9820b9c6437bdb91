"""``carbonest estimate``: the offline calculator."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from carbonest.cli.common import cli_notes, fmt, print_json
from carbonest.errors import InvalidInputError
from carbonest.units import KG_PER_LB


def add_parser(sub: Any) -> None:
    """Register the ``estimate`` subcommand."""
    p = sub.add_parser(
        "estimate",
        help="estimate energy and CO2e of a job from hardware, duration and region",
        description="Estimate the energy and CO2e of a job. Components not given are not counted.",
    )
    p.add_argument("--hours", metavar="H",
                   help="wall-clock duration in hours (required, unless --params/--tokens or --queries give the work)")
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
    p.add_argument("--basis", metavar="B", help="basis of a region's carbon intensity: lifecycle (default) or direct")
    w = p.add_argument_group("work instead of a duration (training compute 6ND, adaptation, serving)")
    w.add_argument("--params", metavar="N", help="model parameters, e.g. 7e9")
    w.add_argument("--tokens", metavar="D", help="training tokens (per task with --adaptation), e.g. 2e12")
    w.add_argument("--dtype", metavar="T", help="number format for the peak FLOP/s: bf16, fp16, fp8, tf32, fp32...")
    w.add_argument("--mfu", metavar="X", help="model FLOPs utilisation in (0, 1] (default 0.40)")
    w.add_argument("--adaptation", metavar="M", help="full, lora or probe: adapt a pretrained model")
    w.add_argument("--tasks", metavar="K", help="number of downstream tasks (default 1)")
    w.add_argument("--lora-params", metavar="N", help="LoRA adapter parameters (default 0.1%% of --params)")
    w.add_argument("--head-params", metavar="N", help="probe head parameters (default 40,970)")
    w.add_argument("--queries", metavar="Q", help="queries served (adds inference, Patterson et al. 2021)")
    w.add_argument("--energy-per-query-wh", metavar="E", help="IT energy per query in Wh")
    w.add_argument("--tokens-per-query", metavar="T", help="tokens per query (2N FLOPs per token)")
    w.add_argument("--inference-mfu", metavar="X", help="MFU while serving (default 0.40)")
    w.add_argument("--flops", metavar="F", help="total training FLOPs, instead of --params x --tokens (6ND)")
    w.add_argument("--energy-kwh", metavar="E",
                   help="known IT energy of the training in kWh (a paper's figure, a meter), instead of power x hours")
    w.add_argument("--idle-kwh", metavar="E", help="IT energy of reserved but idle infrastructure, added (kWh)")
    w.add_argument("--vcpus", metavar="N", help="vCPUs of --cpu seen by a VM: its share of the CPU's power")
    x = p.add_argument_group("beyond operational emissions")
    x.add_argument("--embodied", action="store_true", help="add the hardware's manufacturing emissions, amortised")
    x.add_argument("--embodied-kg-per-server", metavar="KG",
                   help="embodied kg CO2e of one host server, without its GPUs (default: table; implies --embodied)")
    x.add_argument("--gpus-per-server", metavar="N", help="GPUs per host server (default 8; implies --embodied)")
    x.add_argument("--lifetime-years", metavar="Y", help="hardware service life in years (default: table; implies --embodied)")
    x.add_argument("--utilization", metavar="U",
                   help="share of its life the hardware is busy, in (0, 1] (default 1; implies --embodied)")
    x.add_argument("--wue", metavar="L_PER_KWH", help="on-site water usage effectiveness (default: provider or industry)")
    p.add_argument("--units", choices=("metric", "imperial"), default="metric", help="units of the text output")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--appendix", choices=("md", "latex", "text"), metavar="{md,latex,text}",
                   help="print a paper's compute appendix (paragraph, provenance, citations; BibTeX for latex) "
                        "instead of the summary")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``carbonest estimate``."""
    from carbonest.estimate.pipeline import estimate

    if args.appendix and args.json:
        raise InvalidInputError("appendix: give --appendix or --json, not both", field="appendix")

    result = estimate(
        hours=args.hours, gpu=args.gpu, gpus=args.gpus, gpu_power_w=args.gpu_power_w,
        cpu=args.cpu, cpus=args.cpus, cpu_power_w=args.cpu_power_w,
        dram_gb=args.dram_gb, dram_power_w=args.dram_power_w,
        region=args.region, intensity_g_per_kwh=args.intensity, pue=args.pue,
        datacenter=args.datacenter, preset=args.preset, basis=args.basis,
        params=args.params, tokens=args.tokens, dtype=args.dtype, mfu=args.mfu,
        adaptation=args.adaptation, tasks=args.tasks, lora_params=args.lora_params,
        head_params=args.head_params, queries=args.queries, energy_per_query_wh=args.energy_per_query_wh,
        tokens_per_query=args.tokens_per_query, inference_mfu=args.inference_mfu,
        embodied=args.embodied, wue_l_per_kwh=args.wue,
        **_given_work(args),
    )
    if args.appendix:
        from carbonest.report.appendix import estimate_appendix

        sys.stdout.write(estimate_appendix(result, args.appendix))
        return 0
    if args.json:
        print_json(result.to_dict())
    else:
        sys.stdout.write(render(cli_notes(result.to_dict()), imperial=args.units == "imperial"))
    return 0


def basis_word(basis: str) -> str:
    """The first word of a basis (``lifecycle``, ``direct``, ``user``...), for short labels."""
    return basis.replace("(", " ").replace(",", " ").split()[0] if basis.strip() else "n/a"


def _given_work(args: argparse.Namespace) -> dict[str, Any]:
    """The inputs published footprints use, passed only when given (the API validates them)."""
    names = ("flops", "energy_kwh", "idle_kwh", "vcpus", "embodied_kg_per_server", "gpus_per_server",
             "lifetime_years", "utilization")
    return {n: getattr(args, n) for n in names if getattr(args, n) is not None}


def render(e: dict[str, Any], *, imperial: bool = False) -> str:
    """The readable text summary of an estimate's JSON form."""
    lines: list[str] = []
    kg, lbs = e["co2e_kg"], e["co2e_lbs"]
    co2 = f"{fmt(lbs)} lbs CO2e ({fmt(kg)} kg)" if imperial else f"{fmt(kg)} kg CO2e ({fmt(lbs)} lbs)"
    region = e["region"]
    where = f"{region['name']} [{region['id']}]"
    lines.append(f"Estimated footprint: {co2}")
    if imperial:
        low, high, unit = e["co2e_kg_low"] / KG_PER_LB, e["co2e_kg_high"] / KG_PER_LB, "lbs"
    else:
        low, high, unit = e["co2e_kg_low"], e["co2e_kg_high"], "kg"
    lines.append(f"  Range    {fmt(low)} to {fmt(high)} {unit} CO2e; "
                 f"energy {fmt(e['energy_kwh_low'])} to {fmt(e['energy_kwh_high'])} kWh")
    if e.get("embodied_co2e_kg") is not None:
        lines.append(f"  Embodied {fmt(e['embodied_co2e_kg'])} kg CO2e (manufacturing, amortised); "
                     f"total {fmt(e['total_co2e_kg'])} kg CO2e")
    lines.append(f"  Water    {fmt(e['water_l'])} L on site (WUE {e['wue_l_per_kwh']:g} L/kWh)")
    if e.get("embodied_co2e_kg") is not None and e.get("lifetime_years") is not None:
        lines.append(f"           {fmt(e['embodied_kg_per_server'])} kg per server ({e['gpus_per_server']} GPUs), "
                     f"{fmt(e['embodied_kg_per_gpu'])} kg per GPU, over {e['lifetime_years']:g} years "
                     f"at {e['utilization']:.0%} use")
    if e.get("flops") is not None:
        training_gpu_hours = e.get("training_gpu_hours", e["gpu_hours"])
        lines.append(f"  Work     {e['flops']:.3g} FLOPs at {e['mfu']:.0%} MFU of {e['peak_flops_per_s']:.3g} "
                     f"FLOP/s ({e['dtype']}) = {fmt(training_gpu_hours)} training GPU-hours")
    if e.get("serving_gpu_hours") is not None:
        lines.append(f"  GPU-h    {fmt(e['training_gpu_hours'])} training + {fmt(e['serving_gpu_hours'])} serving "
                     f"= {fmt(e['gpu_hours'])} GPU-hours")
    if e.get("idle_kwh") is not None:
        lines.append(f"  Idle     {fmt(e['idle_kwh'])} kWh of reserved idle infrastructure, in the IT energy")
    if e.get("energy_kwh") is not None and "energy_kwh" in e["provenance"] and e.get("hours") is None:
        lines.append(f"  Given    {fmt(e['training_it_energy_kwh'])} kWh IT energy of the training (energy_kwh)")
    if e.get("storage_gb") is not None:
        lines.append(f"  Storage  {fmt(e['storage_gb'])} GB for {e['tasks']} task(s) "
                     f"({fmt(e['storage_gb_per_task'])} GB each, {e['adaptation']})")
    if e.get("serving_it_energy_kwh") is not None:
        lines.append(f"  Serving  {fmt(e['queries'])} queries x {fmt(e['energy_per_query_wh'])} Wh = "
                     f"{fmt(e['serving_it_energy_kwh'])} kWh IT energy")
    lines.append(f"  Energy   {fmt(e['energy_kwh'])} kWh at the facility "
                 f"(IT {fmt(e['it_energy_kwh'])} kWh x PUE {e['pue']:g})")
    basis = region.get("basis") or "n/a"
    lines.append(f"  Grid     {fmt(e['intensity_g_per_kwh'])} g CO2e/kWh ({basis_word(basis)}), {where}")
    if region.get("source"):
        lines.append(f"           {region['source']} {region.get('year') or ''}, basis: {basis}")
    low_ci, high_ci = e.get("intensity_g_per_kwh_low"), e.get("intensity_g_per_kwh_high")
    if low_ci is not None and high_ci is not None and low_ci != high_ci:
        lines.append(f"           range {fmt(low_ci)} to {fmt(high_ci)} g CO2e/kWh ({basis_word(basis)}): "
                     f"{e['intensity_low_source']} to {e['intensity_high_source']}")
    other = e.get("other_basis")
    if other:
        lines.append(f"           {basis_word(other['basis'])} basis, not used: {fmt(other['intensity_g_per_kwh'])} "
                     f"g CO2e/kWh ({other['source']} {other['year']}; --basis {basis_word(other['basis'])})")
    for eq in e["equivalents"]:
        if eq["amount"] >= 0.1:  # "0.00006 flights" helps nobody; --json keeps every one
            lines.append(f"  About    {fmt(eq['amount'])} {eq['label']} ({eq['source']})")
    lines.append("")
    lines.append("Components (IT energy, before PUE):")
    for name, c in e["components"].items():
        model = c["model"] or "unspecified"
        lines.append(f"  {name:<5} {c['count']} x {model}, {fmt(c['power_w'])} W each, "
                     f"{fmt(c['energy_kwh'])} kWh  [{c['provenance']}]")
    if e["hours"] is None and "energy_kwh" in e["provenance"]:
        lines.append("  none: the training's IT energy was given (energy_kwh)")
    elif e["hours"] is None:
        lines.append("  no training counted (serving only)")
    elif e["left_out"]:
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
