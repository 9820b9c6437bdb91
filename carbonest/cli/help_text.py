"""What every subcommand's ``--help`` ends with: a few examples and the page that documents it.

Each example here is run by the tests (``tests/cli/test_help_cli.py``), so none goes stale.
"""

from __future__ import annotations

import argparse
from typing import Any

DOCS = "docs/"
"""Where the documentation pages are, in the source tree."""

EXAMPLES: dict[str, tuple[tuple[str, ...], str]] = {
    "estimate": (("carbonest estimate --gpu V100 --hours 79 --region quebec",
                  "carbonest estimate --gpu A100 --gpus 8 --params 7e9 --tokens 2e12 --region FR --json"),
                 "cli.md#carbonest-estimate"),
    "whatif": (("carbonest whatif --gpu A100 --gpus 8 --hours 72 --region cloud --top 10",
                "carbonest whatif --gpu V100,A100,H100 --params 7e9 --tokens 2e12 --region FR,US --sort energy"),
               "whatif.md"),
    "regions": (("carbonest regions quebec", "carbonest regions --kind cloud --basis direct"),
                "cli.md#carbonest-regions-hardware-sources"),
    "hardware": (("carbonest hardware a100", "carbonest hardware --kind gpu --dtype fp8"),
                 "cli.md#carbonest-regions-hardware-sources"),
    "sources": (("carbonest sources", "carbonest sources --json"), "cli.md#carbonest-regions-hardware-sources"),
    "measure": (("carbonest measure --region FR -- python train.py",
                 "carbonest measure --name eval --json-file run.json -- sleep 3"), "measurement.md"),
    "runs": (("carbonest runs --limit 50", "carbonest runs show 3f2a", "carbonest runs export -o runs.csv"),
             "cli.md#carbonest-runs"),
    "runs show": (("carbonest runs show 3f2a", "carbonest runs show 3f2a --json"), "storage.md"),
    "runs export": (("carbonest runs export -o runs.csv", "carbonest runs export --format json --limit 10"),
                    "storage.md"),
    "runs card": (("carbonest runs card 3f2a", "carbonest runs card 3f2a --update README.md --training-type fine-tuning"),
                  "integrations.md#model-cards"),
    "runs log": (("carbonest runs log 3f2a --to mlflow", "carbonest runs log 3f2a --to mlflow,wandb"),
                 "integrations.md#sinks"),
    "doctor": (("carbonest doctor", "carbonest doctor --json"), "measurement.md"),
    "intensity": (("carbonest intensity FR", "carbonest intensity GB --provider uk --forecast"), "intensity.md"),
    "when": (("carbonest when --region GB --hours 4 --provider uk",), "intensity.md"),
    "report": (("carbonest report 3f2a --html report.html", "carbonest report --compare 3f2a 9c1d",
                "carbonest report 3f2a --appendix latex"), "reports.md"),
    "exporter": (("carbonest exporter --port 9464", "carbonest exporter --port 9464 --bind 0.0.0.0 --region FR"),
                 "prometheus.md"),
}


class HelpFormatter(argparse.HelpFormatter):
    """Wraps descriptions, keeps the examples' line breaks, shows each option's default where argparse has one."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return "".join(indent + line + "\n" for line in text.splitlines()).rstrip("\n")
        return super()._fill_text(text, width, indent)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (default not in (None, False, argparse.SUPPRESS) and action.option_strings
                and "default" not in text and not isinstance(action, argparse._VersionAction)):
            text += " (default: %(default)s)"
        return text


def epilog(command: str) -> str:
    """The examples and the documentation page of ``command``."""
    examples, page = EXAMPLES[command]
    lines = ["examples:"] + [f"  {e}" for e in examples] + ["", f"documentation: {DOCS}{page} in the carbonest source tree"]
    return "\n".join(lines)


def decorate(sub: Any, prefix: str = "") -> None:
    """Give every parser under ``sub`` (a subparsers action) its examples and the help formatter."""
    for name, parser in sub.choices.items():
        command = f"{prefix}{name}"
        parser.formatter_class = HelpFormatter
        if command in EXAMPLES:
            parser.epilog = epilog(command)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                decorate(action, f"{command} ")
