"""The value types of an estimate: :class:`Estimate` and its parts.

See :mod:`carbonest.records` for the provenance labels.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from carbonest._values import FrozenValue
from carbonest.records.common import Provenance, RegionInfo


@dataclass(init=False, repr=False, eq=False, slots=True)
class ComponentEnergy(FrozenValue):
    """Energy of one component (all its devices) over a run or an estimate.

    Attributes:
        component: ``"gpu"``, ``"cpu"`` or ``"dram"``.
        model: Hardware model name, if known.
        count: Number of devices.
        energy_kwh: IT energy (no PUE). Units: kWh. None if it could not be measured.
        power_w: Mean power per device (estimate: the power assumed). Units: W.
        peak_power_w: Highest power seen across the devices together. Units: W.
        provenance: Where the energy figure came from.
        power_provenance: Where the power figure came from, if different.
        devices: Per-device ids.
    """

    component: str
    energy_kwh: float | None
    provenance: Provenance
    model: str | None = None
    count: int = 1
    power_w: float | None = None
    peak_power_w: float | None = None
    power_provenance: Provenance | None = None
    devices: tuple[str, ...] = field(default_factory=tuple)

    def __init__(
        self, component: str, energy_kwh: float | None, provenance: Provenance, model: str | None = None,
        count: int = 1, power_w: float | None = None, peak_power_w: float | None = None,
        power_provenance: Provenance | None = None, devices: tuple[str, ...] = (),
    ) -> None:
        object.__setattr__(self, "component", component)
        object.__setattr__(self, "energy_kwh", energy_kwh)
        object.__setattr__(self, "provenance", provenance)
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "power_w", power_w)
        object.__setattr__(self, "peak_power_w", peak_power_w)
        object.__setattr__(self, "power_provenance", power_provenance)
        object.__setattr__(self, "devices", devices)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, provenance as its label plus details."""
        out = asdict(self)
        out["provenance"] = self.provenance.label
        out["provenance_detail"] = self.provenance.to_dict()
        out["power_provenance"] = (
            self.power_provenance.label if self.power_provenance is not None else None
        )
        out["devices"] = list(self.devices)
        return out


@dataclass(init=False, repr=False, eq=False, slots=True)
class Equivalent(FrozenValue):
    """An everyday equivalent of an amount of CO2e, with its source.

    Attributes:
        label: What is counted, e.g. ``"km driven by an average passenger car"``.
        amount: How many of them the estimate equals.
        co2e_kg_per_unit: The constant used. Units: kg CO2e per unit.
        source: Citation of the constant.
        year: Vintage of the constant.
    """

    label: str
    amount: float
    co2e_kg_per_unit: float
    source: str
    year: int | None

    def __init__(
        self, label: str, amount: float, co2e_kg_per_unit: float, source: str, year: int | None,
    ) -> None:
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "amount", amount)
        object.__setattr__(self, "co2e_kg_per_unit", co2e_kg_per_unit)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "year", year)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(init=False, repr=False, eq=False)
class Estimate(FrozenValue):
    """The immutable result of :func:`carbonest.estimate`.

    ``to_dict()`` is exactly what ``carbonest estimate --json`` prints.

    Attributes:
        hours: Wall-clock duration. Units: h.
        gpu_hours: hours x GPU count, None when no GPU was counted. Units: h.
        it_energy_kwh: Energy of the counted IT components, before PUE. Units: kWh.
        energy_kwh: Facility energy, PUE included. Units: kWh.
        pue: The PUE used.
        intensity_g_per_kwh: The carbon intensity used. Units: g CO2e/kWh.
        co2e_kg: Operational emissions. Units: kg CO2e.
        region: The grid the intensity belongs to.
        components: One entry per counted component.
        left_out: Components not counted (not given).
        provenance: For each input, where its value came from (a label).
        preset: The method preset used, if any.
        notes: Plain sentences the output shows (defaults taken, SKUs resolved).
        equivalents: Everyday equivalents of ``co2e_kg``.
        extras: Further outputs (FLOPs, embodied carbon, water, ranges), JSON-ready.
    """

    hours: float | None
    gpu_hours: float | None
    it_energy_kwh: float
    energy_kwh: float
    pue: float
    intensity_g_per_kwh: float
    co2e_kg: float
    region: RegionInfo
    components: tuple[ComponentEnergy, ...]
    left_out: tuple[str, ...]
    provenance: tuple[tuple[str, str], ...]
    preset: str | None = None
    notes: tuple[str, ...] = ()
    equivalents: tuple[Equivalent, ...] = ()
    extras: tuple[tuple[str, Any], ...] = ()

    def __init__(
        self, hours: float | None, gpu_hours: float | None, it_energy_kwh: float, energy_kwh: float,
        pue: float, intensity_g_per_kwh: float, co2e_kg: float, region: RegionInfo,
        components: tuple[ComponentEnergy, ...], left_out: tuple[str, ...],
        provenance: tuple[tuple[str, str], ...], preset: str | None = None, notes: tuple[str, ...] = (),
        equivalents: tuple[Equivalent, ...] = (), extras: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        object.__setattr__(self, "hours", hours)
        object.__setattr__(self, "gpu_hours", gpu_hours)
        object.__setattr__(self, "it_energy_kwh", it_energy_kwh)
        object.__setattr__(self, "energy_kwh", energy_kwh)
        object.__setattr__(self, "pue", pue)
        object.__setattr__(self, "intensity_g_per_kwh", intensity_g_per_kwh)
        object.__setattr__(self, "co2e_kg", co2e_kg)
        object.__setattr__(self, "region", region)
        object.__setattr__(self, "components", components)
        object.__setattr__(self, "left_out", left_out)
        object.__setattr__(self, "provenance", provenance)
        object.__setattr__(self, "preset", preset)
        object.__setattr__(self, "notes", notes)
        object.__setattr__(self, "equivalents", equivalents)
        object.__setattr__(self, "extras", extras)

    @property
    def co2e_lbs(self) -> float:
        """Operational emissions in pounds. Units: lb CO2e (1 lb = 0.45359237 kg exactly)."""
        from carbonest.units import KG_PER_LB

        return self.co2e_kg / KG_PER_LB

    def __getattr__(self, name: str) -> Any:
        """The further outputs by name too: ``e.co2e_kg_high``, ``e.water_l``, ``e.flops``..."""
        if not name.startswith("_"):
            for key, value in object.__getattribute__(self, "extras"):
                if key == name:
                    return value
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __str__(self) -> str:
        """The answer line: CO2e with its range, energy, and the grid with its basis."""
        from carbonest.records.display import sig

        low, high = dict(self.extras).get("co2e_kg_low"), dict(self.extras).get("co2e_kg_high")
        spread = f" (range {sig(low)} to {sig(high)})" if low is not None and high is not None else ""
        basis = (self.region.basis or "n/a").split(",")[0].split("(")[0].strip()
        return (f"{sig(self.co2e_kg)} kg CO2e{spread}, {sig(self.energy_kwh)} kWh, "
                f"{self.region.name} [{self.region.id}] at {sig(self.intensity_g_per_kwh)} g CO2e/kWh ({basis})")

    def _repr_html_(self) -> str:
        """A small table for notebooks (Jupyter calls it)."""
        from carbonest.records.display import html_table, sig

        extras = dict(self.extras)
        rows = [("CO2e", f"{sig(self.co2e_kg)} kg (range {sig(extras.get('co2e_kg_low'))} to "
                         f"{sig(extras.get('co2e_kg_high'))})"),
                ("energy", f"{sig(self.energy_kwh)} kWh (IT {sig(self.it_energy_kwh)} kWh x PUE {self.pue:g})"),
                ("grid", f"{self.region.name} [{self.region.id}], {sig(self.intensity_g_per_kwh)} g CO2e/kWh, "
                         f"{self.region.basis or 'n/a'}")]
        rows += [(c.component, f"{c.count} x {c.model or 'unspecified'}, {sig(c.power_w)} W, "
                               f"{sig(c.energy_kwh)} kWh") for c in self.components]
        return html_table("carbonest estimate", rows)

    def component(self, name: str) -> ComponentEnergy | None:
        """The entry for ``"gpu"``, ``"cpu"`` or ``"dram"``, if counted."""
        for entry in self.components:
            if entry.component == name:
                return entry
        return None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object printed by ``carbonest estimate --json``."""
        out: dict[str, Any] = {
            "energy_kwh": self.energy_kwh,
            "it_energy_kwh": self.it_energy_kwh,
            "co2e_kg": self.co2e_kg,
            "co2e_lbs": self.co2e_lbs,
            "pue": self.pue,
            "intensity_g_per_kwh": self.intensity_g_per_kwh,
            "hours": self.hours,
            "gpu_hours": self.gpu_hours,
            "region": self.region.to_dict(),
            "components": {c.component: c.to_dict() for c in self.components},
            "left_out": list(self.left_out),
            "provenance": dict(self.provenance),
            "preset": self.preset,
            "notes": list(self.notes),
            "equivalents": [e.to_dict() for e in self.equivalents],
        }
        out.update(dict(self.extras))
        return out
