"""No connection without a provider; a key never reaches an output, the store, a record or the cache."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest
from _fakeapi import Route
from _intensity_shapes import em_forecast, em_history, em_point, hour

import carbonest

KEY = "grep-me-em-key-0042"
WT_PASSWORD = "grep-me-wt-pass-0042"


@pytest.fixture
def no_sockets(monkeypatch):
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("socket guard: no connection allowed in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


def test_no_provider_means_no_connection_attempt(no_sockets, tmp_path, run_cli):
    from carbonest.probes.fake import FakeProbe

    carbonest.estimate(gpu="V100", gpus=8, hours=24, region="FR")
    carbonest.whatif(gpu="V100", hours=[1, 2], region=["FR", "DE"])
    probe = FakeProbe({"gpu:0": 100.0})
    probe.open()
    with carbonest.track("guarded", region="FR", probes=[probe], interval_s=0.01, flush_interval_s=0.05,
                         handle_signals=False):
        time.sleep(0.05)
    code, out, err = run_cli("measure", "--region", "FR", "--interval", "0.05", "--",
                         sys.executable, "-c", "pass")
    assert code == 0, err
    assert no_sockets == []


def _everything_written(home: Path, *texts: str) -> str:
    parts = list(texts)
    for path in home.rglob("*"):
        if path.is_file():
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


@pytest.mark.parametrize("failing", [False, True])
def test_the_key_appears_in_no_output_store_record_or_cache(fake_api, monkeypatch, tmp_path, recwarn,
                                                            failing, run_cli):
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", KEY)
    monkeypatch.setenv("CARBONEST_ELECTRICITYMAPS_URL", fake_api.url + "/v3")
    if failing:  # an error body that echoes the key must not echo it further
        bad = Route(401, {"error": f"Invalid auth-token {KEY}"})
        for path in ("latest", "history", "forecast"):
            fake_api.route(f"/v3/carbon-intensity/{path}", bad)
    else:
        fake_api.route("/v3/carbon-intensity/latest", em_point("FR", 44, hour()))
        fake_api.route("/v3/carbon-intensity/history", em_history("FR", [40, 44]))
        fake_api.route("/v3/carbon-intensity/forecast", em_forecast("FR", [50] * 30))
    record_file = tmp_path / "record.json"
    outputs = []
    for args in (("intensity", "FR", "--provider", "electricitymaps"),
                 ("intensity", "FR", "--provider", "electricitymaps", "--forecast", "--json"),
                 ("when", "--region", "FR", "--hours", "2", "--provider", "electricitymaps", "--gpu", "V100"),
                 ("measure", "--region", "FR", "--intensity-provider", "electricitymaps", "--interval", "0.05",
                  "--json-file", str(record_file), "--", sys.executable, "-c", "import time; time.sleep(0.2)"),
                 ("runs", "--json")):
        code, out, err = run_cli(*args)
        outputs += [out, err]
        assert code in (0, 1), (args, err)
    outputs += [str(w.message) for w in recwarn]
    written = _everything_written(tmp_path, *outputs)
    assert record_file.is_file() and "intensity_source" in record_file.read_text()
    assert KEY not in written
    assert any(s.headers.get("auth-token") == KEY for s in fake_api.seen)  # it was sent, to the provider only


def test_watttime_password_and_token_never_written(fake_api, monkeypatch, tmp_path, run_cli):
    from _intensity_shapes import wt_body

    from carbonest.intensity.timefmt import floor_to, now_utc

    monkeypatch.setenv("WATTTIME_USERNAME", "ann")
    monkeypatch.setenv("WATTTIME_PASSWORD", WT_PASSWORD)
    monkeypatch.setenv("CARBONEST_WATTTIME_URL", fake_api.url)
    fake_api.route("/login", {"token": "jwt-grep-me-0042"})
    fake_api.route("/v3/forecast", wt_body([800.0] * 400, floor_to(now_utc(), 300)))
    code, out, err = run_cli("when", "--region", "CAISO_NORTH", "--hours", "1", "--provider", "watttime",
                         "--energy-kwh", "5", "--json")
    assert code == 0, err
    written = _everything_written(tmp_path, out, err)
    assert WT_PASSWORD not in written and "jwt-grep-me-0042" not in written


def test_the_guard_sees_a_configured_provider(no_sockets, monkeypatch):
    """The guard's control: with a provider, the same guard does see the attempt."""
    from carbonest.errors import ProviderError
    from carbonest.intensity.providers import make_provider

    p = make_provider("uk", environ={"CARBONEST_UK_URL": "http://127.0.0.1:9", "CARBONEST_INTENSITY_CACHE": "off"})
    p.http = p.http._replace(retries=0)
    with pytest.raises(ProviderError, match="cannot connect"):
        p.intensity("GB")
    assert no_sockets
