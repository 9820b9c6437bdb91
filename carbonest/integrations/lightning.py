"""PyTorch Lightning: :class:`CarbonestCallback`, a Lightning ``Callback`` over the tracker.

::

    import lightning as L
    from carbonest.integrations.lightning import CarbonestCallback

    trainer = L.Trainer(max_epochs=10, callbacks=[CarbonestCallback(region="FR")])
    trainer.fit(model, datamodule)

Works with ``lightning`` (``lightning.pytorch``) and with the older ``pytorch_lightning``
package: the base class comes from whichever is installed (``lightning`` first), and either
package's Trainer calls the hooks by name, so one class serves both (tested).

* ``on_fit_start``: the node's local rank 0 (``trainer.local_rank == 0``) starts one run that
  measures the whole node (every CPU, DRAM and visible GPU); the other ranks of the node only
  report. Under DDP every rank reports the job's totals, shared over the process group
  (:mod:`carbonest.integrations._host`).
* One phase per training epoch (``epoch 1``, ...; Lightning runs the epoch's validation inside
  it) and one per validation (``validation``; ``sanity check`` for the sanity check).
* ``on_train_epoch_end`` and ``on_validation_end``: ``carbonest/energy_kwh``, ``carbonest/co2e_kg``,
  ``carbonest/power_w`` and ``carbonest/intensity_g_per_kwh`` go to every logger of the trainer
  (``trainer.loggers``, rank 0 only as Lightning's loggers are), at the trainer's global step.
* ``on_fit_end``: the run is stopped and saved; ``on_exception``: saved as ``failed``
  (``interrupted`` for Ctrl-C).
"""

from __future__ import annotations

from typing import Any

try:
    from lightning.pytorch.callbacks import Callback
except ImportError:  # the older package name
    from pytorch_lightning.callbacks import Callback  # type: ignore[assignment]

from carbonest.integrations._host import HostRun, Totals, validate_options, warn

VALIDATION_PHASE = "validation"


class CarbonestCallback(Callback):
    """Measure a Lightning ``fit`` once per node; log the figures through the trainer's loggers.

    Args:
        name: The run's name (default ``"lightning-fit"``).
        training_type: ``"pre-training"`` or ``"fine-tuning"``, for :attr:`co2_eq_emissions`.
        **tracker_options: What :class:`carbonest.Tracker` takes (``region``, ``pue``,
            ``interval_s``, ``store``, ...), except ``scope``. Checked here: a bad one raises now.
    """

    def __init__(self, name: str | None = None, *, training_type: str | None = None,
                 **tracker_options: Any) -> None:
        from carbonest.integrations.modelcard import TRAINING_TYPES
        from carbonest.errors import InvalidInputError

        options = dict(tracker_options, name=name)
        validate_options(options)
        if training_type is not None and training_type not in TRAINING_TYPES:
            raise InvalidInputError(f"training_type: must be one of {', '.join(TRAINING_TYPES)}, "
                                    f"got {training_type!r}", field="training_type")
        self._options = options
        self._training_type = training_type
        self._run: HostRun | None = None
        self._epoch = 0
        self.totals: Totals | None = None
        """The figures at the end of the last fit, on every rank (the job's, shared under DDP)."""
        self.co2_eq_emissions: dict[str, Any] | None = None
        """A model card block for the last fit (global rank 0 only); see
        :func:`carbonest.integrations.modelcard.update_card`."""

    @property
    def record(self) -> Any:
        """The last fit's final :class:`~carbonest.RunRecord` (None on a rank that only reports)."""
        return None if self._run is None else self._run.record

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        if self._run is not None:
            self._run.end("interrupted", "a new fit began before this one ended")
        self._run = HostRun(self._options)
        self._epoch, self.totals, self.co2_eq_emissions = 0, None, None
        self._run.begin("lightning-fit", measures=int(getattr(trainer, "local_rank", 0)) == 0)

    def on_train_epoch_start(self, trainer: Any, pl_module: Any) -> None:
        if self._run is not None:
            self._epoch += 1
            self._run.open_phase(f"epoch {self._epoch}")

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        if self._run is not None:
            self._run.close_phase(f"epoch {self._epoch}")
            self._log(trainer)

    def on_validation_start(self, trainer: Any, pl_module: Any) -> None:
        if self._run is not None:
            self._run.open_phase(_validation_phase(trainer))

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        if self._run is not None:
            self._run.close_phase(_validation_phase(trainer))
            if not getattr(trainer, "sanity_checking", False):
                self._log(trainer)

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        if self._run is None:
            return
        self._run.end("completed")
        self.totals = self._run.totals()
        if self.totals is not None:
            self._send(trainer, self.totals)
        if self.totals is None or self._run.record is None or int(getattr(trainer, "global_rank", 0)) != 0:
            return
        from carbonest.integrations.modelcard import co2_eq_emissions

        try:
            self.co2_eq_emissions = co2_eq_emissions(self._run.record, co2e_kg=self.totals.co2e_kg,
                                                     hosts=self.totals.hosts, training_type=self._training_type)
        except Exception as exc:  # noqa: BLE001
            warn(f"no model card block: {exc}")

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        if self._run is not None:
            self._run.fail(exception)

    def _log(self, trainer: Any) -> None:
        assert self._run is not None
        if self._run.ended:
            return
        totals = self._run.totals()  # on every rank: shared through the group's store under DDP
        if totals is not None:
            self._send(trainer, totals)

    def _send(self, trainer: Any, totals: Totals) -> None:
        metrics = totals.metrics(with_region=False)  # loggers take numbers; the region is in the run
        for logger in getattr(trainer, "loggers", ()) or ():
            try:
                logger.log_metrics(metrics, step=int(getattr(trainer, "global_step", 0)))
            except Exception as exc:  # noqa: BLE001 - a logger's failure must not stop the fit
                warn(f"logger {type(logger).__name__} refused the figures: {exc!r}")


def _validation_phase(trainer: Any) -> str:
    return "sanity check" if getattr(trainer, "sanity_checking", False) else VALIDATION_PHASE
