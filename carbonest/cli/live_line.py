"""The live line of ``carbonest measure`` on a terminal: elapsed, power now, energy and CO2e so far.

The command being measured inherits the terminal and writes to it directly: ``measure``
never sees its output, so it cannot wait for the end of one of its lines. Instead the line
lives where the command cannot write. At the start, ``measure`` makes the bottom row of the
terminal a status row by setting the scrolling region (DECSTBM) to every row but the last;
the command's output then scrolls inside the region and never reaches the bottom row. Each
redraw saves the cursor (DECSC), moves to the bottom row, clears and writes it, and restores
the cursor (DECRC), in one ``write()`` to the terminal: the kernel's tty layer writes one
call's bytes without interleaving another process's write, so a redraw never lands inside a
line the command is writing, and the command's cursor position (even mid-line) is kept.

The line is redrawn at most once a second, on stderr, and only when both stdout and stderr
are terminals (``TERM`` not ``dumb``, at least 3 rows); ``--quiet`` turns it off. At the end
the bottom row is cleared and the full scrolling region restored before the summary prints.

Limits, by design of terminals: a full-screen program (an editor, ``top``, ``less``) sets its
own scrolling region and would draw over the status row or be drawn over: use ``--quiet`` for
those. A terminal resized during the run gets its status row re-established at the next redraw.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from carbonest.cli.common import fmt, safe_text
from carbonest.units import J_PER_KWH

MIN_REDRAW_S = 1.0
"""Shortest time between two redraws. Units: s."""
POWER_WINDOW = 5
"""Redraws the power figure spans: the energy counted between the oldest of them and now, over that
time. One redraw interval would alias against the sampling interval (a second with no new reading
shows 0 W, the next one twice the power); five smooth that to within about a fifth."""


def wanted(quiet: bool) -> bool:
    """Whether the live line should show: not quiet, stdout and stderr both terminals, TERM not dumb."""
    if quiet or os.environ.get("TERM", "") in ("", "dumb"):
        return False
    try:
        return sys.stdout.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def _clock_text(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def status_text(record: dict[str, Any], power_w: float | None) -> str:
    """The live line's text from the record so far and the IT power over the last few seconds."""
    energy = record.get("energy_kwh")
    co2 = record.get("co2e_kg")
    energy_text = "n/a" if energy is None else (f"{fmt(energy)} kWh" if energy >= 0.1 else f"{fmt(energy * 1000)} Wh")
    co2_text = "n/a" if co2 is None else (f"{fmt(co2)} kg" if co2 >= 0.1 else f"{fmt(co2 * 1000)} g")
    return (f"carbonest {_clock_text(float(record.get('duration_s') or 0.0))}  "
            f"power {'n/a' if power_w is None else fmt(power_w) + ' W'} (IT)  energy {energy_text}  CO2e {co2_text}")


class LiveLine:
    """The status row at the bottom of the terminal (see the module docstring).

    Args:
        snapshot: Returns the run record so far (its ``to_dict()`` form).
        fd: The terminal's file descriptor (stderr's).
        clock: Monotonic clock. Units: s.
    """

    def __init__(self, snapshot: Callable[[], dict[str, Any]], fd: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._snapshot = snapshot
        self._fd = sys.stderr.fileno() if fd is None else fd
        self._clock = clock
        self._rows = 0
        self._last_draw: float | None = None
        self._energy: deque[tuple[float, float]] = deque(maxlen=POWER_WINDOW)  # (t, IT kWh) of past redraws
        self.active = False

    def _write(self, text: str) -> None:
        sys.stderr.flush()  # carbonest's own buffered text first, in order
        os.write(self._fd, text.encode("utf-8", "replace"))

    def _size(self) -> tuple[int, int]:
        size = os.get_terminal_size(self._fd)
        return size.lines, size.columns

    def _reserve(self, rows: int) -> None:
        # Make room below the cursor, keep the bottom row out of the scrolling region, step back.
        self._write(f"\n\0337\033[1;{rows - 1}r\0338\033[1A")
        self._rows = rows

    def start(self) -> None:
        """Reserve the bottom row; does nothing on a terminal of under 3 rows."""
        try:
            rows, _ = self._size()
            if rows < 3:
                return
            self._reserve(rows)
        except OSError:
            return
        self.active = True
        self._last_draw = self._clock()

    def tick(self) -> None:
        """Redraw if a second has passed since the last redraw."""
        now = self._clock()
        if not self.active or (self._last_draw is not None and now - self._last_draw < MIN_REDRAW_S):
            return
        self._last_draw = now
        try:
            record = self._snapshot()
            rows, cols = self._size()
            if rows != self._rows:  # resized: the region is re-established for the new height
                if rows < 3:
                    return
                self._reserve(rows)
            it = record.get("it_energy_kwh")
            power = None
            if it is not None and self._energy and now > self._energy[0][0]:
                power = (it - self._energy[0][1]) * J_PER_KWH / (now - self._energy[0][0])
            if it is not None:
                self._energy.append((now, it))
            text = safe_text(status_text(record, power))[: max(cols - 1, 0)]
            self._write(f"\0337\033[{rows};1H\033[2K{text}\0338")
        except Exception as exc:  # noqa: BLE001 - a display must not stop the supervision; said once
            self.stop()
            sys.stderr.write(f"carbonest measure: live line stopped: {exc!r}\n")

    def stop(self) -> None:
        """Clear the status row and give the whole terminal back to scrolling. Idempotent."""
        if not self.active:
            return
        self.active = False
        try:
            self._write(f"\0337\033[{self._rows};1H\033[2K\033[r\0338")
        except OSError:
            pass
