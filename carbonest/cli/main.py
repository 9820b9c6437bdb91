"""The ``carbonest`` command: subcommand dispatch and the user-error boundary."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from carbonest.cli.common import OneLineParser, safe_text, user_error


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
    parser.add_argument("--version", action="version", version=f"carbonest {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    wanted = [COMMANDS[only]] if only in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for module_name, register in wanted:
        module = import_module(f"carbonest.cli.{module_name}")
        if module_name == "runs_cmd":
            module.add_parser(sub, OneLineParser)
        else:
            getattr(module, register)(sub)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (the first word that is not an option), if any."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg
        if arg == "--":
            return None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``carbonest`` console script. Returns the exit code."""
    from carbonest.errors import CarbonestError, InvalidInputError

    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_of(args_list))
    args = parser.parse_args(args_list)
    if getattr(args, "run", None) is None:
        parser.print_help(sys.stderr)
        return 2
    prog = f"carbonest {args.command}"
    try:
        code = int(args.run(args))
        sys.stdout.flush()  # a full disk or /dev/full shows here, not in a traceback at exit
        return code
    except InvalidInputError as exc:
        return user_error(prog, exc)
    except CarbonestError as exc:
        sys.stderr.write(f"{prog}: error: {safe_text(exc)}\n")
        return 1
    except BrokenPipeError:
        _drop_stdout()
        return 0
    except OSError as exc:  # writing the output failed (ENOSPC, EIO): one line, not a traceback
        _drop_stdout()
        sys.stderr.write(f"{prog}: error: cannot write the output: {exc.strerror or exc}\n")
        return 1


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's flush at exit does not fail a second time."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (captured output)
        pass
