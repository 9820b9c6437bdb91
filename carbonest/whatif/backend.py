"""Which array module the engine computes with: numpy, or :mod:`carbonest.whatif.pyarr`.

The engine's modules call :func:`xp` where they would ``import numpy as np``. numpy is the
default; :func:`plain` runs a block on the plain-Python arrays (what ``carbonest whatif`` does
for a sweep it prints, so the command starts without numpy). The choice is a context variable,
so threads and nested calls each keep their own.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_PLAIN: contextvars.ContextVar[bool] = contextvars.ContextVar("carbonest_whatif_plain", default=False)


def xp() -> Any:
    """The array module in force: numpy, or the plain-Python one inside :func:`plain`."""
    if _PLAIN.get():
        from carbonest.whatif import pyarr

        return pyarr
    import numpy

    return numpy


def is_plain() -> bool:
    """Whether the engine runs on plain Python here."""
    return _PLAIN.get()


@contextmanager
def plain(enabled: bool = True) -> Iterator[None]:
    """Run the block on plain-Python arrays (when ``enabled``)."""
    token = _PLAIN.set(enabled)
    try:
        yield
    finally:
        _PLAIN.reset(token)
