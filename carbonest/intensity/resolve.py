"""Where the carbon intensity and the PUE of a job come from: one set of rules for every caller.

:func:`carbonest.estimate`, the tracker and the what-if engine all resolve
these two inputs here, so their precedence and their provenance labels are
the same everywhere:

* carbon intensity: the user's ``intensity_g_per_kwh`` > ``region`` > a
  ``datacenter`` preset that carries one > the method preset's > the world
  average (said in a note).
* PUE: the user's ``pue`` > ``datacenter`` > the provider PUE of a cloud
  ``region`` > the method preset's > the latest industry average (said in a note).
"""

from __future__ import annotations

from typing import Any

from carbonest.records.common import cite
from carbonest import inputs
from carbonest.errors import InvalidInputError, param
from carbonest.formulas import emissions, strubell
from carbonest.intensity.table import DEFAULT_BASIS, TableProvider
from carbonest.records import Notes, Provenance, RegionInfo, table_provenance


def configured_region(region: Any, intensity: Any, settings: Any = None) -> tuple[Any, str | None]:
    """The region rule every way in shares: the argument, else ``CARBONEST_REGION`` or the config
    file, else none (the caller then takes the world average).

    Args:
        region: The region argument (None: not given).
        intensity: The intensity argument: a given intensity needs no region.
        settings: :class:`~carbonest.config.Settings` already loaded (loaded here when None).

    Returns:
        The region name to resolve (or None) and its origin: None for the argument, else the
        provenance label of the setting (``env:CARBONEST_REGION``, ``config:PATH``).
    """
    if region is not None or intensity is not None:
        return region, None
    if settings is None:
        from carbonest.config import load_settings

        settings = load_settings()
    if settings.region is None:
        return None, None
    return settings.region, settings.region_origin or "config"


def configured_region_error(origin: str, exc: InvalidInputError) -> InvalidInputError:
    """A configured region that cannot be used, as an error naming where it was set (for the
    one-shot calculators; a measured run warns and falls back instead, see ``measure.setup``)."""
    if origin.startswith("env:"):
        var = origin[len("env:"):]
        return InvalidInputError(f"{var}: {exc}", field=var, suggestions=exc.suggestions)
    where = origin[len("config:"):] if origin.startswith("config:") else origin
    return InvalidInputError(f"{where}: region: {exc}", field="config", suggestions=exc.suggestions)


def _preset_pue_intensity(preset: str | None) -> tuple[float, float, RegionInfo] | None:
    if preset != "strubell2019":
        return None
    intensity = emissions.lbs_per_kwh_to_g_per_kwh(strubell.STRUBELL_LBS_PER_KWH)
    region = RegionInfo(
        id="strubell2019-us", name="United States average as used by Strubell et al. 2019",
        year=2018, source="US EPA (2018), via Strubell et al. 2019", basis="as published (0.954 lbs CO2e/kWh)",
        kind="preset",
    )
    return strubell.STRUBELL_PUE, intensity, region


def resolve_intensity(d: Notes, region: Any, intensity: Any, dc: Any, preset: str | None,
                      basis: str = DEFAULT_BASIS) -> tuple[float, RegionInfo, Any]:
    """Carbon intensity, the region it belongs to, and the region spec (if a table region).

    A table region's figure is the one on ``basis`` (``lifecycle`` by default); a region with
    no figure on that basis is refused, never given the other basis's figure.
    """
    inputs.exclusive("region", region, "intensity_g_per_kwh", intensity)
    if intensity is not None:
        value = inputs.intensity("intensity_g_per_kwh", intensity)
        d.note("intensity_g_per_kwh", Provenance.user())
        return value, RegionInfo("custom", "user-given intensity", None, "user", None, "custom"), None
    from carbonest.catalog import find_region, world_region

    table = TableProvider(basis)
    if region is not None:
        spec = find_region(inputs.name("region", region))
        d.note("region", Provenance.user())
        grid = table.of(spec)
        d.note("intensity_g_per_kwh", grid.provenance)
        if basis == "direct":
            d.notes.append(
                f"{spec.name}: {grid.intensity_g_per_kwh:g} g CO2e/kWh counts direct (combustion) emissions "
                f"only ({grid.region.basis}), as asked; lifecycle figures for the same grid are higher "
                "(see docs/methodology.md)."
            )
        return grid.intensity_g_per_kwh, grid.region, spec
    if dc is not None and getattr(dc, "intensity_g_per_kwh", None) is not None:
        d.note("intensity_g_per_kwh", table_provenance("datacenters", dc.source, dc.year, dc.id))
        info = RegionInfo(dc.id, dc.name, dc.year, dc.source, "as published by the datacenter preset", "datacenter")
        return float(dc.intensity_g_per_kwh), info, None
    preset_values = _preset_pue_intensity(preset)
    if preset_values is not None:
        d.note("intensity_g_per_kwh", Provenance("preset", "strubell2019"))
        return preset_values[1], preset_values[2], None
    if preset == "patterson2021":
        raise InvalidInputError(
            f"intensity_g_per_kwh: {param('preset')} patterson2021 needs the datacenter's carbon intensity: "
            f"give intensity_g_per_kwh, {param('region')} or a {param('datacenter')} that carries one",
            field="intensity_g_per_kwh",
        )
    spec = world_region()
    grid = table.of(spec)
    d.note("intensity_g_per_kwh", grid.provenance)
    d.notes.append(
        f"No region given: the world average {grid.intensity_g_per_kwh:g} g CO2e/kWh "
        f"({cite(grid.region.source, grid.region.year)}, {grid.region.basis}) was used. Give a region for a "
        "meaningful figure."
    )
    return grid.intensity_g_per_kwh, grid.region, spec


def resolve_pue(d: Notes, pue: Any, dc: Any, region_spec: Any, preset: str | None) -> float:
    if pue is not None:
        d.note("pue", Provenance.user())
        return inputs.pue("pue", pue)
    if dc is not None:
        d.note("pue", table_provenance("datacenters", dc.source, dc.year, dc.id))
        return float(dc.pue)
    if region_spec is not None and getattr(region_spec, "pue", None) is not None:
        d.note("pue", Provenance("table", f"regions {region_spec.id} provider PUE",
                                 region_spec.pue_source, region_spec.pue_year))
        return float(region_spec.pue)
    preset_values = _preset_pue_intensity(preset)
    if preset_values is not None:
        d.note("pue", Provenance("preset", "strubell2019"))
        return preset_values[0]
    if preset == "patterson2021":
        raise InvalidInputError(
            f"pue: {param('preset')} patterson2021 needs the datacenter's PUE: give {param('pue')} or "
            f"{param('datacenter')}",
            field="pue",
        )
    from carbonest.catalog import industry_pue

    spec = industry_pue()
    d.note("pue", table_provenance("datacenters", spec.source, spec.year, spec.id))
    d.notes.append(
        f"No PUE given: the industry average {spec.pue:g} ({cite(spec.source, spec.year)}) was used."
    )
    return float(spec.pue)




def industry_pue_bounds(pue: float) -> tuple[float, float]:
    """The spread around a defaulted industry-average PUE: from the best published provider fleet
    figure to the highest industry average of the last five survey years (``datacenters.csv``)."""
    (low, _), (high, _) = industry_pue_spread(pue)
    return low, high


def industry_pue_spread(pue: float) -> tuple[tuple[float, str], tuple[float, str]]:
    """:func:`industry_pue_bounds` with the row each bound comes from (a provenance label)."""
    from carbonest.catalog import list_datacenters

    rows = list_datacenters()
    providers = [r for r in rows if r.kind == "provider"]
    surveys = [r for r in rows if r.id.startswith("uptime-")]
    latest = max(int(r.year) for r in surveys)
    recent = [r for r in surveys if int(r.year) > latest - 5]
    best = min(providers, key=lambda r: float(r.pue))
    worst = max(recent, key=lambda r: float(r.pue))

    def label(r: Any) -> str:
        return table_provenance("datacenters", r.source, r.year, f"{r.id} PUE {float(r.pue):g}").label

    low = (float(best.pue), label(best)) if float(best.pue) < pue else (pue, "the industry average itself")
    high = (float(worst.pue), label(worst)) if float(worst.pue) > pue else (pue, "the industry average itself")
    return low, high
