"""``carbonest estimate``: the offline calculator."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from carbonest.cli.common import cli_notes, print_json
from carbonest.errors import InvalidInputError


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
    p.add_argument("--region", metavar="R", help="grid region: country, state, province or cloud region "
                                                  "(default: the world average, said so)")
    p.add_argument("--intensity", metavar="G_PER_KWH", help="carbon intensity in g CO2e/kWh, instead of --region")
    p.add_argument("--pue", metavar="X", help="power usage effectiveness (default: industry average)")
    p.add_argument("--datacenter", metavar="NAME", help="datacenter or provider preset for PUE (and intensity)")
    p.add_argument("--preset", metavar="{strubell2019,patterson2021}", help="a published method's constants (docs/methodology.md)")
    p.add_argument("--basis", metavar="{lifecycle,direct}", help="basis of a region's carbon intensity (default lifecycle)")
    w = p.add_argument_group("work instead of a duration (training compute 6ND, adaptation, serving)")
    w.add_argument("--params", metavar="N", help="model parameters, e.g. 7e9")
    w.add_argument("--tokens", metavar="D", help="training tokens (per task with --adaptation), e.g. 2e12")
    w.add_argument("--dtype", metavar="{fp64,fp32,tf32,fp16,bf16,fp8,int8}",
                   help="number format for the peak FLOP/s (default: bf16, else fp16, else fp32)")
    w.add_argument("--mfu", metavar="X", help="model FLOPs utilisation in (0, 1] (default 0.40)")
    w.add_argument("--adaptation", metavar="{full,lora,probe}", help="adapt a pretrained model instead of pretraining")
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
    x.add_argument("--wue", metavar="L_PER_KWH", help="on-site water usage effectiveness in L/kWh "
                                                    "(default: provider or industry)")
    p.add_argument("--units", choices=("metric", "imperial"), default="metric", help="units of the text output")
    p.add_argument("--json", action="store_true", help="print one JSON object (every figure, full sources)")
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
    from carbonest.cli.estimate_text import world_fallback

    if world_fallback(result.to_dict()):
        sys.stderr.write("carbonest estimate: no region given (--region, CARBONEST_REGION or config file): "
                         "the world-average carbon intensity is used\n")
    if args.appendix:
        from carbonest.report.appendix import estimate_appendix

        sys.stdout.write(estimate_appendix(result, args.appendix))
        return 0
    if args.json:
        print_json(result.to_dict())
    else:
        from carbonest.cli.estimate_text import render

        sys.stdout.write(render(cli_notes(result.to_dict()), imperial=args.units == "imperial"))
    return 0


def _given_work(args: argparse.Namespace) -> dict[str, Any]:
    """The inputs published footprints use, passed only when given (the API validates them)."""
    names = ("flops", "energy_kwh", "idle_kwh", "vcpus", "embodied_kg_per_server", "gpus_per_server",
             "lifetime_years", "utilization")
    return {n: getattr(args, n) for n in names if getattr(args, n) is not None}
