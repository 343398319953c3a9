"""`inventory report`: what a platform team asks of an inventory, from its database.

Which projects tune and how (criterion, method, library), which hyperparameters are tuned most
and over which ranges or choices across projects, which projects use PBT or hand-written loops,
and which could not be scanned. Rendered as text, JSON (the `InventoryReport` model) or CSV.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections import Counter
from typing import Any

from hptlens import __version__
from hptlens.inventory.models import InventoryReport, ProjectRow, Spread
from hptlens.report import JsonScalar

PBT_WORDS = ("pbt", "pb2", "population based", "population-based")
"""Words in a method name that say population-based training (the catalog's and configs' names)."""
TOP_HYPERPARAMETERS = 40
TOP_CHOICES = 8
TOP_BOUNDS = 60
CRITERIA = (
    ("auto_tuning", "auto-tuning"),
    ("auto_hand_tuning", "auto/hand-tuning"),
    ("hand_tuning", "hand-tuning"),
    ("parameterization", "parameterization"),
)


def build(db: sqlite3.Connection, top: int = TOP_HYPERPARAMETERS) -> InventoryReport:
    """The report over every project of the database."""
    rows = [
        _project_row(db, row)
        for row in db.execute(
            "SELECT id, name, source, status, error, commit_sha, files, files_with_tuning, sites "
            "FROM projects ORDER BY name"
        ).fetchall()
    ]
    by_criterion: Counter[str] = Counter(c for row in rows for c in row.criteria)
    by_method: Counter[str] = Counter(m for row in rows for m in row.methods)
    by_library: Counter[str] = Counter(lib for row in rows for lib in row.libraries)
    return InventoryReport(
        tool_version=__version__,
        projects=rows,
        by_criterion=_ordered(by_criterion),
        by_method=_ordered(by_method),
        by_library=_ordered(by_library),
        hyperparameters=_spreads(db, top),
        pbt_projects=[row.name for row in rows if row.pbt],
        hand_loop_projects=[row.name for row in rows if row.hand_loops],
        failed_projects=[row.name for row in rows if row.status == "error"],
    )


def _ordered(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _project_row(db: sqlite3.Connection, row: tuple[Any, ...]) -> ProjectRow:
    project_id, name, source, status, error, commit, files, tuned, sites = row
    flags = db.execute(
        "SELECT "
        + ", ".join(f"COALESCE(MAX({column}), 0)" for column, _ in CRITERIA)
        + " FROM files WHERE project_id = ?",
        (project_id,),
    ).fetchone()
    criteria = [label for (_, label), flag in zip(CRITERIA, flags) if flag]
    methods = sorted(
        m
        for (m,) in db.execute(
            "SELECT DISTINCT method FROM findings WHERE project_id = ? AND method IS NOT NULL", (project_id,)
        )
    )
    libraries = sorted(
        lib for (lib,) in db.execute("SELECT DISTINCT library FROM findings WHERE project_id = ?", (project_id,))
    )
    hand = db.execute(
        "SELECT 1 FROM findings WHERE project_id = ? AND kind = 'hand-loop' LIMIT 1", (project_id,)
    ).fetchone()
    return ProjectRow(
        name=name,
        source=source,
        status=status,
        error=error,
        commit_sha=commit,
        files=files,
        files_with_tuning=tuned,
        sites=sites,
        criteria=criteria,
        methods=methods,
        libraries=libraries,
        pbt=any(_is_pbt(m) for m in methods),
        hand_loops=hand is not None,
    )


def _is_pbt(method: str) -> bool:
    lowered = method.lower()
    return any(word in lowered for word in PBT_WORDS)


def _spreads(db: sqlite3.Connection, top: int) -> list[Spread]:
    names = db.execute(
        "SELECT name, COUNT(DISTINCT project_id) AS projects, COUNT(DISTINCT site_id) AS sites FROM hyperparameters "
        "WHERE name != '?' GROUP BY name ORDER BY projects DESC, sites DESC, name LIMIT ?",
        (top,),
    ).fetchall()
    return [_spread(db, name, projects, sites) for name, projects, sites in names]


def _spread(db: sqlite3.Connection, name: str, projects: int, sites: int) -> Spread:
    low_min, low_max, high_min, high_max, logs = db.execute(
        "SELECT MIN(low), MAX(low), MIN(high), MAX(high), COUNT(DISTINCT CASE WHEN log THEN site_id END) "
        "FROM hyperparameters WHERE name = ?",
        (name,),
    ).fetchone()
    types: Counter[str] = Counter()
    choices: Counter[JsonScalar] = Counter()
    libraries: set[str] = set()
    for kind, site_choices, site_values, library in db.execute(
        "SELECT type, choices, value_list, library FROM hyperparameters WHERE name = ?", (name,)
    ):
        types[kind or "unknown"] += 1
        libraries.add(library)
        for listed in (site_choices, site_values):
            if listed:
                choices.update({_hashable(v) for v in json.loads(listed)})
    common = sorted(choices.items(), key=lambda item: (-item[1], str(item[0])))[:TOP_CHOICES]
    bounds = db.execute(
        "SELECT p.name, h.low, h.high FROM hyperparameters h JOIN projects p ON p.id = h.project_id "
        "WHERE h.name = ? AND h.low IS NOT NULL AND h.high IS NOT NULL ORDER BY p.name, h.id LIMIT ?",
        (name, TOP_BOUNDS),
    ).fetchall()
    return Spread(
        name=name,
        projects=projects,
        sites=sites,
        types=dict(sorted(types.items())),
        low_min=low_min,
        low_max=low_max,
        high_min=high_min,
        high_max=high_max,
        log_sites=logs,
        choices=common,
        libraries=sorted(libraries),
        bounds=[(where, float(low), float(high)) for where, low, high in bounds],
    )


def _hashable(value: Any) -> JsonScalar:
    return value if value is None or isinstance(value, (str, int, float, bool)) else json.dumps(value)


def render_json(report: InventoryReport) -> str:
    return report.model_dump_json(indent=2) + "\n"


PROJECT_COLUMNS = (
    "name", "source", "status", "commit_sha", "files", "files_with_tuning", "sites",
    "criteria", "methods", "libraries", "pbt", "hand_loops", "error",
)  # fmt: skip
SPREAD_COLUMNS = (
    "name", "projects", "sites", "types", "low_min", "low_max", "high_min", "high_max", "log_sites",
    "choices", "libraries",
)  # fmt: skip


def render_csv(report: InventoryReport, table: str = "projects") -> str:
    """One CSV table: `projects` (one row per project) or `hyperparameters` (one per name);
    list fields are joined with `;`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if table == "hyperparameters":
        writer.writerow(SPREAD_COLUMNS)
        for spread in report.hyperparameters:
            cells = spread.model_dump()
            cells["types"] = ";".join(f"{k}={v}" for k, v in spread.types.items())
            cells["choices"] = ";".join(f"{_show(v)}={n}" for v, n in spread.choices)
            cells["libraries"] = ";".join(spread.libraries)
            writer.writerow([_cell(cells[c]) for c in SPREAD_COLUMNS])
    else:
        writer.writerow(PROJECT_COLUMNS)
        for row in report.projects:
            cells = row.model_dump()
            writer.writerow([_cell(cells[c]) for c in PROJECT_COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _show(value: JsonScalar) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def render_text(report: InventoryReport) -> str:
    lines: list[str] = []
    tuned = [row for row in report.projects if row.criteria]
    lines.append(
        f"{len(report.projects)} projects: {len(tuned)} tune hyperparameters, "
        f"{len(report.failed_projects)} could not be scanned"
    )
    for title, counts in (
        ("criterion", report.by_criterion),
        ("method", report.by_method),
        ("library", report.by_library),
    ):
        lines.append("")
        lines.append(f"Projects by {title}:")
        lines += [f"  {count:5d}  {label}" for label, count in counts.items()] or ["  (none)"]
    lines.append("")
    lines.append("Projects:")
    for row in report.projects:
        if row.status == "error":
            lines.append(f"  {row.name}: FAILED: {row.error}")
        elif row.status == "pending":
            lines.append(f"  {row.name}: not scanned yet")
        else:
            how = ", ".join(row.criteria) or "no tuning"
            extra = f"; methods: {', '.join(row.methods)}" if row.methods else ""
            libs = f"; libraries: {', '.join(row.libraries)}" if row.libraries else ""
            lines.append(f"  {row.name}: {row.files_with_tuning}/{row.files} files, {how}{extra}{libs}")
    lines.append("")
    lines.append("Most tuned hyperparameters (projects, sites, bounds or choices):")
    for spread in report.hyperparameters:
        lines.append(f"  {spread.name}: {spread.projects} projects, {spread.sites} sites; {_domain(spread)}")
    if not report.hyperparameters:
        lines.append("  (none)")
    lines.append("")
    lines.append("PBT: " + (", ".join(report.pbt_projects) or "(none)"))
    lines.append("Hand-written loops: " + (", ".join(report.hand_loop_projects) or "(none)"))
    return "\n".join(lines) + "\n"


def _domain(spread: Spread) -> str:
    parts: list[str] = []
    if spread.low_min is not None or spread.high_max is not None:
        parts.append(
            f"low {_show(spread.low_min)}..{_show(spread.low_max)}, "
            f"high {_show(spread.high_min)}..{_show(spread.high_max)}"
        )
        if spread.log_sites:
            parts.append(f"log scale at {spread.log_sites} sites")
    if spread.choices:
        parts.append("values " + ", ".join(f"{_show(v)} ({n})" for v, n in spread.choices))
    return "; ".join(parts) or "no literal domain"
