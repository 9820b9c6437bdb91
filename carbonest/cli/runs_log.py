"""``carbonest runs log RUN_ID --to mlflow``: send a stored run to MLflow or Weights & Biases.

The run's settings become params (or wandb config), its stored samples become metric steps
(one per 10 s of the run; see :func:`carbonest.integrations.base.stored_steps`), its record the
JSON artifact: what ``log_to`` would have sent had it been set while the run was measured.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

STEP_S = 10.0
"""Seconds of a stored run per metric step (the tracker's default checkpoint interval). Units: s."""


def add_log_action(actions: Any) -> None:
    """Register ``runs log``."""
    p = actions.add_parser("log", help="send a stored run to mlflow or wandb",
                           description="Log a stored run to MLflow (the active tracking store, a new run "
                                       "unless MLFLOW_RUN_ID names one) or to Weights & Biases (a new run; "
                                       "WANDB_MODE=offline works).")
    p.add_argument("run_id", metavar="RUN_ID", help="a run id or a unique prefix of one")
    p.add_argument("--to", metavar="SINK", action="append", required=True,
                   help="mlflow or wandb (repeat or comma-separate for both)")
    p.set_defaults(run=run_log)


def run_log(args: argparse.Namespace) -> int:
    """Run ``carbonest runs log``."""
    from carbonest.cli.common import safe_text
    from carbonest.cli.runs_cmd import _store
    from carbonest.integrations.base import SinkHub, check_log_to, stored_steps
    from carbonest.integrations.sinks import check_installed, create_sinks

    spec = check_log_to(args.to, "to")
    check_installed(spec, "to")
    with _store(args) as store:
        record = store.get_run(args.run_id)
        samples = store.samples(record["run_id"])
    problems: list[str] = []

    def warn(message: str) -> None:
        problems.append(message)
        sys.stderr.write(f"carbonest runs log: error: {safe_text(message)}\n")

    sinks = create_sinks(spec)
    hub = SinkHub(sinks, warn, threaded=False)
    hub.start(record)
    hub.log_steps(stored_steps(record, samples, STEP_S))
    hub.finish(record, final_step=False)
    failed = hub.failures
    for sink in sinks:
        if sink.name not in failed:
            where = getattr(sink, "target", None) or sink.name
            sys.stdout.write(f"logged run {record['run_id']} ({record.get('status')}) to {safe_text(where)}\n")
    return 1 if problems else 0
