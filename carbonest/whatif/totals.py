"""From IT energy to the footprint: PUE, carbon intensity, ranges, embodied carbon, water, saving.

Precedence (the same as :func:`carbonest.estimate`):

* PUE: ``pue`` > ``datacenter`` > the provider PUE of a cloud ``region`` > the
  latest industry average (Uptime Institute).
* intensity: ``intensity_g_per_kwh`` > ``region`` > a ``datacenter`` that carries
  one > the world average (said in a note and in ``intensity_provenance``).
"""

from __future__ import annotations

from typing import Any

from carbonest.whatif.backend import xp
from carbonest.estimate.assumptions import DEFAULT_GPUS_PER_SERVER, DEFAULT_UTILIZATION
from carbonest.formulas import emissions, lifecycle
from carbonest.records import Provenance
from carbonest.whatif import lookup
from carbonest.whatif.engine import Bounds, Sweep

GENERATION_WATER_CONSTANT = "water_generation_l_per_kwh"
"""Catalog constant for the water consumed per kWh generated, used when present."""


def pue(sw: Sweep) -> Bounds:
    """PUE per scenario: exact when given or published for the place; the industry spread when defaulted."""
    req = sw.req
    if req.has("pue"):
        a = lookup.exact("pue", req.axes[sw.grid.position["pue"]].values, "user")
    elif req.dcs is not None:
        a = lookup.datacenter_pue("datacenter", req.dcs)
    elif req.regions is not None:
        a = lookup.region_pue("region", req.regions)
    else:
        a = lookup.industry_pue()
        sw.notes.append(f"No PUE given: the industry average {a.values[0]:g} was used.")
    b = sw.along(a)
    sw.put("pue", b.c)
    sw.label("pue_provenance", a.axis, a.labels)
    return b


def intensity(sw: Sweep) -> Bounds:
    """Carbon intensity per scenario, with the spread of the region's published figures."""
    from carbonest.catalog import world_region

    req = sw.req
    if req.has("intensity_g_per_kwh"):
        a = lookup.exact("intensity_g_per_kwh", sw.axis_values("intensity_g_per_kwh"), "user")
        a = lookup.Along(a.axis, a.values, a.low, a.high, a.labels, ("custom",), ("user-given intensity",))
        bases: tuple[str, ...] = ("user",)
    elif req.regions is not None:
        a, bases, sources = lookup.region_intensity_sourced("region", req.regions, req.basis)
        sw.put("intensity_g_per_kwh_low", sw.grid.along("region", a.low))
        sw.put("intensity_g_per_kwh_high", sw.grid.along("region", a.high))
        sw.label("intensity_low_source", "region", [s[0] for s in sources])
        sw.label("intensity_high_source", "region", [s[1] for s in sources])
    elif req.dcs is not None:
        a, bases = lookup.datacenter_intensity("datacenter", req.dcs, world_region(), req.basis)
    else:
        world = world_region()
        a, bases = lookup.region_intensity(None, [world], req.basis)
        sw.notes.append(f"No region given: the world average {a.values[0]:g} g CO2e/kWh ({bases[0]}) "
                        "was used. Give a region for a meaningful figure.")
    if req.region_origin is not None:
        sw.label("region_provenance", None, [req.region_origin])
    if req.unranked:
        names = ", ".join(f"{s.id} ({s.name})" for s in req.unranked[:12])
        more = f" and {len(req.unranked) - 12} more" if len(req.unranked) > 12 else ""
        sw.notes.append(f"No {req.basis} figure, so listed apart and not ranked: {names}{more}; "
                        f"choose the other basis for their figures.")
    region_axis = a.axis if a.axis != "intensity_g_per_kwh" else None
    sw.text("region", region_axis, a.ids)
    sw.text("region_name", region_axis, a.names)
    if len(set(bases)) == 1:
        sw.text("basis", None, bases[:1])
    else:
        sw.text("basis", a.axis, bases)
    b = sw.along(a)
    sw.put("intensity_g_per_kwh", b.c)
    sw.label("intensity_provenance", a.axis, a.labels)
    return b


def footprint(sw: Sweep, it: Bounds) -> tuple[Bounds, Bounds]:
    """Facility energy and operational CO2e, each central, low and high."""
    energy = it.map(emissions.facility_energy_kwh, pue(sw))
    co2 = energy.map(emissions.co2e_kg, intensity(sw))
    sw.put("it_energy_kwh", it.c)
    sw.put("energy_kwh", energy.c)
    sw.put("co2e_kg", co2.c)
    sw.put("co2e_lbs", emissions.kg_to_lbs(co2.c))
    sw.put("energy_kwh_low", energy.lo)
    sw.put("energy_kwh_high", energy.hi)
    sw.put("co2e_kg_low", co2.lo)
    sw.put("co2e_kg_high", co2.hi)
    return energy, co2


def embodied(sw: Sweep, gpu_hours: Any, co2e_kg: Any) -> None:
    """Embodied carbon of the accelerators and their share of host servers, and the total.

    The amortisation's figures (``embodied_kg_per_server``, ``gpus_per_server``, ``lifetime_years``,
    ``utilization``) are axes when given, else the table's and the stated defaults, as in ``estimate``.
    """
    gpu_kg, gpu_label = lookup.constant("embodied_gpu_kg")
    server_kg, server_label = lookup.constant("embodied_server_base_kg")
    life, life_label = lookup.constant("server_lifetime_years")
    picks = {
        "embodied_kg_per_server": (server_kg, server_label),
        "gpus_per_server": (DEFAULT_GPUS_PER_SERVER, Provenance.default(f"{DEFAULT_GPUS_PER_SERVER} GPUs per server").label),
        "lifetime_years": (life, life_label),
        "utilization": (DEFAULT_UTILIZATION,
                        Provenance.default(f"{DEFAULT_UTILIZATION:g} (busy all its life, Cloud Carbon Footprint)").label),
    }
    values, labels = {}, [gpu_label]
    for name, (fallback, label) in picks.items():
        given = sw.req.has(name)
        values[name] = sw.value(name) if given else fallback
        labels.append(f"{name}=user" if given else label)
        sw.put(name, values[name])
    kg = lifecycle.job_embodied_kg(1, gpu_hours, gpu_kg, values["embodied_kg_per_server"],
                                   values["gpus_per_server"], values["lifetime_years"], values["utilization"])
    sw.put("embodied_co2e_kg", kg)
    sw.put("total_co2e_kg", co2e_kg + kg)
    sw.label("embodied_provenance", None, ["; ".join(labels)])


def water(sw: Sweep, it_kwh: Any, facility_kwh: Any) -> None:
    """On-site water (WUE x IT energy) and, where a figure exists, water of generation."""
    req = sw.req
    if req.has("wue_l_per_kwh"):
        a = lookup.exact("wue_l_per_kwh", sw.axis_values("wue_l_per_kwh"), "user")
    elif req.dcs is None and req.regions is not None:
        a = lookup.region_wue("region", req.regions)  # a cloud region: its provider's WUE, as estimate does
    else:
        a = lookup.wue("datacenter" if req.dcs is not None else None, req.dcs)
    wue = sw.along(a).c
    onsite = lifecycle.onsite_water_l(it_kwh, wue)
    sw.put("wue_l_per_kwh", wue)
    sw.put("water_onsite_l", onsite)
    sw.label("wue_provenance", a.axis, a.labels)
    generation = _generation_factor(sw)
    if generation is None:
        sw.put("water_l", onsite)
        sw.notes.append("Water: on-site cooling water only; give water_generation_l_per_kwh to add the "
                        "water consumed generating the electricity.")
        return
    gen = lifecycle.generation_water_l(facility_kwh, generation)
    sw.put("water_generation_l_per_kwh", generation)
    sw.put("water_generation_l", gen)
    sw.put("water_l", onsite + gen)


def _generation_factor(sw: Sweep) -> Any:
    from carbonest.catalog import list_constants

    if sw.req.has("water_generation_l_per_kwh"):
        sw.label("water_generation_provenance", None, ["user"])
        return sw.value("water_generation_l_per_kwh")
    if any(c.name == GENERATION_WATER_CONSTANT for c in list_constants()):
        value, label = lookup.constant(GENERATION_WATER_CONSTANT)
        sw.label("water_generation_provenance", None, [label])
        return value
    return None


def saving(sw: Sweep, co2e_kg: Any) -> None:
    """Saving of each scenario against the same job in the baseline region (the last on the axis), in %."""
    np = xp()

    assert len({lookup.basis_kind(b) for b in sw.cols["basis"]}) == 1, "a saving across bases"
    axis = sw.grid.position["region"]
    full = np.broadcast_to(np.asarray(co2e_kg, dtype=np.float64), sw.grid.shape)
    base = np.take(full, [-1], axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = (base - full) / base * 100.0
    sw.put("baseline_co2e_kg", base)
    sw.put("saving_pct", pct)
    assert sw.req.regions is not None
    sw.text("baseline_region", None, [sw.req.regions[-1].id])
