"""The inventory's SQLite store (stdlib sqlite3, WAL): projects in, one transaction per scanned project.

A project's results are replaced in a single transaction (its old files, findings, sites and
hyperparameters deleted, the new ones written, the project row marked scanned), so a scan killed
at any moment leaves every project either as it was or fully rewritten: the next scan resumes
with the projects that are not done, and nothing is missing or counted twice.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hptlens.inventory.models import CachedFile, Project, ProjectResult
from hptlens.inventory.schema import migrate
from hptlens.inventory.sources import classify, clone_folder, project_name
from hptlens.report import FileReport, Site

DEFAULT_DATABASE = "hpt-inventory.sqlite"
BUSY_TIMEOUT_S = 60.0


def pack(report: FileReport) -> bytes:
    """A report as stored: its JSON, zlib-compressed."""
    return zlib.compress(report.model_dump_json().encode("utf-8"), 6)


def unpack(blob: bytes) -> FileReport:
    return FileReport.model_validate_json(zlib.decompress(blob))


def cache_folder(database: Path) -> Path:
    """Where git sources are cloned: beside the database."""
    return database.parent / (database.name + ".clones")


class Store:
    """An open inventory database."""

    def __init__(self, path: Path) -> None:
        self.path = path.absolute()  # clone folders are stored absolute: a later scan may run elsewhere
        self.connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA foreign_keys=ON")
        migrate(self.connection)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def add(self, source: str) -> Project | None:
        """Add a source (a folder or a git URL); None when it is in the inventory already."""
        kind, normalised = classify(source)
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM projects WHERE source = ?", (normalised,)).fetchone():
                return None
            name = self._free_name(project_name(kind, normalised))
            root = str(clone_folder(cache_folder(self.path), normalised)) if kind == "git" else normalised
            db.execute(
                "INSERT INTO projects (source, kind, name, root) VALUES (?, ?, ?, ?)", (normalised, kind, name, root)
            )
        return self.project_by_source(normalised)

    def _free_name(self, base: str) -> str:
        name, number = base, 1
        while self.connection.execute("SELECT 1 FROM projects WHERE name = ?", (name,)).fetchone():
            number += 1
            name = f"{base}-{number}"
        return name

    def projects(self) -> list[Project]:
        rows = self.connection.execute(f"SELECT {_PROJECT_COLUMNS} FROM projects ORDER BY id").fetchall()
        return [_project(row) for row in rows]

    def project_by_source(self, source: str) -> Project | None:
        row = self.connection.execute(f"SELECT {_PROJECT_COLUMNS} FROM projects WHERE source = ?", (source,)).fetchone()
        return _project(row) if row else None

    def cached(self, project: Project) -> dict[str, CachedFile]:
        """The content-hash cache of a project: relative path -> digest and pre-link report."""
        rows = self.connection.execute(
            "SELECT path, digest, COALESCE(prelink, report) FROM files WHERE project_id = ? AND digest IS NOT NULL",
            (project.id,),
        )
        return {path: CachedFile(digest=digest, report=blob) for path, digest, blob in rows}

    def record_error(self, project: Project, message: str) -> None:
        """A project that could not be cloned or read: the error is kept, earlier results stay."""
        with self.transaction() as db:
            db.execute("UPDATE projects SET status = 'error', error = ? WHERE id = ?", (message, project.id))

    def write(
        self, project: Project, result: ProjectResult, fingerprint: str, analysis_key: str, commit: str | None
    ) -> None:
        """Replace a project's results with a scan's, in one transaction."""
        with self.transaction() as db:
            db.execute("DELETE FROM files WHERE project_id = ?", (project.id,))
            for report in result.files:
                _insert_file(db, project.id, report, result.prelink.get(report.path))
            db.execute(
                "UPDATE projects SET status = 'scanned', error = NULL, commit_sha = ?, fingerprint = ?, "
                "analysis_key = ?, scanned_at = ?, files = ?, files_with_tuning = ?, findings = ?, sites = ? "
                "WHERE id = ?",
                (
                    commit,
                    fingerprint,
                    analysis_key,
                    datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    len(result.files),
                    sum(r.tuning_applied for r in result.files),
                    sum(len(r.findings) for r in result.files),
                    sum(len(r.sites) for r in result.files),
                    project.id,
                ),
            )

    def file_reports(self, project: Project) -> list[FileReport]:
        rows = self.connection.execute("SELECT report FROM files WHERE project_id = ? ORDER BY path", (project.id,))
        return [unpack(blob) for (blob,) in rows]


_PROJECT_COLUMNS = ", ".join(Project.model_fields)


def _project(row: tuple[Any, ...]) -> Project:
    return Project.model_validate(dict(zip(Project.model_fields, row)))


def _insert_file(db: sqlite3.Connection, project_id: int, report: FileReport, cached: CachedFile | None) -> None:
    packed = pack(report)
    prelink = cached.report if cached is not None and cached.report != packed else None
    criteria = report.criteria
    cursor = db.execute(
        "INSERT INTO files (project_id, path, language, digest, tuning_applied, auto_tuning, auto_hand_tuning, "
        "hand_tuning, parameterization, libraries, hyperparameters, errors, lines, report, prelink) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            project_id,
            report.path,
            str(report.language),
            cached.digest if cached is not None else None,
            report.tuning_applied,
            criteria.auto_tuning,
            criteria.auto_hand_tuning,
            criteria.hand_tuning,
            criteria.parameterization,
            json.dumps(report.libraries),
            json.dumps(report.hyperparameters),
            json.dumps([{"code": e.code, "message": e.message} for e in report.errors]),
            report.lines,
            packed,
            prelink,
        ),
    )
    file_id = cursor.lastrowid
    db.executemany(
        "INSERT INTO findings (project_id, file_id, kind, category, library, method, message, api, site, "
        "start_line, start_column, end_line, end_column, cell, confidence, source) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                project_id,
                file_id,
                str(f.kind),
                str(f.category),
                f.library,
                f.method,
                f.message,
                f.api,
                f.site,
                f.range.start.line,
                f.range.start.column,
                f.range.end.line,
                f.range.end.column,
                f.cell,
                f.confidence,
                f.source,
            )
            for f in report.findings
        ],
    )
    for site in report.sites:
        _insert_site(db, project_id, file_id, site)


def _insert_site(db: sqlite3.Connection, project_id: int, file_id: int | None, site: Site) -> None:
    cursor = db.execute(
        "INSERT INTO sites (project_id, file_id, site, library, method, categories, budget, start_line, cell, summary) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            project_id,
            file_id,
            site.id,
            site.library,
            site.method,
            json.dumps([str(c) for c in site.categories]),
            site.budget,
            site.range.start.line,
            site.cell,
            site.summary,
        ),
    )
    rows = []
    for hp in site.hyperparameters:
        space = hp.space
        rows.append(
            (
                project_id,
                file_id,
                cursor.lastrowid,
                site.library,
                site.method,
                hp.name,
                str(space.type) if space else None,
                space.low if space else None,
                space.high if space else None,
                bool(space and space.log),
                space.step if space else None,
                json.dumps(space.choices) if space and space.choices is not None else None,
                json.dumps(space.values) if space and space.values is not None else None,
                space.distribution if space else None,
            )
        )
    db.executemany(
        "INSERT INTO hyperparameters (project_id, file_id, site_id, library, method, name, type, low, high, log, "
        "step, choices, value_list, distribution) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
