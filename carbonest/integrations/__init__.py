"""Where ML people already work: framework callbacks over the tracker, metric sinks over records.

One module per framework (``huggingface``, ``lightning``, ...), plus ``modelcard`` (a model
card's ``co2_eq_emissions`` block from a run record). Rules of this package:

* Each module imports its framework inside the functions that need it (or, for a callback that
  must subclass the framework's base class, at its own import), never from here: ``import
  carbonest`` and ``import carbonest.integrations`` load no framework. Each framework is an
  optional extra (``pip install "carbonest[huggingface]"``).
* Callbacks wrap :class:`carbonest.Tracker`; they add no measuring of their own. A failure of
  carbonest inside a callback is warned about and swallowed: training never stops because of it.
"""
