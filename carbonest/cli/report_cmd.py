"""``carbonest report``: a stored run as text, HTML, PNG or SVG; runs compared; a compute appendix.

* ``carbonest report RUN_ID``: the text report; ``--html/--png/--svg PATH`` write files
  (these need matplotlib: ``pip install "carbonest[report]"``; without it one line says so and
  the exit code is 1). The text report and ``--appendix`` need no extra.
* ``carbonest report --compare RUN_A RUN_B [...]``: side by side, each difference from the
  first run with its main cause (duration, power, place); the same outputs.
* ``carbonest report RUN_ID --appendix md|latex|text``: the paper's compute appendix,
  from :func:`carbonest.report.appendix.run_appendix`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

APPENDIX_FORMATS = ("md", "latex", "text")


def add_parser(sub: Any) -> None:
    """Register ``report``."""
    p = sub.add_parser("report", help="a stored run as text, HTML, PNG or SVG; compare runs",
                       description="Report a stored run: power over time, energy, CO2e with its range, "
                                   "equivalents, lower-carbon regions and the provenance of every figure.")
    p.add_argument("run_id", nargs="?", metavar="RUN_ID", help="a run id or a unique prefix of one")
    p.add_argument("--compare", nargs="+", metavar="RUN", help="compare two or more runs (the first is the baseline)")
    p.add_argument("--html", metavar="PATH", help="write a self-contained HTML report here")
    p.add_argument("--png", metavar="PATH", help="write the report's figure as PNG here")
    p.add_argument("--svg", metavar="PATH", help="write the report's figure as SVG here")
    p.add_argument("--appendix", choices=APPENDIX_FORMATS, metavar="{md,latex,text}",
                   help="print a compute appendix for a paper (md, latex or text)")
    p.add_argument("--store", metavar="PATH", help="the run store file (default: $CARBONEST_HOME/runs.sqlite)")
    p.set_defaults(run=run)


def _check_args(args: argparse.Namespace) -> None:
    from carbonest.cli.common import check_output_path
    from carbonest.errors import InvalidInputError

    if args.compare is not None:
        if args.run_id is not None:
            raise InvalidInputError("RUN_ID: give the runs to compare after --compare only "
                                    "(carbonest report --compare RUN_A RUN_B)", field="run_id")
        if len(args.compare) < 2:
            raise InvalidInputError("compare: give at least two runs (--compare RUN_A RUN_B)", field="compare")
        if args.appendix:
            raise InvalidInputError("appendix: an appendix is of one run, not with --compare", field="appendix")
    elif args.run_id is None:
        raise InvalidInputError("RUN_ID: give a run id (see carbonest runs) or --compare RUN_A RUN_B",
                                field="run_id")
    for flag in ("html", "png", "svg"):
        path = getattr(args, flag)
        if path is not None:
            check_output_path(flag, path)


def run(args: argparse.Namespace) -> int:
    """Run ``carbonest report``."""
    from carbonest.store.query import open_for_reading

    _check_args(args)
    wants_files = any(getattr(args, f) for f in ("html", "png", "svg"))
    if wants_files:
        from carbonest.report.plots import pyplot

        pyplot()  # before any work: a missing matplotlib is one line and exit 1
    with open_for_reading(args.store, field="store") as store:
        if args.compare is not None:
            return _compare(store, args)
        from carbonest.report.model import load_report

        rep = load_report(store, args.run_id)
    if args.appendix:  # the other module of this package; imported only when asked for
        from carbonest.report import appendix

        text = appendix.run_appendix(rep.record, args.appendix)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    elif not wants_files:
        from carbonest.report.text import render_text

        sys.stdout.write(render_text(rep))
        if not _has_matplotlib():
            from carbonest.report.plots import INSTALL_HINT

            sys.stderr.write(f"carbonest report: note: {INSTALL_HINT} (only --html, --png and --svg need it)\n")
    if not wants_files:
        return 0
    from carbonest.report import plots

    if args.html:
        from carbonest.report.html import render_html

        power = plots.figure_bytes(plots.power_figure(rep), "png")
        bars = plots.figure_bytes(plots.bars_figure(rep), "png")
        _write(args.html, render_html(rep, power, bars).encode("utf-8"))
    if args.png or args.svg:
        figure = plots.report_figure(rep)
        for fmt in ("png", "svg"):
            if getattr(args, fmt):
                _write(getattr(args, fmt), plots.figure_bytes(figure, fmt))
    return 0


def _compare(store: Any, args: argparse.Namespace) -> int:
    from carbonest.report.compare import compare_records

    from carbonest.errors import InvalidInputError
    from carbonest.store.base import AmbiguousRunIdError, RunNotFoundError

    try:
        records = [store.get_run(run_id) for run_id in args.compare]
    except RunNotFoundError as exc:  # found nothing: exit 1 (docs/cli.md), the flag named
        raise RunNotFoundError(exc.run_id, field="compare") from None
    except AmbiguousRunIdError as exc:
        raise InvalidInputError(str(exc), field="compare") from None
    runs, decomps = compare_records(records)
    if not any(getattr(args, f) for f in ("html", "png", "svg")):
        from carbonest.report.text import render_compare_text

        sys.stdout.write(render_compare_text(runs, decomps))
        return 0
    from carbonest.report import plots

    if args.html:
        from carbonest.report.html import render_compare_html

        png = plots.figure_bytes(plots.compare_figure(runs, decomps), "png")
        _write(args.html, render_compare_html(runs, decomps, png).encode("utf-8"))
    if args.png or args.svg:
        figure = plots.compare_figure(runs, decomps)
        for fmt in ("png", "svg"):
            if getattr(args, fmt):
                _write(getattr(args, fmt), plots.figure_bytes(figure, fmt))
    return 0


def _has_matplotlib() -> bool:
    """Whether matplotlib can be imported, without importing it."""
    import importlib.util

    if "matplotlib" in sys.modules:
        return sys.modules["matplotlib"] is not None
    return importlib.util.find_spec("matplotlib") is not None


def _write(path: str, data: bytes) -> None:
    from carbonest.cli.common import write_failed

    try:
        with open(path, "wb") as out:
            out.write(data)
    except OSError as exc:
        raise write_failed(path, exc) from None
    sys.stderr.write(f"wrote {path} ({len(data):,} bytes)\n")
