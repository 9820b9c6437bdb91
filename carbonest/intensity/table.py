"""The offline intensity provider: the shipped ``regions`` table (layer L5).

Every region row carries up to two figures, one per basis (``lifecycle``, the
default, and ``direct``); the provider gives the one asked for and never
substitutes the other: a region without a figure on the asked basis raises
:class:`~carbonest.errors.InvalidInputError` naming ``basis``, with the other
basis's figure in the message so the user can choose.
"""

from __future__ import annotations

from typing import Any

from carbonest.records.common import cite
from carbonest.errors import InvalidInputError
from carbonest.intensity.base import GridIntensity, IntensityProvider
from carbonest.records import RegionInfo, table_provenance

__all__ = ["BASES", "DEFAULT_BASIS", "TableProvider", "figure_of", "other_basis", "region_info"]

BASES = ("lifecycle", "direct")
DEFAULT_BASIS = "lifecycle"
"""Lifecycle is the default basis: it is the one every country, state and cloud region has, and
the one the IPCC compares sources on (see docs/methodology.md)."""


def other_basis(basis: str) -> str:
    """``direct`` for ``lifecycle`` and the reverse."""
    return "direct" if basis == "lifecycle" else "lifecycle"


def region_info(spec: Any, fig: Any) -> RegionInfo:
    """The :class:`RegionInfo` of a catalog region row, for its figure ``fig`` on one basis."""
    return RegionInfo(spec.id, spec.name, fig.year, fig.source, fig.basis, spec.kind)


def figure_of(spec: Any, basis: str) -> Any:
    """The region row's figure on ``basis``; raise naming ``basis`` when it has none."""
    fig = spec.figure(basis)
    if fig is not None:
        return fig
    other = spec.figure(other_basis(basis))
    hint = ""
    if other is not None:
        hint = (f"; its {other_basis(basis)} figure is {other.intensity_g_per_kwh:g} g CO2e/kWh "
                f"({cite(other.source, other.year)}): choose the {other_basis(basis)} basis for it")
    raise InvalidInputError(f"basis: {spec.name} ({spec.id}) has no {basis} carbon-intensity figure{hint}, "
                            "or give your own intensity", field="basis")


class TableProvider(IntensityProvider):
    """Yearly average intensities from ``carbonest/data/regions.csv`` (see ``data/SOURCES.md``).

    Args:
        basis: ``"lifecycle"`` (default) or ``"direct"``.
    """

    name = "table"

    def __init__(self, basis: str = DEFAULT_BASIS) -> None:
        if basis not in BASES:
            raise InvalidInputError(f"basis: must be one of {', '.join(BASES)}, got {basis!r}", field="basis")
        self.basis = basis

    def intensity(self, region: str, at: Any = None) -> GridIntensity:
        """The table figure of ``region`` (any id, name or alias ``find_region`` accepts).

        ``at`` is accepted for the contract's sake: a yearly average is the same at every hour.
        """
        from carbonest.catalog import find_region

        return self.of(find_region(region))

    def of(self, spec: Any) -> GridIntensity:
        """The figure of an already-found catalog row, on this provider's basis."""
        fig = figure_of(spec, self.basis)
        prov = table_provenance("regions", fig.source, fig.year, f"{spec.id} {self.basis}")
        return GridIntensity(float(fig.intensity_g_per_kwh), region_info(spec, fig), prov, basis=self.basis)
