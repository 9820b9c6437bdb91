"""Read-only reference tables shipped with carbonest (layer L3).

Rules of this subpackage:

* **Data lives in** ``carbonest/data/*.csv``, built by ``data/build_tables.py`` from the
  upstream files described in ``data/SOURCES.md``. Never edit the CSVs by hand; change the
  build or its curated inputs (``data/curated``) and rebuild.
* **Loading is lazy.** Importing :mod:`carbonest.catalog` reads nothing and imports neither
  pandas nor numpy. A table is read on first use from the package through its loader
  (its ``get_data``, as :func:`pkgutil.get_data` would call it; see :mod:`carbonest.catalog._load`
  for why not ``importlib.resources``) with the stdlib :mod:`csv` module, then cached for the life of the
  process (``functools.cache``).
* **Units are in the names** (``tdp_w``, ``intensity_g_per_kwh``, ``wue_l_per_kwh``...), and
  every row has ``source`` and ``year``; intensities also carry ``basis``.
* **Lookups forgive spelling** (case, accents, spaces, hyphens, vendor words) and fail loudly:
  an unknown name raises :class:`~carbonest.errors.UnknownHardwareError` or
  :class:`~carbonest.errors.UnknownRegionError` with the closest matches, never a silent
  default. Family names (``V100``, ``A100``...) resolve to a documented default SKU and say so.
* Values are frozen dataclasses with ``to_dict()``; imports only from layers L0-L1 (the
  views import pandas inside their functions).
* :mod:`~carbonest.catalog.views`: the tables as JSON-ready lists and DataFrames
  (``carbonest.regions()``, ``carbonest.hardware()``, ``carbonest regions``).
* What must never import it: the records and the formulas (below it). Everything from
  the contracts up (probes, intensity, the ways in, the CLI) may.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from carbonest._lazy import lazy_attributes

if TYPE_CHECKING:
    from .constants import Constant, UnknownConstantError, constant, list_constants
    from .cpus import CpuSpec, find_cpu, list_cpus, match_cpu_model_name
    from .cpus import CpuPowerMatch, VcpuPowerSpec, cpu_power_lookup, find_vcpu_power, list_vcpu_power
    from .datacenters import (
        DatacenterSpec,
        PueSpec,
        find_datacenter,
        industry_pue,
        industry_wue,
        list_datacenters,
    )
    from .hardware import AcceleratorSpec, find_accelerator, list_accelerators
    from .regions import (
        BASES,
        IntensityFigure,
        RegionSpec,
        find_region,
        intensity_spread,
        list_regions,
        region_set,
        world_region,
    )
    from .sources import TableSource, list_sources

# Each name is imported from its module on first use, so that looking up a region does not
# also import (and build the dataclasses of) the hardware, CPU and datacenter modules.
_WHERE = {
    "AcceleratorSpec": "hardware",
    "BASES": "regions",
    "Constant": "constants",
    "CpuSpec": "cpus",
    "CpuPowerMatch": "cpus",
    "VcpuPowerSpec": "cpus",
    "cpu_power_lookup": "cpus",
    "find_vcpu_power": "cpus",
    "list_vcpu_power": "cpus",
    "DatacenterSpec": "datacenters",
    "PueSpec": "datacenters",
    "RegionSpec": "regions",
    "TableSource": "sources",
    "UnknownConstantError": "constants",
    "constant": "constants",
    "find_accelerator": "hardware",
    "find_cpu": "cpus",
    "find_datacenter": "datacenters",
    "find_region": "regions",
    "IntensityFigure": "regions",
    "industry_pue": "datacenters",
    "industry_wue": "datacenters",
    "intensity_spread": "regions",
    "list_accelerators": "hardware",
    "list_constants": "constants",
    "list_cpus": "cpus",
    "list_datacenters": "datacenters",
    "list_regions": "regions",
    "list_sources": "sources",
    "match_cpu_model_name": "cpus",
    "region_set": "regions",
    "world_region": "regions",
}


__getattr__ = lazy_attributes(__name__, {k: f"{__name__}.{v}" for k, v in _WHERE.items()})


__all__ = [
    "AcceleratorSpec",
    "BASES",
    "Constant",
    "CpuPowerMatch",
    "CpuSpec",
    "DatacenterSpec",
    "IntensityFigure",
    "PueSpec",
    "RegionSpec",
    "TableSource",
    "UnknownConstantError",
    "VcpuPowerSpec",
    "constant",
    "cpu_power_lookup",
    "find_accelerator",
    "find_cpu",
    "find_datacenter",
    "find_region",
    "find_vcpu_power",
    "industry_pue",
    "industry_wue",
    "intensity_spread",
    "list_accelerators",
    "list_constants",
    "list_cpus",
    "list_datacenters",
    "list_regions",
    "list_sources",
    "list_vcpu_power",
    "match_cpu_model_name",
    "region_set",
    "world_region",
]
