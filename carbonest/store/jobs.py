"""Job records: the runs of one multi-process job added up, each host and each GPU once.

A job's processes each store a run record whose ``job`` section says who they were
(:func:`carbonest.store.runinfo.job_identity`): job id, host identity, ranks, and the GPUs
they measured by UUID. :func:`aggregate` turns those records (or their
:func:`summarise`\\ d form, a few hundred bytes each, which is what a torch.distributed
gather sends) into one job record:

* **Per host**, the CPU packages and DRAM are taken from one process only: the one that
  counted them (``counts_host``, local rank 0 or the host-lock winner), else the lowest
  local rank that has them. Another process of the same host reporting them too (probes
  given by hand, ``scope="all"``) is a duplicate: left out, and said so.
* **Each GPU once, by UUID**, across the processes of its host: a UUID seen again is a
  duplicate, left out. A GPU figure without a UUID cannot be matched and is added as is,
  with a note.
* **Totals** are the sums of the hosts'; facility energy and CO2e use each process's own PUE
  and carbon intensity (:mod:`carbonest.formulas.emissions`).
* **Status**: ``complete`` when every expected rank (``WORLD_SIZE``) and host (the node
  count) reported and nothing failed on the way, ``partial`` otherwise (with the reasons
  in ``problems``), ``unknown`` when nobody said how many to expect.

Pure: no I/O, no clock beyond the ``created_at`` stamp.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from carbonest.formulas import emissions

JOB_META_KEYS = ("launcher", "slurm_job_id", "step", "partition", "nodelist", "job_name", "num_nodes",
                 "world_size")
HOST_COMPONENTS = ("cpu", "dram")


def summarise(record: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a run record a job record needs (what a torch.distributed gather sends)."""
    job = record.get("job") or {}
    components = {
        c: {"energy_kwh": e.get("energy_kwh"), "count": e.get("count"), "provenance": e.get("provenance")}
        for c, e in (record.get("components") or {}).items() if isinstance(e, Mapping)
    }
    return {
        "run_id": record.get("run_id"), "name": record.get("name"), "status": record.get("status"),
        "started_at": record.get("started_at"), "ended_at": record.get("ended_at"),
        "duration_s": record.get("duration_s"), "host": job.get("host") or record.get("host"),
        "rank": job.get("rank"), "local_rank": job.get("local_rank"), "node_rank": job.get("node_rank"),
        "counts_host": job.get("counts_host"), "gpus": list(job.get("gpus") or []),
        "components": components, "pue": record.get("pue"),
        "intensity_g_per_kwh": record.get("intensity_g_per_kwh"),
        "region": (record.get("region") or {}).get("id"), "not_measured": list(record.get("not_measured") or []),
        "meta": {k: job.get(k) for k in JOB_META_KEYS if job.get(k) is not None},
    }


def _order(s: Mapping[str, Any]) -> tuple[Any, ...]:
    lr, rank = s.get("local_rank"), s.get("rank")
    return (s.get("counts_host") is not True, lr is None, lr or 0, rank is None, rank or 0,
            str(s.get("started_at") or ""), str(s.get("run_id")))


def _add(totals: dict[str, float], key: str, value: float | None) -> None:
    if value is not None:
        totals[key] = totals.get(key, 0.0) + value


def _span(s: Mapping[str, Any]) -> tuple[float, float]:
    """The run's time span (s since the epoch); unknown ends are open."""
    from carbonest.store.base import parse_timestamp

    try:
        t0 = parse_timestamp(s.get("started_at"), field="started_at")
        t1 = parse_timestamp(s.get("ended_at"), field="ended_at")
    except ValueError:
        t0 = t1 = None
    return (-math.inf if t0 is None else t0, math.inf if t1 is None else t1)


def _overlapping(spans: list[tuple[float, float, str]], span: tuple[float, float]) -> str | None:
    """The run id of a span in ``spans`` that overlaps ``span`` (at the same time), or None."""
    for t0, t1, run_id in spans:
        if t0 < span[1] and span[0] < t1:
            return run_id
    return None


def _host(host: str, runs: list[Mapping[str, Any]]) -> dict[str, Any]:
    """One host's figures from the summaries of its processes, each thing counted once.

    A thing (the CPU, a GPU's UUID) reported by two runs at the same time is counted once;
    by two runs one after the other (an epoch per run, train then eval) it is counted in both.
    """
    runs = sorted(runs, key=_order)
    it: dict[str, float] = {}
    facility = co2 = 0.0
    measured = False
    counted: dict[str, list[tuple[float, float, str]]] = {}  # cpu, dram, gpu UUIDs -> spans counted
    provenance: dict[str, set[str]] = {}
    notes: list[str] = []

    def count(s: Mapping[str, Any], component: str, kwh: float | None) -> None:
        nonlocal facility, co2, measured
        if kwh is None:
            return
        _add(it, component, kwh)
        label = ((s.get("components") or {}).get(component) or {}).get("provenance")
        provenance.setdefault(component, set()).update([str(label)] if label else [])
        measured = True
        f = emissions.facility_energy_kwh(kwh, float(s.get("pue") or 1.0))
        facility += f
        if s.get("intensity_g_per_kwh") is not None:
            co2 += emissions.co2e_kg(f, float(s["intensity_g_per_kwh"]))

    def first(key: str, s: Mapping[str, Any], what: str) -> bool:
        span, run_id = _span(s), str(s.get("run_id"))
        other = _overlapping(counted.get(key, []), span)
        if other is not None:
            notes.append(f"{what} of run {run_id} left out: counted by run {other} at the same time")
            return False
        counted.setdefault(key, []).append((*span, run_id))
        return True

    for s in runs:
        comps = s.get("components") or {}
        for c in HOST_COMPONENTS:
            kwh = (comps.get(c) or {}).get("energy_kwh")
            if kwh is not None and first(c, s, c):
                count(s, c, kwh)
        gpus = s.get("gpus") or []
        if not gpus and (comps.get("gpu") or {}).get("energy_kwh") is not None:
            notes.append(f"GPUs of run {s.get('run_id')} have no UUIDs: added without de-duplication")
            count(s, "gpu", comps["gpu"]["energy_kwh"])
        for g in gpus:
            uuid = g.get("uuid")
            if uuid is None:
                notes.append(f"GPU {g.get('device')} of run {s.get('run_id')} has no UUID: added as is")
            elif not first(f"GPU {uuid}", s, f"GPU {uuid}"):
                continue
            count(s, "gpu", g.get("energy_kwh"))
    return {
        "host": host, "node_rank": next((s["node_rank"] for s in runs if s.get("node_rank") is not None), None),
        "ranks": sorted({s["rank"] for s in runs if s.get("rank") is not None}),
        "run_ids": [s.get("run_id") for s in runs],
        "gpu_uuids": sorted(k[4:] for k in counted if k.startswith("GPU ")),
        "components": {c: {"energy_kwh": v, "provenance": "; ".join(sorted(provenance.get(c, ()))) or None,
                           "counted_by": [r for *_, r in counted.get(c, [])] if c != "gpu" else None}
                       for c, v in sorted(it.items())},
        "it_energy_kwh": sum(it.values()) if measured else None,
        "energy_kwh": facility if measured else None, "co2e_kg": co2 if measured else None,
        "duplicates": notes,
    }


def aggregate(job_id: str, summaries: Iterable[Mapping[str, Any]], *, source: str,
              expected_ranks: int | None = None, expected_hosts: int | None = None,
              problems: Sequence[str] = (), created_at: str | None = None) -> dict[str, Any]:
    """The job record of ``job_id`` from its processes' run records or summaries.

    Args:
        job_id: The job's id.
        summaries: Run records or :func:`summarise` results (one per process).
        source: How they were collected (``"torch.distributed gather"``, ``"store"``).
        expected_ranks: How many processes the job has (``WORLD_SIZE``), if known.
        expected_hosts: How many hosts (the node count), if known.
        problems: What went wrong collecting them (a gather that timed out, ranks missing).
        created_at: UTC time stamp, ISO-8601 (default now).

    Returns:
        The job record (JSON-ready). Units: kWh, kg CO2e.
    """
    rows = [s if "meta" in s else summarise(s) for s in summaries]
    by_host: dict[str, list[Mapping[str, Any]]] = {}
    for s in rows:
        by_host.setdefault(str(s.get("host")), []).append(s)
    hosts = [_host(h, runs) for h, runs in sorted(by_host.items(), key=lambda kv: _host_order(kv[1], kv[0]))]
    problems = list(problems)
    meta: dict[str, Any] = {}
    for s in rows:
        for k, v in (s.get("meta") or {}).items():
            meta.setdefault(k, v)
    ranks = {s["rank"] for s in rows if s.get("rank") is not None}
    if expected_ranks is None:
        expected_ranks = meta.get("world_size")
    if expected_hosts is None:
        expected_hosts = meta.get("num_nodes")
    if expected_ranks is not None and len(ranks) < expected_ranks:
        missing = sorted(set(range(expected_ranks)) - ranks)
        shown = ", ".join(map(str, missing[:20])) + (", ..." if len(missing) > 20 else "")
        problems.append(f"{len(missing)} of {expected_ranks} ranks did not report (ranks {shown})")
    if expected_hosts is not None and len(hosts) < expected_hosts:
        problems.append(f"{len(hosts)} of {expected_hosts} hosts reported")
    running = [str(s.get("run_id")) for s in rows if s.get("status") == "running"]
    if running:
        problems.append(f"{len(running)} run(s) still running or never finished: {', '.join(running[:10])}")
    cut = [str(s.get("run_id")) for s in rows if s.get("status") == "interrupted"]
    if cut:
        problems.append(f"{len(cut)} run(s) interrupted, counted up to their last checkpoint: {', '.join(cut[:10])}")
    status = "partial" if problems else ("unknown" if expected_ranks is None and expected_hosts is None
                                         else "complete")
    comps: dict[str, float] = {}
    labels: dict[str, set[str]] = {}
    for h in hosts:
        for c, e in h["components"].items():
            _add(comps, c, e["energy_kwh"])
            labels.setdefault(c, set()).update(e["provenance"].split("; ") if e["provenance"] else [])
    measured = [h for h in hosts if h["it_energy_kwh"] is not None]
    started = [str(s["started_at"]) for s in rows if s.get("started_at")]
    ended = [str(s["ended_at"]) for s in rows if s.get("ended_at")]
    from carbonest.store.base import utc_now_iso

    return {
        "job_id": job_id, "status": status, "source": source, "created_at": created_at or utc_now_iso(),
        "started_at": min(started) if started else None, "ended_at": max(ended) if ended else None,
        "metadata": meta, "expected_ranks": expected_ranks, "expected_hosts": expected_hosts,
        "reported_ranks": len(ranks) if ranks else len(rows), "reported_hosts": len(hosts),
        "hosts": hosts, "components": {c: {"energy_kwh": v, "provenance": "; ".join(sorted(labels.get(c, ()))) or None}
                       for c, v in sorted(comps.items())},
        "it_energy_kwh": sum(h["it_energy_kwh"] for h in measured) if measured else None,
        "energy_kwh": sum(h["energy_kwh"] for h in measured) if measured else None,
        "co2e_kg": sum(h["co2e_kg"] for h in measured) if measured else None,
        "problems": problems,
        "deduplication": ("per host, among runs at the same time: CPU and DRAM from one process (the "
                          "one holding the host claim, else the lowest local rank), each GPU once by "
                          "UUID; runs one after the other add up; totals are the sums of the hosts"),
        "run_ids": [s.get("run_id") for s in rows],
        "runs": [dict(s) for s in rows],
    }


def _host_order(runs: list[Mapping[str, Any]], host: str) -> tuple[Any, ...]:
    nodes = [s["node_rank"] for s in runs if s.get("node_rank") is not None]
    return (not nodes, min(nodes) if nodes else 0, host)


def combined(job_id: str, store: Any, new: Sequence[Mapping[str, Any]] = (), *, source: str | None = None,
             expected_ranks: int | None = None, expected_hosts: int | None = None,
             problems: Sequence[str] = ()) -> dict[str, Any]:
    """The job record over everything known of the job: the runs of the stored job record
    (a gather's, another node's), the store's own runs of the job, and ``new`` summaries.

    A job tracked in several runs (an epoch per run, train then eval) adds them all up;
    the latest copy of each run wins. A stored record's gather problems are kept.

    Raises:
        JobNotFoundError: Nothing at all is known of the job.
    """
    from carbonest.store.base import JobNotFoundError

    try:
        stored: dict[str, Any] | None = store.get_job(job_id)
    except JobNotFoundError:
        stored = None
    by_id: dict[str, Mapping[str, Any]] = {}
    for s in (stored or {}).get("runs") or []:
        by_id[str(s.get("run_id"))] = s
    for r in store.runs_of_job(job_id):
        by_id[str(r.get("run_id"))] = summarise(r)
    for s in new:
        by_id[str(s.get("run_id"))] = s
    if not by_id:
        raise JobNotFoundError(job_id)
    kept = [p for p in (stored or {}).get("problems") or [] if str(p).startswith("gather:")]
    return aggregate(job_id, by_id.values(), expected_ranks=expected_ranks, expected_hosts=expected_hosts,
                     source=source or (stored or {}).get("source") or "store (the job's run records, by job id)",
                     problems=[*kept, *(p for p in problems if p not in kept)])


def job_view(store: Any, job_id: str) -> dict[str, Any]:
    """What is known of a job (:func:`combined`, nothing new), without writing anything.

    Raises:
        JobNotFoundError: Neither a job record nor a run of this job is stored.
    """
    return combined(job_id, store)


__all__ = ["HOST_COMPONENTS", "JOB_META_KEYS", "aggregate", "combined", "job_view", "summarise"]
