"""Output people read (issue 9, part A): estimate's answer first, tables with headers, units, widths.

Every test runs the real entry point and checks the rendered text.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from carbonest.store.sqlite import SQLiteStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))
from _storetest_helpers import make_record  # noqa: E402

QUEBEC = ("estimate", "--gpu", "V100", "--hours", "79", "--region", "quebec")
# Adjacent repeats of one year ("Survey 2024 2024", "2018) 2018"): the garbling the issue names.
REPEATED_YEAR = re.compile(r"\b((?:19|20)\d\d)\)?,? \1\b")


def test_estimate_leads_with_the_answer_then_inputs_then_notes(cli) -> None:
    r = cli(*QUEBEC)
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert re.fullmatch(r"1\.03 kg CO2e \(0\.0787 to 1\.05 kg\), 37\.0 kWh, Québec \[CA-QC\], lifecycle basis",
                        lines[0]), lines[0]
    spans = next(line for line in lines if line.startswith("Range from"))
    assert "GPU power 33.0 to 300 W (idle to TDP)" in spans and "PUE 1.08 to 1.58" in spans
    head = lines.index("Inputs")
    assert lines[head + 1].split() == ["input", "value", "unit", "origin"]
    assert lines.index("Hardware (IT energy, before PUE)") < head < lines.index("Notes")
    hours = next(line for line in lines[head:] if line.strip().startswith("hours"))
    assert hours.split() == ["hours", "79.0", "h", "user"]
    assert r.err == ""  # a region was given: nothing to warn about


def test_estimate_text_fits_100_columns_when_not_a_terminal(cli, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # wider than allowed for a pipe
    for args in (QUEBEC, ("estimate", "--gpu", "A100", "--gpus", "8", "--params", "7e9", "--tokens", "2e12",
                          "--cpu", "EPYC 7763", "--dram-gb", "512", "--region", "aws:us-east-1", "--embodied")):
        r = cli(*args)
        assert r.code == 0, r.err
        assert max(len(line) for line in r.out.splitlines()) <= 100


def test_estimate_text_wraps_to_columns(cli, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "64")
    r = cli(*QUEBEC)
    assert r.code == 0 and max(len(line) for line in r.out.splitlines()) <= 64
    assert "Notes" in r.out.splitlines()


def test_json_keeps_every_figure_and_full_source(cli) -> None:
    d = cli(*QUEBEC, "--json").json()
    assert d["provenance"]["pue"].endswith("2024.GlobalDataCenterSurvey.Report.pdf)")  # the URL, dropped in text
    assert {"co2e_kg_low", "co2e_kg_high", "power_ranges", "notes", "equivalents"} <= set(d)


@pytest.mark.parametrize("args", [
    ("estimate", "--gpu", "V100", "--hours", "79", "--preset", "strubell2019"),
    ("estimate", "--gpu", "V100", "--hours", "79", "--intensity", "100"),
    ("estimate", "--gpu", "V100", "--hours", "79", "--region", "quebec", "--cpu", "Xeon Gold 6248"),
    ("estimate", "--gpu", "V100", "--hours", "79"),
])
def test_no_garbled_strings(cli, args: tuple[str, ...]) -> None:
    r = cli(*args)
    assert r.code == 0, r.err
    assert not REPEATED_YEAR.search(r.out), REPEATED_YEAR.search(r.out)
    assert " ," not in r.out and "basis: n/a" not in r.out and "(n/a)" not in r.out
    assert "Strubell et al. 2019 2018" not in r.out


def test_strubell_preset_names_its_source_once(cli) -> None:
    r = cli("estimate", "--gpu", "V100", "--hours", "79", "--preset", "strubell2019", "--json")
    d = r.json()
    assert d["region"]["source"] == "US EPA (2018), via Strubell et al. 2019"
    text = cli("estimate", "--gpu", "V100", "--hours", "79", "--preset", "strubell2019").out
    answer = " ".join(line.strip() for line in text.splitlines()[:2])  # the answer wraps at 100 columns
    assert "Strubell et al. 2019 [strubell2019-us], as published basis" in answer


def test_regions_count_is_grammatical(cli) -> None:
    one = cli("regions", "quebec")
    assert one.code == 0 and one.out.splitlines()[-1].startswith("1 region (")
    many = cli("regions", "france")
    assert re.match(r"\d+ regions \(", many.out.splitlines()[-1])


def test_imperial_units_are_gallons_miles_and_pounds(cli) -> None:
    r = cli(*QUEBEC, "--units", "imperial")
    assert r.code == 0
    first = r.out.splitlines()[0]
    assert first.startswith("2.28 lbs CO2e (") and "lbs;" in first
    assert "Water 11.3 US gal on site" in r.out and " L on site" not in r.out
    assert "About 2.56 miles driven" in r.out and " km driven" not in r.out


def test_no_region_is_said_on_stderr_and_in_the_answer(cli) -> None:
    r = cli("estimate", "--gpu", "V100", "--hours", "79")
    assert r.code == 0
    assert "world-average carbon intensity is used" in r.err and r.err.count("\n") == 1
    assert "world average [WORLD] (no region given)" in r.out.splitlines()[0]
    quiet = cli("estimate", "--gpu", "V100", "--hours", "79", "--region", "world")
    assert quiet.err == "" and "no region given" not in quiet.out.splitlines()[0]


def test_regions_and_hardware_have_headers(cli) -> None:
    r = cli("regions", "quebec")
    assert r.out.splitlines()[0].split() == ["id", "name", "kind", "g", "CO2e/kWh", "basis", "year", "source"]
    h = cli("hardware", "a100")
    assert h.out.splitlines()[0].split() == ["id", "name", "kind", "TDP", "W", "mem", "GB", "peak", "TFLOP/s",
                                             "dtype", "source"]
    assert max(len(line) for line in r.out.splitlines() + h.out.splitlines()) <= 100


def test_hardware_shows_peak_flops_in_the_default_dtype_or_the_chosen_one(cli) -> None:
    sxm = next(line for line in cli("hardware", "a100").out.splitlines() if line.startswith("a100-sxm4-80gb"))
    assert sxm.split()[-5:-3] == ["312", "bf16"]  # dense bf16: 312 TFLOP/s (the catalog's row)
    fp32 = next(line for line in cli("hardware", "a100", "--dtype", "fp32").out.splitlines()
                if line.startswith("a100-sxm4-80gb"))
    assert fp32.split()[-5:-3] == ["19.5", "fp32"]
    v100 = next(line for line in cli("hardware", "v100", "--dtype", "float16").out.splitlines()
                if line.startswith("v100-sxm2-16gb"))
    assert "fp16" in v100.split()
    bad = cli("hardware", "--dtype", "fp7")
    assert bad.code == 2 and "--dtype" in bad.err and bad.out == ""


def _store(tmp_path: Path, count: int) -> Path:
    db = tmp_path / "runs.sqlite"
    with SQLiteStore(db) as store:
        for i in range(count):
            store.save_run(make_record(f"{i:032x}", name=f"job {i}", energy_kwh=2.84e-14 * (i + 1),
                                       co2e_kg=1e-12, started_at=f"2024-05-01T12:{i:02d}:00+00:00",
                                       duration_s=0.5 + i * 400))
    return db


def test_runs_list_says_how_many_of_how_many_with_units(cli, tmp_path: Path) -> None:
    db = _store(tmp_path, 25)
    r = cli("runs", "--store", str(db))
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[-1] == "20 of 25 runs (--limit N for more)"
    assert lines[0].split() == ["run", "id", "name", "status", "started", "(UTC)", "duration", "energy", "CO2e"]
    table = lines[:-1]
    assert len({len(line) for line in table}) == 1  # right-aligned last column: every line as wide
    assert "0.00000" not in r.out  # the 0.0000000000000284
    assert "2.56e-06 J" in r.out and "1e-09 g" in r.out  # 7.1e-13 kWh and 1e-12 kg, with units
    assert "min" in r.out and " h " in r.out  # durations in the unit their size needs
    every = cli("runs", "--store", str(db), "--limit", "30")
    assert every.out.splitlines()[-1] == "25 runs"


def test_runs_energy_unit_follows_size(cli, tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    with SQLiteStore(db) as store:
        for i, kwh in enumerate((0.0004, 0.25, 31.0)):
            store.save_run(make_record(f"{i:032x}", energy_kwh=kwh, started_at=f"2024-05-0{i + 1}T12:00:00+00:00"))
    out = cli("runs", "--store", str(db)).out
    assert "1,440 J" in out and "250 Wh" in out and "31.0 kWh" in out


def test_measure_summary_says_what_is_whole_host(proc) -> None:
    r = proc("measure", "--region", "FR", "--interval", "0.05", "--", sys.executable, "-c", "pass")
    assert r.code == 0, r.err
    scope = next(line for line in r.err.splitlines() if line.startswith("  scope"))
    assert "whole host: cpu, dram (every process on the host, not only this one)" in scope


def test_run_components_and_phases_carry_units_not_runs_of_zeros() -> None:
    """A short run's component and phase energies read as J/Wh, never 0.000003062 kWh."""
    from carbonest.cli.report import render_run

    record = {"run_id": "ab" * 16, "name": "tiny", "status": "completed", "duration_s": 2.0,
              "energy_kwh": 5e-6, "it_energy_kwh": 3.2e-6, "pue": 1.56, "co2e_kg": 2.2e-7,
              "intensity_g_per_kwh": 44.2, "region": {"id": "FR", "name": "France", "basis": "lifecycle"},
              "components": {"cpu": {"energy_kwh": 3.062e-6, "mean_power_w": 5.72, "peak_power_w": 6.6,
                                     "count": 1, "provenance": "modelled:test"}},
              "phases": [{"name": "step", "duration_s": 0.5, "energy_kwh": 7.5e-7, "co2e_kg": 3.3e-8}]}
    text = render_run(record)
    assert "cpu   11.0 J, mean 5.72 W" in text
    assert "phase step: 0.500 s, 2.70 J, 3.3e-05 g CO2e" in text
    assert "0.0000" not in text
