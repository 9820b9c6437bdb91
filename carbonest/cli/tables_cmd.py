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
    p.add_argument("--basis", metavar="B", help="lifecycle or direct: only regions with a figure on it, shown first")
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

    rows = list_region_dicts(args.query, args.kind, args.basis)
    if not rows and args.query:
        return _nothing("regions", "region", args)
    if args.json:
        print_json(rows)
        return 0
    first = args.basis or "lifecycle"
    order = (first, "direct" if first == "lifecycle" else "lifecycle")
    for r in rows:
        figures = [_figure(r, b) for b in order]
        sys.stdout.write(f"{r['id']:<28} {r['name'][:34]:<34} {r['kind']:<11} {figures[0]}\n")
        if figures[1] != _figure({}, order[1]):
            sys.stdout.write(f"{'':<75} {figures[1]}\n")
    sys.stdout.write(f"{len(rows)} regions (g CO2e/kWh; compare figures on one basis only)\n")
    return 0


def _figure(r: dict[str, Any], basis: str) -> str:
    """One basis's figure of a region row, as ``  28.0 lifecycle 2023  source (basis)``."""
    prefix = "" if basis == "lifecycle" else "direct_"
    value = r.get(f"{prefix}intensity_g_per_kwh")
    if value is None:
        return f"{'-':>7} g/kWh {basis:<9} (no {basis} figure)"
    return f"{fmt(value):>7} g/kWh {basis:<9} {r[f'{prefix}year']}  {r[f'{prefix}source']} ({r[f'{prefix}basis']})"


def run_hardware(args: argparse.Namespace) -> int:
    """Run ``carbonest hardware``."""
    from carbonest.catalog.views import list_hardware_dicts

    rows = list_hardware_dicts(args.query, args.kind)
    if not rows and args.query:
        return _nothing("hardware", "hardware", args)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        mem = f"{fmt(r.get('memory_gb'))} GB" if r.get("memory_gb") else ""
        sys.stdout.write(f"{r['id']:<32} {r['name'][:40]:<40} {r['kind']:<4} {fmt(r['tdp_w']):>6} W  {mem:<8} {r['source']} {r['year']}\n")
    sys.stdout.write(f"{len(rows)} entries\n")
    return 0


def _nothing(command: str, kind: str, args: argparse.Namespace) -> int:
    """A query that matched nothing: say so with the closest names, exit 1 (as grep does)."""
    from carbonest.catalog.views import no_match
    from carbonest.cli.common import report_error

    if args.json:
        print_json([])
    message, suggestions = no_match(kind, args.query)
    return report_error(f"carbonest {command}", message, field="query", suggestions=suggestions, code=1)


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
