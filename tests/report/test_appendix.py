"""The compute appendix of a stored run and of an estimate, in its three forms.

The run is a real one: the tracker measures eight fake GPUs (scripted power, the probe
contract's fake) and saves into a real SQLite store; its clock runs 3,600 times faster
than the wall clock so that a 0.3 s test run is an 18-minute run with sizeable figures.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from carbonest.catalog import intensity_spread
from carbonest.errors import InvalidInputError
from carbonest.estimate.pipeline import estimate
from carbonest.intensity.resolve import industry_pue_spread
from carbonest.measure.tracker import track
from carbonest.probes.fake import FakeProbe
from carbonest.report.appendix import estimate_appendix, run_appendix
from carbonest.store.sqlite import SQLiteStore

import support
from appendix_checks import cited_keys, has_figure, latex_problems, split_latex

HOSTILE = "Run_#1 & <b>{x}</b> 100% $5 ~^\\"
SPEED = 3600.0


def fast_clock() -> float:
    return time.monotonic() * SPEED


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, Any]]]:
    """A run of 8 fake 'A100' GPUs at 250 W in Germany, stored; (RunRecord, the store's dict). Made once."""
    tmp_path = tmp_path_factory.mktemp("appendix-run")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CARBONEST_HOME", str(tmp_path / "home"))
        for name in ("CARBONEST_REGION", "CARBONEST_PUE", "CARBONEST_CONFIG", "CARBONEST_BASIS"):
            mp.delenv(name, raising=False)
        probe = FakeProbe({f"gpu:{i}": 250.0 for i in range(8)}, clock=fast_clock, model="NVIDIA A100-SXM4-40GB")
        probe.open()
        store = SQLiteStore(tmp_path / "runs.sqlite")
        try:
            with track(HOSTILE, region="DE", probes=[probe], store=store, clock=fast_clock,
                       interval_s=0.02, flush_interval_s=0.1) as run:
                time.sleep(0.3)
            stored_run = store.get_run(run.run_id)
        finally:
            store.close()
            probe.close()
        yield run.record, stored_run


def test_run_appendix_states_the_runs_figures(stored: tuple[Any, dict[str, Any]]) -> None:
    record, stored_dict = stored
    r = stored_dict
    assert r["it_energy_kwh"] > 0.1  # the sped-up clock gave a sizeable run
    text = run_appendix(r, "text")
    assert run_appendix(record, "text") == text  # a RunRecord and the store's dict give one appendix
    for value in (r["duration_s"], r["it_energy_kwh"], r["energy_kwh"], r["co2e_kg"], r["pue"],
                  r["intensity_g_per_kwh"], r["components"]["gpu"]["mean_power_w"]):
        assert has_figure(text, value), value
    # The range, worked out here from the tables the run's provenance names.
    (pue_low, _), (pue_high, _) = industry_pue_spread(r["pue"])
    ci_low, ci_high, _ = intensity_spread("DE", "lifecycle")
    for pue, ci in ((pue_low, min(ci_low, r["intensity_g_per_kwh"])), (pue_high, max(ci_high, r["intensity_g_per_kwh"]))):
        assert has_figure(text, r["it_energy_kwh"] * pue * ci / 1000), (pue, ci)
    for words in ("8 x GPU (NVIDIA A100-SXM4-40GB)", "Germany [DE]", "lifecycle basis", r["run_id"][:12],
                  "measured:fake:gpu:0", r["provenance"]["pue"][:40], "Strubell", "carbonest, version 0.1.0",
                  "Ember (2025)", "Uptime Institute"):
        assert words in re.sub(r"\s+", " ", text), words
    assert "Patterson" not in text  # not used by a measured run in a table region


def test_run_appendix_latex_compiles_and_its_bibtex_parses(stored: tuple[Any, dict[str, Any]]) -> None:
    _, r = stored
    out = run_appendix(r, "latex")
    tex, bib = split_latex(out)
    assert latex_problems(tex) == []
    assert r"Run\_\#1 \& \textless{}b\textgreater{}\textbraceleft{}x\textbraceright{}" in tex
    assert r"100\% \$5 \textasciitilde{}\textasciicircum{}\textbackslash{}" in tex
    for value in (r["it_energy_kwh"], r["energy_kwh"], r["co2e_kg"], r["intensity_g_per_kwh"]):
        assert has_figure(tex, value), value
    pybtex = support.needs("pybtex.database", "parses the BibTeX entries")
    entries = pybtex.parse_string(bib, "bibtex").entries
    assert set(entries) == cited_keys(tex)  # every citation has its entry, every entry is cited
    assert {"strubell2019energy", "carbonest"} <= set(entries)
    assert entries["carbonest"].fields["note"].endswith(r["carbonest_version"])
    assert entries["strubell2019energy"].fields["doi"] == "10.18653/v1/P19-1355"
    ember = [e for e in entries.values() if "Ember" in e.fields.get("note", "")]
    assert ember and all(e.fields["url"].startswith("https://") for e in ember)
    for entry in entries.values():  # each field's braces balanced, specials escaped
        for value in entry.fields.values():
            if not value.startswith("http") and "/" not in value[:12]:
                assert latex_problems(value) == [], value


def test_the_latex_check_catches_what_would_not_compile() -> None:
    assert latex_problems(r"50% of \textbf{x}") and latex_problems(r"a_b") and latex_problems("{open")
    assert latex_problems(r"\begin{itemize}\item x") and latex_problems(r"\foo{}")
    assert latex_problems(r"\begin{itemize}\item 1 \& 2 \%\end{itemize}") == []


def test_markdown_and_text_forms(stored: tuple[Any, dict[str, Any]]) -> None:
    _, r = stored
    md = run_appendix(r, "md")
    assert md.startswith("**Compute and emissions.**")
    assert r"Run\_#1 \& \<b\>\{x\}\</b\>" in md and "<b>" not in md
    bullets = [line for line in md.splitlines() if line.startswith("- **")]
    assert len(bullets) >= 8 and any(line.startswith("- **PUE**") for line in bullets)
    refs = re.findall(r"^(\d+)\. ", md.split("References", 1)[1], flags=re.M)
    cited = {int(n) for group in re.findall(r"\[(\d+(?:, \d+)*)\]", md) for n in group.split(", ")}
    assert cited == set(range(1, len(refs) + 1))  # every reference cited, numbered by first use
    text = run_appendix(r, "text")
    assert all(len(line) <= 78 or "http" in line for line in text.splitlines())
    assert " x " in text and "×" not in text and "\\" not in text.replace(HOSTILE, "")


def test_a_control_character_in_a_run_name_is_escaped(stored: tuple[Any, dict[str, Any]]) -> None:
    _, r = stored
    for fmt in ("md", "latex", "text"):
        out = run_appendix({**r, "name": "evil\x1b[2J\nname"}, fmt)
        assert "\x1b" not in out and "\\x1b" in out.replace("\\textbackslash{}", "\\")


def test_estimate_appendix_states_the_estimates_figures() -> None:
    e = estimate(gpu="V100", gpus=8, hours=24, region="CA-QC", pue=1.1, preset="patterson2021")
    d = e.to_dict()
    out = estimate_appendix(e, "latex")
    assert estimate_appendix(d, "latex") == out
    tex, bib = split_latex(out)
    assert latex_problems(tex) == []
    for value in (d["it_energy_kwh"], d["energy_kwh"], d["co2e_kg"], d["co2e_kg_low"], d["co2e_kg_high"],
                  d["pue"], d["intensity_g_per_kwh"], d["components"]["gpu"]["power_w"]):
        assert has_figure(tex, value), value
    assert "patterson2021carbon" in cited_keys(tex)  # its preset was used
    pybtex = support.needs("pybtex.database", "parses the BibTeX entries")
    assert set(pybtex.parse_string(bib, "bibtex").entries) == cited_keys(tex)


@pytest.mark.parametrize(("job", "cited"), [
    (dict(gpu="H100", gpus=64, params=7e9, tokens=2e12, region="US-CA"), {"kaplan2020scaling"}),  # 6ND, "40 %" MFU
    (dict(queries=1e6, energy_per_query_wh=0.3, region="FR"), {"patterson2021carbon"}),  # serving only
    (dict(gpu="A100", hours=5, intensity_g_per_kwh=100, pue=1.2), set()),  # user figures: no data source
])
def test_estimate_appendix_latex_for_other_kinds_of_work(job: dict[str, Any], cited: set[str]) -> None:
    d = estimate(**job).to_dict()
    tex, bib = split_latex(estimate_appendix(d, "latex"))
    assert latex_problems(tex) == []
    assert has_figure(tex, d["co2e_kg"]) and has_figure(tex, d["energy_kwh"])
    assert cited <= cited_keys(tex)
    pybtex = support.needs("pybtex.database", "parses the BibTeX entries")
    assert set(pybtex.parse_string(bib, "bibtex").entries) == cited_keys(tex)


def test_a_bad_format_names_the_parameter(stored: tuple[Any, dict[str, Any]]) -> None:
    _, r = stored
    with pytest.raises(InvalidInputError, match="fmt: must be one of md, latex, text"):
        run_appendix(r, "pdf")
    with pytest.raises(InvalidInputError, match="record"):
        run_appendix(42, "md")


def test_estimate_appendix_through_the_cli(run_cli: Any) -> None:
    code, out, err = run_cli("estimate", "--gpu", "A100", "--gpus", "4", "--hours", "10", "--region", "FR",
                             "--appendix", "md")
    assert code == 0, err
    d = estimate(gpu="A100", gpus=4, hours=10, region="FR").to_dict()
    assert out.startswith("**Compute and emissions (estimated).**")
    for value in (d["energy_kwh"], d["co2e_kg"], d["intensity_g_per_kwh"]):
        assert has_figure(out, value)
    assert "France [FR]" in out and "Estimated footprint" not in out  # instead of the summary
    code, out, err = run_cli("estimate", "--gpu", "A100", "--hours", "1", "--appendix", "latex", "--json")
    assert code == 2 and out == "" and err.count("\n") == 1 and "--appendix" in err
    code, _, err = run_cli("estimate", "--gpu", "A100", "--hours", "1", "--appendix", "pdf")
    assert code == 2 and "--appendix" in err and "Traceback" not in err


def test_a_run_that_measured_nothing_states_no_emissions(stored: tuple[Any, dict[str, Any]]) -> None:
    _, r = stored
    empty = {**r, "it_energy_kwh": None, "energy_kwh": None, "co2e_kg": None, "components": {},
             "not_measured": ["gpu", "cpu", "dram"]}
    text = re.sub(r"\s+", " ", run_appendix(empty, "text"))
    assert "No energy could be measured" in text and "no emissions are stated" in text
    assert "Not measured, and not included: GPU, CPU, memory (DRAM)" in text
    assert "kg CO2e" not in text and " 0 kWh" not in text  # missing is said, never written as 0


def test_a_live_intensity_is_exact_in_the_range(stored: tuple[Any, dict[str, Any]]) -> None:
    from carbonest.report.ranges import run_range

    _, r = stored
    live = {**r, "intensity_source": {"provider": "uk", "used": "live"}}
    rng = run_range(live)
    assert rng is not None and rng.intensity_g_per_kwh == (r["intensity_g_per_kwh"],) * 2
    assert rng.pue[0] < r["pue"] < rng.pue[1]  # the defaulted industry PUE still spans its spread
    assert "from the live provider uk" in re.sub(r"\s+", " ", run_appendix(live, "text"))
