"""The tests' loopback-only guard blocks what it should, in this process and in a child."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

import support


def test_guard_refuses_outside_loopback_and_records_it() -> None:
    support.reset_blocked()
    support.install_loopback_guard()
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with pytest.raises(ConnectionRefusedError, match="outside loopback"):
            s.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed
        s.close()
        assert support.blocked_connects() == [repr(("192.0.2.1", 80))]
    finally:
        support.remove_loopback_guard()
        support.reset_blocked()


def test_guard_lets_loopback_through() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    support.reset_blocked()
    support.install_loopback_guard()
    try:
        client = socket.create_connection(server.getsockname(), timeout=2)
        client.close()
        assert support.blocked_connects() == []
    finally:
        support.remove_loopback_guard()
        server.close()


def test_child_processes_get_the_guard(tmp_path) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "blocked.log"
    code = ("import socket\ns = socket.socket()\n"
            "try:\n    s.connect(('192.0.2.1', 80))\nexcept ConnectionRefusedError:\n    print('refused')\n")
    out = subprocess.run([sys.executable, "-c", code], env=support.loopback_env(log_file=log),
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "refused", out.stderr
    assert "192.0.2.1" in log.read_text()
