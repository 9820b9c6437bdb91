"""Exact unit factors used by the builders (kept here so the build does not import the package)."""

KG_PER_LB = 0.45359237
"""Kilograms in one avoirdupois pound (exact)."""

G_PER_KWH_PER_LB_PER_MWH = KG_PER_LB
"""1 lb/MWh = 453.59237 g / 1000 kWh = 0.45359237 g/kWh (exact)."""
