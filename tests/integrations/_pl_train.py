"""A tiny LightningModule (a linear regression on random data) for the Lightning tests."""

from __future__ import annotations

from typing import Any


def make_module(fail_at_step: int | None = None, step_sleep_s: float = 0.0) -> Any:
    """The module; ``step_sleep_s`` stands for a step that waits on a device (the GIL released)."""
    import time

    import torch
    import lightning as L

    class Tiny(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(8, 1)

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            if fail_at_step is not None and self.global_step >= fail_at_step:
                raise RuntimeError("boom in training_step")
            if step_sleep_s:
                time.sleep(step_sleep_s)
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.layer(x), y)
            self.log("train_loss", loss)
            return loss

        def validation_step(self, batch: Any, batch_idx: int) -> Any:
            x, y = batch
            self.log("val_loss", torch.nn.functional.mse_loss(self.layer(x), y))

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.01)

    return Tiny()


def loaders() -> tuple[Any, Any]:
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(64, 8, generator=gen)
    y = x.sum(dim=1, keepdim=True)
    return (DataLoader(TensorDataset(x, y), batch_size=8),
            DataLoader(TensorDataset(x[:16], y[:16]), batch_size=8))


def make_trainer(root: str, callbacks: list[Any], **options: Any) -> Any:
    import lightning as L
    from lightning.pytorch.loggers import CSVLogger

    kw: dict[str, Any] = dict(
        max_epochs=2, accelerator="cpu", devices=1, logger=CSVLogger(root, name="logs"),
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        default_root_dir=root, callbacks=callbacks, log_every_n_steps=1,
    )
    kw.update(options)
    return L.Trainer(**kw)
