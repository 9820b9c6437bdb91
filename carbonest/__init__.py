"""carbonest: energy, carbon and water of machine-learning work, with the provenance of every number.

The public face is small::

    import carbonest
    e = carbonest.estimate(gpu="V100", gpus=8, hours=24, region="quebec")
    print(e.co2e_kg, e.to_dict()["provenance"])

Everything is imported lazily (module ``__getattr__``) so that ``import
carbonest`` costs a few milliseconds and pulls in neither numpy, pandas,
requests nor pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from carbonest._lazy import lazy_attributes
from carbonest._version import __version__

if TYPE_CHECKING:  # the real signatures, for type checkers and IDEs; at run time each is lazy
    from carbonest.catalog.views import hardware as hardware, regions as regions
    from carbonest.errors import (
        CarbonestError as CarbonestError,
        InvalidInputError as InvalidInputError,
        ProbePermissionError as ProbePermissionError,
        ProbeUnavailableError as ProbeUnavailableError,
        ProviderError as ProviderError,
        StorageError as StorageError,
        UnknownHardwareError as UnknownHardwareError,
        UnknownRegionError as UnknownRegionError,
    )
    from carbonest.estimate.pipeline import estimate as estimate
    from carbonest.measure.tracker import Tracker as Tracker, track as track
    from carbonest.records import Provenance as Provenance
    from carbonest.records.estimate import Estimate as Estimate
    from carbonest.records.run import RunRecord as RunRecord
    from carbonest.schedule.when import when as when
    from carbonest.store.query import get_run as get_run, runs as runs
    from carbonest.whatif import whatif as whatif

_EXPORTS = {
    "estimate": ("carbonest.estimate", None),  # the callable package: see carbonest._lazy.callable_package
    "whatif": ("carbonest.whatif", None),
    "when": ("carbonest.schedule.when", "when"),
    "regions": ("carbonest.catalog.views", "regions"),
    "hardware": ("carbonest.catalog.views", "hardware"),
    "track": ("carbonest.measure.tracker", "track"),
    "Tracker": ("carbonest.measure.tracker", "Tracker"),
    "runs": ("carbonest.store.query", "runs"),
    "get_run": ("carbonest.store.query", "get_run"),
    "RunRecord": ("carbonest.records.run", "RunRecord"),
    "Estimate": ("carbonest.records.estimate", "Estimate"),
    "Provenance": ("carbonest.records", "Provenance"),
    "CarbonestError": ("carbonest.errors", "CarbonestError"),
    "InvalidInputError": ("carbonest.errors", "InvalidInputError"),
    "UnknownHardwareError": ("carbonest.errors", "UnknownHardwareError"),
    "UnknownRegionError": ("carbonest.errors", "UnknownRegionError"),
    "ProbeUnavailableError": ("carbonest.errors", "ProbeUnavailableError"),
    "ProbePermissionError": ("carbonest.errors", "ProbePermissionError"),
    "StorageError": ("carbonest.errors", "StorageError"),
    "ProviderError": ("carbonest.errors", "ProviderError"),
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_attributes(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext carbonest`` in IPython/Jupyter: the ``%%carbonest`` cell magic.

    See :mod:`carbonest.integrations.jupyter`; IPython is not imported by ``import carbonest``.
    """
    from carbonest.integrations.jupyter import load_ipython_extension as load

    load(ipython)
