"""Inventories for tests: the shipped fixtures split into project folders in a temporary folder."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import zlib
from pathlib import Path
from typing import Any

from support.paths import FIXTURES

KINDS = ("python", "cpp", "notebooks", "shell", "configs")


def fixture_files() -> list[Path]:
    """The top-level fixture files of each kind (sub-folders are whole projects of their own)."""
    return [p for kind in KINDS for p in sorted((FIXTURES / kind).iterdir()) if p.is_file()]


def split_fixtures(target: Path, count: int, files_per_project: int) -> list[Path]:
    """`count` project folders under `target`, each with `files_per_project` fixture files taken in
    across the whole list (so projects differ and each has several kinds)."""
    files = fixture_files()
    stride = max(1, len(files) // files_per_project)
    projects: list[Path] = []
    for index in range(count):
        folder = target / f"project-{index:03d}"
        folder.mkdir(parents=True)
        for offset in range(files_per_project):
            source = files[(index + offset * stride) % len(files)]
            shutil.copy2(source, folder / source.name)
        projects.append(folder)
    return projects


def hydra_projects(target: Path) -> list[Path]:
    """The hydra fixture folders (a decorated script and its configs), copied as projects."""
    projects = []
    for folder in sorted((FIXTURES / "hydra").iterdir()):
        if folder.is_dir():
            projects.append(Path(shutil.copytree(folder, target / f"hydra-{folder.name}")))
    return projects


def git_repository(folder: Path, files: list[Path]) -> str:
    """A git repository at `folder` holding copies of `files`, committed; returns its HEAD."""
    folder.mkdir(parents=True)
    for source in files:
        shutil.copy2(source, folder / source.name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "--quiet"], cwd=folder, check=True)
    subprocess.run([*git, "add", "."], cwd=folder, check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", "fixtures"], cwd=folder, check=True)
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=folder, check=True, capture_output=True, text=True
    ).stdout.strip()


def contents(database: Path) -> dict[str, Any]:
    """What an inventory holds, without row ids or times: per project its row and every file's
    report, and the number of rows each child table has for it."""
    db = sqlite3.connect(database)
    projects = {}
    for project_id, name, status, error, files, findings, sites, fingerprint in db.execute(
        "SELECT id, name, status, error, files, findings, sites, fingerprint FROM projects"
    ):
        reports = {
            path: json.loads(zlib.decompress(blob))
            for path, blob in db.execute("SELECT path, report FROM files WHERE project_id = ?", (project_id,))
        }
        rows = {
            table: db.execute(f"SELECT COUNT(*) FROM {table} WHERE project_id = ?", (project_id,)).fetchone()[0]
            for table in ("files", "findings", "sites", "hyperparameters")
        }
        projects[name] = {
            "row": (status, error, files, findings, sites, fingerprint),
            "reports": reports,
            "rows": rows,
        }
    db.close()
    return projects
