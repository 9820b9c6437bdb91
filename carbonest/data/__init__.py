"""Reference tables shipped with carbonest (CSV, built by ``data/build_tables.py``).

Read them through :mod:`carbonest.catalog`, never directly: the catalog knows
their columns, units and provenance. ``sources.csv`` lists the citation of each.
Nothing in this package is code to import: only :mod:`carbonest.catalog` reads it.
"""
