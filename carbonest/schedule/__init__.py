"""Carbon-aware timing: when to start a job so that its CO2e is lowest (layer L6).

Rules of this subpackage:

* **What it holds.** :mod:`~carbonest.schedule.when`: :func:`when`, which reads one
  live provider's forecast and finds the start, within a horizon, that minimises
  the job's operational CO2e; the figure of starting now; the saving.
* **One basis, one provider.** Start times are compared only within one
  provider's forecast on one basis: a marginal rate is never ranked against an
  average, nor a lifecycle figure against a direct one (docs/methodology.md,
  section 6). The result names its provider and basis.
* **What it may import:** L0-L5, and, as the one exception to "the ways in do
  not call each other", the calculator's entry point
  (:mod:`carbonest.estimate.pipeline`): the job's energy is
  ``estimate(...).energy_kwh``, computed by the calculator's own rules rather
  than typed again here (allowed in ``tests/test_layers.py`` ``SIBLING_ALLOWED``).
  Not ``measure``, ``whatif``, ``cli`` or the package face.
* **What must never import it:** anything below L6. The CLI and the face do.
"""

from carbonest.schedule.when import WhenResult, when

__all__ = ["WhenResult", "when"]
