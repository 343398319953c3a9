"""HTML reports: one self-contained file (plotly.js inline, no network) a person would rather read.

`scan_html` draws a scan report: per file with tuning, per site its method, library, criteria,
sampler or scheduler, budget, grid size and its search space (export.charts), with a link to the
file and line. `inventory_html` draws an inventory: projects by criterion, method and library,
the most tuned hyperparameters, their bounds across sites, and the table of projects.
Every text from analysed code is escaped; figure data is JSON that plotly escapes for a script.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from html import escape
from pathlib import Path
from urllib.parse import quote

from hptlens.export import charts
from hptlens.inventory.models import InventoryReport, Spread
from hptlens.report import FileReport, FindingKind, Report, Site

STYLE = """
body { font-family: system-ui, -apple-system, "DejaVu Sans", sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1rem 2rem; color: #1d2733; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d7dde5; }
.summary { display: flex; gap: 1.5rem; flex-wrap: wrap; margin: 1rem 0; }
.summary div { background: #f2f5f9; border-radius: 6px; padding: .5rem 1rem; }
.summary b { display: block; font-size: 1.3rem; }
.site { border: 1px solid #d7dde5; border-radius: 6px; padding: .6rem 1rem; margin: .8rem 0; }
.site h3 { font-size: 1rem; margin: .2rem 0; }
.meta { color: #56616e; font-size: .9rem; }
.tag { background: #e6eef8; border-radius: 4px; padding: 0 .4rem; margin-right: .3rem; font-size: .85rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e3e7ec; vertical-align: top; }
.error { color: #a12c2c; }
"""


def _page(title: str, body: Iterable[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n"
        f"<script>{charts.plotly_js()}</script>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def _summary(items: Iterable[tuple[str, object]]) -> str:
    cells = "".join(f"<div><b>{escape(str(value))}</b>{escape(label)}</div>" for label, value in items)
    return f'<div class="summary">{cells}</div>'


def _href(path: str, base: Path | None) -> str:
    """A link to the file: relative to the report's folder when it has one, else as reported."""
    target = path
    if base is not None:
        target = os.path.relpath(os.path.abspath(path), base)
    return quote(Path(target).as_posix())


def scan_html(report: Report, base: Path | None = None) -> str:
    """The scan report as an HTML page; `base` is the folder the page is written to (for links)."""
    summary = report.summary
    body = [
        f"<h1>Hyperparameter tuning: {summary.files_with_tuning} of {summary.files} files</h1>",
        _summary(
            [
                ("files", summary.files),
                ("files with tuning", summary.files_with_tuning),
                ("sites", summary.sites),
                ("findings", summary.findings),
                ("files with errors", summary.files_with_errors),
            ]
        ),
        f'<p class="meta">hptlens {escape(report.tool.version)}, report schema {escape(report.schema_version)}</p>',
    ]
    if summary.by_library:
        body.append(charts.figure_html(charts.bar_figure(summary.by_library, "Files by library"), "by-library"))
    figure = 0
    for file in report.files:
        if not file.sites and not file.errors:
            continue
        body.append(f'<h2 class="file">{escape(file.path)}</h2>')
        body.append(_file_meta(file))
        for site in file.sites:
            figure += 1
            body.append(_site_html(file, site, base, f"site-{figure}"))
        for error in file.errors:
            where = f" (line {error.line})" if error.line else ""
            body.append(f'<p class="error">{escape(error.code)}{where}: {escape(error.message)}</p>')
    return _page("hptlens report", body)


def _file_meta(file: FileReport) -> str:
    tags = "".join(f'<span class="tag">{escape(name)}</span>' for name in file.criteria.names())
    libraries = ", ".join(file.libraries) or "hand-written"
    return f'<p class="meta">{tags} {escape(file.language)}; {escape(libraries)}</p>'


def _site_html(file: FileReport, site: Site, base: Path | None, div_id: str) -> str:
    line = site.range.start.line
    where = f"{file.path}:{line}" + (f" (cell {site.cell + 1})" if site.cell is not None else "")
    title = escape(site.method or site.library)
    schedulers = sorted(
        {
            file.findings[i].method or file.findings[i].api or file.findings[i].library
            for i in site.findings
            if i < len(file.findings) and file.findings[i].kind == FindingKind.SCHEDULER
        }
    )
    facts = [f"library {escape(site.library)}", ", ".join(escape(str(c)) for c in site.categories)]
    if schedulers:
        facts.append("sampler/scheduler " + escape(", ".join(schedulers)))
    if site.budget:
        facts.append("budget " + escape(site.budget))
    points = charts.grid_points(site.hyperparameters)
    if points is not None:
        facts.append(f"grid of {points} points")
    facts.append(f"{len(site.hyperparameters)} dimensions")
    parts = [
        f'<div class="site" id="{escape(div_id)}-card">',
        f'<h3>{title} <a href="{escape(_href(file.path, base))}">{escape(where)}</a></h3>',
        f'<p class="meta">{"; ".join(facts)}</p>',
        f"<p>{escape(site.summary)}</p>",
    ]
    drawn = [h for h in site.hyperparameters if charts.drawable(h.space)]
    if drawn:
        parts.append(charts.figure_html(charts.space_figure(drawn), div_id))
    undrawn = [h.name for h in site.hyperparameters if not charts.drawable(h.space)]
    if undrawn:
        parts.append(f'<p class="meta">no literal domain: {escape(", ".join(undrawn))}</p>')
    parts.append("</div>")
    return "\n".join(parts)


def inventory_html(report: InventoryReport) -> str:
    """The inventory report as an HTML page: charts across projects, then the projects."""
    tuned = sum(1 for row in report.projects if row.criteria)
    body = [
        f"<h1>Hyperparameter tuning across {len(report.projects)} projects</h1>",
        _summary(
            [
                ("projects", len(report.projects)),
                ("tune", tuned),
                ("use PBT", len(report.pbt_projects)),
                ("hand-written loops", len(report.hand_loop_projects)),
                ("failed", len(report.failed_projects)),
            ]
        ),
        "<h2>How projects tune</h2>",
    ]
    for key, counts, title in (
        ("criterion", report.by_criterion, "Projects by criterion"),
        ("method", report.by_method, "Projects by HPO method"),
        ("library", report.by_library, "Projects by library"),
    ):
        if counts:
            body.append(charts.figure_html(charts.bar_figure(counts, title), f"by-{key}"))
    if report.hyperparameters:
        body.append("<h2>Most tuned hyperparameters</h2>")
        most = {s.name: s.projects for s in report.hyperparameters}
        body.append(charts.figure_html(charts.bar_figure(most, "Projects tuning each hyperparameter"), "most-tuned"))
        body.append(_spread_table(report.hyperparameters))
        for index, spread in enumerate(s for s in report.hyperparameters if s.bounds):
            if index >= 8:
                break
            figure = charts.bounds_figure(spread.name, spread.bounds, spread.log_sites * 2 >= len(spread.bounds))
            body.append(charts.figure_html(figure, f"bounds-{index + 1}"))
    body.append("<h2>Projects</h2>")
    body.append(_project_table(report))
    return _page("hptlens inventory", body)


def _spread_table(spreads: list[Spread]) -> str:
    rows = []
    for s in spreads:
        bounds = ""
        if s.low_min is not None or s.high_max is not None:
            bounds = f"low {s.low_min:g}..{s.low_max:g}" if s.low_min is not None and s.low_max is not None else ""
            if s.high_min is not None and s.high_max is not None:
                bounds += f", high {s.high_min:g}..{s.high_max:g}"
        values = ", ".join(f"{v} ({n})" for v, n in s.choices)
        rows.append(
            f"<tr><td>{escape(s.name)}</td><td>{s.projects}</td><td>{s.sites}</td><td>{escape(bounds)}</td>"
            f"<td>{escape(values)}</td><td>{escape(', '.join(s.libraries))}</td></tr>"
        )
    head = (
        "<tr><th>name</th><th>projects</th><th>sites</th><th>bounds</th><th>values (sites)</th><th>libraries</th></tr>"
    )
    return f'<table id="spreads">{head}{"".join(rows)}</table>'


def _project_table(report: InventoryReport) -> str:
    rows = []
    for p in report.projects:
        if p.status == "error":
            how = f'<span class="error">failed: {escape(p.error or "")}</span>'
        else:
            how = escape(", ".join(p.criteria) or ("not scanned" if p.status == "pending" else "no tuning"))
        flags = " ".join(label for label, on in (("PBT", p.pbt), ("hand loops", p.hand_loops)) if on)
        rows.append(
            f"<tr><td>{escape(p.name)}</td><td>{p.files_with_tuning}/{p.files}</td><td>{how}</td>"
            f"<td>{escape(', '.join(p.methods))}</td><td>{escape(', '.join(p.libraries))}</td>"
            f"<td>{escape(flags)}</td></tr>"
        )
    head = "<tr><th>project</th><th>files tuning</th><th>criteria</th><th>methods</th><th>libraries</th><th></th></tr>"
    return f'<table id="projects">{head}{"".join(rows)}</table>'
