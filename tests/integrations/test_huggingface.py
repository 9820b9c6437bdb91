"""The Hugging Face callback with the real Trainer: a tiny GPT-2 (2 layers, hidden 32) trained 30
steps on CPU on random tokens. One training is shared by the assertions (torch on 2 cores is slow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import support
from _integration_env import isolate

transformers = support.needs("transformers")
support.needs("huggingface_hub")

from carbonest.errors import InvalidInputError, UnknownRegionError  # noqa: E402
from carbonest.integrations.huggingface import CarbonestCallback  # noqa: E402

from _hf_train import make_trainer, tiny_model  # noqa: E402

KEYS = ("carbonest/energy_kwh", "carbonest/co2e_kg", "carbonest/power_w", "carbonest/intensity_g_per_kwh")


class Recorder(transformers.TrainerCallback):  # type: ignore[misc]
    """Stands for a report_to logger: the Trainer puts those ahead of the user's callbacks."""

    def __init__(self) -> None:
        self.logs: list[dict[str, Any]] = []

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        self.logs.append(dict(logs))


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("hf")
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, root / "home")
        support.reset_blocked()
        support.install_loopback_guard()
        try:
            recorder, callback = Recorder(), CarbonestCallback(region="CA-QC", interval_s=0.02)
            trainer = make_trainer(str(root / "out"), [recorder, callback])
            trainer.train()
            trainer.create_model_card()
            from carbonest.store.query import open_for_reading

            with open_for_reading() as store:
                stored = store.list_runs(None)
        finally:
            support.remove_loopback_guard()
        assert not support.blocked_connects()
    return {"trainer": trainer, "recorder": recorder, "callback": callback, "root": root, "stored": stored}


def test_every_log_carries_the_figures_before_the_loggers_see_it(trained) -> None:
    logs = trained["recorder"].logs
    assert len(logs) >= 4  # 3 training logs (every 10 steps), 3 evaluations, the summary
    for entry in logs:
        assert all(key in entry for key in KEYS), entry
        assert entry["carbonest/energy_kwh"] > 0 and entry["carbonest/co2e_kg"] > 0
    assert logs[0]["carbonest/region"] == "CA-QC"  # a string: once, not at every log
    assert not any("carbonest/region" in e for e in logs[1:])
    energies = [e["carbonest/energy_kwh"] for e in logs]
    assert energies == sorted(energies)
    order = trained["trainer"].callback_handler.callbacks
    assert type(order[0]).__name__ == "DefaultFlowCallback" and order[1] is trained["callback"]
    assert order.index(trained["recorder"]) > 1  # given first in callbacks=[recorder, carbonest]
    training = [e for e in trained["trainer"].state.log_history if "loss" in e]
    assert training and all("carbonest/co2e_kg" in e for e in training)


def test_one_completed_run_with_a_phase_per_epoch_and_per_evaluation(trained) -> None:
    record = trained["callback"].record
    assert record.status == "completed"
    names = [p.name for p in record.phases]
    assert names.count("evaluation") == 3  # eval_strategy="epoch", 3 epochs of 10 steps
    assert [n for n in names if n.startswith("epoch")] == ["epoch 1", "epoch 2", "epoch 3"]
    assert [r["run_id"] for r in trained["stored"]] == [record.run_id]
    assert trained["stored"][0]["status"] == "completed"
    assert trained["callback"].totals.co2e_kg == record.co2e_kg
    last = trained["recorder"].logs[-1]["carbonest/energy_kwh"]
    assert last <= record.energy_kwh


def test_the_model_card_written_by_the_trainer_carries_co2_eq_emissions(trained) -> None:
    from huggingface_hub import ModelCard

    record = trained["callback"].record
    card = ModelCard.load(str(Path(trained["root"], "out", "README.md")))
    block = card.data.to_dict()["co2_eq_emissions"]
    assert block["emissions"] == pytest.approx(record.co2e_kg * 1000)
    assert block["training_type"] == "pre-training"  # built from a config, not a checkpoint
    assert block["geographical_location"] == "Québec (CA-QC)"
    assert record.run_id[:12] in block["source"] and "cpu modelled" in block["source"]
    assert block["hardware_used"]
    assert "generated_from_trainer" in card.data.to_dict()["tags"]  # the Trainer's own metadata stays
    assert "# out" in card.text


@pytest.mark.parametrize("error, status", [(RuntimeError("boom in forward"), "failed"),
                                           (KeyboardInterrupt(), "interrupted")])
def test_a_training_that_raises_is_saved_as_such(tmp_path, loopback_only, error, status) -> None:
    import carbonest

    model, calls = tiny_model(), []

    def hook(module: Any, inputs: Any) -> None:
        calls.append(1)
        if len(calls) == 4:
            raise error

    model.register_forward_pre_hook(hook)
    callback = CarbonestCallback(region="FR", interval_s=0.05)
    trainer = make_trainer(str(tmp_path / "out"), [callback], model=model, max_steps=10)
    with pytest.raises(type(error)):
        trainer.train()
    assert callback.record.status == status
    assert carbonest.get_run(callback.record.run_id)["status"] == status
    if status == "failed":
        assert callback.record.status_reason == "RuntimeError: boom in forward"
    assert [p.name for p in callback.record.phases] == ["epoch 1"]  # closed when the run ended


def test_bad_options_raise_when_the_callback_is_made() -> None:
    with pytest.raises(UnknownRegionError):
        CarbonestCallback(region="atlantis")
    with pytest.raises(InvalidInputError, match="scope"):
        CarbonestCallback(scope="rank")
    with pytest.raises(InvalidInputError, match="training_type"):
        CarbonestCallback(training_type="post-training")
    with pytest.raises(InvalidInputError, match="interval_s"):
        CarbonestCallback(interval_s=0.001)


def test_a_callback_added_after_the_trainer_was_made_is_attached_by_hand(tmp_path, loopback_only) -> None:
    recorder = Recorder()
    model, calls = tiny_model(), []

    def hook(module: Any, inputs: Any) -> None:
        calls.append(1)
        if len(calls) == 12:
            raise RuntimeError("late failure")

    model.register_forward_pre_hook(hook)
    trainer = make_trainer(str(tmp_path / "out"), [recorder], model=model, max_steps=20)
    callback = CarbonestCallback(region="FR", interval_s=0.05)
    callback.attach(trainer)
    with pytest.raises(RuntimeError, match="late failure"):
        trainer.train()
    assert callback.record.status == "failed"
    assert recorder.logs and all("carbonest/co2e_kg" in entry for entry in recorder.logs)
    assert trainer.callback_handler.callbacks.count(callback) == 1
