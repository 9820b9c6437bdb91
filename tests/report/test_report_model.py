"""The report's figures: series from stored (and thinned) samples, range, equivalents, regions,
and the split of a difference between runs by cause."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from carbonest.catalog import constant
from carbonest.catalog.regions import find_region, list_regions
from carbonest.records import Sample
from carbonest.report.compare import compare_records, decompose, factors, lmdi_weight
from carbonest.report.model import build_report, build_series, load_report
from carbonest.store.sqlite import SQLiteStore
from carbonest.store.thinning import thin_series

from _reporttest_helpers import record


def test_thinned_samples_become_merged_steps_that_keep_the_energy() -> None:
    series = [Sample(float(t), "gpu", "gpu:0", 100.0 + t % 7, 100.0 + t % 7) for t in range(1, 4001)]
    thinned = thin_series(series, 1000)
    (s,) = build_series(thinned, interval_s=1.0)
    assert len(s.segments) == len(thinned) < 1000
    assert s.merged_count > 0.9 * len(thinned)  # old samples merged into buckets of >= 2 s
    for seg in s.segments:
        assert seg.end_s > seg.start_s
        if seg.merged:  # a merged step spans its whole bucket and holds its mean power
            assert seg.end_s - seg.start_s >= 2.0
            assert seg.power_w == pytest.approx(seg.energy_j / (seg.end_s - seg.start_s))
    # consecutive steps touch: nothing is drawn twice and no interval is lost
    assert all(a.end_s == b.start_s for a, b in zip(s.segments, s.segments[1:]))
    assert s.segments[0].start_s == pytest.approx(0.0)
    assert sum(g.energy_j for g in s.segments) == pytest.approx(sum(x.energy_j for x in series))


def test_unthinned_samples_are_not_marked_merged() -> None:
    (s,) = build_series([Sample(float(t), "cpu", "cpu:0", 50.0, 50.0) for t in range(1, 50)], interval_s=1.0)
    assert s.merged_count == 0


def test_a_missing_power_stays_missing() -> None:
    (s,) = build_series([Sample(1.0, "gpu", "0", 10.0, 10.0), Sample(2.0, "gpu", "0", None, None)], 1.0)
    assert s.segments[1].power_w is None and s.segments[1].energy_j is None


def test_report_of_a_stored_run(runs_store: Path) -> None:
    with SQLiteStore(runs_store, read_only=True) as store:
        rep = load_report(store, "aaaa")
    energy = 0.3 * 1.2  # 300 W for 1 h, PUE 1.2
    assert rep.energy_kwh == pytest.approx(energy)
    assert [p.name for p in rep.phases] == ["warm-up <b>&", "train $x$"]
    assert rep.phases[1].start_s == pytest.approx(900.0)
    # range: the measured energy x the lowest/highest lifecycle figure the tables hold for FR
    low, high = rep.co2e_range_kg
    assert low <= rep.co2e_kg <= high and high > low
    assert rep.basis == "lifecycle"
    # equivalents from the catalog's constants
    car = constant("equiv_passenger_car_us_kg_per_km")
    km = next(e for e in rep.equivalents if "km driven" in e.label)
    assert km.count == pytest.approx(rep.co2e_kg / car.value) and km.source == car.source
    # every figure has a provenance
    assert all(f.provenance for f in rep.figures)
    labels = {f.label for f in rep.figures}
    assert {"PUE", "carbon intensity", "CO2e", "CO2e low", "CO2e high", "gpu energy (IT)"} <= labels


def test_lowest_regions_are_on_the_runs_basis_only(runs_store: Path) -> None:
    with SQLiteStore(runs_store, read_only=True) as store:
        lifecycle = load_report(store, "cccc")
        direct = load_report(store, "dddd")
    for rep, basis in ((lifecycle, "lifecycle"), (direct, "direct")):
        figures = sorted(s.figure(basis).intensity_g_per_kwh for s in list_regions(basis=basis) if s.kind != "world")
        assert [g.intensity_g_per_kwh for g in rep.regions[:5]] == figures[:5]
        assert all(g.basis.startswith(basis) for g in rep.regions)
        for g in rep.regions:  # the same facility energy on each grid
            assert g.co2e_kg == pytest.approx(rep.energy_kwh * g.intensity_g_per_kwh / 1000)
    # the run's own grid is added after the five when it is not among them (Poland), not twice (Quebec)
    assert lifecycle.regions[5].id == "PL" and lifecycle.regions[5].is_run_region and len(lifecycle.regions) == 6
    assert lifecycle.regions[5].intensity_g_per_kwh == find_region("PL").intensity_g_per_kwh
    assert len(direct.regions) == 5 and [g.id for g in direct.regions if g.is_run_region] == ["CA-QC"]


def test_a_user_intensity_has_no_basis_to_compare_and_an_exact_range() -> None:
    rec = record("f" * 32, "custom", 3600.0, {"gpu": {"energy_kwh": 1.0}}, intensity=100.0,
                 region={"id": "custom", "name": "user-given intensity", "year": None, "source": "user",
                         "basis": None, "kind": "custom"})
    rep = build_report(rec, [])
    assert rep.regions == () and "never mixed" in rep.regions_note
    assert rep.co2e_range_kg == (rep.co2e_kg, rep.co2e_kg)


def test_a_live_intensity_run_has_no_range_and_says_how_its_co2e_was_made() -> None:
    rec = record("7" * 32, "live", 3600.0, {"gpu": {"energy_kwh": 1.0}}, intensity=120.0, wue_l_per_kwh=1.8,
                 water_l=2.16, intensity_source={"provider": "electricitymaps", "used": "live"},
                 intensity_series=[["2026-05-01T00:00:00Z", "2026-05-01T01:00:00Z", 120.0]])
    rep = build_report(rec, [])
    assert rep.co2e_range_kg is None and "live series" in rep.range_note
    by_label = {f.label: f for f in rep.figures}
    assert "electricitymaps" in by_label["CO2e"].provenance and "CO2e low" not in by_label
    assert by_label["water"].value == 2.16 and "WUE 1.8" in by_label["water"].provenance
    assert rep.regions and rep.basis == "lifecycle"  # the grid comparison still holds, on its basis


def test_a_run_with_nothing_measured(runs_store: Path) -> None:
    with SQLiteStore(runs_store, read_only=True) as store:
        rep = load_report(store, "eeee")
    assert rep.co2e_kg is None and rep.co2e_range_kg is None and rep.equivalents == () and rep.regions == ()
    assert rep.series == ()


def test_the_split_by_cause_sums_to_the_difference_and_names_the_cause(runs_store: Path) -> None:
    with SQLiteStore(runs_store, read_only=True) as store:
        recs = [store.get_run(i) for i in ("aaaa", "bbbb", "cccc", "dddd")]
    runs, (longer, poland) = compare_records(recs[:3])
    assert longer.main_cause == "duration" and longer.quantity == "co2e_kg"
    assert longer.terms["duration"] == pytest.approx(longer.difference)
    assert longer.terms["power"] == pytest.approx(0, abs=1e-12) and longer.terms["place"] == pytest.approx(0, abs=1e-12)
    assert poland.main_cause == "place" and poland.difference == pytest.approx(0.36 * (614.98 - 44.18) / 1000)
    # with a run on the direct basis among them, no CO2e is compared: energy is, for every run
    _, mixed = compare_records(recs)
    assert [d.quantity for d in mixed] == ["energy_kwh"] * 3
    longer_e, poland_e, quebec_e = mixed
    assert longer_e.main_cause == "duration" and longer_e.difference == pytest.approx(0.36)
    assert poland_e.difference == pytest.approx(0) and poland_e.main_cause is None  # same energy, other grid
    assert "not compared" in quebec_e.note and quebec_e.main_cause is None


def test_lmdi_is_exact_and_symmetric() -> None:
    a = factors(record("1" * 32, "a", 3600.0, {"gpu": {"energy_kwh": 0.3}}, pue=1.1, intensity=50.0))
    b = factors(record("2" * 32, "b", 5400.0, {"gpu": {"energy_kwh": 0.9}}, pue=1.5, intensity=400.0))
    ab, ba = decompose(a, b), decompose(b, a)
    assert sum(ab.terms.values()) == pytest.approx(ab.difference, rel=1e-12)
    for k in ab.terms:
        assert ab.terms[k] == pytest.approx(-ba.terms[k])
    # duration x1.5, power x2, PUE x intensity x10.9: the place term is largest
    assert ab.main_cause == "place"
    assert lmdi_weight(2.0, 2.0) == 2.0 and lmdi_weight(math.e, 1.0) == pytest.approx(math.e - 1)
