"""The text form of a job record (``carbonest runs --job JOB``)."""

from __future__ import annotations

from typing import Any

from carbonest.cli.common import fmt, safe_text


def render_job(job: dict[str, Any]) -> str:
    """A readable summary of one job record: the job, then each host with its components."""
    meta = job.get("metadata") or {}
    expected = job.get("expected_hosts")
    lines = [
        f"job {safe_text(job.get('job_id'))}  {job.get('status')}  ({safe_text(job.get('source'))})",
        f"  when      {job.get('started_at')} -> {job.get('ended_at') or '...'}",
        f"  hosts     {job.get('reported_hosts')}" + (f" of {expected}" if expected is not None else "")
        + f", ranks {job.get('reported_ranks')}"
        + (f" of {job['expected_ranks']}" if job.get("expected_ranks") is not None else ""),
    ]
    shown = {k: meta[k] for k in ("launcher", "slurm_job_id", "step", "partition", "nodelist", "job_name")
             if meta.get(k) is not None}
    if shown:
        lines.append("  launcher  " + ", ".join(f"{k}={safe_text(v)}" for k, v in shown.items()))
    lines.append(f"  energy    {fmt(job.get('energy_kwh'), 4)} kWh at the facility "
                 f"(IT {fmt(job.get('it_energy_kwh'), 4)} kWh), CO2e {fmt(job.get('co2e_kg'), 4)} kg")
    for comp, entry in (job.get("components") or {}).items():
        lines.append(f"    {comp:<5} {fmt(entry.get('energy_kwh'), 4)} kWh  [{safe_text(entry.get('provenance'))}]")
    lines.append("  per host (IT energy):")
    for h in job.get("hosts") or []:
        comps = ", ".join(f"{c} {fmt(e.get('energy_kwh'), 4)}" for c, e in (h.get("components") or {}).items())
        lines.append(f"    {safe_text(h.get('host'))} (node {h.get('node_rank')}, ranks "
                     f"{_ranges(h.get('ranks') or [])}): {fmt(h.get('it_energy_kwh'), 4)} kWh  [{comps}]"
                     f"  {len(h.get('gpu_uuids') or [])} GPU(s)")
        for note in (h.get("duplicates") or [])[:5]:
            lines.append(f"      left out: {safe_text(note)}")
    for problem in job.get("problems") or []:
        lines.append(f"  partial   {safe_text(problem)}")
    lines.append(f"  counted   {safe_text(job.get('deduplication'))}")
    return "\n".join(lines) + "\n"


def _ranges(ranks: list[int]) -> str:
    """``[0, 1, 2, 5]`` as ``0-2, 5``."""
    out: list[str] = []
    for r in sorted(ranks):
        if out and out[-1].split("-")[-1] == str(r - 1):
            out[-1] = f"{out[-1].split('-')[0]}-{r}"
        else:
            out.append(str(r))
    return ", ".join(out) or "-"
