"""What the framework callbacks share: one run per host, phases, figures for the loggers, totals.

:class:`HostRun` is the tracker seen from a training loop that runs in one or many processes.
The process of local rank 0 measures the host (``scope="all"``: every CPU, DRAM and visible GPU
of the node, once); the others of the host start nothing and only report. When a
``torch.distributed`` process group is initialised, :meth:`HostRun.totals` shares the
measuring processes' figures with every rank through one ``all_gather`` of a small tensor on
that group, waited for a bounded time: every rank then reports the job's totals (the sum over
hosts). The framework calls the callbacks of every rank at the same points (each log, the end
of training), so the collectives line up; one that does not complete in
:data:`SHARE_TIMEOUT_S` is given up with a warning, and sharing stops for the run.

Every method swallows and warns about its own failures (training never stops because of
carbonest); only a bad argument raises, at construction.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from typing import Any

SHARE_TIMEOUT_S = 30.0
"""How long a rank waits for the others' figures at one log or at the end. Units: s."""
_REGION_BYTES = 64
PREFIX = "carbonest/"
"""The prefix of every key carbonest puts into a framework's logs."""


def warn(message: str) -> None:
    """A RuntimeWarning from an integration (never an exception into the training loop)."""
    warnings.warn(f"carbonest: {message}", RuntimeWarning, stacklevel=3)


@dataclass(frozen=True)
class Totals:
    """The figures one rank reports: its host's, or the job's when shared over the process group.

    Attributes:
        energy_kwh: Facility energy so far (PUE included). Units: kWh.
        co2e_kg: Emissions so far. Units: kg CO2e.
        power_w: Mean IT power since the run began (the sum over hosts when shared). Units: W.
        intensity_g_per_kwh: The carbon intensity used. Units: g CO2e/kWh.
        region: The region id (of this host's measurement; the first host's when shared).
        hosts: How many measuring processes (hosts) the figures add up.
    """

    energy_kwh: float
    co2e_kg: float
    power_w: float | None
    intensity_g_per_kwh: float
    region: str
    hosts: int = 1

    def metrics(self, with_region: bool) -> dict[str, Any]:
        """The figures as log entries, keys under :data:`PREFIX`; the region (a string) if asked."""
        out: dict[str, Any] = {f"{PREFIX}energy_kwh": self.energy_kwh, f"{PREFIX}co2e_kg": self.co2e_kg,
                               f"{PREFIX}intensity_g_per_kwh": self.intensity_g_per_kwh}
        if self.power_w is not None:
            out[f"{PREFIX}power_w"] = self.power_w
        if with_region:
            out[f"{PREFIX}region"] = self.region
        return out


def validate_options(options: dict[str, Any]) -> None:
    """Raise for a bad tracker option now, when the callback is made, not when training starts."""
    from carbonest.measure.tracker import Tracker

    if "scope" in options:
        from carbonest.errors import InvalidInputError

        raise InvalidInputError("scope: the callback measures one process per host; it takes no scope",
                                field="scope")
    Tracker(**options)  # checks every number and name; starts nothing
    if options.get("region") is not None and options.get("intensity_g_per_kwh") is None:
        from carbonest.intensity.resolve import resolve_intensity
        from carbonest.records import Notes

        resolve_intensity(Notes(), options["region"], None, None, None, options.get("basis") or "lifecycle")


class HostRun:
    """One training's run: measured by the host's local rank 0, reported by every rank."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self.tracker: Any = None
        self.record: Any = None  # the final record, on the measuring process
        self.ended = False  # on every rank, measuring or not: no collective after the end
        self._phases: dict[str, Any] = {}
        self._share = True

    # -- life cycle ----------------------------------------------------------------------------

    def begin(self, name: str, *, measures: bool) -> None:
        """Start measuring if this process is its host's local rank 0."""
        if not measures:
            return
        from carbonest.measure.tracker import Tracker

        try:
            opts = dict(self.options)
            opts["name"] = opts.get("name") or name
            self.tracker = Tracker(scope="all", **opts).start()
        except Exception as exc:  # noqa: BLE001 - training goes on unmeasured, and says so
            self.tracker = None
            warn(f"measuring could not start ({exc}); training goes on unmeasured")

    def open_phase(self, name: str) -> None:
        """Open a named phase (an epoch, an evaluation) unless one of that name is open."""
        if self.tracker is None or name in self._phases:
            return
        try:
            cm = self.tracker.phase(name)
            cm.__enter__()
            self._phases[name] = cm
        except Exception as exc:  # noqa: BLE001
            warn(f"phase {name!r} could not be opened: {exc}")

    def close_phase(self, name: str) -> None:
        cm = self._phases.pop(name, None)
        if cm is None:
            return
        try:
            cm.__exit__(None, None, None)
        except Exception as exc:  # noqa: BLE001
            warn(f"phase {name!r} could not be closed: {exc}")

    def end(self, status: str = "completed", reason: str | None = None) -> None:
        """Close the phases, stop and save the run (measuring process). Idempotent."""
        self.ended = True
        for name in list(self._phases):
            self.close_phase(name)
        if self.tracker is None or self.record is not None:
            return
        try:
            self.record = self.tracker.stop(status, reason)
        except Exception as exc:  # noqa: BLE001
            warn(f"the run could not be stopped and saved: {exc}")

    def fail(self, exc: BaseException) -> None:
        """Training raised: the run ends as failed (interrupted for Ctrl-C)."""
        if isinstance(exc, KeyboardInterrupt):
            self.end("interrupted", "KeyboardInterrupt (SIGINT)")
        else:
            self.end("failed", f"{type(exc).__name__}: {exc}")

    # -- figures -------------------------------------------------------------------------------

    def local(self) -> Totals | None:
        """This process's measurement so far (None on a process that does not measure, or before
        anything was measured: never 0 for a figure that could not be read)."""
        if self.tracker is None:
            return None
        try:
            rec = self.record if self.record is not None else self.tracker.record
        except Exception as exc:  # noqa: BLE001
            warn(f"the figures so far could not be read: {exc}")
            return None
        if rec.energy_kwh is None or rec.co2e_kg is None:
            return None
        return Totals(rec.energy_kwh, rec.co2e_kg, rec.mean_power_w, rec.intensity_g_per_kwh, rec.region.id)

    def totals(self) -> Totals | None:
        """The figures this rank reports: shared over the process group when there is one."""
        mine = self.local()
        group = _process_group()
        if group is None or not self._share:
            return mine
        try:
            return _gather(mine, group)
        except Exception as exc:  # noqa: BLE001 - a rank that does not answer must not stop training
            self._share = False
            warn(f"the figures could not be shared between ranks ({exc!r}); each rank reports its own from now on")
            return mine


def _process_group() -> Any:
    """torch.distributed's module when a process group of more than one rank is initialised.

    torch is never imported here: a process that has not imported it has no process group.
    """
    dist = sys.modules.get("torch.distributed")
    try:
        if dist is None or not dist.is_available() or not dist.is_initialized() or dist.get_world_size() < 2:
            return None
    except Exception:  # noqa: BLE001 - a half-torn-down group: nothing to share with
        return None
    return dist


def _gather(mine: Totals | None, dist: Any) -> Totals | None:
    """One bounded all_gather of every rank's figures; the sum over the ranks that measured."""
    import datetime

    import torch

    device = torch.device("cpu")
    if dist.get_backend() == "nccl":
        device = torch.device("cuda", torch.cuda.current_device())
    row = torch.zeros(5 + _REGION_BYTES, dtype=torch.float64, device=device)
    if mine is not None:
        region = mine.region.encode("utf-8")[:_REGION_BYTES]
        values = [1.0, mine.energy_kwh, mine.co2e_kg, -1.0 if mine.power_w is None else mine.power_w,
                  mine.intensity_g_per_kwh] + [float(b) for b in region]
        row[: len(values)] = torch.tensor(values, dtype=torch.float64)
    rows = [torch.empty_like(row) for _ in range(dist.get_world_size())]
    work = dist.all_gather(rows, row, async_op=True)
    if not work.wait(timeout=datetime.timedelta(seconds=SHARE_TIMEOUT_S)):
        raise TimeoutError(f"no answer from every rank within {SHARE_TIMEOUT_S:g} s")
    measured = [r.cpu().tolist() for r in rows if float(r[0]) == 1.0]
    if not measured:
        return None
    first = measured[0]
    region_id = bytes(int(b) for b in first[5:] if b).decode("utf-8", "replace")
    powers = [r[3] for r in measured if r[3] >= 0]
    return Totals(
        energy_kwh=sum(r[1] for r in measured), co2e_kg=sum(r[2] for r in measured),
        power_w=sum(powers) if powers else None, intensity_g_per_kwh=first[4], region=region_id,
        hosts=len(measured),
    )
