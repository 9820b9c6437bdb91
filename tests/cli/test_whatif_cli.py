"""``carbonest whatif`` through the real entry point: sorting, JSON, CSV, baseline, one-line errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest


def test_runs_as_a_process(proc) -> None:
    r = proc("whatif", "--gpu", "V100,A100", "--gpus", "1,8", "--hours", "10,100", "--region", "quebec,FR")
    assert r.code == 0, r.err
    assert r.err == ""
    assert "16 scenarios, sorted by CO2e" in r.out
    assert "CA-QC" in r.out and "Where the numbers came from" in r.out


def test_json_rows_are_sorted_and_complete(cli) -> None:
    r = cli("whatif", "--gpu", "V100,A100", "--gpus", "1,8", "--hours", "10,100", "--region", "FR,DE,PL", "--json")
    assert r.code == 0, r.err
    rows = r.json()
    assert len(rows) == 24
    co2 = [row["co2e_kg"] for row in rows]
    assert co2 == sorted(co2)
    first = rows[0]
    for key in ("region", "co2e_kg", "energy_kwh", "it_energy_kwh", "pue", "intensity_g_per_kwh", "gpu_hours",
                "co2e_kg_low", "co2e_kg_high", "pue_provenance", "intensity_provenance", "gpu_power_provenance"):
        assert key in first
    assert first["region"] == "FR" and first["gpus"] == 1 and first["hours"] == 10


def test_sort_by_energy_and_top(cli) -> None:
    r = cli("whatif", "--gpu", "A100", "--hours", "1,2,3", "--region", "FR,PL", "--pue", "1.1,1.5",
            "--sort", "energy", "--top", "3", "--json")
    assert r.code == 0, r.err
    rows = r.json()
    assert len(rows) == 3
    assert [row["energy_kwh"] for row in rows] == sorted(row["energy_kwh"] for row in rows)
    assert rows[0]["pue"] == 1.1 and rows[0]["hours"] == 1


def test_scientific_notation_and_flops(cli) -> None:
    r = cli("whatif", "--gpu", "A100", "--gpus", "1024", "--params", "7e9", "--tokens", "2e12", "--dtype", "bf16",
            "--mfu", "0.4", "--region", "FR", "--json")
    assert r.code == 0, r.err
    row = r.json()[0]
    assert row["flops"] == pytest.approx(8.4e22)
    assert row["gpu_hours"] == pytest.approx(8.4e22 / (312e12 * 0.4 * 3600), rel=1e-6)
    assert row["hours_provenance"] == "derived:6ND / (peak x MFU)"


def test_region_set_with_baseline_saving(cli) -> None:
    r = cli("whatif", "--gpu", "A100", "--gpus", "8", "--hours", "100", "--region", "aws",
            "--baseline-region", "us-east-1", "--top", "5")
    assert r.code == 0, r.err
    assert "saving %" in r.out
    assert r.out.count("aws:") >= 5
    j = cli("whatif", "--gpu", "A100", "--hours", "100", "--region", "aws", "--baseline-region", "us-east-1",
            "--json").json()
    assert all(row["region"].startswith("aws:") for row in j)
    assert [row for row in j if row["region"] == "aws:us-east-1"][0]["saving_pct"] == pytest.approx(0.0)


def test_adaptation_serving_embodied_and_water(cli) -> None:
    r = cli("whatif", "--gpu", "A100", "--gpus", "8", "--params", "7e9", "--tokens", "1e8", "--adaptation",
            "full,lora,probe", "--tasks", "20", "--region", "FR", "--embodied", "--water", "--json")
    assert r.code == 0, r.err
    rows = {row["adaptation"]: row for row in r.json()}
    assert rows["probe"]["co2e_kg"] < rows["lora"]["co2e_kg"] < rows["full"]["co2e_kg"]
    assert rows["full"]["storage_gb"] == pytest.approx(280.0)
    assert rows["full"]["total_co2e_kg"] > rows["full"]["co2e_kg"] and rows["full"]["water_l"] > 0
    s = cli("whatif", "--gpu", "A100", "--gpus", "8", "--hours", "1", "--queries", "1e6",
            "--energy-per-query-wh", "0.3", "--region", "FR", "--wue", "0.5", "--json")
    assert s.code == 0, s.err
    assert s.json()[0]["wue_l_per_kwh"] == 0.5 and s.json()[0]["it_energy_kwh"] == pytest.approx(303.2)


def test_json_rows_turn_non_finite_numbers_into_null() -> None:
    from carbonest.whatif import Table

    table = Table({"region": ["FR", "XX"], "saving_pct": [float("-inf"), float("nan")], "co2e_kg": [1.0, 2.0]}, {})
    assert table.records() == [{"region": "FR", "saving_pct": None, "co2e_kg": 1.0},
                           {"region": "XX", "saving_pct": None, "co2e_kg": 2.0}]


def test_csv_gets_every_row(cli, tmp_path: Path) -> None:
    out = tmp_path / "sweep.csv"
    r = cli("whatif", "--gpu", "A100", "--hours", "1,2,3,4", "--region", "FR,DE", "--top", "2", "--csv", str(out))
    assert r.code == 0, r.err
    assert "Wrote 8 rows" in r.out
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 8
    assert [float(x["co2e_kg"]) for x in rows] == sorted(float(x["co2e_kg"]) for x in rows)


@pytest.mark.parametrize(("args", "flag"), [
    (("--gpu", "A100", "--params", "7e9", "--tokens", "1e9", "--mfu", "1.5"), "--mfu"),
    (("--gpu", "A100", "--params", "7e9", "--tokens", "-5"), "--tokens"),
    (("--gpu", "A100", "--hours", ""), "--hours"),
    (("--gpu", "A100", "--hours", "1,,2"), "--hours"),
    (("--gpu", "A100", "--hours", "1", "--region", "FR", "--intensity", "20"), "--intensity"),
    (("--gpu", "A100", "--hours", "1", "--wue", "-1"), "--wue"),
    (("--gpu", "A100", "--hours", "1", "--top", "0"), "--top"),
    (("--gpu", "A100", "--hours", "1", "--gpu-power-w", "abc"), "--gpu-power-w"),
    (("--gpu", "V1000", "--hours", "1"), "--gpu"),
    (("--gpu", "A100", "--hours", "1", "--region", "Atlantis"), "--region"),
    (("--gpu", "V100", "--params", "1e9", "--tokens", "1e9", "--dtype", "fp8"), "--dtype"),
])
def test_bad_input_is_one_line_naming_the_flag(cli, args: tuple[str, ...], flag: str) -> None:
    r = cli("whatif", *args)
    assert r.code == 2
    assert r.out == ""
    assert r.err.count("\n") == 1 and "Traceback" not in r.err
    assert r.err.startswith(f"carbonest whatif: error: {flag}")


def test_unknown_gpu_suggests(cli) -> None:
    r = cli("whatif", "--gpu", "V1000", "--hours", "1")
    assert "did you mean" in r.err and "V100" in r.err


def test_sweep_over_the_limit_needs_force(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import carbonest.whatif.request as request

    monkeypatch.setattr(request, "MAX_ROWS", 5)
    r = cli("whatif", "--gpu", "A100", "--hours", "1,2,3,4,5,6")
    assert r.code == 2 and r.err.startswith("carbonest whatif: error: --force") and "5" in r.err
    ok = cli("whatif", "--gpu", "A100", "--hours", "1,2,3,4,5,6", "--force")
    assert ok.code == 0 and "6 scenarios" in ok.out


def test_help_lists_the_flags(cli) -> None:
    r = cli("whatif", "--help")
    assert r.code == 0
    for flag in ("--baseline-region", "--adaptation", "--tokens-per-query", "--embodied", "--wue", "--force"):
        assert flag in r.out
