"""Help (issue 9): examples and a doc page for every subcommand, defaults shown, one metavar style."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

import pytest

from carbonest.cli.help_text import EXAMPLES
from carbonest.cli.main import COMMANDS, build_parser

REPO = Path(__file__).resolve().parents[2]
ALL = sorted(COMMANDS) + ["runs show", "runs export", "runs card", "runs log"]


@pytest.mark.parametrize("command", ALL)
def test_every_subcommand_help_has_examples_and_its_doc_page(cli, command: str) -> None:
    r = cli(*command.split(), "--help")
    assert r.code == 0
    assert "examples:\n  carbonest " + command.split()[0] in r.out
    page = r.out.split("documentation: docs/")[1].split()[0].split("#")[0]
    assert (REPO / "docs" / page).is_file(), page
    assert len(r.out.split("\n\n")[1]) > 20  # a description, not only the usage line


@pytest.mark.parametrize("command", sorted(EXAMPLES))
def test_every_example_parses(command: str) -> None:
    for example in EXAMPLES[command][0]:
        words = shlex.split(example)[1:]
        parser = build_parser(words[0])
        args = parser.parse_args(words)
        assert callable(args.run)


def _parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    out = []
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        out.append((name, p))
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                out.extend((f"{name} {n}", q) for n, q in action.choices.items())
    return out


def test_defaults_are_shown(cli) -> None:
    for name, parser in _parsers():
        text = cli(*name.split(), "--help").out
        for action in parser._actions:
            if action.option_strings and action.default not in (None, False, argparse.SUPPRESS):
                flag = action.option_strings[-1]
                body = text.split("\noptions:", 1)[1]
                entry = body.split(f"  {flag}", 1)[1].split("\n  -", 1)[0]
                assert "default" in entry, (name, flag)


def test_metavars_name_the_choices(cli) -> None:
    est = cli("estimate", "--help").out
    assert "--preset {strubell2019,patterson2021}" in est and "--adaptation {full,lora,probe}" in est
    assert "--basis {lifecycle,direct}" in est
    wif = cli("whatif", "--help").out
    assert "--adaptation {full,lora,probe}[,...]" in wif


def test_wue_takes_a_value_in_estimate_and_whatif(cli) -> None:
    est = cli("estimate", "--gpu", "A100", "--hours", "1", "--region", "FR", "--wue", "0.5", "--json").json()
    wif = cli("whatif", "--gpu", "A100", "--hours", "1", "--region", "FR", "--wue", "0.5", "--json").json()
    assert est["water_l"] == wif[0]["water_l"] == pytest.approx(0.4 * 0.5)
    assert cli("whatif", "--gpu", "A100", "--hours", "1", "--wue").code == 2  # a value, as in estimate
    table = cli("whatif", "--gpu", "A100", "--hours", "1", "--region", "FR", "--water", "--json").json()
    assert table[0]["water_l"] == pytest.approx(est["water_l"] / 0.5 * table[0]["wue_l_per_kwh"])


def test_short_version_flag(cli) -> None:
    from carbonest import __version__

    for flag in ("-V", "--version"):
        r = cli(flag)
        assert r.code == 0 and r.out.strip() == f"carbonest {__version__}"
