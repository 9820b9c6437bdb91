"""``carbonest.estimate``: the offline calculator, one straight pipeline.

Each step is one module; each takes what the steps before it returned and
returns a value; none calls back into the step before it or into this module::

    request.validate            the inputs, checked                -> Request
    resolve.resolve             hardware, datacenter, grid, PUE    -> Resolved
    power.component_powers      power of each counted component    -> (ComponentPower, ...)
    duration.duration           hours, given or from FLOPs         -> Duration
    serving.serving             energy of queries, if any          -> Serving | None
    energy.operational          IT/facility energy and CO2e        -> Operational
    lifecycle.lifecycle_costs   embodied carbon and water          -> Lifecycle
    bounds.bounds               low/high of energy and CO2e        -> Bounds
    (here) _assemble            everything, with its provenance    -> Estimate

A :class:`~carbonest.records.Notes` journal goes along the pipeline: each
step records there where every input it used came from, and the defaults it
took, in the order it took them.

Order of precedence for each input, highest first:

* power of a component: the user's ``*_power_w`` > the table (GPU/CPU TDP,
  DRAM W/GB x GB).
* PUE: ``pue`` > ``datacenter`` > the cloud provider's PUE of a cloud ``region`` >
  the preset's > the latest industry average (Uptime Institute).
* carbon intensity: ``intensity_g_per_kwh`` > ``region`` > ``datacenter`` (when
  it carries one) > the preset's > the world average.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from carbonest.estimate import bounds as step_bounds
from carbonest.estimate import duration as step_duration
from carbonest.estimate import energy as step_energy
from carbonest.estimate import lifecycle as step_lifecycle
from carbonest.estimate import power as step_power
from carbonest.estimate import request as step_request
from carbonest.estimate import resolve as step_resolve
from carbonest.formulas import emissions
from carbonest.records import Notes
from carbonest.records.estimate import Equivalent, Estimate

if TYPE_CHECKING:
    from carbonest.estimate import serving as step_serving

PRESETS = step_request.PRESETS


def estimate(
    *,
    hours: float | None = None,
    gpu: str | None = None,
    gpus: int | None = None,
    gpu_power_w: float | None = None,
    cpu: str | None = None,
    cpus: int | None = None,
    cpu_power_w: float | None = None,
    dram_gb: float | None = None,
    dram_power_w: float | None = None,
    region: str | None = None,
    intensity_g_per_kwh: float | None = None,
    pue: float | None = None,
    datacenter: str | None = None,
    preset: str | None = None,
    basis: str | None = None,
    params: float | None = None,
    tokens: float | None = None,
    dtype: str | None = None,
    mfu: float | None = None,
    adaptation: str | None = None,
    tasks: int | None = None,
    lora_params: float | None = None,
    head_params: float | None = None,
    queries: float | None = None,
    energy_per_query_wh: float | None = None,
    tokens_per_query: float | None = None,
    inference_mfu: float | None = None,
    embodied: bool = False,
    wue_l_per_kwh: float | None = None,
    flops: float | None = None,
    energy_kwh: float | None = None,
    idle_kwh: float | None = None,
    embodied_kg_per_server: float | None = None,
    gpus_per_server: int | None = None,
    lifetime_years: float | None = None,
    utilization: float | None = None,
    vcpus: float | None = None,
) -> Estimate:
    """Estimate the energy and CO2e of a job from its hardware, duration (or work) and location.

    Components not given are not counted (``left_out`` names them). Every
    input's origin is in ``Estimate.provenance``; every default taken is said
    in ``Estimate.notes``. Every estimate also carries low/high bounds
    (``co2e_kg_low``/``_high``, ``energy_kwh_low``/``_high``), the on-site
    water and, when asked, embodied carbon.

    Args:
        hours: Wall-clock duration. Units: h. Required unless params/tokens or queries are given.
        gpu: Accelerator name (``"V100"``, ``"a100 80gb"``); a family name resolves to a documented SKU.
        gpus: Number of accelerators (default 1).
        gpu_power_w: Average power per accelerator (default: its TDP). Units: W.
        cpu: CPU model name, for its TDP.
        cpus: Number of CPU sockets (default 1).
        cpu_power_w: Average power per CPU socket (default: its TDP). Units: W.
        dram_gb: Memory size; power from the W/GB constant. Units: GB.
        dram_power_w: Memory power, instead of dram_gb. Units: W.
        region: Grid region (country, state, province, cloud region); default: CARBONEST_REGION or
            the config file, else the world average (said in a note).
        intensity_g_per_kwh: Carbon intensity, instead of region. Units: g CO2e/kWh.
        pue: Power usage effectiveness (>= 1).
        datacenter: A datacenter or provider preset for the PUE (and intensity if it carries one).
        preset: ``"strubell2019"`` or ``"patterson2021"``.
        basis: Basis of a table region's carbon intensity: ``"lifecycle"`` (default: upstream
            supply and plant construction included, the basis every region has) or ``"direct"``
            (combustion only, where a direct figure is shipped). Never mixed: a region without a
            figure on the asked basis is refused. The other basis's figure is shown beside
            (``other_basis``).
        params: Model parameters N: with ``tokens``, the training compute 6ND (needs ``gpu``).
        tokens: Training tokens D (per task with ``adaptation``).
        dtype: Number format of the peak FLOP/s (``"bf16"``, ``"fp16"``, ``"fp8"``, ``"tf32"``...).
        mfu: Model FLOPs utilisation in (0, 1] (default 0.40).
        adaptation: ``"full"``, ``"lora"`` or ``"probe"``: adapt a pretrained model to ``tasks`` tasks.
        tasks: Number of downstream tasks (default 1; with ``adaptation``).
        lora_params: LoRA adapter parameters (default 0.1 % of ``params``).
        head_params: Probe head parameters (default 40,970).
        queries: Queries served: adds inference (Patterson et al. 2021).
        energy_per_query_wh: IT energy per query. Units: Wh.
        tokens_per_query: Tokens per query, for 2N FLOPs per token instead of an energy per query.
        inference_mfu: MFU while serving (default 0.40; needs ``queries``).
        embodied: Add the hardware's manufacturing emissions, amortised (True or False).
        wue_l_per_kwh: On-site water usage effectiveness (default: provider or industry). Units: L/kWh.
        flops: Total training FLOPs, instead of params and tokens (needs ``gpu``).
        energy_kwh: A known IT energy of the training, instead of power x hours. Units: kWh.
        idle_kwh: IT energy of reserved but idle infrastructure, added. Units: kWh.
        embodied_kg_per_server: Embodied emissions of one host server without its GPUs (counts
            embodied carbon). Units: kg CO2e.
        gpus_per_server: GPUs per host server (default 8; counts embodied carbon).
        lifetime_years: Hardware service life (default: the table's; counts embodied carbon). Units: years.
        utilization: Share of its life the hardware is busy, in (0, 1] (default 1; counts embodied carbon).
        vcpus: vCPUs of ``cpu`` seen by a VM: its share of the CPU's power.

    Returns:
        The immutable :class:`~carbonest.records.Estimate`.

    Raises:
        InvalidInputError: a bad number or combination (the message names the parameter).
        UnknownHardwareError, UnknownRegionError: a name not in the tables, with suggestions.
    """
    given = dict(locals())  # every parameter above, by name: validate() checks each
    try:
        result = _run(step_request.validate(**given))
    except OverflowError:
        raise _overflow(given, "the result") from None
    bad = [k for k in ("energy_kwh", "it_energy_kwh", "co2e_kg", "gpu_hours", "hours", "energy_kwh_high",
                       "co2e_kg_high", "total_co2e_kg", "water_l", "embodied_co2e_kg")
           if _not_finite(getattr(result, k, None) if k in _FIELDS else dict(result.extras).get(k))]
    if bad:
        raise _overflow(given, bad[0])
    return result


_FIELDS = ("energy_kwh", "it_energy_kwh", "co2e_kg", "gpu_hours", "hours")


def _not_finite(value: Any) -> bool:
    import math

    return isinstance(value, float) and not math.isfinite(value)


def _overflow(given: dict[str, Any], result: str) -> Exception:
    """The error for inputs whose result overflows: it names the largest number given."""
    from carbonest.errors import InvalidInputError

    sizes: dict[str, float] = {}
    for key, value in given.items():
        try:
            if value is not None and not isinstance(value, bool):
                sizes[key] = abs(float(value))
        except OverflowError:  # an int beyond the float range
            sizes[key] = float("inf")
        except (TypeError, ValueError):  # a name, not a number
            continue
    field = max(sizes, key=lambda k: sizes[k]) if sizes else "hours"
    return InvalidInputError(
        f"{field}: too large, {given.get(field)!r} makes {result!r} overflow (more than 1.8e308)", field=field
    )


def _run(req: step_request.Request) -> Estimate:
    journal = Notes()
    res = step_resolve.resolve(req, journal)
    powers = step_power.component_powers(req, res, journal)
    time = step_duration.duration(req, res, journal)
    serving = None
    if req.work.queries is not None:
        from carbonest.estimate import serving as step_serving

        serving = step_serving.serving(req, res, powers, journal)
    op = step_energy.operational(req, powers, time, serving, res.place)
    life = step_lifecycle.lifecycle_costs(req, res, op, time.hours, journal)
    rng = step_bounds.bounds(powers, time, serving, res.place, op, journal)
    if req.preset is not None:
        journal.provenance["preset"] = f"preset:{req.preset}"
    if req.work.idle_kwh is not None:
        journal.provenance["idle_kwh"] = "user"
    return _assemble(req, res, time, serving, op, life, rng, journal)


def _assemble(req: step_request.Request, res: step_resolve.Resolved, time: step_duration.Duration,
              serving: step_serving.Serving | None, op: step_energy.Operational, life: step_lifecycle.Lifecycle,
              rng: step_bounds.Bounds, journal: Notes) -> Estimate:
    extras: dict[str, Any] = dict(time.extras)
    if serving is not None:
        extras.update(serving.extras, training_it_energy_kwh=op.training_it_energy_kwh)
    extras.update(_given_inputs(req, op, serving, life))
    extras.update(
        energy_kwh_low=rng.energy_kwh[0], energy_kwh_high=rng.energy_kwh[1],
        co2e_kg_low=rng.co2e_kg[0], co2e_kg_high=rng.co2e_kg[1],
        pue_low=rng.pue[0], pue_high=rng.pue[1],
        intensity_g_per_kwh_low=rng.intensity_g_per_kwh[0], intensity_g_per_kwh_high=rng.intensity_g_per_kwh[1],
        hours_low=rng.hours[0] or None, hours_high=rng.hours[1] or None,
        **rng.sources,
        power_ranges=rng.power,
        basis=res.place.basis,
        other_basis=_other_basis(res.place),
        embodied_co2e_kg=life.embodied_co2e_kg, total_co2e_kg=op.co2e_kg + (life.embodied_co2e_kg or 0.0),
        water_l=life.water_l, wue_l_per_kwh=life.wue_l_per_kwh,
    )
    counted = {c.component for c in op.components}
    return Estimate(
        hours=time.hours or None,
        gpu_hours=op.gpu_hours,
        it_energy_kwh=op.it_energy_kwh,
        energy_kwh=op.energy_kwh,
        pue=res.place.pue,
        intensity_g_per_kwh=res.place.intensity_g_per_kwh,
        co2e_kg=op.co2e_kg,
        region=res.place.region,
        components=op.components,
        left_out=() if req.energy_given else tuple(c for c in ("gpu", "cpu", "dram") if c not in counted),
        provenance=tuple(journal.provenance.items()),
        preset=req.preset,
        notes=tuple(journal.notes),
        equivalents=equivalents(op.co2e_kg),
        extras=tuple(extras.items()),
    )


def _other_basis(place: step_resolve.Place) -> dict[str, Any] | None:
    """The region's figure on the basis not used, shown beside the one used (never mixed into it)."""
    fig = place.other
    if fig is None:
        return None
    return {"basis": fig.basis, "intensity_g_per_kwh": fig.intensity_g_per_kwh, "year": fig.year,
            "source": fig.source}


def _given_inputs(req: step_request.Request, op: step_energy.Operational, serving: step_serving.Serving | None,
                  life: step_lifecycle.Lifecycle) -> dict[str, Any]:
    """The JSON keys of the inputs published footprints use: given energy, idle energy, GPU-hours
    split into training and serving, the embodied amortisation's figures, the vCPUs."""
    out: dict[str, Any] = {}
    if req.work.energy_kwh is not None:
        out["training_it_energy_kwh"] = op.training_it_energy_kwh
    if req.work.idle_kwh is not None:
        out["idle_kwh"] = op.idle_kwh
    if serving is not None and op.gpu_hours is not None:
        out.update(training_gpu_hours=op.training_gpu_hours or 0.0, serving_gpu_hours=serving.busy_gpu_hours)
    if life.embodied_inputs is not None:
        out.update(life.embodied_inputs.extras())
    if req.work.vcpus is not None:
        out["vcpus"] = req.work.vcpus
    return out


def equivalents(co2e_kg: float) -> tuple[Equivalent, ...]:
    """Everyday equivalents of an amount of CO2e, each with its sourced constant."""
    from carbonest.catalog import constant

    car = constant("equiv_passenger_car_us_kg_per_km")
    flight = constant("equiv_flight_ny_sf_roundtrip_lbs")
    flight_kg = emissions.lbs_to_kg(flight.value)
    return (
        Equivalent("km driven by an average US passenger car",
                   emissions.equivalent_count(co2e_kg, car.value), car.value, car.source, car.year),
        Equivalent("passenger round trips New York-San Francisco by air",
                   emissions.equivalent_count(co2e_kg, flight_kg), flight_kg, flight.source, flight.year),
    )
