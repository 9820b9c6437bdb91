"""FakeProbe: scripted power, energy counter, wrap and failures."""

from __future__ import annotations

import pytest

from carbonest.errors import ProbeUnavailableError
from carbonest.probes.fake import FakeProbe, ManualClock


def test_constant_power_energy_counter() -> None:
    clock = ManualClock()
    probe = FakeProbe({"gpu:0": 200.0, "gpu:1": [10.0, 20.0]}, clock=clock)
    probe.open()
    first = probe.read()
    assert [r.energy_j for r in first] == [0.0, 0.0]
    clock.advance(2.0)
    second = probe.read()
    assert second[0].energy_j == 400.0 and second[0].power_w == 200.0
    assert second[1].energy_j == 40.0 and second[1].power_w == 20.0
    assert second[0].provenance.label == "measured:fake:gpu:0"


def test_wrap_and_power_only_mode() -> None:
    clock = ManualClock()
    probe = FakeProbe({"d": 100.0}, max_energy_j=150.0, clock=clock)
    probe.open()
    probe.read()
    clock.advance(2.0)
    assert probe.read()[0].energy_j == pytest.approx(50.0)
    p = FakeProbe({"d": lambda t: t}, mode="power", component="cpu", clock=clock)
    p.open()
    r = p.read()[0]
    assert r.energy_j is None and r.power_w == clock() and r.component == "cpu"


def test_failures() -> None:
    probe = FakeProbe({"a": 1.0, "b": 2.0}, fail_after=1, fail_device="b")
    probe.open()
    assert all(r.error is None for r in probe.read())
    a, b = probe.read()
    assert a.error is None and b.error and b.energy_j is None and b.power_w is None
    dead = FakeProbe(fail_after=0, fail_mode="probe")
    dead.open()
    with pytest.raises(ProbeUnavailableError):
        dead.read()
    err = ProbeUnavailableError("nope", probe="fake", fix="plug it in")
    gone = FakeProbe(unavailable=err)
    with pytest.raises(ProbeUnavailableError):
        gone.open()
    assert gone.describe().fix == "plug it in" and not gone.describe().available
