"""The report as one self-contained HTML file.

Self-contained: no script at all, styles inline, the system's fonts, every image a
``data:image/png`` URI; a Content-Security-Policy (``default-src 'none'``) makes the browser
refuse any fetch the page could still name. PNG rather than inline SVG for the plots keeps the
file small whatever the run's length (a 24-hour run stores up to 10,000 samples per device,
which as SVG paths would be megabytes). Every string from a record goes through
:func:`html.escape`. The layout is one column that fits a phone's width; wide tables scroll
inside their own box.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from typing import Any

from carbonest.report.compare import Decomposition, RunFactors
from carbonest.report.model import RunReport
from carbonest.report.text import difference_lines, num

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:12px;color:#222;
background:#fff;line-height:1.4}
main{max-width:1000px;margin:auto}
h1{font-size:1.3em;word-break:break-word}h2{font-size:1.1em;margin-top:1.4em}
.cards{display:flex;flex-wrap:wrap;gap:8px}.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;
flex:1 1 140px}.card b{display:block;font-size:1.3em}
.wrap{overflow-x:auto}table{border-collapse:collapse;font-size:.9em}td,th{border-bottom:1px solid #eee;
padding:3px 8px;text-align:left;vertical-align:top}td.n{text-align:right;white-space:nowrap}
pre{white-space:pre-wrap;word-break:break-word}img{max-width:100%;height:auto}.note{color:#555;font-size:.9em}
"""


def e(value: Any) -> str:
    """Escaped text for HTML (quotes too: safe in attributes)."""
    return html.escape(str(value), quote=True)


def png_img(png: bytes, alt: str) -> str:
    """An ``<img>`` whose source is the PNG itself, as a data URI."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{e(alt)}" src="data:image/png;base64,{data}">'


def page(title: str, body: str) -> str:
    """The whole document around ``body``."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{e(title)}</title><style>{STYLE}</style></head>"
            f"<body><main>{body}</main></body></html>\n")


def table(head: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = ()) -> str:
    """A table in a scrolling box; every cell escaped; columns in ``numeric`` right-aligned."""
    out = ["<div class=\"wrap\"><table><thead><tr>", *(f"<th>{e(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        cells = [f"<td class=\"n\">{e(c)}</td>" if i in numeric else f"<td>{e(c)}</td>" for i, c in enumerate(row)]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def render_html(rep: RunReport, power_png: bytes, bars_png: bytes) -> str:
    """The run report as HTML, with the two plots given as PNG bytes."""
    r = rep.record
    region = r.get("region") or {}
    rng = rep.co2e_range_kg
    cards = [
        ("energy (facility)", f"{num(rep.energy_kwh, 4)} kWh"),
        ("CO2e", f"{num(rep.co2e_kg, 4)} kg"),
        ("CO2e range", f"{num(rng[0], 4)} to {num(rng[1], 4)} kg" if rng else "n/a"),
        ("duration", f"{num(r.get('duration_s'))} s"),
        ("mean IT power", f"{num(r.get('mean_power_w'))} W"),
        ("grid", f"{num(r.get('intensity_g_per_kwh'))} g/kWh"),
    ]
    body = [
        f"<h1>{e(r.get('name') or 'run')}</h1>",
        f"<p class=\"note\">run <code>{e(r.get('run_id'))}</code>, {e(r.get('status'))}, "
        f"{e(r.get('started_at'))} to {e(r.get('ended_at') or '...')} on {e(r.get('host'))}</p>",
    ]
    if r.get("command"):
        body.append(f"<p>command: <code>{e(r.get('command'))}</code></p>")
    body.append("<div class=\"cards\">" + "".join(
        f"<div class=\"card\">{e(k)}<b>{e(v)}</b></div>" for k, v in cards) + "</div>")
    body.append(f"<p class=\"note\">CO2e range: {e(rep.range_note)}. Grid: {e(region.get('name'))} "
                f"[{e(region.get('id'))}], basis {e(region.get('basis') or 'n/a')}.</p>")
    body += ["<h2>Power over time</h2>", png_img(power_png, "power over time per component and device"),
             "<p class=\"note\">Each step is the mean power since the previous sample; hatched spans are "
             "samples merged by the store's thinning (bucket means, energy kept).</p>"]
    body += _series_table(rep) + _phases_html(rep)
    body += ["<h2>Energy breakdown and the same job elsewhere</h2>", png_img(bars_png, "energy breakdown and regions")]
    body += _breakdown_html(rep) + _equivalents_html(rep) + _regions_html(rep)
    body.append("<h2>Provenance of every figure</h2>")
    body.append(table(["figure", "value", "unit", "provenance"],
                      [(f.label, num(f.value, 4), f.unit, f.provenance) for f in rep.figures], numeric=[1]))
    extra = [*rep.notes, *(r.get("notes") or []), *(f"warning: {w}" for w in r.get("warnings") or [])]
    if extra:
        body.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in extra) + "</ul>")
    body.append(f"<p class=\"note\">carbonest {e(r.get('carbonest_version') or '')} report.</p>")
    return page(f"carbonest report: {r.get('name') or r.get('run_id')}", "".join(body))


def _series_table(rep: RunReport) -> list[str]:
    rows = []
    for s in rep.series:
        powers = [g.power_w for g in s.segments if g.power_w is not None]
        energy = [g.energy_j for g in s.segments if g.energy_j is not None]
        rows.append((s.component, s.device, len(s.segments), s.merged_count,
                     num(min(powers)) if powers else "n/a", num(max(powers)) if powers else "n/a",
                     num(sum(energy) / 3.6e6, 4) if energy else "n/a"))
    return [table(["component", "device", "samples", "merged", "min W", "max W", "kWh (IT)"], rows,
                  numeric=[2, 3, 4, 5, 6])] if rows else ["<p>No samples stored.</p>"]


def _phases_html(rep: RunReport) -> list[str]:
    if not rep.phases:
        return []
    rows = [(p.name, num(p.start_s), num(p.duration_s), num(p.energy_kwh, 4), num(p.co2e_kg, 4))
            for p in rep.phases[:100]]
    more = f"<p class=\"note\">{rep.phases_total - len(rows)} more phases not listed.</p>" \
        if rep.phases_total > len(rows) else ""
    return [f"<h2>Phases ({rep.phases_total})</h2>",
            table(["phase", "starts at s", "duration s", "kWh", "kg CO2e"], rows, numeric=[1, 2, 3, 4]), more]


def _breakdown_html(rep: RunReport) -> list[str]:
    r = rep.record
    rows = [(name, num(c.get("energy_kwh"), 4), num(c.get("mean_power_w")), num(c.get("peak_power_w")),
             c.get("count", ""), c.get("provenance") or "not stated")
            for name, c in (r.get("components") or {}).items()]
    rows += [(name, "not measured", "", "", "", "no working probe") for name in r.get("not_measured") or []]
    it, fac = r.get("it_energy_kwh"), rep.energy_kwh
    if it is not None and fac is not None:
        rows.append(("overhead", num(fac - it, 4), "", "", "", f"IT energy x (PUE {r.get('pue')} - 1)"))
    return ["<h3>Energy by component</h3>",
            table(["component", "kWh", "mean W", "peak W", "devices", "provenance"], rows, numeric=[1, 2, 3])]


def _equivalents_html(rep: RunReport) -> list[str]:
    rows = [(num(q.count), q.label, f"{q.source}, {q.year}") for q in rep.equivalents]
    return ["<h3>Everyday equivalents</h3>",
            table(["how many", "of", "source"], rows, numeric=[0]) if rows else "<p>No CO2e to compare.</p>"]


def _regions_html(rep: RunReport) -> list[str]:
    rows = [(g.id + (" (this run)" if g.is_run_region else ""), g.name, num(g.intensity_g_per_kwh),
             num(g.co2e_kg, 4), f"{g.source} {g.year} ({g.basis})") for g in rep.regions]
    return [f"<h3>The same job in the lowest-carbon regions</h3><p class=\"note\">{e(rep.regions_note)}.</p>",
            table(["region", "name", "g CO2e/kWh", "kg CO2e", "source"], rows, numeric=[2, 3]) if rows else ""]


def render_compare_html(runs: Sequence[RunFactors], decomps: Sequence[Decomposition], png: bytes) -> str:
    """Runs side by side, each difference from the first with its causes, and the bar chart."""
    head = ["", *(r.name or r.run_id[:12] for r in runs)]
    rows = [
        ("run id", *(r.run_id for r in runs)),
        ("duration s", *(num(r.duration_s) for r in runs)),
        ("mean IT power W", *(num(r.mean_it_power_w) for r in runs)),
        ("PUE", *(num(r.pue) for r in runs)),
        ("grid", *(r.region for r in runs)),
        ("intensity g CO2e/kWh", *(num(r.intensity_g_per_kwh) for r in runs)),
        ("basis", *(r.basis or "unknown" for r in runs)),
        ("energy kWh", *(num(r.energy_kwh, 4) for r in runs)),
        ("CO2e kg", *(num(r.co2e_kg, 4) for r in runs)),
    ]
    body = ["<h1>carbonest: runs compared</h1>", table(head, rows), png_img(png, "comparison by cause")]
    for other, d in zip(runs[1:], decomps):
        body.append("<pre>" + e("\n".join(difference_lines(runs[0], other, d))) + "</pre>")
    body.append("<p class=\"note\">Split by cause with the logarithmic mean Divisia index (LMDI-I): "
                "the terms sum to the difference exactly. Place = PUE and grid intensity.</p>")
    return page("carbonest: runs compared", "".join(body))
