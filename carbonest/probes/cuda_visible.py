"""``CUDA_VISIBLE_DEVICES`` as CUDA parses it, mapped onto NVML indices.

CUDA accepts integer indices, GPU UUIDs or unique UUID prefixes (``GPU-8932f937``),
and one MIG device (``MIG-<uuid>`` on current drivers, ``MIG-GPU-<uuid>/<gi>/<ci>``
on older ones). Unset means every GPU; an empty string means none; parsing
stops at the first invalid entry (``0,2,-1,1`` gives 0 and 2). NVML indices
follow the PCI bus order while CUDA's default order is ``FASTEST_FIRST``, so
integer entries equal NVML indices only with ``CUDA_DEVICE_ORDER=PCI_BUS_ID`` or on
hosts whose GPUs are all the same model; UUIDs are exact (HARDWARE-FACTS §1.8).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

__all__ = ["as_text", "mig_parent_index", "order_note", "resolve_visible_devices"]


def as_text(value: object) -> str:
    """Old pynvml releases return bytes, new ones str."""
    return value.decode() if isinstance(value, bytes) else str(value)


def resolve_visible_devices(
    spec: str | None,
    gpu_uuids: Sequence[str | None],
    mig_parent: Callable[[str], int | None] = lambda entry: None,
) -> list[int]:
    """Map ``CUDA_VISIBLE_DEVICES`` to NVML indices, in CUDA ordinal order.

    Args:
        spec: The variable's value; None (unset) means every GPU, ``""`` none.
        gpu_uuids: UUID of each NVML index (None where the GPU could not be opened).
        mig_parent: Maps a ``MIG-...`` entry to its parent's NVML index, or None.

    Returns:
        NVML indices. Parsing stops at the first invalid or ambiguous entry, as CUDA
        does; only one MIG device is enumerated; a repeated device makes the whole
        list invalid (empty), as PyTorch treats it.
    """
    if spec is None:
        return [i for i, u in enumerate(gpu_uuids) if u is not None]
    out: list[int] = []
    for raw in spec.split(","):
        entry = raw.strip()
        idx: int | None
        if entry.startswith("MIG-"):
            idx = mig_parent(entry)
        elif entry.startswith("GPU-"):
            hits = [i for i, u in enumerate(gpu_uuids) if u is not None and u.startswith(entry)]
            idx = hits[0] if len(hits) == 1 else None
        else:
            try:
                idx = int(entry)
            except ValueError:
                idx = None
            if idx is not None and not (0 <= idx < len(gpu_uuids) and gpu_uuids[idx]):
                idx = None
        if idx is None:
            break
        if idx in out:
            return []
        out.append(idx)
        if entry.startswith("MIG-"):
            break
    return out


def mig_parent_index(nv: ModuleType, handles: Sequence[Any], entry: str) -> int | None:
    """NVML index of the GPU owning a MIG entry (``MIG-<uuid>`` or ``MIG-GPU-<uuid>/gi/ci``)."""
    if entry.startswith("MIG-GPU-"):
        prefix = entry[4:].split("/", 1)[0]
        hits = [i for i, h in enumerate(handles) if _uuid(nv, h).startswith(prefix)]
        return hits[0] if len(hits) == 1 else None
    for i, h in enumerate(handles):
        if h is None:
            continue
        try:
            count = nv.nvmlDeviceGetMaxMigDeviceCount(h)
        except nv.NVMLError:
            continue  # no MIG on this GPU
        for j in range(count):
            try:
                mig = nv.nvmlDeviceGetMigDeviceHandleByIndex(h, j)
            except nv.NVMLError:
                continue  # empty slot (NOT_FOUND)
            if _uuid(nv, mig).startswith(entry):
                return i
    return None


def _uuid(nv: ModuleType, handle: Any) -> str:
    """A device's UUID, or "" when there is no handle or NVML cannot give it (that device is
    then simply not matched, instead of the error disabling NVML for every GPU)."""
    if handle is None:
        return ""
    try:
        return as_text(nv.nvmlDeviceGetUUID(handle))
    except nv.NVMLError:
        return ""


def order_note(nv: ModuleType, visible: str | None, handles: Sequence[Any], idx: list[int]) -> str:
    """Say when integer entries may not mean what CUDA means (mixed GPUs, FASTEST_FIRST)."""
    if visible is None or not any(e.strip().isdigit() for e in visible.split(",")):
        return ""
    if os.environ.get("CUDA_DEVICE_ORDER", "FASTEST_FIRST") == "PCI_BUS_ID":
        return ""
    names = {as_text(nv.nvmlDeviceGetName(h)) for h in handles if h is not None}
    if len(names) <= 1:
        return ""
    return (
        "; integer CUDA_VISIBLE_DEVICES taken as NVML order: "
        "set CUDA_DEVICE_ORDER=PCI_BUS_ID or use UUIDs"
    )
