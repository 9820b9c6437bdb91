"""Where the carbon intensity of electricity and the PUE of a job come from (layers L4-L5).

Rules of this subpackage:

* **What it holds.** :mod:`~carbonest.intensity.base`: the small contract every
  source of grid carbon intensity follows (:class:`IntensityProvider`, which
  returns a :class:`GridIntensity` with its provenance).
  :mod:`~carbonest.intensity.table`: the provider over the shipped tables (the
  offline default). :mod:`~carbonest.intensity.resolve`: the one set of
  precedence rules (user > region > datacenter > preset > world average for
  intensity; user > datacenter > cloud provider > preset > industry average for
  PUE) that the calculator, the tracker and the what-if engine all call, so
  their figures and provenance labels agree.
* **Where new sources go.** A live provider (Electricity Maps, WattTime, the UK
  grid API) is one module here that implements ``IntensityProvider``; it
  translates its HTTP and vendor errors into
  :class:`~carbonest.errors.ProviderError` at that one boundary, and imports
  its HTTP client inside the functions that call it.
* **What it may import:** L0-L3 (``errors``, ``units``, ``inputs``,
  ``records``, ``formulas``, ``catalog``). Never ``estimate``, ``measure``,
  ``whatif``, ``cli`` or the package face: those call into it, never the other
  way.
* Nothing is imported here, so ``import carbonest`` stays light: import the
  module you need.
"""
