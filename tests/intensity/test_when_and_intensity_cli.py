"""``carbonest.when`` and the ``intensity`` / ``when`` commands against a fake API on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from _fakeapi import Route
from _intensity_shapes import em_forecast, em_point, hour, uk_periods, wt_body

import carbonest
from carbonest.errors import InvalidInputError, ProviderError
from carbonest.intensity.cache import Cache
from carbonest.intensity.electricitymaps import ElectricityMapsProvider
from carbonest.intensity.http import HttpSettings


def _half_hour_now():
    """The start of the half hour in force now: the UK API's period (a fixture at the top of the
    hour would not be in force after :30)."""
    from carbonest.intensity.timefmt import floor_to, now_utc

    return floor_to(now_utc(), 1800)

KEY = "em-secret-key-789"
# Hourly forecast whose best 2-hour window starts at hour +3 (40 then 60), by construction.
VALUES = [300, 300, 120, 40, 60, 300] + [300] * 30


@pytest.fixture
def em_env(fake_api, monkeypatch):
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", KEY)
    monkeypatch.setenv("CARBONEST_ELECTRICITYMAPS_URL", fake_api.url + "/v3")
    monkeypatch.setenv("CARBONEST_UK_URL", fake_api.url)
    return fake_api


def test_when_finds_the_window_known_by_construction(em_env):
    em_env.route("/v3/carbon-intensity/forecast", em_forecast("FR", VALUES))
    r = carbonest.when("FR", 2, within_h=24, provider="electricitymaps", gpu="V100", gpus=4)
    assert r.best_start == hour(3).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert r.best_intensity_g_per_kwh == pytest.approx(50)
    assert r.best_co2e_kg == pytest.approx(r.energy_kwh * 50 / 1000)
    assert r.now_intensity_g_per_kwh > 200 and r.saving_kg == pytest.approx(r.now_co2e_kg - r.best_co2e_kg)
    assert r.basis == "lifecycle" and r.averaging == "average" and r.provider == "electricitymaps"
    est = carbonest.estimate(gpu="V100", gpus=4, hours=2, region="FR")
    assert r.energy_kwh == pytest.approx(est.energy_kwh)  # the calculator's energy, PUE included


def test_when_partial_forecast_is_an_error(em_env):
    em_env.route("/v3/carbon-intensity/forecast", em_forecast("FR", [100]))
    with pytest.raises(ProviderError, match="partial forecast"):
        carbonest.when("FR", 3, provider="electricitymaps", gpu="V100")


def test_when_needs_a_live_provider():
    with pytest.raises(InvalidInputError, match="live provider"):
        carbonest.when("FR", 2, gpu="V100")


def test_when_marginal_stays_marginal(fake_api):
    from carbonest.intensity.timefmt import floor_to, now_utc
    from carbonest.intensity.watttime import WattTimeProvider

    start = floor_to(now_utc(), 300) + timedelta(minutes=5)
    values = [900.0] * 12 + [200.0] * 12 + [900.0] * 300
    fake_api.route("/login", {"token": "t"})
    fake_api.route("/v3/forecast", wt_body(values, start))
    p = WattTimeProvider("u", "p", base_url=fake_api.url, cache=Cache(enabled=False))
    r = carbonest.when("CAISO_NORTH", 1, within_h=12, provider=p, energy_kwh=10)
    assert r.basis == "marginal" and r.averaging == "marginal"
    assert r.best_start == (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert r.best_intensity_g_per_kwh == pytest.approx(200 * 0.45359237)


def test_cli_when_text_and_json(em_env, run_cli):
    em_env.route("/v3/carbon-intensity/forecast", em_forecast("FR", VALUES))
    code, out, err = run_cli("when", "--region", "FR", "--hours", "2", "--provider", "electricitymaps",
                             "--gpu", "V100", "--within", "12h")
    assert code == 0, err
    assert "Best start" in out and "Saving" in out and "lifecycle, average" in out
    code, out, err = run_cli("when", "--region", "FR", "--hours", "2h", "--provider", "electricitymaps",
                             "--gpu", "V100", "--json")
    data = json.loads(out)
    assert code == 0 and data["best_start"] == hour(3).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert KEY not in out + err


def test_cli_when_errors(em_env, run_cli):
    em_env.route("/v3/carbon-intensity/forecast", Route(401, {"error": "Invalid auth-token"}))
    code, out, err = run_cli("when", "--region", "FR", "--hours", "2", "--provider", "electricitymaps",
                             "--gpu", "V100")
    assert code == 1 and err.strip() == "carbonest when: error: electricitymaps: HTTP 401: Invalid auth-token"
    code, _, err = run_cli("when", "--region", "FR", "--hours", "soon", "--gpu", "V100")
    assert code == 2 and "--hours" in err and err.count("\n") == 1
    code, _, err = run_cli("when", "--region", "FR", "--hours", "2", "--provider", "nope")
    assert code == 2 and "--provider" in err


def test_cli_intensity_now_at_forecast(em_env, run_cli):
    em_env.route("/v3/carbon-intensity/latest", em_point("FR", 44, hour()))
    em_env.route("/v3/carbon-intensity/history", {"zone": "FR", "history": [em_point("FR", 55, hour(-2))]})
    em_env.route("/v3/carbon-intensity/forecast", em_forecast("FR", [90, 80]))
    code, out, err = run_cli("intensity", "FR", "--provider", "electricitymaps")
    assert code == 0 and "44 g CO2e/kWh (lifecycle, average)" in out and "api:electricitymaps" in out
    at = (hour(-2) + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%MZ")
    code, out, err = run_cli("intensity", "FR", "--provider", "electricitymaps", "--at", at, "--json")
    assert code == 0 and json.loads(out)["intensity_g_per_kwh"] == 55
    code, out, err = run_cli("intensity", "FR", "--provider", "electricitymaps", "--forecast", "--json")
    assert code == 0 and [f["intensity_g_per_kwh"] for f in json.loads(out)["forecast"]] == [90, 80]
    assert KEY not in out + err


def test_cli_intensity_uk_and_errors(em_env, run_cli):
    em_env.route("/intensity", {"data": uk_periods([143], _half_hour_now())})
    code, out, err = run_cli("intensity", "GB", "--provider", "uk")
    assert code == 0 and "(direct, average)" in out
    em_env.route("/v3/carbon-intensity/latest", Route(404, {"error": "Zone 'XX' does not exist"}))
    code, out, err = run_cli("intensity", "XX", "--provider", "electricitymaps")
    assert code == 1 and err.startswith("carbonest intensity: error: electricitymaps: HTTP 404") and err.count("\n") == 1
    code, out, err = run_cli("intensity", "FR", "--at", "yesterday")
    assert code == 2 and "--at" in err
    code, out, err = run_cli("intensity", "FR", "--at", "2026-01-01T00:00Z", "--forecast")
    assert code == 2
    code, out, err = run_cli("intensity", "FR", "--json")
    assert code == 0 and json.loads(out)["provenance"]["kind"] == "table"
