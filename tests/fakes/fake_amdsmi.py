"""A faithful fake of ROCm's ``amdsmi`` Python package, injected at the import boundary::

    fake = FakeAmdSmi([FakeAmdGpu("AMD Instinct MI300X", "9ed8d4a4-...")])
    monkeypatch.setitem(sys.modules, "amdsmi", fake.module())

What it reproduces (AMD SMI Python API reference, ``amdsmi_interface.py`` and
``amdsmi_exception.py`` of ROCm/amdsmi):

* The exception tree: ``AmdSmiException`` > ``AmdSmiLibraryException`` (``err_code``: an
  ``amdsmi_status_t`` value, ``err_info``, ``get_error_code()``) > ``AmdSmiRetryException``,
  ``AmdSmiTimeoutException``; ``AmdSmiParameterException`` for a handle of the wrong type.
* ``amdsmi_init(AmdSmiInitFlags.INIT_AMD_GPUS)`` / ``amdsmi_shut_down()``; any call before
  init or after shut-down raises status ``NOT_INIT`` (32); a missing driver fails init with
  ``DRIVER_NOT_LOADED`` (34).
* Processor handles (opaque objects); UUID, ASIC ``market_name``.
* ``amdsmi_get_energy_count``: ``energy_accumulator`` ticks (64-bit, only grows, back to 0 on a
  GPU reset), ``counter_resolution`` in uJ per tick (15.3 on MI200/MI300), ``timestamp`` ns;
  the deprecated ``power`` key (same counter) as before ROCm 6.4 when ``legacy_keys``;
  ``NOT_SUPPORTED`` (2) in a VM guest (``energy_supported=False``).
* ``amdsmi_get_power_info``: W, integers; ``current_socket_power`` on MI300 and
  ``average_socket_power`` on MI200, the other ``"N/A"``; ``socket_power`` (ROCm 6.1+) unless
  ``legacy_keys``.
* ``amdsmi_get_gpu_activity`` (%), ``amdsmi_get_gpu_vram_usage`` (MB).
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

NOT_SUPPORTED = 2
NO_PERM = 10
IO_ERROR = 12
NOT_INIT = 32
DRIVER_NOT_LOADED = 34
RESOLUTION_UJ = 15.259
MI300X_UUID = "9eff74a1-0000-1000-80a8-ba8d4b9a6c11"
MI250X_UUID = "c1ff740c-0000-1000-8021-7bc3d1a61c22"


class AmdSmiException(Exception):
    """Base exception of the fake (as ``amdsmi_exception.AmdSmiException``)."""


class AmdSmiLibraryException(AmdSmiException):
    def __init__(self, err_code: int) -> None:
        err_code = abs(err_code)
        super().__init__(err_code)
        self.err_code = err_code
        self.err_info = {NOT_SUPPORTED: "AMDSMI_STATUS_NOT_SUPPORTED - Feature not supported",
                         NO_PERM: "AMDSMI_STATUS_NO_PERM - Permission Denied",
                         NOT_INIT: "AMDSMI_STATUS_NOT_INIT - Device not initialized",
                         DRIVER_NOT_LOADED: "AMDSMI_STATUS_DRIVER_NOT_LOADED - Driver not loaded"}.get(
            err_code, "AMDSMI_STATUS_UNKNOWN_ERROR - An unknown error occurred")

    def __str__(self) -> str:
        return f"An error occured with code: {self.err_code}({self.err_info})"

    def get_error_code(self) -> int:
        return self.err_code


class AmdSmiRetryException(AmdSmiLibraryException):
    def __init__(self) -> None:
        super().__init__(9)


class AmdSmiTimeoutException(AmdSmiLibraryException):
    def __init__(self) -> None:
        super().__init__(8)


class AmdSmiParameterException(AmdSmiException):
    def __init__(self, received: Any, expected: Any) -> None:
        super().__init__(None)
        self.err_msg = f"Invalid parameter:\nActual type: {type(received)}\nExpected type: {expected}"

    def __str__(self) -> str:
        return self.err_msg


class _Handle:
    """Stands in for ``amdsmi_wrapper.amdsmi_processor_handle``."""

    def __init__(self, gpu: FakeAmdGpu) -> None:
        self.gpu = gpu


@dataclass
class FakeAmdGpu:
    """One simulated GPU (or MI250X GCD). Units: W, uJ per tick, MB, %."""

    market_name: str
    uuid: str
    generation: str = "mi300"  # "mi300": current_socket_power; "mi200": average_socket_power
    power_w: int = 550
    energy_ticks: int = 4_000_000_000
    energy_supported: bool = True
    power_supported: bool = True
    gfx_activity_pct: int = 80
    vram_used_mb: int = 20_480
    lost: bool = False

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass at ``power_w``: the accumulator grows by that energy in ticks."""
        self.energy_ticks += int(self.power_w * seconds * 1_000_000 / RESOLUTION_UJ)

    def reset(self) -> None:
        """A GPU reset: the accumulator restarts from 0."""
        self.energy_ticks = 0


class FakeAmdSmi:
    """The library's state; :meth:`module` gives the importable ``amdsmi`` module."""

    def __init__(self, gpus: list[FakeAmdGpu], *, driver_loaded: bool = True, legacy_keys: bool = False) -> None:
        self.gpus = gpus
        self.driver_loaded = driver_loaded
        self.legacy_keys = legacy_keys
        self.initialised = 0
        self.init_flags: list[Any] = []

    def _check(self, handle: Any) -> FakeAmdGpu:
        if not self.initialised:
            raise AmdSmiLibraryException(NOT_INIT)
        if not isinstance(handle, _Handle):
            raise AmdSmiParameterException(handle, _Handle)
        if handle.gpu.lost:  # fallen off the bus: the driver's reads fail with an I/O error
            raise AmdSmiLibraryException(IO_ERROR)
        return handle.gpu

    def module(self) -> types.ModuleType:
        m = types.ModuleType("amdsmi")
        m.AmdSmiException = AmdSmiException  # type: ignore[attr-defined]
        m.AmdSmiLibraryException = AmdSmiLibraryException  # type: ignore[attr-defined]
        m.AmdSmiRetryException = AmdSmiRetryException  # type: ignore[attr-defined]
        m.AmdSmiTimeoutException = AmdSmiTimeoutException  # type: ignore[attr-defined]
        m.AmdSmiParameterException = AmdSmiParameterException  # type: ignore[attr-defined]
        m.AmdSmiInitFlags = types.SimpleNamespace(INIT_ALL_PROCESSORS=0xFFFFFFFF, INIT_AMD_CPUS=1,  # type: ignore[attr-defined]
                                                  INIT_AMD_GPUS=2)
        state = self

        def amdsmi_init(flags: int = 2) -> None:
            if not state.driver_loaded:
                raise AmdSmiLibraryException(DRIVER_NOT_LOADED)
            state.initialised += 1
            state.init_flags.append(flags)

        def amdsmi_shut_down() -> None:
            if not state.initialised:
                raise AmdSmiLibraryException(NOT_INIT)
            state.initialised -= 1

        def amdsmi_get_processor_handles() -> list[_Handle]:
            if not state.initialised:
                raise AmdSmiLibraryException(NOT_INIT)
            return [_Handle(g) for g in state.gpus]

        def amdsmi_get_gpu_device_uuid(handle: Any) -> str:
            return state._check(handle).uuid

        def amdsmi_get_gpu_asic_info(handle: Any) -> dict[str, Any]:
            gpu = state._check(handle)
            return {"market_name": gpu.market_name, "vendor_id": "0x1002", "vendor_name": "Advanced Micro Devices Inc.",
                    "device_id": "0x74a1", "rev_id": "0x00", "asic_serial": "0x1234", "oam_id": 0}

        def amdsmi_get_energy_count(handle: Any) -> dict[str, Any]:
            gpu = state._check(handle)
            if not gpu.energy_supported:
                raise AmdSmiLibraryException(NOT_SUPPORTED)
            out: dict[str, Any] = {"counter_resolution": RESOLUTION_UJ, "timestamp": 1_700_000_000_000_000_000}
            out["power" if state.legacy_keys else "energy_accumulator"] = gpu.energy_ticks
            if not state.legacy_keys:
                out["power"] = gpu.energy_ticks  # kept, deprecated, in 6.4+
            return out

        def amdsmi_get_power_info(handle: Any, sensor_ind: int = 0) -> dict[str, Any]:
            gpu = state._check(handle)
            if not gpu.power_supported:
                raise AmdSmiLibraryException(NOT_SUPPORTED)
            current = gpu.power_w if gpu.generation == "mi300" else "N/A"
            average = gpu.power_w if gpu.generation == "mi200" else "N/A"
            out: dict[str, Any] = {"current_socket_power": current, "average_socket_power": average,
                                   "gfx_voltage": 800, "soc_voltage": 900, "mem_voltage": 1100, "power_limit": 750}
            if not state.legacy_keys:
                out["socket_power"] = gpu.power_w
            return out

        def amdsmi_get_gpu_activity(handle: Any) -> dict[str, Any]:
            gpu = state._check(handle)
            return {"gfx_activity": gpu.gfx_activity_pct, "umc_activity": 30, "mm_activity": "N/A"}

        def amdsmi_get_gpu_vram_usage(handle: Any) -> dict[str, Any]:
            gpu = state._check(handle)
            return {"vram_total": 196_592, "vram_used": gpu.vram_used_mb}

        for fn in (amdsmi_init, amdsmi_shut_down, amdsmi_get_processor_handles, amdsmi_get_gpu_device_uuid,
                   amdsmi_get_gpu_asic_info, amdsmi_get_energy_count, amdsmi_get_power_info,
                   amdsmi_get_gpu_activity, amdsmi_get_gpu_vram_usage):
            setattr(m, fn.__name__, fn)
        return m
