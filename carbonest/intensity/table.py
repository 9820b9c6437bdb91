"""The offline intensity provider: the shipped ``regions`` table (layer L5)."""

from __future__ import annotations

from typing import Any

from carbonest.intensity.base import GridIntensity, IntensityProvider
from carbonest.records import RegionInfo, table_provenance

__all__ = ["TableProvider", "region_info"]


def region_info(spec: Any) -> RegionInfo:
    """The :class:`RegionInfo` of a catalog region row."""
    return RegionInfo(spec.id, spec.name, spec.year, spec.source, spec.basis, spec.kind)


class TableProvider(IntensityProvider):
    """Yearly average intensities from ``carbonest/data/regions.csv`` (see ``data/SOURCES.md``)."""

    name = "table"

    def intensity(self, region: str) -> GridIntensity:
        """The table figure of ``region`` (any id, name or alias ``find_region`` accepts)."""
        from carbonest.catalog import find_region

        return self.of(find_region(region))

    def of(self, spec: Any) -> GridIntensity:
        """The figure of an already-found catalog row."""
        prov = table_provenance("regions", spec.source, spec.year, spec.id)
        return GridIntensity(float(spec.intensity_g_per_kwh), region_info(spec), prov)
