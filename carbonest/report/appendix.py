"""The compute appendix of a paper: one paragraph, every figure's provenance, the citations.

Two ways in, three forms (``md``, ``latex``, ``text``; see :mod:`carbonest.report.formats`)::

    from carbonest.report.appendix import run_appendix, estimate_appendix
    print(run_appendix(carbonest.get_run("3f2a"), "latex"))
    print(estimate_appendix(carbonest.estimate(gpu="A100", gpus=8, hours=72, region="FR"), "md"))

The paragraph states the hardware, duration, place, basis of the carbon intensity, energy,
CO2e with its range, and the method. A list follows with every figure and its provenance
label exactly as the record holds it, then the references: Strubell et al. 2019 (the
method, always), Patterson et al. 2021 and Kaplan et al. 2020 where their method or
figures were used, the data sources the provenance labels name (``sources.csv``), and
carbonest at the version that made the figures. The LaTeX form ends with the BibTeX
entries, after :data:`~carbonest.report.formats.BIBTEX_MARKER`.

This module works from the records' data only (a :class:`~carbonest.records.RunRecord`,
an :class:`~carbonest.records.Estimate`, or their ``to_dict()`` form as the store and
``--json`` give them): it never measures or estimates anything itself.
"""

from __future__ import annotations

from typing import Any

from carbonest._version import __version__
from carbonest.report import citations as cit
from carbonest.report._doc import COMPONENT_NAMES, Doc, as_dict, basis_word, duration_text, method_sentence, place
from carbonest.report.appendix_estimate import estimate_appendix
from carbonest.report.ranges import run_range

__all__ = ["estimate_appendix", "run_appendix"]

# -- a measured run ------------------------------------------------------------------------------

def _run_hardware(d: Doc, r: dict[str, Any]) -> str:
    parts = []
    for comp, c in (r.get("components") or {}).items():
        models = ", ".join(d.f.esc(m) for m in c.get("models") or []) or "unidentified model"
        name = COMPONENT_NAMES.get(comp, d.f.esc(comp))
        parts.append(f"{c.get('count', 0)}{d.f.times}{name} ({models})" if comp != "dram" else name)
    if not parts:
        return "no component that could be measured"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _run_components(d: Doc, r: dict[str, Any]) -> str:
    parts = []
    for comp, c in (r.get("components") or {}).items():
        name = COMPONENT_NAMES.get(comp, d.f.esc(comp))
        label = c.get("provenance") or "not recorded"
        if c.get("energy_kwh") is not None:
            d.fig(f"{name} energy", d.kwh(c["energy_kwh"]), label, comp)
            kind = "measured" if str(label).startswith("measured") else "modelled" if str(label).startswith(
                "modelled") else "from its probe"
            parts.append(f"{name} {d.kwh(c['energy_kwh'])} ({kind})")
        if c.get("mean_power_w") is not None:
            d.fig(f"{name} mean power", f"{d.f.num(c['mean_power_w'])} W", label, comp)
    return "; ".join(parts)


def run_appendix(record: Any, fmt: str) -> str:
    """The compute appendix of a stored run.

    Args:
        record: A :class:`~carbonest.records.RunRecord`, or its ``to_dict()`` form (as
            ``carbonest.get_run`` and the store give it).
        fmt: ``"md"``, ``"latex"`` or ``"text"``.

    Returns:
        The paragraph, the figures with their provenance and the references, as one string.

    Raises:
        InvalidInputError: ``fmt`` is not one of the three, or ``record`` is no run record.
    """
    d = Doc(fmt)
    r = as_dict(record, "record")
    region = r.get("region") or {}
    prov = r.get("provenance") or {}
    version = r.get("carbonest_version") or None
    tool = cit.carbonest_reference(version)
    duration = float(r.get("duration_s") or 0.0)
    d.fig("Duration", f"{d.f.num(duration)} s", "measured:wall clock of the run (monotonic clock)")
    if r.get("interval_s") is not None:
        d.fig("Sampling interval", f"{d.f.num(r['interval_s'])} s", prov.get("interval_s", "setting:interval_s of the run"))
    name = d.f.esc(r.get("name") or "run")
    when = f"{d.f.esc(r.get('started_at'))} to {d.f.esc(r.get('ended_at') or 'still running')}"
    s = [f"The run \u201c{name}\u201d (carbonest run {d.f.esc(str(r.get('run_id', ''))[:12])}, "
         f"{d.f.esc(r.get('status'))}) took {duration_text(duration)} ({when}) on host {d.f.esc(r.get('host'))}, "
         f"using {_run_hardware(d, r)}."]
    per_component = _run_components(d, r)
    it = r.get("it_energy_kwh")
    if it is None:
        s.append(f"No energy could be measured{d.cite(tool)}, so no emissions are stated.")
        s.append(method_sentence(d))
        return d.render("Compute and emissions.", s + _not_measured(d, r))
    d.fig("IT energy", d.kwh(it), "derived:sum of the measured components")
    d.fig("PUE", d.f.num(float(r["pue"])), prov.get("pue"))
    d.fig("Facility energy", d.kwh(r["energy_kwh"]), "derived:IT energy x PUE")
    d.fig("Carbon intensity", d.ci(float(r["intensity_g_per_kwh"])), prov.get("intensity_g_per_kwh"))
    d.fig("Emissions", d.kg(r["co2e_kg"]), "derived:facility energy x carbon intensity")
    interval = f", sampling every {d.f.num(r['interval_s'])} s" if r.get("interval_s") else ""
    s.append(f"Its IT energy of {d.kwh(it)} was recorded by carbonest {d.f.esc(version or __version__)}"
             f"{d.cite(tool)}{interval}: {per_component}.")
    s.append(f"With a PUE of {d.f.num(float(r['pue']))}{d.cite_label(prov.get('pue'))} the facility energy was "
             f"{d.kwh(r['energy_kwh'])}.")
    s.append(_run_emissions(d, r, region, prov))
    labels = " ".join(str(v) for v in prov.values()).lower()
    patterson = (f", as in Patterson et al. (2021){d.cite(cit.PATTERSON_2021)} whose figures the provenance names"
                 if "patterson" in labels else "")
    s.append(method_sentence(d, patterson + "; the IT energy is taken as measured, without a counter accuracy"))
    if r.get("water_l") is not None:
        d.fig("On-site water", f"{d.f.num(r['water_l'])} L", prov.get("wue_l_per_kwh", "user"))
        s.append(f"On-site water: {d.f.num(r['water_l'])} L at a WUE of {d.f.num(r['wue_l_per_kwh'])} L/kWh.")
    return d.render("Compute and emissions.", s + _not_measured(d, r))


def _run_emissions(d: Doc, r: dict[str, Any], region: dict[str, Any], prov: dict[str, Any]) -> str:
    live = dict(r.get("intensity_source") or {})
    ci_text = (f"{d.ci(float(r['intensity_g_per_kwh']))} on average from the live provider "
               f"{d.f.esc(live.get('provider', '?'))}" if live else d.ci(float(r["intensity_g_per_kwh"])))
    sentence = (f"At the carbon intensity of {place(d, region)}, {ci_text} on a "
                f"{d.f.esc(basis_word(region.get('basis')))} basis ({d.f.esc(region.get('source') or 'no source')}"
                f"{', ' + str(region['year']) if region.get('year') else ''})"
                f"{d.cite_label(prov.get('intensity_g_per_kwh'))}, this amounts to {d.kg(r['co2e_kg'])}")
    rng = run_range(r)
    if rng is None:
        return sentence + "."
    low, high = rng.co2e_kg
    d.fig("Emissions, low", d.kg(low), f"PUE {d.f.num(rng.pue[0])} ({rng.sources['pue_low']}); intensity "
          f"{d.f.num(rng.intensity_g_per_kwh[0])} g/kWh ({rng.sources['intensity_low']})",
          cites=(rng.sources["pue_low"], rng.sources["intensity_low"]))
    d.fig("Emissions, high", d.kg(high), f"PUE {d.f.num(rng.pue[1])} ({rng.sources['pue_high']}); intensity "
          f"{d.f.num(rng.intensity_g_per_kwh[1])} g/kWh ({rng.sources['intensity_high']})",
          cites=(rng.sources["pue_high"], rng.sources["intensity_high"]))
    if low == high:
        return sentence + " (the PUE and intensity were exact, so no range)."
    return (sentence + f" (range {d.kg(low)} to {d.kg(high)}, over the ranges of the PUE, "
            f"{d.f.num(rng.pue[0])}{d.f.dash}{d.f.num(rng.pue[1])}, and of the carbon intensity, "
            f"{d.f.num(rng.intensity_g_per_kwh[0])}{d.f.dash}{d.ci(rng.intensity_g_per_kwh[1])}).")


def _not_measured(d: Doc, r: dict[str, Any]) -> list[str]:
    missing = [d.f.esc(COMPONENT_NAMES.get(c, c)) for c in r.get("not_measured") or []]
    if not missing:
        return []
    return [f"Not measured, and not included: {', '.join(missing)} (no working probe; see the run's notes)."]
