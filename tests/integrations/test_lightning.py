"""The Lightning callback with the real Trainer: a tiny LightningModule for 2 epochs on CPU."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

import support
from _integration_env import isolate

support.needs("lightning")

from carbonest.errors import InvalidInputError  # noqa: E402
from carbonest.integrations.lightning import CarbonestCallback  # noqa: E402

from _pl_train import loaders, make_module, make_trainer  # noqa: E402


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("pl")
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, root / "home")
        support.reset_blocked()
        support.install_loopback_guard()
        try:
            # Energy needs two readings: steps that wait (5 ms each, 8 an epoch) against a 10 ms
            # interval give the sampler thread its readings before the first epoch ends.
            callback = CarbonestCallback(region="FR", interval_s=0.01, training_type="pre-training")
            trainer = make_trainer(str(root), [callback])
            trainer.fit(make_module(step_sleep_s=0.005), *loaders())
            from carbonest.store.query import open_for_reading

            with open_for_reading() as store:
                stored = store.list_runs(None)
        finally:
            support.remove_loopback_guard()
        assert not support.blocked_connects()
    return {"trainer": trainer, "callback": callback, "root": root, "stored": stored}


def test_a_completed_run_with_epoch_and_validation_phases(fitted) -> None:
    record = fitted["callback"].record
    assert record.status == "completed"
    names = [p.name for p in record.phases]
    assert [n for n in names if n.startswith("epoch")] == ["epoch 1", "epoch 2"]
    assert names.count("validation") == 2 and names.count("sanity check") == 1
    assert [r["run_id"] for r in fitted["stored"]] == [record.run_id]
    assert fitted["callback"].totals.co2e_kg == record.co2e_kg > 0


def test_the_figures_reach_the_trainers_logger(fitted) -> None:
    [metrics] = Path(fitted["root"], "logs").glob("*/metrics.csv")
    rows = list(csv.DictReader(metrics.open()))
    ours = [r for r in rows if r.get("carbonest/energy_kwh")]
    # each epoch's end and each validation's end (not the sanity check's), then the fit's end
    assert len(ours) == 5
    assert float(ours[-1]["carbonest/co2e_kg"]) == pytest.approx(fitted["callback"].record.co2e_kg)
    assert all(float(r["carbonest/power_w"]) > 0 for r in ours)
    assert fitted["callback"].co2_eq_emissions["training_type"] == "pre-training"


def test_an_exception_in_training_step_gives_a_failed_run(tmp_path, loopback_only) -> None:
    import carbonest

    callback = CarbonestCallback(region="FR", interval_s=0.05)
    trainer = make_trainer(str(tmp_path), [callback])
    with pytest.raises(RuntimeError, match="boom in training_step"):
        trainer.fit(make_module(fail_at_step=3), *loaders())
    assert callback.record.status == "failed"
    assert callback.record.status_reason == "RuntimeError: boom in training_step"
    assert carbonest.get_run(callback.record.run_id)["status"] == "failed"


def test_bad_options_raise_when_the_callback_is_made() -> None:
    with pytest.raises(InvalidInputError, match="pue"):
        CarbonestCallback(pue=0.5)
    with pytest.raises(InvalidInputError, match="training_type"):
        CarbonestCallback(training_type="pretraining")


def test_the_older_pytorch_lightning_package_runs_the_same_callback(tmp_path, loopback_only) -> None:
    pl = support.needs("pytorch_lightning")
    import torch

    class Module(pl.LightningModule):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(8, 1)

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            x, y = batch
            return torch.nn.functional.mse_loss(self.layer(x), y)

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.01)

    callback = CarbonestCallback(region="FR", interval_s=0.05)
    trainer = pl.Trainer(max_epochs=2, accelerator="cpu", callbacks=[callback], logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         default_root_dir=str(tmp_path))
    trainer.fit(Module(), loaders()[0])
    assert callback.record.status == "completed"
    assert [p.name for p in callback.record.phases] == ["epoch 1", "epoch 2"]
