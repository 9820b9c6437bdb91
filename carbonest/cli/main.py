"""The ``carbonest`` command: subcommand dispatch and the user-error boundary."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from carbonest.cli.common import OneLineParser, report_error, safe_text, set_json_errors, user_error


# command -> (module, how it registers): only the module of the command being run is imported,
# so `carbonest estimate` does not pay for the what-if or measuring code.
COMMANDS: dict[str, tuple[str, str]] = {
    "estimate": ("estimate_cmd", "add_parser"),
    "whatif": ("whatif_cmd", "add_parser"),
    "regions": ("tables_cmd", "add_parsers"),
    "hardware": ("tables_cmd", "add_parsers"),
    "sources": ("tables_cmd", "add_parsers"),
    "measure": ("measure_cmd", "add_parser"),
    "runs": ("runs_cmd", "add_parser"),
    "doctor": ("doctor_cmd", "add_parser"),
    "intensity": ("intensity_cmd", "add_parser"),
    "when": ("when_cmd", "add_parser"),
    "report": ("report_cmd", "add_parser"),
    "exporter": ("exporter_cmd", "add_parser"),
}


def build_parser(only: str | None = None) -> OneLineParser:
    """The top-level parser with every subcommand registered (or only ``only``'s module)."""
    from importlib import import_module

    from carbonest._version import __version__

    parser = OneLineParser(
        prog="carbonest",
        description="Measure and estimate the energy, carbon and water of machine-learning work.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"carbonest {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    wanted = [COMMANDS[only]] if only in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for module_name, register in wanted:
        module = import_module(f"carbonest.cli.{module_name}")
        if module_name == "runs_cmd":
            module.add_parser(sub, OneLineParser)
        else:
            getattr(module, register)(sub)
    from carbonest.cli.help_text import decorate

    decorate(sub)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is not an option), if any."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg
        if arg == "--":
            return None
    return None


def _wants_json(argv: Sequence[str]) -> bool:
    """Whether ``--json`` is among the options (before a ``--`` or a measured command)."""
    for arg in argv:
        if arg == "--":
            return False
        if arg == "--json":
            return True
    return False


def _subparser(parser: OneLineParser, args: object) -> OneLineParser:
    """The innermost parser ``args`` went through (``carbonest runs show``; the top level if none)."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found = action.choices.get(getattr(args, action.dest, None) or "")
            if found is not None:
                return _subparser(found, args)
    return parser


def _api_names(sub: OneLineParser) -> set[str]:
    """The API parameter names a subcommand has flags for (``--intensity`` sets ``intensity_g_per_kwh``)."""
    from carbonest.cli.common import FLAG_NAMES

    dests = {a.dest for a in sub._actions if a.option_strings}
    by_flag = {flag: name for name, flag in FLAG_NAMES.items()}
    return dests | {by_flag[f"--{d.replace('_', '-')}"] for d in dests if f"--{d.replace('_', '-')}" in by_flag}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``carbonest`` console script. Returns the exit code (see docs/cli.md)."""

    args_list = list(sys.argv[1:] if argv is None else argv)
    set_json_errors(_wants_json(args_list))
    try:
        return _main(args_list)
    finally:
        set_json_errors(False)


def _main(args_list: list[str]) -> int:
    from carbonest.errors import CarbonestError, InvalidInputError

    parser = build_parser(_command_of(args_list))
    args, extras = parser.parse_known_args(args_list)
    sub = _subparser(parser, args)
    if extras:
        sub.unrecognized(extras)
    if getattr(args, "run", None) is None:
        parser.print_help(sys.stderr)
        return 2
    prog = f"carbonest {args.command}"
    try:
        code = int(_run_showing_warnings(args, prog, _api_names(sub)))
        sys.stdout.flush()  # a full disk or /dev/full shows here, not in a traceback at exit
        return code
    except InvalidInputError as exc:
        code = 1 if _found_nothing(exc) else 2  # a run id that matches nothing: as grep (docs/cli.md)
        return user_error(prog, exc, _api_names(sub), code=code)
    except CarbonestError as exc:
        return report_error(prog, str(exc), code=1)
    except BrokenPipeError:
        _drop_stdout()
        return 0
    except OSError as exc:  # writing the output failed (ENOSPC, EIO): one line, not a traceback
        _drop_stdout()
        return report_error(prog, f"cannot write the output: {exc.strerror or exc}", code=1)


def _found_nothing(exc: Exception) -> bool:
    from carbonest.store.base import JobNotFoundError, RunNotFoundError

    return isinstance(exc, (RunNotFoundError, JobNotFoundError))


WARNING_COMMANDS = ("estimate", "whatif")
"""Commands whose warnings (a power far above the TDP...) are printed as one line naming the flag."""


def _run_showing_warnings(args: object, prog: str, known: set[str]) -> int:
    """Run the command; its carbonest warnings become ``carbonest CMD: warning: ...`` lines on stderr."""
    import warnings

    from carbonest.cli.common import cli_names

    run = getattr(args, "run")
    if getattr(args, "command", None) not in WARNING_COMMANDS:
        return int(run(args))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = int(run(args))  # an error is reported alone, without the warnings before it
    for w in caught:
        text = str(w.message).removeprefix("carbonest: ")
        sys.stderr.write(f"{prog}: warning: {safe_text(cli_names(text, known))}\n")
    return code


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's flush at exit does not fail a second time."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (captured output)
        pass
