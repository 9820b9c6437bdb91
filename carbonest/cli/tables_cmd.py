"""``carbonest regions``, ``carbonest hardware`` and ``carbonest sources``: the shipped tables."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from carbonest.cli.common import fmt, print_json


def add_parsers(sub: Any) -> None:
    """Register the table-listing subcommands."""
    p = sub.add_parser("regions", help="list carbon-intensity regions", description="List regions, with intensity, year, source and basis.")
    p.add_argument("query", nargs="?", help="filter by name or id")
    p.add_argument("--kind", choices=("country", "subnational", "cloud"), help="only this kind")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(run=run_regions)
    p = sub.add_parser("hardware", help="list accelerators and CPUs", description="List hardware with TDP, memory and peak FLOP/s.")
    p.add_argument("query", nargs="?", help="filter by name")
    p.add_argument("--kind", choices=("gpu", "tpu", "npu", "cpu", "accelerator"), help="only this kind (accelerator = gpu, tpu and npu)")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(run=run_hardware)
    p = sub.add_parser("sources", help="cite every shipped table", description="Print the citation, licence and vintage of every shipped table.")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(run=run_sources)


def run_regions(args: argparse.Namespace) -> int:
    """Run ``carbonest regions``."""
    from carbonest.catalog.views import list_region_dicts

    rows = list_region_dicts(args.query, args.kind)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        sys.stdout.write(
            f"{r['id']:<28} {r['name'][:34]:<34} {r['kind']:<11} {fmt(r['intensity_g_per_kwh']):>7} g/kWh "
            f"{r['year']}  {r['source']} ({r['basis']})\n"
        )
    sys.stdout.write(f"{len(rows)} regions\n")
    return 0


def run_hardware(args: argparse.Namespace) -> int:
    """Run ``carbonest hardware``."""
    from carbonest.catalog.views import list_hardware_dicts

    rows = list_hardware_dicts(args.query, args.kind)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        mem = f"{fmt(r.get('memory_gb'))} GB" if r.get("memory_gb") else ""
        sys.stdout.write(f"{r['id']:<32} {r['name'][:40]:<40} {r['kind']:<4} {fmt(r['tdp_w']):>6} W  {mem:<8} {r['source']} {r['year']}\n")
    sys.stdout.write(f"{len(rows)} entries\n")
    return 0


def run_sources(args: argparse.Namespace) -> int:
    """Run ``carbonest sources``."""
    from carbonest.catalog import list_sources

    rows = [s.to_dict() for s in list_sources()]
    if args.json:
        print_json(rows)
        return 0
    for s in rows:
        sys.stdout.write(f"{s['table']}: {s['title']}\n")
        for key in ("citation", "licence", "vintage", "url"):
            if s.get(key):
                sys.stdout.write(f"    {key}: {s[key]}\n")
    return 0
