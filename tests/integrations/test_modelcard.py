"""The model card's co2_eq_emissions block: from a run record, printed by ``carbonest runs card``,
written into a real card file by ``--update`` (huggingface_hub's ModelCard, offline)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import support
from carbonest.errors import CarbonestError, InvalidInputError
from carbonest.integrations.modelcard import block_yaml, co2_eq_emissions
from carbonest.measure.tracker import track
from carbonest.probes.fake import FakeProbe

CARD = """---
license: apache-2.0
language:
- en
tags:
- text-classification
---

# tiny-bert

A tiny model, trained for a test.

## Training

30 steps on random tokens.
"""


@pytest.fixture
def run_id() -> str:
    """A completed run in the default store: a 100 W GPU for about 0.2 s in Quebec."""
    probe = FakeProbe({"gpu:0": 100.0})
    probe.open()
    try:
        with track(name="card", region="CA-QC", probes=[probe], interval_s=0.02) as run:
            time.sleep(0.2)
    finally:
        probe.close()
    assert run.record.co2e_kg
    return run.run_id


def _block(run_id: str) -> dict:
    import carbonest

    return co2_eq_emissions(carbonest.get_run(run_id))


def test_the_block_has_the_hubs_fields_emissions_in_grams(run_id) -> None:
    import carbonest

    record = carbonest.get_run(run_id)
    block = co2_eq_emissions(record, training_type="fine-tuning")
    assert set(block) == {"emissions", "source", "training_type", "geographical_location", "hardware_used"}
    assert block["emissions"] == pytest.approx(record["co2e_kg"] * 1000)
    assert block["geographical_location"] == "Québec (CA-QC)"
    assert f"run {run_id[:12]}" in block["source"] and "gpu measured" in block["source"]
    assert "CA-QC, lifecycle, 2023" in block["source"]
    assert "training_type" not in co2_eq_emissions(record)  # not guessed when not given


def test_a_run_without_emissions_has_no_block_and_a_bad_training_type_is_refused(run_id) -> None:
    import carbonest

    record = dict(carbonest.get_run(run_id).to_dict(), co2e_kg=None)
    with pytest.raises(CarbonestError, match="no measured emissions"):
        co2_eq_emissions(record)
    with pytest.raises(InvalidInputError, match="training_type"):
        co2_eq_emissions(carbonest.get_run(run_id), training_type="pretraining")


def test_the_yaml_reads_back_as_the_block(run_id) -> None:
    yaml = support.needs("yaml")
    block = _block(run_id)
    assert yaml.safe_load(block_yaml(block)) == {"co2_eq_emissions": block}
    tiny = dict(block, emissions=1e-05)  # repr "1e-05" is a string to YAML 1.1; written "1.0e-05"
    assert yaml.safe_load(block_yaml(tiny))["co2_eq_emissions"]["emissions"] == 1e-05


def test_runs_card_prints_the_block(run_cli, run_id) -> None:
    code, out, err = run_cli("runs", "card", run_id[:8], "--training-type", "pre-training")
    assert code == 0, err
    assert out.startswith("co2_eq_emissions:\n  emissions: ")
    assert '  training_type: "pre-training"\n' in out
    assert '  geographical_location: "Québec (CA-QC)"\n' in out
    code, out, _ = run_cli("runs", "card", run_id, "--json", "--location", "Montréal, Canada")
    assert code == 0 and json.loads(out)["geographical_location"] == "Montréal, Canada"


def test_runs_card_update_writes_into_a_real_card_keeping_the_rest(run_cli, run_id, tmp_path, loopback_only) -> None:
    support.needs("huggingface_hub")
    from huggingface_hub import ModelCard

    card = tmp_path / "README.md"
    card.write_text(CARD, encoding="utf-8")
    code, out, err = run_cli("runs", "card", run_id, "--update", str(card), "--hardware", "1 x test GPU")
    assert code == 0, err
    assert out == "" and f"into {card}" in err
    loaded = ModelCard.load(str(card))
    data = loaded.data.to_dict()
    assert data["co2_eq_emissions"] == dict(_block(run_id), hardware_used="1 x test GPU")
    assert data["license"] == "apache-2.0" and data["language"] == ["en"] and data["tags"] == ["text-classification"]
    text = card.read_text(encoding="utf-8")
    assert text.endswith(CARD.split("---\n", 2)[2])  # the body, byte for byte
    # a second update replaces the block, it does not add one
    assert run_cli("runs", "card", run_id, "--update", str(card))[0] == 0
    assert card.read_text(encoding="utf-8").count("co2_eq_emissions:") == 1


def test_runs_card_mistakes_are_one_line(run_cli, run_id, tmp_path) -> None:
    code, out, err = run_cli("runs", "card", run_id, "--update", str(tmp_path / "missing.md"))
    assert code == 2 and out == ""
    assert err == f"carbonest runs: error: --update: no such model card file {str(tmp_path / 'missing.md')!r}\n"
    code, _, err = run_cli("runs", "card", "ffffffffffff")
    assert code != 0 and len(err.splitlines()) == 1 and "Traceback" not in err
    code, _, err = run_cli("runs", "card", run_id, "--training-type", "post-training")
    assert code == 2 and "--training-type" in err


def test_a_card_that_cannot_be_parsed_is_an_error_not_a_rewrite(run_cli, run_id, tmp_path) -> None:
    support.needs("huggingface_hub")
    card = tmp_path / "README.md"
    broken = "---\n- just\n- a list\n---\n# x\n"
    card.write_text(broken, encoding="utf-8")
    code, _, err = run_cli("runs", "card", run_id, "--update", str(card))
    assert code == 1 and err.startswith("carbonest runs: error: cannot update the model card")
    assert card.read_text(encoding="utf-8") == broken
