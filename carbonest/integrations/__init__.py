"""Where ML people already work: framework callbacks over the tracker, metric sinks over records.

One module per framework or destination (``huggingface``, ``lightning``, ``mlflow``, ``wandb``,
``jupyter``), plus ``modelcard`` (a model card's ``co2_eq_emissions`` block from a run record).
Rules of this package:

* Each module imports its library lazily (inside the function or method that needs it, or, for a
  callback that must subclass the framework's base class, at its own import), never from here:
  ``import carbonest`` and ``import carbonest.integrations`` import none of them. Each library is
  an optional extra (``pip install "carbonest[huggingface]"``, ``[mlflow]``, ``[wandb]``, ...).
* Training code never crashes because of an integration: its own failures are caught, warned
  about once, and measuring goes on; the run is still stored.
* Callbacks wrap :class:`carbonest.Tracker`; they add no measuring of their own.
* Metric sinks (:mod:`~carbonest.integrations.base`: MLflow, Weights & Biases, and any other
  destination) work on run records only, so the tracker can drive them (``log_to=``) and a
  stored run can be replayed into them (``carbonest runs log``). The contract sits at the
  contracts' layer, the sinks at the backends' layer, the callbacks over the tracker above it
  (``tests/test_layers.py``).
"""
