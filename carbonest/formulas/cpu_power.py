"""Modelled CPU power for the part of a machine a process can see (a VM or a container).

PURE module (see the rules in :mod:`carbonest.formulas`): scalars or numpy arrays, no I/O.

Two models:

* **TDP x share** for a CPU whose model (and so its TDP and hardware-thread count) is known:
  a VM or container that sees ``v`` of the package's ``threads x sockets`` hardware threads is
  charged that share of the package TDP, times its own utilisation.
* **Per vCPU** (Cloud Carbon Footprint) for a CPU known only by micro-architecture or family:
  ``vcpus x (min + u x (max - min))``, with CCF's idle (min) and full-load (max) watts per vCPU.
  CCF's methodology ("Compute" section of https://www.cloudcarbonfootprint.org/docs/methodology):
  *Average Watts = Min Watts + Avg vCPU Utilization x (Max Watts - Min Watts)*, and
  *Compute Watt-Hours = Average Watts x vCPU Hours*; the min/max constants are per
  micro-architecture, derived from SPECpower results (ccf-coefficients).

Neither clamps: the caller validates (utilisation in 0..1, share at most 1) at the edge.
"""

from __future__ import annotations

from typing import Any

__all__ = ["per_vcpu_power_w", "tdp_share_power_w", "visible_share"]


def visible_share(visible_threads: Any, threads_per_socket: Any, sockets: Any = 1) -> Any:
    """Share of the CPU packages a process can use: visible threads over all hardware threads.

    ``visible_threads`` may be fractional (a cgroup quota of 1.5 CPUs).

    Args:
        visible_threads: Logical CPUs this process may run on (affinity, cgroup quota).
        threads_per_socket: Hardware threads of one package of this CPU model.
        sockets: Packages in the host.

    Returns:
        ``visible_threads / (threads_per_socket x sockets)``; above 1 means the catalog's thread
        count is too small for what is visible (the caller caps it).

    Units: visible_threads, threads_per_socket: hardware threads (logical CPUs); result: ratio.
    """
    return visible_threads / (threads_per_socket * sockets)


def tdp_share_power_w(tdp_w: Any, sockets: Any, share: Any, utilisation: Any) -> Any:
    """Power of the visible share of the packages: ``TDP x sockets x share x u``.

    Like carbonest's whole-machine model (TDP x utilisation, as in Green Algorithms,
    Lannelongue et al. 2021, Eq. 1 with a usage factor), restricted to the visible share; idle
    power is not represented (u = 0 gives 0 W) and TDP is a thermal design figure.

    Args:
        tdp_w: TDP of one package. Units: W.
        sockets: Packages in the host.
        share: Visible share of all packages (:func:`visible_share`). Units: ratio 0..1.
        utilisation: Busy fraction of the visible CPUs. Units: ratio 0..1.

    Returns:
        Modelled power. Units: W.
    """
    return tdp_w * sockets * share * utilisation


def per_vcpu_power_w(
    vcpus: Any, min_w_per_vcpu: Any, max_w_per_vcpu: Any, utilisation: Any
) -> Any:
    """Cloud Carbon Footprint's compute power: ``vcpus x (min + u x (max - min))``.

    Constants: ``min_w_per_vcpu`` / ``max_w_per_vcpu`` from ``cpu_vcpu_power.csv`` (CCF
    ccf-coefficients, by micro-architecture; family means; CCF's 0.74 / 3.5 W default).

    Args:
        vcpus: vCPUs (logical CPUs) visible, possibly fractional (a cgroup quota).
        min_w_per_vcpu: Power of one idle vCPU. Units: W.
        max_w_per_vcpu: Power of one fully busy vCPU. Units: W.
        utilisation: Busy fraction of those vCPUs. Units: ratio 0..1.

    Returns:
        Modelled power. Units: W.
    """
    return vcpus * (min_w_per_vcpu + utilisation * (max_w_per_vcpu - min_w_per_vcpu))
