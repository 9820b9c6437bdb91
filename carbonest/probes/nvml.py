"""NVIDIA GPU energy and power through NVML (``pynvml`` from the ``nvidia-ml-py`` package).

What it reads, per visible GPU (NVML header ``nvml.h``; see docs/measurement.md):

* ``nvmlDeviceGetTotalEnergyConsumption``: cumulative **mJ** since the driver was
  loaded, Volta or newer. Provenance ``nvml:total_energy``. Never wraps in
  practice; it restarts from 0 on a driver reload (``max_energy_j=None``).
* ``nvmlDeviceGetPowerUsage``: **mW**, a 1-s average on Ampere-except-GA100 and
  newer, instantaneous on A100 and older. Used for energy (trapezoid, by the
  sampler) only where the counter is absent: provenance ``nvml:power_usage``.
* ``nvmlDeviceGetUtilizationRates().gpu`` (%, not in MIG mode) and
  ``nvmlDeviceGetMemoryInfo().used`` (bytes).

Visibility follows ``CUDA_VISIBLE_DEVICES`` as CUDA parses it: indices, GPU
UUIDs or unique UUID prefixes, one MIG device (mapped to its parent GPU, since
NVML has no per-MIG-instance power), an empty string hides every GPU, and the
first invalid entry (``-1``, an unknown UUID) ends the list. Integer entries are
taken as NVML (PCI bus) indices, which equals CUDA's order only with
``CUDA_DEVICE_ORDER=PCI_BUS_ID`` on mixed-GPU hosts; UUIDs are exact (see
:mod:`carbonest.probes.cuda_visible`).

``pynvml`` is imported inside :meth:`NvmlProbe.open` (about 23 ms), never at
import. NVML errors are translated in one place, :func:`translate_nvml_error`.
``NVMLError.__eq__`` breaks on ints, so codes are compared through ``.value``.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from carbonest.errors import ProbePermissionError, ProbeUnavailableError
from carbonest.probes.vendor import as_fatal, call_getter
from carbonest.probes.base import DeviceInfo, Probe
from carbonest.probes.cuda_visible import as_text as _text
from carbonest.probes.cuda_visible import mig_parent_index as _mig_parent
from carbonest.probes.cuda_visible import order_note as _order_note
from carbonest.probes.cuda_visible import resolve_visible_devices
from carbonest.records import Component, Provenance, Reading
from carbonest.units import MJ_PER_J, MW_PER_W

__all__ = ["NvmlProbe", "resolve_visible_devices", "translate_nvml_error"]

# NVML return codes (nvml.h; stable ABI values).
NVML_ERROR_UNINITIALIZED = 1
NVML_ERROR_NOT_SUPPORTED = 3
NVML_ERROR_NO_PERMISSION = 4
NVML_ERROR_NOT_FOUND = 6
NVML_ERROR_DRIVER_NOT_LOADED = 9
NVML_ERROR_LIBRARY_NOT_FOUND = 12
NVML_ERROR_FUNCTION_NOT_FOUND = 13
NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18

_FATAL: dict[int, tuple[str, str]] = {
    NVML_ERROR_LIBRARY_NOT_FOUND: (
        "NVML library libnvidia-ml.so.1 not found (no NVIDIA driver)",
        "Install the NVIDIA driver; in a container run with --gpus all (NVIDIA Container Toolkit).",
    ),
    NVML_ERROR_DRIVER_NOT_LOADED: (
        "the NVIDIA kernel driver is not loaded",
        "Load the driver (modprobe nvidia) until 'nvidia-smi' works.",
    ),
    NVML_ERROR_NO_PERMISSION: (
        "NVML may not talk to the driver (insufficient permissions)",
        "Give this user access to /dev/nvidia* (e.g. the 'video' group) or run where "
        "'nvidia-smi' works.",
    ),
    NVML_ERROR_LIB_RM_VERSION_MISMATCH: (
        "NVML library and kernel driver versions differ (driver upgraded without reboot)",
        "Reboot, or reload the nvidia kernel modules.",
    ),
    NVML_ERROR_UNINITIALIZED: (
        "NVML is not initialised (shut down by another user of the library?)",
        "Keep nvmlInit/nvmlShutdown calls balanced in the same process.",
    ),
}
_UNSUPPORTED = (NVML_ERROR_NOT_SUPPORTED, NVML_ERROR_FUNCTION_NOT_FOUND)
_DIED_MID_RUN = (
    NVML_ERROR_UNINITIALIZED,
    NVML_ERROR_LIBRARY_NOT_FOUND,
    NVML_ERROR_DRIVER_NOT_LOADED,
)

_UNSET: Any = object()


def translate_nvml_error(
    exc: BaseException, *, stage: Literal["init", "read"]
) -> ProbeUnavailableError | str:
    """The one boundary where NVML errors become carbonest's.

    Args:
        exc: An ``NVMLError`` (any subclass); its ``.value`` is the NVML return code.
        stage: ``"init"`` (every error makes the probe unusable) or ``"read"`` (only the
            library or driver going away does; the rest concern one device).

    Returns:
        A ProbeUnavailableError (ProbePermissionError for NO_PERMISSION) to raise, or a
        one-line message for ``Reading.error``.
    """
    code = getattr(exc, "value", None)
    text = f"{exc} (NVML error {code})"
    if stage == "read" and code not in _DIED_MID_RUN:
        return text
    message, fix = _FATAL.get(code, (f"NVML failed: {text}", "Check that 'nvidia-smi' works."))  # type: ignore[arg-type]
    cls = ProbePermissionError if code == NVML_ERROR_NO_PERMISSION else ProbeUnavailableError
    return cls(message, probe="nvml", fix=fix)


@dataclass(slots=True)
class _Gpu:
    handle: Any
    provenance: Provenance
    info: DeviceInfo
    energy: bool
    power: bool
    util: bool
    memory: bool


class NvmlProbe(Probe):
    """Energy, power, utilisation and memory of the visible NVIDIA GPUs.

    Args:
        visible_devices: A ``CUDA_VISIBLE_DEVICES`` value; default: the environment's,
            read at ``open()`` (None = unset = every GPU).
        clock: Time source for reading timestamps. Units: s.
    """

    name = "nvml"
    components: tuple[Component, ...] = ("gpu",)

    def __init__(
        self, *, visible_devices: str | None = _UNSET, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self._visible_arg = visible_devices
        self._clock = clock
        self._nv: ModuleType | None = None
        self._gpus: list[_Gpu] = []

    def open(self) -> None:
        """Initialise NVML and select the visible GPUs.

        Raises:
            ProbeUnavailableError: pynvml missing, no driver, no visible GPU.
            ProbePermissionError: NVML refused access.
        """
        self.close()
        try:
            nv = _import_pynvml()
            try:
                nv.nvmlInit()
            except nv.NVMLError as exc:
                raise _as_fatal(exc) from exc
            self._nv = nv
            self._gpus = self._select(nv)
        except ProbeUnavailableError as exc:
            self._status_reason, self._status_fix = str(exc), exc.fix
            self.close()
            raise
        self._info = {g.info.device: g.info for g in self._gpus}
        self._opened = True
        self._status_reason = f"{len(self._gpus)} visible GPU(s)"
        self._status_fix = None

    def _select(self, nv: ModuleType) -> list[_Gpu]:
        visible = (
            os.environ.get("CUDA_VISIBLE_DEVICES")
            if self._visible_arg is _UNSET
            else self._visible_arg
        )
        try:
            handles, uuids = _enumerate(nv)
            indices = resolve_visible_devices(visible, uuids, lambda e: _mig_parent(nv, handles, e))
            if not indices:
                hidden = "" if visible is None else f" (CUDA_VISIBLE_DEVICES={visible!r})"
                raise ProbeUnavailableError(
                    f"no visible NVIDIA GPU{hidden}",
                    probe=self.name,
                    fix="Check CUDA_VISIBLE_DEVICES and that 'nvidia-smi -L' lists the GPU.",
                )
            note = _order_note(nv, visible, handles, indices)
            return [
                self._describe_gpu(nv, k, i, handles[i], uuids[i], note, visible)
                for k, i in enumerate(indices)
            ]
        except nv.NVMLError as exc:
            raise _as_fatal(exc) from exc

    @staticmethod
    def _describe_gpu(
        nv: ModuleType,
        k: int,
        index: int,
        handle: Any,
        uuid: str | None,
        note: str,
        visible: str | None,
    ) -> _Gpu:
        energy = _supported(nv, nv.nvmlDeviceGetTotalEnergyConsumption, handle)
        power = _supported(nv, nv.nvmlDeviceGetPowerUsage, handle)
        util = _supported(nv, nv.nvmlDeviceGetUtilizationRates, handle)
        memory = _supported(nv, nv.nvmlDeviceGetMemoryInfo, handle)
        detail = "nvml:total_energy" if energy else "nvml:power_usage"
        mig = (
            " (MIG: whole-GPU figures, shared by all instances)"
            if visible and "MIG-" in visible
            else ""
        )
        try:
            model: str | None = _text(nv.nvmlDeviceGetName(handle))
        except nv.NVMLError:
            model = None  # a GPU lost between enumeration and now; its reads will say so
        info = DeviceInfo(
            f"gpu:{k}",
            "gpu",
            model=model,
            note=f"nvml index {index}, {uuid}{mig}{note}",
            uuid=uuid,
        )
        return _Gpu(handle, Provenance("measured", detail), info, energy, power, util, memory)

    def read(self) -> list[Reading]:
        """One Reading per visible GPU; a failed value is None with ``error`` set.

        Raises:
            ProbeUnavailableError: NVML itself went away (shut down, driver unloaded).
        """
        nv = self._nv
        if nv is None:
            raise ProbeUnavailableError("NVML probe is not open", probe=self.name)
        t_s = self._clock()
        out: list[Reading] = []
        for g in self._gpus:
            errors: list[str] = []
            h = g.handle
            energy_mj = (
                _call(nv, nv.nvmlDeviceGetTotalEnergyConsumption, h, errors) if g.energy else None
            )
            power_mw = _call(nv, nv.nvmlDeviceGetPowerUsage, h, errors) if g.power else None
            util = _call(nv, nv.nvmlDeviceGetUtilizationRates, h, errors) if g.util else None
            mem = _call(nv, nv.nvmlDeviceGetMemoryInfo, h, errors) if g.memory else None
            if not (g.energy or g.power):
                errors.append("neither energy counter nor power sensor supported")
            out.append(
                Reading(
                    "gpu",
                    g.info.device,
                    t_s,
                    g.provenance,
                    energy_j=None if energy_mj is None else energy_mj / MJ_PER_J,
                    power_w=None if power_mw is None else power_mw / MW_PER_W,
                    utilisation=None if util is None else util.gpu / 100.0,
                    memory_used_bytes=None if mem is None else int(mem.used),
                    error="; ".join(errors) or None,
                )
            )
        return out

    def close(self) -> None:
        """Balance our ``nvmlInit`` with one ``nvmlShutdown``. Idempotent."""
        nv, self._nv = self._nv, None
        self._opened = False
        if nv is not None:
            with contextlib.suppress(nv.NVMLError):  # already shut down by someone else
                nv.nvmlShutdown()


def _import_pynvml() -> ModuleType:
    try:
        import pynvml
    except ImportError as exc:
        raise ProbeUnavailableError(
            "pynvml is not installed", probe="nvml", fix="pip install nvidia-ml-py"
        ) from exc
    module: ModuleType = pynvml
    return module


def _as_fatal(exc: BaseException) -> ProbeUnavailableError:
    return as_fatal(translate_nvml_error, exc)


def _call(nv: ModuleType, fn: Callable[[Any], Any], handle: Any, errors: list[str]) -> Any:
    """Call one getter; per-device failures go to ``errors``, the library going away raises."""
    return call_getter(nv.NVMLError, translate_nvml_error, fn, handle, errors)


def _supported(nv: ModuleType, fn: Callable[[Any], Any], handle: Any) -> bool:
    """False when the getter is absent on this GPU/driver; transient errors count as supported."""
    try:
        fn(handle)
    except nv.NVMLError as exc:
        return getattr(exc, "value", None) not in _UNSUPPORTED
    return True


def _enumerate(nv: ModuleType) -> tuple[list[Any], list[str | None]]:
    """Handles and UUIDs by NVML index; a GPU we may not open gets None (count_v2 counts it)."""
    handles: list[Any] = []
    uuids: list[str | None] = []
    for i in range(nv.nvmlDeviceGetCount()):
        try:
            h = nv.nvmlDeviceGetHandleByIndex(i)
            uuid: str | None = _text(nv.nvmlDeviceGetUUID(h))
        except nv.NVMLError as exc:
            if isinstance(translate_nvml_error(exc, stage="read"), ProbeUnavailableError):
                raise
            h, uuid = None, None
        handles.append(h)
        uuids.append(uuid)
    return handles, uuids
