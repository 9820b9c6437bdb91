"""Accelerator and CPU lookups."""

from __future__ import annotations

import time

import pytest

from carbonest.catalog import (
    AcceleratorSpec,
    find_accelerator,
    find_cpu,
    list_accelerators,
    list_cpus,
    match_cpu_model_name,
)
from carbonest.errors import InvalidInputError, UnknownHardwareError


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("V100-SXM2-16GB", "v100-sxm2-16gb"),
        ("Tesla V100-SXM2-32GB", "v100-sxm2-32gb"),
        ("Tesla V100-PCIE-16GB", "v100-pcie-16gb"),
        ("h100 sxm", "h100-sxm"),
        ("NVIDIA H100 80GB HBM3", "h100-sxm"),
        ("NVIDIA H100 PCIe", "h100-pcie"),
        ("NVIDIA A100-SXM4-40GB", "a100-sxm4-40gb"),
        ("NVIDIA A100 80GB PCIe", "a100-pcie-80gb"),
        ("Tesla T4", "t4"),
        ("NVIDIA A10G", "a10g"),
        ("NVIDIA L40S", "l40s"),
        ("NVIDIA GeForce RTX 4090", "rtx-4090"),
        ("mi300x", "mi300x"),
        ("AMD Instinct MI250X", "mi250x"),
        ("tpu-v4", "tpu-v4"),
        ("TPU v5p", "tpu-v5p"),
        ("Gaudi 2", "gaudi2"),
        ("  H200 NVL ", "h200-nvl"),
        ("NVIDIA H200", "h200-sxm"),
        ("NVIDIA A100-SXM4-40GB MIG 1g.5gb", "a100-sxm4-40gb"),
        ("NVIDIA GH200 480GB", "gh200"),
    ],
)
def test_aliases(typed: str, expected: str) -> None:
    spec = find_accelerator(typed)
    assert spec.id == expected
    assert spec.resolved_from is None
    assert spec.alternatives == ()


@pytest.mark.parametrize(
    ("typed", "default", "alternative"),
    [
        ("v100", "v100-sxm2-16gb", "v100-pcie-32gb"),
        ("Tesla V100", "v100-sxm2-16gb", "v100-sxm2-32gb"),
        ("A100", "a100-sxm4-40gb", "a100-pcie-80gb"),
        ("a100 80gb", "a100-sxm4-80gb", "a100-pcie-80gb"),
        ("H100", "h100-sxm", "h100-nvl"),
        ("TPU v4", "tpu-v4", "tpu-v4i"),
    ],
)
def test_family_names_resolve_to_default_with_alternatives(
    typed: str, default: str, alternative: str
) -> None:
    spec = find_accelerator(typed)
    assert spec.id == default
    assert spec.resolved_from == typed
    assert alternative in spec.alternatives
    assert default not in spec.alternatives


def test_unknown_gpu_suggests_closest() -> None:
    with pytest.raises(UnknownHardwareError) as info:
        find_accelerator("V1000")
    assert "V100" in info.value.suggestions
    assert info.value.kind == "GPU"
    assert isinstance(info.value, LookupError)


def test_every_id_name_and_alias_finds_its_own_row() -> None:
    for spec in list_accelerators():
        for name in (spec.id, spec.name, *spec.aliases):
            found = find_accelerator(name)
            assert found.id == spec.id or found.resolved_from is not None, (
                name,
                found.id,
            )


def test_peak_flops() -> None:
    h100 = find_accelerator("h100-sxm")
    assert h100.peak_flops_per_s("bf16") == pytest.approx(989.4e12)
    assert h100.peak_flops_per_s("bfloat16") == h100.peak_flops_per_s("bf16")
    v100 = find_accelerator("v100-sxm2-16gb")
    assert v100.peak_flops_per_s("fp16") == pytest.approx(125e12)
    with pytest.raises(InvalidInputError, match="bf16.*available: fp64, fp32, fp16"):
        v100.peak_flops_per_s("bf16")
    with pytest.raises(InvalidInputError, match="unknown dtype"):
        v100.peak_flops_per_s("fp7")


def test_to_dict_is_json_ready() -> None:
    import json

    d = find_accelerator("A100").to_dict()
    assert d["resolved_from"] == "A100" and isinstance(d["alternatives"], list)
    json.dumps(d)


def test_list_accelerators() -> None:
    assert len(list_accelerators()) >= 60
    assert {s.id for s in list_accelerators("a100")} >= {
        "a100-sxm4-40gb",
        "a100-pcie-80gb",
    }
    assert all(isinstance(s, AcceleratorSpec) for s in list_accelerators("nvidia h1"))
    assert list_accelerators("mi3")


@pytest.mark.parametrize(
    ("cpuinfo", "expected", "tdp_w"),
    [
        ("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", "intel-xeon-gold-6248", 150),
        ("AMD EPYC 7763 64-Core Processor", "amd-epyc-7763", 280),
        ("Intel(R) Core(TM) i7-10700K CPU @ 3.80GHz", "intel-core-i7-10700k", 125),
        ("AMD Ryzen 9 5950X 16-Core Processor", "amd-ryzen-9-5950x", 105),
        ("Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", "intel-xeon-e5-2680-v4", None),
        (
            "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz",
            "intel-xeon-platinum-8259cl",
            None,
        ),
        (
            "11th Gen Intel(R) Core(TM) i7-1185G7 @ 3.00GHz",
            "intel-core-i7-1185g7",
            None,
        ),
        ("AMD Ryzen 7 5800H with Radeon Graphics", "amd-ryzen-7-5800h", None),
    ],
)
def test_cpuinfo_matcher(cpuinfo: str, expected: str, tdp_w: float | None) -> None:
    spec = match_cpu_model_name(cpuinfo)
    assert spec is not None and spec.id == expected
    if tdp_w is not None:
        assert spec.tdp_w == tdp_w


@pytest.mark.parametrize(
    "generic",
    [
        "AMD EPYC",
        "unknown",
        "",
        "QEMU Virtual CPU version 2.5+",
        "Intel(R) Xeon(R) CPU @ 2.20GHz",
        "Intel Xeon Processor (Skylake, IBRS)",
        "Common KVM processor",
        "Intel(R) Xeon(R) Gold 9999 CPU",
    ],
)
def test_cpuinfo_matcher_returns_none_for_generic_strings(generic: str) -> None:
    assert match_cpu_model_name(generic) is None


def test_cpuinfo_matcher_is_fast_after_first_load() -> None:
    match_cpu_model_name("AMD EPYC 7763 64-Core Processor")
    start = time.perf_counter()
    for i in range(200):
        match_cpu_model_name(f"Intel(R) Xeon(R) Gold 6248 CPU @ 2.{i:02d}GHz")
    assert (time.perf_counter() - start) / 200 < 1e-3


def test_find_cpu_and_suggestions() -> None:
    assert find_cpu("Xeon Gold 6248").id == "intel-xeon-gold-6248"
    assert find_cpu("intel-xeon-gold-6248").tdp_w == 150
    assert find_cpu("AMD EPYC 7763").cores == 64
    with pytest.raises(UnknownHardwareError) as info:
        find_cpu("Xeon Gold 6249X")
    assert info.value.kind == "CPU" and info.value.suggestions


def test_list_cpus() -> None:
    assert len(list_cpus()) >= 300
    golds = list_cpus("xeon gold")
    assert golds and all("Gold" in c.name for c in golds)
    with pytest.raises(InvalidInputError):
        list_cpus("  ")
