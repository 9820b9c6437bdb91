"""``carbonest runs``: list, show and export the runs kept in the run store."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from carbonest.cli.common import fmt, print_json, safe_text
from carbonest.errors import InvalidInputError


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register ``runs`` with its ``list`` (default), ``show``, ``export`` and ``card`` actions."""
    p = sub.add_parser("runs", help="list, show and export measured runs",
                       description="Runs kept in the run store, newest first.")
    p.add_argument("--limit", metavar="N", help=f"at most N runs (default {DEFAULT_LIMIT})")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    store_help = ("the run store: a SQLite file or a postgresql:// URL "
                  "(default: $CARBONEST_STORE, else $CARBONEST_HOME/runs.sqlite)")
    p.add_argument("--store", metavar="PATH|URL", help=store_help)
    p.add_argument("--job", metavar="JOB", help="one whole job: its job record, per host and in total "
                   "(a Slurm job id shows every step of it; JOB.STEP one step)")
    p.set_defaults(run=run_list)
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=parser_class)
    show = actions.add_parser("show", help="one run in full",
                              description="One run in full: every figure with where it came from, its "
                                          "components, phases, warnings and notes.")
    show.add_argument("run_id", metavar="RUN_ID", help="a run id or a unique prefix of one")
    show.add_argument("--json", action="store_true", help="print the run record as JSON")
    show.add_argument("--store", metavar="PATH|URL", default=argparse.SUPPRESS, help=store_help)
    show.set_defaults(run=run_show)
    export = actions.add_parser("export", help="all runs as CSV or JSON",
                                description="Every run (newest first) as one flat table: CSV (one row per "
                                            "run) or a JSON list, on stdout or into a file.")
    export.add_argument("--format", choices=("csv", "json"), default="csv", help="output format")
    export.add_argument("--output", "-o", metavar="PATH", help="write here instead of stdout")
    export.add_argument("--limit", metavar="N", help="at most N runs (default: all)")
    export.add_argument("--store", metavar="PATH|URL", default=argparse.SUPPRESS, help=store_help)
    export.set_defaults(run=run_export)
    from carbonest.cli.runs_log import add_log_action  # `runs log RUN_ID --to mlflow`

    add_log_action(actions)
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


DEFAULT_LIMIT = 20
"""Runs listed when ``--limit`` is not given."""


def duration_text(seconds: float | None) -> str:
    """A duration with the unit its size needs: s, min, h."""
    if seconds is None:
        return "n/a"
    if seconds < 120:
        return f"{fmt(seconds)} s"
    if seconds < 7200:
        return f"{fmt(seconds / 60)} min"
    return f"{fmt(seconds / 3600)} h"


def render_list(runs: list[dict[str, Any]], total: int) -> str:
    """The runs as an aligned table (energy in J, Wh or kWh as its size needs), then how many of how many."""
    from carbonest.cli.layout import energy_text, mass_text, plural
    from carbonest.cli.report import status_text

    headers = ["run id", "name", "status", "started (UTC)", "duration", "energy", "CO2e"]
    rows = []
    for r in runs:
        kwh, kg = r.get("energy_kwh"), r.get("co2e_kg")
        rows.append([r["run_id"][:12], safe_text(r.get("name") or "")[:24], safe_text(status_text(r)),
                     (r.get("started_at") or "")[:19].replace("T", " "), duration_text(r.get("duration_s")),
                     energy_text(kwh * 3_600_000.0) if kwh is not None else "n/a",
                     mass_text(kg) if kg is not None else "n/a"])
    widths = [max(len(x[j]) for x in [headers] + rows) for j in range(len(headers))]
    right = {4, 5, 6}
    lines = ["  ".join(c.rjust(w) if j in right else c.ljust(w) for j, (c, w) in enumerate(zip(row, widths))).rstrip()
             for row in [headers] + rows]
    if total > len(runs):
        lines.append(f"{len(runs):,} of {total:,} runs (--limit N for more)")
    else:
        lines.append(plural(len(runs), "run"))
    return "\n".join(lines) + "\n"


def run_list(args: argparse.Namespace) -> int:
    """Run ``carbonest runs``."""
    if args.job is not None:
        return run_job(args)
    with _store(args) as store:
        limit = _limit(args.limit, DEFAULT_LIMIT)
        runs = store.list_runs(limit)
        total = store.count_runs() if limit is not None and len(runs) >= limit else len(runs)
    if args.json:
        print_json(runs)
        return 0
    if not runs:
        sys.stdout.write("no runs stored yet (measure one with: carbonest measure -- CMD)\n")
        return 0
    sys.stdout.write(render_list(runs, total))
    return 0


def run_job(args: argparse.Namespace) -> int:
    """Run ``carbonest runs --job JOB``."""
    from carbonest.cli.job_report import render_job
    from carbonest.store.base import JobNotFoundError
    from carbonest.store.jobs import job_view

    if not args.job.strip():
        raise InvalidInputError("job: give a job id, e.g. --job 123456 (a Slurm job id)", field="job")
    with _store(args) as store:
        try:
            job = job_view(store, args.job)
        except JobNotFoundError as exc:  # found nothing: exit 1, as a run id (docs/cli.md)
            exc.field = "job"
            raise exc from None
    if args.json:
        print_json(job)
    else:
        sys.stdout.write(render_job(job))
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
