"""The text form of an estimate: the answer first, then the inputs (value, unit, origin), then notes.

Everything here comes from the estimate's JSON form (``Estimate.to_dict()``), which keeps every
figure and full label; the text drops URLs and wraps to the terminal (:mod:`carbonest.cli.layout`).
"""

from __future__ import annotations

from typing import Any

from carbonest.cli.common import fmt
from carbonest.cli.layout import cite, compact_origin, table, width, wrap
from carbonest.units import KG_PER_LB, KM_PER_MILE, L_PER_US_GALLON

# provenance key -> (shown name, unit of its value in the estimate's JSON)
INPUTS: dict[str, tuple[str, str]] = {
    "hours": ("hours", "h"), "gpus": ("GPUs", "count"), "gpu_power_w": ("GPU power", "W each"),
    "cpus": ("CPU sockets", "count"), "cpu_power_w": ("CPU power", "W each"), "dram_gb": ("memory", "GB"),
    "dram_power_w": ("memory power", "W"), "vcpus": ("vCPUs", "count"), "pue": ("PUE", ""),
    "intensity_g_per_kwh": ("intensity", "g CO2e/kWh"), "wue_l_per_kwh": ("WUE", "L/kWh"),
    "params": ("parameters", ""), "tokens": ("tokens", ""), "flops": ("FLOPs", ""), "mfu": ("MFU", ""),
    "dtype": ("dtype", ""), "adaptation": ("adaptation", ""), "tasks": ("tasks", "count"),
    "queries": ("queries", "count"), "energy_per_query_wh": ("energy per query", "Wh"),
    "tokens_per_query": ("tokens per query", ""), "inference_mfu": ("inference MFU", ""),
    "energy_kwh": ("IT energy given", "kWh"), "idle_kwh": ("idle energy", "kWh"),
}


def basis_word(basis: str) -> str:
    """The first word of a basis (``lifecycle``, ``direct``, ``user``...), for flags and short labels."""
    return basis.replace("(", " ").replace(",", " ").split()[0] if basis.strip() else "n/a"


def basis_short(basis: str) -> str:
    """A basis without its details: ``"lifecycle"``, ``"direct"``, ``"as published"``."""
    return basis.split("(")[0].split(",")[0].strip() or "n/a"


def place_text(e: dict[str, Any]) -> str:
    """Where the grid figure is from, and on which basis: ``"Québec [CA-QC], lifecycle basis"``."""
    region = e["region"]
    basis = region.get("basis") or ""
    if region.get("id") == "custom":
        return "intensity given by the user"
    where = f"{region['name']} [{region['id']}]"
    if world_fallback(e):
        where = f"world average [{region['id']}] (no region given)"
    return f"{where}, {basis_short(basis)} basis" if basis else where


def world_fallback(e: dict[str, Any]) -> bool:
    """Whether the world average was used because no region (nor intensity) was given."""
    return e["region"].get("id") == "WORLD" and "region" not in e["provenance"]


def answer_lines(e: dict[str, Any], imperial: bool) -> list[str]:
    """The answer: CO2e with its range, energy, place and basis; the range's spanning inputs."""
    if imperial:
        co2 = (f"{fmt(e['co2e_lbs'])} lbs CO2e ({fmt(e['co2e_kg_low'] / KG_PER_LB)} to "
               f"{fmt(e['co2e_kg_high'] / KG_PER_LB)} lbs; {fmt(e['co2e_kg'])} kg)")
    else:
        co2 = f"{fmt(e['co2e_kg'])} kg CO2e ({fmt(e['co2e_kg_low'])} to {fmt(e['co2e_kg_high'])} kg)"
    if fmt(e["co2e_kg_low"]) == fmt(e["co2e_kg_high"]):
        co2 = co2.split(" (")[0] + " (no range: every input exact)"
    lines = [f"{co2}, {fmt(e['energy_kwh'])} kWh, {place_text(e)}"]
    spans = range_spans(e)
    if spans:
        lines.append("Range from " + "; ".join(spans) + ".")
    if e.get("embodied_co2e_kg") is not None:
        lines.append(f"Embodied {fmt(e['embodied_co2e_kg'])} kg CO2e (manufacturing, amortised): "
                     f"total {fmt(e['total_co2e_kg'])} kg CO2e.")
    if e.get("water_l") is not None:
        water = (f"{fmt(e['water_l'] / L_PER_US_GALLON)} US gal" if imperial else f"{fmt(e['water_l'])} L")
        lines.append(f"Water {water} on site (WUE {e['wue_l_per_kwh']:g} L/kWh).")
    lines.append(f"Energy {fmt(e['energy_kwh'])} kWh at the facility = IT {fmt(e['it_energy_kwh'])} kWh "
                 f"x PUE {e['pue']:g}; energy range {fmt(e['energy_kwh_low'])} to {fmt(e['energy_kwh_high'])} kWh.")
    lines.extend(work_lines(e))
    for eq in e["equivalents"]:
        if eq["amount"] >= 0.1:  # "0.00006 flights" helps nobody; --json keeps every one
            amount, label = eq["amount"], eq["label"]
            if imperial and label.startswith("km "):
                amount, label = amount / KM_PER_MILE, "miles " + label[3:]
            lines.append(f"About {fmt(amount)} {label}.")
    return lines


def range_spans(e: dict[str, Any]) -> list[str]:
    """The inputs whose low and high values span the CO2e range, each with its span."""
    spans = []
    for name, p in (e.get("power_ranges") or {}).items():
        if p["power_w_low"] != p["power_w_high"]:
            why = " (idle to TDP)" if "idle" in (p.get("power_low_source") or "") else ""
            spans.append(f"{name.upper() if name != 'dram' else 'memory'} power "
                         f"{fmt(p['power_w_low'])} to {fmt(p['power_w_high'])} W{why}")
    if e.get("pue_low") is not None and e["pue_low"] != e.get("pue_high"):
        spans.append(f"PUE {e['pue_low']:g} to {e['pue_high']:g} (published facility figures)")
    if e.get("hours_low") is not None and e["hours_low"] != e.get("hours_high"):
        spans.append(f"hours {fmt(e['hours_low'])} to {fmt(e['hours_high'])} (the MFU range)")
    low, high = e.get("intensity_g_per_kwh_low"), e.get("intensity_g_per_kwh_high")
    if low is not None and high is not None and low != high:
        spans.append(f"grid {fmt(low)} to {fmt(high)} g CO2e/kWh (published figures: "
                     f"{compact_origin(e['intensity_low_source'])} to {compact_origin(e['intensity_high_source'])})")
    return spans


def work_lines(e: dict[str, Any]) -> list[str]:
    """What the work was worked out as: FLOPs, serving, idle energy, a given energy, storage."""
    lines = []
    if e.get("flops") is not None:
        training_gpu_hours = e.get("training_gpu_hours", e["gpu_hours"])
        lines.append(f"Work {e['flops']:.3g} FLOPs at {e['mfu']:.0%} MFU of {e['peak_flops_per_s']:.3g} FLOP/s "
                     f"({e['dtype']}) = {fmt(training_gpu_hours)} training GPU-hours.")
    if e.get("serving_gpu_hours") is not None:
        lines.append(f"GPU-hours {fmt(e['training_gpu_hours'])} training + {fmt(e['serving_gpu_hours'])} serving "
                     f"= {fmt(e['gpu_hours'])}.")
    if e.get("serving_it_energy_kwh") is not None:
        lines.append(f"Serving {fmt(e['queries'])} queries x {fmt(e['energy_per_query_wh'])} Wh = "
                     f"{fmt(e['serving_it_energy_kwh'])} kWh IT energy.")
    if e.get("idle_kwh") is not None:
        lines.append(f"Idle {fmt(e['idle_kwh'])} kWh of reserved idle infrastructure, in the IT energy.")
    if e.get("energy_kwh") is not None and "energy_kwh" in e["provenance"] and e.get("hours") is None:
        lines.append(f"Given {fmt(e['training_it_energy_kwh'])} kWh IT energy of the training (--energy-kwh).")
    if e.get("storage_gb") is not None:
        lines.append(f"Storage {fmt(e['storage_gb'])} GB for {e['tasks']} task(s) "
                     f"({fmt(e['storage_gb_per_task'])} GB each, {e['adaptation']}).")
    if e.get("embodied_co2e_kg") is not None and e.get("lifetime_years") is not None:
        lines.append(f"Embodied from {fmt(e['embodied_kg_per_server'])} kg per server ({e['gpus_per_server']} GPUs), "
                     f"{fmt(e['embodied_kg_per_gpu'])} kg per GPU, over {e['lifetime_years']:g} years "
                     f"at {e['utilization']:.0%} use.")
    return lines


def _value(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value).lower() if value is not None else "n/a"
    if isinstance(value, (int, float)):
        return f"{value:.3g}" if abs(value) >= 1e6 else fmt(float(value)) if isinstance(value, float) else f"{value:,}"
    return str(value)


def hardware_lines(e: dict[str, Any]) -> list[str]:
    """One line per counted component: count, model, power, IT energy, and where the model came from."""
    lines = []
    prov = e["provenance"]
    for name, c in e["components"].items():
        origin = compact_origin(prov.get(name) or c["provenance"])
        lines.append(f"{name}: {c['count']} x {c['model'] or 'unspecified'}, {fmt(c['power_w'])} W each, "
                     f"{fmt(c['energy_kwh'])} kWh IT ({origin})")
    if e["hours"] is None and "energy_kwh" in prov:
        lines.append("no components: the training's IT energy was given (--energy-kwh)")
    elif e["hours"] is None:
        lines.append("no training counted (serving only)")
    elif e["left_out"]:
        lines.append(f"not counted (not given): {', '.join(e['left_out'])}")
    return lines


def _input_value(e: dict[str, Any], key: str) -> Any:
    comps = e["components"]
    if key == "dram_gb" and "dram" in comps:
        return str(comps["dram"]["model"]).removesuffix(" GB")
    for name in comps:
        if key == f"{name}_power_w":
            return comps[name]["power_w"]
        if key in (f"{name}s", "gpus" if name == "gpu" else "cpus" if name == "cpu" else ""):
            return comps[name]["count"]
    return e.get(key)


def input_rows(e: dict[str, Any]) -> list[list[str]]:
    """(input, value, unit, origin) of every input the estimate used, components aside."""
    rows: list[list[str]] = []
    prov = e["provenance"]
    for key, label in prov.items():
        if key in e["components"] or key in ("region", "preset"):
            continue
        if key == "embodied" and "embodied_kg_per_server" in prov:  # the sum of the rows listed apart
            continue
        shown, unit = INPUTS.get(key, (key.replace("_", " "), ""))
        value = _input_value(e, key)
        rows.append([shown, _value(value) if value is not None else "", unit, compact_origin(label)])
    region = e["region"]
    if region.get("id") != "custom":
        origin = prov.get("region") or (f"preset:{e['preset']}" if e.get("preset") else "default: no region given")
        rows.append(["region", str(region["id"]), "", f"{compact_origin(origin)}: {region['name']}, "
                     f"basis {region.get('basis') or 'n/a'}"])
    if e.get("preset"):
        rows.append(["preset", str(e["preset"]), "", "user"])
    other = e.get("other_basis")
    if other:
        word = basis_word(other["basis"])
        rows.append([f"{word} basis", fmt(other["intensity_g_per_kwh"]), "g CO2e/kWh",
                     f"not used (--basis {word}): {compact_origin(cite(other['source'], other['year']))}"])
    return rows


def render(e: dict[str, Any], *, imperial: bool = False, columns: int | None = None) -> str:
    """The readable text of an estimate's JSON form, wrapped to ``columns`` (default: the terminal)."""
    cols = columns or width()
    out: list[str] = []
    for line in answer_lines(e, imperial):
        out.extend(wrap(line, cols, indent="  "))
    out += ["", "Hardware (IT energy, before PUE)"]
    for line in hardware_lines(e):
        out.extend(wrap(line, cols, indent="    ", first="  "))
    out += ["", "Inputs"]
    out += table(["input", "value", "unit", "origin"], input_rows(e), cols, right=[False, True, False, False],
                 indent="  ")
    if e["notes"]:
        out += ["", "Notes"]
        for note in e["notes"]:
            out.extend(wrap(compact_origin(note), cols, indent="    ", first="  - "))
    return "\n".join(out) + "\n"
