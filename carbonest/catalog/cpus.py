"""CPU specifications (``cpus.csv``) and the ``/proc/cpuinfo`` model-name matcher.

:func:`match_cpu_model_name` is on the tracker's start path: it cleans a model string
(``"Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"`` -> ``"xeongold6248"``) and looks the
result up in a dict built once. It returns None rather than guess: a string without a
model number (``"AMD EPYC"``, ``"QEMU Virtual CPU"``) or one not in the table never
matches a neighbour.
"""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

from carbonest._values import FrozenValue
from carbonest.errors import InvalidInputError, UnknownHardwareError

from ._load import norm, opt_int, read_rows, read_table, suggest, shallow_dict

_VENDORS = ("intel", "amd", "apple")
_NOISE = re.compile(
    r"\((?:r|tm|c)\)|[®™]"  # trademark marks
    r"|@\s*[\d.]+\s*[gm]hz"  # nominal clock
    r"|\b\d+-cores?\b|\b\d+\s*cores?\b"  # "64-Core"
    r"|\b(?:processor|cpu|apu)\b"
    r"|\b(?:with|w/)\s+radeon.*$|\bradeon\s+graphics\b"
    r"|\b\d+(?:st|nd|rd|th)\s+gen\b",  # "11th Gen Intel Core"
    re.IGNORECASE,
)


@dataclass(init=False, repr=False, eq=False, slots=True)
class CpuSpec(FrozenValue):
    """One CPU model.

    Attributes:
        id: Slug, e.g. ``"intel-xeon-gold-6248"``.
        name: Display name, e.g. ``"Intel Xeon Gold 6248"``.
        vendor: ``Intel``, ``AMD``, ``Apple``...
        tdp_w: Thermal design power of the package. Units: W.
        cores: Physical cores, if known.
        threads: Hardware threads, if known.
        microarchitecture: E.g. ``"Intel Cascade Lake"``, if known.
        source: Where the row comes from.
        year: Vintage of the source.
    """

    id: str
    name: str
    vendor: str
    tdp_w: float
    cores: int | None
    threads: int | None
    microarchitecture: str | None
    source: str
    year: int

    def __init__(
        self, id: str, name: str, vendor: str, tdp_w: float, cores: int | None, threads: int | None,
        microarchitecture: str | None, source: str, year: int,
    ) -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "vendor", vendor)
        object.__setattr__(self, "tdp_w", tdp_w)
        object.__setattr__(self, "cores", cores)
        object.__setattr__(self, "threads", threads)
        object.__setattr__(self, "microarchitecture", microarchitecture)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "year", year)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return shallow_dict(self)


def _row_dict(row: dict[str, str]) -> dict[str, Any]:
    """A table row's typed values, in :class:`CpuSpec`'s field order (its ``to_dict()``)."""
    return {
        "id": row["id"],
        "name": row["name"],
        "vendor": row["vendor"],
        "tdp_w": float(row["tdp_w"]),
        "cores": opt_int(row["cores"]),
        "threads": opt_int(row["threads"]),
        "microarchitecture": row["microarchitecture"] or None,
        "source": row["source"],
        "year": int(row["year"]),
    }


def _spec(row: dict[str, str]) -> CpuSpec:
    return CpuSpec(**_row_dict(row))


def model_signature(model_name: str) -> str:
    """The normalised model of a CPU string, without vendor, clock and marketing words.

    ``"Intel(R) Core(TM) i7-10700K CPU @ 3.80GHz"`` -> ``"corei710700k"``;
    ``"AMD EPYC 7763 64-Core Processor"`` -> ``"epyc7763"``.
    """
    words = _NOISE.sub(" ", model_name).split()
    while words and norm(words[0]) in _VENDORS:
        words = words[1:]
    return norm(" ".join(words))


@dataclass(init=False, repr=False, eq=False, slots=True)
class _Index(FrozenValue):
    header: tuple[str, ...]
    rows: list[list[str]]  # the file's rows as lists: a dict is made only for a row used
    by_id: dict[str, int]  # id -> row number
    keys: dict[str, int | None]  # model key or hyphen-less id -> row number (None: ambiguous)

    def __init__(self, header: tuple[str, ...], rows: list[list[str]], by_id: dict[str, int],
                 keys: dict[str, int | None]) -> None:
        object.__setattr__(self, "header", header)
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "by_id", by_id)
        object.__setattr__(self, "keys", keys)

    def row(self, i: int) -> dict[str, str]:
        """Row ``i`` as :func:`~carbonest.catalog._load.read_table` gives it."""
        return dict(zip(self.header, self.rows[i]))


@functools.cache
def _index() -> _Index:
    # No per-row regex or unicode work here: model_key = model_signature(name) is precomputed
    # by the build, and no dict per row (3,000 of them) is made: this is on the tracker's
    # start path, for the first match of a /proc/cpuinfo model name.
    header, rows = read_rows("cpus.csv")
    at_id, at_key = header.index("id"), header.index("model_key")
    by_id = {row[at_id]: i for i, row in enumerate(rows)}
    keys: dict[str, int | None] = {}
    for i, row in enumerate(rows):
        for key in (row[at_key], row[at_id].replace("-", "")):
            keys[key] = i if keys.get(key, i) == i else None
    return _Index(tuple(header), rows, by_id, keys)


@functools.cache
def _spec_at(i: int) -> CpuSpec:
    return _spec(_index().row(i))


@functools.lru_cache(maxsize=512)
def match_cpu_model_name(model_name: str) -> CpuSpec | None:
    """Match a ``/proc/cpuinfo`` ``model name`` (or similar) string to a table row.

    Args:
        model_name: E.g. ``"Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"``,
            ``"AMD EPYC 7763 64-Core Processor"``.

    Returns:
        The CPU, or None when the string names no specific model in the table
        (``"AMD EPYC"``, ``"QEMU Virtual CPU version 2.5+"``, ``"unknown"``).
    """
    sig = model_signature(model_name)
    if not any(ch.isdigit() for ch in sig):
        return None  # no model number: a family or a virtual CPU, never guess
    found = _index().keys.get(sig)
    return _spec_at(found) if found is not None else None


def find_cpu(name: str) -> CpuSpec:
    """Look up a CPU by id, name or model string.

    Args:
        name: E.g. ``"Xeon Gold 6248"``, ``"intel-xeon-gold-6248"``, ``"AMD EPYC 7763"``.

    Returns:
        The CPU.

    Raises:
        UnknownHardwareError: Not in the table; ``suggestions`` holds the closest names.
    """
    idx = _index()
    typed = name.strip()
    if typed.lower() in idx.by_id:
        return _spec_at(idx.by_id[typed.lower()])
    sig = model_signature(typed)
    for key in (norm(typed), sig):
        found = idx.keys.get(key)
        if found is not None:
            return _spec_at(found)
    found = _by_suffix(idx, sig)
    if found is not None:
        return _spec_at(found)
    at_name = idx.header.index("name")
    shown = {k: idx.rows[v][at_name] for k, v in idx.keys.items() if v is not None}
    raise UnknownHardwareError(
        name, suggest(sig, shown) if sig else [], field="cpu", kind="CPU"
    )


def _by_suffix(idx: Any, sig: str) -> int | None:
    """A short form (``i9-13900K``, ``13900k``, ``6248R``) naming exactly one CPU: the one row
    whose normalised name ends with it. Needs a model number (a digit) and four characters."""
    if len(sig) < 4 or not any(ch.isdigit() for ch in sig):
        return None
    rows = {v for k, v in idx.keys.items() if v is not None and k.endswith(sig)}
    return rows.pop() if len(rows) == 1 else None


def list_cpus(query: str | None = None) -> list[CpuSpec]:
    """All CPUs, or those whose name contains ``query`` (normalised).

    Args:
        query: Substring such as ``"xeon gold"`` or ``"epyc 77"``; None lists all.

    Returns:
        Matching CPUs sorted by vendor and name.

    Raises:
        InvalidInputError: ``query`` is blank.
    """
    return [_spec_at(i) for i in _matching(query)]


def list_cpu_dicts(query: str | None = None) -> list[dict[str, Any]]:
    """:func:`list_cpus` as ``to_dict()`` rows, without making a :class:`CpuSpec` of each
    (``carbonest hardware`` lists all 3,000: the specs would be most of its time)."""
    if query is None:  # every row, in one pass over the file's own rows (3,000 of them)
        from carbonest.catalog.listing import cpu_dicts

        return cpu_dicts()
    rows = read_table("cpus.csv")
    return [_row_dict(rows[i]) for i in _matching(query)]


def _matching(query: str | None) -> range | list[int]:
    """Row numbers of the CPUs :func:`list_cpus` lists for ``query`` (the rows only: a listing
    needs none of the model-name index that matching a ``/proc/cpuinfo`` string builds)."""
    rows = read_table("cpus.csv")
    if query is None:
        return range(len(rows))
    q = norm(query)
    if not q:
        raise InvalidInputError("empty CPU query", field="query")
    bare = model_signature(query)
    return [i for i, row in enumerate(rows) if q in norm(row["name"]) or (bare and bare in row["model_key"])]


class VcpuPowerSpec(NamedTuple):
    """One row of ``cpu_vcpu_power.csv``: Cloud Carbon Footprint watts per vCPU.

    Attributes:
        id: E.g. ``"amd-zen3"``, ``"amd-epyc"`` (family), ``"default"``.
        microarchitecture: Label, e.g. ``"AMD Zen 3 (Milan)"``, ``"AMD EPYC, generation unknown"``.
        kind: ``"microarchitecture"``, ``"family"`` or ``"default"``.
        min_w_per_vcpu: Power of an idle vCPU. Units: W.
        max_w_per_vcpu: Power of a fully busy vCPU. Units: W.
        note: How the figure was made (clouds averaged, members of a family mean).
        source: Where the row comes from.
        year: Vintage of the source.
    """

    id: str
    microarchitecture: str
    kind: str
    min_w_per_vcpu: float
    max_w_per_vcpu: float
    note: str
    source: str
    year: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self._asdict())


class CpuPowerMatch(NamedTuple):
    """What the catalog knows about the power of a ``/proc/cpuinfo`` CPU.

    Attributes:
        model_name: The string looked up (None when the kernel gave none).
        cpu: The catalogued CPU (TDP, cores, threads), or None.
        per_vcpu: The per-vCPU row that applies: the CPU's micro-architecture, else its
            family's (``"AMD EPYC"``, ``"Intel Xeon"``), else the overall default.
    """

    model_name: str | None
    cpu: CpuSpec | None
    per_vcpu: VcpuPowerSpec

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"model_name": self.model_name, "cpu": self.cpu.to_dict() if self.cpu else None,
                "per_vcpu": self.per_vcpu.to_dict()}


@functools.cache
def _vcpu_rows() -> tuple[tuple[VcpuPowerSpec, str], ...]:
    return tuple(
        (VcpuPowerSpec(r["id"], r["microarchitecture"], r["kind"], float(r["min_w_per_vcpu"]),
                       float(r["max_w_per_vcpu"]), r["note"], r["source"], int(r["year"])),
         r["name_prefix"])
        for r in read_table("cpu_vcpu_power.csv")
    )


def list_vcpu_power() -> list[VcpuPowerSpec]:
    """Every row of ``cpu_vcpu_power.csv``: micro-architectures, family means, the default."""
    return [spec for spec, _ in _vcpu_rows()]


def find_vcpu_power(name: str) -> VcpuPowerSpec:
    """A per-vCPU row by id or label (``"amd-zen3"``, ``"AMD Zen 3 (Milan)"``, ``"Cascade Lake"``,
    ``"default"``), for ``estimate --cpus X --vcpus N``.

    Raises:
        UnknownHardwareError: No such row; ``suggestions`` holds the closest labels.
    """
    key = norm(name)
    for spec, _ in _vcpu_rows():
        label = norm(spec.microarchitecture)
        if key in (norm(spec.id), label) or (len(key) >= 4 and label.endswith(key)):
            return spec
    shown = {norm(s.microarchitecture): s.microarchitecture for s, _ in _vcpu_rows()}
    raise UnknownHardwareError(name, suggest(key, shown), field="cpu", kind="CPU micro-architecture")


def cpu_power_lookup(model_name: str | None) -> CpuPowerMatch:
    """The catalogued CPU (if any) and the per-vCPU figures that apply to a model string.

    Args:
        model_name: ``/proc/cpuinfo`` ``model name`` (e.g. ``"AMD EPYC"``), or None.

    Returns:
        The match. ``per_vcpu`` is never missing: the micro-architecture row of the
        catalogued CPU, else the family row whose ``name_prefix`` starts the normalised name
        (``"AMD EPYC"`` -> ``amd-epyc``), else the ``default`` row (CCF's 0.74 / 3.5 W).
    """
    cpu = match_cpu_model_name(model_name) if model_name else None
    rows = _vcpu_rows()
    sig = model_signature(model_name) if model_name else ""
    chosen = None
    if cpu is not None and cpu.microarchitecture:
        chosen = next((s for s, _ in rows if s.kind == "microarchitecture"
                       and s.microarchitecture == cpu.microarchitecture), None)
    if chosen is None and sig:
        chosen = next((s for s, p in rows if s.kind == "family" and p and sig.startswith(p)), None)
    if chosen is None:
        chosen = next(s for s, _ in rows if s.kind == "default")
    return CpuPowerMatch(model_name, cpu, chosen)
