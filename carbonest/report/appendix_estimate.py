"""The compute appendix of an estimate (:func:`estimate_appendix`); see :mod:`carbonest.report.appendix`."""

from __future__ import annotations

from typing import Any

from carbonest.report import citations as cit
from carbonest.report._doc import COMPONENT_NAMES, Doc, as_dict, basis_word, method_sentence, place

# Inputs shown in the figure list with their values, by provenance key (the rest: label only).
_INPUT_NAMES = {
    "gpu": "GPU model", "cpu": "CPU model",
    "gpus": "GPUs", "gpu_power_w": "GPU power (each)", "cpus": "CPU sockets", "cpu_power_w": "CPU power (each)",
    "dram_gb": "Memory size", "dram_power_w": "Memory power", "hours": "Duration", "pue": "PUE",
    "intensity_g_per_kwh": "Carbon intensity", "region": "Region", "basis": "Basis", "mfu": "MFU",
    "params": "Parameters", "tokens": "Tokens", "flops": "Training compute", "queries": "Queries",
    "energy_per_query_wh": "Energy per query", "wue_l_per_kwh": "WUE",
}
_UNITS = {"gpu_power_w": "W", "cpu_power_w": "W", "dram_power_w": "W", "dram_gb": "GB", "hours": "h",
          "intensity_g_per_kwh": "g/kWh", "flops": "FLOPs", "energy_per_query_wh": "Wh", "wue_l_per_kwh": "L/kWh"}


def _value(e: dict[str, Any], key: str) -> Any:
    """The value an estimate used for input ``key`` (None when it holds only the label)."""
    comps = e.get("components") or {}
    if key in e and not isinstance(e[key], (dict, list)):
        return e[key]
    for comp, field in (("gpu", "gpu"), ("cpu", "cpu"), ("dram", "dram")):
        c = comps.get(comp) or {}
        if key == field:
            return c.get("model")
        if key == f"{field}s":
            return c.get("count")
        if key == f"{field}_power_w":
            return c.get("power_w")
    if key == "region":
        return (e.get("region") or {}).get("id")
    return None


def _shown(d: Doc, key: str, value: Any) -> str:
    if value is None:
        return "(see provenance)"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,} {_UNITS.get(key, '')}".rstrip()
    if isinstance(value, float):
        unit = _UNITS.get(key, "")
        return f"{d.f.num(float(value))} {unit}".rstrip()
    return d.f.esc(value)


def _hardware(d: Doc, e: dict[str, Any]) -> str:
    parts = []
    for comp, c in (e.get("components") or {}).items():
        name = COMPONENT_NAMES.get(comp, d.f.esc(comp))
        label = c.get("power_provenance") or c.get("provenance")
        power = f" at {d.f.num(c['power_w'])} W" if c.get("power_w") is not None else ""
        each = " each" if comp != "dram" and c.get("count", 1) != 1 else ""
        model = d.f.esc(c.get("model") or "unspecified model")
        what = f"{model} of memory" if comp == "dram" else f"{c.get('count', 1)}{d.f.times}{model} {name}{'s' if c.get('count', 1) != 1 else ''}"
        parts.append(f"{what}{power}{each}{d.cite_label(label, comp)}")
    return ", ".join(parts)


def _work(d: Doc, e: dict[str, Any]) -> list[str]:
    """Sentences on where the duration came from: hours, FLOPs (6ND), a given energy, serving."""
    out = []
    prov = e.get("provenance") or {}
    if e.get("flops") is not None:
        kaplan = d.cite(cit.KAPLAN_2020) if prov.get("flops") != "user" else ""
        out.append(f"The training compute, {d.f.num(float(e['flops']))} FLOPs{' (C = 6ND' + kaplan + ')' if kaplan else ''}, "
                   f"at {d.f.num(100 * float(e['mfu']))}{d.f.percent} model FLOPs utilisation of "
                   f"{d.f.num(float(e['peak_flops_per_s']))} FLOP/s ({d.f.esc(e.get('dtype'))}) gives the GPU-hours.")
    if e.get("hours") is None and "energy_kwh" in prov:
        out.append(f"The training's IT energy, {d.kwh(float(e['training_it_energy_kwh']))}, was given.")
    if e.get("serving_it_energy_kwh") is not None:
        out.append(f"Serving adds {d.f.num(float(e['queries']))} queries{d.f.times}"
                   f"{d.f.num(float(e['energy_per_query_wh']))} Wh = {d.kwh(float(e['serving_it_energy_kwh']))} "
                   f"of IT energy, as Patterson et al. (2021){d.cite(cit.PATTERSON_2021)} add inference to training.")
    return out


def _patterson_used(e: dict[str, Any]) -> bool:
    text = " ".join(str(v) for v in (e.get("provenance") or {}).values())
    return e.get("preset") == "patterson2021" or "patterson" in text.lower()


def estimate_appendix(estimate: Any, fmt: str) -> str:
    """The compute appendix of an estimate.

    Args:
        estimate: An :class:`~carbonest.records.Estimate` (``carbonest.estimate(...)``), or its
            ``to_dict()`` form (``carbonest estimate --json``).
        fmt: ``"md"``, ``"latex"`` or ``"text"``.

    Returns:
        The paragraph, the figures with their provenance and the references, as one string.

    Raises:
        InvalidInputError: ``fmt`` is not one of the three, or ``estimate`` is no estimate.
    """
    d = Doc(fmt)
    e = as_dict(estimate, "estimate")
    tool = cit.carbonest_reference(None)
    region = e.get("region") or {}
    prov = e.get("provenance") or {}
    hw = _hardware(d, e)
    hours = e.get("hours")
    span = (f"for {d.f.num(float(hours))} h" + (f" ({d.f.num(float(e['gpu_hours']))} GPU-hours)"
                                                 if e.get("gpu_hours") else "")) if hours is not None else ""
    s = [f"We estimated this footprint with carbonest {d.f.esc(tool.fields[2][1].split()[-1])}{d.cite(tool)} "
         f"rather than measuring it: {hw or 'no hardware'} {span}, in {place(d, region)}.".replace("  ", " ")]
    s += _work(d, e)
    s.append(f"IT energy: {d.kwh(float(e['it_energy_kwh']))}; with a PUE of {d.f.num(float(e['pue']))}"
             f"{d.cite_label(prov.get('pue'))} the facility energy is {d.kwh(float(e['energy_kwh']))} "
             f"(range {d.kwh(float(e['energy_kwh_low']))} to {d.kwh(float(e['energy_kwh_high']))}).")
    s.append(f"At {d.ci(float(e['intensity_g_per_kwh']))} on a {d.f.esc(basis_word(region.get('basis')))} basis "
             f"({d.f.esc(region.get('source') or 'no source')}{', ' + str(region['year']) if region.get('year') else ''})"
             f"{d.cite_label(prov.get('intensity_g_per_kwh'))} the operational emissions are "
             f"{d.kg(float(e['co2e_kg']))} (range {d.kg(float(e['co2e_kg_low']))} to "
             f"{d.kg(float(e['co2e_kg_high']))}, over the ranges of power, duration, PUE and carbon intensity).")
    if e.get("embodied_co2e_kg") is not None:
        s.append(f"Embodied (manufacturing) emissions, amortised: {d.kg(float(e['embodied_co2e_kg']))}; "
                 f"total {d.kg(float(e['total_co2e_kg']))}.")
    extra = (f", with the per-processor energy accounting of Patterson et al. (2021){d.cite(cit.PATTERSON_2021)}"
             if _patterson_used(e) else "")
    s.append(method_sentence(d, "; each component's energy is its power" + d.f.times + "count" + d.f.times +
                             "hours" + extra + ". The range takes each input not given exactly over its stated "
                             "range (power from idle to TDP, the industry PUE spread, the region's figures on "
                             "the same basis), a worst case rather than a confidence interval"))
    _figures(d, e)
    return d.render("Compute and emissions (estimated).", s)


def _figures(d: Doc, e: dict[str, Any]) -> None:
    prov = e.get("provenance") or {}
    for key, label in prov.items():
        comp = key.split("_", 1)[0] if key.split("_", 1)[0] in COMPONENT_NAMES else None
        d.fig(_INPUT_NAMES.get(key, d.f.esc(key)), _shown(d, key, _value(e, key)), str(label), comp)
    for comp, c in (e.get("components") or {}).items():
        if c.get("energy_kwh") is not None:
            d.fig(f"{COMPONENT_NAMES.get(comp, comp)} IT energy", d.kwh(float(c["energy_kwh"])),
                  f"derived:power x count x hours ({c.get('provenance')})", comp, cites=(str(c.get("provenance")),))
    d.fig("IT energy", d.kwh(float(e["it_energy_kwh"])), "derived:sum of the components")
    d.fig("Facility energy", d.kwh(float(e["energy_kwh"])), "derived:IT energy x PUE")
    d.fig("Emissions", d.kg(float(e["co2e_kg"])), "derived:facility energy x carbon intensity")
    for side in ("low", "high"):
        sources = [str(e.get(f"{k}_{side}_source")) for k in ("pue", "intensity", "hours") if e.get(f"{k}_{side}_source")]
        powers = [str(p.get(f"power_{side}_source")) for p in (e.get("power_ranges") or {}).values()]
        d.fig(f"Emissions, {side}", d.kg(float(e[f"co2e_kg_{side}"])),
              f"PUE {d.f.num(float(e[f'pue_{side}']))} ({e.get(f'pue_{side}_source')}); intensity "
              f"{d.f.num(float(e[f'intensity_g_per_kwh_{side}']))} g/kWh ({e.get(f'intensity_{side}_source')}); "
              f"hours {d.f.num(float(e[f'hours_{side}'])) if e.get(f'hours_{side}') is not None else 'n/a'} "
              f"({e.get(f'hours_{side}_source')}); power: {'; '.join(powers) or 'n/a'}",
              cites=tuple(sources + powers))
    if e.get("embodied_co2e_kg") is not None:
        d.fig("Embodied emissions", d.kg(float(e["embodied_co2e_kg"])),
              "derived:embodied kg per server and per GPU, amortised over the lifetime at the utilisation "
              "(inputs above)")
    if e.get("water_l") is not None:
        d.fig("On-site water", f"{d.f.num(float(e['water_l']))} L", str(prov.get("wue_l_per_kwh", "")))
