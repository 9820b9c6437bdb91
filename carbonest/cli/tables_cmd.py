"""``carbonest regions``, ``carbonest hardware`` and ``carbonest sources``: the shipped tables."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from carbonest.cli.common import print_json


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
    p.add_argument("--dtype", metavar="{fp64,fp32,tf32,fp16,bf16,fp8,int8}",
                   help="the number format of the peak FLOP/s column (default: bf16, else fp16, else fp32, as "
                        "estimate picks)")
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
    from carbonest.cli.layout import width
    from carbonest.cli.tables_text import render_regions

    sys.stdout.write(render_regions(rows, args.basis, width()))
    return 0


def run_hardware(args: argparse.Namespace) -> int:
    """Run ``carbonest hardware``."""
    from carbonest.catalog.views import list_hardware_dicts

    dtype = _dtype(args.dtype)  # a bad --dtype is a usage error (2) before any lookup
    rows = list_hardware_dicts(args.query, args.kind)
    if not rows and args.query:
        return _nothing("hardware", "hardware", args)
    if args.json:
        print_json(rows)
        return 0
    from carbonest.cli.layout import width
    from carbonest.cli.tables_text import render_hardware

    sys.stdout.write(render_hardware(rows, dtype, width()))
    return 0


def _nothing(command: str, kind: str, args: argparse.Namespace) -> int:
    """A query that matched nothing: say so with the closest names, exit 1 (as grep does)."""
    from carbonest.catalog.views import no_match
    from carbonest.cli.common import report_error

    if args.json:
        print_json([])
    message, suggestions = no_match(kind, args.query)
    return report_error(f"carbonest {command}", message, field="query", suggestions=suggestions, code=1)


def _dtype(text: str | None) -> str | None:
    """The dtype given to ``--dtype`` (synonyms such as bfloat16 accepted), checked."""
    if text is None:
        return None
    from carbonest.catalog.hardware import _DTYPE_SYNONYMS, DTYPES
    from carbonest.errors import InvalidInputError

    key = text.strip().lower().replace("_", "").replace("-", "")
    key = _DTYPE_SYNONYMS.get(key, key)
    if key not in DTYPES:
        raise InvalidInputError(f"--dtype: unknown dtype {text!r}; expected one of {', '.join(DTYPES)}",
                                field="dtype")
    return key


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
