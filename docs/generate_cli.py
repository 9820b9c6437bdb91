"""Fill the generated blocks of docs/cli.md with what the tool prints.

A generated block sits between two marker comments; everything outside them is written by hand
and left as it is::

    <!-- carbonest-output: estimate --gpu V100 --hours 79 --region quebec -->
    ```console
    $ carbonest estimate --gpu V100 --hours 79 --region quebec
    ...what the command printed (stderr first, then stdout)...
    ```
    <!-- /carbonest-output -->

Commands run in-process through the real entry point with ``COLUMNS=100`` and output that is not
a terminal, so the text is what a pipe gets. ``tests/cli/test_cli_doc.py`` fails when the page is
stale. Run: ``python docs/generate_cli.py`` (rewrite) or ``python docs/generate_cli.py --check``.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import sys
from pathlib import Path

PAGE = Path(__file__).resolve().parent / "cli.md"
BLOCK = re.compile(r"(<!-- carbonest-output: (?P<cmd>.+?) -->\n)(?P<body>.*?)(<!-- /carbonest-output -->)", re.S)


def output_of(command: str) -> str:
    """What ``carbonest COMMAND`` prints, stderr first, as a console block."""
    from carbonest.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(shlex.split(command))
            except SystemExit:
                pass
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old
    shown = "$ carbonest " + command + "\n" + err.getvalue() + out.getvalue()
    return "```console\n" + shown.rstrip("\n") + "\n```\n"


def render(text: str) -> str:
    """``text`` with every generated block refreshed."""
    return BLOCK.sub(lambda m: m.group(1) + output_of(m.group("cmd")) + m.group(4), text)


def main() -> int:
    current = PAGE.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in sys.argv[1:]:
        if fresh != current:
            sys.stderr.write(f"{PAGE.name} is stale: run python docs/generate_cli.py\n")
            return 1
        return 0
    PAGE.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
