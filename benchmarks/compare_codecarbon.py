"""carbonest and CodeCarbon side by side, in one run on one machine.

Measures, for both libraries, in fresh processes of one interpreter:

1. import time: ``import carbonest`` vs ``from codecarbon import OfflineEmissionsTracker``;
2. start latency (construct + ``start()``) of the first tracker in a fresh process, which
   pays every import done lazily at start, and of a second tracker in the same process;
   and the time until measuring has begun: carbonest finishes its set-up (discovery, store,
   first reading) on its sampler thread after ``start()`` returns (``Tracker.wait_ready()``),
   while CodeCarbon's ``start()`` does it all before returning;
3. stop latency, likewise;
4. CPU overhead of a ``--duration`` s run (default 30) sampled every 1 s: CPU time
   (user + sys, children included) of a process that sleeps that long with a tracker
   running, minus the same process sleeping without one; in all, and in the steady state
   (the run less its first 2 s, so set-up on a tracker's own thread is left out);

and, for carbonest alone, the CPU cost of one ``Sampler.sample_once()`` over the
probes :func:`carbonest.probes.discovery.discover_probes` opens on this machine.

Both are configured offline and alike: carbonest ``Tracker(name, region="CA-QC",
interval_s=1.0)`` with its default SQLite store in a temporary CARBONEST_HOME;
CodeCarbon ``OfflineEmissionsTracker(country_iso_code="CAN", measure_power_secs=1,
save_to_file=True, output_dir=<temp>, log_level="error")``. Both therefore write their
run to disk (carbonest a checkpoint once set up, every 10 s and at stop; CodeCarbon its
CSV at stop). HOME, the working directory and CARBONEST_HOME point at a temporary
folder so neither reads a user's config file.

CodeCarbon is not a dependency of carbonest: the script creates (or reuses) its own
venv, ``.venv-compare/`` at the repository root (ignored by git), and installs the
pinned ``codecarbon`` and carbonest from this checkout (editable) into it.

Bytecode: two policies, each applied to both libraries; PYTHONPYCACHEPREFIX points at
folders inside the venv, so stray ``__pycache__`` folders in the checkout change nothing
and none is written there.
``installed``: every module (standard library, both libraries, every dependency) comes
from a .pyc, as after a normal ``pip install``; warm-up runs fill the prefix first. The
ratios of this policy are the fair ones.
``dev``: as on the project's machines, where PYTHONDONTWRITEBYTECODE=1 and carbonest is an
editable checkout without .pyc: carbonest is compiled from source in every process, while
the standard library, CodeCarbon and every dependency still come from .pyc (as pip wrote
them at install). This favours CodeCarbon.
The steady-state rows (second tracker) and the CPU and per-sample rows use ``installed``.

Run:   python benchmarks/compare_codecarbon.py [--duration 30] [--runs 15] [--reps 7]
Takes about 4 minutes with the defaults (plus about a minute for the first install).
Latencies are wall-clock: on a shared or busy machine the medians move; the load
average before and after is printed with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CODECARBON_PIN = "codecarbon==3.3.2"
PACKAGES = ("carbonest", "codecarbon")
MODES = ("dev", "installed")
RESULT = "@@RESULT "
IDLE_SAMPLES = 12
SETTLE_S = 2.0  # left out of the steady-state CPU window at the start of each CPU run

# The code run in each fresh process. Only builtin modules (sys, time) and what the
# interpreter already loaded at start-up (os) are imported before the clock starts.
WORKER = r'''
import os, sys, time
action, pkg = sys.argv[1], sys.argv[2]
out_dir = os.environ["BENCH_OUT"]
res = {}

def load():
    if pkg == "carbonest":
        import carbonest
        return carbonest
    if pkg == "codecarbon":
        from codecarbon import OfflineEmissionsTracker
        return OfflineEmissionsTracker
    return None

def make(mod, i):
    if pkg == "carbonest":
        return mod.Tracker(name=f"bench-{i}", region="CA-QC", interval_s=1.0)
    return mod(project_name=f"bench-{i}", country_iso_code="CAN", measure_power_secs=1,
               save_to_file=True, output_dir=out_dir, log_level="error")

if action == "import":
    t0 = time.perf_counter()
    load()
    res["import_ms"] = (time.perf_counter() - t0) * 1e3
elif action == "startstop":
    hold_s = float(sys.argv[3])
    t0 = time.perf_counter()
    mod = load()
    res["import_ms"] = (time.perf_counter() - t0) * 1e3
    res["start_ms"], res["ready_ms"], res["stop_ms"] = [], [], []
    for i in range(2):
        t0 = time.perf_counter()
        tracker = make(mod, i)
        tracker.start()
        t1 = time.perf_counter()
        # carbonest may finish setting up on its sampler thread after start() returns;
        # CodeCarbon's start() is synchronous, so for it ready == start.
        wait_ready = getattr(tracker, "wait_ready", None) if pkg == "carbonest" else None
        if wait_ready is not None:
            wait_ready(30.0)
        res["ready_ms"].append((time.perf_counter() - t0) * 1e3)
        time.sleep(hold_s)
        t2 = time.perf_counter()
        tracker.stop()
        t3 = time.perf_counter()
        res["start_ms"].append((t1 - t0) * 1e3)
        res["stop_ms"].append((t3 - t2) * 1e3)
elif action == "cpu":
    import resource
    duration_s, settle_s = float(sys.argv[3]), float(sys.argv[4])
    mod = load()
    tracker = make(mod, 0) if mod is not None else None
    if tracker is not None:
        tracker.start()
    time.sleep(settle_s)  # the window leaves out set-up, also set-up done on a tracker's own thread
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    c0 = time.process_time()
    time.sleep(duration_s - settle_s)
    c1 = time.process_time()
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if tracker is not None:
        tracker.stop()
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    res["window_ms"] = ((c1 - c0) + (kids1.ru_utime + kids1.ru_stime - kids0.ru_utime - kids0.ru_stime)) * 1e3
    res["process_ms"] = (me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime) * 1e3
    res["children_ms"] = (kids.ru_utime + kids.ru_stime) * 1e3
elif action == "persample":
    from carbonest.probes.discovery import discover_probes
    from carbonest.measure.sampler import Sampler
    n = int(sys.argv[3])
    probes, statuses = discover_probes()
    sampler = Sampler(probes, interval_s=1.0)
    for _ in range(20):
        sampler.sample_once()
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        sampler.sample_once()
    c1, w1 = time.process_time(), time.perf_counter()
    res["cpu_us"] = (c1 - c0) / n * 1e6
    res["wall_us"] = (w1 - w0) / n * 1e6
    res["idle_cpu_us"] = []
    for _ in range(int(sys.argv[4])):  # as the sampler thread sees it: caches gone cold after 1 s idle
        time.sleep(1.0)
        c0 = time.process_time()
        sampler.sample_once()
        res["idle_cpu_us"].append((time.process_time() - c0) * 1e6)
    res["dropped"] = [f"{name}: {why}" for name, why in sampler.dropped]
    for p in probes:
        p.close()
    res["probes"] = [p.name for p in probes]
    res["absent"] = [f"{s.name}: {s.reason}" for s in statuses if not s.available]
elif action == "versions":
    import importlib.metadata as md, platform
    res = {"python": platform.python_version(), "implementation": platform.python_implementation()}
    for name in ("carbonest", "codecarbon"):
        try:
            res[name] = md.version(name)
        except md.PackageNotFoundError:
            res[name] = None
    import carbonest
    res["carbonest_path"] = os.path.dirname(carbonest.__file__)
import json
print("@@RESULT " + json.dumps(res))
'''


class Bench:
    """The venv, the environment of the worker processes, and the errors met on the way."""

    def __init__(self, venv: Path, work: Path) -> None:
        self.python = venv / "bin" / "python"
        self.work = work
        self.prefix = venv / "pycache-prefix"
        self.dev_prefix = venv / "pycache-prefix-dev"
        self.errors: dict[str, str] = {}
        self.codecarbon_ok = True

    def make_dev_prefix(self) -> None:
        """The dev policy's bytecode: the installed one less the .pyc of carbonest itself."""
        shutil.rmtree(self.dev_prefix, ignore_errors=True)
        shutil.copytree(self.prefix, self.dev_prefix)
        shutil.rmtree(self.dev_prefix / (REPO / "carbonest").relative_to(REPO.anchor), ignore_errors=True)

    def env(self, mode: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CARBONEST_", "CODECARBON_")) and k not in ("PYTHONPATH", "PYTHONHOME")}
        env.update(HOME=str(self.work / "home"), CARBONEST_HOME=str(self.work / "carbonest-home"),
                   BENCH_OUT=str(self.work / "out"))
        if mode == "installed":
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(self.prefix)
        else:  # dev: the same .pyc less carbonest's own, and nothing written
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env["PYTHONPYCACHEPREFIX"] = str(self.dev_prefix)
        return env

    def worker(self, mode: str, action: str, pkg: str, *args: Any) -> dict[str, Any] | None:
        """One fresh process; its result, or None (the error is kept in self.errors)."""
        proc = subprocess.run([str(self.python), "-c", WORKER, action, pkg, *map(str, args)], check=False,
                              capture_output=True, text=True, env=self.env(mode), cwd=self.work, timeout=600)
        for line in proc.stdout.splitlines():
            if line.startswith(RESULT) and proc.returncode == 0:
                return dict(json.loads(line[len(RESULT):]))
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-6:]
        self.errors.setdefault(f"{pkg} {action}", f"exit {proc.returncode}: " + " | ".join(tail))
        return None

    def spawn(self, mode: str, action: str, pkg: str, *args: Any) -> subprocess.Popen[str]:
        return subprocess.Popen([str(self.python), "-c", WORKER, action, pkg, *map(str, args)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.env(mode), cwd=self.work)

    def collect(self, proc: subprocess.Popen[str], pkg: str) -> dict[str, Any] | None:
        out, err = proc.communicate(timeout=900)
        for line in out.splitlines():
            if line.startswith(RESULT) and proc.returncode == 0:
                return dict(json.loads(line[len(RESULT):]))
        self.errors.setdefault(f"{pkg} cpu", f"exit {proc.returncode}: " + " | ".join(err.strip().splitlines()[-6:]))
        return None


def ensure_venv(venv: Path, install: bool) -> tuple[bool, str | None]:
    """Create/refresh the comparison venv; (CodeCarbon installed?, install error)."""
    python = venv / "bin" / "python"
    if not python.exists():
        if not install:
            sys.exit(f"{python} does not exist; run without --no-install")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if not install:
        return True, None
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    probe = ("import importlib.metadata as m, carbonest\n"
             "print(m.version('codecarbon'), carbonest.__file__)")
    have = subprocess.run([str(python), "-c", probe], check=False, capture_output=True, text=True)
    want_cc = CODECARBON_PIN.split("==")[1]
    if have.returncode == 0 and have.stdout.split()[0] == want_cc and str(REPO) in have.stdout:
        return True, None
    print(f"installing {CODECARBON_PIN} and carbonest (editable, {REPO}) into {venv} ...", flush=True)
    both = subprocess.run([*pip, CODECARBON_PIN, "-e", str(REPO)], check=False, capture_output=True, text=True)
    if both.returncode == 0:
        return True, None
    error = " | ".join(both.stderr.strip().splitlines()[-4:])
    subprocess.run([*pip, "-e", str(REPO)], check=True)
    return False, error


def codecarbon_importable(venv: Path) -> str | None:
    """None if ``from codecarbon import OfflineEmissionsTracker`` works in the venv, else the error."""
    proc = subprocess.run([str(venv / "bin" / "python"), "-c", "from codecarbon import OfflineEmissionsTracker"],
                          check=False, capture_output=True, text=True)
    return None if proc.returncode == 0 else " | ".join(proc.stderr.strip().splitlines()[-3:])


def stats(values: list[float]) -> tuple[float, float, float] | None:
    return (statistics.median(values), min(values), max(values)) if values else None


def cell(s: tuple[float, float, float] | None, digits: int = 1) -> str:
    if s is None:
        return "n/a"
    return f"{s[0]:.{digits}f} ({s[1]:.{digits}f}-{s[2]:.{digits}f})"


def ratio(cc: tuple[float, float, float] | None, ce: tuple[float, float, float] | None) -> str:
    if cc is None or ce is None or ce[0] <= 0:
        return "n/a"
    return f"{cc[0] / ce[0]:.1f}x"


def verdict(s: tuple[float, float, float] | None, target: float | None, unit: str) -> str:
    if target is None:
        return ""
    if s is None:
        return f"< {target:g} {unit}"
    return f"< {target:g} {unit}: " + ("met" if s[0] < target else f"MISSED by {s[0] - target:.1f} {unit}")


def machine(bench: Bench) -> dict[str, Any]:
    info: dict[str, Any] = {"platform": platform.platform(), "cores": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        info["cpu"] = platform.processor() or "unknown"
    info.update(bench.worker("installed", "versions", "none") or {})
    git = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                         check=False, capture_output=True, text=True)
    info["commit"] = git.stdout.strip() or "unknown"
    return info


def measure(bench: Bench, args: argparse.Namespace) -> dict[Any, Any]:
    pkgs = [p for p in PACKAGES if p == "carbonest" or bench.codecarbon_ok]
    r: dict[Any, Any] = {}
    # Warm-up: fills the bytecode prefix (every module either library imports, at import
    # and at start/stop), creates carbonest's store and warms the OS file cache.
    for pkg in pkgs:
        bench.worker("installed", "startstop", pkg, 0.1)
    bench.worker("installed", "persample", "carbonest", 10, 0)
    bench.make_dev_prefix()
    for pkg in pkgs:
        bench.worker("dev", "startstop", pkg, 0.1)
    for mode in MODES:
        print(f"[{mode}] import x{args.runs}, start/stop x{args.reps} ...", flush=True)
        imports: dict[str, list[float]] = {p: [] for p in pkgs}
        for _ in range(args.runs):  # alternate the two so drift hits both alike
            for pkg in pkgs:
                res = bench.worker(mode, "import", pkg)
                if res:
                    imports[pkg].append(res["import_ms"])
        runs: dict[str, list[dict[str, Any]]] = {p: [] for p in pkgs}
        for _ in range(args.reps):
            for pkg in pkgs:
                res = bench.worker(mode, "startstop", pkg, args.hold)
                if res:
                    runs[pkg].append(res)
        for pkg in pkgs:
            rs = runs[pkg]
            r[(mode, pkg, "import")] = stats(imports[pkg])
            r[(mode, pkg, "start1")] = stats([x["start_ms"][0] for x in rs])
            r[(mode, pkg, "start2")] = stats([x["start_ms"][1] for x in rs])
            r[(mode, pkg, "ready1")] = stats([x["ready_ms"][0] for x in rs])
            r[(mode, pkg, "ready2")] = stats([x["ready_ms"][1] for x in rs])
            r[(mode, pkg, "stop1")] = stats([x["stop_ms"][0] for x in rs])
            r[(mode, pkg, "stop2")] = stats([x["stop_ms"][1] for x in rs])
            r[(mode, pkg, "both1")] = stats([x["start_ms"][0] + x["stop_ms"][0] for x in rs])
            r[(mode, pkg, "both2")] = stats([x["start_ms"][1] + x["stop_ms"][1] for x in rs])
    print(f"[installed] per-sample cost, {args.samples} samples x3, then {IDLE_SAMPLES} after 1 s idle ...", flush=True)
    per = [bench.worker("installed", "persample", "carbonest", args.samples, IDLE_SAMPLES if i == 0 else 0)
           for i in range(3)]
    per_ok = [x for x in per if x]
    r["persample_cpu"] = stats([x["cpu_us"] for x in per_ok])
    r["persample_wall"] = stats([x["wall_us"] for x in per_ok])
    r["persample_idle"] = stats([us for x in per_ok for us in x["idle_cpu_us"]])
    for x in per_ok:
        if x["dropped"]:
            bench.errors.setdefault("carbonest persample", "probes dropped while sampling: " + "; ".join(x["dropped"]))
    r["probes"] = per_ok[0]["probes"] if per_ok else []
    r["absent"] = per_ok[0]["absent"] if per_ok else []
    print(f"[installed] CPU overhead: {args.duration:g} s runs, x{args.cpu_reps}, "
          f"baseline + {' + '.join(pkgs)} concurrently ...", flush=True)
    cpu: dict[str, list[dict[str, Any]]] = {p: [] for p in ("none", *pkgs)}
    for _ in range(args.cpu_reps):
        procs = {p: bench.spawn("installed", "cpu", p, args.duration, SETTLE_S) for p in cpu}
        for p, proc in procs.items():
            res = bench.collect(proc, p)
            if res:
                cpu[p].append(res)
    base_process = statistics.median([x["process_ms"] for x in cpu["none"]]) if cpu["none"] else 0.0
    base_window = statistics.median([x["window_ms"] for x in cpu["none"]]) if cpu["none"] else 0.0
    r["base_process"], r["base_window"] = base_process, base_window
    for pkg in pkgs:
        r[("cpu", pkg, "process")] = stats([x["process_ms"] - base_process for x in cpu[pkg]])
        r[("cpu", pkg, "window")] = stats([x["window_ms"] - base_window for x in cpu[pkg]])
        r[("cpu", pkg, "per_s")] = stats([(x["window_ms"] - base_window) / (args.duration - SETTLE_S)
                                          for x in cpu[pkg]])
        r[("cpu", pkg, "children")] = stats([x["children_ms"] for x in cpu[pkg]])
    return r


def table(r: dict[Any, Any], args: argparse.Namespace) -> list[str]:
    rows: list[tuple[str, Any, Any, str, int]] = []

    def add(label: str, key: tuple[str, str], target: float | None = None, unit: str = "ms", digits: int = 1) -> None:
        a, b = key
        ce, cc = r.get((a, "carbonest", b)), r.get((a, "codecarbon", b))
        rows.append((label, ce, cc, verdict(ce, target, unit), digits))

    for mode in MODES:
        add(f"import, {mode} (ms)", (mode, "import"), 30)
    for mode in MODES:
        add(f"start, 1st tracker in process, {mode} (ms)", (mode, "start1"))
        add(f"start until measuring, 1st tracker, {mode} (ms)", (mode, "ready1"))
        add(f"stop, 1st tracker in process, {mode} (ms)", (mode, "stop1"))
        add(f"start+stop, 1st tracker, {mode} (ms)", (mode, "both1"), 20)
    add("start, 2nd tracker in process (ms)", ("installed", "start2"))
    add("start until measuring, 2nd tracker (ms)", ("installed", "ready2"))
    add("stop, 2nd tracker in process (ms)", ("installed", "stop2"))
    add("start+stop, 2nd tracker (ms)", ("installed", "both2"), 20)
    d = f"{args.duration:g} s"
    add(f"CPU, whole {d} process minus baseline (ms)", ("cpu", "process"), digits=0)
    add(f"CPU during the last {args.duration - SETTLE_S:g} s of the run, minus baseline (ms)", ("cpu", "window"),
        digits=0)
    add("CPU per second tracked at 1 Hz = per sample in a real run (ms)", ("cpu", "per_s"), 0.5, digits=3)
    add("  of which child processes, whole run (ms)", ("cpu", "children"), digits=0)
    out = ["| metric | carbonest | CodeCarbon | ratio (CodeCarbon / carbonest) | target (carbonest) |",
           "|---|---|---|---|---|"]
    for label, ce, cc, tgt, digits in rows:
        out.append(f"| {label} | {cell(ce, digits)} | {cell(cc, digits)} | {ratio(cc, ce)} | {tgt} |")
    ps = r["persample_cpu"]
    out.append(f"| carbonest `sample_once()` CPU, {args.samples} calls (us) | {cell(ps)} | n/a | n/a | "
               f"{verdict(ps, 500, 'us')} |")
    out.append(f"| carbonest `sample_once()` wall (us) | {cell(r['persample_wall'])} | n/a | n/a | |")
    pi = r["persample_idle"]
    out.append(f"| carbonest `sample_once()` CPU after 1 s idle, {IDLE_SAMPLES} calls (us) | {cell(pi)} | n/a | n/a | "
               f"{verdict(pi, 500, 'us')} |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of each CPU-overhead run (30)")
    parser.add_argument("--runs", type=int, default=15, help="import-time processes per library and policy (15)")
    parser.add_argument("--reps", type=int, default=7, help="start/stop processes per library and policy (7)")
    parser.add_argument("--cpu-reps", type=int, default=3, help="rounds of the CPU-overhead runs (3)")
    parser.add_argument("--hold", type=float, default=1.2, help="seconds each tracker runs in the start/stop test")
    parser.add_argument("--samples", type=int, default=2000, help="sample_once() calls per process (2000)")
    parser.add_argument("--venv", type=Path, default=REPO / ".venv-compare")
    parser.add_argument("--no-install", action="store_true", help="use the venv as it is")
    args = parser.parse_args()
    if args.duration < SETTLE_S + 1:
        parser.error(f"--duration must be at least {SETTLE_S + 1:g} s")
    started, load_before = time.monotonic(), os.getloadavg()
    cc_ok, install_error = ensure_venv(args.venv, not args.no_install)
    with tempfile.TemporaryDirectory(prefix="carbonest-compare-") as tmp:
        work = Path(tmp)
        for sub in ("home", "carbonest-home", "out"):
            (work / sub).mkdir()
        bench = Bench(args.venv, work)
        if install_error:
            bench.errors["codecarbon install"] = install_error
        elif (import_error := codecarbon_importable(args.venv)) is not None:
            bench.errors["codecarbon import"] = import_error
        bench.codecarbon_ok = cc_ok and "codecarbon import" not in bench.errors
        for prefix in (bench.prefix, bench.dev_prefix):  # fresh prefixes: no stale bytecode
            shutil.rmtree(prefix, ignore_errors=True)
        info = machine(bench)
        results = measure(bench, args)
        for prefix in (bench.prefix, bench.dev_prefix):
            shutil.rmtree(prefix, ignore_errors=True)
    print()
    print(f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}; carbonest {info.get('carbonest')} (commit {info['commit']}), "
          f"codecarbon {info.get('codecarbon')}; Python {info.get('python')}")
    print(f"machine: {info.get('cpu')}, {info['cores']} cores, {info['platform']}; load average "
          f"{load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after")
    print(f"carbonest probes sampled here: {', '.join(results['probes']) or 'none'}; "
          f"absent: {'; '.join(results['absent']) or 'none'}")
    print(f"baseline process (sleeps {args.duration:g} s, no tracker): {results['base_process']:.0f} ms CPU, "
          f"{results['base_window']:.1f} ms during the sleep")
    print("cells: median (min-max); start = construct + start(); "
          "bytecode policy 'installed' unless the row says 'dev'\n")
    print("\n".join(table(results, args)))
    for what, error in bench.errors.items():
        print(f"\nERROR {what}: {error}")
    print(f"\n(total {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
