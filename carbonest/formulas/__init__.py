"""The formula layer: every equation carbonest uses, written once.

Rules of this subpackage:

* PURE. No I/O, no clock, no environment variables, no logging, no imports
  of other carbonest layers except :mod:`carbonest.units`.
* Scalars and numpy arrays alike: functions use only arithmetic operators (and
  ``numpy`` only where an array operation is unavoidable, imported inside the
  function), so the what-if engine can sweep a million scenarios at once.
* Units in every parameter name and a ``Units:`` line in every docstring.
* No validation here: inputs are validated at the edges (CLI, public API)
  before they reach a formula. A formula given nonsense returns nonsense.
* Each docstring cites the paper, the equation and where its constants come from.
* What must never import it back: nothing here may import another carbonest
  layer (the layer test checks it), and every layer from the catalog up may
  call it. An equation typed anywhere else is a bug: move it here.
"""
