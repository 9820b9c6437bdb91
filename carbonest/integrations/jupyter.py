"""Jupyter and IPython: ``%load_ext carbonest``, then ``%%carbonest`` measures a cell.

::

    %load_ext carbonest

    %%carbonest --region FR
    train()

The cell runs as usual (its output, its value, its traceback if it raises); under it one line
gives what it used: ``carbonest: 0.0012 kWh, 0.45 g CO2e in 41.3 s (FR, 38 g/kWh lifecycle) ...``.
The run is saved in the run store like any other (``carbonest runs``), as failed when the cell
raised and interrupted when it was stopped (Kernel > Interrupt). The record of the last measured
cell is in the variable ``_carbonest`` of the notebook.

Options: ``--region R``, ``--name N`` (default ``cell``), ``--pue X``, ``--interval S`` and
``--log-to SINK`` (as in ``carbonest measure``). A bad option prints one line and does not run
the cell.

IPython is imported only here, when the extension is loaded: ``import carbonest`` does not import
it (``carbonest.load_ipython_extension`` imports this module when IPython calls it).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

MAGIC = "carbonest"


def load_ipython_extension(ipython: Any) -> None:
    """Register the ``%%carbonest`` cell magic in ``ipython`` (called by ``%load_ext carbonest``)."""

    def carbonest_magic(line: str, cell: str) -> None:
        run_cell_measured(ipython, line, cell)

    carbonest_magic.__doc__ = __doc__
    ipython.register_magic_function(carbonest_magic, magic_kind="cell", magic_name=MAGIC)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove the cell magic again (``%unload_ext carbonest``)."""
    ipython.magics_manager.magics["cell"].pop(MAGIC, None)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        raise ValueError(message)


def _parser() -> _Parser:
    p = _Parser(prog="%%carbonest", add_help=False)
    p.add_argument("--region")
    p.add_argument("--name", default="cell")
    p.add_argument("--pue")
    p.add_argument("--interval")
    p.add_argument("--log-to", action="append")
    return p


def _options(line: str) -> dict[str, Any]:
    """The Tracker arguments of a magic line; InvalidInputError (naming the option) or ValueError."""
    from carbonest import inputs

    args = _parser().parse_args(shlex.split(line))
    out: dict[str, Any] = {"region": args.region, "log_to": args.log_to}
    if args.pue is not None:
        out["pue"] = inputs.pue("pue", args.pue)
    if args.interval is not None:
        out["interval_s"] = inputs.positive("interval", args.interval)
    return {"name": args.name, **out}


def run_cell_measured(ipython: Any, line: str, cell: str) -> Any:
    """Measure ``cell`` run in ``ipython``; print the answer line; return the run record (or None)."""
    from carbonest.errors import CarbonestError
    from carbonest.measure.tracker import Tracker

    try:
        options = _options(line)
        tracker = Tracker(options.pop("name"), **options)
        tracker.start()
    except (CarbonestError, ValueError) as exc:  # a user mistake in the magic line: one line, no cell run
        from carbonest.errors import UnknownRegionError

        field = getattr(exc, "field", None) or ("region" if isinstance(exc, UnknownRegionError) else None)
        text, flag = str(exc), "--" + str(field).replace("_", "-")
        if field and text.startswith(field + ":"):
            text = flag + text[len(field):]
        elif field and not text.startswith(flag):
            text = f"{flag}: {text}"
        sys.stderr.write(f"%%carbonest: error: {text}\n")
        return None
    status, reason = "completed", None
    try:
        result = ipython.run_cell(cell)
        error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
        if isinstance(error, KeyboardInterrupt):
            status, reason = "interrupted", "KeyboardInterrupt (kernel interrupt)"
        elif error is not None:
            status, reason = "failed", f"{type(error).__name__}: {error}"
    except BaseException as exc:  # run_cell shows the cell's own errors; this is anything else
        status, reason = ("interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"), repr(exc)
        raise
    finally:
        record = tracker.stop(status, reason)  # type: ignore[arg-type]
        ipython.user_ns["_carbonest"] = record
        sys.stdout.write(answer_line(record) + "\n")
    return record


def answer_line(record: Any) -> str:
    """The one line printed under a measured cell: energy, CO2e, time, where, and how it was measured.

    Uses the record's own ``str()`` where RunRecord defines one; otherwise builds it here from
    the record's fields (energy and CO2e, or "not measured" when there is none; never 0 for that).
    """
    if getattr(type(record), "__str__", None) is not object.__str__:  # a dataclass without its own has object's
        return f"carbonest: {record}  [run {str(getattr(record, 'run_id', ''))[:12]}]"
    fmt = _fmt
    r = record.to_dict() if hasattr(record, "to_dict") else dict(record)
    region = r.get("region") or {}
    basis = str(region.get("basis") or "").replace("(", ",").split(",")[0].strip()
    where = f"{region.get('id')}, {fmt(r.get('intensity_g_per_kwh'))} g/kWh {basis}".strip()
    if r.get("energy_kwh") is None:
        head = "energy not measured (no working probe)"
    else:
        head = f"{fmt(r['energy_kwh'], 3)} kWh, {_mass(r.get('co2e_kg'))} CO2e"
    how = ", ".join(f"{name} {str((c or {}).get('provenance') or '?').split(':')[0]}"
                    for name, c in (r.get("components") or {}).items())
    line = f"carbonest: {head} in {fmt(r.get('duration_s'))} s ({where}; PUE {r.get('pue')})"
    if how:
        line += f"; {how}"
    if r.get("status") != "completed":
        line += f"; run {r.get('status')}"
    return line + f"  [run {str(r.get('run_id'))[:12]}]"


def _mass(kg: float | None) -> str:
    if kg is None:
        return "n/a kg"
    return f"{_fmt(kg * 1000)} g" if abs(kg) < 1 else f"{_fmt(kg)} kg"


def _fmt(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` significant figures; ``n/a`` for None (never 0)."""
    if value is None:
        return "n/a"
    return f"{float(value):.{digits}g}"
