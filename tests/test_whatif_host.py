"""whatif counts CPU sockets and memory as estimate does; its typed signature; sort= and top=."""

from __future__ import annotations

import inspect
import json

import pytest

import carbonest
from carbonest.errors import InvalidInputError

SCENARIOS = [
    dict(cpu="EPYC 7763", cpus=2, hours=10, region="FR"),
    dict(gpu="V100", cpu="EPYC 7763", dram_gb=64, hours=10, region="FR"),
    dict(gpu="A100", gpus=8, cpu="Xeon Gold 6248", cpu_power_w=120, cpus=2, dram_power_w=30, params=7e9,
         tokens=1e10, region="DE"),
    dict(dram_gb=128, hours=5, region="aws:us-east-1"),
]
FIGURES = ("it_energy_kwh", "energy_kwh", "co2e_kg", "energy_kwh_low", "energy_kwh_high", "co2e_kg_low",
           "co2e_kg_high")


@pytest.mark.parametrize("job", SCENARIOS)
def test_whatif_row_equals_the_estimate_of_the_same_job(job: dict[str, object]) -> None:
    est = carbonest.estimate(**job).to_dict()
    row = carbonest.whatif(**job).iloc[0]
    for figure in FIGURES:
        assert float(row[figure]) == est[figure], figure
    for key, column in (("cpu_power_w", "cpu_power_provenance"), ("dram_power_w", "dram_power_provenance")):
        if key in est["provenance"]:
            assert str(row[column]) == est["provenance"][key]


def test_cpu_axis_sweeps_and_the_cli_takes_the_flags(run_cli) -> None:
    frame = carbonest.whatif(cpu=["EPYC 7763", "Xeon Gold 6248"], cpus=[1, 2], hours=1, region="FR")
    assert len(frame) == 4 and set(frame["cpus"]) == {1, 2}
    code, out, err = run_cli("whatif", "--cpu", "EPYC 7763,Xeon Gold 6248", "--cpus", "1,2", "--dram-gb", "64",
                             "--hours", "1", "--region", "FR", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 4 and {row["cpu"] for row in rows} == {"AMD EPYC 7763", "Intel Xeon Gold 6248"}
    assert all(row["dram_power_w"] == pytest.approx(64 * 0.3725) for row in rows)


@pytest.mark.parametrize("job, field", [
    (dict(cpus=2, gpu="A100", hours=1), "cpus"),
    (dict(cpu="EPYC 7763", cpu_power_w=400, hours=1), "cpu_power_w"),
    (dict(dram_gb=64, dram_power_w=20, hours=1), "dram_power_w"),
    (dict(energy_kwh=10, cpu="EPYC 7763"), "cpu"),
])
def test_host_inputs_are_checked_like_estimate(job: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        carbonest.whatif(**job)
    assert caught.value.field == field
    with pytest.raises(InvalidInputError):
        carbonest.estimate(**job)


def test_whatif_signature_is_typed() -> None:
    sig = inspect.signature(carbonest.whatif)
    assert "Any" not in str(sig)
    for name in ("gpu", "hours", "cpu", "dram_gb", "sort", "top"):
        assert sig.parameters[name].annotation != inspect.Parameter.empty


def test_sort_and_top() -> None:
    job = dict(gpu=["V100", "A100"], hours=[1, 10], region=["FR", "DE"])
    best = carbonest.whatif(**job, top=3)
    assert len(best) == 3 and list(best["co2e_kg"]) == sorted(best["co2e_kg"])
    everything = carbonest.whatif(**job)
    assert list(best["co2e_kg"]) == sorted(everything["co2e_kg"])[:3]
    by_energy = carbonest.whatif(**job, sort="energy")
    assert len(by_energy) == 8 and list(by_energy["energy_kwh"]) == sorted(everything["energy_kwh"])
    assert best.attrs["notes"] == everything.attrs["notes"]
    with pytest.raises(InvalidInputError) as caught:
        carbonest.whatif(**job, sort="water")
    assert caught.value.field == "sort"
    with pytest.raises(InvalidInputError) as caught:
        carbonest.whatif(**job, top=0)
    assert caught.value.field == "top"


SWEEPS = [
    dict(gpu=["A100", "H100"], gpus=8, hours=72, region="cloud"),
    dict(gpu=["V100", "A100"], params=[1e9, 7e9], tokens=2e11, adaptation=["full", "lora", "probe"], tasks=[1, 4],
         region=["FR", "US-CA"], embodied=True, water=True),
    dict(gpu="A100", queries=1e6, tokens_per_query=[100, 500], params=7e9, region="all", baseline_region="DE"),
    dict(cpu=["EPYC 7763"], dram_gb=[64, 512], hours=[1, 10], intensity_g_per_kwh=[50, 400], pue=[1.1, 1.5]),
]


@pytest.mark.parametrize("plain_python", [True, False], ids=["plain-python", "numpy"])
@pytest.mark.parametrize("job", SWEEPS)
def test_the_cli_path_without_pandas_gives_the_dataframes_numbers(job: dict[str, object], plain_python: bool) -> None:
    import math

    from carbonest.whatif import whatif_table

    frame = carbonest.whatif(**job, sort="co2e")
    table = whatif_table(**job, sort="co2e", plain_python=plain_python)
    assert table.columns == [str(c) for c in frame.columns]
    expected = [{k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()}
                for row in frame.astype(object).to_dict(orient="records")]
    assert table.records() == expected  # == on floats: identical numbers, not close ones
    assert table.attrs == frame.attrs
    unsorted = whatif_table(**job, plain_python=plain_python)  # C order, as the DataFrame's
    assert unsorted.records()[:50] == [
        {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in row.items()}
        for row in carbonest.whatif(**job).head(50).astype(object).to_dict(orient="records")]


def test_the_cli_sweep_imports_neither_numpy_nor_pandas() -> None:
    import subprocess
    import sys

    code = ("import sys; from carbonest.cli.main import main; "
            "main(['whatif', '--gpu', 'A100,H100', '--gpus', '8', '--hours', '72', '--region', 'cloud', "
            "'--cpu', 'EPYC 7763', '--top', '10']); "
            "print('LOADED', 'numpy' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "LOADED False False"
