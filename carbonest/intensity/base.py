"""The contract of a source of grid carbon intensity (layer L4).

A provider answers three questions about one grid, on one basis: what is the
carbon intensity now (or at a past time), what was it over a span of time, and
what is it forecast to be. Every answer is a :class:`GridIntensity` carrying
everything needed to trust it: the region it belongs to, its basis
(``lifecycle``, ``direct`` or ``marginal``), the time it is for and how long it
holds, and a :class:`~carbonest.records.Provenance` saying which table row or
API response produced it.

A provider never returns a default for a region it does not know: it raises
:class:`~carbonest.errors.UnknownRegionError` (or
:class:`~carbonest.errors.ProviderError` for a source that could not be read,
including an unknown zone at a live API), and the caller decides, loudly, what
to do instead (the tracker falls back to the table; ``carbonest intensity`` and
``carbonest when`` exit 1).

Bases are never mixed: one provider object answers on one basis, and figures of
different bases (an average and a marginal rate, a lifecycle and a direct
figure) are never compared or ranked against each other (docs/methodology.md,
section 6).

Precedence between providers and the user's own figures is not decided here but
in :mod:`carbonest.intensity.resolve`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import ClassVar, NamedTuple

from carbonest.errors import ProviderError
from carbonest.records import Provenance, RegionInfo

__all__ = ["BASIS_KINDS", "GridIntensity", "IntensityProvider"]

BASIS_KINDS = {"lifecycle": "average", "direct": "average", "marginal": "marginal"}
"""Each basis and whether its figures are averages of the grid's mix or marginal rates."""


class GridIntensity(NamedTuple):
    """One carbon-intensity figure of one grid, with where it came from.

    Attributes:
        intensity_g_per_kwh: Carbon intensity of the electricity. Units: gCO2e/kWh.
        region: The region (grid) the figure belongs to, with its year, source and basis.
        provenance: Which table row, API response or model gave the figure.
        timestamp: ISO 8601 UTC start of the period the figure is for (live providers);
            None for a yearly average.
        basis: ``"lifecycle"``, ``"direct"`` or ``"marginal"`` (None: the region's basis).
        period_s: How long the figure holds from ``timestamp``. Units: s. None for a yearly average.
        forecast: Whether the figure is a forecast rather than a measured or estimated value.
    """

    intensity_g_per_kwh: float
    region: RegionInfo
    provenance: Provenance
    timestamp: str | None = None
    basis: str | None = None
    period_s: float | None = None
    forecast: bool = False

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        basis = self.basis or self.region.basis
        return {
            "intensity_g_per_kwh": self.intensity_g_per_kwh, "timestamp": self.timestamp,
            "period_s": self.period_s, "basis": basis, "averaging": BASIS_KINDS.get(basis or "", "average"),
            "forecast": self.forecast, "region": self.region.to_dict(), "provenance": self.provenance.to_dict(),
        }


class IntensityProvider(ABC):
    """A source of grid carbon intensity: the shipped tables, or a live API.

    Subclasses set :attr:`name` (used in provenance labels) and implement
    :meth:`intensity`; live providers also implement :meth:`series` and
    :meth:`forecast`. Constructing one does no I/O.

    Attributes:
        name: The provider's name, e.g. ``"table"`` or ``"electricitymaps"``.
        basis: The basis every answer of this object is on.
        live: Whether the provider reads a time-varying source (False for the yearly tables).
    """

    name: ClassVar[str]
    live: ClassVar[bool] = False
    basis: str = "lifecycle"

    @abstractmethod
    def intensity(self, region: str, at: datetime | None = None) -> GridIntensity:
        """The carbon intensity of ``region`` now, or in force at ``at`` (an aware UTC datetime).

        Raises:
            UnknownRegionError: the provider has no figure for this region.
            ProviderError: the source could not be read (network, quota, malformed answer).
        """

    def series(self, region: str, start: datetime, end: datetime) -> list[GridIntensity]:
        """The figures in force between ``start`` and ``end``, oldest first (each with its period).

        Raises:
            ProviderError: the provider keeps no time series, or it could not be read.
        """
        raise ProviderError(f"{self.name}: keeps no time series", provider=self.name,
                            reason="keeps no time series")

    def forecast(self, region: str, hours: float) -> list[GridIntensity]:
        """The forecast figures from now for ``hours`` hours, oldest first.

        Raises:
            ProviderError: the provider makes no forecast, or it could not be read.
        """
        raise ProviderError(f"{self.name}: makes no forecast", provider=self.name, reason="makes no forecast")
