"""``carbonest measure -- CMD``: measure a command from start to end, as its supervisor.

As a supervisor it follows ``timeout(1)`` and the shell:

* Every catchable signal whose default action ends a process (SIGHUP, SIGINT,
  SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, ...) is passed on to the command;
  ``measure`` then waits for it and saves the run. A signal that was ignored when ``measure``
  started (``nohup``'s SIGHUP, SIGINT and SIGQUIT in a shell's background job) stays ignored,
  by ``measure`` and by the command, which inherits it. A command still running
  ``--kill-after`` seconds after a signal that asks it to stop (any of them but
  SIGUSR1 and SIGUSR2, which Slurm's ``--signal=USR1@60`` uses as a warning) is
  sent SIGKILL, and the record says so.
* If ``measure`` itself dies (SIGKILL, the OOM killer), the command is killed
  too rather than running on unmeasured: on Linux it is started through a small
  exec shim that sets ``PR_SET_PDEATHSIG`` in the new process before ``exec``
  (``preexec_fn`` would not be safe, as the sampler thread is already running).
* Exit codes: the command's own; 128 + N if it was killed by signal N; 127 if it
  is not found; 126 if it is found but cannot be run (permission denied, a folder).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from carbonest.errors import InvalidInputError

DEFAULT_KILL_AFTER_S = 10.0
"""Grace period between a forwarded stop signal and SIGKILL (as ``timeout --kill-after``). Units: s."""

NOTIFY_SIGNALS = ("SIGUSR1", "SIGUSR2")
"""Forwarded signals that do not ask the command to stop (no SIGKILL follows them)."""

FORWARDED_SIGNALS = ("SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGALRM",
                     "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGPWR")
"""Catchable signals whose default action ends a process, minus the synchronous faults
(SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS: about ``measure`` itself), SIGPIPE (a
closed output) and SIGIO/SIGPOLL (asynchronous I/O); the ones a platform lacks are skipped."""

# Runs as ``python -c SHIM PARENT_PID CMD...``: ask the kernel to SIGKILL this process when
# its parent dies, check the parent is not gone already, then become CMD (same pid).
_PDEATHSIG_SHIM = """\
import ctypes, os, signal, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
if os.getppid() != int(sys.argv[1]):
    os._exit(137)
try:
    os.execvp(sys.argv[2], sys.argv[2:])
except OSError as exc:
    sys.stderr.write(f"carbonest measure: error: cannot run {sys.argv[2]}: {exc.strerror}\\n")
    os._exit(127 if isinstance(exc, FileNotFoundError) else 126)
"""


def add_parser(sub: Any) -> None:
    """Register ``measure``."""
    p = sub.add_parser(
        "measure", help="run a command and measure its energy and CO2e",
        description="Run CMD (without a shell), measure the machine while it runs, save the run, "
                    "print a summary to stderr and exit with CMD's exit code. Signals are passed on "
                    "to CMD; if carbonest is killed, so is CMD.",
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
    p.add_argument("--kill-after", metavar="S",
                   help="send SIGKILL if CMD still runs S seconds after a forwarded stop signal (default 10)")
    p.add_argument("--json-file", metavar="PATH", help="write the run record as JSON here ('-' for stdout)")
    p.add_argument("--quiet", action="store_true",
                   help="no live line on the terminal and no summary (errors and warnings still show)")
    p.add_argument("--store", metavar="PATH|URL",
                   help="save the run here: a SQLite file or a postgresql:// URL "
                        "(default: $CARBONEST_STORE, else $CARBONEST_HOME/runs.sqlite)")
    p.add_argument("--prometheus-port", metavar="P",
                   help="serve the run's power, energy and CO2e for Prometheus on port P while CMD runs")
    p.add_argument("--prometheus-bind", metavar="ADDR", default="127.0.0.1",
                   help="address the metrics server listens on (default 127.0.0.1: this host only)")
    p.add_argument("--log-to", metavar="SINK", action="append",
                   help="also log the run to mlflow or wandb (repeat or comma-separate for both)")
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


def find_command(program: str) -> tuple[int, str] | None:
    """None if ``program`` can be run; else the shell's exit code (127, 126) and why not."""
    import shutil

    if os.sep in program:
        candidates = [program]
    else:
        if shutil.which(program) is not None:
            return None
        path = os.environ.get("PATH", os.defpath)
        candidates = [os.path.join(d or ".", program) for d in path.split(os.pathsep)]
    for candidate in candidates:
        if os.path.isdir(candidate):
            if os.sep in program:
                return 126, f"is a directory: {program}"
            continue
        if os.path.exists(candidate):
            if os.access(candidate, os.X_OK):
                return None
            return 126, f"permission denied: {program}"
    return 127, f"command not found: {program}"


def run(args: argparse.Namespace) -> int:
    """Run ``carbonest measure``."""
    from carbonest import inputs
    from carbonest.cli.common import safe_text

    command = list(args.cmd)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise InvalidInputError("CMD: give the command to measure after --, "
                                "e.g. carbonest measure -- python train.py", field="CMD")
    kill_after = DEFAULT_KILL_AFTER_S if args.kill_after is None else inputs.positive("kill_after", args.kill_after)
    missing = find_command(command[0])
    if missing is not None:
        sys.stderr.write(f"carbonest measure: error: {safe_text(missing[1])}\n")
        return missing[0]
    _check_json_file(args.json_file)
    metrics = _metrics_options(args)
    log_to = _log_to(args.log_to)
    from carbonest.measure.tracker import Tracker

    name, cut_note = inputs.capped_name(args.name or os.path.basename(command[0]))
    tracker = Tracker(name, region=args.region, basis=args.basis, handle_signals=False,
                      intensity_provider=_provider_name(args.intensity_provider), store=args.store,
                      log_to=log_to, **metrics, **_numbers(args))
    tracker.start()
    if tracker.metrics_url is not None:
        sys.stderr.write(f"carbonest measure: Prometheus metrics at {tracker.metrics_url}\n")
    if cut_note is not None:
        sys.stderr.write(f"carbonest measure: note: {cut_note}\n")
    return _supervise(tracker, command, args.json_file, kill_after, quiet=args.quiet)


def _metrics_options(args: argparse.Namespace) -> dict[str, Any]:
    """``prometheus_port``/``_bind`` for the tracker; a port in use stops here, before CMD runs."""
    if args.prometheus_port is None:
        return {}
    from carbonest.errors import CarbonestError
    from carbonest.measure import prometheus

    port = prometheus.check_port(args.prometheus_port)
    bind = prometheus.check_bind(args.prometheus_bind, field="prometheus_bind")
    prometheus.import_client()
    try:
        prometheus.port_is_free(port, bind)
    except prometheus.PortInUseError as exc:
        raise CarbonestError(f"--prometheus-port {port}: {exc}") from None
    return {"prometheus_port": port, "prometheus_bind": bind}


def _log_to(values: list[str] | None) -> Any:
    """--log-to: known sink names whose library is installed, checked before the command runs."""
    from carbonest.integrations.base import check_log_to
    from carbonest.integrations.sinks import check_installed

    spec = check_log_to(values, "log_to")
    check_installed(spec, "log_to")
    return spec or None


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


def _spawn(command: list[str]) -> Any:
    """Start the command; on Linux through the PR_SET_PDEATHSIG shim (see the module docstring)."""
    import subprocess

    if sys.platform.startswith("linux"):
        return subprocess.Popen([sys.executable, "-I", "-S", "-c", _PDEATHSIG_SHIM, str(os.getpid()), *command])
    return subprocess.Popen(command)


def _forwarded() -> list[Any]:
    import signal

    return [getattr(signal, n) for n in FORWARDED_SIGNALS if hasattr(signal, n)]


def _live_line(tracker: Any, quiet: bool) -> Any:
    """The live line on the terminal (carbonest/cli/live_line.py), started; None when not shown."""
    from carbonest.cli import live_line

    if not live_line.wanted(quiet):
        return None
    line = live_line.LiveLine(lambda: tracker.record.to_dict())
    line.start()
    return line


def _supervise(tracker: Any, command: list[str], json_file: str | None,
               kill_after_s: float = DEFAULT_KILL_AFTER_S, *, quiet: bool = False) -> int:
    import signal
    import subprocess
    import time

    live = _live_line(tracker, quiet)
    received: list[int] = []
    deadline: list[float] = []  # when SIGKILL is due, once a stop signal was forwarded
    try:
        child = _spawn(command)
    except OSError as exc:
        tracker.stop("failed", f"could not start {command[0]}: {exc}")
        if live is not None:
            live.stop()
        sys.stderr.write(f"carbonest measure: error: cannot run {command[0]}: {exc.strerror or exc}\n")
        return 127 if isinstance(exc, FileNotFoundError) else 126

    def forward(signum: int, _frame: Any) -> None:
        received.append(signum)
        if signal.Signals(signum).name not in NOTIFY_SIGNALS and not deadline:
            deadline.append(time.monotonic() + kill_after_s)
        if child.poll() is None:
            child.send_signal(signum)

    # A signal ignored when measure started stays ignored, as it is for the command (an ignored
    # signal stays ignored across exec): under `nohup`, a closed terminal's SIGHUP must not be
    # forwarded to a command that ignores it and then be followed by SIGKILL.
    previous = {s: signal.signal(s, forward) for s in _forwarded() if signal.getsignal(s) != signal.SIG_IGN}
    killed = False
    try:
        while True:
            try:
                code = child.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                if live is not None:
                    live.tick()
                if deadline and not killed and time.monotonic() >= deadline[0]:
                    child.kill()
                    killed = True
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if live is not None:
            live.stop()  # the status row goes before the summary prints
    status, reason = _outcome(code, received, killed, kill_after_s)
    record = tracker.stop(status, reason)
    _report(record.to_dict(), json_file, quiet)
    return code if code >= 0 else 128 - code


def _outcome(code: int, received: list[int], killed: bool, kill_after_s: float) -> tuple[str, str | None]:
    """The run's status and reason from the exit code and the signals passed on."""
    import signal

    names = list(dict.fromkeys(signal.Signals(s).name for s in received))
    stop = [n for n in names if n not in NOTIFY_SIGNALS]
    if killed:
        return "interrupted", (f"{stop[0]} forwarded to the command; it was still running {kill_after_s:g} s "
                               "later and was killed with SIGKILL")
    if stop:
        return "interrupted", f"{', '.join(stop)} forwarded to the command"
    if code == 0:
        return "completed", None
    reason = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
    if names:
        reason += f" ({', '.join(names)} forwarded to the command)"
    return ("interrupted" if names and code < 0 else "failed"), reason


def _report(record: dict[str, Any], json_file: str | None, quiet: bool = False) -> None:
    import json

    from carbonest.cli.report import render_run

    if not quiet:
        sys.stderr.write("\n" + render_run(record))
    if json_file == "-":
        try:
            sys.stdout.write(json.dumps(record, indent=2) + "\n")
            sys.stdout.flush()
        except OSError as exc:  # the command has run: report, keep its exit code
            from carbonest.cli.main import _drop_stdout

            _drop_stdout()
            sys.stderr.write(f"carbonest measure: could not write the record to stdout: {exc.strerror or exc}; "
                             f"the run is in the store as {record['run_id']}\n")
    elif json_file:
        try:
            with open(json_file, "w", encoding="utf-8") as fh:
                json.dump(record, fh, indent=2)
                fh.write("\n")
        except OSError as exc:  # the command has run: report, keep its exit code
            sys.stderr.write(f"carbonest measure: could not write {json_file}: {exc.strerror or exc}; "
                             f"the run is in the store as {record['run_id']}\n")
