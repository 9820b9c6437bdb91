"""The contract of a source of grid carbon intensity (layer L4).

A provider answers one question: what is the carbon intensity of electricity in
this region, on this basis? It returns the figure with everything needed to
trust it: the region it belongs to, and a :class:`~carbonest.records.Provenance`
saying which table row, API response or model produced it. A provider never
returns a default for a region it does not know: it raises
:class:`~carbonest.errors.UnknownRegionError` (or
:class:`~carbonest.errors.ProviderError` for a source that could not be read),
and the caller decides, loudly, what to do instead.

Precedence between providers and the user's own figures is not decided here but
in :mod:`carbonest.intensity.resolve`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, NamedTuple

from carbonest.records import Provenance, RegionInfo

__all__ = ["GridIntensity", "IntensityProvider"]


class GridIntensity(NamedTuple):
    """One carbon-intensity figure of one grid, with where it came from.

    Attributes:
        intensity_g_per_kwh: Average carbon intensity of the electricity. Units: gCO2e/kWh.
        region: The region (grid) the figure belongs to, with its year, source and basis.
        provenance: Which table row, API response or model gave the figure.
        timestamp: ISO 8601 time the figure is for (live providers); None for a yearly average.
    """

    intensity_g_per_kwh: float
    region: RegionInfo
    provenance: Provenance
    timestamp: str | None = None


class IntensityProvider(ABC):
    """A source of grid carbon intensity: the shipped tables, or a live API.

    Subclasses set :attr:`name` (used in provenance labels) and implement
    :meth:`intensity`. Constructing one does no I/O.
    """

    name: ClassVar[str]

    @abstractmethod
    def intensity(self, region: str) -> GridIntensity:
        """The carbon intensity of ``region`` (an id or name the provider understands).

        Raises:
            UnknownRegionError: the provider has no figure for this region.
            ProviderError: the source could not be read (network, quota, malformed answer).
        """
