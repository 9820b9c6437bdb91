"""The value types every layer shares: Provenance, Reading, Sample, RegionInfo; and Notes.

These are plain frozen dataclasses (cheap to build on the sampler's hot path);
pydantic is used only at the edges (user input, stored schema). The one mutable
type, :class:`Notes`, is the journal in which a result being assembled (an
estimate, a run's settings) records where each input came from.

Provenance says where a number came from. Its ``label`` is the short string
that the CLI prints and ``--json`` carries:

* ``measured:<counter>``      e.g. ``measured:nvml:total_energy``, ``measured:rapl:package-0``
* ``modelled:<model>``        e.g. ``modelled:tdp x utilisation (Xeon Gold 6248, 150 W)``
* ``table:<table> <source> <year>``  e.g. ``table:regions Ember 2024``
* ``user``, ``default``, ``preset:<name>``

The value types of the two results live beside this module
(:mod:`carbonest.records.estimate`, :mod:`carbonest.records.run`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from carbonest._values import FrozenValue

ProvenanceKind = Literal["measured", "modelled", "table", "user", "default", "preset", "derived", "api"]
Component = Literal["gpu", "cpu", "dram"]


def cite(source: str | None, year: int | str | None) -> str:
    """A citation: ``source`` then ``year``, the year left out when the source already names it.

    ``cite("US EPA (2018), via Strubell et al. 2019", 2018)`` is the source as it is, not
    "... 2019 2018"; ``cite("Ember (2025), Yearly Electricity Data", 2024)`` adds the data year.
    """
    text = (source or "").strip()
    if year is None or year == "":
        return text
    y = str(year)
    if len(y) == 4 and y[:2] in ("19", "20") and y.isdigit():  # a year the source may name already
        at = text.find(y)
        while at >= 0:  # standing alone: not part of a longer number
            if not text[at - 1:at].isdigit() and not text[at + 4:at + 5].isdigit():
                return text
            at = text.find(y, at + 1)
    return f"{text} {year}".strip()


@dataclass(init=False, repr=False, eq=False, slots=True)
class Provenance(FrozenValue):
    """Where one figure came from.

    Attributes:
        kind: measured, modelled, table, user, default, preset, derived or api (a live web API).
        detail: The counter, model, table, preset name or formula, as free text.
        source: Citation of the table or model constant (e.g. ``"Ember"``), if any.
        year: Vintage of the table row or constant, if any.
    """

    kind: ProvenanceKind
    detail: str = ""
    source: str | None = None
    year: int | None = None

    def __init__(
        self, kind: ProvenanceKind, detail: str = "", source: str | None = None, year: int | None = None,
    ) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "detail", detail)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "year", year)

    @property
    def label(self) -> str:
        """The short form printed by the CLI and carried in JSON."""
        if self.kind in ("user", "default") and not self.detail:
            return self.kind
        if self.kind == "table":
            parts = [self.detail, cite(self.source, self.year or None)]
            return "table:" + " ".join(p for p in parts if p)
        if self.kind == "default":
            return "default:" + self.detail
        return f"{self.kind}:{self.detail}" if self.detail else self.kind

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the label plus every field."""
        out: dict[str, Any] = {"label": self.label, "kind": self.kind, "detail": self.detail}
        if self.source is not None:
            out["source"] = self.source
        if self.year is not None:
            out["year"] = self.year
        return out

    @classmethod
    def user(cls, detail: str = "") -> Provenance:
        """A value the user gave."""
        return cls("user", detail)

    @classmethod
    def default(cls, detail: str = "") -> Provenance:
        """A built-in default, said so."""
        return cls("default", detail)


@dataclass(init=False, repr=False, eq=False, slots=True)
class Reading(FrozenValue):
    """One read of one device by a probe, at one instant.

    A probe reports what the hardware says and nothing more: a cumulative
    energy counter (with its wrap range) and/or an instantaneous power. A value
    that could not be read is ``None`` and ``error`` says why; never 0.

    Attributes:
        component: ``"gpu"``, ``"cpu"`` or ``"dram"``.
        device: Stable id of the device within the probe, e.g. ``"gpu:0"`` or ``"package-0"``.
        timestamp_s: ``time.monotonic()`` of the read. Units: s.
        energy_j: Cumulative counter value. Units: J. May wrap at ``max_energy_j``.
        max_energy_j: The counter's range (it wraps to 0 after this). Units: J. None if it never wraps.
        power_w: Power at the time of the read (or the driver's short average). Units: W.
        utilisation: Busy fraction 0..1, if the device reports one.
        memory_used_bytes: Memory in use, if reported. Units: bytes.
        provenance: Which counter or model produced the figure.
        error: Why a value is missing, if one is.
    """

    component: Component
    device: str
    timestamp_s: float
    provenance: Provenance
    energy_j: float | None = None
    max_energy_j: float | None = None
    power_w: float | None = None
    utilisation: float | None = None
    memory_used_bytes: int | None = None
    error: str | None = None

    def __init__(
        self, component: Component, device: str, timestamp_s: float, provenance: Provenance,
        energy_j: float | None = None, max_energy_j: float | None = None, power_w: float | None = None,
        utilisation: float | None = None, memory_used_bytes: int | None = None, error: str | None = None,
    ) -> None:
        object.__setattr__(self, "component", component)
        object.__setattr__(self, "device", device)
        object.__setattr__(self, "timestamp_s", timestamp_s)
        object.__setattr__(self, "provenance", provenance)
        object.__setattr__(self, "energy_j", energy_j)
        object.__setattr__(self, "max_energy_j", max_energy_j)
        object.__setattr__(self, "power_w", power_w)
        object.__setattr__(self, "utilisation", utilisation)
        object.__setattr__(self, "memory_used_bytes", memory_used_bytes)
        object.__setattr__(self, "error", error)


@dataclass(init=False, repr=False, eq=False, slots=True)
class Sample(FrozenValue):
    """One point of the power time series kept in the run store.

    Attributes:
        timestamp_s: Seconds since the start of the run. Units: s.
        component: ``"gpu"``, ``"cpu"`` or ``"dram"``.
        device: Device id within its probe.
        power_w: Mean power since the previous sample. Units: W.
        energy_j: Energy since the previous sample. Units: J.
    """

    timestamp_s: float
    component: str
    device: str
    power_w: float | None
    energy_j: float | None

    def __init__(
        self, timestamp_s: float, component: str, device: str, power_w: float | None, energy_j: float | None,
    ) -> None:
        object.__setattr__(self, "timestamp_s", timestamp_s)
        object.__setattr__(self, "component", component)
        object.__setattr__(self, "device", device)
        object.__setattr__(self, "power_w", power_w)
        object.__setattr__(self, "energy_j", energy_j)


@dataclass(init=False, repr=False, eq=False, slots=True)
class RegionInfo(FrozenValue):
    """The region (grid) whose carbon intensity an estimate used.

    Attributes:
        id: Table id (``"CA-QC"``, ``"aws:us-east-1"``, ``"WORLD"``), or ``"custom"`` for a user-given intensity.
        name: Human-readable name.
        year: Vintage of the intensity figure.
        source: Citation of the figure.
        basis: e.g. ``"lifecycle, generation"`` or ``"direct, consumption"``.
        kind: ``country``, ``subnational``, ``cloud``, ``world`` or ``custom``.
    """

    id: str
    name: str
    year: int | None
    source: str | None
    basis: str | None
    kind: str

    def __init__(
        self, id: str, name: str, year: int | None, source: str | None, basis: str | None, kind: str,
    ) -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "year", year)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "basis", basis)
        object.__setattr__(self, "kind", kind)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def table_provenance(table: str, source: str | None, year: int | None, detail: str = "") -> Provenance:
    """Provenance of a figure read from one of the shipped tables (``detail`` names the row or column)."""
    label = f"{table} {detail}".strip() if detail else table
    return Provenance("table", label, source, year)


class Notes:
    """The journal of one result being assembled: provenance labels by input name, and the
    plain-language notes of the defaults taken, in the order they were taken.

    A plain class, not a dataclass: it is mutable, needs no generated methods, and building a
    dataclass costs about 2 ms at import on the ``carbonest estimate`` path.

    Attributes:
        provenance: Label of where each input came from, by input name.
        notes: Sentences for the output, in order.
    """

    __slots__ = ("notes", "provenance")

    def __init__(self, provenance: dict[str, str] | None = None, notes: list[str] | None = None) -> None:
        self.provenance: dict[str, str] = {} if provenance is None else provenance
        self.notes: list[str] = [] if notes is None else notes

    def note(self, key: str, prov: Provenance) -> Provenance:
        """Record where ``key`` came from and return the provenance."""
        self.provenance[key] = prov.label
        return prov
