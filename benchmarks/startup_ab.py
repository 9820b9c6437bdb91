"""First tracker ``start()`` and ``stop()`` of two checkouts, alternating, in fresh processes.

For a change to the tracker: is its first start or stop slower than before? Each round runs
one fresh interpreter per checkout (``PYTHONPATH`` set to it), construct + ``start()`` then
``stop()`` of the first ``carbonest.Tracker`` (the tracker class already imported), and
prints the medians and minimums. Alternating keeps a shared machine's load the same for both.
Run: python benchmarks/startup_ab.py CHECKOUT_A CHECKOUT_B [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

CODE = ("import time, carbonest; T = carbonest.Tracker; t1 = time.perf_counter(); tr = T(name='b', region='FR'); "
        "tr.start(); t2 = time.perf_counter(); tr.stop(); t3 = time.perf_counter(); print((t2-t1)*1e3, (t3-t2)*1e3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("checkouts", nargs=2)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    times: dict[str, tuple[list[float], list[float]]] = {c: ([], []) for c in args.checkouts}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            for i, checkout in enumerate(args.checkouts):
                env = {**os.environ, "PYTHONPATH": os.path.abspath(checkout),
                       "CARBONEST_HOME": os.path.join(folder, str(i))}
                out = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True,
                                     check=True, cwd=folder).stdout.split()
                times[checkout][0].append(float(out[0]))
                times[checkout][1].append(float(out[1]))
    for checkout, (starts, stops) in times.items():
        print(f"{checkout}: start median {statistics.median(starts):.1f} ms (min {min(starts):.1f}), "
              f"stop median {statistics.median(stops):.1f} ms (min {min(stops):.1f})")


if __name__ == "__main__":
    main()
