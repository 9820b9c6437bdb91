"""What the GPU vendor probes (NVML, amdsmi) share: calling one library getter, and turning the
library's errors into carbonest's through the probe's own ``translate`` function.

``translate(exc, stage=...)`` is the probe's single boundary for its library's errors
(:func:`carbonest.probes.nvml.translate_nvml_error`, :func:`carbonest.probes.amdsmi.translate_amdsmi_error`):
a :class:`~carbonest.errors.ProbeUnavailableError` when the library as a whole is gone, else the
text of a per-device failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from carbonest.errors import ProbeUnavailableError

Translate = Callable[..., "ProbeUnavailableError | str"]
Stage = Literal["init", "read"]


def as_fatal(translate: Translate, exc: BaseException) -> ProbeUnavailableError:
    """An error at initialisation: always the whole probe unavailable."""
    err = translate(exc, stage="init")
    assert isinstance(err, ProbeUnavailableError)
    return err


def call_getter(error_type: type[BaseException], translate: Translate, fn: Callable[[Any], Any], handle: Any,
                errors: list[str]) -> Any:
    """``fn(handle)``; a per-device failure goes to ``errors`` (None returned), the library going away raises."""
    try:
        return fn(handle)
    except error_type as exc:
        err = translate(exc, stage="read")
        if isinstance(err, ProbeUnavailableError):
            raise err from exc
        errors.append(f"{getattr(fn, '__name__', 'getter')}: {err}")
        return None
