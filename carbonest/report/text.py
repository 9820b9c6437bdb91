"""The report as plain text (``carbonest report RUN_ID`` without an output file)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from carbonest.report.compare import Decomposition, RunFactors
from carbonest.report.model import RunReport


def num(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant figures and thousands separators; ``n/a`` for None;
    below 0.001 in scientific notation (``5.04e-06``, not a run of zeros)."""
    from carbonest.textnum import fixed

    if value is not None and value != 0 and abs(value) < 1e-3:
        return f"{value:.{digits - 1}e}"
    return fixed(value, digits)


def clean(text: Any) -> str:
    """User text made safe for a terminal: control characters shown as ``?``, one line."""
    return "".join("?" if unicodedata.category(c) in ("Cc", "Cf") else c for c in str(text))


def co2e_line(rep: RunReport) -> str:
    """``0.123 kg CO2e (0.100 to 0.150)`` or with the reason there is no range."""
    if rep.co2e_range_kg is None:
        return f"{num(rep.co2e_kg, 4)} kg CO2e ({rep.range_note})"
    low, high = rep.co2e_range_kg
    return f"{num(rep.co2e_kg, 4)} kg CO2e (range {num(low, 4)} to {num(high, 4)}: {rep.range_note})"


def render_text(rep: RunReport) -> str:
    """The whole report, every figure with its provenance, as lines of text."""
    r = rep.record
    region = r.get("region") or {}
    lines = [
        f"report of run {r.get('run_id')}  {r.get('name') or ''}".rstrip(),
        f"  status     {r.get('status')}   {r.get('started_at')} -> {r.get('ended_at') or '...'}",
        f"  duration   {num(r.get('duration_s'))} s on {r.get('host')}",
        f"  energy     {num(rep.energy_kwh, 4)} kWh at the facility (IT {num(r.get('it_energy_kwh'), 4)} kWh x PUE {r.get('pue')})",
        f"  CO2e       {co2e_line(rep)}",
        f"  grid       {region.get('name')} [{region.get('id')}], {num(r.get('intensity_g_per_kwh'))} g CO2e/kWh, "
        f"basis {region.get('basis') or 'n/a'}",
    ]
    if r.get("command"):
        lines.append(f"  command    {r.get('command')}")
    lines.append("  power over time (from the stored samples):")
    if not rep.series:
        lines.append("    no samples stored")
    for s in rep.series:
        powers = [g.power_w for g in s.segments if g.power_w is not None]
        lines.append(f"    {s.component:<5} {s.device:<12} {len(s.segments)} samples, "
                     f"{num(min(powers) if powers else None)} to {num(max(powers) if powers else None)} W"
                     + (f", {s.merged_count} merged by thinning" if s.merged_count else ""))
    lines += _breakdown_lines(rep) + _phase_lines(rep)
    lines.append("  everyday equivalents:")
    lines += [f"    {num(e.count)} {e.label}  [{e.source}, {e.year}]" for e in rep.equivalents] or ["    none (no CO2e)"]
    lines.append(f"  the same job in the lowest-carbon regions ({rep.regions_note}):")
    for g in rep.regions:
        mark = "  <- this run's region" if g.is_run_region else ""
        lines.append(f"    {g.id:<16} {num(g.intensity_g_per_kwh):>8} g/kWh  {num(g.co2e_kg, 4):>10} kg CO2e  "
                     f"[{g.source} {g.year}]{mark}")
    lines.append("  provenance of every figure:")
    lines += [f"    {f.label:<34} {num(f.value, 4):>12} {f.unit:<11} {f.provenance}" for f in rep.figures]
    lines += [f"  note: {n}" for n in (*rep.notes, *(r.get("notes") or []))]
    lines += [f"  warning: {w}" for w in r.get("warnings") or []]
    return "\n".join(clean(line) for line in lines) + "\n"


def _breakdown_lines(rep: RunReport) -> list[str]:
    r = rep.record
    lines = ["  energy breakdown (facility energy):"]
    facility = rep.energy_kwh
    for name, comp in (r.get("components") or {}).items():
        share = _share(comp.get("energy_kwh"), facility)
        lines.append(f"    {name:<9} {num(comp.get('energy_kwh'), 4)} kWh{share}")
    it = r.get("it_energy_kwh")
    if facility is not None and it is not None:
        lines.append(f"    overhead  {num(facility - it, 4)} kWh{_share(facility - it, facility)} (PUE {r.get('pue')})")
    return lines


def _phase_lines(rep: RunReport) -> list[str]:
    if not rep.phases:
        return []
    lines = [f"  phases ({rep.phases_total}):"]
    for p in rep.phases[:20]:
        lines.append(f"    {p.name}: at {num(p.start_s)} s for {num(p.duration_s)} s, "
                     f"{num(p.energy_kwh, 4)} kWh, {num(p.co2e_kg, 4)} kg CO2e")
    if len(rep.phases) > 20:
        lines.append(f"    ... {rep.phases_total - 20} more")
    return lines


def _share(part: Any, whole: float | None) -> str:
    if part is None or not whole:
        return ""
    return f" ({100.0 * float(part) / whole:.1f} %)"


def render_compare_text(runs: Sequence[RunFactors], decomps: Sequence[Decomposition]) -> str:
    """Runs side by side, then each one's difference from the first and its main cause."""
    rows = [
        ("run", [r.run_id[:12] for r in runs]),
        ("name", [r.name[:24] for r in runs]),
        ("duration s", [num(r.duration_s) for r in runs]),
        ("mean IT power W", [num(r.mean_it_power_w) for r in runs]),
        ("PUE", [num(r.pue) for r in runs]),
        ("grid", [r.region for r in runs]),
        ("intensity g/kWh", [num(r.intensity_g_per_kwh) for r in runs]),
        ("basis", [r.basis or "unknown" for r in runs]),
        ("energy kWh", [num(r.energy_kwh, 4) for r in runs]),
        ("CO2e kg", [num(r.co2e_kg, 4) for r in runs]),
    ]
    width = max(14, *(len(v) for _, vals in rows for v in vals))
    lines = [f"{label:<16}" + "".join(f"{v:>{width + 2}}" for v in vals) for label, vals in rows]
    for other, d in zip(runs[1:], decomps):
        lines.append("")
        lines += difference_lines(runs[0], other, d)
    return "\n".join(clean(line) for line in lines) + "\n"


def difference_lines(base: RunFactors, other: RunFactors, d: Decomposition) -> list[str]:
    """What changed from ``base`` to ``other``, split by cause (LMDI; see report.compare)."""
    unit = "kg CO2e" if d.quantity == "co2e_kg" else "kWh"
    head = f"{other.run_id[:12]} vs {base.run_id[:12]}:"
    if d.note:
        head += f" {d.note}."
    if d.difference is None or not d.terms:
        return [head]
    pct = f" ({100.0 * d.difference / d.baseline:+.1f} %)" if d.baseline else ""
    lines = [head, f"  difference {d.difference:+.4g} {unit}{pct}; by cause (they sum to the difference):"]
    lines += [f"    {k:<9} {d.terms[k]:+.4g} {unit}" for k in ("duration", "power", "place")]
    lines.append(f"  main cause: {d.main_cause or 'none (no difference)'}")
    return lines
