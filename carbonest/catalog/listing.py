"""Whole-table listings as JSON-ready dicts, without the catalog's row classes.

``carbonest hardware`` lists every accelerator and CPU (3,000 rows): it needs each row as a
dict, not a :class:`~carbonest.catalog.hardware.AcceleratorSpec` or
:class:`~carbonest.catalog.cpus.CpuSpec`, and importing the modules that define those (and
:mod:`dataclasses`, with :mod:`inspect`) was a tenth of the command's time. The dicts here are
the ones ``spec.to_dict()`` gives (``tests/test_catalog_listing.py`` holds them equal), and the
row conversion of the accelerator table is defined here once, for both.
"""

from __future__ import annotations

from typing import Any

from ._load import opt_float, opt_int, opt_str, read_rows, read_table, split_aliases


def accelerator_fields(row: dict[str, str]) -> dict[str, Any]:
    """The :class:`~carbonest.catalog.hardware.AcceleratorSpec` fields of one row of
    ``accelerators.csv``, in the class's order (``resolved_from`` and ``alternatives`` are not
    in the table)."""
    return {
        "id": row["id"], "name": row["name"], "vendor": row["vendor"], "kind": row["kind"],
        "family": row["family"], "tdp_w": opt_float(row["tdp_w"]), "memory_gb": opt_float(row["memory_gb"]),
        "release_year": opt_int(row["release_year"]),
        "flops_fp64_per_s": opt_float(row["flops_fp64_per_s"]),
        "flops_fp32_per_s": opt_float(row["flops_fp32_per_s"]),
        "flops_tf32_per_s": opt_float(row["flops_tf32_per_s"]),
        "flops_fp16_per_s": opt_float(row["flops_fp16_per_s"]),
        "flops_bf16_per_s": opt_float(row["flops_bf16_per_s"]),
        "flops_fp8_per_s": opt_float(row["flops_fp8_per_s"]),
        "flops_int8_per_s": opt_float(row["flops_int8_per_s"]),
        "tdp_scope": opt_str(row["tdp_scope"]),
        "patterson2021_system_power_w": opt_float(row["patterson2021_system_power_w"]),
        "aliases": split_aliases(row["aliases"]), "source": row["source"], "year": int(row["year"]),
    }


def accelerator_dicts() -> list[dict[str, Any]]:
    """Every accelerator, in table order, as ``AcceleratorSpec.to_dict()`` gives it."""
    out = []
    for row in read_table("accelerators.csv"):
        fields = accelerator_fields(row)
        fields["aliases"] = list(fields["aliases"])
        fields["resolved_from"], fields["alternatives"] = None, []
        out.append(fields)
    return out


def cpu_dicts() -> list[dict[str, Any]]:
    """Every CPU, in table order, as ``CpuSpec.to_dict()`` gives it: one pass over the file's
    own rows (3,000 of them), no dict per row in between."""
    header, raw = read_rows("cpus.csv")
    c = {name: header.index(name) for name in ("id", "name", "vendor", "tdp_w", "cores", "threads",
                                                "microarchitecture", "source", "year")}
    return [{"id": r[c["id"]], "name": r[c["name"]], "vendor": r[c["vendor"]], "tdp_w": float(r[c["tdp_w"]]),
             "cores": opt_int(r[c["cores"]]), "threads": opt_int(r[c["threads"]]),
             "microarchitecture": r[c["microarchitecture"]] or None, "source": r[c["source"]],
             "year": int(r[c["year"]])} for r in raw]
