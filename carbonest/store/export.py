"""Export stored runs as CSV, JSON or a pandas DataFrame.

CSV and the DataFrame have one row per run and flat columns
(:data:`FLAT_COLUMNS`): the indexed fields, per-component energy
(``gpu_energy_kwh``, ``cpu_energy_kwh``, ``dram_energy_kwh``, from
``components[<name>]['energy_kwh']``) and the provenance label of each
component's energy (``<name>_provenance``), and who the run was in its job
(:data:`JOB_COLUMNS`: job id, host identity, node rank, rank, local rank). A missing figure is an empty cell
(NaN/None in the DataFrame), never 0. JSON carries the full records.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, TextIO

from carbonest.errors import InvalidInputError
from carbonest.store.base import RunStore

if TYPE_CHECKING:
    import pandas as pd

COMPONENTS: Final = ("gpu", "cpu", "dram")
RUN_COLUMNS: Final = (
    "run_id",
    "name",
    "status",
    "started_at",
    "ended_at",
    "duration_s",
    "host",
    "pid",
    "energy_kwh",
    "co2e_kg",
)
JOB_COLUMNS: Final = ("job_id", "job_host", "node_rank", "rank", "local_rank")
"""From the record's ``job`` section (docs/cluster.md): group the rows of one job by ``job_id``."""
FLAT_COLUMNS: Final = (
    RUN_COLUMNS
    + tuple(f"{c}_energy_kwh" for c in COMPONENTS)
    + tuple(f"{c}_provenance" for c in COMPONENTS)
    + JOB_COLUMNS
)
"""Columns of the CSV export and of :func:`runs_dataframe`, in order."""


def flat_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten one run record into :data:`FLAT_COLUMNS` (missing values are None)."""
    row: dict[str, Any] = {key: record.get(key) for key in RUN_COLUMNS}
    components = _components_by_name(record.get("components"))
    for name in COMPONENTS:
        entry = components.get(name, {})
        row[f"{name}_energy_kwh"] = entry.get("energy_kwh")
        row[f"{name}_provenance"] = _provenance_label(entry.get("provenance"))
    job = record.get("job")
    job = job if isinstance(job, Mapping) else {}
    row.update(job_id=job.get("id"), job_host=job.get("host"), node_rank=job.get("node_rank"),
               rank=job.get("rank"), local_rank=job.get("local_rank"))
    return row


def export_runs(
    store: RunStore,
    format: Literal["csv", "json"],  # noqa: A002 - the public name asked for
    out: TextIO,
    limit: int | None = None,
) -> int:
    """Write stored runs, newest first, to ``out``.

    Args:
        store: The run store to read.
        format: ``"csv"`` (flat columns, header row) or ``"json"`` (a list of full records).
        out: A text stream; for CSV open files with ``newline=""``.
        limit: At most this many runs; all when None.

    Returns:
        The number of runs written.

    Raises:
        InvalidInputError: An unknown format.
        StorageError: The store cannot be read.
    """
    if format not in ("csv", "json"):
        raise InvalidInputError(
            f"export format must be 'csv' or 'json', not {format!r}", field="format"
        )
    runs = store.list_runs(limit)
    if format == "json":
        json.dump(runs, out, indent=2)
        out.write("\n")
        return len(runs)
    writer = csv.DictWriter(out, fieldnames=FLAT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in runs:
        writer.writerow({k: ("" if v is None else v) for k, v in flat_row(record).items()})
    return len(runs)


def runs_dataframe(store: RunStore, limit: int | None = None) -> pd.DataFrame:
    """Return stored runs, newest first, as a DataFrame with :data:`FLAT_COLUMNS`.

    ``started_at`` and ``ended_at`` become timezone-aware UTC datetimes; the
    numeric columns are floats (NaN where missing). pandas is imported here,
    not at module import.

    Args:
        store: The run store to read.
        limit: At most this many runs; all when None.
    """
    import pandas as pd

    rows = [flat_row(record) for record in store.list_runs(limit)]
    frame: pd.DataFrame = pd.DataFrame(rows, columns=list(FLAT_COLUMNS))
    for column in ("started_at", "ended_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    numeric = ["duration_s", "energy_kwh", "co2e_kg"] + [f"{c}_energy_kwh" for c in COMPONENTS]
    for column in numeric:
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    frame["pid"] = frame["pid"].astype("Int64")
    return frame


def _components_by_name(components: object) -> dict[str, Mapping[str, Any]]:
    if isinstance(components, Mapping):
        return {str(k): v for k, v in components.items() if isinstance(v, Mapping)}
    if isinstance(components, list):
        return {
            str(item["component"]): item
            for item in components
            if isinstance(item, Mapping) and "component" in item
        }
    return {}


def _provenance_label(provenance: object) -> str | None:
    if isinstance(provenance, str):
        return provenance
    if isinstance(provenance, Mapping):
        label = provenance.get("label")
        return str(label) if label is not None else None
    return None


__all__ = ["FLAT_COLUMNS", "JOB_COLUMNS", "export_runs", "flat_row", "runs_dataframe"]
