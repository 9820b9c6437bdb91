"""Prometheus metrics of a run and of a node: real HTTP GETs of /metrics on 127.0.0.1, parsed
with prometheus_client's own parser; the exporter command as a real subprocess."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import support
from carbonest.errors import InvalidInputError


@pytest.fixture
def client() -> Any:
    return support.needs("prometheus_client")


def _scrape(url: str) -> dict[str, list[Any]]:
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        text = response.read().decode("utf-8")
    return {f.name: list(f.samples) for f in text_string_to_metric_families(text)}


def _by_device(samples: list[Any], name: str) -> dict[str, float]:
    return {s.labels["device"]: s.value for s in samples if s.name == name}


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that something else listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def test_a_run_serves_metrics_whose_energy_only_increases(
        client: Any, make_probe: Callable[..., Any], loopback_only: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import carbonest

    monkeypatch.setenv("SLURM_JOB_ID", "4242")
    monkeypatch.setenv("RANK", "3")
    probe = make_probe({"gpu:0": 200.0, "gpu:1": 100.0})
    with carbonest.track("served", probes=[probe], region="FR", pue=1.5, interval_s=0.02, store=False,
                         prometheus_port=0) as run:
        url = run.metrics_url
        assert url is not None and url.startswith("http://127.0.0.1:")
        run.wait_ready()
        time.sleep(0.1)
        first = _scrape(url)
        time.sleep(0.15)
        second = _scrape(url)
    e1 = _by_device(first["carbonest_energy_joules"], "carbonest_energy_joules_total")
    e2 = _by_device(second["carbonest_energy_joules"], "carbonest_energy_joules_total")
    assert set(e1) == set(e2) == {"gpu:0", "gpu:1"}
    assert all(e2[d] > e1[d] > 0 for d in e1)  # a counter: only up
    power = _by_device(second["carbonest_power_watts"], "carbonest_power_watts")
    assert power == pytest.approx({"gpu:0": 200.0, "gpu:1": 100.0})
    sample = next(s for s in second["carbonest_energy_joules"] if s.labels["device"] == "gpu:0")
    assert sample.labels["job"] == "4242" and sample.labels["rank"] == "3" and sample.labels["component"] == "gpu"
    assert sample.labels["host"] and sample.labels["provenance"] == "measured:fake:gpu:0"
    intensity = second["carbonest_intensity_grams_per_kwh"][0]
    assert "regions" in intensity.labels["source"] or "table" in intensity.labels["source"]
    co2e = _by_device(second["carbonest_co2e_grams"], "carbonest_co2e_grams_total")
    assert co2e["gpu:0"] == pytest.approx(e2["gpu:0"] / 3.6e6 * 1.5 * intensity.value)
    assert second["carbonest_run_info"][0].labels["run_id"] == run.run_id
    with pytest.raises(OSError):  # stopped with the run: the port is free again
        urllib.request.urlopen(url, timeout=2)


def test_a_port_in_use_is_a_warning_and_the_run_goes_on(client: Any, make_probe: Callable[..., Any],
                                                       busy_port: int) -> None:
    import carbonest

    with pytest.warns(RuntimeWarning, match="already in use"):
        with carbonest.track("x", probes=[make_probe()], region="FR", store=False,
                             prometheus_port=busy_port) as run:
            assert run.metrics_url is None
    assert any("already in use" in w for w in run.record.warnings)
    assert run.record.energy_kwh is not None


def test_bad_ports_are_refused_naming_the_argument(client: Any) -> None:
    import carbonest

    for bad in (70000, -1, "http", True):
        with pytest.raises(InvalidInputError) as info:
            carbonest.track("x", prometheus_port=bad)
        assert info.value.field == "prometheus_port"
    with pytest.raises(InvalidInputError) as info:
        carbonest.track("x", prometheus_port=0, prometheus_bind="no such host.invalid")
    assert info.value.field == "prometheus_bind"


def test_measure_refuses_a_port_in_use_before_running_the_command(
        client: Any, busy_port: int, run_cli: Callable[..., tuple[int, str, str]], tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    code, out, err = run_cli("measure", "--region", "FR", "--prometheus-port", str(busy_port), "--",
                             sys.executable, "-c", f"open({str(marker)!r}, 'w')")
    assert code == 1
    assert err.count("\n") == 1 and f"--prometheus-port {busy_port}" in err and "already in use" in err
    assert not marker.exists()
    code, _, err = run_cli("measure", "--prometheus-port", "99999", "--", "true")
    assert code == 2 and "--prometheus-port" in err


def _start_exporter(args: list[str], home: Path, log: Path) -> tuple[subprocess.Popen[str], str]:
    env = support.loopback_env(log_file=log)
    env["CARBONEST_HOME"] = str(home)
    proc = subprocess.Popen([sys.executable, "-m", "carbonest", "exporter", *args], env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    return proc, line


def test_the_exporter_command_serves_the_node(client: Any, tmp_path: Path, busy_port: int) -> None:
    log = tmp_path / "blocked.log"
    proc, line = _start_exporter(["--port", "0", "--region", "FR", "--interval", "0.05"], tmp_path, log)
    try:
        assert "serving http://127.0.0.1:" in line, line
        url = line.split("serving ", 1)[1].split(" ", 1)[0]
        time.sleep(0.3)
        first = _scrape(url)
        time.sleep(0.3)
        second = _scrape(url)
        e1 = {(s.labels["component"], s.labels["device"]): s.value for s in first["carbonest_energy_joules"]}
        e2 = {(s.labels["component"], s.labels["device"]): s.value for s in second["carbonest_energy_joules"]}
        assert e1 and set(e1) == set(e2)
        assert {c for c, _ in e1} >= {"cpu", "dram"}  # the whole node: modelled CPU and DRAM at least here
        assert all(e2[k] >= e1[k] >= 0 for k in e1)
        assert sum(e2.values()) > sum(e1.values())  # DRAM in use draws power: the node's energy grows
        assert second["carbonest_pue"][0].value >= 1.0
        # a second exporter on the same port: one line, exit 1, nothing started
        port = url.rsplit(":", 1)[1].split("/")[0]
        other, other_line = _start_exporter(["--port", port], tmp_path, log)
        assert other.wait(timeout=60) == 1
        rest = other.stderr.read() if other.stderr else ""
        assert "already in use" in other_line and f"--port {port}" in other_line and rest == ""
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    assert "stopped" in (proc.stderr.read() if proc.stderr else "")
    assert not log.exists() or not log.read_text().strip()


def test_the_exporter_refuses_bad_input_with_exit_2(run_cli: Callable[..., tuple[int, str, str]]) -> None:
    code, _, err = run_cli("exporter", "--port", "abc")
    assert code == 2 and err.startswith("carbonest exporter: error: --port") and err.count("\n") == 1
    code, _, err = run_cli("exporter", "--port", "0", "--pue", "0.5")
    assert code == 2 and "--pue" in err


def test_measure_serves_the_commands_own_metrics_to_it(client: Any, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    out = tmp_path / "scraped.txt"
    scraper = (  # the measured command scrapes the metrics of its own run, over HTTP on 127.0.0.1
        "import time, urllib.request\n"
        "time.sleep(0.5)\n"
        f"body = urllib.request.urlopen('http://127.0.0.1:{port}/metrics', timeout=10).read().decode()\n"
        f"open({str(out)!r}, 'w').write(body)\n"
    )
    env = support.loopback_env(log_file=tmp_path / "blocked.log")
    env["CARBONEST_HOME"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-m", "carbonest", "measure", "--region", "FR", "--interval", "0.05",
                           "--prometheus-port", str(port), "--", sys.executable, "-c", scraper],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"Prometheus metrics at http://127.0.0.1:{port}/metrics" in done.stderr
    from prometheus_client.parser import text_string_to_metric_families

    families = {f.name: f for f in text_string_to_metric_families(out.read_text())}
    assert families["carbonest_energy_joules"].type == "counter"
    assert families["carbonest_power_watts"].type == "gauge"
    assert {s.labels["component"] for s in families["carbonest_energy_joules"].samples} >= {"cpu", "dram"}
