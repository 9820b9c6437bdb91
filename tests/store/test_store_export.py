"""Export of stored runs: CSV, JSON and a pandas DataFrame."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from _storetest_helpers import make_record

from carbonest.errors import InvalidInputError
from carbonest.store.export import FLAT_COLUMNS, export_runs, runs_dataframe
from carbonest.store.sqlite import SQLiteStore


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    store = SQLiteStore(tmp_path / "runs.sqlite")
    store.save_run(make_record("old", started_at="2024-05-01T00:00:00Z"))
    store.save_run(
        make_record(
            "new",
            started_at="2024-05-02T00:00:00Z",
            ended_at=None,
            energy_kwh=None,
            components=[{"component": "gpu", "energy_kwh": 2.0, "provenance": "user"}],
        )
    )
    return store


def test_csv_has_flat_columns_and_blank_missing_values(store: SQLiteStore) -> None:
    out = io.StringIO()
    assert export_runs(store, "csv", out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == FLAT_COLUMNS
    new, old = rows
    assert new["run_id"] == "new" and new["energy_kwh"] == "" and new["ended_at"] == ""
    assert new["gpu_energy_kwh"] == "2.0" and new["gpu_provenance"] == "user"
    assert new["cpu_energy_kwh"] == ""
    assert old["gpu_energy_kwh"] == "1.2"
    assert old["gpu_provenance"] == "measured:nvml:total_energy"
    assert old["cpu_provenance"] == "modelled:tdp x utilisation"
    assert old["dram_energy_kwh"] == "" and old["dram_provenance"] == ""
    assert float(old["co2e_kg"]) == 0.6


def test_json_carries_full_records_with_limit(store: SQLiteStore) -> None:
    out = io.StringIO()
    assert export_runs(store, "json", out, limit=1) == 1
    [record] = json.loads(out.getvalue())
    assert record == store.get_run("new")


def test_unknown_format_is_refused(store: SQLiteStore) -> None:
    with pytest.raises(InvalidInputError, match="xml"):
        export_runs(store, "xml", io.StringIO())  # type: ignore[arg-type]


def test_dataframe(store: SQLiteStore) -> None:
    import pandas as pd

    frame = runs_dataframe(store)
    assert list(frame.columns) == list(FLAT_COLUMNS)
    assert list(frame["run_id"]) == ["new", "old"]
    assert frame["started_at"].iloc[1] == pd.Timestamp("2024-05-01T00:00:00Z")
    assert pd.isna(frame["energy_kwh"].iloc[0]) and frame["energy_kwh"].iloc[1] == 1.5
    assert frame["gpu_energy_kwh"].sum() == pytest.approx(3.2)
    assert len(runs_dataframe(store, limit=1)) == 1


def test_empty_dataframe_has_the_columns(tmp_path: Path) -> None:
    frame = runs_dataframe(SQLiteStore(tmp_path / "empty.sqlite"))
    assert list(frame.columns) == list(FLAT_COLUMNS) and frame.empty


def test_a_row_says_who_the_run_was_in_its_job() -> None:
    from carbonest.store.export import flat_row

    row = flat_row({"run_id": "r", "job": {"id": "123.0", "host": "gn01", "node_rank": 0, "rank": 4, "local_rank": 0}})
    assert (row["job_id"], row["job_host"], row["node_rank"], row["rank"], row["local_rank"]) == ("123.0", "gn01", 0, 4, 0)
    assert flat_row({"run_id": "old"})["job_id"] is None  # a record from before job sections
