"""The carbonest error tree.

Every error carbonest raises on purpose derives from :class:`CarbonestError`, so
``except carbonest.CarbonestError`` catches all of them. The leaves are the few
situations a user can act on::

    CarbonestError
    ├── InvalidInputError (also ValueError)   a bad number, flag or combination
    │   ├── UnknownHardwareError (also LookupError)  a GPU/CPU name not in the table
    │   └── UnknownRegionError (also LookupError)    a region name not in the table
    ├── ProbeUnavailableError                 a probe cannot run here (no driver, no sysfs)
    │   └── ProbePermissionError              it exists but may not be read; says how to grant it
    ├── StorageError                          the run store cannot be opened or written
    └── ProviderError                         a carbon-intensity provider failed

Vendor errors (pynvml's ``NVMLError``, ``OSError`` from sysfs, ``sqlite3.Error``)
are translated into these at the boundary where the vendor is called.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

_MARK = "\x1f"
_MARKED = re.compile("\x1f([A-Za-z_][A-Za-z0-9_]*)\x1f")


def param(name: str) -> str:
    """``name`` marked as a parameter inside an error message.

    The Python API shows it as is (``region``); the CLI shows the flag that sets it
    (``--region``), so one message serves both faces. Use it for a parameter named in the
    middle of a message; the leading ``field:`` of a message is mapped without a mark.
    """
    return f"{_MARK}{name}{_MARK}"


def name_params(text: str, namer: Callable[[str], str]) -> str:
    """``text`` with every :func:`param`-marked name replaced by ``namer(name)``."""
    if _MARK not in text:
        return text
    return _MARKED.sub(lambda m: namer(m.group(1)), text).replace(_MARK, "")


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` attributed to the first caller outside carbonest (the user's line).

    A fixed ``stacklevel`` cannot do it: ``with track()``, ``Tracker.start()``, a decorated
    function and ``carbonest.estimate(...)`` reach the warning through different numbers of
    carbonest frames.
    """
    import os
    import sys
    import warnings

    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 2
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


class CarbonestError(Exception):
    """Root of every error carbonest raises on purpose."""


class InvalidInputError(CarbonestError, ValueError):
    """A value given by the user is not acceptable.

    Attributes:
        field: The parameter at fault, by its Python name (e.g. ``"gpu_power_w"``), if known;
            the CLI shows the flag that sets it (``--gpu-power-w``). A config file's error has
            ``"config"``, an environment variable's its name (``"CARBONEST_PUE"``).
        suggestions: Values that would have been accepted, closest first (may be empty).
    """

    def __init__(self, message: str, *, field: str | None = None, suggestions: Sequence[str] = ()) -> None:
        self.template = message
        super().__init__(name_params(message, str))
        self.field = field
        self.suggestions: tuple[str, ...] = tuple(suggestions)

    def render(self, namer: Callable[[str], str]) -> str:
        """The message with each parameter named by ``namer`` (the CLI passes its flag names).

        The leading ``field:`` and every :func:`param`-marked name are renamed; the rest of
        the text is kept as it is.
        """
        text = name_params(getattr(self, "template", str(self)), namer)
        field = self.field
        if field and text.startswith(field + ":"):
            text = namer(field) + text[len(field):]
        return text


class _UnknownNameError(InvalidInputError, LookupError):
    """A name that is not in a reference table (or names several rows), with the closest matches.

    Attributes:
        value: The name as given.
        suggestions: The closest ids (or, when ``ambiguous``, every candidate's id).
        ambiguous: The name matched several rows; ``suggestions`` lists them.
        shown: The suggestions as shown in the message (a region's id with its name).
    """

    kind = "name"

    def __init__(
        self,
        value: str,
        suggestions: Sequence[str] = (),
        *,
        field: str | None = None,
        hint: str | None = None,
        shown: Sequence[str] | None = None,
        ambiguous: bool = False,
    ) -> None:
        self.value = value
        self.ambiguous = ambiguous
        names = tuple(suggestions if shown is None else shown)
        self.shown = names
        if ambiguous:
            message = f"ambiguous {self.kind} {value!r}: it could be {', '.join(names)}"
        else:
            message = f"unknown {self.kind} {value!r}"
            if names:
                message += f": did you mean {', '.join(names[:5])}?"
        if hint:
            message += f" ({hint})" if not ambiguous else f"; {hint}"
        super().__init__(message, field=field, suggestions=suggestions)


class UnknownHardwareError(_UnknownNameError):
    """A GPU, accelerator or CPU name that is not in the hardware table."""

    kind = "hardware"

    def __init__(
        self,
        value: str,
        suggestions: Sequence[str] = (),
        *,
        field: str | None = None,
        kind: str = "hardware",
        hint: str | None = None,
        shown: Sequence[str] | None = None,
    ) -> None:
        self.kind = kind
        super().__init__(value, suggestions, field=field, hint=hint, shown=shown)


class UnknownRegionError(_UnknownNameError):
    """A region, country or cloud-region name that is not in the regions table."""

    kind = "region"


class ProbeUnavailableError(CarbonestError):
    """A probe cannot work on this machine (no driver, no counters, not installed).

    Attributes:
        probe: The probe's name, e.g. ``"nvml"`` or ``"rapl"``.
        fix: What would make it work, if anything, as one sentence.
    """

    def __init__(self, message: str, *, probe: str = "", fix: str | None = None) -> None:
        super().__init__(message)
        self.probe = probe
        self.fix = fix


class ProbePermissionError(ProbeUnavailableError):
    """The counters exist but this user may not read them; ``fix`` says how to grant access."""


class StorageError(CarbonestError):
    """The run store could not be opened, read or written."""


class ProviderError(CarbonestError):
    """A carbon-intensity provider failed (network, bad response, unknown zone).

    Attributes:
        provider: The provider's name, e.g. ``"electricitymaps"`` (empty if unknown).
        reason: A short reason without the provider's name, e.g. ``"HTTP 401: Invalid auth-token"``.
        status: The HTTP status, if the failure was an HTTP answer.
    """

    def __init__(self, message: str, *, provider: str = "", reason: str | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.provider = provider
        self.reason = reason if reason is not None else message
        self.status = status


__all__ = [
    "CarbonestError",
    "name_params",
    "param",
    "warn_user",
    "InvalidInputError",
    "ProbePermissionError",
    "ProbeUnavailableError",
    "ProviderError",
    "StorageError",
    "UnknownHardwareError",
    "UnknownRegionError",
]
