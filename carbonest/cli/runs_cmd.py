"""``carbonest runs``: list, show and export the runs kept in the run store."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from carbonest.cli.common import fmt, print_json, safe_text


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register ``runs`` with its ``list`` (default), ``show``, ``export`` and ``card`` actions."""
    p = sub.add_parser("runs", help="list, show and export measured runs",
                       description="Runs kept in the run store, newest first.")
    p.add_argument("--limit", metavar="N", help="at most N runs (default 20)")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--store", metavar="PATH", help="the run store file (default: $CARBONEST_HOME/runs.sqlite)")
    p.set_defaults(run=run_list)
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=parser_class)
    show = actions.add_parser("show", help="one run in full")
    show.add_argument("run_id", metavar="RUN_ID", help="a run id or a unique prefix of one")
    show.add_argument("--json", action="store_true", help="print the run record as JSON")
    show.set_defaults(run=run_show)
    export = actions.add_parser("export", help="all runs as CSV or JSON")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", "-o", metavar="PATH", help="write here instead of stdout")
    export.add_argument("--limit", metavar="N", help="at most N runs")
    export.set_defaults(run=run_export)
    add_card_parser(actions)


def add_card_parser(actions: Any) -> None:
    """``runs card RUN_ID``: the model card's co2_eq_emissions block (``--update README.md``)."""
    card = actions.add_parser(
        "card", help="the co2_eq_emissions block of a model card",
        description="Print the co2_eq_emissions metadata of a run for a Hugging Face model card's "
                    "front matter (emissions in grams), or write it into an existing card with --update.")
    card.add_argument("run_id", metavar="RUN_ID", help="a run id or a unique prefix of one")
    card.add_argument("--update", metavar="README.md", help="write the block into this model card's metadata")
    card.add_argument("--training-type", choices=("pre-training", "fine-tuning"), help="the card's training_type")
    card.add_argument("--hardware", metavar="TEXT", help="the card's hardware_used instead of the measured hardware")
    card.add_argument("--location", metavar="TEXT", help="the card's geographical_location instead of the region name")
    card.add_argument("--json", action="store_true", help="print the block as JSON")
    card.set_defaults(run=run_card)


def _store(args: argparse.Namespace) -> Any:
    """The store, read-only: listing, showing and exporting never create or change a file."""
    from carbonest.store.query import open_for_reading

    return open_for_reading(getattr(args, "store", None), field="store")


def _limit(value: str | None, default: int | None) -> int | None:
    from carbonest import inputs

    return default if value is None else inputs.count("limit", value)


def run_list(args: argparse.Namespace) -> int:
    """Run ``carbonest runs``."""
    from carbonest.cli.report import status_text

    with _store(args) as store:
        runs = store.list_runs(_limit(args.limit, 20))
    if args.json:
        print_json(runs)
        return 0
    if not runs:
        sys.stdout.write("no runs stored yet (measure one with: carbonest measure -- CMD)\n")
        return 0
    sys.stdout.write(f"{'run id':<12} {'name':<20} {'status':<12} {'started (UTC)':<20} "
                     f"{'duration':>9} {'kWh':>9} {'kg CO2e':>9}\n")
    for r in runs:
        started = (r.get("started_at") or "")[:19].replace("T", " ")
        dur = r.get("duration_s")
        sys.stdout.write(
            f"{r['run_id'][:12]:<12} {safe_text(r.get('name') or '')[:20]:<20} {safe_text(status_text(r)):<12} {started:<20} "
            f"{fmt(dur) + ' s' if dur is not None else 'n/a':>9} {fmt(r.get('energy_kwh')):>9} {fmt(r.get('co2e_kg')):>9}\n"
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Run ``carbonest runs show RUN_ID``."""
    from carbonest.cli.report import render_run

    with _store(args) as store:
        record = store.get_run(args.run_id)
    if args.json:
        print_json(record)
    else:
        sys.stdout.write(render_run(record))
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Run ``carbonest runs export``."""
    from carbonest.cli.common import check_output_path, write_failed
    from carbonest.store.export import export_runs

    limit = _limit(args.limit, None)
    if args.output not in (None, "-"):
        check_output_path("output", args.output)
    with _store(args) as store:
        if args.output in (None, "-"):
            export_runs(store, args.format, sys.stdout, limit)
        else:
            try:
                with open(args.output, "w", newline="", encoding="utf-8") as out:
                    count = export_runs(store, args.format, out, limit)
            except OSError as exc:
                raise write_failed(args.output, exc) from None
            sys.stderr.write(f"wrote {count} runs to {args.output}\n")
    return 0


def run_card(args: argparse.Namespace) -> int:
    """Run ``carbonest runs card RUN_ID [--update README.md]``."""
    from carbonest.errors import InvalidInputError
    from carbonest.integrations.modelcard import block_yaml, co2_eq_emissions, update_card

    if args.update is not None and not os.path.isfile(args.update):
        raise InvalidInputError(f"update: no such model card file {args.update!r}", field="update")
    with _store(args) as store:
        record = store.get_run(args.run_id)
    block = co2_eq_emissions(record, training_type=args.training_type, hardware_used=args.hardware,
                             geographical_location=args.location)
    if args.update is not None:
        update_card(args.update, block)
        sys.stderr.write(f"wrote co2_eq_emissions ({fmt(block['emissions'])} g CO2e) into {args.update}\n")
        return 0
    if args.json:
        print_json(block)
    else:
        sys.stdout.write(block_yaml(block))
    return 0
