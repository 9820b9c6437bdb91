"""`startup.py`'s figures for two checkouts side by side, alternating, in fresh processes.

For a change meant to make start-up faster, on a machine whose speed moves from day to day:
each round runs every measurement once per checkout (``PYTHONPATH`` set to it), in turns, so
both see the same load; the bare interpreter is measured in the same rounds for reference.

Measured per checkout (milliseconds, median and minimum over the rounds):

* each command of ``startup.py`` as a whole process (``carbonest estimate --json``,
  ``regions``, ``hardware``, ``whatif`` of 134 and of 10,000 rows);
* the first tracker in a fresh process: ``import carbonest`` and ``carbonest.Tracker`` (the
  tracker module's import), then construct + ``start()`` and ``stop()``, a temporary
  ``CARBONEST_HOME`` whose store exists (as after the first run on a machine).

Run: python benchmarks/startup_compare.py CHECKOUT_A CHECKOUT_B [--rounds 11]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from startup import COMMANDS, ESTIMATE  # noqa: E402

TRACKER = (
    "import time; t0 = time.perf_counter(); import carbonest; T = carbonest.Tracker; t1 = time.perf_counter(); "
    "tr = T(name='bench', region='FR'); tr.start(); t2 = time.perf_counter(); tr.stop(); t3 = time.perf_counter(); "
    "print((t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3)"
)
PROCESSES = [("carbonest estimate --json", ESTIMATE)] + [(label.replace(" (process)", ""), argv)
                                                          for label, argv, _ in COMMANDS]
TRACKER_PARTS = ("import carbonest + its tracker module", "1st Tracker construct + start()",
                 "1st Tracker stop()", "1st Tracker start()..stop()")


def _wall_ms(argv: list[str], env: dict[str, str], cwd: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, *argv], check=True, capture_output=True, env=env, cwd=cwd)
    return (time.perf_counter() - t) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("checkouts", nargs=2)
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()
    checkouts = [os.path.abspath(c) for c in args.checkouts]
    results: dict[tuple[str, str], list[float]] = {}
    bare: list[float] = []
    with tempfile.TemporaryDirectory() as home:
        envs = {c: {**os.environ, "PYTHONPATH": c, "CARBONEST_HOME": os.path.join(home, os.path.basename(c))}
                for c in checkouts}
        for c in checkouts:  # warm-up: bytecode where it can be written, the store file made
            for _, argv in PROCESSES:
                _wall_ms(argv, envs[c], c)
            subprocess.run([sys.executable, "-c", TRACKER], check=True, capture_output=True, env=envs[c], cwd=c)
        for _ in range(args.rounds):
            bare.append(_wall_ms(["-c", "pass"], envs[checkouts[0]], checkouts[0]))
            for c in checkouts:
                for label, argv in PROCESSES:
                    results.setdefault((c, label), []).append(_wall_ms(argv, envs[c], c))
                out = subprocess.run([sys.executable, "-c", TRACKER], check=True, capture_output=True, text=True,
                                     env=envs[c], cwd=c).stdout.split()
                imp, start, stop = (float(x) for x in out)
                for label, value in zip(TRACKER_PARTS, (imp, start, stop, start + stop)):
                    results.setdefault((c, label), []).append(value)
    print(f"python {sys.version.split()[0]}, {args.rounds} rounds, load average {os.getloadavg()}")
    print(f"bare interpreter start: median {statistics.median(bare):.1f} ms, min {min(bare):.1f}")
    width = max(len(label) for label, _ in PROCESSES + [(p, None) for p in TRACKER_PARTS])
    names = [os.path.basename(c.rstrip("/")) or c for c in checkouts]
    print(f"{'':<{width}}  " + "  ".join(f"{n[:22]:>22}" for n in names) + "   (median / min, ms)")
    for label in [lbl for lbl, _ in PROCESSES] + list(TRACKER_PARTS):
        cells = [results[(c, label)] for c in checkouts]
        print(f"{label:<{width}}  " + "  ".join(f"{statistics.median(v):10.1f} / {min(v):9.1f}" for v in cells))


if __name__ == "__main__":
    main()
