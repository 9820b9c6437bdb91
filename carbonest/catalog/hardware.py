"""Accelerator (GPU / TPU / NPU) specifications: ``accelerators.csv`` and ``family_defaults.csv``.

Names are matched case-, space-, hyphen- and accent-insensitively against each SKU's id,
name and aliases (which include the strings NVML reports, e.g. ``"NVIDIA H100 80GB HBM3"``),
with or without the vendor words (``NVIDIA``, ``Tesla``, ``AMD Instinct``, ``Google``...).
A bare family name that covers several SKUs (``V100``, ``A100``, ``H100``, ``TPU v4``...)
resolves to the documented default of ``family_defaults.csv``; the result says so in
``resolved_from`` and lists the other SKUs in ``alternatives``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from typing import Any

from carbonest._values import FrozenValue
from carbonest.errors import InvalidInputError, UnknownHardwareError

from .listing import accelerator_fields
from ._load import norm, read_table, shallow_dict, split_aliases, suggest

DTYPES = ("fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8")
_DTYPE_SYNONYMS = {
    "float64": "fp64",
    "double": "fp64",
    "float32": "fp32",
    "float": "fp32",
    "single": "fp32",
    "tensorfloat32": "tf32",
    "float16": "fp16",
    "half": "fp16",
    "bfloat16": "bf16",
    "float8": "fp8",
    "e4m3": "fp8",
    "e5m2": "fp8",
}
_VENDOR_WORDS = (
    "nvidia",
    "tesla",
    "geforce",
    "amd",
    "instinct",
    "radeon",
    "google",
    "cloud",
    "intel",
    "habana",
    "aws",
    "amazon",
)


@dataclass(init=False, repr=False, eq=False, slots=True)
class AcceleratorSpec(FrozenValue):
    """One accelerator SKU.

    Attributes:
        id: Slug, e.g. ``"a100-sxm4-40gb"``.
        name: Display name.
        vendor: ``NVIDIA``, ``AMD``, ``Google``, ``Intel`` or ``Amazon``.
        kind: ``gpu``, ``tpu`` or ``npu``.
        family: Family name, e.g. ``"A100"``.
        tdp_w: Thermal design power (for TPU v4, which has none published, the maximum
            measured power). Units: W. None where unpublished.
        tdp_scope: What ``tdp_w`` covers where it was chosen among disagreeing sources, e.g.
            ``"chip (TDP)"``; the alternatives are in ``accelerator_power.csv``. None otherwise.
        patterson2021_system_power_w: Mean measured system power per accelerator (host share
            included) over the runs of Patterson et al. 2021 Table 4 on this processor (TPU v2,
            TPU v3, V100); None for other SKUs. Units: W.
        memory_gb: On-board memory. Units: GB (10^9 bytes).
        release_year: Year of release.
        flops_fp64_per_s ... flops_int8_per_s: Dense peak throughput (no structured sparsity);
            tensor/matrix-unit rates where the chip has them. Units: FLOP/s (OP/s for int8).
        aliases: Other names that find this SKU.
        source: Where the row's figures come from.
        year: Vintage of the table row.
        resolved_from: The family name typed, when a family name was resolved to this default.
        alternatives: Ids of the other SKUs that family name could have meant.
    """

    id: str
    name: str
    vendor: str
    kind: str
    family: str
    tdp_w: float | None
    memory_gb: float | None
    release_year: int | None
    flops_fp64_per_s: float | None
    flops_fp32_per_s: float | None
    flops_tf32_per_s: float | None
    flops_fp16_per_s: float | None
    flops_bf16_per_s: float | None
    flops_fp8_per_s: float | None
    flops_int8_per_s: float | None
    tdp_scope: str | None
    patterson2021_system_power_w: float | None
    aliases: tuple[str, ...]
    source: str
    year: int
    resolved_from: str | None = None
    alternatives: tuple[str, ...] = ()

    def __init__(
        self, id: str, name: str, vendor: str, kind: str, family: str, tdp_w: float | None,
        memory_gb: float | None, release_year: int | None, flops_fp64_per_s: float | None,
        flops_fp32_per_s: float | None, flops_tf32_per_s: float | None, flops_fp16_per_s: float | None,
        flops_bf16_per_s: float | None, flops_fp8_per_s: float | None, flops_int8_per_s: float | None,
        tdp_scope: str | None, patterson2021_system_power_w: float | None, aliases: tuple[str, ...],
        source: str, year: int, resolved_from: str | None = None, alternatives: tuple[str, ...] = (),
    ) -> None:
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "vendor", vendor)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "family", family)
        object.__setattr__(self, "tdp_w", tdp_w)
        object.__setattr__(self, "memory_gb", memory_gb)
        object.__setattr__(self, "release_year", release_year)
        object.__setattr__(self, "flops_fp64_per_s", flops_fp64_per_s)
        object.__setattr__(self, "flops_fp32_per_s", flops_fp32_per_s)
        object.__setattr__(self, "flops_tf32_per_s", flops_tf32_per_s)
        object.__setattr__(self, "flops_fp16_per_s", flops_fp16_per_s)
        object.__setattr__(self, "flops_bf16_per_s", flops_bf16_per_s)
        object.__setattr__(self, "flops_fp8_per_s", flops_fp8_per_s)
        object.__setattr__(self, "flops_int8_per_s", flops_int8_per_s)
        object.__setattr__(self, "tdp_scope", tdp_scope)
        object.__setattr__(self, "patterson2021_system_power_w", patterson2021_system_power_w)
        object.__setattr__(self, "aliases", aliases)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "year", year)
        object.__setattr__(self, "resolved_from", resolved_from)
        object.__setattr__(self, "alternatives", alternatives)

    def available_dtypes(self) -> tuple[str, ...]:
        """The dtypes with a peak throughput in the table, in :data:`DTYPES` order."""
        return tuple(d for d in DTYPES if getattr(self, f"flops_{d}_per_s") is not None)

    def peak_flops_per_s(self, dtype: str) -> float:
        """Dense peak throughput for one number format.

        Args:
            dtype: ``fp64``, ``fp32``, ``tf32``, ``fp16``, ``bf16``, ``fp8`` or ``int8``
                (``float16``, ``bfloat16``... are accepted too).

        Returns:
            Peak throughput. Units: FLOP/s (OP/s for int8).

        Raises:
            InvalidInputError: The dtype is unknown or has no figure for this SKU.
        """
        key = dtype.strip().lower().replace("_", "").replace("-", "")
        key = _DTYPE_SYNONYMS.get(key, key)
        available = self.available_dtypes()
        if key not in DTYPES:
            raise InvalidInputError(
                f"unknown dtype {dtype!r}; expected one of {', '.join(DTYPES)}",
                field="dtype",
            )
        value: float | None = getattr(self, f"flops_{key}_per_s")
        if value is None:
            shown = ", ".join(available) or "none"
            raise InvalidInputError(
                f"no {key} peak throughput for {self.name}; available: {shown}",
                field="dtype",
            )
        return value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (tuples become lists)."""
        return shallow_dict(self)


@dataclass(init=False, repr=False, eq=False, slots=True)
class _Family(FrozenValue):
    display: str
    default_id: str
    members: tuple[str, ...]
    reason: str

    def __init__(
        self, display: str, default_id: str, members: tuple[str, ...], reason: str,
    ) -> None:
        object.__setattr__(self, "display", display)
        object.__setattr__(self, "default_id", default_id)
        object.__setattr__(self, "members", members)
        object.__setattr__(self, "reason", reason)


@dataclass(init=False, repr=False, eq=False, slots=True)
class _Index(FrozenValue):
    by_id: dict[str, AcceleratorSpec]
    keys: dict[str, str | None]  # normalised key -> id (None: ambiguous)
    families: dict[str, _Family]

    def __init__(
        self, by_id: dict[str, AcceleratorSpec], keys: dict[str, str | None], families: dict[str, _Family],
    ) -> None:
        object.__setattr__(self, "by_id", by_id)
        object.__setattr__(self, "keys", keys)
        object.__setattr__(self, "families", families)


def _strip_vendor(key: str) -> str:
    changed = True
    while changed:
        changed = False
        for word in _VENDOR_WORDS:
            if key.startswith(word) and len(key) > len(word):
                key, changed = key[len(word) :], True
    return key


def _spec(row: dict[str, str]) -> AcceleratorSpec:
    return AcceleratorSpec(**accelerator_fields(row))


@functools.cache
def _index() -> _Index:
    by_id = {r["id"]: _spec(r) for r in read_table("accelerators.csv")}
    keys: dict[str, str | None] = {}
    for spec in by_id.values():
        names = (spec.id, spec.name, *spec.aliases)
        for key in {k for n in names for k in (norm(n), _strip_vendor(norm(n)))}:
            keys[key] = spec.id if keys.get(key, spec.id) == spec.id else None
    families = {
        norm(r["family"]): _Family(
            r["family"], r["default_id"], split_aliases(r["members"]), r["reason"]
        )
        for r in read_table("family_defaults.csv")
    }
    return _Index(by_id, keys, families)


def _resolve_family(fam: _Family, typed: str, idx: _Index) -> AcceleratorSpec:
    others = tuple(m for m in fam.members if m != fam.default_id)
    return replace(idx.by_id[fam.default_id], resolved_from=typed, alternatives=others)


def find_accelerator(name: str) -> AcceleratorSpec:
    """Look up an accelerator by id, name, alias or family name.

    Args:
        name: E.g. ``"v100"``, ``"Tesla V100-SXM2-16GB"``, ``"a100 80gb"``, ``"NVIDIA H100 80GB HBM3"``,
            ``"tpu v4"``, ``"mi300x"``.

    Returns:
        The SKU. For a family name, the family's default SKU with ``resolved_from`` and
        ``alternatives`` set.

    Raises:
        UnknownHardwareError: No SKU matches; ``suggestions`` holds the closest names.
    """
    idx = _index()
    typed = name.strip()
    if typed.lower() in idx.by_id:
        return idx.by_id[typed.lower()]
    # A MIG slice reports e.g. "NVIDIA A100-SXM4-40GB MIG 1g.5gb": the card is the part before "MIG".
    typed = re.split(r"\s+MIG\s+\d", typed, maxsplit=1)[0]
    full = norm(typed)
    for key in (full, _strip_vendor(full)):
        if key in idx.families:
            return _resolve_family(idx.families[key], typed, idx)
        found = idx.keys.get(key)
        if found is not None:
            return idx.by_id[found]
    close = _suggestions(_strip_vendor(full), idx)
    shown = [f"{s} ({idx.by_id[s].name})" if s in idx.by_id else s for s in close]  # a SKU id with its name
    raise UnknownHardwareError(name, close, field="gpu", kind="GPU", shown=shown)


def _display_keys(idx: _Index) -> dict[str, str]:
    shown: dict[str, str] = {k: v for k, v in idx.keys.items() if v is not None}
    shown.update({k: f.display for k, f in idx.families.items()})
    return shown


def _suggestions(key: str, idx: _Index) -> list[str]:
    return suggest(key, _display_keys(idx)) if key else []


def list_accelerators(query: str | None = None) -> list[AcceleratorSpec]:
    """All accelerators, or those whose id, name, alias or family matches ``query``.

    Args:
        query: Substring (normalised, vendor words ignored); None lists all. A near miss lists
            nothing (:func:`find_accelerator`'s error suggests the closest names).

    Returns:
        Matching SKUs in table order (vendor, then generation).
    """
    idx = _index()
    if query is None or not norm(query):
        return list(idx.by_id.values())
    q = _strip_vendor(norm(query))
    hits: set[str] = set()
    for key, rid in idx.keys.items():
        if rid is not None and q in key:
            hits.add(rid)
    for key, fam in idx.families.items():
        if q in key:
            hits.update(fam.members)
    return [s for s in idx.by_id.values() if s.id in hits]
