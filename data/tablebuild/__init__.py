"""Helpers for ``data/build_tables.py``: one module per shipped table.

Each ``build_*`` function takes the upstream reference folder (and the curated
folder ``data/curated``) and returns a list of rows (dicts with string values),
already sorted, ready for :func:`tablebuild.common.write_table`.
"""
