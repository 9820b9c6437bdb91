"""Pieces shared by the subcommands: a one-line-error parser, flag names, number formatting."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, NoReturn

USAGE_EXIT = 2

# API parameter name -> the CLI flag that sets it, where they differ.
FLAG_NAMES = {
    "intensity_g_per_kwh": "--intensity",
    "wue_l_per_kwh": "--wue",
    "run_id": "RUN_ID",
    "CMD": "CMD",
}


def flag_for(field: str) -> str:
    """The CLI flag that corresponds to an API parameter name."""
    return FLAG_NAMES.get(field, "--" + field.replace("_", "-"))


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        import re

        bad = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if bad:
            import difflib

            choices = re.findall(r"'([^']*)'", bad.group(2))
            close = difflib.get_close_matches(bad.group(1), choices, n=1)
            if close:
                message += f"; did you mean {close[0]}?"
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(USAGE_EXIT)


def user_error(prog: str, exc: Exception) -> int:
    """Print a user mistake as one line (naming the flag) and return exit code 2."""
    message = str(exc)
    field = getattr(exc, "field", None)
    # A config file's or an environment variable's error names its source itself
    # ("/path/config.toml: pue: ...", "CARBONEST_PUE: ..."): no flag by that name exists.
    if field and field != "config" and not field.startswith("CARBONEST_"):
        flag = flag_for(field)
        if message.startswith(field + ":"):
            message = flag + message[len(field):]
        elif flag not in message:
            message = f"{flag}: {message}"
    sys.stderr.write(f"{prog}: error: {safe_text(message)}\n")
    return USAGE_EXIT


def safe_text(text: Any) -> str:
    """``text`` with control characters escaped (``\\x1b``, ``\\n``), for terminal output.

    A run name, command or reason may hold ANSI escapes or newlines; printed raw they
    would reach the terminal (recolour it, move the cursor, fake extra lines).
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)


def check_output_path(field: str, path: str) -> None:
    """Raise InvalidInputError naming ``field`` for a path that cannot be a new or replaced file."""
    import os

    from carbonest.errors import InvalidInputError

    folder = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        why = "it is a folder"
    elif not os.path.isdir(folder):
        why = f"no such folder {folder!r}"
    elif not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        why = "permission denied"
    else:
        return
    raise InvalidInputError(f"{field}: cannot write {path!r} ({why})", field=field)


def write_failed(path: str, exc: OSError) -> Exception:
    """The error for an output file whose writing failed midway (a full disk, /dev/full)."""
    from carbonest.errors import CarbonestError

    return CarbonestError(f"cannot write {path}: {exc.strerror or exc}")


def print_json(obj: Any) -> None:
    """Print an object as indented JSON on stdout."""
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def fmt(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant figures and thousands separators."""
    if value is None:
        return "n/a"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    decimals = digits - 1 - int(f"{magnitude:e}".split("e")[1])
    return f"{value:,.{max(decimals, 0)}f}"
