"""``carbonest doctor``: which probes work here, why not, and how to fix it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from carbonest.cli.common import fmt, print_json


def add_parser(sub: Any) -> None:
    """Register ``doctor``."""
    p = sub.add_parser("doctor", help="check which probes work here and how to fix the others",
                       description="Open every probe, show current power of those that work, "
                                   "and for the others exactly why not and what would fix it.")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per probe")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``carbonest doctor``."""
    from carbonest.measure.doctor import diagnose

    report = diagnose()
    if args.json:
        print_json(report)
        return 0
    for e in report:
        mark = "ok  " if e["available"] else "no  "
        sys.stdout.write(f"{mark}{e['name']:<13} ({'/'.join(e['components'])}): {e['reason']}\n")
        for device, r in e["readings"].items():
            value = f"{fmt(r['power_w'])} W" if r["power_w"] is not None else f"unreadable ({r['error']})"
            sys.stdout.write(f"      {device:<18} {value:<12} [{r['provenance']}]\n")
        model = e.get("model")
        if model:
            if model["kind"] == "tdp_share":
                how = (f"TDP x share: {model['label']}, {fmt(model['tdp_w'])} W per package, "
                       f"{model['threads_per_socket'] or '?'} {model['threads_basis'] or 'threads'} per package")
            else:
                how = (f"per vCPU (Cloud Carbon Footprint): {model['label']}, {fmt(model['min_w_per_vcpu'])} to "
                       f"{fmt(model['max_w_per_vcpu'])} W per vCPU")
            sys.stdout.write(f"      model: {how}\n")
            sys.stdout.write(f"      sees:  {model['visible_cpus']}; {fmt(model['range_w'][0])} W idle to "
                             f"{fmt(model['range_w'][1])} W fully busy\n")
            sys.stdout.write(f"      from:  {model['provenance']}\n")
        if e["fix"]:
            sys.stdout.write(f"      fix: {e['fix']}\n")
    gpu = next((e["name"] for e in report if "gpu" in e["components"] and e["available"]), None)
    cpu_measured = any(e["available"] for e in report if e["name"] == "rapl")
    by = {"nvml": "NVML", "amdsmi": "AMD SMI"}
    sys.stdout.write("\nWhat a run here would use: "
                     f"GPU {'measured by ' + by.get(gpu, gpu) if gpu else 'not measured'}; "
                     f"CPU and DRAM {'measured by RAPL' if cpu_measured else 'modelled (the CPU share above, W per GB)'}.\n")
    sys.stdout.write(f"Runs are stored in: {_store()}\n")
    return 0


def _store() -> str:
    """The run store a run here would use, safe to print (a URL's password shown as ***)."""
    from carbonest.errors import InvalidInputError
    from carbonest.store.locate import describe

    try:
        return describe()
    except InvalidInputError as exc:
        return f"unusable: {exc}"
