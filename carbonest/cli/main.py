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
        return int(args.run(args))
    except InvalidInputError as exc:
        return user_error(prog, exc)
    except CarbonestError as exc:
        sys.stderr.write(f"{prog}: error: {safe_text(exc)}\n")
        return 1
    except BrokenPipeError:
        return 0
