"""Step 5 of the calculator: the energy of serving queries, when queries are given.

Takes the request, the resolved accelerator and the component powers; returns
:class:`Serving` (IT energy, its range, and the accelerator-hours it keeps
busy) or None when no queries are counted. Per-query energy is given, or
worked out as 2NT FLOPs per query at the accelerator's peak x MFU and power.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TYPE_CHECKING

from carbonest.errors import InvalidInputError
from carbonest.estimate.compute import dtype_for, mfu_range
from carbonest.estimate.power import ComponentPower, serving_power
from carbonest.formulas import emissions, flops, patterson, uncertainty
from carbonest.records import Notes, Provenance

if TYPE_CHECKING:  # types only: the step modules import what they call, nothing more
    from carbonest.estimate.request import Request
    from carbonest.estimate.resolve import Resolved

Range = tuple[float, float]


class Serving(NamedTuple):
    """The serving part of an estimate.

    Attributes:
        it_energy_kwh: IT energy of all queries. Units: kWh.
        it_energy_range_kwh: Its low and high bound. Units: kWh.
        busy_gpu_hours: Accelerator-hours the queries keep busy (0 when the power is unknown). Units: h.
        extras: Serving figures for the estimate's further outputs (JSON-ready).
    """

    it_energy_kwh: float
    it_energy_range_kwh: Range
    busy_gpu_hours: float
    extras: dict[str, Any]


def serving(req: Request, res: Resolved, powers: tuple[ComponentPower, ...], journal: Notes) -> Serving | None:
    """Serving IT energy, its range and busy accelerator-hours; None without queries."""
    work = req.work
    if work.queries is None:
        return None
    power, power_w = serving_power(powers, req, res)
    spec = res.gpu
    if work.energy_per_query_wh is not None:
        per_query = uncertainty.exact(work.energy_per_query_wh)
        central = work.energy_per_query_wh
        journal.provenance["energy_per_query_wh"] = "user"
    else:
        if spec is None or power_w is None:
            raise InvalidInputError("tokens_per_query: needs gpu (its peak FLOP/s and power)", field="tokens_per_query")
        dtype = dtype_for(journal, spec, work)
        peak = spec.peak_flops_per_s(dtype)
        mfu, (lo, hi) = mfu_range(journal, work.inference_mfu, "inference_mfu")
        args = (work.params, work.tokens_per_query, peak)
        central = float(flops.energy_per_query_wh(*args, mfu, power_w))
        per_query = (float(flops.energy_per_query_wh(*args, hi, power[0])),
                     float(flops.energy_per_query_wh(*args, lo, power[1])))
        journal.provenance["energy_per_query_wh"] = Provenance("derived", "2NT / (peak x MFU) x power").label
    energy = float(patterson.inference_energy_kwh(work.queries, central))
    rng = (float(patterson.inference_energy_kwh(work.queries, per_query[0])),
           float(patterson.inference_energy_kwh(work.queries, per_query[1])))
    busy = energy / emissions.energy_kwh(power_w, 1.0) if power_w else 0.0
    extras = {"queries": work.queries, "energy_per_query_wh": central, "serving_it_energy_kwh": energy}
    return Serving(energy, rng, busy, extras)
