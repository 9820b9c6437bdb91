"""``carbonest exporter --port P``: serve this node's power, energy and CO2e for Prometheus until stopped.

Exit codes: 0 after SIGTERM or SIGINT (Ctrl-C), 2 for a usage mistake (a bad port, address,
region), 1 when the port is in use or the address cannot be listened on (the machine's state,
not the command line).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    """Register ``exporter``."""
    p = sub.add_parser(
        "exporter", help="serve this node's power, energy and CO2e for Prometheus",
        description="Measure the whole node (every GPU, CPU package and DRAM) and serve "
                    "carbonest_power_watts, carbonest_energy_joules_total and carbonest_co2e_grams_total "
                    "on http://BIND:PORT/metrics until SIGTERM or Ctrl-C. Nothing is stored.",
    )
    p.add_argument("--port", metavar="P", required=True, help="TCP port to serve on (0: any free port)")
    p.add_argument("--bind", metavar="ADDR", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this host only; 0.0.0.0: every interface)")
    p.add_argument("--region", metavar="R", help="grid region for CO2e (default: CARBONEST_REGION, config, world)")
    p.add_argument("--basis", metavar="B", help="lifecycle (default) or direct")
    p.add_argument("--pue", metavar="X", help="power usage effectiveness")
    p.add_argument("--interval", metavar="S", help="sampling interval in seconds (default 1, minimum 0.01)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``carbonest exporter`` until a stop signal."""
    import signal
    import threading

    from carbonest import inputs
    from carbonest.errors import CarbonestError
    from carbonest.measure.node_exporter import NodeExporter
    from carbonest.measure.prometheus import PortInUseError

    pue = inputs.pue("pue", args.pue) if args.pue is not None else None
    interval = inputs.positive("interval", args.interval) if args.interval is not None else None
    if interval is not None and interval < 0.01:
        from carbonest.errors import InvalidInputError

        raise InvalidInputError(f"interval: must be at least 0.01 s, got {args.interval!r}", field="interval")
    basis = inputs.choice("basis", args.basis, ("lifecycle", "direct")) if args.basis is not None else None
    exporter = NodeExporter(port=args.port, bind=args.bind, region=args.region, basis=basis, pue=pue,
                            interval_s=interval)
    try:
        exporter.start()
    except PortInUseError as exc:
        raise CarbonestError(f"--port {args.port}: {exc}") from None
    stop = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        sys.stderr.write(f"carbonest exporter: serving {exporter.url} for {', '.join(exporter.devices) or 'no device'}\n")
        for warning in exporter.warnings:
            sys.stderr.write(f"carbonest exporter: note: {warning}\n")
        sys.stderr.flush()
        while not stop.wait(1.0):
            pass
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        exporter.stop()
    sys.stderr.write("carbonest exporter: stopped\n")
    return 0
