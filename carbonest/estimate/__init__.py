"""The scalar calculator: :func:`carbonest.estimate` (layer L6).

Rules of this subpackage:

* **One straight pipeline, one module per step** (the order is drawn in
  :mod:`~carbonest.estimate.pipeline`): ``request`` (validate) -> ``resolve``
  (hardware, datacenter, grid intensity and PUE) -> ``power`` (each
  component) -> ``duration`` (hours, or work from FLOPs) -> ``serving`` ->
  ``energy`` (operational energy and CO2e) -> ``lifecycle`` (embodied carbon,
  water) -> ``bounds`` -> the :class:`~carbonest.records.Estimate`, assembled
  in ``pipeline``. ``compute`` holds the FLOP/s and MFU choices that training
  and serving share; ``assumptions`` the stated, sourced defaults that are
  neither measurements nor table rows (shared with :mod:`carbonest.whatif`).
* **Each step takes the previous steps' values and returns a value.** A step
  may import the modules of earlier steps (for their types) but never a later
  step's, and never ``pipeline``. The only shared mutable state is the
  :class:`~carbonest.records.Notes` journal handed along.
* **Step values are NamedTuples**, not frozen dataclasses: building a frozen
  dataclass costs about 2 ms at import, a NamedTuple about 0.3 ms, and the
  whole ``carbonest estimate`` process has a 200 ms budget. The result itself
  (:class:`~carbonest.records.Estimate`) stays a dataclass.
* **No equation here.** Every number is computed by a function of
  :mod:`carbonest.formulas`; every reference value comes from
  :mod:`carbonest.catalog` or :mod:`carbonest.intensity`, and each use is
  recorded with its provenance.
* **What it may import:** L0-L5 (errors, units, inputs, records, formulas,
  catalog, intensity). Not ``measure``, ``whatif`` (siblings), ``cli`` or the
  package face.
* **What must never import it:** anything below L6. The CLI and the face do.
* Why the package shares its name with the function: ``carbonest.estimate``
  is both; the package is made callable (see
  :func:`carbonest._lazy.callable_package`) so whichever is imported first,
  ``carbonest.estimate(...)`` works. Import the steps by their full path
  (``from carbonest.estimate.power import ...``).
"""

from carbonest._lazy import callable_package
from carbonest.estimate.pipeline import estimate

__all__ = ["estimate"]

callable_package(__name__, estimate)
