"""``carbonest whatif --plot``: the ranking as bars with their low/high range, PNG and SVG.

The image checks find the bars themselves (pixels of the bar colour in the PNG, filled
shapes in the SVG) and compare their lengths with the figures, so empty axes or a chart
of the wrong rows fail.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import support
from carbonest.errors import InvalidInputError

ARGS = ("whatif", "--gpu", "A100", "--hours", "10", "--region", "FR,DE,PL,US-CA")


def _rows(run_cli: Any) -> list[dict[str, Any]]:
    code, out, err = run_cli(*ARGS, "--json")
    assert code == 0, err
    return list(json.loads(out))


def test_png_has_one_bar_per_scenario_in_ranking_order(run_cli: Any, tmp_path: Path) -> None:
    support.needs("matplotlib")
    from matplotlib.image import imread

    from carbonest.report.whatif_plot import BAR_COLOUR

    path = tmp_path / "rank.png"
    code, out, err = run_cli(*ARGS, "--plot", str(path))
    assert code == 0, err
    assert "written to" in err and str(path) in err and "lifecycle basis" in err
    assert "scenarios, sorted by CO2e" in out  # the table still prints
    assert 5_000 < path.stat().st_size < 1_000_000
    img = imread(str(path))
    assert img.shape[1] == 800 and img.shape[0] > 200
    rgb = (img[:, :, :3] * 255).round()
    target = [int(BAR_COLOUR[i:i + 2], 16) for i in (1, 3, 5)]
    mask = (abs(rgb - target) <= 2).all(axis=2)
    rows = [y for y in range(mask.shape[0]) if mask[y].sum() > 3]
    bands: list[list[int]] = []
    for y in rows:  # a bar's rows, the whisker across its middle bridged (a gap of a few rows)
        if bands and y - bands[-1][-1] <= 4:
            bands[-1].append(y)
        else:
            bands.append([y])
    assert len(bands) == 4  # four scenarios, four bars
    widths = [max(mask[y].sum() for y in band) for band in bands]
    co2 = [r["co2e_kg"] for r in _rows(run_cli)]  # lowest first, the first bar at the top
    assert widths == sorted(widths)
    for w, c in zip(widths, co2):  # bar length proportional to its figure (whiskers may cover a few pixels)
        assert w / widths[-1] == pytest.approx(c / co2[-1], abs=0.03)


def test_svg_has_the_bars_and_their_error_bars(run_cli: Any, tmp_path: Path) -> None:
    support.needs("matplotlib")
    from carbonest.report.whatif_plot import BAR_COLOUR, RANGE_COLOUR

    path = tmp_path / "rank.svg"
    code, _, err = run_cli(*ARGS, "--sort", "energy", "--plot", str(path))
    assert code == 0, err
    assert 5_000 < path.stat().st_size < 1_000_000
    shapes = list(ET.parse(path).getroot().iter("{http://www.w3.org/2000/svg}path"))
    bars = [p for p in shapes if f"fill: {BAR_COLOUR}" in (p.get("style") or "")]
    whiskers = [p for p in shapes if f"stroke: {RANGE_COLOUR}" in (p.get("style") or "")]
    assert len(bars) == 4 and len(whiskers) >= 4
    text = path.read_text()
    assert "kWh at the facility" in text or "kWh" in text  # energy, as sorted


def test_bad_plot_paths_are_usage_errors_before_the_sweep(run_cli: Any, tmp_path: Path) -> None:
    code, out, err = run_cli(*ARGS, "--plot", str(tmp_path / "rank.pdf"))
    assert code == 2 and out == "" and err.count("\n") == 1 and "--plot" in err and ".png or .svg" in err
    code, out, err = run_cli(*ARGS, "--plot", str(tmp_path / "no" / "such" / "rank.png"))
    assert code == 2 and "--plot" in err and "no such folder" in err


def test_without_matplotlib_it_says_how_to_install_it(run_cli: Any, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed: import fails
    code, out, err = run_cli(*ARGS, "--plot", str(tmp_path / "rank.png"))
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "pip install 'carbonest[report]'" in err and not (tmp_path / "rank.png").exists()


def test_mixed_bases_are_refused_naming_both() -> None:
    support.needs("matplotlib")
    from carbonest.report.whatif_plot import plot_ranking

    rows = [{"region": "FR", "basis": "lifecycle, generation", "co2e_kg": 1.0},
            {"region": "QC", "basis": "direct, consumption", "co2e_kg": 0.1}]
    with pytest.raises(InvalidInputError, match=r"plot: .*mix bases .*\(direct, lifecycle\)"):
        plot_ranking(rows, "x.png")


def test_json_keeps_every_row_while_the_plot_shows_the_best_twenty(run_cli: Any, tmp_path: Path) -> None:
    support.needs("matplotlib")
    from carbonest.report.whatif_plot import BAR_COLOUR

    path = tmp_path / "best.svg"
    code, out, err = run_cli("whatif", "--gpu", "A100", "--hours", "1", "--region", "countries", "--json",
                             "--plot", str(path))
    assert code == 0, err
    assert len(json.loads(out)) > 100 and "plot of 20 scenario(s)" in err
    bars = [p for p in ET.parse(path).getroot().iter("{http://www.w3.org/2000/svg}path")
            if f"fill: {BAR_COLOUR}" in (p.get("style") or "")]
    assert len(bars) == 20
    code, _, err = run_cli("whatif", "--gpu", "A100", "--hours", "1", "--region", "countries", "--top", "150",
                           "--plot", str(path))
    assert code == 2 and "--plot" in err and "at most 100" in err
