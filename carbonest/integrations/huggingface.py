"""Hugging Face Transformers: :class:`CarbonestCallback`, a ``TrainerCallback`` over the tracker.

::

    from carbonest.integrations.huggingface import CarbonestCallback

    trainer = Trainer(model=model, args=args, train_dataset=ds, callbacks=[CarbonestCallback(region="CA-QC")])
    trainer.train()
    trainer.create_model_card()     # README.md carries co2_eq_emissions

What it does:

* ``on_train_begin``: the host's local main process (``state.is_local_process_zero``) starts one
  run that measures the whole host (every CPU, DRAM and visible GPU); the other processes of
  the host measure nothing and only report (see :mod:`carbonest.integrations._host`).
* ``on_log``: ``carbonest/energy_kwh``, ``carbonest/co2e_kg``, ``carbonest/power_w`` (mean IT
  power since training began) and ``carbonest/intensity_g_per_kwh`` join the logs, so they
  reach every ``report_to`` (TensorBoard, MLflow, W&B) and ``state.log_history``; the region id
  (``carbonest/region``, a string) joins the first log only, since TensorBoard and MLflow warn
  about each string they are given. Under ``torch.distributed`` every rank logs the job's totals.
* One phase per epoch (``epoch 1``, ``epoch 2``, ...) and one per evaluation (``evaluation``).
* ``on_train_end``: the run is stopped and saved. When ``Trainer.train`` raises, the run is saved
  as ``failed`` (``interrupted`` for Ctrl-C; SIGTERM is the tracker's own).
* The model card: after training, ``trainer.create_model_card()`` (and so ``push_to_hub()``)
  writes ``co2_eq_emissions`` into the card's metadata (:mod:`carbonest.integrations.modelcard`).

The callback finds its trainer when the Trainer calls it (``on_init_end`` or ``on_train_begin``),
so nothing else is needed; a callback added with ``trainer.add_callback`` after the Trainer was
made cannot see an exception of the ``train()`` call it is added in: call
:meth:`CarbonestCallback.attach` instead.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

from transformers import TrainerCallback

from carbonest.integrations._host import HostRun, Totals, validate_options, warn

EVAL_PHASE = "evaluation"


class CarbonestCallback(TrainerCallback):
    """Measure a ``Trainer``'s training once per host; log the figures; fill the model card.

    Args:
        name: The run's name (default: ``args.run_name``, else ``"huggingface-trainer"``).
        training_type: ``"pre-training"`` or ``"fine-tuning"`` for the model card (default:
            fine-tuning when the model was loaded from a checkpoint, pre-training otherwise).
        hardware_used: The model card's ``hardware_used`` instead of the hardware measured.
        geographical_location: The model card's ``geographical_location`` instead of the region name.
        **tracker_options: What :class:`carbonest.Tracker` takes (``region``, ``pue``,
            ``interval_s``, ``store``, ...), except ``scope``. Checked here: a bad one raises now.
    """

    def __init__(self, name: str | None = None, *, training_type: str | None = None,
                 hardware_used: str | None = None, geographical_location: str | None = None,
                 **tracker_options: Any) -> None:
        from carbonest.integrations.modelcard import TRAINING_TYPES
        from carbonest.errors import InvalidInputError

        options = dict(tracker_options, name=name)
        validate_options(options)
        if training_type is not None and training_type not in TRAINING_TYPES:
            raise InvalidInputError(f"training_type: must be one of {', '.join(TRAINING_TYPES)}, "
                                    f"got {training_type!r}", field="training_type")
        self._options = options
        self._card_options = {"training_type": training_type, "hardware_used": hardware_used,
                              "geographical_location": geographical_location}
        self._run: HostRun | None = None
        self._trainer: Any = None
        self._epoch = 0
        self._region_logged = False
        self.totals: Totals | None = None
        """The figures at the end of the last training, on every rank (the job's, when shared)."""
        self.co2_eq_emissions: dict[str, Any] | None = None
        """The model card block of the last training (world process zero only)."""

    @property
    def record(self) -> Any:
        """The last training's final :class:`~carbonest.RunRecord` (None on a process that only reports)."""
        return None if self._run is None else self._run.record

    # -- the trainer ---------------------------------------------------------------------------

    def attach(self, trainer: Any) -> Any:
        """Bind to ``trainer``: added to its callbacks ahead of the loggers, ``train`` and
        ``create_model_card`` wrapped (see the module docstring). Returns ``trainer``."""
        try:
            handler = trainer.callback_handler
            if self in handler.callbacks:
                handler.callbacks.remove(self)
            # After DefaultFlowCallback (it sets control.should_evaluate, read at on_step_end),
            # before every reporting callback: they must see the figures this callback adds.
            flow = [i for i, c in enumerate(handler.callbacks) if type(c).__name__ == "DefaultFlowCallback"]
            handler.callbacks.insert(flow[0] + 1 if flow else 0, self)
            _wrap(trainer, "train", self._guard_train)
            _wrap(trainer, "create_model_card", self._guard_card)
            self._trainer = trainer
        except Exception as exc:  # noqa: BLE001
            warn(f"could not attach to the trainer ({exc!r}); a failed training may show as interrupted")
        return trainer

    def _find_trainer(self) -> None:
        if self._trainer is not None:
            return
        frame: Any = sys._getframe(2)
        for _ in range(16):  # the Trainer method that called the callback handler
            if frame is None:
                break
            candidate = frame.f_locals.get("self")
            if self in getattr(getattr(candidate, "callback_handler", None), "callbacks", ()):
                self.attach(candidate)
                return
            frame = frame.f_back

    def _guard_train(self, original: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(*args, **kwargs)
        except BaseException as exc:
            if self._run is not None:
                if isinstance(exc, SystemExit) and exc.code in (None, 0):
                    self._run.end("completed")
                else:
                    self._run.fail(exc)
            raise

    def _guard_card(self, original: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        trainer = self._trainer
        if self.co2_eq_emissions is not None and trainer is not None and trainer.is_world_process_zero():
            from carbonest.integrations.modelcard import update_card

            path = os.path.join(trainer.args.output_dir, "README.md")
            try:
                update_card(path, self.co2_eq_emissions)
            except Exception as exc:  # noqa: BLE001
                warn(f"the model card could not be given co2_eq_emissions: {exc}")
        return result

    # -- events --------------------------------------------------------------------------------

    def on_init_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._find_trainer()

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._find_trainer()
        if self._run is not None:
            self._run.end("interrupted", "a new training began before this one ended")
        self._run = HostRun(self._options)
        self._epoch, self._region_logged, self.totals, self.co2_eq_emissions = 0, False, None, None
        self._run.begin(getattr(args, "run_name", None) or "huggingface-trainer",
                        measures=bool(state.is_local_process_zero))

    def on_epoch_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._run is not None:
            self._epoch += 1
            self._run.open_phase(f"epoch {self._epoch}")

    def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._run is not None:
            self._run.close_phase(f"epoch {self._epoch}")
        self.on_step_end(args, state, control)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._run is not None and control.should_evaluate:  # the evaluation follows at once
            self._run.open_phase(EVAL_PHASE)

    def on_prediction_step(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._run is not None and not self._run.ended:  # trainer.evaluate() called inside training
            self._run.open_phase(EVAL_PHASE)

    def on_evaluate(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._run is not None:
            self._run.close_phase(EVAL_PHASE)

    def on_predict(self, args: Any, state: Any, control: Any, metrics: Any = None, **kwargs: Any) -> None:
        self.on_evaluate(args, state, control)

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        if self._run is None or self._run.ended or logs is None:
            return
        totals = self._run.totals()  # on every rank: shared through the group's store under torch.distributed
        if totals is None:
            return
        entries = totals.metrics(with_region=not self._region_logged)
        self._region_logged = True
        logs.update(entries)
        history = state.log_history
        # Trainer.log put a copy of these logs (plus "step") in the history just before this
        # event; the model card reads the history, and its table takes every key of an
        # evaluation's entry for a metric: only training entries get ours.
        if history and all(history[-1].get(k) == v for k, v in logs.items() if k not in entries) \
                and not any(str(k).startswith("eval_") for k in history[-1]):
            history[-1].update(entries)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._run is None:
            return
        self._run.end("completed")
        self.totals = self._run.totals()
        if not state.is_world_process_zero or self.totals is None or self._run.record is None:
            return
        from carbonest.integrations.modelcard import co2_eq_emissions

        options = dict(self._card_options)
        if options["training_type"] is None:
            options["training_type"] = _training_type(kwargs.get("model"))
        try:
            self.co2_eq_emissions = co2_eq_emissions(self._run.record, co2e_kg=self.totals.co2e_kg,
                                                     hosts=self.totals.hosts, **options)
        except Exception as exc:  # noqa: BLE001
            warn(f"no model card block: {exc}")


def _training_type(model: Any) -> str:
    """Fine-tuning for a model loaded from a checkpoint (its config names one), else pre-training."""
    source = getattr(getattr(model, "config", None), "_name_or_path", "") or ""
    return "fine-tuning" if source else "pre-training"


def _wrap(trainer: Any, method: str, guard: Any) -> None:
    """Replace ``trainer.method`` (on this instance only) by ``guard(original, ...)``, once."""
    original = getattr(trainer, method)
    if getattr(original, "_carbonest_guard", None) is not None:
        return

    @functools.wraps(original)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return guard(original, *args, **kwargs)

    wrapped._carbonest_guard = guard  # type: ignore[attr-defined]
    setattr(trainer, method, wrapped)
