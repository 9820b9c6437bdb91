"""CPU power of the visible share: hand-computed figures, scalars and arrays."""

from __future__ import annotations

import numpy as np
import pytest

from carbonest.formulas.cpu_power import per_vcpu_power_w, tdp_share_power_w, visible_share


def test_visible_share_of_a_two_socket_host() -> None:
    # 4 vCPUs of a 2 x Xeon Gold 6248 host (40 threads per package): 4 / 80.
    assert visible_share(4, 40, 2) == pytest.approx(0.05)
    assert visible_share(1.5, 64) == pytest.approx(1.5 / 64)


def test_tdp_share_power() -> None:
    # 150 W x 2 sockets x 4/80 x 50 % busy = 7.5 W
    assert tdp_share_power_w(150.0, 2, 0.05, 0.5) == pytest.approx(7.5)
    assert tdp_share_power_w(150.0, 1, 0.05, 0.0) == 0.0


def test_per_vcpu_power_follows_ccf() -> None:
    # CCF EPYC 2nd Gen (AWS): 0.4742621528 .. 1.6929615162 W per vCPU; 2 vCPUs at 50 %:
    # 2 x (0.4742621528 + 0.5 x 1.2186993634) = 2.1672236345 W
    assert per_vcpu_power_w(2, 0.4742621528, 1.6929615162, 0.5) == pytest.approx(2.1672236345)
    assert per_vcpu_power_w(2, 0.74, 3.5, 0.0) == pytest.approx(1.48)  # idle power counts
    assert per_vcpu_power_w(1.5, 0.74, 3.5, 1.0) == pytest.approx(5.25)


def test_arrays_broadcast() -> None:
    u = np.array([0.0, 0.5, 1.0])
    np.testing.assert_allclose(per_vcpu_power_w(2, 0.74, 3.5, u), [1.48, 4.24, 7.0])
    np.testing.assert_allclose(tdp_share_power_w(100.0, 1, np.array([0.25, 0.5]), 1.0), [25.0, 50.0])
