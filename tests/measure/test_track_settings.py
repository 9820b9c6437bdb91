"""Settings of a run: region, intensity, PUE, WUE and intervals, with their provenance."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pytest

from carbonest.errors import InvalidInputError, UnknownRegionError
from carbonest.measure.tracker import Tracker, track

from _trackertest_helpers import FAST


def _run(make_probe, store, **options):
    with track("settings", probes=[make_probe()], store=store, **{**FAST, **options}) as run:
        time.sleep(0.03)
    return run.record


def test_unknown_region_argument_raises_before_anything_starts(make_probe, store) -> None:
    probe = make_probe()
    tracker = Tracker(region="Atlantis", probes=[probe], store=store, **FAST)
    entered = []
    with pytest.raises(UnknownRegionError):
        with tracker:
            entered.append(True)
    assert entered == [] and store.list_runs() == []
    assert probe.closed_count == 0


def test_region_from_environment(make_probe, store, monkeypatch) -> None:
    monkeypatch.setenv("CARBONEST_REGION", "FR")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = _run(make_probe, store)
    assert r.region.id == "FR"
    assert dict(r.provenance)["region"] == "env:CARBONEST_REGION"
    assert not any("world average" in n for n in r.notes)


def test_argument_beats_environment(make_probe, store, monkeypatch) -> None:
    monkeypatch.setenv("CARBONEST_REGION", "FR")
    r = _run(make_probe, store, region="DE")
    assert r.region.id == "DE" and dict(r.provenance)["region"] == "user"


def test_unknown_region_in_environment_warns_and_uses_world_average(make_probe, store, monkeypatch) -> None:
    monkeypatch.setenv("CARBONEST_REGION", "Atlantis")
    with pytest.warns(RuntimeWarning, match="CARBONEST_REGION"):
        r = _run(make_probe, store)
    assert r.status == "completed" and r.it_energy_kwh > 0
    assert r.region.kind == "world"
    assert any("CARBONEST_REGION" in w and "Atlantis" in w for w in r.warnings)
    assert "region" not in dict(r.provenance)
    assert dict(r.provenance)["intensity_g_per_kwh"].startswith("table:regions")
    assert any("CARBONEST_REGION names an unknown region 'Atlantis'" in n for n in r.notes)
    assert not any(n.startswith("No region given") for n in r.notes)


def test_no_region_warns_and_says_world_average(make_probe, store) -> None:
    with pytest.warns(UserWarning, match="world-average"):
        r = _run(make_probe, store)
    assert r.region.kind == "world"
    assert any("world average" in n for n in r.notes)
    assert dict(r.provenance)["intensity_g_per_kwh"].startswith("table:regions")


def test_config_file_region_pue_wue_and_intervals(make_probe, store, home: Path) -> None:
    (home / "config.toml").write_text(
        'region = "FR"\npue = 1.3\nwue_l_per_kwh = 0.5\ninterval_s = 0.02\nflush_interval_s = 0.5\n'
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with track(probes=[make_probe()], store=store) as run:
            time.sleep(0.05)
    r = run.record
    prov = dict(r.provenance)
    assert r.region.id == "FR" and prov["region"] == f"config:{home / 'config.toml'}"
    assert r.pue == 1.3 and prov["pue"].startswith("config:")
    assert r.wue_l_per_kwh == 0.5 and prov["wue_l_per_kwh"] == f"config:{home / 'config.toml'}"
    assert r.interval_s == 0.02
    assert r.water_l == r.it_energy_kwh * 0.5


def test_environment_beats_config_file(make_probe, store, home: Path, monkeypatch) -> None:
    (home / "config.toml").write_text('region = "FR"\npue = 1.3\n')
    monkeypatch.setenv("CARBONEST_REGION", "DE")
    monkeypatch.setenv("CARBONEST_PUE", "1.1")
    r = _run(make_probe, store)
    prov = dict(r.provenance)
    assert (r.region.id, prov["region"]) == ("DE", "env:CARBONEST_REGION")
    assert (r.pue, prov["pue"]) == (1.1, "env:CARBONEST_PUE")
    r = _run(make_probe, store, pue=1.05)
    assert (r.pue, dict(r.provenance)["pue"]) == (1.05, "user")


@pytest.mark.parametrize(("text", "key"), [("colour = 'green'\n", "colour"), ("pue = 0.5\n", "pue")])
def test_bad_config_file_names_the_key(make_probe, store, home: Path, text: str, key: str) -> None:
    (home / "config.toml").write_text(text)
    with pytest.raises(InvalidInputError, match=key):
        with track(region="FR", probes=[make_probe()], store=store, **FAST):
            pass
    assert store.list_runs() == []


def test_config_path_from_carbonest_config(make_probe, store, tmp_path, monkeypatch) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text('region = "DE"\n')
    monkeypatch.setenv("CARBONEST_CONFIG", str(path))
    r = _run(make_probe, store)
    assert r.region.id == "DE" and dict(r.provenance)["region"] == f"config:{path}"


@pytest.mark.parametrize("pue", [0.5, 0.99, float("nan"), "x"])
def test_bad_pue_raises_at_construction(pue) -> None:
    with pytest.raises(InvalidInputError, match="pue"):
        Tracker(pue=pue)


@pytest.mark.parametrize(("key", "value"), [
    ("interval_s", 0.005), ("interval_s", 0), ("interval_s", -1.0), ("interval_s", float("inf")),
    ("flush_interval_s", 0), ("flush_interval_s", -2.0), ("wue_l_per_kwh", -1.0),
])
def test_bad_numbers_raise_at_construction(key, value) -> None:
    with pytest.raises(InvalidInputError, match=key):
        Tracker(**{key: value})


def test_cloud_region_carries_provider_pue(make_probe, store) -> None:
    r = _run(make_probe, store, region="aws:us-east-1")
    assert r.region.id == "aws:us-east-1" and r.region.kind == "cloud"
    prov = dict(r.provenance)
    assert "provider PUE" in prov["pue"]
    from carbonest.catalog import find_region

    assert r.pue == find_region("aws:us-east-1").pue
    assert not any("No PUE given" in n for n in r.notes)


def test_wue_gives_water_from_it_energy(make_probe, store) -> None:
    r = _run(make_probe, store, region="FR", pue=1.5, wue_l_per_kwh=1.8)
    assert r.water_l == r.it_energy_kwh * 1.8 and r.water_l > 0
    assert dict(r.provenance)["wue_l_per_kwh"] == "user"
    r = _run(make_probe, store, region="FR")
    assert r.water_l is None and r.wue_l_per_kwh is None


def test_region_and_intensity_together_is_a_usage_error(make_probe, store) -> None:
    with pytest.raises(InvalidInputError):
        Tracker(region="FR", intensity_g_per_kwh=50.0, probes=[make_probe()], store=store, **FAST).start()


def test_warnings_point_at_the_users_line(make_probe) -> None:
    probe = make_probe()
    with pytest.warns(UserWarning) as caught:
        with track(probes=[probe], store=False, **FAST):
            pass
        Tracker(probes=[probe], store=False, **FAST).start().stop()

        @track(probes=[probe], store=False, **FAST)
        def step() -> None:
            pass

        step()
    region_warnings = [w for w in caught if "no region set" in str(w.message)]
    assert len(region_warnings) == 3
    assert all(w.filename == __file__ for w in region_warnings), [w.filename for w in region_warnings]
