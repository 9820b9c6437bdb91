"""A measured run under a live provider: energy x intensity by time, the series in the record, fallbacks."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from _fakeapi import Route
from _intensity_shapes import em_history, em_point, hour

from carbonest.formulas.timeseries import co2e_kg_over_time, mean_intensity
from carbonest.intensity.cache import Cache
from carbonest.intensity.electricitymaps import ElectricityMapsProvider
from carbonest.intensity.http import HttpSettings
from carbonest.measure.tracker import Tracker
from carbonest.probes.fake import FakeProbe

KEY = "em-run-key-5150"
FAST = {"interval_s": 0.01, "flush_interval_s": 0.05}


def provider(fake_api, timeout_s=2.0):
    return ElectricityMapsProvider(KEY, base_url=fake_api.url + "/v3", cache=Cache(enabled=False),
                                   http=HttpSettings(timeout_s=timeout_s, retries=0))


def run(provider_obj, seconds=0.3, **kw):
    probe = FakeProbe({"gpu:0": 300.0})
    probe.open()
    with Tracker("live", region="FR", probes=[probe], store=False, intensity_provider=provider_obj,
                 handle_signals=False, **FAST, **kw) as t:
        time.sleep(seconds)
    return t.record


def test_formula_splits_energy_across_hours():
    steps = [(0.0, 3600.0, 100.0), (3600.0, 7200.0, 300.0)]
    # 1 kWh evenly over 1800..5400 s: half at 100, half at 300 -> 200 g
    kg, share = co2e_kg_over_time([(1800.0, 0.0), (5400.0, 1.0)], steps, 50.0)
    assert kg == pytest.approx(0.2) and share == 1.0
    kg, share = co2e_kg_over_time([(5400.0, 0.0), (9000.0, 1.0)], steps, 50.0)  # half uncovered: fallback
    assert kg == pytest.approx((300 + 50) / 2 / 1000) and share == pytest.approx(0.5)
    assert mean_intensity(steps, 3600.0, 3600.0, None) == (300.0, 1.0)


def test_run_uses_the_live_figure_and_records_the_series(fake_api):
    fake_api.route("/v3/carbon-intensity/history", em_history("FR", [20, 77]))
    record = run(provider(fake_api))
    d = record.to_dict()
    assert d["intensity_source"]["used"] == "live" and d["intensity_source"]["provider"] == "electricitymaps"
    assert record.intensity_g_per_kwh == pytest.approx(77)
    assert record.co2e_kg == pytest.approx(record.energy_kwh * 77 / 1000)
    assert d["provenance"]["intensity_g_per_kwh"].startswith("api:electricitymaps FR lifecycle, energy-weighted")
    assert [s[2] for s in d["intensity_series"]] == [77]  # only the figures in force during the run
    assert d["provenance"]["intensity_provider"] == "user: electricitymaps (lifecycle)"
    assert not [w for w in d["warnings"] if "intensity" in w]
    assert KEY not in json.dumps(d)


def test_history_missing_now_falls_back_to_latest(fake_api):
    fake_api.route("/v3/carbon-intensity/history", {"zone": "FR", "history": [em_point("FR", 20, hour(-3))]})
    fake_api.route("/v3/carbon-intensity/latest", em_point("FR", 61, hour()))
    record = run(provider(fake_api))
    assert record.intensity_g_per_kwh == pytest.approx(61)


@pytest.mark.parametrize(("route", "words"), [
    (Route(401, {"error": "Invalid auth-token"}), "HTTP 401: Invalid auth-token"),
    (Route(404, {"error": "unknown zone"}), "HTTP 404"),
    (Route(429, {"error": "quota"}), "HTTP 429"),
    (Route(502, {}), "HTTP 502"),
    (Route(raw=b"not json"), "malformed answer (not JSON)"),
])
def test_failures_fall_back_to_the_table_and_are_named(fake_api, route, words):
    fake_api.route("/v3/carbon-intensity/history", route)
    fake_api.route("/v3/carbon-intensity/latest", route)
    with pytest.warns(RuntimeWarning, match="intensity provider electricitymaps failed"):
        record = run(provider(fake_api))
    d = record.to_dict()
    from carbonest.catalog import find_region

    table = find_region("FR").figure("lifecycle").intensity_g_per_kwh
    assert record.intensity_g_per_kwh == pytest.approx(table)
    assert d["intensity_source"]["used"] == "table" and words in d["intensity_source"]["failures"][0]
    assert any(words in w for w in d["warnings"])
    assert "fallback from electricitymaps" in d["provenance"]["intensity_g_per_kwh"]
    assert KEY not in json.dumps(d)


def test_slow_provider_never_holds_up_training(fake_api):
    fake_api.route("/v3/carbon-intensity/history", Route(body=em_history("FR", [77]), delay_s=2.0))
    fake_api.route("/v3/carbon-intensity/latest", Route(body=em_point("FR", 77, hour()), delay_s=2.0))
    probe = FakeProbe({"gpu:0": 300.0})
    probe.open()
    with pytest.warns(RuntimeWarning, match="timed out"):
        t0 = time.monotonic()
        tracker = Tracker("slow", region="FR", probes=[probe], store=False, handle_signals=False,
                          intensity_provider=provider(fake_api, timeout_s=0.3), **FAST)
        tracker.start()
        assert time.monotonic() - t0 < 0.5  # start() does no network
        time.sleep(0.8)
        t1 = time.monotonic()
        record = tracker.stop()
        assert time.monotonic() - t1 < 3.5  # stop() waits for the last fetch at most final_wait_s
    assert "timed out after 0.3 s" in record.to_dict()["intensity_source"]["failures"][0]


def test_no_provider_no_live_fields():
    probe = FakeProbe({"gpu:0": 300.0})
    probe.open()
    with Tracker("plain", region="FR", probes=[probe], store=False, handle_signals=False, **FAST) as t:
        time.sleep(0.05)
    assert "intensity_source" not in t.record.to_dict() and t.record.intensity_series == ()


def test_uk_run_is_direct_and_never_mixed_with_the_lifecycle_table(fake_api):
    from _intensity_shapes import uk_periods

    from carbonest.intensity.timefmt import floor_to, now_utc
    from carbonest.intensity.uk import UKProvider

    start = floor_to(now_utc(), 1800)
    fake_api.route("/intensity/*", {"data": uk_periods([150, 140, 130, 120, 110], start - timedelta(hours=1))})
    p = UKProvider(base_url=fake_api.url, cache=Cache(enabled=False))
    probe = FakeProbe({"gpu:0": 300.0})
    probe.open()
    with Tracker("gb", region="GB", probes=[probe], store=False, intensity_provider=p, handle_signals=False,
                 **FAST) as t:
        time.sleep(0.2)
    d = t.record.to_dict()
    assert d["intensity_source"]["basis"] == "direct" and d["intensity_source"]["fallback_basis"] == "lifecycle"
    assert d["intensity_source"]["used"] == "live" and t.record.intensity_g_per_kwh == pytest.approx(129)
    assert d["provenance"]["basis"] == "direct"


def test_uk_failure_puts_the_whole_run_on_the_table(fake_api):
    from carbonest.intensity.uk import UKProvider

    fake_api.route("/intensity/*", Route(500, {"error": {"code": "500 Internal Server Error", "message": "down"}}))
    fake_api.route("/intensity", Route(500, {"error": {"code": "500 Internal Server Error", "message": "down"}}))
    p = UKProvider(base_url=fake_api.url, cache=Cache(enabled=False), http=HttpSettings(timeout_s=1, retries=0))
    probe = FakeProbe({"gpu:0": 300.0})
    probe.open()
    with pytest.warns(RuntimeWarning, match="HTTP 500: down"):
        with Tracker("gb", region="GB", probes=[probe], store=False, intensity_provider=p, handle_signals=False,
                     **FAST) as t:
            time.sleep(0.1)
    from carbonest.catalog import find_region

    assert t.record.intensity_g_per_kwh == pytest.approx(find_region("GB").figure("lifecycle").intensity_g_per_kwh)
    assert t.record.to_dict()["intensity_source"]["used"] == "table"


def test_watttime_run_on_nowcast_and_forecast_when_history_is_not_on_the_plan(fake_api):
    from _intensity_shapes import wt_body

    from carbonest.intensity.timefmt import floor_to, now_utc
    from carbonest.intensity.watttime import WattTimeProvider

    start = floor_to(now_utc(), 300)
    fake_api.route("/login", {"token": "t"})
    fake_api.route("/v3/historical", Route(403, {"error": "Invalid query parameters", "message": "Invalid scope"}))
    fake_api.route("/v3/forecast", wt_body([1000.0] * 24, start))
    p = WattTimeProvider("u", "p", base_url=fake_api.url, cache=Cache(enabled=False),
                         http=HttpSettings(timeout_s=1, retries=0))
    probe = FakeProbe({"gpu:0": 300.0})
    probe.open()
    with Tracker("wt", region="CAISO_NORTH", probes=[probe], store=False, intensity_provider=p,
                 handle_signals=False, **FAST) as t:
        time.sleep(0.2)
    d = t.record.to_dict()
    assert d["intensity_source"]["used"] == "live" and d["intensity_source"]["basis"] == "marginal"
    assert t.record.intensity_g_per_kwh == pytest.approx(453.59237)
    assert any("world average" in n for n in d["notes"])  # the table fallback of a zone it does not know
