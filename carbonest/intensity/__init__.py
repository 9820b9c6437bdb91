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
* **Live providers.** One module per provider implements ``IntensityProvider``
  (``intensity(region, at)``, ``series``, ``forecast``):
  :mod:`~carbonest.intensity.electricitymaps`, :mod:`~carbonest.intensity.watttime`,
  :mod:`~carbonest.intensity.uk`. They share :mod:`~carbonest.intensity.live`
  (cached GETs, answers with basis, time and provenance),
  :mod:`~carbonest.intensity.http` (the one HTTP boundary: ``requests`` imported
  inside it, timeouts, retries honouring ``Retry-After``, every failure a
  :class:`~carbonest.errors.ProviderError` with secrets removed),
  :mod:`~carbonest.intensity.cache` (files under ``$CARBONEST_HOME``, a TTL per
  endpoint, atomic writes) and :mod:`~carbonest.intensity.timefmt`.
  :mod:`~carbonest.intensity.providers` builds one by name, with its keys and
  URLs from the environment and the config file. A new source is one more module
  of the same shape; its base URL is always configurable, and its tests run
  against a local server on 127.0.0.1.
* **One basis per answer.** Every figure says its basis (lifecycle, direct or
  marginal); nothing here compares figures across bases.
* **What it may import:** L0-L4 (``errors``, ``units``, ``inputs``,
  ``records``, ``formulas``, ``catalog``, and ``config`` for the providers'
  keys). Never ``estimate``, ``measure``,
  ``whatif``, ``cli`` or the package face: those call into it, never the other
  way.
* Nothing is imported here, so ``import carbonest`` stays light: import the
  module you need.
"""
