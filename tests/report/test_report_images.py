"""``carbonest report --png/--svg``: the files exist, have the figure's size, and hold the plotted
power line (pixels of the first device's colour inside the power axes; an SVG path of that colour
with a vertex per step), where a run with no samples has none."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import support

SVG_NS = "{http://www.w3.org/2000/svg}"


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _power_axes_box(store: Path, run_id: str) -> tuple[int, int, int, int, int]:
    """Pixel box (left, top, right, bottom) of the gpu power axes in the PNG, and the figure height."""
    from carbonest.report.model import load_report
    from carbonest.report.plots import report_figure
    from carbonest.store.sqlite import SQLiteStore

    with SQLiteStore(store, read_only=True) as s:
        fig = report_figure(load_report(s, run_id))
    fig.draw_without_rendering()
    ax = next(a for a in fig.axes if a.get_ylabel() in ("gpu W", "power W"))
    box = ax.get_window_extent()
    height = int(round(fig.get_figheight() * fig.dpi))
    return int(box.x0) + 2, height - int(box.y1) + 2, int(box.x1) - 2, height - int(box.y0) - 2, height


def _line_pixels(png: Path, box: tuple[int, int, int, int, int], colour: str) -> int:
    import numpy as np

    image = support.needs("PIL.Image").open(png).convert("RGB")
    left, top, right, bottom, _ = box
    pixels = np.asarray(image.crop((left, top, right, bottom)), dtype=int)
    return int((np.abs(pixels - np.array(_rgb(colour))).sum(axis=2) <= 30).sum())


def test_png_holds_the_plotted_line(run_cli, runs_store: Path, tmp_path: Path) -> None:
    support.needs("matplotlib")
    from carbonest.report.plots import COLOURS

    for store, run_id, components in ((runs_store, "aaaa", 1), (runs_store, "eeee", 0)):
        out = tmp_path / f"{run_id}.png"
        code, _, err = run_cli("report", run_id, "--store", str(store), "--png", str(out))
        assert code == 0, err
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and 20_000 < out.stat().st_size < 1_000_000
        image = support.needs("PIL.Image").open(out)
        assert image.size == (1100, int(round(100 * (4.5 + 1.8 * max(components, 1)))))
        box = _power_axes_box(store, run_id)
        count = _line_pixels(out, box, COLOURS[0])
        width = box[2] - box[0]
        if components:  # the line crosses the whole axes: at least one pixel per column
            assert count >= width, (run_id, count, width)
        else:  # empty axes: no line pixel at all
            assert count == 0, count


def test_svg_holds_the_plotted_line(run_cli, runs_store: Path, tmp_path: Path) -> None:
    support.needs("matplotlib")
    from carbonest.report.plots import COLOURS

    out = tmp_path / "r.svg"
    code, _, err = run_cli("report", "aaaa", "--store", str(runs_store), "--svg", str(out))
    assert code == 0, err
    root = ET.parse(out).getroot()
    assert root.tag == f"{SVG_NS}svg"
    assert (root.get("width"), root.get("height")) == ("792pt", "453.6pt")  # 11 x 6.3 in at 72 pt/in
    lines = [p for p in root.iter(f"{SVG_NS}path")
             if f"stroke: {COLOURS[0]}" in (p.get("style") or "") and p.get("clip-path")]
    assert lines, "no clipped path in the line colour"
    vertices = max(len(re.findall(r"[ML]", p.get("d") or "")) for p in lines)
    assert vertices >= 60  # one step per stored sample (60 one-minute samples)


def test_compare_files(run_cli, runs_store: Path, tmp_path: Path) -> None:
    support.needs("matplotlib")
    html, png = tmp_path / "c.html", tmp_path / "c.png"
    code, _, err = run_cli("report", "--compare", "aaaa", "bbbb", "--store", str(runs_store),
                           "--html", str(html), "--png", str(png))
    assert code == 0, err
    text = html.read_text()
    assert "main cause: duration" in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>" not in text
    assert png.read_bytes()[:4] == b"\x89PNG"
