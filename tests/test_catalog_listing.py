"""The whole-table listings (carbonest/catalog/listing.py) are the rows' own ``to_dict()``."""

from __future__ import annotations

import subprocess
import sys

from carbonest.catalog import list_accelerators, list_cpus
from carbonest.catalog.listing import accelerator_dicts, cpu_dicts
from carbonest.catalog.views import list_hardware_dicts


def test_the_accelerator_listing_is_every_spec_as_a_dict() -> None:
    assert accelerator_dicts() == [a.to_dict() for a in list_accelerators()]


def test_the_cpu_listing_is_every_spec_as_a_dict() -> None:
    assert cpu_dicts() == [c.to_dict() for c in list_cpus()]


def test_a_kind_filter_on_the_whole_listing_matches_the_specs() -> None:
    for kind in ("gpu", "tpu", "npu", "accelerator", "cpu"):
        expected = [a.to_dict() for a in list_accelerators() if kind in ("accelerator", a.kind)]
        if kind == "cpu":
            expected = [dict(c.to_dict(), kind="cpu") for c in list_cpus()]
        assert list_hardware_dicts(kind=kind) == expected, kind


def test_listing_everything_imports_no_row_class() -> None:
    code = ("import sys; from carbonest.catalog.views import list_hardware_dicts; list_hardware_dicts(); "
            "print(sorted(m for m in ('dataclasses', 'carbonest.catalog.hardware', 'carbonest.catalog.cpus') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
