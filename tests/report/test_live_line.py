"""``carbonest measure``'s live line: shown under a pseudo-terminal without garbling the child's
lines, absent under pipes and with --quiet.

The command runs as a real process on a real pseudo-terminal (the ``pty`` module); what it
writes is played through a terminal emulator (pyte) so the test sees the screen a person
would: the child's lines intact in the scrolling rows, the live line on the bottom row.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

import support

REPO = Path(__file__).resolve().parents[2]
ROWS, COLS = 10, 100
CHILD = ("import sys, time\n"
         "for i in range(int(sys.argv[2])):\n"
         "    print(f'child line {i} ' + 'x' * 60, flush=True)\n"
         "    time.sleep(float(sys.argv[1]))\n")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARBONEST_")}
    env.update(CARBONEST_HOME=str(tmp_path / "home"), TERM="xterm", COLUMNS=str(COLS), LINES=str(ROWS))
    return env


def _measure(*extra: str, pause_s: float = 0.05, lines: int = 3) -> list[str]:
    return [sys.executable, "-m", "carbonest", "measure", "--region", "FR", "--interval", "0.2", *extra,
            "--", sys.executable, "-c", CHILD, str(pause_s), str(lines)]


def _run_on_pty(args: list[str], env: dict[str, str]) -> tuple[int, bytes]:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=REPO, env=env,
                            start_new_session=True)
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=30), bytes(out)


def _screens(data: bytes) -> list[list[str]]:
    """The screen after each write carbonest or the child made (pyte replays the byte stream)."""
    pyte = support.needs("pyte")
    screen = pyte.Screen(COLS, ROWS)
    stream = pyte.ByteStream(screen)
    shots = []
    for part in data.split(b"\0338"):  # a redraw ends with DECRC: a screen after each one
        stream.feed(part + b"\0338" if part is not data.split(b"\0338")[-1] else part)
        shots.append(list(screen.display))
    return shots


def test_live_line_on_a_terminal_keeps_the_childs_lines_intact(tmp_path: Path) -> None:
    # 14 lines on a 10-row terminal over 3 s: the child's output scrolls under the live line.
    code, data = _run_on_pty(_measure(pause_s=0.22, lines=14), _env(tmp_path))
    assert code == 0, data.decode(errors="replace")
    shots = _screens(data)
    live = [s for s in shots if s[-1].startswith("carbonest 0:00:")]
    assert len(live) >= 2, "the live line was not redrawn on the bottom row"
    assert any(" W (IT)" in s[-1] for s in live)  # a power figure once two snapshots were taken
    for word in ("power", "energy", "CO2e"):
        assert word in live[-1][-1]
    # While it shows, the rows above it hold the child's lines whole, as printed, in order.
    expected = [f"child line {i} " + "x" * 60 for i in range(14)]
    for screen in live:
        child_rows = [row.rstrip() for row in screen[:-1] if row.strip()]
        assert child_rows and all(row in expected for row in child_rows), child_rows
        first = expected.index(child_rows[0])
        assert child_rows == expected[first:first + len(child_rows)]
    assert any(s[0].rstrip() != expected[0] for s in live)  # the child's lines scrolled under it
    final = [row.rstrip() for row in shots[-1]]
    assert not any(r.startswith("carbonest 0:00:") for r in final)  # cleared before the summary
    cleared = data.rindex(b"\033[r")  # the full scrolling region given back, then the summary
    assert b"status    completed" in data[cleared:] and b"carbonest 0:00:" not in data[cleared:]


def test_no_live_line_under_pipes(tmp_path: Path) -> None:
    done = subprocess.run(_measure(), capture_output=True, cwd=REPO, env=_env(tmp_path), timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines() == [f"child line {i} " + "x" * 60 for i in range(3)]
    assert b"\033" not in done.stderr and b"carbonest 0:00:" not in done.stderr
    assert b"status    completed" in done.stderr  # the summary still comes, as plain text


def test_quiet_prints_nothing_of_its_own_even_on_a_terminal(tmp_path: Path) -> None:
    code, data = _run_on_pty(_measure("--quiet"), _env(tmp_path))
    assert code == 0, data.decode(errors="replace")
    assert b"\033" not in data  # no status row was set up
    lines = data.decode().replace("\r\n", "\n").splitlines()
    assert lines == [f"child line {i} " + "x" * 60 for i in range(3)]


def test_redraws_at_most_once_a_second_with_the_power_of_the_last_seconds() -> None:
    """The LiveLine itself on an in-process pseudo-terminal, with a clock the test moves."""
    from carbonest.cli.live_line import LiveLine
    from carbonest.probes.fake import ManualClock

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 6, 80, 0, 0))
    clock = ManualClock(0.0)
    record = {"duration_s": 0.0, "it_energy_kwh": None, "energy_kwh": None, "co2e_kg": None}
    line = LiveLine(lambda: dict(record), fd=slave, clock=clock)
    try:
        line.start()
        assert os.read(master, 1000) == b"\r\n\0337\033[1;5r\0338\033[1A"  # rows 1-5 scroll, row 6 is ours
        drawn = []
        for step in range(1, 9):  # 0.5 s steps, 1.2 kJ of IT energy each: 2,400 W
            clock.advance(0.5)
            record.update(duration_s=clock(), it_energy_kwh=step * 1200 / 3.6e6, energy_kwh=step * 1800 / 3.6e6,
                          co2e_kg=step * 0.001)
            line.tick()
            ready, _, _ = select.select([master], [], [], 0.05)
            drawn.append(os.read(master, 1000) if ready else b"")
        assert [bool(d) for d in drawn] == [False, True] * 4  # once a second, not every tick
        assert drawn[1].startswith(b"\0337\033[6;1H\033[2K") and drawn[1].endswith(b"\0338")
        assert b"power n/a" in drawn[1]  # one reading: no power yet
        assert b"power 2,400 W (IT)" in drawn[3] and b"power 2,400 W (IT)" in drawn[7]
        assert b"carbonest 0:00:04" in drawn[7] and b"CO2e 8.00 g" in drawn[7]
        line.stop()
        assert os.read(master, 1000) == b"\0337\033[6;1H\033[2K\033[r\0338"  # cleared, region given back
        line.stop()  # idempotent
        line.tick()
        ready, _, _ = select.select([master], [], [], 0.05)
        assert not ready
    finally:
        os.close(slave)
        os.close(master)
