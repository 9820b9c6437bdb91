"""``carbonest report --html``: one self-contained file, opened in headless Chromium (Debian's
``/usr/bin/chromium``, driven by Playwright; no browser is downloaded).

Checked in the browser: no console error, no request but the file itself (every request is
routed and recorded), a screenshot that is not blank, the main figures as text, a phone width
without sideways scrolling, and a run named ``<script>alert(1)</script>`` shown as text with no
dialog. Checked on the file: under 2 MB for a stored 24-hour run.

``PYTHONPATH=tests python tests/report/test_report_html.py docs/img/report.png`` writes the screenshot that
docs/reports.md shows, with the same code.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import support

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MAX_HTML_BYTES = 2 * 1024 * 1024


class Visit:
    """What one page load did: requests made, console errors, page errors, dialogs opened."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []


def open_page(context: Any, path: Path, width: int = 1000, height: int = 900) -> tuple[Any, Visit]:
    """Load the file in a fresh page; every request other than the file itself is aborted and recorded."""
    visit = Visit()
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    url = path.resolve().as_uri()

    def route(r: Any) -> None:
        if r.request.url == url:
            r.continue_()
        else:
            visit.requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("request", lambda req: visit.requests.append(req.url) if req.url != url else None)  # data: too
    page.on("console", lambda msg: visit.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: visit.page_errors.append(str(exc)))
    page.on("dialog", lambda d: (visit.dialogs.append(d.message), d.dismiss()))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(200)  # anything deferred (there is no script) would show by now
    return page, visit


def launch(playwright: Any, user_data: str) -> Any:
    return playwright.chromium.launch_persistent_context(
        user_data, executable_path=CHROMIUM, headless=True, args=ARGS, service_workers="block")


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Any]:
    sync_api = support.needs("playwright.sync_api")
    support.needs_program(CHROMIUM)
    with tempfile.TemporaryDirectory() as user_data, sync_api.sync_playwright() as pw:
        context = launch(pw, user_data)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def html_reports(runs_store: Path, day_store: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    support.needs("matplotlib")
    from carbonest.cli.main import main

    out = tmp_path_factory.mktemp("html")
    paths = {"xss": out / "xss.html", "day": out / "day.html", "empty": out / "empty.html"}
    for key, store, run_id in (("xss", runs_store, "aaaa"), ("day", day_store, "day0"), ("empty", runs_store, "eeee")):
        assert main(["report", run_id, "--store", str(store), "--html", str(paths[key])]) == 0
    return paths


def pixel_spread(png: bytes) -> float:
    """Standard deviation of the screenshot's grey levels (0 for a blank page)."""
    import io

    from PIL import Image, ImageStat

    return float(ImageStat.Stat(Image.open(io.BytesIO(png)).convert("L")).stddev[0])


def test_report_renders_offline_with_its_figures_as_text(browser_context: Any, html_reports: dict[str, Path]) -> None:
    page, visit = open_page(browser_context, html_reports["xss"])
    assert visit.requests == [] and visit.console_errors == [] and visit.page_errors == []
    text = page.inner_text("body")
    for figure in ("0.3600 kWh", "0.01590 kg", "Power over time", "Provenance of every figure",
                   "km driven by an average US passenger car", "The same job in the lowest-carbon regions",
                   "measured:nvml:total_energy", "warm-up <b>&", "train $x$"):
        assert figure in text, figure
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.naturalWidth, e.src.slice(0, 22)])")
    assert len(images) == 2 and all(w > 500 and src == "data:image/png;base64," for w, src in images)
    assert pixel_spread(page.screenshot(full_page=True)) > 20
    page.close()


def test_a_script_in_the_run_name_is_text(browser_context: Any, html_reports: dict[str, Path]) -> None:
    page, visit = open_page(browser_context, html_reports["xss"])
    assert page.inner_text("h1") == "<script>alert(1)</script>"
    assert "<img src=x onerror=alert(2)>" in page.inner_text("body")  # the command, as text
    assert page.eval_on_selector_all("script", "els => els.length") == 0
    assert visit.dialogs == [] and visit.requests == []
    page.close()


def test_readable_on_a_phone(browser_context: Any, html_reports: dict[str, Path]) -> None:
    page, visit = open_page(browser_context, html_reports["xss"], width=390, height=844)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px at 390 px"
    widths = page.eval_on_selector_all("img", "els => els.map(e => e.getBoundingClientRect().width)")
    assert all(0 < w <= 390 for w in widths)
    assert visit.console_errors == []
    page.close()


def test_a_24_hour_run_is_under_2_mb_and_renders(browser_context: Any, html_reports: dict[str, Path]) -> None:
    size = html_reports["day"].stat().st_size
    assert size < MAX_HTML_BYTES, size
    page, visit = open_page(browser_context, html_reports["day"])
    assert visit.requests == [] and visit.console_errors == []
    text = page.inner_text("body")
    assert "a day of training" in text and "merged by the store's thinning" in text
    assert pixel_spread(page.screenshot()) > 20
    page.close()


def test_a_run_with_nothing_measured_renders(browser_context: Any, html_reports: dict[str, Path]) -> None:
    page, visit = open_page(browser_context, html_reports["empty"])
    assert visit.console_errors == [] and visit.requests == []
    assert "No samples stored" in page.inner_text("body")
    page.close()


def test_the_checks_catch_a_request_and_a_dialog(browser_context: Any, tmp_path: Path) -> None:
    """The harness itself: a page that fetches a style and runs a script is caught on both counts."""
    bad = tmp_path / "bad.html"
    bad.write_text('<html><head><link rel="stylesheet" href="https://cdn.example/x.css"></head>'
                   '<body><script>alert(1)</script></body></html>')
    page, visit = open_page(browser_context, bad)
    assert "https://cdn.example/x.css" in visit.requests and visit.dialogs == ["1"]
    page.close()


def write_docs_screenshot(out: Path) -> None:
    """The screenshot of docs/reports.md: the report of a stored 24-hour run at a phone-like width."""
    from playwright.sync_api import sync_playwright

    from carbonest.cli.main import main
    from PIL import Image

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _reporttest_helpers import store_day_run

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        store, html = Path(tmp) / "runs.sqlite", Path(tmp) / "report.html"
        store_day_run(store)
        assert main(["report", "day0", "--store", str(store), "--html", str(html)]) == 0
        context = launch(pw, str(Path(tmp) / "profile"))
        page, visit = open_page(context, html, width=760, height=1400)
        assert visit.requests == [] and visit.console_errors == []
        png = page.screenshot(clip={"x": 0, "y": 0, "width": 760, "height": 1400})
        context.close()
    shot = Path(tmp_png := str(out) + ".tmp")
    shot.write_bytes(png)
    Image.open(tmp_png).convert("RGB").quantize(colors=64).save(out, optimize=True)
    shot.unlink()


if __name__ == "__main__":
    write_docs_screenshot(Path(sys.argv[1]))
