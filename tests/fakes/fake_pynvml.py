"""A faithful fake of the ``pynvml`` module (nvidia-ml-py), per HARDWARE-FACTS §1.

Inject it at the import boundary::

    fake = FakeNvml([FakeGpu("NVIDIA H100 80GB HBM3", "GPU-...")])
    monkeypatch.setitem(sys.modules, "pynvml", fake.module())

What it reproduces:

* The real error classes: ``NVMLError`` and its generated subclasses are taken
  from the installed ``pynvml`` (importing it needs no driver), so ``.value``,
  ``NVMLError(3)`` returning ``NVMLError_NotSupported`` and the ``__eq__`` quirk
  (``err == 3`` raises AttributeError; instances unhashable) are the real ones.
* ``nvmlInit``/``nvmlShutdown`` reference counting; ``Uninitialized`` before init
  and on shutdown with nothing loaded; ``LibraryNotFound``/``DriverNotLoaded`` at init.
* Units: energy in mJ (int, only grows, restarts at 0 on a driver reload),
  power in mW (int), memory in bytes; utilisation in %.
* Energy ``NotSupported`` before Volta; utilisation ``NotSupported`` in MIG mode;
  ``NoPermission`` on one index while ``nvmlDeviceGetCount`` still counts it;
  ``GpuIsLost`` from any query once a GPU is lost; MIG devices with their own
  UUIDs, a parent handle, ``nvmlDeviceIsMigDeviceHandle`` returning ``c_uint``.
* String results as ``str`` (13.x) or ``bytes`` (11.x, ``bytes_strings=True``).
"""

from __future__ import annotations

import ctypes
import types
from dataclasses import dataclass, field
from typing import Any

import pynvml as _real

ARCH_PASCAL = 4
ARCH_VOLTA = 5
ARCH_AMPERE = 7
ARCH_HOPPER = 9

H100_UUID = "GPU-8932f937-d72c-4106-c12f-20bd9faed9f6"
P100_UUID = "GPU-1d2e3f40-aaaa-bbbb-cccc-000000000001"


@dataclass
class FakeMig:
    uuid: str
    name: str = "NVIDIA H100 80GB HBM3 MIG 1g.10gb"


@dataclass
class FakeGpu:
    """One simulated GPU. Units: mJ, mW, bytes, %."""

    name: str
    uuid: str
    arch: int = ARCH_HOPPER
    power_mw: int = 300_000
    energy_mj: int = 5_000_000
    util_gpu_pct: int = 50
    mem_total_bytes: int = 80 * 1024**3
    mem_used_bytes: int = 10 * 1024**3
    lost: bool = False
    no_permission: bool = False
    migs: list[FakeMig] = field(default_factory=list)


@dataclass(eq=False)
class _Handle:
    gpu: FakeGpu
    mig: FakeMig | None = None


class _Utilization:
    def __init__(self, gpu: int, memory: int) -> None:
        self.gpu = gpu
        self.memory = memory


class _Memory:
    def __init__(self, total: int, used: int) -> None:
        self.total = total
        self.used = used
        self.free = total - used


class FakeNvml:
    """State behind one fake ``pynvml`` module.

    Args:
        gpus: Simulated GPUs in NVML index order.
        init_error: NVML return code that ``nvmlInit`` raises (e.g. 12 LibraryNotFound).
        bytes_strings: Return ``bytes`` from string getters, like nvidia-ml-py 11.x.
    """

    def __init__(
        self, gpus: list[FakeGpu], *, init_error: int | None = None, bytes_strings: bool = False
    ) -> None:
        self.gpus = gpus
        self.init_error = init_error
        self.bytes_strings = bytes_strings
        self.refcount = 0
        self.calls = 0

    def step(self, seconds: float) -> None:
        """Advance every GPU's energy counter by power x time (mW x s = mJ)."""
        for g in self.gpus:
            g.energy_mj += int(g.power_mw * seconds)

    def reload_driver(self) -> None:
        """Energy counters restart from 0."""
        for g in self.gpus:
            g.energy_mj = 0

    # -- helpers -----------------------------------------------------------------------------

    def _check(self) -> None:
        self.calls += 1
        if self.refcount == 0:
            raise _real.NVMLError(_real.NVML_ERROR_UNINITIALIZED)

    def _gpu(self, h: _Handle, *, mig_ok: bool = True) -> FakeGpu:
        self._check()
        if not isinstance(h, _Handle):
            raise _real.NVMLError(_real.NVML_ERROR_INVALID_ARGUMENT)
        if h.gpu.lost:
            raise _real.NVMLError(_real.NVML_ERROR_GPU_IS_LOST)
        if h.mig is not None and not mig_ok:
            raise _real.NVMLError(_real.NVML_ERROR_NOT_SUPPORTED)
        return h.gpu

    def _s(self, text: str) -> str | bytes:
        return text.encode() if self.bytes_strings else text

    # -- the module --------------------------------------------------------------------------

    def module(self) -> types.ModuleType:
        """A module object exposing the pynvml API subset carbonest uses."""
        mod = types.ModuleType("pynvml")
        for attr in dir(_real):
            if attr.startswith(("NVMLError", "NVML_ERROR_", "NVML_DEVICE_ARCH_", "NVML_SUCCESS")):
                setattr(mod, attr, getattr(_real, attr))
        for attr in dir(self):
            if attr.startswith("nvml"):
                setattr(mod, attr, getattr(self, attr))
        mod.__file__ = __file__
        return mod

    def nvmlInit(self) -> None:
        self.calls += 1
        if self.init_error is not None:
            raise _real.NVMLError(self.init_error)
        self.refcount += 1

    def nvmlShutdown(self) -> None:
        self._check()
        self.refcount -= 1

    def nvmlDeviceGetCount(self) -> int:
        self._check()
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> _Handle:
        self._check()
        if not 0 <= index < len(self.gpus):
            raise _real.NVMLError(_real.NVML_ERROR_INVALID_ARGUMENT)
        gpu = self.gpus[index]
        if gpu.no_permission:
            raise _real.NVMLError(_real.NVML_ERROR_NO_PERMISSION)
        if gpu.lost:
            raise _real.NVMLError(_real.NVML_ERROR_GPU_IS_LOST)
        return _Handle(gpu)

    def nvmlDeviceGetHandleByUUID(self, uuid: str | bytes) -> _Handle:
        self._check()
        text = uuid.decode() if isinstance(uuid, bytes) else uuid
        for g in self.gpus:
            if g.uuid == text:
                return _Handle(g)
            for m in g.migs:
                if m.uuid == text:
                    return _Handle(g, m)
        raise _real.NVMLError(_real.NVML_ERROR_NOT_FOUND)

    def nvmlDeviceGetUUID(self, h: _Handle) -> str | bytes:
        g = self._gpu(h)
        return self._s(h.mig.uuid if h.mig else g.uuid)

    def nvmlDeviceGetName(self, h: _Handle) -> str | bytes:
        g = self._gpu(h)
        return self._s(h.mig.name if h.mig else g.name)

    def nvmlDeviceGetArchitecture(self, h: _Handle) -> int:
        return self._gpu(h).arch

    def nvmlDeviceGetTotalEnergyConsumption(self, h: _Handle) -> int:
        g = self._gpu(h, mig_ok=False)
        if g.arch < ARCH_VOLTA:
            raise _real.NVMLError(_real.NVML_ERROR_NOT_SUPPORTED)
        return g.energy_mj

    def nvmlDeviceGetPowerUsage(self, h: _Handle) -> int:
        return self._gpu(h, mig_ok=False).power_mw

    def nvmlDeviceGetUtilizationRates(self, h: _Handle) -> _Utilization:
        g = self._gpu(h)
        if g.migs or h.mig is not None:
            raise _real.NVMLError(_real.NVML_ERROR_NOT_SUPPORTED)
        return _Utilization(g.util_gpu_pct, 10)

    def nvmlDeviceGetMemoryInfo(self, h: _Handle, version: Any = None) -> _Memory:
        g = self._gpu(h)
        return _Memory(g.mem_total_bytes, g.mem_used_bytes)

    def nvmlDeviceGetMaxMigDeviceCount(self, h: _Handle) -> int:
        g = self._gpu(h)
        if g.arch < ARCH_AMPERE:
            raise _real.NVMLError(_real.NVML_ERROR_NOT_SUPPORTED)
        return 7 if g.migs else 0

    def nvmlDeviceGetMigDeviceHandleByIndex(self, h: _Handle, index: int) -> _Handle:
        g = self._gpu(h)
        if index >= len(g.migs):
            raise _real.NVMLError(_real.NVML_ERROR_NOT_FOUND)
        return _Handle(g, g.migs[index])

    def nvmlDeviceGetDeviceHandleFromMigDeviceHandle(self, h: _Handle) -> _Handle:
        g = self._gpu(h)
        return _Handle(g)

    def nvmlDeviceIsMigDeviceHandle(self, h: _Handle) -> ctypes.c_uint:
        self._gpu(h)
        return ctypes.c_uint(1 if h.mig else 0)
