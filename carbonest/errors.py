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

from collections.abc import Sequence


class CarbonestError(Exception):
    """Root of every error carbonest raises on purpose."""


class InvalidInputError(CarbonestError, ValueError):
    """A value given by the user is not acceptable.

    Attributes:
        field: The parameter or CLI flag at fault (e.g. ``"--pue"`` or ``"pue"``), if known.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class _UnknownNameError(InvalidInputError, LookupError):
    """A name that is not in a reference table, with the closest matches."""

    kind = "name"

    def __init__(
        self,
        value: str,
        suggestions: Sequence[str] = (),
        *,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.value = value
        self.suggestions = tuple(suggestions)
        message = f"unknown {self.kind} {value!r}"
        if self.suggestions:
            shown = ", ".join(self.suggestions[:5])
            message += f": did you mean {shown}?"
        if hint:
            message += f" ({hint})"
        super().__init__(message, field=field)


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
    ) -> None:
        self.kind = kind
        super().__init__(value, suggestions, field=field, hint=hint)


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
    "InvalidInputError",
    "ProbePermissionError",
    "ProbeUnavailableError",
    "ProviderError",
    "StorageError",
    "UnknownHardwareError",
    "UnknownRegionError",
]
