"""Reports people look at: a stored run (or several) rendered as text, HTML, PNG or SVG.

Rules of this package:

* It renders what is stored (run records, their samples and phases) and the shipped catalog
  (region intensities, everyday-equivalent constants). It never measures, estimates or calls
  another way in (``estimate``, ``measure``, ``whatif``): it is their sibling at layer 6.
* Every figure shown carries its provenance, and the report lists them in one table.
  Figures of different bases (lifecycle vs direct) are never ranked or compared.
* ``model`` builds the report's figures (pure, no plotting); ``compare`` decomposes the
  difference between runs; ``text`` and ``html`` render; ``plots`` is the only module that
  imports matplotlib (Agg backend), lazily, as the optional extra ``carbonest[report]``.
* Every user string (run name, command, phase names) is escaped in HTML and cleaned of
  control characters in text.
"""
