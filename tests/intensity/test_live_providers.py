"""The live providers against a fake API on 127.0.0.1, in each API's documented shapes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _fakeapi import Route
from _intensity_shapes import em_forecast, em_history, em_point, hour, uk_periods, uk_regional, wt_body

from carbonest.errors import InvalidInputError, ProviderError
from carbonest.intensity.cache import Cache
from carbonest.intensity.electricitymaps import ElectricityMapsProvider, zone_params
from carbonest.intensity.http import HttpSettings
from carbonest.intensity.providers import make_provider
from carbonest.intensity.uk import UKProvider, uk_region
from carbonest.intensity.watttime import WattTimeProvider


def _half_hour_now():
    """The start of the half hour in force now: the UK API's period (a fixture at the top of the
    hour would not be in force after :30)."""
    from carbonest.intensity.timefmt import floor_to, now_utc

    return floor_to(now_utc(), 1800)

FAST = HttpSettings(timeout_s=2.0, retries=2, backoff_s=0.01, max_wait_s=2.0)
KEY = "em-secret-key-123"


def em(fake_api, **kw):
    return ElectricityMapsProvider(KEY, base_url=fake_api.url + "/v3", http=FAST, cache=Cache(enabled=False), **kw)


# -- Electricity Maps ------------------------------------------------------------------------


def test_em_latest_sends_key_zone_basis_and_no_ip_fallback(fake_api):
    fake_api.route("/v3/carbon-intensity/latest", em_point("FR", 44, hour()))
    g = em(fake_api).intensity("FR")
    assert g.intensity_g_per_kwh == 44 and g.basis == "lifecycle" and g.period_s == 3600
    assert g.timestamp == hour().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert g.provenance.kind == "api" and "electricitymaps carbon-intensity/latest FR lifecycle" in g.provenance.label
    seen = fake_api.seen[0]
    assert seen.headers["auth-token"] == KEY
    assert seen.query == {"zone": "FR", "emissionFactorType": "lifecycle", "shouldUseFallbackCallerLookup": "false"}


def test_em_direct_basis_and_zone_mapping(fake_api):
    fake_api.route("/v3/carbon-intensity/latest", em_point("US-CAL-CISO", 210, hour(), "direct"))
    g = em(fake_api, basis="direct").intensity("US-CA")
    assert g.basis == "direct" and fake_api.seen[0].query["zone"] == "US-CAL-CISO"
    assert fake_api.seen[0].query["emissionFactorType"] == "direct"
    assert zone_params("quebec") == {"zone": "CA-QC"}
    assert zone_params("DK-DK2") == {"zone": "DK-DK2"}  # the provider's own zone key
    assert zone_params("aws:eu-west-1") == {"dataCenterProvider": "aws", "dataCenterRegion": "eu-west-1"}
    with pytest.raises(InvalidInputError, match="basis"):
        ElectricityMapsProvider(KEY, basis="marginal")


def test_em_answer_for_another_zone_is_refused(fake_api):
    fake_api.route("/v3/carbon-intensity/latest", em_point("DE", 300, hour()))
    with pytest.raises(ProviderError, match="answered for zone 'DE'"):
        em(fake_api).intensity("FR")


def test_em_history_series_skips_null_gaps(fake_api):
    fake_api.route("/v3/carbon-intensity/history", em_history("FR", [40, None, 60, 70]))
    points = em(fake_api).series("FR", hour(-3), hour(1))
    assert [p.intensity_g_per_kwh for p in points] == [40, 60, 70]  # a null is a gap, never a zero
    at = em(fake_api).intensity("FR", at=hour(-1) + timedelta(minutes=10))
    assert at.intensity_g_per_kwh == 60


def test_em_past_range_for_older_spans(fake_api):
    start = hour(-72)
    body = {"zone": "FR", "data": [em_point("FR", 50 + i, start + timedelta(hours=i)) for i in range(3)]}
    fake_api.route("/v3/carbon-intensity/past-range", body)
    points = em(fake_api).series("FR", start, start + timedelta(hours=3))
    assert [p.intensity_g_per_kwh for p in points] == [50, 51, 52]
    assert fake_api.seen[0].query["start"].endswith("Z") and "end" in fake_api.seen[0].query


def test_em_forecast(fake_api):
    fake_api.route("/v3/carbon-intensity/forecast", em_forecast("FR", [90, 80, 70, 60]))
    points = em(fake_api).forecast("FR", 3)
    assert [p.intensity_g_per_kwh for p in points] == [90, 80, 70, 60] and all(p.forecast for p in points)


@pytest.mark.parametrize(("status", "body", "words"), [
    (401, {"error": "Invalid auth-token"}, "HTTP 401: Invalid auth-token"),
    (403, {"error": "Token unauthorized for zoneKey"}, "HTTP 403"),
    (404, {"error": "Zone 'XX' does not exist"}, "HTTP 404"),
    (400, {"error": "No recent data for zone \"US-MIDW-MISO\""}, "HTTP 400: No recent data"),
])
def test_em_errors_are_one_line_provider_errors(fake_api, status, body, words):
    fake_api.route("/v3/carbon-intensity/latest", {"x": 1})
    fake_api.routes["/v3/carbon-intensity/latest"][0].status = status
    fake_api.routes["/v3/carbon-intensity/latest"][0].body = body
    with pytest.raises(ProviderError) as info:
        em(fake_api).intensity("FR")
    assert words in str(info.value) and "\n" not in str(info.value) and KEY not in str(info.value)
    assert info.value.provider == "electricitymaps" and info.value.status == status


def test_em_malformed_and_missing_field(fake_api):
    fake_api.route("/v3/carbon-intensity/latest", Route(raw=b"<html>oops</html>"))
    with pytest.raises(ProviderError, match="malformed answer \\(not JSON\\)"):
        em(fake_api).intensity("FR")
    fake_api.route("/v3/carbon-intensity/latest", {"zone": "FR", "datetime": "2026-11-25T20:00:00.000Z"})
    with pytest.raises(ProviderError, match="no carbonIntensity"):
        em(fake_api).intensity("FR")


def test_em_without_key_fails_before_any_request(fake_api):
    with pytest.raises(ProviderError, match="ELECTRICITYMAPS_API_KEY"):
        ElectricityMapsProvider(None, base_url=fake_api.url).intensity("FR")
    assert fake_api.seen == []


# -- retries, timeouts, cache --------------------------------------------------------------


def test_429_and_5xx_retried_honouring_retry_after(fake_api):
    waits: list[float] = []
    fake_api.route("/v3/carbon-intensity/latest", Route(429, {"error": "slow down"}, {"Retry-After": "1"}),
                   Route(503, {"error": "busy"}), em_point("FR", 44, hour()))
    from carbonest.intensity import http

    body = http.get_json("electricitymaps", fake_api.url + "/v3/carbon-intensity/latest", settings=FAST,
                         wait=waits.append)
    assert body["carbonIntensity"] == 44 and waits == [1.0, 0.02]


def test_retries_exhausted_and_a_long_retry_after_fail(fake_api):
    fake_api.route("/v3/carbon-intensity/latest", Route(500, {"error": "down"}))
    with pytest.raises(ProviderError, match="HTTP 500: down"):
        em(fake_api).intensity("FR")
    assert len(fake_api.seen) == 3
    fake_api.route("/v3/carbon-intensity/latest", Route(429, {}, {"Retry-After": "3600"}))
    with pytest.raises(ProviderError, match="HTTP 429: rate limited"):
        em(fake_api).intensity("FR")


def test_slow_server_times_out(fake_api):
    fake_api.route("/v3/carbon-intensity/latest", Route(body=em_point("FR", 1, hour()), delay_s=1.5))
    provider = ElectricityMapsProvider(KEY, base_url=fake_api.url + "/v3", cache=Cache(enabled=False),
                                       http=HttpSettings(timeout_s=0.3, retries=0))
    with pytest.raises(ProviderError, match="timed out after 0.3 s"):
        provider.intensity("FR")


def test_cache_per_endpoint_ttl_atomic_and_without_the_key(fake_api, tmp_path):
    fake_api.route("/v3/carbon-intensity/latest", em_point("FR", 44, hour()))
    clock = [1000.0]
    cache = Cache(str(tmp_path / "c"), clock=lambda: clock[0])
    p = ElectricityMapsProvider(KEY, base_url=fake_api.url + "/v3", http=FAST, cache=cache)
    p.intensity("FR")
    p.intensity("FR")
    assert len(fake_api.seen) == 1
    clock[0] += 301  # latest lives 5 minutes
    p.intensity("FR")
    assert len(fake_api.seen) == 2
    files = list((tmp_path / "c" / "electricitymaps").iterdir())
    assert len(files) == 1 and KEY not in files[0].read_text() and KEY not in files[0].name
    assert not [f for f in files if f.name.startswith(".tmp-")]


def test_default_cache_lives_under_carbonest_home(fake_api, tmp_path):
    fake_api.route("/v3/carbon-intensity/latest", em_point("FR", 44, hour()))
    ElectricityMapsProvider(KEY, base_url=fake_api.url + "/v3", http=FAST).intensity("FR")
    assert list((tmp_path / "home" / "cache" / "intensity" / "electricitymaps").iterdir())


# -- GB Carbon Intensity -------------------------------------------------------------------


def uk(fake_api):
    return UKProvider(base_url=fake_api.url, http=FAST, cache=Cache(enabled=False))


def test_uk_national_now_prefers_actual_and_is_direct(fake_api):
    fake_api.route("/intensity", {"data": uk_periods([143], _half_hour_now())})
    g = uk(fake_api).intensity("GB")
    assert g.intensity_g_per_kwh == 142 and g.basis == "direct" and g.period_s == 1800 and not g.forecast
    assert "generation-related CO2 only" in g.region.basis
    assert fake_api.seen[0].headers.get("auth-token") is None


def test_uk_regional_now_and_range_object_quirk(fake_api):
    fake_api.route("/regional/regionid/13", uk_regional(13, [150], _half_hour_now()))
    g = uk(fake_api).intensity("GB-London")
    assert g.intensity_g_per_kwh == 150 and g.region.id == "GB-13" and "regional forecast model" in g.provenance.label
    start = hour(-2)
    path = f"/regional/intensity/{start:%Y-%m-%dT%H:%MZ}/{hour():%Y-%m-%dT%H:%MZ}/regionid/13"
    fake_api.route(path, uk_regional(13, [10, 20, 30, 40], start, as_object=True))
    assert [p.intensity_g_per_kwh for p in uk(fake_api).series("GB-13", start, hour())] == [10, 20, 30, 40]


def test_uk_forecast_uses_forecast_values_and_null_actual(fake_api):
    from carbonest.intensity.timefmt import floor_to, now_utc

    start = floor_to(now_utc(), 1800)  # the current half hour
    fake_api.route(f"/intensity/{start:%Y-%m-%dT%H:%MZ}/fw48h", {"data": uk_periods([100, 90, 80], start, actual=False)})
    points = uk(fake_api).forecast("GB", 1.5)
    assert [p.intensity_g_per_kwh for p in points] == [100, 90, 80] and all(p.forecast for p in points)


def test_uk_error_body_and_regions():
    assert uk_region("GB") is None and uk_region("United Kingdom") is None and uk_region("uk:7") == 7
    with pytest.raises(ProviderError, match="not a GB region"):
        uk_region("FR")
    with pytest.raises(InvalidInputError, match="basis"):
        UKProvider(basis="lifecycle")


def test_uk_400_error_object(fake_api):
    fake_api.route("/intensity", Route(400, {"error": {"code": "400 Bad Request", "message": "Please enter a valid date"}}))
    with pytest.raises(ProviderError, match="HTTP 400: Please enter a valid date"):
        uk(fake_api).intensity("GB")


# -- WattTime ------------------------------------------------------------------------------


def wt(fake_api, **kw):
    return WattTimeProvider("ann", "wt-pass-456", base_url=fake_api.url, http=FAST, cache=Cache(enabled=False), **kw)


def test_wt_login_bearer_and_marginal_conversion(fake_api):
    fake_api.route("/login", {"token": "jwt-1"})
    from carbonest.intensity.timefmt import floor_to, now_utc

    # the point in force now (a 5-minute point that began at the top of the hour is not, after :05)
    fake_api.route("/v3/forecast", wt_body([1000.0, 1000.0], floor_to(now_utc(), 300)))
    g = wt(fake_api).intensity("CAISO_NORTH")
    assert g.basis == "marginal" and g.intensity_g_per_kwh == pytest.approx(453.59237)
    assert "lbs_co2_per_mwh x 0.45359237" in g.provenance.label and g.period_s == 300
    assert fake_api.seen[0].headers["authorization"].startswith("Basic ")
    assert fake_api.seen[1].headers["authorization"] == "Bearer jwt-1"
    assert fake_api.seen[1].query == {"region": "CAISO_NORTH", "signal_type": "co2_moer", "horizon_hours": "0"}


def test_wt_stale_token_html_403_logs_in_again(fake_api):
    fake_api.route("/login", {"token": "jwt-1"}, {"token": "jwt-2"})
    from carbonest.intensity.timefmt import floor_to, now_utc

    fake_api.route("/v3/forecast", Route(403, raw=b"<html>403 Forbidden</html>"),
                   wt_body([500.0], floor_to(now_utc(), 300)))
    p = wt(fake_api)
    assert p.forecast("CAISO_NORTH", 1)[0].intensity_g_per_kwh == pytest.approx(500 * 0.45359237)
    assert fake_api.paths() == ["/login", "/v3/forecast", "/login", "/v3/forecast"]
    assert fake_api.seen[-1].headers["authorization"] == "Bearer jwt-2"


def test_wt_percentile_refused_and_bad_login(fake_api):
    fake_api.route("/login", {"token": "jwt-1"})
    fake_api.route("/v3/forecast", wt_body([41.0], hour(), units="percentile"))
    with pytest.raises(ProviderError, match="percentile is no intensity"):
        wt(fake_api).intensity("CAISO_NORTH")
    fake_api.route("/login", Route(403, raw=b"<html>403 Forbidden</html>"))
    with pytest.raises(ProviderError) as info:
        wt(fake_api).intensity("CAISO_NORTH")
    assert "HTTP 403" in str(info.value) and "wt-pass-456" not in str(info.value)


def test_wt_historical_and_aoer(fake_api):
    fake_api.route("/login", {"token": "jwt-1"})
    start = hour(-1)
    fake_api.route("/v3/historical", wt_body([800.0] * 12, start, signal="co2_aoer"))
    points = wt(fake_api, basis="direct").series("CAISO_NORTH", start, hour())
    assert len(points) == 12 and points[0].basis == "direct"
    assert fake_api.seen[-1].query["signal_type"] == "co2_aoer"


# -- the registry --------------------------------------------------------------------------


def test_make_provider_reads_env_names_and_urls(fake_api, monkeypatch):
    fake_api.route("/v3/carbon-intensity/latest", em_point("FR", 44, hour()))
    env = {"ELECTRICITYMAPS_API_KEY": "vendor-name", "CARBONEST_ELECTRICITYMAPS_URL": fake_api.url + "/v3"}
    p = make_provider("electricitymaps", environ=env)
    p.intensity("FR")
    assert fake_api.seen[0].headers["auth-token"] == "vendor-name"
    env["CARBONEST_ELECTRICITYMAPS_TOKEN"] = "own-name"
    make_provider("electricitymaps", environ={**env, "CARBONEST_INTENSITY_CACHE": "off"}).intensity("FR")
    assert fake_api.seen[-1].headers["auth-token"] == "own-name"  # carbonest's own name wins
    assert make_provider("uk", environ={}).basis == "direct"
    assert make_provider("watttime", environ={}).basis == "marginal"
    with pytest.raises(InvalidInputError, match="intensity_provider"):
        make_provider("nope", environ={})


def test_config_file_keys(fake_api, tmp_path, monkeypatch):
    conf = tmp_path / "config.toml"
    conf.write_text(f'intensity_provider = "electricitymaps"\nelectricitymaps_token = "file-key"\n'
                    f'electricitymaps_url = "{fake_api.url}/v3"\n')
    monkeypatch.setenv("CARBONEST_CONFIG", str(conf))
    fake_api.route("/v3/carbon-intensity/latest", em_point("FR", 44, hour()))
    from carbonest.config import load_settings

    assert load_settings().intensity_provider == "electricitymaps"
    make_provider("electricitymaps").intensity("FR")
    assert fake_api.seen[0].headers["auth-token"] == "file-key"
