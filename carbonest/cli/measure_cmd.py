"""``carbonest measure -- CMD``: measure a command from start to end."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from carbonest.errors import InvalidInputError


def add_parser(sub: Any) -> None:
    """Register ``measure``."""
    p = sub.add_parser(
        "measure", help="run a command and measure its energy and CO2e",
        description="Run CMD (without a shell), measure the machine while it runs, save the run, "
                    "print a summary to stderr and exit with CMD's exit code.",
        usage="carbonest measure [options] -- CMD [ARGS...]",
    )
    p.add_argument("--name", metavar="N", help="name of the run (default: the command's name)")
    p.add_argument("--region", metavar="R", help="grid region (default: CARBONEST_REGION, config, world)")
    p.add_argument("--basis", metavar="B", help="basis of the region's carbon intensity: lifecycle (default) or direct")
    p.add_argument("--pue", metavar="X", help="power usage effectiveness")
    p.add_argument("--intensity-provider", metavar="NAME",
                   help="live carbon intensity: electricitymaps, watttime or uk (default: table)")
    p.add_argument("--interval", metavar="S", help="sampling interval in seconds (default 1, minimum 0.01)")
    p.add_argument("--flush-interval", metavar="S", help="checkpoint interval in seconds (default 10)")
    p.add_argument("--json-file", metavar="PATH", help="write the run record as JSON here ('-' for stdout)")
    p.add_argument("cmd", nargs=argparse.REMAINDER, metavar="CMD", help="the command to run, after --")
    p.set_defaults(run=run)


def _numbers(args: argparse.Namespace) -> dict[str, Any]:
    from carbonest import inputs

    out: dict[str, Any] = {}
    if args.pue is not None:
        out["pue"] = inputs.pue("pue", args.pue)
    if args.interval is not None:
        out["interval_s"] = inputs.positive("interval", args.interval)
        if out["interval_s"] < 0.01:
            raise InvalidInputError(f"interval: must be at least 0.01 s, got {args.interval!r}", field="interval")
    if args.flush_interval is not None:
        out["flush_interval_s"] = inputs.positive("flush_interval", args.flush_interval)
    return out


def run(args: argparse.Namespace) -> int:
    """Run ``carbonest measure``."""
    command = list(args.cmd)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise InvalidInputError("CMD: give the command to measure after --, "
                                "e.g. carbonest measure -- python train.py", field="CMD")
    import shutil

    if shutil.which(command[0]) is None:
        sys.stderr.write(f"carbonest measure: error: command not found: {command[0]}\n")
        return 127
    _check_json_file(args.json_file)
    from carbonest.measure.tracker import Tracker

    name = args.name or os.path.basename(command[0])
    tracker = Tracker(name, region=args.region, basis=args.basis, handle_signals=False,
                      intensity_provider=_provider_name(args.intensity_provider), **_numbers(args))
    tracker.start()
    return _supervise(tracker, command, args.json_file)


def _provider_name(value: str | None) -> str | None:
    from carbonest import inputs

    if value is None:
        return None
    return inputs.choice("intensity_provider", value, ("table", "electricitymaps", "watttime", "uk"))


def _check_json_file(path: str | None) -> None:
    """Refuse a --json-file that could not be written, before the command runs (not after)."""
    if path in (None, "-"):
        return
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path) or not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        raise InvalidInputError(f"json_file: cannot write {path!r} (no such writable folder, or a folder)",
                                field="json_file")


def _supervise(tracker: Any, command: list[str], json_file: str | None) -> int:
    import signal
    import subprocess

    received: list[int] = []
    try:
        child = subprocess.Popen(command)
    except OSError as exc:
        tracker.stop("failed", f"could not start {command[0]}: {exc}")
        sys.stderr.write(f"carbonest measure: error: cannot run {command[0]}: {exc.strerror or exc}\n")
        return 126

    def forward(signum: int, _frame: Any) -> None:
        received.append(signum)
        if child.poll() is None:
            child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if received:
        status, reason = "interrupted", f"{signal.Signals(received[0]).name} forwarded to the command"
    elif code == 0:
        status, reason = "completed", None
    else:
        status = "failed"
        reason = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
    record = tracker.stop(status, reason)
    _report(record.to_dict(), json_file)
    return code if code >= 0 else 128 - code


def _report(record: dict[str, Any], json_file: str | None) -> None:
    import json

    from carbonest.cli.report import render_run

    sys.stderr.write("\n" + render_run(record))
    if json_file == "-":
        sys.stdout.write(json.dumps(record, indent=2) + "\n")
    elif json_file:
        try:
            with open(json_file, "w", encoding="utf-8") as fh:
                json.dump(record, fh, indent=2)
                fh.write("\n")
        except OSError as exc:  # the command has run: report, keep its exit code
            sys.stderr.write(f"carbonest measure: could not write {json_file}: {exc.strerror or exc}; "
                             f"the run is in the store as {record['run_id']}\n")
