"""Live measurement: the tracker around Python code and ``carbonest measure`` (layer L6).

Rules of this subpackage:

* **What it holds.** :mod:`~carbonest.measure.tracker`: :class:`Tracker` and
  :func:`track` (context manager, decorator, explicit start/stop, phases).
  :mod:`~carbonest.measure.setup`: the wiring of one run (settings from
  arguments, environment and config; probes; store; intensity and PUE through
  :mod:`carbonest.intensity`; the multi-process policy).
  :mod:`~carbonest.measure.signals`: SIGTERM/SIGINT/exit handling.
  :mod:`~carbonest.measure.sampler`: the one sampler thread that reads probes
  and integrates energy. :mod:`~carbonest.measure.summary`: building the
  :class:`~carbonest.records.RunRecord` from the sampler's totals.
  :mod:`~carbonest.measure.doctor`: what each probe can read here and how to
  fix the others.
* **The sampler knows only the probe contract** (:mod:`carbonest.probes.base`),
  never a concrete backend; the store is used through
  :class:`~carbonest.store.RunStore` only. Concrete probes and stores are
  chosen in ``setup`` and can all be passed in.
* **What it may import:** every layer below (records, formulas, catalog,
  probes, store, intensity, config, inputs). Not ``estimate`` or ``whatif``
  (siblings), not ``cli`` or the package face.
* **What must never import it:** anything below L6. Integrations (framework
  callbacks) and the CLI sit above it and may.
* Training code must never crash because of carbonest: a failure inside the
  sampler is kept and reported on the record, never raised into the user's code.
* Nothing is imported here, so ``import carbonest`` stays light.
"""
