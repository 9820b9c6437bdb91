"""The job record at the end of a run: gathered over torch.distributed, or formed from the store.

**torch.distributed** (a process group initialised when the run stops): every rank puts a
summary of its final record (:func:`carbonest.store.jobs.summarise`, a few hundred bytes)
under its own key in the process group's own key-value store (the c10d ``Store`` that
``init_process_group`` rendezvoused through, which gloo and NCCL groups alike have), and
rank 0 waits for them with a deadline (``CARBONEST_GATHER_TIMEOUT_S``, 30 s by default),
then stores the job record (:func:`carbonest.store.jobs.aggregate`). Ranks that announced a
tracker when it started (where the group was initialised by then) are waited for; others
are only looked for, so a job where rank 0 alone tracks does not wait at all.

Why the store and not a collective (``gather_object``): a collective must be entered by
every rank, in the same order as every other collective of its group. A rank that died,
or never tracks, would leave rank 0 blocked in it, and a collective timing out on one side
leaves the group's sequence broken for the training that goes on (NCCL's watchdog aborts
the communicator of a collective that timed out and, by default, ends the process). A separate gloo group made for the purpose does not help either: ``new_group``
is itself entered by every rank, and naming it moves the counter (``_world.group_count``,
or the count of groups in the hashed name) that later groups of the user's own code are
named by, so a rank that made one more group than its peers hangs at the user's next
``new_group``. Store keys touch no group: each wait is bounded, nothing in the user's
collectives changes, and a rank that dies only makes the job ``partial``.

**No process group** (``srun carbonest measure -- ...``, or torch's group already
destroyed): the process that counted its host re-forms the job record from the store's
runs of the job (:meth:`~carbonest.store.base.RunStore.runs_of_job`), complete once every
expected host reported. With one store per node, each node's store holds what it saw;
with a shared store, the last host to finish writes the complete record, and
``carbonest runs --job`` forms it again from the stored record's runs and the store's runs
of the job (:func:`carbonest.store.jobs.combined`), so a record overwritten by a node that
read the store a moment earlier never hides a later one.

A job tracked in several runs (an epoch per run; train, then eval) is one job record over
all of them: each new job record is formed over the runs of the one stored before it, and
a host's runs one after the other add up, while runs at the same time count each thing once.

torch is never imported here: only found in ``sys.modules``, where the user's code put it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from carbonest.records.run import RunRecord

GATHER_TIMEOUT_ENV = "CARBONEST_GATHER_TIMEOUT_S"
DEFAULT_GATHER_TIMEOUT_S = 30.0
_COUNTS: dict[str, int] = {}  # per run name: how many distributed runs of it this process began


def process_group() -> Any:
    """``torch.distributed`` if the user's process imported it and initialised a group, else None."""
    dist = sys.modules.get("torch.distributed")
    if dist is None:
        return None
    try:
        return dist if dist.is_available() and dist.is_initialized() else None
    except Exception:  # noqa: BLE001 - a half-imported or unusual torch: no gather
        return None


def gather_timeout_s() -> float:
    """The deadline of rank 0's wait (``CARBONEST_GATHER_TIMEOUT_S``; a bad value: the default)."""
    try:
        value = float(os.environ.get(GATHER_TIMEOUT_ENV, ""))
    except ValueError:
        return DEFAULT_GATHER_TIMEOUT_S
    return value if value >= 0 else DEFAULT_GATHER_TIMEOUT_S


class Gather:
    """One run's side of the gather: created at start (announce) or at stop.

    Args:
        dist: The ``torch.distributed`` module, with a group initialised.
        name: The run's name: runs of one name are matched across ranks, n-th with n-th.
    """

    def __init__(self, dist: Any, name: str) -> None:
        self.dist = dist
        self.rank = int(dist.get_rank())
        self.world = int(dist.get_world_size())
        n = _COUNTS[name] = _COUNTS.get(name, 0) + 1
        restart = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")
        self.prefix = f"carbonest/{restart}/{name}/{n}"
        self.announced = False
        from torch.distributed import distributed_c10d  # already imported: torch.distributed is

        self.store = distributed_c10d._get_default_store()

    def announce(self, run_id: str) -> None:
        """Say this rank tracks (at start): rank 0 will wait for its record."""
        self.store.set(f"{self.prefix}/started/{self.rank}", run_id)
        self.store.add(f"{self.prefix}/started", 1)
        self.announced = True

    def send(self, summary: dict[str, Any]) -> None:
        """A rank other than 0: leave the summary for rank 0."""
        self.store.set(f"{self.prefix}/record/{self.rank}", json.dumps(summary, separators=(",", ":")))

    def collect(self, own: dict[str, Any], timeout_s: float) -> tuple[list[dict[str, Any]], list[str]]:
        """Rank 0: every summary that arrives before the deadline; (summaries, problems)."""
        from datetime import timedelta

        deadline = time.monotonic() + timeout_s
        others = [r for r in range(self.world) if r != self.rank]
        started = int(self.store.add(f"{self.prefix}/started", 0)) if self.announced else 0
        if not self.announced or started >= self.world:
            waited = set(others)
        else:
            waited = {r for r in others if self.store.check([f"{self.prefix}/started/{r}"])}
        got, late = [own], []
        for r in others:
            key = f"{self.prefix}/record/{r}"
            left = deadline - time.monotonic()
            try:
                if r in waited and left > 0:
                    self.store.wait([key], timedelta(seconds=left))
                elif not self.store.check([key]):
                    if r in waited:
                        late.append(r)
                    continue
                got.append(json.loads(self.store.get(key)))
                self.store.delete_key(key)
            except Exception:  # noqa: BLE001 - the store's timeout error differs across torch versions
                late.append(r)
        problems = []
        if late:
            shown = ", ".join(map(str, late[:20])) + (", ..." if len(late) > 20 else "")
            problems.append(f"gather: no record from rank(s) {shown} within {timeout_s:g} s "
                            f"({GATHER_TIMEOUT_ENV}); their own stores keep what they measured")
        return got, problems


def announce(name: str, run_id: str, warnings: list[str]) -> Gather | None:
    """At start, where a group is initialised: this rank's side of the gather, announced."""
    dist = process_group()
    if dist is None:
        return None
    try:
        gather = Gather(dist, name)
        gather.announce(run_id)
    except Exception as exc:  # noqa: BLE001 - the job record may be partial; training goes on
        warnings.append(f"job: could not announce this rank to rank 0: {exc!r}")
        return None
    return gather


def finish_job(record: RunRecord, store: Any, gather: Gather | None, warnings: list[str],
               warn: Callable[[str], None]) -> dict[str, Any] | None:
    """After the final save: send this rank's summary, or (rank 0, or the host's process
    without a group) form and store the job record. Returns the job record formed here.

    Never raises: a failure is appended to ``warnings`` and passed to ``warn``.
    """
    try:
        return _finish(record, store, gather)
    except Exception as exc:  # noqa: BLE001 - the run itself is saved; the job record is extra
        from carbonest.errors import CarbonestError

        message = f"job record: {exc}" if isinstance(exc, CarbonestError) else f"job record: {exc!r}"
        warnings.append(message)
        warn(f"carbonest: {message}")
        return None


def _finish(record: RunRecord, store: Any, gather: Gather | None) -> dict[str, Any] | None:
    from carbonest.store.jobs import aggregate, combined, summarise

    job = dict(record.job)
    summary = summarise(record.to_dict())
    dist = process_group()
    if dist is not None:
        gather = gather or Gather(dist, record.name)
        if gather.rank != 0:
            gather.send(summary)
            return None
        job_id = job.get("id") or f"torch-{record.run_id[:12]}"
        # An interrupted run (SIGTERM: the launcher is stopping every rank) takes only what is there.
        wait_s = 0.0 if record.status == "interrupted" else gather_timeout_s()
        summaries, problems = gather.collect(summary, wait_s)
        source = "torch.distributed (records gathered to rank 0)"
        options = dict(expected_ranks=gather.world, expected_hosts=job.get("num_nodes"), problems=problems)
        if store is None:
            return aggregate(job_id, summaries, source=source, **options)  # type: ignore[arg-type]
        formed = combined(job_id, store, summaries, source=source, **options)  # type: ignore[arg-type]
    else:
        if not job.get("id") or store is None or job.get("counts_host") is False:
            return None
        formed = combined(job["id"], store, [summary], expected_hosts=job.get("num_nodes"))
    store.put_job(formed)
    return formed


__all__ = ["DEFAULT_GATHER_TIMEOUT_S", "GATHER_TIMEOUT_ENV", "Gather", "announce", "finish_job", "gather_timeout_s",
           "process_group"]
