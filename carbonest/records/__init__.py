"""The frozen value types that flow between the layers (layer L1).

Rules of this subpackage:

* **What it holds.** :mod:`~carbonest.records.common`: the types every layer
  shares (:class:`Provenance`, :class:`Reading`, :class:`Sample`,
  :class:`RegionInfo`) and :class:`Notes`, the provenance journal of a result
  being assembled. :mod:`~carbonest.records.estimate`: the result of the
  calculator (:class:`Estimate`, :class:`ComponentEnergy`, :class:`Equivalent`).
  :mod:`~carbonest.records.run`: the result of a measured run
  (:class:`RunRecord`, :class:`PhaseRecord`).
* **What it may import:** the standard library and layer L0 (``errors``,
  ``units``, ``_lazy``) only. No catalog, no formulas, no I/O.
* **What must never import it back:** nothing here imports from a higher layer;
  every layer above may import from here.
* Plain frozen dataclasses, cheap to build on the sampler's hot path; pydantic
  is used only at the edges (user input, the stored schema).
* The result types are imported on first use (creating a frozen dataclass
  costs about 2 ms at import), so the sampler does not pay for the
  ``Estimate`` type and ``estimate`` does not pay for ``RunRecord``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from carbonest._lazy import lazy_attributes
from carbonest.records.common import (
    Component,
    Notes,
    Provenance,
    ProvenanceKind,
    Reading,
    RegionInfo,
    Sample,
    table_provenance,
)

if TYPE_CHECKING:
    from carbonest.records.estimate import ComponentEnergy, Equivalent, Estimate
    from carbonest.records.run import PhaseRecord, PhaseStats, RunRecord, RunStatus

_RESULTS = {
    "ComponentEnergy": "carbonest.records.estimate",
    "Equivalent": "carbonest.records.estimate",
    "Estimate": "carbonest.records.estimate",
    "PhaseRecord": "carbonest.records.run",
    "PhaseStats": "carbonest.records.run",
    "RunRecord": "carbonest.records.run",
    "RunStatus": "carbonest.records.run",
}

__getattr__ = lazy_attributes(__name__, _RESULTS)

__all__ = [
    "Component",
    "ComponentEnergy",
    "Equivalent",
    "Estimate",
    "Notes",
    "PhaseRecord",
    "PhaseStats",
    "Provenance",
    "ProvenanceKind",
    "Reading",
    "RegionInfo",
    "RunRecord",
    "RunStatus",
    "Sample",
    "table_provenance",
]
