"""Reports of runs and estimates: the compute appendix, plots (matplotlib, the ``report`` extra)."""
