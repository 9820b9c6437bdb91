"""``carbonest.estimate``: the offline calculator, wiring inputs, tables and formulas.

Policy lives here, equations do not: every number is computed by a function of
:mod:`carbonest.formulas`, every reference value comes from
:mod:`carbonest.catalog`, and each one is recorded with its provenance.

Order of precedence for each input, highest first:

* power of a component: the user's ``*_power_w`` > the table (GPU/CPU TDP,
  DRAM W/GB x GB).
* PUE: ``pue`` > ``datacenter`` > the cloud provider's PUE of a cloud ``region`` >
  the preset's > the latest industry average (Uptime Institute).
* carbon intensity: ``intensity_g_per_kwh`` > ``region`` > ``datacenter`` (when
  it carries one) > the preset's > the world average.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from carbonest import inputs
from carbonest.errors import InvalidInputError
from carbonest.formulas import emissions, patterson, strubell
from carbonest.estimate_records import ComponentEnergy, Equivalent, Estimate
from carbonest.records import Provenance, RegionInfo
from carbonest.units import G_PER_KG, KG_PER_TONNE, KWH_PER_MWH
from carbonest.resolve import Notes, resolve_intensity, resolve_pue, table_provenance

PRESETS = ("strubell2019", "patterson2021")


@dataclass
class _Draft(Notes):
    """Mutable scratch state of one estimate while it is being assembled."""

    hours: float = 0.0
    hours_range: tuple[float, float] = (0.0, 0.0)
    components: list[ComponentEnergy] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)


def _count(d: _Draft, kind: str, field_name: str, value: Any, counted: bool) -> int | None:
    """The device count of a component, or None when the component is not counted at all."""
    if not counted:
        if value is not None:
            raise InvalidInputError(
                f"{field_name}: given without {kind} or {kind}_power_w", field=field_name
            )
        return None
    d.provenance[field_name] = "user" if value is not None else Provenance.default("1").label
    return inputs.count(field_name, 1 if value is None else value)


def _gpu(d: _Draft, gpu: str | None, gpus: Any, power: Any, preset: str | None) -> None:
    count = _count(d, "gpu", "gpus", gpus, gpu is not None or power is not None)
    if count is None:
        return
    model = None
    if gpu is not None:
        from carbonest.catalog import find_accelerator

        spec = find_accelerator(inputs.name("gpu", gpu))
        model = spec.name
        d.note("gpu", table_provenance("accelerators", spec.source, spec.year))
        if spec.resolved_from:
            others = ", ".join(spec.alternatives) or "none"
            tdp = f"{spec.tdp_w:g} W TDP" if spec.tdp_w is not None else "no published TDP"
            d.notes.append(f"'{gpu}' was taken as {spec.name} ({tdp}); other SKUs: {others}.")
    if power is not None:
        power_w = inputs.positive("gpu_power_w", power)
        prov = d.note("gpu_power_w", Provenance.user())
    else:
        if spec.tdp_w is None:
            raise InvalidInputError(
                f"gpu_power_w: {spec.name} has no published TDP in the table; give gpu_power_w "
                "(its average power per device)", field="gpu_power_w",
            )
        power_w = float(spec.tdp_w)
        prov = d.note("gpu_power_w", table_provenance("accelerators", spec.source, spec.year, "TDP"))
        what = "average system power per processor" if preset == "patterson2021" else "average draw"
        d.notes.append(
            f"GPU power: the TDP of {spec.name} ({power_w:g} W) was used as the {what}; "
            "real average draw is usually lower. Give gpu_power_w to set it."
        )
    _add(d, "gpu", model, count, power_w, prov)


def _cpu(d: _Draft, cpu: str | None, cpus: Any, power: Any) -> None:
    count = _count(d, "cpu", "cpus", cpus, cpu is not None or power is not None)
    if count is None:
        return
    spec = None
    if cpu is not None:
        from carbonest.catalog import find_cpu

        spec = find_cpu(inputs.name("cpu", cpu))
        d.note("cpu", table_provenance("cpus", spec.source, spec.year))
    if power is not None:
        power_w = inputs.positive("cpu_power_w", power)
        if spec is not None and power_w > spec.tdp_w:
            raise InvalidInputError(
                f"cpu_power_w: {power_w:g} W per CPU disagrees with cpu {spec.name!r}, whose TDP "
                f"is {spec.tdp_w:g} W (an average draw cannot exceed it); drop one of the two",
                field="cpu_power_w",
            )
        prov = d.note("cpu_power_w", Provenance.user())
    else:
        assert spec is not None
        power_w = float(spec.tdp_w)
        prov = d.note("cpu_power_w", table_provenance("cpus", spec.source, spec.year, "TDP"))
        d.notes.append(f"CPU power: the TDP of {spec.name} ({power_w:g} W) per CPU was used.")
    _add(d, "cpu", spec.name if spec else None, count, power_w, prov)


def _dram(d: _Draft, dram_gb: Any, power: Any) -> None:
    inputs.exclusive("dram_gb", dram_gb, "dram_power_w", power, why="power from W per GB")
    if power is not None:
        power_w = inputs.positive("dram_power_w", power)
        _add(d, "dram", None, 1, power_w, d.note("dram_power_w", Provenance.user()))
    elif dram_gb is not None:
        from carbonest.catalog import constant

        gb = inputs.positive("dram_gb", dram_gb)
        w_per_gb = constant("memory_power_w_per_gb")
        d.provenance["dram_gb"] = "user"
        prov = d.note(
            "dram_power_w",
            Provenance("table", f"constants memory_power_w_per_gb={w_per_gb.value:g} W/GB",
                       w_per_gb.source, w_per_gb.year),
        )
        _add(d, "dram", f"{gb:g} GB", 1, gb * w_per_gb.value, prov)


def _add(d: _Draft, comp: str, model: str | None, count: int, power_w: float, prov: Provenance) -> None:
    energy = emissions.energy_kwh(power_w * count, d.hours)
    d.components.append(
        ComponentEnergy(
            component=comp, energy_kwh=energy, provenance=prov,
            model=model, count=count, power_w=power_w,
        )
    )


def _equivalents(co2e_kg: float) -> tuple[Equivalent, ...]:
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
    **work: Any,
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
        region: Grid region (country, state, province, cloud region).
        intensity_g_per_kwh: Carbon intensity, instead of region. Units: g CO2e/kWh.
        pue: Power usage effectiveness (>= 1).
        datacenter: A datacenter or provider preset for the PUE (and intensity if it carries one).
        preset: ``"strubell2019"`` or ``"patterson2021"``.
        **work: The work instead of a duration, and what else to count: ``params``, ``tokens``
            (training compute 6ND), ``dtype``, ``mfu``; ``adaptation`` (full, lora, probe),
            ``tasks``, ``lora_params``, ``head_params``; ``queries`` with ``energy_per_query_wh``
            or ``tokens_per_query`` (and ``inference_mfu``); ``embodied`` (bool); ``wue_l_per_kwh``.

    Returns:
        The immutable :class:`~carbonest.records.Estimate`.

    Raises:
        InvalidInputError: a bad number or combination (the message names the parameter).
        UnknownHardwareError, UnknownRegionError: a name not in the tables, with suggestions.
    """
    from carbonest import estimate_extras as ex

    unknown = set(work) - set(ex.Work.__dataclass_fields__)
    if unknown:
        raise TypeError(f"estimate() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    if preset is not None:
        preset = inputs.choice("preset", preset, PRESETS)
    job = ex.validate_work({**work, "hours": hours})
    d = _Draft()
    spec = _duration(d, job, hours, gpu, gpus)
    if preset == "patterson2021" and (cpu, cpu_power_w, dram_gb, dram_power_w) != (None,) * 4:
        raise InvalidInputError(
            "preset: patterson2021 counts the measured system power per processor (host included); "
            "drop cpu, cpu_power_w, dram_gb and dram_power_w, or drop the preset",
            field="preset",
        )
    if d.hours:
        _gpu(d, gpu, gpus, gpu_power_w, preset)
        _cpu(d, cpu, cpus, cpu_power_w)
        _dram(d, dram_gb, dram_power_w)
    if not d.components and job.queries is None:
        raise InvalidInputError(
            "gpu: nothing to estimate: give gpu or gpu_power_w, cpu or cpu_power_w, dram_gb or dram_power_w",
            field="gpu",
        )
    dc = None
    if datacenter is not None:
        from carbonest.catalog import find_datacenter

        dc = find_datacenter(inputs.name("datacenter", datacenter))
    intensity, region_info, region_spec = resolve_intensity(d, region, intensity_g_per_kwh, dc, preset)
    pue_value = resolve_pue(d, pue, dc, region_spec, preset)
    provider = getattr(region_spec, "provider", None)
    if dc is not None and pue is None and provider and dc.id != provider and dc.kind == "provider":
        d.notes.append(f"The PUE of datacenter '{dc.id}' ({dc.pue:g}) was used for {region_spec.id}, "
                       f"a region of another provider ({provider}), as asked.")
    if not d.hours and job.queries is not None:
        d.notes.append("Serving only: no training was counted; gpu, if given, only sets the power "
                       "and peak FLOP/s of the serving accelerators.")
    if preset is not None:
        d.provenance["preset"] = f"preset:{preset}"
    return _finish(d, job, spec, (pue_value, intensity, region_info, region_spec, dc), gpu_power_w, gpu, preset)


def _duration(d: _Draft, job: Any, hours: Any, gpu: str | None, gpus: Any) -> Any:
    """Set the draft's hours (given, or from FLOPs) and return the GPU spec when one is needed."""
    from carbonest import estimate_extras as ex

    spec = None
    if gpu is not None and (job.trains_from_flops or job.tokens_per_query is not None):
        from carbonest.catalog import find_accelerator

        spec = find_accelerator(inputs.name("gpu", gpu))
    if job.trains_from_flops:
        if spec is None:
            raise InvalidInputError("gpu: params and tokens need a gpu (its peak FLOP/s)", field="gpu")
        count = inputs.count("gpus", 1 if gpus is None else gpus)
        d.hours, d.hours_range = ex.hours_from_flops(d, job, spec, count, d.extras)
    elif hours is not None:
        d.hours = inputs.positive("hours", hours)
        d.hours_range = (d.hours, d.hours)
        d.provenance["hours"] = "user"
    elif job.queries is None:
        raise InvalidInputError("hours: a duration is required (or params and tokens, or queries)", field="hours")
    return spec


def _finish(d: _Draft, job: Any, spec: Any, place: tuple[Any, ...], gpu_power_w: Any, gpu: str | None,
            preset: str | None) -> Estimate:
    from carbonest import estimate_extras as ex

    pue_value, intensity, region, region_spec, dc = place
    gpu_entry = next((c for c in d.components if c.component == "gpu"), None)
    if spec is None and gpu is not None:
        from carbonest.catalog import find_accelerator

        spec = find_accelerator(gpu)
    it_energy = sum(c.energy_kwh or 0.0 for c in d.components)
    training_it = it_energy
    serving_range = None
    gpu_hours = d.hours * gpu_entry.count if gpu_entry is not None and d.hours else None
    if job.queries is not None:
        power, power_w = _serving_power(gpu_entry, spec, gpu_power_w)
        serving, serving_range, busy = ex.serving(d, job, spec, power, power_w, d.extras)
        d.extras["training_it_energy_kwh"] = training_it
        it_energy += serving
        gpu_hours = (gpu_hours or 0.0) + busy if gpu_entry is not None else gpu_hours
    if preset == "patterson2021" and gpu_entry is not None and gpu_entry.power_w is not None and d.hours:
        training_mwh = patterson.training_energy_mwh(d.hours, gpu_entry.count, gpu_entry.power_w, pue_value)
        serving_facility = emissions.facility_energy_kwh(it_energy - training_it, pue_value)
        facility = patterson.total_energy_kwh(training_mwh * KWH_PER_MWH, serving_facility)
        t_per_mwh = intensity / G_PER_KG  # g/kWh -> kg/kWh = t/MWh
        co2 = patterson.co2e_t(facility / KWH_PER_MWH, t_per_mwh) * KG_PER_TONNE
    else:
        facility = emissions.facility_energy_kwh(it_energy, pue_value)
        co2 = emissions.co2e_kg(facility, intensity)
    _bounds(d, job, spec, (pue_value, intensity, region_spec, dc), it_energy, facility, co2,
            serving_range, gpu_hours)
    counted = {c.component for c in d.components}
    return Estimate(
        hours=d.hours or None,
        gpu_hours=gpu_hours,
        it_energy_kwh=it_energy,
        energy_kwh=facility,
        pue=pue_value,
        intensity_g_per_kwh=intensity,
        co2e_kg=co2,
        region=region,
        components=tuple(d.components),
        left_out=tuple(c for c in ("gpu", "cpu", "dram") if c not in counted),
        provenance=tuple(d.provenance.items()),
        preset=preset,
        notes=tuple(d.notes),
        equivalents=_equivalents(co2),
        extras=tuple(d.extras.items()),
    )


def _serving_power(gpu_entry: Any, spec: Any, gpu_power_w: Any) -> tuple[tuple[float, float], float | None]:
    """Power per accelerator while serving: the counted GPU's, else the given or the TDP."""
    from carbonest import estimate_extras as ex
    from carbonest.formulas import uncertainty

    if gpu_entry is not None:
        return ex.component_power_range(gpu_entry, spec), gpu_entry.power_w
    if gpu_power_w is not None:
        value = inputs.positive("gpu_power_w", gpu_power_w)
        return uncertainty.exact(value), value
    if spec is not None:
        if spec.tdp_w is None:
            raise InvalidInputError(f"gpu_power_w: {spec.name} has no published TDP; give gpu_power_w",
                                    field="gpu_power_w")
        low, high = uncertainty.power_range_w(float(spec.tdp_w))
        return (float(low), float(high)), float(spec.tdp_w)
    return (0.0, 0.0), None


def _bounds(d: _Draft, job: Any, spec: Any, place: tuple[Any, ...], it_energy: float, facility: float,
            co2: float, serving_range: Any, gpu_hours: float | None) -> None:
    """Low/high bounds, embodied carbon and water, into the draft's extras."""
    from carbonest import estimate_extras as ex

    pue_value, intensity, region_spec, dc = place
    it_range = ex.it_energy_range(d.components, spec, d.hours_range, serving_range)
    pue_rng = ex.pue_range(d, pue_value)
    energy_rng = (emissions.facility_energy_kwh(it_range[0], pue_rng[0]),
                  emissions.facility_energy_kwh(it_range[1], pue_rng[1]))
    ci_rng = ex.intensity_range(region_spec, intensity)
    embodied = ex.embodied_kg(d, gpu_hours, d.hours) if job.embodied else None
    water, wue = ex.water(d, job, dc, region_spec, it_energy)
    d.extras.update(
        energy_kwh_low=min(energy_rng[0], facility), energy_kwh_high=max(energy_rng[1], facility),
        co2e_kg_low=min(emissions.co2e_kg(energy_rng[0], ci_rng[0]), co2),
        co2e_kg_high=max(emissions.co2e_kg(energy_rng[1], ci_rng[1]), co2),
        pue_low=pue_rng[0], pue_high=pue_rng[1],
        intensity_g_per_kwh_low=ci_rng[0], intensity_g_per_kwh_high=ci_rng[1],
        embodied_co2e_kg=embodied, total_co2e_kg=co2 + (embodied or 0.0),
        water_l=water, wue_l_per_kwh=wue,
    )
    if not job.embodied:
        d.notes.append("Embodied (manufacturing) carbon not counted: total_co2e_kg is operational only "
                       "(use embodied=True / --embodied).")
