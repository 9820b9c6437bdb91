"""The ``carbonest`` command: subcommand dispatch and the user-error boundary."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from carbonest.cli.common import OneLineParser, user_error


def build_parser() -> OneLineParser:
    """The top-level parser with every subcommand registered."""
    from carbonest import __version__
    from carbonest.cli import doctor_cmd, estimate_cmd, measure_cmd, runs_cmd, tables_cmd, whatif_cmd

    parser = OneLineParser(
        prog="carbonest",
        description="Measure and estimate the energy, carbon and water of machine-learning work.",
    )
    parser.add_argument("--version", action="version", version=f"carbonest {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    estimate_cmd.add_parser(sub)
    whatif_cmd.add_parser(sub)
    tables_cmd.add_parsers(sub)
    measure_cmd.add_parser(sub)
    runs_cmd.add_parser(sub, OneLineParser)
    doctor_cmd.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``carbonest`` console script. Returns the exit code."""
    from carbonest.errors import CarbonestError, InvalidInputError

    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help(sys.stderr)
        return 2
    prog = f"carbonest {args.command}"
    try:
        return int(args.run(args))
    except InvalidInputError as exc:
        return user_error(prog, exc)
    except CarbonestError as exc:
        sys.stderr.write(f"{prog}: error: {exc}\n")
        return 1
    except BrokenPipeError:
        return 0
