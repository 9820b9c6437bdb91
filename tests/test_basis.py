"""One basis of carbon intensity at a time: lifecycle by default, direct when asked, never mixed.

Covers the estimate, the what-if engine and every ranking path (sort, top, rank_regions, a
saving against a baseline), the tracker, the region views, and the traceability of every bound.
"""

from __future__ import annotations

import json

import pytest

import carbonest
from carbonest.errors import InvalidInputError
from carbonest.probes.fake import FakeProbe
from carbonest.whatif import check_one_basis, rank_regions


def kind(basis: str) -> str:
    return basis.replace("(", ",").split(",")[0].strip()


# -- the estimate ------------------------------------------------------------------------------


def test_quebec_defaults_to_a_derived_lifecycle_figure() -> None:
    e = carbonest.estimate(gpu="V100", hours=79, region="quebec")
    assert 15 <= e.intensity_g_per_kwh <= 45
    assert e.region.basis.startswith("lifecycle (derived:")
    assert "canada_energy_mix" in e.region.source and e.region.year == 2023
    prov = dict(e.provenance)["intensity_g_per_kwh"]
    assert prov.startswith("table:regions CA-QC lifecycle") and "IPCC AR5" in prov
    # 300 W x 79 h = 23.7 kWh, x 1.56 (industry PUE 2024) x the region's figure
    assert e.co2e_kg == pytest.approx(0.300 * 79 * 1.56 * e.intensity_g_per_kwh / 1000)
    assert e.basis == "lifecycle"


def test_direct_basis_when_asked_and_the_other_shown_beside() -> None:
    life = carbonest.estimate(gpu="V100", hours=79, region="quebec")
    direct = carbonest.estimate(gpu="V100", hours=79, region="quebec", basis="direct")
    assert direct.intensity_g_per_kwh == 1.5 and direct.region.year == 2019
    assert direct.region.basis.startswith("direct")
    assert life.other_basis == {"basis": direct.region.basis, "intensity_g_per_kwh": 1.5, "year": 2019,
                                "source": direct.region.source}
    assert direct.other_basis["intensity_g_per_kwh"] == life.intensity_g_per_kwh
    assert carbonest.estimate(gpu="V100", hours=1, region="EE").other_basis is None


def test_estonia_over_quebec_is_on_one_basis() -> None:
    qc = carbonest.estimate(gpu="V100", hours=1, region="CA-QC")
    ee = carbonest.estimate(gpu="V100", hours=1, region="EE")
    assert kind(qc.region.basis) == kind(ee.region.basis) == "lifecycle"
    assert 8 <= ee.co2e_kg / qc.co2e_kg <= 14  # like-for-like lifecycle figures, 2021-2024


def test_range_stays_on_its_basis_with_the_source_of_each_bound() -> None:
    direct = carbonest.estimate(gpu="V100", hours=1, region="CA-QC", basis="direct")
    # NIR data years 2015-2019: 1.6, 1.8, 1.4, 1.6, 1.5 g/kWh
    assert (direct.intensity_g_per_kwh_low, direct.intensity_g_per_kwh_high) == (1.4, 1.8)
    assert "National Inventory Report" in direct.intensity_low_source and direct.intensity_low_source.endswith("2017")
    assert direct.intensity_high_source.endswith("2016")
    life = carbonest.estimate(gpu="V100", hours=1, region="CA-QC")
    assert life.intensity_g_per_kwh_low >= 15  # the 1.5 g direct figure is not folded in
    ee = carbonest.estimate(gpu="V100", hours=1, region="EE")
    # Ember 2020-2024: 404.61, 450.63, 487.7, 388.03, 341.02 g/kWh; the latest is the lowest
    assert (ee.intensity_g_per_kwh_low, ee.intensity_g_per_kwh, ee.intensity_g_per_kwh_high) == (341.02, 341.02, 487.7)
    assert "Ember" in ee.intensity_low_source and ee.intensity_high_source.endswith("2022")


def test_every_bound_is_traceable_in_the_json() -> None:
    e = carbonest.estimate(gpu="A100", gpus=8, params=7e9, tokens=1e11, region="FR").to_dict()
    for key in ("intensity_low_source", "intensity_high_source", "pue_low_source", "pue_high_source",
                "hours_low_source", "hours_high_source"):
        assert isinstance(e[key], str) and e[key], key
    assert "MFU 0.462" in e["hours_low_source"] and "MFU 0.213" in e["hours_high_source"]
    assert e["hours_low"] < e["hours"] < e["hours_high"]
    assert "uptime-" in e["pue_high_source"] and "PUE" in e["pue_low_source"]
    gpu = e["power_ranges"]["gpu"]
    assert gpu["power_w_low"] == pytest.approx(0.11 * gpu["power_w"]) and gpu["power_w_high"] == gpu["power_w"]
    assert "GPU_IDLE_FRACTION_OF_TDP" in gpu["power_low_source"] and "TDP" in gpu["power_high_source"]
    given = carbonest.estimate(gpu="A100", gpu_power_w=250, hours=3, pue=1.2, region="FR").to_dict()
    assert given["pue_low_source"] == given["pue_high_source"] == "user"
    assert given["power_ranges"]["gpu"]["power_low_source"] == "user"
    assert given["hours_low_source"] == "user"


def test_a_region_without_a_figure_on_the_basis_is_refused(run_cli) -> None:
    with pytest.raises(InvalidInputError) as info:
        carbonest.estimate(gpu="V100", hours=1, region="CN-BJ")
    assert info.value.field == "basis" and "direct figure is 555" in str(info.value)
    assert carbonest.estimate(gpu="V100", hours=1, region="CN-BJ", basis="direct").intensity_g_per_kwh > 500
    code, out, err = run_cli("estimate", "--gpu", "V100", "--hours", "1", "--region", "FR", "--basis", "direct")
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("carbonest estimate: error: --basis:")
    code, _, err = run_cli("estimate", "--gpu", "V100", "--hours", "1", "--basis", "both")
    assert code == 2 and "--basis: must be one of lifecycle, direct" in err


def test_text_output_prints_the_basis_beside_the_intensity(run_cli) -> None:
    code, out, _ = run_cli("estimate", "--gpu", "V100", "--hours", "79", "--region", "quebec")
    assert code == 0
    assert out.splitlines()[0].endswith("Québec [CA-QC], lifecycle basis")
    other = next(line for line in out.splitlines() if line.strip().startswith("direct basis"))
    assert "1.50  g CO2e/kWh  not used (--basis direct)" in other


# -- the what-if engine and every ranking path ---------------------------------------------------

JOB = {"gpu": "A100", "gpus": 8, "hours": 72}


@pytest.mark.parametrize("basis", ["lifecycle", "direct"])
def test_every_ranking_path_keeps_to_one_basis(basis: str, run_cli) -> None:
    frame = carbonest.whatif(**JOB, region="all", basis=basis)
    assert {kind(b) for b in frame["basis"]} == {basis}
    unranked = {u["region"] for u in frame.attrs["unranked"]}
    assert unranked and not unranked & set(frame["region"])
    ranked = rank_regions(10, regions="cloud", basis=basis, **JOB)
    assert {kind(b) for b in ranked["basis"]} == {basis} and list(ranked["co2e_kg"]) == sorted(ranked["co2e_kg"])
    base = "US-CA"  # has both a lifecycle (Ember) and a direct (eGRID) figure
    saving = carbonest.whatif(**JOB, region="countries", baseline_region=base, basis=basis)
    assert {kind(b) for b in saving["basis"]} == {basis}
    for sort in ("co2e", "energy"):
        code, out, err = run_cli("whatif", "--gpu", "A100", "--gpus", "8", "--hours", "72", "--region", "all",
                                 "--basis", basis, "--top", "25", "--sort", sort, "--baseline-region", base, "--json")
        assert code == 0, err
        rows = json.loads(out)["rows"]
        assert len(rows) == 25 and {kind(r["basis"]) for r in rows} == {basis}
        assert all(u["reason"] == f"no {basis} figure" for u in json.loads(out)["unranked"])


def test_rankings_refuse_a_mix_of_bases(run_cli) -> None:
    mixed = carbonest.whatif(gpu="A100", hours=1, datacenter=["patterson2021-t5", "aws"])
    assert {kind(b) for b in mixed["basis"]} == {"as published by the datacenter preset", "lifecycle"}
    with pytest.raises(InvalidInputError) as info:
        check_one_basis(mixed)
    assert info.value.field == "basis"
    code, _, err = run_cli("whatif", "--gpu", "A100", "--hours", "1", "--datacenter", "patterson2021-t5,aws")
    assert code == 2 and "--basis: these scenarios mix bases" in err


def test_baseline_without_a_figure_on_the_basis_is_refused() -> None:
    with pytest.raises(InvalidInputError) as info:
        carbonest.whatif(**JOB, region=["FR", "DE"], baseline_region="CN-BJ")
    assert info.value.field == "baseline_region" and "no lifecycle" in str(info.value)
    with pytest.raises(InvalidInputError) as none_left:
        carbonest.whatif(**JOB, region=["FR", "DE"], basis="direct")
    assert none_left.value.field == "basis"


def test_whatif_row_equals_estimate_on_the_direct_basis() -> None:
    row = carbonest.whatif(**JOB, region="US-TX", basis="direct").iloc[0]
    e = carbonest.estimate(**JOB, region="US-TX", basis="direct")
    assert row["co2e_kg"] == pytest.approx(e.co2e_kg)
    assert row["intensity_g_per_kwh"] == e.intensity_g_per_kwh
    assert row["intensity_provenance"] == dict(e.provenance)["intensity_g_per_kwh"]
    assert (row["co2e_kg_low"], row["co2e_kg_high"]) == pytest.approx((e.co2e_kg_low, e.co2e_kg_high))
    assert (row["intensity_g_per_kwh_low"], row["intensity_g_per_kwh_high"]) == (
        e.intensity_g_per_kwh_low, e.intensity_g_per_kwh_high)
    assert (row["intensity_low_source"], row["intensity_high_source"]) == (e.intensity_low_source,
                                                                           e.intensity_high_source)


# -- regions, the tracker, measure ---------------------------------------------------------------


def test_regions_by_basis() -> None:
    direct = carbonest.regions(basis="direct")
    assert len(direct) > 50 and direct["direct_intensity_g_per_kwh"].notna().all()
    assert "CN-BJ" in set(direct["id"]) and "FR" not in set(direct["id"])
    life = carbonest.regions(basis="lifecycle")
    assert life["intensity_g_per_kwh"].notna().all() and "CN-BJ" not in set(life["id"])
    with pytest.raises(InvalidInputError):
        carbonest.regions(basis="market")


def test_tracker_takes_a_basis(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARBONEST_HOME", str(tmp_path))
    monkeypatch.delenv("CARBONEST_BASIS", raising=False)
    probe = FakeProbe({"gpu:0": 100.0})
    probe.open()
    with carbonest.track("b", region="CA-QC", basis="direct", probes=[probe], store=False, interval_s=0.02) as run:
        pass
    assert run.record.region.basis.startswith("direct") and run.record.intensity_g_per_kwh == 1.5
    assert dict(run.record.provenance)["basis"] == "user"
    monkeypatch.setenv("CARBONEST_BASIS", "direct")
    probe2 = FakeProbe({"gpu:0": 100.0})
    probe2.open()
    with carbonest.track("c", region="US-TX", probes=[probe2], store=False, interval_s=0.02) as run2:
        pass
    assert run2.record.region.basis.startswith("direct")
    assert dict(run2.record.provenance)["basis"] == "env:CARBONEST_BASIS"
    with pytest.raises(InvalidInputError) as info:
        carbonest.Tracker("d", basis="marginal")
    assert info.value.field == "basis"


@pytest.mark.parametrize("command", [
    ("whatif", "--gpu", "A100", "--hours", "1", "--region", "FR"),
    ("regions", "FR"),
    ("estimate", "--gpu", "A100", "--hours", "1", "--region", "FR"),
])
def test_a_bad_basis_is_one_line_naming_the_flag(command: tuple[str, ...], run_cli) -> None:
    code, out, err = run_cli(*command, "--basis", "market")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--basis: must be one of lifecycle, direct, got 'market'" in err
    with pytest.raises(InvalidInputError) as info:
        carbonest.whatif(gpu="A100", hours=1, basis="market")
    assert info.value.field == "basis"


def test_stockholm_is_one_grid_on_one_basis_whoever_hosts_it() -> None:
    aws = carbonest.estimate(gpu="A100", hours=1, region="aws:eu-north-1", pue=1.0)
    gcp = carbonest.estimate(gpu="A100", hours=1, region="gcp:europe-north2", pue=1.0)
    assert aws.intensity_g_per_kwh == gcp.intensity_g_per_kwh == 35.82  # Ember 2024, grid of SE
    assert gcp.other_basis["intensity_g_per_kwh"] == 2.73  # Google's operational figure, shown beside
    assert aws.other_basis is None
