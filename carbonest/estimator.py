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

PRESETS = ("strubell2019", "patterson2021")


@dataclass
class _Draft:
    """Mutable scratch state of one estimate while it is being assembled."""

    hours: float
    provenance: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    components: list[ComponentEnergy] = field(default_factory=list)

    def note(self, key: str, prov: Provenance) -> Provenance:
        self.provenance[key] = prov.label
        return prov


def _table(table: str, source: str | None, year: int | None, detail: str = "") -> Provenance:
    label = f"{table} {detail}".strip() if detail else table
    return Provenance("table", label, source, year)


def _gpu(d: _Draft, gpu: str | None, gpus: Any, power: Any, preset: str | None) -> None:
    if gpu is None and power is None:
        if gpus is not None:
            raise InvalidInputError("gpus: given without gpu or gpu_power_w", field="gpus")
        return
    count = inputs.count("gpus", 1 if gpus is None else gpus)
    d.provenance["gpus"] = "user" if gpus is not None else Provenance.default("1").label
    model = None
    if gpu is not None:
        from carbonest.catalog import find_accelerator

        spec = find_accelerator(inputs.name("gpu", gpu))
        model = spec.name
        d.note("gpu", _table("accelerators", spec.source, spec.year))
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
        prov = d.note("gpu_power_w", _table("accelerators", spec.source, spec.year, "TDP"))
        what = "average system power per processor" if preset == "patterson2021" else "average draw"
        d.notes.append(
            f"GPU power: the TDP of {spec.name} ({power_w:g} W) was used as the {what}; "
            "real average draw is usually lower. Give gpu_power_w to set it."
        )
    _add(d, "gpu", model, count, power_w, prov)


def _cpu(d: _Draft, cpu: str | None, cpus: Any, power: Any) -> None:
    if cpu is None and power is None:
        if cpus is not None:
            raise InvalidInputError("cpus: given without cpu or cpu_power_w", field="cpus")
        return
    count = inputs.count("cpus", 1 if cpus is None else cpus)
    d.provenance["cpus"] = "user" if cpus is not None else Provenance.default("1").label
    spec = None
    if cpu is not None:
        from carbonest.catalog import find_cpu

        spec = find_cpu(inputs.name("cpu", cpu))
        d.note("cpu", _table("cpus", spec.source, spec.year))
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
        prov = d.note("cpu_power_w", _table("cpus", spec.source, spec.year, "TDP"))
        d.notes.append(f"CPU power: the TDP of {spec.name} ({power_w:g} W) per CPU was used.")
    _add(d, "cpu", spec.name if spec else None, count, power_w, prov)


def _dram(d: _Draft, dram_gb: Any, power: Any) -> None:
    if dram_gb is not None and power is not None:
        raise InvalidInputError(
            "dram_power_w: give either dram_gb (power from W per GB) or dram_power_w, not both",
            field="dram_power_w",
        )
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


def _preset_pue_intensity(preset: str | None) -> tuple[float, float, RegionInfo] | None:
    if preset != "strubell2019":
        return None
    intensity = emissions.lbs_per_kwh_to_g_per_kwh(strubell.STRUBELL_LBS_PER_KWH)
    region = RegionInfo(
        id="strubell2019-us", name="United States average as used by Strubell et al. 2019",
        year=2018, source="US EPA (2018), via Strubell et al. 2019", basis="as published (0.954 lbs CO2e/kWh)",
        kind="preset",
    )
    return strubell.STRUBELL_PUE, intensity, region


def _region_info(spec: Any) -> RegionInfo:
    return RegionInfo(spec.id, spec.name, spec.year, spec.source, spec.basis, spec.kind)


def _intensity(d: _Draft, region: Any, intensity: Any, dc: Any, preset: str | None) -> tuple[float, RegionInfo, Any]:
    """Carbon intensity, the region it belongs to, and the region spec (if a table region)."""
    if region is not None and intensity is not None:
        raise InvalidInputError(
            "intensity_g_per_kwh: give either region or intensity_g_per_kwh, not both",
            field="intensity_g_per_kwh",
        )
    if intensity is not None:
        value = inputs.non_negative("intensity_g_per_kwh", intensity)
        d.note("intensity_g_per_kwh", Provenance.user())
        return value, RegionInfo("custom", "user-given intensity", None, "user", None, "custom"), None
    from carbonest.catalog import find_region, world_region

    if region is not None:
        spec = find_region(inputs.name("region", region))
        d.note("region", Provenance.user())
        d.note("intensity_g_per_kwh", _table("regions", spec.source, spec.year, spec.id))
        return float(spec.intensity_g_per_kwh), _region_info(spec), spec
    if dc is not None and getattr(dc, "intensity_g_per_kwh", None) is not None:
        d.note("intensity_g_per_kwh", _table("datacenters", dc.source, dc.year, dc.id))
        info = RegionInfo(dc.id, dc.name, dc.year, dc.source, "as published by the datacenter preset", "datacenter")
        return float(dc.intensity_g_per_kwh), info, None
    preset_values = _preset_pue_intensity(preset)
    if preset_values is not None:
        d.note("intensity_g_per_kwh", Provenance("preset", "strubell2019"))
        return preset_values[1], preset_values[2], None
    if preset == "patterson2021":
        raise InvalidInputError(
            "intensity_g_per_kwh: preset patterson2021 needs the datacenter's carbon intensity: "
            "give intensity_g_per_kwh, region or a datacenter that carries one",
            field="intensity_g_per_kwh",
        )
    spec = world_region()
    d.note("intensity_g_per_kwh", _table("regions", spec.source, spec.year, spec.id))
    d.notes.append(
        f"No region given: the world average {spec.intensity_g_per_kwh:g} g CO2e/kWh "
        f"({spec.source} {spec.year}) was used. Give a region for a meaningful figure."
    )
    return float(spec.intensity_g_per_kwh), _region_info(spec), spec


def _pue(d: _Draft, pue: Any, dc: Any, region_spec: Any, preset: str | None) -> float:
    if pue is not None:
        d.note("pue", Provenance.user())
        return inputs.pue("pue", pue)
    if dc is not None:
        d.note("pue", _table("datacenters", dc.source, dc.year, dc.id))
        return float(dc.pue)
    if region_spec is not None and getattr(region_spec, "pue", None) is not None:
        d.note("pue", Provenance("table", f"regions {region_spec.id} provider PUE",
                                 region_spec.pue_source, region_spec.pue_year))
        return float(region_spec.pue)
    preset_values = _preset_pue_intensity(preset)
    if preset_values is not None:
        d.note("pue", Provenance("preset", "strubell2019"))
        return preset_values[0]
    if preset == "patterson2021":
        raise InvalidInputError(
            "pue: preset patterson2021 needs the datacenter's PUE: give pue or datacenter",
            field="pue",
        )
    from carbonest.catalog import industry_pue

    spec = industry_pue()
    d.note("pue", _table("datacenters", spec.source, spec.year, spec.id))
    d.notes.append(
        f"No PUE given: the industry average {spec.pue:g} ({spec.source} {spec.year}) was used."
    )
    return float(spec.pue)


def _equivalents(co2e_kg: float) -> tuple[Equivalent, ...]:
    from carbonest.catalog import constant

    out = []
    for key, label in (
        ("car_co2e_kg_per_km", "km driven by an average passenger car"),
        ("flight_ny_sf_round_trip_co2e_kg", "passenger round trips New York-San Francisco by air"),
    ):
        c = constant(key)
        out.append(Equivalent(label, emissions.equivalent_count(co2e_kg, c.value), c.value, c.source, c.year))
    return tuple(out)


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
    intensity, region_info, region_spec = _intensity(d, region, intensity_g_per_kwh, dc, preset)
    pue_value = _pue(d, pue, dc, region_spec, preset)
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
