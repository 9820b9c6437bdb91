"""Start-up cost of carbonest: `import carbonest`, a whole `carbonest estimate --json` process,
and the first tracker's start in a fresh process.

Targets (issue 2): import under 30 ms; a whole estimate process under 200 ms (median).
The first tracker start (construct + ``start()`` of the first ``carbonest.Tracker`` in a fresh
process, every lazy import included; a temporary ``CARBONEST_HOME``) has no target of its own:
it is printed so that a change can be seen not to make it slower. The first tracker's
``start()`` to the end of its ``stop()`` (issue 8: target under 15 ms; ``carbonest.Tracker``
already touched, so the import of the tracker module is not counted) is printed with it.
Issue 9: `carbonest regions` and `hardware` under 80 ms, `carbonest whatif` of up to 10,000
scenarios under 150 ms, each as a whole process (printed beside a bare `python -c pass`).
Run: python benchmarks/startup.py [--runs N]
Prints the median and spread of each, measured in fresh interpreter processes.
"""

from __future__ import annotations

import argparse
import statistics
import os
import subprocess
import sys
import tempfile
import time

ESTIMATE = ["-m", "carbonest", "estimate", "--gpu", "V100", "--hours", "79", "--region", "quebec", "--json"]

_LIST = ",".join(str(i) for i in range(1, 101))
COMMANDS = [  # (label, argv, target ms): the commands people type (issue 9)
    ("carbonest regions (process)", ["-m", "carbonest", "regions"], 80),
    ("carbonest hardware (process)", ["-m", "carbonest", "hardware"], 80),
    ("carbonest whatif, 134 rows (process)",
     ["-m", "carbonest", "whatif", "--gpu", "A100", "--gpus", "8", "--hours", "72", "--region", "cloud", "--top", "10"],
     150),
    ("carbonest whatif, 10,000 rows (process)",
     ["-m", "carbonest", "whatif", "--gpu", "A100", "--hours", _LIST, "--intensity", _LIST], 150),
]


def import_ms(runs: int) -> list[float]:
    """Milliseconds spent importing carbonest, measured inside fresh processes."""
    code = "import time; t=time.perf_counter(); import carbonest; print((time.perf_counter()-t)*1000)"
    return [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(runs)]


def baseline_ms(runs: int) -> list[float]:
    """Wall time of a bare interpreter start, for reference."""
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        out.append((time.perf_counter() - t) * 1000)
    return out


def process_ms(runs: int, argv: list[str] | None = None) -> list[float]:
    """Wall time of whole `python -m carbonest ...` processes (default: estimate ... --json)."""
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, *(argv or ESTIMATE)], check=True, capture_output=True)
        out.append((time.perf_counter() - t) * 1000)
    return out


TRACKER = (
    "import time; t = time.perf_counter(); import carbonest; T = carbonest.Tracker; tt = time.perf_counter(); "
    "tr = T(name='bench', region='FR'); tr.start(); t1 = time.perf_counter(); "
    "tr.stop(); t2 = time.perf_counter(); print((t1 - t) * 1000, (t2 - t1) * 1000, (t2 - tt) * 1000)"
)


def tracker_ms(runs: int) -> tuple[list[float], list[float], list[float]]:
    """Milliseconds from ``import carbonest`` to the first tracker's ``start()`` returning, its stop,
    and construct + ``start()`` + ``stop()`` once the tracker class is imported."""
    starts, stops, spans = [], [], []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "CARBONEST_HOME": home}
        for _ in range(runs):
            out = subprocess.run([sys.executable, "-c", TRACKER], capture_output=True, text=True, check=True,
                                 env=env).stdout.split()
            starts.append(float(out[0]))
            stops.append(float(out[1]))
            spans.append(float(out[2]))
    return starts, stops, spans


def describe(name: str, values: list[float], target: float | None) -> str:
    med = statistics.median(values)
    verdict = "" if target is None else ("  OK" if med < target else "  OVER TARGET")
    tgt = "" if target is None else f"  target < {target:g} ms"
    return f"{name:<40} median {med:7.1f} ms  min {min(values):7.1f}  max {max(values):7.1f}{tgt}{verdict}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    process_ms(2)  # warm the OS file cache and write bytecode where allowed
    print(f"python {sys.version.split()[0]}, {args.runs} runs each")
    print(describe("bare interpreter start (reference)", baseline_ms(args.runs), None))
    print(describe("import carbonest (in-process)", import_ms(args.runs), 30))
    print(describe("carbonest estimate --json (process)", process_ms(args.runs), 200))
    for label, argv, target in COMMANDS:
        process_ms(1, argv)  # its modules' bytecode
        print(describe(label, process_ms(args.runs, argv), target))
    starts, stops, spans = tracker_ms(args.runs)
    print(describe("import + 1st Tracker start (in-process)", starts, None))
    print(describe("1st Tracker stop (in-process)", stops, None))
    print(describe("1st Tracker start()..stop() (in-process)", spans, 15))


if __name__ == "__main__":
    main()
