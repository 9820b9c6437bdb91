"""Facts about the current process that a run record carries: host, pid, distributed identity.

Kept apart from the tracker so that ``carbonest measure`` and the tracker
share one definition.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

HOST_ENV = "CARBONEST_HOST"
"""Overrides the host identity a record's ``job`` section carries (which machine it measured):
for sites whose node names are not unique, and for tests that pose two nodes on one machine."""

JOB_ENV = "CARBONEST_JOB_ID"
"""Overrides the job id that groups the records of one job (else the launcher's)."""

DISTRIBUTED_VARS = (
    "RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "NODE_RANK", "GROUP_RANK",
    "GROUP_WORLD_SIZE", "TORCHELASTIC_RUN_ID", "MASTER_ADDR", "MASTER_PORT",
    "SLURM_PROCID", "SLURM_LOCALID", "SLURM_NTASKS", "SLURM_NODEID", "SLURM_JOB_ID", "SLURM_STEP_ID",
    "SLURM_JOB_NAME", "SLURM_JOB_PARTITION", "SLURM_JOB_NODELIST", "SLURM_JOB_NUM_NODES",
    "SLURM_STEP_NUM_NODES", "SLURM_STEP_NODELIST", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_LOCAL_RANK",
    "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_SIZE", "PMI_RANK", "PMI_SIZE", "PMIX_RANK",
    "PMIX_NAMESPACE", "CUDA_VISIBLE_DEVICES", HOST_ENV, JOB_ENV,
)
"""Environment variables that identify a process within a distributed job (torchrun, Slurm, MPI)."""


def distributed_identity(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The distributed-job variables that are set, by name."""
    env = os.environ if environ is None else environ
    return {k: env[k] for k in DISTRIBUTED_VARS if env.get(k, "") != ""}


def local_rank(environ: Mapping[str, str] | None = None) -> int | None:
    """This process's rank within its node, if a launcher set one (torchrun, Slurm, Open MPI)."""
    env = os.environ if environ is None else environ
    return _first_int(env, _LOCAL_RANK)


# Where each figure comes from, best first: torchrun's own variables (a torchrun inside srun
# knows the ranks of the training processes, Slurm only those of the agents), then Open MPI,
# PMIx/PMI, then Slurm's.
_RANK = ("RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID")
_LOCAL_RANK = ("LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID")
_WORLD = ("WORLD_SIZE", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS")
_LOCAL_WORLD = ("LOCAL_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS")
_NODE_RANK = ("GROUP_RANK", "NODE_RANK", "SLURM_NODEID")
_NUM_NODES = ("GROUP_WORLD_SIZE", "SLURM_STEP_NUM_NODES", "SLURM_JOB_NUM_NODES", "SLURM_NNODES")
_SLURM_BATCH_STEPS = 4294967290  # SLURM_STEP_ID at or above this: the batch, extern or interactive step


def _first_int(env: Mapping[str, str], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        value = env.get(key, "").strip()
        if value.isdigit():
            return int(value)
    return None


def host_identity(environ: Mapping[str, str] | None = None) -> str:
    """The machine a record measured: ``CARBONEST_HOST`` if set, else the host name."""
    env = os.environ if environ is None else environ
    return env.get(HOST_ENV, "").strip() or hostname()


def launcher(environ: Mapping[str, str] | None = None) -> str | None:
    """Which launcher started this process: ``slurm``, ``torchrun``, ``mpi`` or None.

    Slurm wins over torchrun (``srun torchrun ...``: the allocation is the job).
    """
    env = os.environ if environ is None else environ
    if env.get("SLURM_JOB_ID"):
        return "slurm"
    if env.get("TORCHELASTIC_RUN_ID") or env.get("LOCAL_RANK"):
        return "torchrun"
    if any(env.get(k) for k in ("OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK")):
        return "mpi"
    return None


def job_id(environ: Mapping[str, str] | None = None) -> str | None:
    """The id that groups the records of one job, or None where the launcher gives none.

    ``CARBONEST_JOB_ID``; else Slurm's job id, with the step as Slurm writes it (``12345.0``)
    for an ``srun`` step; else torchrun's ``TORCHELASTIC_RUN_ID`` (its ``--rdzv-id``; the
    default ``none`` names no job); else Open MPI's PMIx namespace.
    """
    env = os.environ if environ is None else environ
    given = env.get(JOB_ENV, "").strip()
    if given:
        return given
    slurm = env.get("SLURM_JOB_ID", "").strip()
    if slurm:
        step = env.get("SLURM_STEP_ID", "").strip()
        return f"{slurm}.{step}" if step.isdigit() and int(step) < _SLURM_BATCH_STEPS else slurm
    run = env.get("TORCHELASTIC_RUN_ID", "").strip()
    if run and run != "none":
        return run
    return env.get("PMIX_NAMESPACE", "").strip() or None


def job_identity(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``job`` section of a run record: who this process is within its job.

    Keys (None where unknown): ``id``, ``launcher``, ``host`` (see :func:`host_identity`),
    ``node_rank``, ``num_nodes``, ``rank``, ``local_rank``, ``world_size``,
    ``local_world_size``, and Slurm's ``slurm_job_id``, ``step``, ``partition``, ``nodelist``,
    ``job_name``. The GPUs the process measured (``gpus``: UUID, device, energy) are added
    by the tracker once known.
    """
    env = os.environ if environ is None else environ
    step = env.get("SLURM_STEP_ID", "").strip()
    return {
        "id": job_id(env), "launcher": launcher(env), "host": host_identity(env),
        "node_rank": _first_int(env, _NODE_RANK), "num_nodes": _first_int(env, _NUM_NODES),
        "rank": _first_int(env, _RANK), "local_rank": _first_int(env, _LOCAL_RANK),
        "world_size": _first_int(env, _WORLD), "local_world_size": _first_int(env, _LOCAL_WORLD),
        "slurm_job_id": env.get("SLURM_JOB_ID") or None,
        "step": step if step.isdigit() and int(step) < _SLURM_BATCH_STEPS else None,
        "partition": env.get("SLURM_JOB_PARTITION") or None,
        "nodelist": env.get("SLURM_STEP_NODELIST") or env.get("SLURM_JOB_NODELIST") or None,
        "job_name": env.get("SLURM_JOB_NAME") or None,
    }


def hostname() -> str:
    """This machine's host name (``uname``'s node name, as ``socket.gethostname()`` gives it)."""
    if hasattr(os, "uname"):
        return os.uname().nodename  # no socket import on the tracker's start path
    import socket  # Windows

    return socket.gethostname()
