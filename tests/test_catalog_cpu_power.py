"""cpu_power_lookup / find_vcpu_power: known CPU, micro-architecture, family, stated default."""

from __future__ import annotations

import pytest

from carbonest.catalog import cpu_power_lookup, find_vcpu_power, list_vcpu_power
from carbonest.errors import UnknownHardwareError


def test_known_cpu_maps_to_its_microarchitecture_row() -> None:
    m = cpu_power_lookup("AMD EPYC 7763 64-Core Processor")
    assert m.cpu is not None and m.cpu.tdp_w == 280.0 and m.cpu.microarchitecture == "AMD Zen 3 (Milan)"
    assert m.per_vcpu.id == "amd-zen3" and m.per_vcpu.kind == "microarchitecture"
    assert m.per_vcpu.min_w_per_vcpu == pytest.approx(0.4522129604)


@pytest.mark.parametrize(
    ("name", "row", "lo", "hi"),
    [
        ("AMD EPYC", "amd-epyc", 1.236553872, 3.473916599),
        ("Intel(R) Xeon(R) CPU @ 2.20GHz", "intel-xeon", 1.104116846, 4.705302708),
        ("QEMU Virtual CPU version 2.5+", "default", 0.74, 3.5),
        (None, "default", 0.74, 3.5),
    ],
)
def test_family_and_default(name: str | None, row: str, lo: float, hi: float) -> None:
    m = cpu_power_lookup(name)
    assert m.cpu is None and m.per_vcpu.id == row
    assert (m.per_vcpu.min_w_per_vcpu, m.per_vcpu.max_w_per_vcpu) == (lo, hi)
    if row == "default":
        assert m.per_vcpu.microarchitecture == "unknown CPU" and "MIN_WATTS_AVG" in m.per_vcpu.source


def test_find_vcpu_power_by_id_or_label() -> None:
    assert find_vcpu_power("Cascade Lake").id == "intel-cascade-lake"
    assert find_vcpu_power("AMD Zen 2 (Rome)").max_w_per_vcpu == pytest.approx(1.653703442)
    assert find_vcpu_power("amd-epyc").kind == "family"
    with pytest.raises(UnknownHardwareError):
        find_vcpu_power("Pentium 4")
    assert len(list_vcpu_power()) == 23
