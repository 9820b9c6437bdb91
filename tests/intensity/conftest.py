"""A fake web API on 127.0.0.1 for the live intensity providers: no test touches the internet."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from _fakeapi import FakeAPI, Route, Seen

__all__ = ["FakeAPI", "Route", "Seen"]


@pytest.fixture
def fake_api() -> Iterator[FakeAPI]:
    api = FakeAPI()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            parts = urlsplit(self.path)
            api.seen.append(Seen(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()},
                                 {k.lower(): v for k, v in self.headers.items()}))
            route = api.answer(parts.path)
            if route.delay_s:
                time.sleep(route.delay_s)
            data = route.raw if route.raw is not None else json.dumps(route.body).encode()
            try:
                self.send_response(route.status)
                for k, v in route.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _home(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own CARBONEST_HOME (the cache lives there) and no keys from the machine."""
    monkeypatch.setenv("CARBONEST_HOME", str(tmp_path / "home"))
    for name in ("ELECTRICITYMAPS_API_KEY", "CARBONEST_ELECTRICITYMAPS_TOKEN", "WATTTIME_USERNAME",
                 "WATTTIME_PASSWORD", "CARBONEST_WATTTIME_USERNAME", "CARBONEST_WATTTIME_PASSWORD",
                 "CARBONEST_INTENSITY_PROVIDER", "CARBONEST_REGION", "CARBONEST_BASIS", "CARBONEST_CONFIG"):
        monkeypatch.delenv(name, raising=False)
