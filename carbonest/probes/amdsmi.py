"""AMD Instinct GPU energy and power through AMD SMI (the ``amdsmi`` Python package of ROCm).

What it reads, per visible GPU (AMD SMI Python API reference; see docs/measurement.md):

* ``amdsmi_get_energy_count(h)``: ``energy_accumulator`` (``power`` before ROCm 6.4, the same
  counter under its deprecated name), a 64-bit count of ticks since the driver was loaded or
  the GPU last reset, and ``counter_resolution``, the **uJ per tick** (about 15.3 on MI200
  and MI300): energy = accumulator x resolution uJ. Provenance ``amdsmi:energy_count``.
  2**64 ticks are about 2.8e8 MJ, so the counter never wraps in practice: a decrease means a
  reset and is read as one (``max_energy_j=None``, as NVML's counter). Not supported in
  virtual-machine guests; a counter that reads 0 at ``open()`` while the power sensor works is
  taken as not maintained here, and power is sampled instead (said in the device note).
* ``amdsmi_get_power_info(h)``: socket power in **W**, as ``socket_power`` (ROCm 6.1+: the
  current or average figure, whichever the ASIC has), else ``current_socket_power`` (MI300
  and newer), else ``average_socket_power`` (MI200 and older: the firmware's ~1 s average).
  Fields the GPU lacks read ``"N/A"``. Used for energy (trapezoid, by the sampler) only where
  the counter is absent: provenance ``amdsmi:<field>``.
* ``amdsmi_get_gpu_activity(h)["gfx_activity"]`` (%) and ``amdsmi_get_gpu_vram_usage(h)
  ["vram_used"]`` (**MB**), when available.

Visibility follows ROCm: ``ROCR_VISIBLE_DEVICES`` selects among the GPUs, then
``HIP_VISIBLE_DEVICES`` (or ``CUDA_VISIBLE_DEVICES``, which HIP also reads) among those. Indices
are taken in AMD SMI's enumeration order (its processor handles), which equals HIP's order on
ordinary nodes (unconfirmed for every topology: say so in provenance notes); a UUID entry is
matched against AMD SMI's UUIDs; the first entry that matches nothing ends the list (as HIP).

``amdsmi`` is imported inside :meth:`AmdSmiProbe.open`, never at import; its errors are
translated in one place, :func:`translate_amdsmi_error`.
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
from carbonest.records import Component, Provenance, Reading

__all__ = ["AmdSmiProbe", "resolve_rocm_visible", "translate_amdsmi_error"]

# AMD SMI status codes (amdsmi.h, amdsmi_status_t; stable values).
AMDSMI_STATUS_NOT_SUPPORTED = 2
AMDSMI_STATUS_NOT_YET_IMPLEMENTED = 3
AMDSMI_STATUS_FAIL_LOAD_MODULE = 4
AMDSMI_STATUS_FAIL_LOAD_SYMBOL = 5
AMDSMI_STATUS_DRM_ERROR = 6
AMDSMI_STATUS_NO_PERM = 10
AMDSMI_STATUS_INIT_ERROR = 18
AMDSMI_STATUS_NOT_INIT = 32
AMDSMI_STATUS_DRIVER_NOT_LOADED = 34

UJ_PER_J = 1_000_000.0
MB = 1024 * 1024
POWER_FIELDS = ("socket_power", "current_socket_power", "average_socket_power")
"""Power fields of ``amdsmi_get_power_info``, best first (all in W)."""

_FATAL: dict[int, tuple[str, str]] = {
    AMDSMI_STATUS_DRIVER_NOT_LOADED: (
        "the amdgpu kernel driver is not loaded",
        "Load the amdgpu driver (modprobe amdgpu) until 'amd-smi list' shows the GPUs.",
    ),
    AMDSMI_STATUS_FAIL_LOAD_MODULE: (
        "AMD SMI could not load its library or the amdgpu driver",
        "Install ROCm (its amd-smi library) matching the amdsmi Python package; check 'amd-smi list'.",
    ),
    AMDSMI_STATUS_NO_PERM: (
        "AMD SMI may not talk to the GPUs (insufficient permissions)",
        "Give this user access to /dev/kfd and /dev/dri/renderD* (the 'render' and 'video' groups), "
        "or run where 'amd-smi list' works.",
    ),
    AMDSMI_STATUS_NOT_INIT: (
        "AMD SMI is not initialised (shut down by another user of the library?)",
        "Keep amdsmi_init/amdsmi_shut_down calls balanced in the same process.",
    ),
}
_UNSUPPORTED = (AMDSMI_STATUS_NOT_SUPPORTED, AMDSMI_STATUS_NOT_YET_IMPLEMENTED)
_DIED_MID_RUN = (AMDSMI_STATUS_NOT_INIT, AMDSMI_STATUS_DRIVER_NOT_LOADED, AMDSMI_STATUS_FAIL_LOAD_MODULE)

_UNSET: Any = object()


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "err_code", None)
    return abs(int(code)) if isinstance(code, int) else None


def translate_amdsmi_error(exc: BaseException, *, stage: Literal["init", "read"]) -> ProbeUnavailableError | str:
    """The one boundary where AMD SMI errors become carbonest's.

    Args:
        exc: An ``AmdSmiException``; library errors carry ``err_code`` (an ``amdsmi_status_t``).
        stage: ``"init"`` (every error makes the probe unusable) or ``"read"`` (only the library
            or driver going away does; the rest concern one GPU and become ``Reading.error``).
    """
    code = _code(exc)
    text = f"{exc} (AMD SMI status {code})" if code is not None else str(exc)
    if stage == "read" and code not in _DIED_MID_RUN:
        return text
    message, fix = _FATAL.get(code, (f"AMD SMI failed: {text}", "Check that 'amd-smi list' works."))  # type: ignore[arg-type]
    cls = ProbePermissionError if code == AMDSMI_STATUS_NO_PERM else ProbeUnavailableError
    return cls(message, probe="amdsmi", fix=fix)


def resolve_rocm_visible(environ: dict[str, str] | None, uuids: list[str | None]) -> tuple[list[int], str]:
    """Indices (AMD SMI order) of the GPUs ROCm would show, and a note saying which variables chose them.

    ``ROCR_VISIBLE_DEVICES`` first, then ``HIP_VISIBLE_DEVICES`` (else ``CUDA_VISIBLE_DEVICES``)
    among those; unset means every GPU, an empty value none.
    """
    env = os.environ if environ is None else environ
    chosen = list(range(len(uuids)))
    used = []
    for names in (("ROCR_VISIBLE_DEVICES",), ("HIP_VISIBLE_DEVICES", "CUDA_VISIBLE_DEVICES")):
        name = next((n for n in names if env.get(n) is not None), None)
        if name is None:
            continue
        used.append(f"{name}={env[name]!r}")
        chosen = _pick(env[name], chosen, uuids)
    return chosen, ("; selected by " + ", ".join(used)) if used else ""


def _pick(value: str, among: list[int], uuids: list[str | None]) -> list[int]:
    out: list[int] = []
    for entry in (e.strip() for e in value.split(",")):
        if not entry:
            continue
        if entry.isdigit():
            if int(entry) >= len(among):
                break  # the first invalid entry ends the list, as in HIP
            index = among[int(entry)]
        else:
            wanted = entry.lower().removeprefix("gpu-")
            match = [i for i in among if uuids[i] and str(uuids[i]).lower().removeprefix("gpu-") == wanted]
            if not match:
                break
            index = match[0]
        if index not in out:
            out.append(index)
    return out


@dataclass(slots=True)
class _Gpu:
    handle: Any
    provenance: Provenance
    info: DeviceInfo
    energy: bool
    power_field: str | None
    util: bool
    memory: bool


class AmdSmiProbe(Probe):
    """Energy, power, activity and memory of the visible AMD GPUs (Instinct MI200, MI300, ...).

    Args:
        visible_devices: A ``HIP_VISIBLE_DEVICES``-style list (indices or UUIDs) applied after
            ``ROCR_VISIBLE_DEVICES``; default: the environment's, read at ``open()``.
        clock: Time source for reading timestamps. Units: s.
    """

    name = "amdsmi"
    components: tuple[Component, ...] = ("gpu",)

    def __init__(self, *, visible_devices: str | None = _UNSET, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._visible_arg = visible_devices
        self._clock = clock
        self._amd: ModuleType | None = None
        self._gpus: list[_Gpu] = []

    def open(self) -> None:
        """Initialise AMD SMI for GPUs and select the visible ones.

        Raises:
            ProbeUnavailableError: amdsmi missing, no driver, no visible GPU.
            ProbePermissionError: AMD SMI was refused access to the devices.
        """
        self.close()
        try:
            amd = _import_amdsmi()
            try:
                flags = getattr(getattr(amd, "AmdSmiInitFlags", None), "INIT_AMD_GPUS", None)
                amd.amdsmi_init() if flags is None else amd.amdsmi_init(flags)
            except amd.AmdSmiException as exc:
                raise _as_fatal(exc) from exc
            self._amd = amd
            self._gpus = self._select(amd)
        except ProbeUnavailableError as exc:
            self._status_reason, self._status_fix = str(exc), exc.fix
            self.close()
            raise
        self._info = {g.info.device: g.info for g in self._gpus}
        self._opened = True
        self._status_reason = f"{len(self._gpus)} visible AMD GPU(s)"
        self._status_fix = None

    def _select(self, amd: ModuleType) -> list[_Gpu]:
        try:
            handles = list(amd.amdsmi_get_processor_handles())
            uuids = [_uuid(amd, h) for h in handles]
        except amd.AmdSmiException as exc:
            raise _as_fatal(exc) from exc
        env = dict(os.environ)
        if self._visible_arg is not _UNSET:
            env.pop("HIP_VISIBLE_DEVICES", None)
            env.pop("CUDA_VISIBLE_DEVICES", None)
            if self._visible_arg is not None:
                env["HIP_VISIBLE_DEVICES"] = self._visible_arg
        indices, note = resolve_rocm_visible(env, uuids)
        if not indices:
            raise ProbeUnavailableError(
                f"no visible AMD GPU ({len(handles)} found{note.replace('; selected by', ', hidden by')})",
                probe=self.name, fix="Check ROCR_VISIBLE_DEVICES / HIP_VISIBLE_DEVICES and 'amd-smi list'.")
        return [self._describe(amd, k, i, handles[i], uuids[i], note) for k, i in enumerate(indices)]

    @staticmethod
    def _describe(amd: ModuleType, k: int, index: int, handle: Any, uuid: str | None, note: str) -> _Gpu:
        counter = _try(amd, amd.amdsmi_get_energy_count, handle)
        power = _try(amd, amd.amdsmi_get_power_info, handle)
        power_field = next((f for f in POWER_FIELDS if isinstance(power, dict) and _number(power.get(f)) is not None),
                           None)
        energy = isinstance(counter, dict) and _ticks(counter) is not None
        detail = ""
        if energy and _ticks(counter) == 0 and power_field is not None:
            energy, detail = False, "; energy counter reads 0 here (not maintained): power sampled"
        util = isinstance(_try(amd, getattr(amd, "amdsmi_get_gpu_activity", None), handle), dict)
        memory = isinstance(_try(amd, getattr(amd, "amdsmi_get_gpu_vram_usage", None), handle), dict)
        source = "amdsmi:energy_count" if energy else f"amdsmi:{power_field or 'power_info'}"
        info = DeviceInfo(f"gpu:{k}", "gpu", model=_model(amd, handle),
                          note=f"amdsmi index {index}, {uuid}{note}{detail}")
        return _Gpu(handle, Provenance("measured", source), info, energy, power_field, util, memory)

    def read(self) -> list[Reading]:
        """One Reading per visible GPU; a failed value is None with ``error`` set.

        Raises:
            ProbeUnavailableError: AMD SMI itself went away (shut down, driver unloaded).
        """
        amd = self._amd
        if amd is None:
            raise ProbeUnavailableError("AMD SMI probe is not open", probe=self.name)
        t_s = self._clock()
        out: list[Reading] = []
        for g in self._gpus:
            errors: list[str] = []
            energy_j = power_w = util = None
            used: int | None = None
            if g.energy:
                counter = _call(amd, amd.amdsmi_get_energy_count, g.handle, errors)
                ticks = _ticks(counter) if isinstance(counter, dict) else None
                resolution = _number(counter.get("counter_resolution")) if isinstance(counter, dict) else None
                if counter is not None and (ticks is None or not resolution):
                    errors.append(f"amdsmi_get_energy_count: no counter in {counter!r}")
                elif ticks is not None and resolution:
                    energy_j = ticks * resolution / UJ_PER_J
            if g.power_field is not None:
                info = _call(amd, amd.amdsmi_get_power_info, g.handle, errors)
                power_w = _number(info.get(g.power_field)) if isinstance(info, dict) else None
                if info is not None and power_w is None and not g.energy:
                    errors.append(f"amdsmi_get_power_info: {g.power_field} is {info.get(g.power_field)!r}")
            if g.util:
                activity = _call(amd, amd.amdsmi_get_gpu_activity, g.handle, errors)
                pct = _number(activity.get("gfx_activity")) if isinstance(activity, dict) else None
                util = None if pct is None else pct / 100.0
            if g.memory:
                vram = _call(amd, amd.amdsmi_get_gpu_vram_usage, g.handle, errors)
                mb = _number(vram.get("vram_used")) if isinstance(vram, dict) else None
                used = None if mb is None else int(mb * MB)
            if not g.energy and g.power_field is None:
                errors.append("neither energy counter nor socket power supported")
            out.append(Reading("gpu", g.info.device, t_s, g.provenance, energy_j=energy_j, max_energy_j=None,
                               power_w=power_w, utilisation=util, memory_used_bytes=used,
                               error="; ".join(errors) or None))
        return out

    def close(self) -> None:
        """Balance our ``amdsmi_init`` with one ``amdsmi_shut_down``. Idempotent."""
        amd, self._amd = self._amd, None
        self._opened = False
        if amd is not None:
            with contextlib.suppress(amd.AmdSmiException):
                amd.amdsmi_shut_down()


def _import_amdsmi() -> ModuleType:
    try:
        import amdsmi  # type: ignore[import-not-found, unused-ignore]
    except (ImportError, OSError) as exc:  # OSError: the package is there, its libamd_smi.so is not
        raise ProbeUnavailableError(
            f"the amdsmi Python package is not usable ({exc.__class__.__name__}: {exc})", probe="amdsmi",
            fix="Install ROCm's AMD SMI and its Python package (pip install amdsmi, matching the ROCm version), "
                "or add /opt/rocm/share/amd_smi to PYTHONPATH.",
        ) from exc
    module: ModuleType = amdsmi
    return module


def _as_fatal(exc: BaseException) -> ProbeUnavailableError:
    return as_fatal(translate_amdsmi_error, exc)


def _call(amd: ModuleType, fn: Callable[[Any], Any], handle: Any, errors: list[str]) -> Any:
    """Call one getter; per-device failures go to ``errors``, the library going away raises."""
    return call_getter(amd.AmdSmiException, translate_amdsmi_error, fn, handle, errors)


def _try(amd: ModuleType, fn: Callable[[Any], Any] | None, handle: Any) -> Any:
    """A getter's result at ``open()``, or None where this GPU or driver does not support it."""
    if fn is None:
        return None
    try:
        return fn(handle)
    except amd.AmdSmiException as exc:
        if _code(exc) in _DIED_MID_RUN:
            raise _as_fatal(exc) from exc
        return None


def _ticks(counter: dict[str, Any]) -> float | None:
    value = counter.get("energy_accumulator", counter.get("power"))  # "power": the name before ROCm 6.4
    return _number(value)


def _number(value: Any) -> float | None:
    """A figure AMD SMI gave, or None for ``"N/A"`` (and anything else that is not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _uuid(amd: ModuleType, handle: Any) -> str | None:
    try:
        return str(amd.amdsmi_get_gpu_device_uuid(handle))
    except amd.AmdSmiException:
        return None


def _model(amd: ModuleType, handle: Any) -> str | None:
    for getter, key in (("amdsmi_get_gpu_asic_info", "market_name"), ("amdsmi_get_gpu_board_info", "product_name")):
        fn = getattr(amd, getter, None)
        if fn is None:
            continue
        try:
            name = fn(handle).get(key)
        except (amd.AmdSmiException, AttributeError):
            continue
        if isinstance(name, str) and name.strip() and name.strip() != "N/A":
            return name.strip()
    return None
