"""Where ML people already work: framework callbacks over the tracker, metric sinks over records.

Rules of this package:

* One module per framework or destination; each imports its library lazily (inside the
  function or method that needs it), so ``import carbonest`` and ``import
  carbonest.integrations`` import none of them. Each library is an optional extra
  (``pip install "carbonest[mlflow]"``, ``[wandb]``, ``[jupyter]``, ...).
* Training code never crashes because of an integration: its own failures are caught, warned
  about once, and measuring goes on; the run is still stored.
* Metric sinks (:mod:`~carbonest.integrations.base`: MLflow, Weights & Biases, and any other
  destination) work on run records only, so the tracker can drive them (``log_to=``) and a
  stored run can be replayed into them (``carbonest runs log``). The contract sits at the
  contracts' layer, the sinks at the backends' layer, the callbacks over the tracker above it
  (``tests/test_layers.py``).
"""
