"""docs/cli.md shows what the tool prints: its generated blocks match a fresh run."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("generate_cli", REPO / "docs" / "generate_cli.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_blocks_match_the_tool() -> None:
    gen = _generator()
    current = gen.PAGE.read_text(encoding="utf-8")
    blocks = gen.BLOCK.findall(current)
    assert len(blocks) >= 6  # estimate (2), regions, hardware (2), whatif
    assert gen.render(current) == current, "docs/cli.md is stale: run python docs/generate_cli.py"


def test_hand_written_text_outside_the_markers_survives() -> None:
    gen = _generator()
    text = "intro\n<!-- carbonest-output: regions quebec -->\nold\n<!-- /carbonest-output -->\n## Exit codes\nkept\n"
    fresh = gen.render(text)
    assert fresh.startswith("intro\n") and fresh.endswith("<!-- /carbonest-output -->\n## Exit codes\nkept\n")
    assert "old" not in fresh and "$ carbonest regions quebec\nid " in fresh
