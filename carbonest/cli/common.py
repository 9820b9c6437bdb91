"""Pieces shared by the subcommands: a one-line-error parser, flag names, number formatting."""

from __future__ import annotations

import functools

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


API_NAMES = frozenset({
    "gpu_power_w", "cpu_power_w", "dram_gb", "dram_power_w", "intensity_g_per_kwh", "wue_l_per_kwh",
    "lora_params", "head_params", "energy_per_query_wh", "tokens_per_query", "inference_mfu", "energy_kwh",
    "idle_kwh", "embodied_kg_per_server", "gpus_per_server", "lifetime_years", "water_generation_l_per_kwh",
    "baseline_region",
})
"""API parameter names (with an underscore) that ``estimate`` and ``whatif`` have flags for: notes
and warnings that name them show the flag on the CLI."""


def flag_for(field: str) -> str:
    """The CLI flag that corresponds to an API parameter name."""
    return FLAG_NAMES.get(field, "--" + field.replace("_", "-"))


_json_errors = False
"""Whether errors are printed as one JSON object (``--json`` was given); set by ``main``."""


def set_json_errors(on: bool) -> None:
    """Print errors as one JSON object on stderr (``--json``) or as one line of text."""
    global _json_errors
    _json_errors = on


def report_error(prog: str, message: str, *, field: str | None = None, suggestions: Any = (),
                 code: int = USAGE_EXIT) -> int:
    """Print one error (a line of text, or with ``--json`` one JSON object) and return ``code``.

    The JSON object is ``{"error": ..., "field": ..., "suggestions": [...]}``: ``field`` is the flag
    (or the environment variable, config file) at fault, or null.
    """
    if _json_errors:
        obj = {"error": safe_text(message), "field": field, "suggestions": [str(s) for s in suggestions or ()]}
        sys.stderr.write(json.dumps(obj, ensure_ascii=False) + "\n")
    else:
        sys.stderr.write(f"{prog}: error: {safe_text(message)}\n")
    return code


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        import re

        suggestions: list[str] = []
        bad = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if bad:
            import difflib

            choices = re.findall(r"'([^']*)'", bad.group(2))
            suggestions = difflib.get_close_matches(bad.group(1), choices, n=1)
            if suggestions:
                message += f"; did you mean {suggestions[0]}?"
        self.fail(message, suggestions=suggestions)

    def fail(self, message: str, *, field: str | None = None, suggestions: Any = ()) -> NoReturn:
        """Report a usage error of this (sub)command, pointing to its own help, and exit 2."""
        report_error(self.prog, f"{message} (see {self.prog} --help)", field=field, suggestions=suggestions)
        raise SystemExit(USAGE_EXIT)

    def unrecognized(self, extras: list[str]) -> NoReturn:
        """Refuse arguments this subcommand does not know, suggesting the closest flag."""
        import difflib

        flags = sorted({o for a in self._actions for o in a.option_strings if o.startswith("--")})
        message = f"unrecognized arguments: {' '.join(extras)}"
        first = next((e.split("=", 1)[0] for e in extras if e.startswith("-")), None)
        close = difflib.get_close_matches(first, flags, n=3, cutoff=0.6) if first else []
        if close:
            message += f"; did you mean {close[0]}?"
        self.fail(message, field=first, suggestions=close)


def cli_names(text: str, known: Any = ()) -> str:
    """``text`` with the API parameter names it mentions shown as flags (``gpu_power_w`` ->
    ``--gpu-power-w``): the names with an underscore (never English words), where the command
    has such a flag (``known``: the API names of its flags), outside quoted values."""
    import re

    names = set(known) | set(FLAG_NAMES) | API_NAMES
    if not any(n in text for n in names if "_" in n):
        return text

    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        return flag_for(word) if word in names and "_" in word else word

    parts = re.split(r"('[^']*')", text)  # leave 'quoted values' as typed
    return "".join(p if i % 2 else re.sub(r"(?<![-\w])[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", swap, p)
                   for i, p in enumerate(parts))


def cli_notes(result: dict[str, Any]) -> dict[str, Any]:
    """A result's JSON form with its notes naming flags instead of API parameters (text output;
    ``--json`` keeps the API's names, as the Python API shows them)."""
    return {**result, "notes": [cli_names(n) for n in result.get("notes", ())]}


def user_error(prog: str, exc: Exception, known: Any = (), *, code: int = USAGE_EXIT) -> int:
    """Print a user mistake as one line naming the flag (not the Python parameter); return ``code``.

    ``known``: the API parameter names the command has flags for (see :func:`cli_names`).
    """
    from carbonest.errors import InvalidInputError

    field = getattr(exc, "field", None)
    # A config file's or an environment variable's error names its source itself
    # ("/path/config.toml: pue: ...", "CARBONEST_PUE: ..."): no flag by that name exists.
    source = not field or field == "config" or field.startswith("CARBONEST_")
    if isinstance(exc, InvalidInputError):
        message = exc.render(lambda name: name if source and name == field else flag_for(name))
    else:
        message = str(exc)
    flag = None
    if not source:
        assert field is not None
        flag = flag_for(field)
        if flag not in message:
            message = f"{flag}: {message}"
    message = cli_names(message, known)
    return report_error(prog, message, field=flag or field, suggestions=getattr(exc, "suggestions", ()), code=code)


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


@functools.lru_cache(maxsize=4096)  # the tables repeat the same TDPs and sizes thousands of times
def fmt(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant figures and thousands separators."""
    from carbonest.textnum import fixed

    return fixed(value, digits)
