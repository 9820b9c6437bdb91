"""The Python face (issue 9, part B): parameter names in API errors, typed signatures, reprs,
booleans, exported errors, get_run's RunRecord, empty tables, the shared region rule and
the value limits; the CLI's side is tests/cli/test_cli_errors.py."""

from __future__ import annotations

import ast
import csv
import inspect
import re
import sys
import warnings
from pathlib import Path

import pytest

import carbonest
from carbonest import inputs
from carbonest.errors import InvalidInputError, UnknownRegionError

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(gpu="V100", hours=1, region="FR", intensity_g_per_kwh=3),
     "intensity_g_per_kwh: give either region or intensity_g_per_kwh, not both"),
    (dict(hours=1), "give gpu or gpu_power_w, cpu or cpu_power_w, dram_gb or dram_power_w"),
    (dict(gpu="V100", hours=1, cpus=2), "cpus: given without cpu or cpu_power_w"),
    (dict(gpu="V100", hours=1, inference_mfu=0.3), "inference_mfu: only applies with queries (serving)"),
])
def test_api_errors_name_python_parameters(kwargs, message) -> None:
    with pytest.raises(InvalidInputError) as info:
        carbonest.estimate(**kwargs)
    assert message in str(info.value) and "--" not in str(info.value) and "\x1f" not in str(info.value)


def test_api_notes_keep_parameter_names() -> None:
    e = carbonest.estimate(gpu="V100", hours=1, region="FR")
    assert any("Give gpu_power_w to set it" in n for n in e.notes)


def test_ambiguous_and_misspelt_regions() -> None:
    with pytest.raises(UnknownRegionError) as info:
        carbonest.estimate(gpu="V100", hours=1, region="georgia")
    assert info.value.ambiguous and set(info.value.suggestions) == {"GE", "US-GA"}
    with pytest.raises(UnknownRegionError) as info:
        carbonest.estimate(gpu="V100", hours=1, region="califrnia")
    assert info.value.suggestions[0] == "US-CA" and "US-CA (California)" in str(info.value)
    with pytest.raises(carbonest.UnknownHardwareError) as hw:
        carbonest.estimate(gpu="h1OO", hours=1)
    assert hw.value.suggestions[0] == "H100"


def test_an_empty_table_keeps_its_columns() -> None:
    empty = carbonest.regions("quebc")
    assert len(empty) == 0 and list(empty.columns) == list(carbonest.regions("quebec").columns)
    assert len(carbonest.hardware("h1OO")) == 0 and "tdp_w" in carbonest.hardware("h1OO").columns


def test_api_estimate_honours_carbonest_region(monkeypatch) -> None:
    monkeypatch.setenv("CARBONEST_REGION", "FR")
    e = carbonest.estimate(gpu="V100", hours=1)
    assert e.region.id == "FR" and dict(e.provenance)["region"] == "env:CARBONEST_REGION"
    assert carbonest.estimate(gpu="V100", hours=1, intensity_g_per_kwh=100).region.id == "custom"
    assert carbonest.estimate(gpu="V100", hours=1, preset="strubell2019").region.id == "strubell2019-us"


def test_value_limits_and_the_tdp_warning() -> None:
    with pytest.raises(InvalidInputError, match=r"^pue: PUE must be at most 3"):
        carbonest.estimate(gpu="V100", hours=1, pue=50)
    with pytest.raises(InvalidInputError, match=r"^intensity_g_per_kwh: must be at most 2,000"):
        carbonest.estimate(gpu="V100", hours=1, intensity_g_per_kwh=1e308)
    with pytest.raises(InvalidInputError, match=r"^pue"):
        carbonest.track("x", pue=4.0)
    with pytest.warns(UserWarning, match=r"gpu_power_w: 5000 W per device is 16.7 times the 300 W TDP") as caught:
        e = carbonest.estimate(gpu="V100", gpu_power_w=5000, hours=1, region="FR")
    assert caught[0].filename == __file__  # attributed to the caller's line
    assert any("16.7 times" in n for n in e.notes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        carbonest.estimate(gpu="V100", gpu_power_w=370, hours=1, region="FR")  # within 25 %: no warning


def test_the_intensity_limit_keeps_its_margin_over_the_tables() -> None:
    with (REPO / "carbonest/data/regions.csv").open(encoding="utf-8") as fh:
        dirtiest = max(float(r[k]) for r in csv.DictReader(fh)
                       for k in ("intensity_g_per_kwh", "direct_intensity_g_per_kwh") if r[k])
    assert inputs.MAX_INTENSITY_G_PER_KWH >= 1.5 * dirtiest


def test_booleans_are_booleans() -> None:
    with pytest.raises(InvalidInputError, match=r"^embodied: must be True or False"):
        carbonest.estimate(gpu="V100", hours=1, embodied="yes")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"^embodied: must be True or False"):
        carbonest.whatif(gpu="V100", hours=1, embodied="yes")
    with pytest.raises(InvalidInputError, match=r"^force: must be True or False"):
        carbonest.whatif(gpu="V100", hours=1, force="yes")
    with pytest.raises(InvalidInputError, match=r"^handle_signals: must be True or False"):
        carbonest.track("x", handle_signals="no")  # type: ignore[arg-type]


def test_every_public_error_is_exported() -> None:
    from carbonest import errors

    classes = {n for n, v in vars(errors).items() if isinstance(v, type) and issubclass(v, Exception)
               and not n.startswith("_")}
    assert classes <= set(carbonest.__all__), classes - set(carbonest.__all__)
    assert carbonest.StorageError is errors.StorageError


def test_signatures_are_real() -> None:
    estimate = inspect.signature(carbonest.estimate).parameters
    assert {"params", "tokens", "embodied", "queries", "vcpus"} <= set(estimate)
    assert all(p.kind is p.KEYWORD_ONLY for p in estimate.values())
    with pytest.raises(TypeError, match="hourz"):
        carbonest.estimate(gpu="V100", hourz=1)  # type: ignore[call-arg]
    track = inspect.signature(carbonest.track).parameters
    assert {"region", "pue", "store", "scope", "interval_s"} <= set(track)
    assert "options" not in track


def test_repr_and_str_of_the_results() -> None:
    from carbonest.probes.fake import FakeProbe

    probe = FakeProbe({"gpu:0": 250.0})
    probe.open()
    t = carbonest.track("<b>demo</b>", region="FR", probes=[probe], interval_s=0.02, store=False)
    assert re.fullmatch(rf"<Tracker '<b>demo</b>' new, run {t.run_id[:8]}, no energy yet>", repr(t))
    with t:
        assert re.fullmatch(r"<Tracker '<b>demo</b>' running, run \w{8}, (\S+ kWh so far|no energy yet)>", repr(t))
    assert re.fullmatch(rf"<Tracker '<b>demo</b>' stopped, run {t.run_id[:8]}, \S+ kWh>", repr(t))
    record = t.record
    assert str(record).startswith("run '<b>demo</b>' (completed): ") and "France [FR]" in str(record)
    html = record._repr_html_()
    assert "&lt;b&gt;demo&lt;/b&gt;" in html and "<b>demo" not in html
    assert repr(record).startswith("RunRecord(run_id=")
    e = carbonest.estimate(gpu="V100", hours=1, region="FR")
    assert re.fullmatch(r"\S+ kg CO2e \(range \S+ to \S+\), 0.468 kWh, France \[FR\] at 44.2 g CO2e/kWh \(lifecycle\)",
                        str(e)), str(e)
    assert e._repr_html_().startswith("<table>") and repr(e).startswith("Estimate(hours=1.0")


def test_declared_dependencies_are_imported_by_the_package() -> None:
    """requests stays declared: carbonest/intensity/http.py calls requests.get for the live providers."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10: the tomli dependency
        import tomli as tomllib
    with (REPO / "pyproject.toml").open("rb") as fh:
        declared = tomllib.load(fh)["project"]["dependencies"]
    modules = {"nvidia-ml-py": "pynvml"}
    imported: set[str] = set()
    for path in (REPO / "carbonest").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    for requirement in declared:
        name = re.split(r"[<>=;\[ ]", requirement, maxsplit=1)[0]
        assert modules.get(name, name.replace("-", "_")) in imported, f"{name} is declared but never imported"


def test_edit_distance_and_look_alikes() -> None:
    from carbonest.catalog._load import edit_distance, look_alike, suggest

    assert edit_distance("quebc", "quebec", 3) == 1 and edit_distance("ab", "ba", 3) == 1  # a transposition
    assert edit_distance("kitten", "sitting", 5) == 3 and edit_distance("a", "abcdef", 2) == 3  # capped
    assert look_alike("h1oo") == look_alike("h100") and look_alike("l1") == look_alike("11")
    keys = {"california": "US-CA", "centralindia": "azure:centralindia", "liberia": "LR"}
    assert suggest("califrnia", keys) == ["US-CA"]
