"""A tiny Transformers training on CPU (GPT-2 config, 2 layers, hidden 32, random tokens).

Shared by the tests, the torchrun child and benchmarks/integrations_overhead.py. Nothing is
downloaded: the model is built from a config, the data are random token ids.
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

VOCAB = 64
SEQ = 16


class RandomTokens:
    """A map-style dataset of random token sequences (labels = inputs, as for causal LM)."""

    def __init__(self, size: int, seed: int) -> None:
        import torch

        gen = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(0, VOCAB, (size, SEQ), generator=gen)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"input_ids": self.ids[i], "labels": self.ids[i]}


def tiny_model() -> Any:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    config = GPT2Config(vocab_size=VOCAB, n_positions=SEQ, n_embd=32, n_layer=2, n_head=2)
    return GPT2LMHeadModel(config)


def make_trainer(output_dir: str, callbacks: list[Any], *, max_steps: int = 30, model: Any = None,
                 train_size: int = 40, **args: Any) -> Any:
    """A Trainer of the tiny model: batch 4, so 10 steps an epoch; evaluation at each epoch's end."""
    from transformers import Trainer, TrainingArguments

    options: dict[str, Any] = dict(
        output_dir=output_dir, max_steps=max_steps, per_device_train_batch_size=4,
        per_device_eval_batch_size=4, logging_steps=10, eval_strategy="epoch", save_strategy="no",
        report_to="none", disable_tqdm=True, use_cpu=True, dataloader_num_workers=0, seed=0,
    )
    options.update(args)
    return Trainer(model=model if model is not None else tiny_model(), args=TrainingArguments(**options),
                   train_dataset=RandomTokens(train_size, 1), eval_dataset=RandomTokens(8, 2),
                   callbacks=callbacks)
