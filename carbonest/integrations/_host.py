"""What the framework callbacks share: one run per host, phases, figures for the loggers, totals.

:class:`HostRun` is the tracker seen from a training loop that runs in one or many processes.
The process of local rank 0 measures the host (``scope="all"``: every CPU, DRAM and visible GPU
of the node, once); the others of the host start nothing and only report. When a
``torch.distributed`` process group is initialised, :meth:`HostRun.totals` shares the
measuring processes' figures with every rank through the group's own key-value store (the c10d
``Store`` it rendezvoused through): each rank puts its figures under its own key for that share
and reads the others', each wait bounded: every rank then reports the job's totals (the sum over
hosts). No collective is entered, so nothing is added to the group's sequence of collectives
(an extra ``all_gather`` beside the framework's own broadcasts and barriers was seen to leave
work pending at exit under load: ``terminate called without an active exception``). The
framework calls the callbacks of every rank at the same points (each log, the end of
training), so the n-th share of every rank is the same share; one whose figures do not all
arrive in :data:`SHARE_TIMEOUT_S` is given up with a warning, and sharing stops for the run.

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
        self.ended = False  # on every rank, measuring or not: no share after the end
        self._phases: dict[str, Any] = {}
        self._share = True
        self._shares = 0  # how many times this rank shared: the n-th share is every rank's n-th

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
            self._shares += 1
            return _gather(mine, group, self._shares)
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


def _gather(mine: Totals | None, dist: Any, share: int) -> Totals | None:
    """Every rank's figures through the group's store (bounded); the sum over the ranks that measured."""
    import datetime
    import json
    import os

    from torch.distributed import distributed_c10d  # torch.distributed is imported: a group exists

    store = distributed_c10d._get_default_store()
    rank, world = int(dist.get_rank()), int(dist.get_world_size())
    restart = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")
    prefix = f"carbonest/share/{restart}/{share}"
    row = None if mine is None else [mine.energy_kwh, mine.co2e_kg, mine.power_w, mine.intensity_g_per_kwh,
                                     mine.region]
    store.set(f"{prefix}/{rank}", json.dumps(row))
    keys = [f"{prefix}/{r}" for r in range(world)]
    try:
        store.wait(keys, datetime.timedelta(seconds=SHARE_TIMEOUT_S))
    except Exception as exc:  # noqa: BLE001 - the store's timeout error differs across torch versions
        raise TimeoutError(f"no answer from every rank within {SHARE_TIMEOUT_S:g} s ({exc})") from None
    rows = [json.loads(store.get(k)) for k in keys]
    if share > 2:  # this rank's key of two shares ago: every rank has read it by now
        store.delete_key(f"carbonest/share/{restart}/{share - 2}/{rank}")
    measured = [r for r in rows if r is not None]
    if not measured:
        return None
    powers = [r[2] for r in measured if r[2] is not None]
    return Totals(
        energy_kwh=sum(r[0] for r in measured), co2e_kg=sum(r[1] for r in measured),
        power_w=sum(powers) if powers else None, intensity_g_per_kwh=measured[0][3], region=str(measured[0][4]),
        hosts=len(measured),
    )