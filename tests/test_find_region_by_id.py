"""``find_region`` by id: the same region whether or not the whole table is parsed yet, and
found again from its memo; ``region_set`` needs no name index."""

from __future__ import annotations

import pytest

from carbonest.catalog import regions


@pytest.fixture()
def cold_caches():
    def clear() -> None:
        regions._FOUND_BY_ID.clear()
        for f in (regions._all_specs, regions._specs_by_lower_id, regions._index, regions._by_id_spec):
            f.cache_clear()
    clear()
    yield
    clear()


def test_an_id_gives_the_same_region_before_and_after_the_whole_table_is_parsed(cold_caches) -> None:
    ids = ["FR", "CA-QC", "aws:us-east-1", "gcp:europe-west1", "WORLD"]
    before = {i: regions.find_region(i.lower()) for i in ids}  # found by a search of the text
    assert regions._all_specs.cache_info().currsize == 0
    whole = regions._all_specs()
    regions._FOUND_BY_ID.clear()
    for i in ids:
        after = regions.find_region(i.swapcase())  # found in the parsed table, any case
        assert after == before[i] == whole[i]
        assert regions.find_region(f"  {i}  ") is regions.find_region(i)  # the memo


def test_every_id_of_the_table_is_found_as_itself(cold_caches) -> None:
    for rid, spec in regions._all_specs().items():
        assert regions.find_region(rid).id == rid
        assert regions.find_region(rid.upper()) == spec


def test_a_name_is_not_memoised_as_an_id(cold_caches) -> None:
    assert regions.find_region("quebec").id == "CA-QC"
    assert "quebec" not in regions._FOUND_BY_ID
    with pytest.raises(regions.UnknownRegionError):
        regions.find_region("quebc")
    assert "quebc" not in regions._FOUND_BY_ID


def test_a_region_set_is_picked_without_the_name_index(cold_caches) -> None:
    cloud = regions.region_set("cloud")
    assert cloud and all(s.kind == "cloud" for s in cloud)
    assert regions._index.cache_info().currsize == 0
    assert [s.id for s in regions.region_set("aws")] == [s.id for s in cloud if s.provider == "aws"]
