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
from carbonest.records import ComponentEnergy, Equivalent, Estimate, Provenance, RegionInfo
from carbonest.resolve import Notes, resolve_intensity, resolve_pue, table_provenance

PRESETS = ("strubell2019", "patterson2021")


@dataclass
class _Draft(Notes):
    """Mutable scratch state of one estimate while it is being assembled."""

    hours: float = 0.0
    components: list[ComponentEnergy] = field(default_factory=list)


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
            d.notes.append(
                f"'{gpu}' was taken as {spec.name} ({spec.tdp_w:g} W TDP); other SKUs: {others}."
            )
    if power is not None:
        power_w = inputs.positive("gpu_power_w", power)
        prov = d.note("gpu_power_w", Provenance.user())
    else:
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
) -> Estimate:
    """Estimate the energy and CO2e of a job from its hardware, duration and location.

    Components not given are not counted (``left_out`` names them). Every
    input's origin is in ``Estimate.provenance``; every default taken is said
    in ``Estimate.notes``.

    Args:
        hours: Wall-clock duration. Units: h. Required.
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

    Returns:
        The immutable :class:`~carbonest.records.Estimate`.

    Raises:
        InvalidInputError: a bad number or combination (the message names the parameter).
        UnknownHardwareError, UnknownRegionError: a name not in the tables, with suggestions.
    """
    if preset is not None:
        preset = inputs.choice("preset", preset, PRESETS)
    if hours is None:
        raise InvalidInputError("hours: a duration is required", field="hours")
    d = _Draft(hours=inputs.positive("hours", hours))
    d.provenance["hours"] = "user"
    if preset == "patterson2021" and (cpu, cpu_power_w, dram_gb, dram_power_w) != (None,) * 4:
        raise InvalidInputError(
            "preset: patterson2021 counts the measured system power per processor (host included); "
            "drop cpu, cpu_power_w, dram_gb and dram_power_w, or drop the preset",
            field="preset",
        )
    _gpu(d, gpu, gpus, gpu_power_w, preset)
    _cpu(d, cpu, cpus, cpu_power_w)
    _dram(d, dram_gb, dram_power_w)
    if not d.components:
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
    if preset is not None:
        d.provenance["preset"] = f"preset:{preset}"
    return _finish(d, pue_value, intensity, region_info, preset)


def _finish(d: _Draft, pue_value: float, intensity: float, region: RegionInfo, preset: str | None) -> Estimate:
    it_energy = sum(c.energy_kwh or 0.0 for c in d.components)
    gpu_entry = next((c for c in d.components if c.component == "gpu"), None)
    if preset == "patterson2021" and gpu_entry is not None and gpu_entry.power_w is not None:
        facility = 1000.0 * patterson.training_energy_mwh(d.hours, gpu_entry.count, gpu_entry.power_w, pue_value)
        co2 = 1000.0 * patterson.co2e_t(facility / 1000.0, intensity / 1000.0)
    else:
        facility = emissions.facility_energy_kwh(it_energy, pue_value)
        co2 = emissions.co2e_kg(facility, intensity)
    counted = {c.component for c in d.components}
    return Estimate(
        hours=d.hours,
        gpu_hours=d.hours * gpu_entry.count if gpu_entry is not None else None,
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
    )
