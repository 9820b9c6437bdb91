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

from carbonest._lazy import lazy_attributes
from carbonest._version import __version__

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
