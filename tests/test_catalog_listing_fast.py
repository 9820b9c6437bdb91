"""The listing fast paths give exactly what the specs give (``carbonest hardware`` and ``regions``
build their rows without a spec per CPU and without the name index)."""

from __future__ import annotations

import pytest

from carbonest.catalog import list_cpus, list_regions
from carbonest.catalog.cpus import list_cpu_dicts
from carbonest.catalog.regions import _all_specs


@pytest.mark.parametrize("query", [None, "xeon gold", "epyc 77", "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", "zzzz"])
def test_cpu_dicts_are_the_specs_dicts(query: str | None) -> None:
    dicts = list_cpu_dicts(query)
    assert dicts == [c.to_dict() for c in list_cpus(query)]
    assert [list(d) for d in dicts[:1]] == [list(c.to_dict()) for c in list_cpus(query)[:1]]  # key order too
    if query is None:
        assert len(dicts) > 2000


def test_listing_every_region_is_the_table_in_order() -> None:
    assert [s.id for s in list_regions()] == list(_all_specs())
    assert [s.id for s in list_regions(None, kind="cloud")] == [s.id for s in _all_specs().values() if s.kind == "cloud"]
    assert "CA-QC" in {s.id for s in list_regions("canada")}  # a query still goes through the name index
