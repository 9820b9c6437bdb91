"""What :meth:`carbonest.measure.tracker.Tracker.start` does once: settings, probes, store.

Kept apart from the tracker so each piece stays small and testable.
"""

from __future__ import annotations

import os
import sys

from typing import Any

from carbonest.records.common import cite
from carbonest import inputs
from carbonest.errors import CarbonestError, InvalidInputError, ProbeUnavailableError, UnknownRegionError
from carbonest.errors import warn_user as warn_user  # the tracker's modules import it from here
from carbonest.probes.base import Probe
from carbonest.records import Provenance
from carbonest.intensity.resolve import configured_region, resolve_intensity, resolve_pue
from carbonest.records import Notes
from carbonest.measure.summary import COMPONENTS, RunContext
from carbonest.store.runinfo import distributed_identity, hostname, job_identity, local_rank

DEFAULT_INTERVAL_S = 1.0
DEFAULT_FLUSH_INTERVAL_S = 10.0


def resolve_settings(kw: dict[str, Any], warn: list[str]) -> tuple[dict[str, Any], list[str]]:
    """Intensity, region, PUE, WUE and intervals, with provenance; returns RunContext fields and notes."""
    from carbonest.config import load_settings

    check_collaborators(kw)
    settings = load_settings()
    notes = Notes()
    from carbonest.measure.live import live_settings

    live = live_settings(kw, settings, notes, warn, lambda m: warn_user(m, RuntimeWarning))
    if live is not None:  # a live provider: the table figure is its named fallback
        live_intensity, value, info, spec = live
    else:
        live_intensity = None
        value, info, spec = _resolve_region(kw, settings, notes, warn)
    pue = kw["pue"] if kw["pue"] is not None else settings.pue
    pue_value = resolve_pue(notes, pue, None, spec, None)
    if kw["pue"] is None and settings.pue is not None:
        notes.provenance["pue"] = settings.pue_origin or "config"
    interval = _first_set(kw["interval_s"], settings.interval_s, DEFAULT_INTERVAL_S)
    flush = _first_set(kw["flush_interval_s"], settings.flush_interval_s, DEFAULT_FLUSH_INTERVAL_S)
    wue = kw["wue_l_per_kwh"] if kw["wue_l_per_kwh"] is not None else settings.wue_l_per_kwh
    if wue is not None:
        notes.provenance["wue_l_per_kwh"] = "user" if kw["wue_l_per_kwh"] is not None else _config_label()
    fields = dict(
        host=hostname(), pid_create_time=None, distributed=distributed_identity(), job=job_identity(),
        interval_s=inputs.positive("interval_s", interval), flush_interval_s=inputs.positive("flush_interval_s", flush),
        pue=pue_value, intensity_g_per_kwh=value, region=info, provenance=notes.provenance, wue_l_per_kwh=wue,
        live=live_intensity,
    )
    return fields, notes.notes


def check_options(kw: dict[str, Any]) -> None:
    """The tracker's options, checked at construction (not once training runs): raise
    InvalidInputError naming the argument."""
    from carbonest.measure.sampler import MIN_INTERVAL_S

    if kw["name"] is not None and not isinstance(kw["name"], str):
        raise InvalidInputError(f"name: must be a string, got {kw['name']!r}", field="name")
    if kw["basis"] is not None:
        kw["basis"] = inputs.choice("basis", kw["basis"], ("lifecycle", "direct"))
    if kw["pue"] is not None:
        inputs.pue("pue", kw["pue"])
    if kw["wue_l_per_kwh"] is not None:
        inputs.non_negative("wue_l_per_kwh", kw["wue_l_per_kwh"])
    if kw["interval_s"] is not None and inputs.positive("interval_s", kw["interval_s"]) < MIN_INTERVAL_S:
        raise InvalidInputError(
            f"interval_s: must be at least {MIN_INTERVAL_S} s, got {kw['interval_s']!r}", field="interval_s"
        )
    if kw["flush_interval_s"] is not None:
        inputs.positive("flush_interval_s", kw["flush_interval_s"])
    if kw["intensity_g_per_kwh"] is not None:
        inputs.intensity("intensity_g_per_kwh", kw["intensity_g_per_kwh"])
    inputs.flag("handle_signals", kw["handle_signals"])
    if kw["scope"] not in ("auto", "all", "rank"):
        raise InvalidInputError(f"scope: must be one of auto, all, rank, got {kw['scope']!r}", field="scope")
    if kw.get("prometheus_port") is not None:
        from carbonest.measure import prometheus

        prometheus.check_port(kw["prometheus_port"])
        kw["prometheus_bind"] = prometheus.check_bind(kw["prometheus_bind"])
        prometheus.import_client()
    if kw.get("log_to") is None:  # nothing to import for no sinks (the tracker's start path)
        kw["log_to"] = ()
    else:
        from carbonest.integrations.base import check_log_to  # log_to: where the metrics also go

        kw["log_to"] = check_log_to(kw["log_to"], "log_to")


def check_collaborators(kw: dict[str, Any]) -> None:
    """Raise InvalidInputError, naming the argument, for a store, probes or clock of the wrong type."""
    store, probes = kw["store"], kw["probes"]
    if isinstance(store, (str, os.PathLike)) or store is None:
        from carbonest.store.locate import store_spec

        store_spec(store)  # a bad URL or path, or $CARBONEST_STORE's, raises here, before training
    elif store is not False and not callable(getattr(store, "save_run", None)):
        raise InvalidInputError(
            f"store: must be a RunStore, a postgresql:// URL or SQLite path, None (the default store) "
            f"or False (keep nothing), got {store!r}", field="store")
    if probes is not None and (not isinstance(probes, (list, tuple)) or not all(isinstance(p, Probe) for p in probes)):
        raise InvalidInputError(f"probes: must be a list of open probes, got {probes!r}", field="probes")
    if not callable(kw["clock"]):
        raise InvalidInputError(f"clock: must be a function returning seconds, got {kw['clock']!r}", field="clock")
    if not isinstance(kw["handle_signals"], bool):
        raise InvalidInputError(f"handle_signals: must be True or False, got {kw['handle_signals']!r}",
                                field="handle_signals")


def _resolve_region(kw: dict[str, Any], settings: Any, notes: Notes, warn: list[str]) -> tuple[float, Any, Any]:
    """Carbon intensity, region info and spec: argument > environment/config file > world average."""
    region, intensity = kw["region"], kw["intensity_g_per_kwh"]
    basis = kw.get("basis") or settings.basis or "lifecycle"
    if kw.get("basis") is not None:
        notes.provenance["basis"] = "user"
    elif settings.basis is not None:
        notes.provenance["basis"] = settings.basis_origin or "config"
    else:
        notes.provenance["basis"] = Provenance.default("lifecycle").label
    region, origin = configured_region(region, intensity, settings)
    try:
        value, info, spec = resolve_intensity(notes, region, intensity, None, None, basis)
    except (UnknownRegionError, InvalidInputError) as exc:
        if not isinstance(exc, UnknownRegionError) and exc.field != "basis":
            raise
        if origin is None:
            raise  # an argument the user passed: a usage error, raised before training starts
        what = "an unknown region" if isinstance(exc, UnknownRegionError) else f"a region with no {basis} figure"
        message = f"{origin} names {what} ({exc}); the world average is used instead"
        warn.append(message)
        warn_user(f"carbonest: {message}", RuntimeWarning)
        fallback = Notes()  # its "no region given" note would be wrong: one was given, unknown
        value, info, spec = resolve_intensity(fallback, None, None, None, None, basis)
        notes.provenance.update(fallback.provenance)
        notes.notes.append(
            f"{origin} names {what} {region!r}: the world average {value:g} g CO2e/kWh "
            f"({cite(info.source, info.year)}) was used."
        )
        return value, info, spec
    if origin is not None:
        notes.provenance["region"] = origin
    elif region is None and intensity is None:
        warn_user("carbonest: no region set (argument, CARBONEST_REGION or config file): the world-average "
                  "carbon intensity is used", UserWarning)
    return value, info, spec


def _config_label() -> str:
    from carbonest.config import config_path

    return f"config:{config_path(os.environ)}"


def _first_set(*values: Any) -> Any:
    """The first value that is not None (0 is a value, and an invalid one, not "unset")."""
    return next(v for v in values if v is not None)


def _nvml_driver_present() -> bool:
    """A cheap check before importing pynvml (~25 ms): is an NVIDIA driver visible at all?"""
    if not sys.platform.startswith("linux"):
        return True  # elsewhere let NVML itself say
    return any(os.path.exists(p) for p in ("/proc/driver/nvidia", "/dev/nvidiactl", "/dev/dxg"))


def _amd_driver_present() -> bool:
    """A cheap check before importing amdsmi: is the amdgpu driver's compute device there at all?"""
    if not sys.platform.startswith("linux"):
        return True
    return os.path.exists("/dev/kfd") or os.path.exists("/sys/module/amdgpu")


def discovery_is_cheap() -> bool:
    """True where probe discovery reads only files (no GPU driver, so no NVML or AMD SMI set-up)."""
    return not _nvml_driver_present() and not _amd_driver_present()


class _NoDriver(Probe):
    """Stands in for NVML (or AMD SMI) when no driver is visible; opening it says so."""

    name = "nvml"
    components = ("gpu",)

    def __init__(self, vendor: str = "nvml") -> None:
        super().__init__()
        self.name = vendor  # type: ignore[misc]

    def open(self) -> None:
        if self.name == "amdsmi":
            raise ProbeUnavailableError(
                "no AMD GPU driver visible (/dev/kfd and /sys/module/amdgpu are absent)", probe="amdsmi",
                fix="install ROCm's amdgpu driver, or run where /dev/kfd and /dev/dri are exposed to this container")
        raise ProbeUnavailableError(
            "no NVIDIA driver visible (/proc/driver/nvidia and /dev/nvidiactl are absent)",
            probe="nvml", fix="install the NVIDIA driver, or run where the GPUs are exposed to this container",
        )

    def read(self) -> list[Any]:  # pragma: no cover - never opened
        return []


def _in_distributed_job() -> bool:
    """A rank without a local rank (``mp.spawn``, a hand-made launcher): elect by host lock."""
    if os.environ.get("RANK") or os.environ.get("WORLD_SIZE"):
        return True
    dist = sys.modules.get("torch.distributed")  # never imported here: only if the user did
    try:
        return bool(dist is not None and dist.is_available() and dist.is_initialized())
    except Exception:  # noqa: BLE001 - a half-imported torch: no election
        return False


def _rank_policy(kw: dict[str, Any], ctx: RunContext, notes: list[str]) -> tuple[tuple[str, ...], Any]:
    """Which components this process counts, and the host claims its GPUs are counted under.

    One measurement per host (docs/cluster.md): the host's CPU packages and DRAM are counted by
    local rank 0 (or, with no launcher's local rank, by the process that wins the host lock),
    and each GPU by the one process of the host and job that claims its UUID first. Returns
    (components wanted, :class:`~carbonest.measure.claims.HostClaims` or None for no policy).
    """
    rank = local_rank()
    if kw["scope"] == "all":
        return COMPONENTS, None
    if rank is None and kw["scope"] != "rank" and not _in_distributed_job():
        return COMPONENTS, None
    from carbonest.measure.claims import HOST_CLAIM, HostClaims

    claims = HostClaims(ctx.job["host"], ctx.job["id"])
    counts_host = rank in (None, 0) and claims.claim(HOST_CLAIM)
    ctx.claims = claims
    who = f"local rank {rank}" if rank is not None else "this process"
    if not counts_host:
        by = "local rank 0" if rank else "another process of this job (host lock)"
        notes.append(f"{who}: CPU and DRAM are counted by {by} of host {ctx.job['host']}, not here")
    if claims.problem:
        notes.append(f"host claims: {claims.problem}")
    return (COMPONENTS if counts_host else ("gpu",)), claims


def _only(probes: list[Probe], wanted: tuple[str, ...]) -> list[Probe]:
    """The probes' devices of the wanted components only (probes given by the caller)."""
    from carbonest.measure.claims import OwnDevices

    out: list[Probe] = []
    for probe in probes:
        info = probe.device_info()
        keep = {d for d, i in info.items() if i.component in wanted or i.component not in COMPONENTS}
        if keep:
            out.append(probe if len(keep) == len(info) else OwnDevices(probe, keep))
    return out


def claim_gpus(probes: list[Probe], claims: Any, notes: list[str]) -> tuple[list[Probe], list[Probe]]:
    """Keep only the GPUs this process claims by UUID; (probes kept, probes to close)."""
    from carbonest.measure.claims import OwnDevices

    kept: list[Probe] = []
    dropped: list[Probe] = []
    for probe in probes:
        info = probe.device_info()
        gpus = {d: i for d, i in info.items() if i.component == "gpu"}
        if not gpus:
            kept.append(probe)
            continue
        mine = {d for d, i in gpus.items() if claims.claim(f"gpu-{i.uuid or probe.name + '-' + d}")}
        if len(mine) == len(gpus):
            kept.append(probe)
        elif mine or len(gpus) < len(info):
            kept.append(OwnDevices(probe, set(info) - (set(gpus) - mine)))
        else:
            dropped.append(probe)
        others = sorted(i.uuid or d for d, i in gpus.items() if d not in mine)
        if others:
            notes.append(f"GPUs counted by another process of this job on this host (claimed by UUID): "
                         f"{', '.join(others)}")
        if any(i.uuid is None for d, i in gpus.items() if d in mine):
            notes.append(f"{probe.name}: a GPU without a UUID is claimed by its device id only")
    return kept, dropped


def setup_probes(kw: dict[str, Any], ctx: RunContext, notes: list[str]) -> tuple[list[Probe], list[Probe], dict[str, str]]:
    """(probes to sample, the ones this run opened and must close, why components are missing)."""
    if kw["probes"] is not None:
        # Every component is wanted: one the given probes do not cover is listed as not measured
        # (with probes=[] that is all of them), never silently left out of the record.
        given: list[Probe] = list(kw["probes"])
        wanted: tuple[str, ...] = COMPONENTS
        if kw["scope"] == "rank":  # asked for: the host policy over the probes given too
            wanted, claims = _rank_policy(kw, ctx, notes)
            given, _ = claim_gpus(_only(given, wanted), claims, notes)
        offered = {i.component for p in kw["probes"] for i in p.device_info().values()}
        covered = {i.component for p in given for i in p.device_info().values()}
        ctx.wanted = wanted + tuple(sorted(covered - set(COMPONENTS)))
        reasons = {c: "every one given is counted by another process of this job on this host"
                   if c in offered else "no probe for it among the probes given"
                   for c in ctx.wanted if c not in covered}
        return given, [], reasons
    from carbonest.probes.discovery import catalog_cpu_power, discover_probes

    wanted, claims = _rank_policy(kw, ctx, notes)
    ctx.wanted = wanted

    # Every GPU the process sees is opened; which of them this process counts is the claims' work
    # (by UUID, below), for AMD as for NVIDIA.
    try:
        probes, statuses = discover_probes(wanted, cpu_power=catalog_cpu_power, nvml_factory=nvml_factory,  # type: ignore[arg-type]
                                           amdsmi_factory=amdsmi_factory)
    except CarbonestError as exc:  # never let discovery crash training
        warn_user(f"carbonest: probe discovery failed: {exc}", RuntimeWarning)
        return [], [], {c: str(exc) for c in wanted}
    reasons = {}
    for st in statuses:
        if not st.available:
            for comp in st.components:
                reasons.setdefault(comp, f"{st.name}: {st.reason}")
    if claims is not None:
        probes, unclaimed = claim_gpus(probes, claims, notes)
        for probe in unclaimed:
            probe.close()
        if "gpu" in wanted and not any(i.component == "gpu" for p in probes for i in p.device_info().values()):
            reasons.setdefault("gpu", "every GPU visible here is counted by another process of this job "
                                      "on this host" if unclaimed else "no GPU visible")
    return probes, probes, reasons


def nvml_factory() -> Probe:
    """The NVML probe, or a stand-in that says no NVIDIA driver is visible (cheap file checks
    first: pynvml is not even imported without a driver)."""
    if not _nvml_driver_present():
        return _NoDriver()
    from carbonest.probes.nvml import NvmlProbe

    return NvmlProbe()


def amdsmi_factory(visible_devices: Any = None) -> Probe:
    """The amdsmi probe (over ``visible_devices`` if given), or a stand-in without an AMD driver."""
    if not _amd_driver_present():
        return _NoDriver("amdsmi")
    from carbonest.probes.amdsmi import AmdSmiProbe

    return AmdSmiProbe(visible_devices=visible_devices) if visible_devices is not None else AmdSmiProbe()


def open_store(store: Any, warn: list[str]) -> Any:
    """The run store to write: the one given or named (URL, path), the default one, or None (store=False)."""
    if store is False:
        return None
    if store is not None and not isinstance(store, (str, os.PathLike)):
        return store
    from carbonest.measure.shared_store import acquire

    try:
        # the URL or path given, else $CARBONEST_STORE, else the default file; an SQLite file
        # stays open for the process's next run (measure/shared_store.py)
        return acquire(store)
    except CarbonestError as exc:
        warn.append(f"run store: {exc}")
        warn_user(f"carbonest: run store unavailable ({exc}); the run is not saved", RuntimeWarning)
        return None
