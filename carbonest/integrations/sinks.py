"""Sinks by name: what ``log_to=["mlflow"]`` and ``--log-to wandb`` turn into.

Creating a sink imports nothing; its library is imported when the run starts (the sink's
``start``), so a missing library is a warning there and the run is still measured and stored.
The CLI checks the library is installed before it runs anything (:func:`check_installed`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from carbonest.errors import InvalidInputError
from carbonest.integrations.base import MetricSink, SinkHub

LIBRARY = {"mlflow": "mlflow", "wandb": "wandb"}
"""Sink name -> the module it needs (and the extra that installs it has the same name)."""


def create_sink(name: str) -> MetricSink:
    """A new sink of a known name (see :data:`carbonest.integrations.base.SINK_NAMES`)."""
    if name == "mlflow":
        from carbonest.integrations.mlflow import MlflowSink

        return MlflowSink()
    if name == "wandb":
        from carbonest.integrations.wandb import WandbSink

        return WandbSink()
    raise InvalidInputError(f"log_to: unknown sink {name!r}", field="log_to")


def create_sinks(spec: Sequence[str | MetricSink]) -> list[MetricSink]:
    """Sinks for a checked ``log_to`` (names become new sinks; sink objects are used as they are)."""
    return [create_sink(item) if isinstance(item, str) else item for item in spec]


def open_hub(spec: Sequence[str | MetricSink], warn: Callable[[str], None], *, threaded: bool = True) -> SinkHub | None:
    """A :class:`SinkHub` over the sinks of ``spec``, or None when there are none."""
    if not spec:
        return None
    return SinkHub(create_sinks(spec), warn, threaded=threaded)


def check_installed(spec: Sequence[str | MetricSink], field: str) -> None:
    """Raise InvalidInputError naming ``field`` for a sink whose library is not installed."""
    import importlib.util

    for item in spec:
        if isinstance(item, str) and importlib.util.find_spec(LIBRARY[item]) is None:
            raise InvalidInputError(f"{field}: {item} is not installed here: pip install \"carbonest[{item}]\"",
                                    field=field)
