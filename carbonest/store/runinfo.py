"""Facts about the current process that a run record carries: host, pid, distributed identity.

Kept apart from the tracker so that ``carbonest measure`` and the tracker
share one definition.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

DISTRIBUTED_VARS = (
    "RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "NODE_RANK", "GROUP_RANK",
    "MASTER_ADDR", "SLURM_PROCID", "SLURM_LOCALID", "SLURM_NTASKS", "SLURM_NODEID",
    "SLURM_JOB_ID", "SLURM_JOB_NAME", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_LOCAL_RANK",
    "OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMI_SIZE", "CUDA_VISIBLE_DEVICES",
)
"""Environment variables that identify a process within a distributed job (torchrun, Slurm, MPI)."""


def distributed_identity(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The distributed-job variables that are set, by name."""
    env = os.environ if environ is None else environ
    return {k: env[k] for k in DISTRIBUTED_VARS if env.get(k, "") != ""}


def local_rank(environ: Mapping[str, str] | None = None) -> int | None:
    """This process's rank within its node, if a launcher set one (torchrun, Slurm, Open MPI)."""
    env = os.environ if environ is None else environ
    for key in ("LOCAL_RANK", "SLURM_LOCALID", "OMPI_COMM_WORLD_LOCAL_RANK"):
        value = env.get(key, "").strip()
        if value.isdigit():
            return int(value)
    return None


def hostname() -> str:
    """This machine's host name (``uname``'s node name, as ``socket.gethostname()`` gives it)."""
    if hasattr(os, "uname"):
        return os.uname().nodename  # no socket import on the tracker's start path
    import socket  # Windows

    return socket.gethostname()
