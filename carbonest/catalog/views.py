"""Table views of the public API: ``carbonest.regions()`` and ``carbonest.hardware()``.

The list forms (``list_*_dicts``) back the CLI and use no pandas; the
DataFrame forms import pandas on first call only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from carbonest.errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd


def _text(field: str, value: Any) -> None:
    """None or a string; anything else (``regions(42)``) names the parameter."""
    if value is not None and not isinstance(value, str):
        raise InvalidInputError(f"{field}: must be a string, got {value!r}", field=field)


def list_region_dicts(query: str | None = None, kind: str | None = None,
                      basis: str | None = None) -> list[dict[str, Any]]:
    """Regions as JSON-ready dicts: id, name, kind, the lifecycle figure (intensity_g_per_kwh, year,
    source, basis) and the direct one (direct_intensity_g_per_kwh, direct_year, ...), side by side.

    Args:
        query: Filter by name, id or alias.
        kind: ``"country"``, ``"subnational"`` or ``"cloud"``.
        basis: ``"lifecycle"`` or ``"direct"``: only the regions that have a figure on it.
    """
    from carbonest.catalog import list_regions

    _text("query", query)
    if kind is not None and kind not in ("country", "subnational", "cloud"):
        raise InvalidInputError(f"kind: must be country, subnational or cloud, got {kind!r}", field="kind")
    if basis is not None and basis not in ("lifecycle", "direct"):
        raise InvalidInputError(f"basis: must be one of lifecycle, direct, got {basis!r}", field="basis")
    return [r.to_dict() for r in list_regions(query, kind=kind, basis=basis)]


def list_hardware_dicts(query: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
    """Accelerators then CPUs as JSON-ready dicts (id, name, kind, tdp_w, ...)."""
    _text("query", query)
    _text("kind", kind)
    if query is None:  # the whole tables: no row classes to import (carbonest/catalog/listing.py)
        from carbonest.catalog.listing import accelerator_dicts, cpu_dicts

        accelerators, cpus = accelerator_dicts, cpu_dicts
    else:
        from carbonest.catalog import list_accelerators
        from carbonest.catalog.cpus import list_cpu_dicts

        def accelerators() -> list[dict[str, Any]]:
            return [a.to_dict() for a in list_accelerators(query)]

        def cpus() -> list[dict[str, Any]]:
            return list_cpu_dicts(query)
    rows: list[dict[str, Any]] = []
    if kind in (None, "accelerator", "gpu", "tpu", "npu"):
        rows.extend(a for a in accelerators() if kind in (None, "accelerator") or a["kind"] == kind)
    if kind in (None, "cpu"):
        for row in cpus():
            row.setdefault("kind", "cpu")
            rows.append(row)
    if kind not in (None, "accelerator", "gpu", "tpu", "npu", "cpu"):
        raise InvalidInputError(f"kind: must be gpu, tpu, npu, cpu or accelerator, got {kind!r}", field="kind")
    return rows


def no_match(kind: str, query: str) -> tuple[str, list[str]]:
    """What to say when a table query matched nothing, and the closest ids (for the CLI)."""
    from carbonest.errors import UnknownHardwareError, UnknownRegionError

    shown: list[str] = []
    ids: list[str] = []
    if kind == "region":
        from carbonest.catalog import find_region

        finders: tuple[Any, ...] = (find_region,)
    else:
        from carbonest.catalog import find_accelerator, find_cpu

        finders = (find_accelerator, find_cpu)
    for finder in finders:
        try:
            finder(query)
        except (UnknownHardwareError, UnknownRegionError) as exc:
            shown.extend(s for s in exc.shown if s not in shown)
            ids.extend(s for s in exc.suggestions if s not in ids)
        except InvalidInputError:
            continue
    message = f"no {kind} matches {query!r}"
    return message + (f"; did you mean {', '.join(shown[:5])}?" if shown else ""), ids[:5]


def _columns(kind: str) -> list[str]:
    """The columns of a table view, for an empty result (a query that matched nothing)."""
    from carbonest.catalog import list_accelerators, list_cpus, world_region

    if kind == "region":
        return list(world_region().to_dict())
    cpu = list_cpus()[0].to_dict()
    cpu.setdefault("kind", "cpu")
    return list(dict.fromkeys([*list_accelerators()[0].to_dict(), *cpu]))


def regions(query: str | None = None, kind: str | None = None, basis: str | None = None) -> pd.DataFrame:
    """The regions table as a pandas DataFrame, one row per region, optionally filtered.

    Each row carries its lifecycle figure (``intensity_g_per_kwh``, ``year``, ``source``,
    ``basis``) and its direct figure (``direct_intensity_g_per_kwh``, ...) side by side; compare
    rows on one basis only.

    Args:
        query: Filter by name, id or alias.
        kind: ``"country"``, ``"subnational"`` or ``"cloud"``.
        basis: ``"lifecycle"`` or ``"direct"``: only the regions that have a figure on it.

    Returns:
        One row per region; no rows (with the same columns) when nothing matches.
    """
    import pandas as pd

    rows = list_region_dicts(query, kind, basis)
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=_columns("region"))


def hardware(query: str | None = None, kind: str | None = None) -> pd.DataFrame:
    """The hardware tables (accelerators, then CPUs) as a pandas DataFrame.

    Args:
        query: Filter by name.
        kind: ``"gpu"``, ``"tpu"``, ``"npu"``, ``"cpu"`` or ``"accelerator"``.

    Returns:
        One row per device; no rows (with the same columns) when nothing matches.
    """
    import pandas as pd

    rows = list_hardware_dicts(query, kind)
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=_columns("hardware"))
