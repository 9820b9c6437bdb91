"""Every public name of the package faces that existed before the layout change still imports.

The lists were taken from the faces as they were at the change (commit 97b60c0): a name
removed from a face breaks users' code, so it must be removed here on purpose, not by accident.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

FACES: dict[str, tuple[str, ...]] = {
    "carbonest": (
        "CarbonestError", "Estimate", "InvalidInputError", "Provenance", "RunRecord", "Tracker",
        "UnknownHardwareError", "UnknownRegionError", "estimate", "get_run", "hardware", "regions", "runs",
        "track", "whatif", "when", "__version__",
        # every public error class (issue 9)
        "ProbePermissionError", "ProbeUnavailableError", "ProviderError", "StorageError",
    ),
    "carbonest.records": (
        "Component", "ComponentEnergy", "Equivalent", "Estimate", "PhaseRecord", "Provenance", "ProvenanceKind",
        "Reading", "RegionInfo", "RunRecord", "RunStatus", "Sample",
    ),
    "carbonest.catalog": (
        "AcceleratorSpec", "Constant", "CpuSpec", "DatacenterSpec", "PueSpec", "RegionSpec", "TableSource",
        "UnknownConstantError", "constant", "find_accelerator", "find_cpu", "find_datacenter", "find_region",
        "industry_pue", "industry_wue", "intensity_spread", "list_accelerators", "list_constants", "list_cpus",
        "list_datacenters", "list_regions", "list_sources", "match_cpu_model_name", "region_set", "world_region",
    ),
    "carbonest.store": (
        "AmbiguousRunIdError", "MemoryStore", "RunNotFoundError", "RunStore", "SQLiteStore", "export_runs",
        "runs_dataframe",
    ),
    "carbonest.probes.base": ("DeviceInfo", "Probe", "ProbeStatus"),
    "carbonest.probes.cpu_model": ("CpuModelProbe", "read_cpu_model_name", "read_cpu_socket_count"),
    "carbonest.probes.cuda_visible": ("as_text", "mig_parent_index", "order_note", "resolve_visible_devices"),
    "carbonest.probes.discovery": ("DEFAULT_CPU_TDP_W", "TdpLookup", "default_tdp_lookup", "discover_probes"),
    "carbonest.probes.fake": ("FakeProbe", "ManualClock"),
    "carbonest.probes.memory_model": ("GREEN_ALGORITHMS_W_PER_GB", "MemoryModelProbe"),
    "carbonest.probes.nvml": ("NvmlProbe", "resolve_visible_devices", "translate_nvml_error"),
    "carbonest.probes.procfs": ("MeminfoReader", "StatReader"),
    "carbonest.probes.rapl": ("DEFAULT_POWERCAP_ROOT", "ENV_POWERCAP_ROOT", "PERMISSION_FIX", "RaplProbe"),
}

CASES = [(face, name) for face, names in FACES.items() for name in names]


@pytest.mark.parametrize(("face", "name"), CASES, ids=[f"{f}.{n}" for f, n in CASES])
def test_public_name_still_imports(face: str, name: str) -> None:
    module = importlib.import_module(face)
    assert getattr(module, name) is not None


@pytest.mark.parametrize("face", ["carbonest", "carbonest.records", "carbonest.catalog", "carbonest.store"])
def test_all_lists_every_public_name(face: str) -> None:
    module = importlib.import_module(face)
    missing = set(FACES[face]) - set(module.__all__) - {"__version__"}
    assert not missing, f"{face}.__all__ lacks {sorted(missing)}"


def test_functions_sharing_a_name_with_their_package_stay_callable() -> None:
    """``carbonest.estimate`` and ``carbonest.whatif`` are functions and subpackages: importing the
    subpackage first must not shadow the function."""
    code = (
        "import carbonest.estimate.power, carbonest.whatif.engine, carbonest; "
        "e = carbonest.estimate(gpu='V100', hours=2, intensity_g_per_kwh=100, pue=1.0); "
        "f = carbonest.whatif(gpu='V100', hours=[1, 2], intensity_g_per_kwh=100, pue=1.0); "
        "print(round(e.co2e_kg, 6), len(f))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0.06", "2"]  # 300 W x 2 h = 0.6 kWh x 100 g/kWh
    # and the other order: the function touched first, then a submodule imported by the statement form
    code = (
        "import inspect, carbonest; carbonest.estimate(gpu='V100', hours=1); carbonest.whatif(gpu='V100', hours=1); "
        "import carbonest.estimate.power as p, carbonest.whatif.request as r; "
        "print(p.__name__, r.__name__, 'basis' in inspect.signature(carbonest.estimate).parameters)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["carbonest.estimate.power", "carbonest.whatif.request", "True"]
