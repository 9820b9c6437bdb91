"""What the Hugging Face callback adds to the wall time of a training (target: at most 1%).

The training is the one of the tests (tests/integrations/_hf_train.py): a GPT-2 of 2 layers,
hidden 32, trained 30 steps on random tokens on the CPU with ``Trainer`` (batch 4, a log
every 10 steps, an evaluation at each of the 3 epochs' ends). Each repetition trains it twice
in this process, once with ``CarbonestCallback(region="CA-QC", interval_s=1.0)`` (the default
SQLite store, in a temporary CARBONEST_HOME) and once without, in alternating order, after one
warm-up of each. Reported: the median wall time of each, the median of the paired
differences (with - without) and that as a share of the median without, and the same for
CPU time (user + sys of this process, every thread: the sampler's included).

Run:   python benchmarks/integrations_overhead.py [--reps 9] [--threads 1]
Needs the huggingface extra and torch. About 30 s with the defaults on 2 cores. The
figures are wall-clock: on a shared machine the spread is printed with them, and the load
average before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integrations"))


FIXED = ("on_train_begin", "on_train_end")  # the run's start (discovery, store) and stop (final save)
SPENT: dict[str, float] = {}


def _timed(callback: Any) -> Any:
    """Time every event method of ``callback`` (wall seconds, summed per name into SPENT)."""
    for name in [n for n in dir(callback) if n.startswith("on_")]:
        method = getattr(callback, name)

        def timed(*a: Any, _m: Any = method, _n: str = name, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return _m(*a, **k)
            finally:
                SPENT[_n] = SPENT.get(_n, 0.0) + time.perf_counter() - t0

        setattr(callback, name, timed)
    return callback


def one(with_callback: bool, out: str) -> tuple[float, float, float, float]:
    """One training: wall s, CPU s (callback creation included), and the callback's own wall
    time inside the run's start and stop and inside every other event. Units: s."""
    from _hf_train import make_trainer, tiny_model

    model = tiny_model()
    SPENT.clear()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    callbacks: list[Any] = []
    if with_callback:
        from carbonest.integrations.huggingface import CarbonestCallback

        callbacks.append(_timed(CarbonestCallback(region="CA-QC", interval_s=1.0)))
    trainer = make_trainer(out, callbacks, model=model)
    trainer.train()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    fixed = sum(v for k, v in SPENT.items() if k in FIXED)
    return wall, cpu, fixed, sum(SPENT.values()) - fixed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=9, help="paired repetitions (default 9)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="carbonest-bench-")
    os.environ["CARBONEST_HOME"] = home
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    import transformers

    torch.set_num_threads(args.threads)
    transformers.logging.set_verbosity_error()
    print(f"load average before: {os.getloadavg()}")
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, {args.threads} torch thread(s), "
          f"{os.cpu_count()} CPUs")
    out = os.path.join(home, "out")
    one(False, out), one(True, out)  # warm-up: imports, the store's creation, the first discovery
    rows: dict[bool, list[tuple[float, float, float, float]]] = {False: [], True: []}
    for rep in range(args.reps):
        order = (False, True) if rep % 2 == 0 else (True, False)
        for flag in order:
            rows[flag].append(one(flag, out))
    print(f"load average after: {os.getloadavg()}")
    base_wall = [r[0] for r in rows[False]]
    base_cpu = [r[1] for r in rows[False]]
    diffs_wall = [a[0] - b[0] for a, b in zip(rows[True], rows[False])]
    diffs_cpu = [a[1] - b[1] for a, b in zip(rows[True], rows[False])]
    for label, flag in (("without callback", False), ("with callback   ", True)):
        walls = sorted(r[0] for r in rows[flag])
        cpus = sorted(r[1] for r in rows[flag])
        print(f"{label}: wall median {statistics.median(walls):.3f} s (min {walls[0]:.3f}, max {walls[-1]:.3f}); "
              f"CPU median {statistics.median(cpus):.3f} s")
    dw, dc = statistics.median(diffs_wall), statistics.median(diffs_cpu)
    print(f"added wall time: median of {args.reps} paired differences {dw * 1000:+.1f} ms = "
          f"{dw / statistics.median(base_wall) * 100:+.2f}% (target <= 1%)")
    print(f"added CPU time:  median of {args.reps} paired differences {dc * 1000:+.1f} ms = "
          f"{dc / statistics.median(base_cpu) * 100:+.2f}%")
    fixed = statistics.median(r[2] for r in rows[True])
    events = statistics.median(r[3] for r in rows[True])
    train = statistics.median(base_wall)
    print(f"inside the callback: run start + stop median {fixed * 1000:.1f} ms (once per training); "
          f"every other event together {events * 1000:.2f} ms = {events / train * 100:.2f}% of the run")
    print(f"the fixed start + stop is 1% of a training of {fixed / 0.01:.1f} s or more")
    return 0


if __name__ == "__main__":
    sys.exit(main())
