"""Text rendering of a run record (``carbonest runs show`` and the ``measure`` summary)."""

from __future__ import annotations

from typing import Any

from carbonest.cli.common import fmt, safe_text
from carbonest.cli.layout import energy_text, mass_text
from carbonest.units import J_PER_KWH


def _energy(kwh: float | None) -> str:
    return energy_text(kwh * J_PER_KWH) if kwh is not None else "n/a"


def status_text(r: dict[str, Any]) -> str:
    """The status, and why the final record is missing when it could not be saved (a full disk)."""
    status = str(r.get("status") or "")
    if r.get("final_record_error"):
        status += f" (final record not saved: {r['final_record_error']})"
    return status


def scope_of(provenance: Any) -> str:
    """What a component's figure covers, read from its provenance label.

    The modelled CPU and memory probes count the whole host unless their label says "process"
    (``scope="process"``); NVML counts whole GPUs and RAPL whole CPU packages, whoever ran on them.
    """
    label = provenance.get("label", "") if isinstance(provenance, dict) else str(provenance or "")
    if "process share" in label or "process RSS" in label:
        return "this process"
    if label.startswith("measured:nvml") or label.startswith("measured:amdsmi"):
        return "whole device"
    return "whole host"


def scope_line(components: dict[str, Any]) -> str | None:
    """``"  scope     whole host: cpu, dram (every process, not only this one); ..."``, or None."""
    groups: dict[str, list[str]] = {}
    for name, c in components.items():
        if c.get("energy_kwh") is not None:
            groups.setdefault(scope_of(c.get("provenance")), []).append(name)
    if not groups:
        return None
    why = {"whole host": "every process on the host, not only this one",
           "whole device": "every process on the device", "this process": "this process only"}
    parts = [f"{scope}: {', '.join(names)} ({why[scope]})" for scope, names in sorted(groups.items())]
    return "  scope     " + "; ".join(parts)


def render_run(r: dict[str, Any]) -> str:
    """A readable summary of one run record, every figure with its provenance."""
    lines = [
        f"run {r['run_id']}  {r.get('name') or ''}".rstrip(),
        f"  status    {status_text(r)}" + (f"  ({r['status_reason']})" if r.get("status_reason") else ""),
        f"  when      {r.get('started_at')} -> {r.get('ended_at') or '...'}  ({fmt(r.get('duration_s'))} s)",
        f"  where     {r.get('host')} pid {r.get('pid')}",
    ]
    dist = r.get("distributed") or {}
    if dist:
        lines.append("  rank      " + ", ".join(f"{k}={v}" for k, v in sorted(dist.items())))
    job = r.get("job") or {}
    if job.get("id") or job.get("launcher"):
        gpus = ", ".join(str(g.get("uuid") or g.get("device")) for g in job.get("gpus") or []) or "none"
        lines.append(f"  job       {safe_text(job.get('id') or 'no id')} ({job.get('launcher')}), host "
                     f"{safe_text(job.get('host'))} node {job.get('node_rank')} rank {job.get('rank')} "
                     f"local {job.get('local_rank')}; GPUs counted here: {safe_text(gpus)}")
    energy, co2 = r.get("energy_kwh"), r.get("co2e_kg")
    it = r.get("it_energy_kwh")
    lines.append(f"  energy    {_energy(energy)} at the facility (IT {_energy(it)} x PUE {r.get('pue')})")
    region = r.get("region") or {}
    basis = (region.get("basis") or "n/a").replace("(", ",").split(",")[0].strip()
    lines.append(f"  CO2e      {mass_text(co2) if co2 is not None else 'n/a'} at {fmt(r.get('intensity_g_per_kwh'))} g/kWh ({basis}), "
                 f"{region.get('name', '?')} [{region.get('id', '?')}]")
    if r.get("water_l") is not None:
        lines.append(f"  water     {fmt(r['water_l'], 4)} L at WUE {r.get('wue_l_per_kwh')} L/kWh")
    prov = r.get("provenance") or {}
    for key in ("pue", "intensity_g_per_kwh"):
        if key in prov:
            lines.append(f"  {key:<9} from {prov[key]}")
    scope = scope_line(r.get("components") or {})
    if scope:
        lines.append(scope)
    lines.append("  components (IT energy):")
    for name, c in (r.get("components") or {}).items():
        lines.append(
            f"    {name:<5} {_energy(c.get('energy_kwh'))}, mean {fmt(c.get('mean_power_w'))} W, "
            f"peak {fmt(c.get('peak_power_w'))} W, {c.get('count', 0)} device(s)  [{c.get('provenance')}]"
        )
    for name in r.get("not_measured") or []:
        lines.append(f"    {name:<5} not measured: {name} had no working probe")
    for ph in r.get("phases") or []:
        co2_ph = ph.get("co2e_kg")
        lines.append(f"  phase {ph['name']}: {fmt(ph.get('duration_s'))} s, {_energy(ph.get('energy_kwh'))}, "
                     f"{mass_text(co2_ph) if co2_ph is not None else 'n/a'} CO2e"
                     + (f" ({ph['note']})" if ph.get("note") else ""))
    for w in r.get("warnings") or []:
        lines.append(f"  warning: {w}")
    for n in r.get("notes") or []:
        lines.append(f"  note: {n}")
    # Every field may hold text from the user (name, command, reason): no control character
    # reaches the terminal, and a newline inside one field cannot fake a line of the report.
    return "\n".join(safe_text(line) for line in lines) + "\n"
