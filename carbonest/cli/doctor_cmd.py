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
        if e["fix"]:
            sys.stdout.write(f"      fix: {e['fix']}\n")
    gpu = any(e["available"] for e in report if "gpu" in e["components"])
    cpu_measured = any(e["available"] for e in report if e["name"] == "rapl")
    sys.stdout.write("\nWhat a run here would use: "
                     f"GPU {'measured by NVML' if gpu else 'not measured'}; "
                     f"CPU and DRAM {'measured by RAPL' if cpu_measured else 'modelled (TDP x utilisation, W per GB)'}.\n")
    return 0
