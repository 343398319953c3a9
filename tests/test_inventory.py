"""The inventory on a real SQLite database: incremental re-scans, a kill -9 mid-scan and its
resume, sources that cannot be cloned, the report formats and the read-only SQL."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from hptlens.cli import main
from hptlens.inventory.models import InventoryReport
from hptlens.inventory.scan import InProcess, scan_inventory
from hptlens.inventory.schema import SCHEMA_VERSION, SchemaError
from hptlens.inventory.store import Store
from hptlens.settings import Settings
from support.paths import FIXTURES, ROOT
from support.projects import contents, git_repository, hydra_projects, split_fixtures


def inventory(database: Path, projects: list[Path]) -> None:
    with Store(database) as store:
        for folder in projects:
            store.add(str(folder))


def scan_all(database: Path) -> Any:
    with Store(database) as store:
        return scan_inventory(store, Settings(), InProcess())


def test_rescan_of_an_unchanged_inventory_analyses_nothing(tmp_path: Path) -> None:
    projects = split_fixtures(tmp_path / "src", 6, 4) + hydra_projects(tmp_path / "src")
    database = tmp_path / "inv.sqlite"
    inventory(database, projects)
    first = scan_all(database)
    assert first.scanned == len(projects) and first.files_analysed == first.files > 0
    before = contents(database)
    second = scan_all(database)
    assert (second.scanned, second.unchanged, second.files_analysed) == (0, len(projects), 0)
    assert contents(database) == before


def test_rescan_analyses_only_the_changed_file_and_matches_a_fresh_scan(tmp_path: Path) -> None:
    projects = split_fixtures(tmp_path / "src", 4, 5) + hydra_projects(tmp_path / "src")
    database = tmp_path / "inv.sqlite"
    inventory(database, projects)
    scan_all(database)
    # A Python file of the project (the split takes every kind of fixture): its content replaced.
    changed = next(path for path in sorted(projects[1].iterdir()) if path.suffix == ".py")
    changed.write_text(
        "import optuna\n\n\ndef objective(trial):\n    return trial.suggest_float('lr', 1e-5, 1e-2, log=True)\n\n\n"
        "optuna.create_study().optimize(objective, n_trials=20)\n",
        encoding="utf-8",
    )
    (projects[2] / "added_loop.py").write_text(
        "for lr in [0.1, 0.01, 0.001]:\n    train(learning_rate=lr)\n", encoding="utf-8"
    )
    # A hydra config edited: the script that names it is re-linked although its bytes did not change.
    sweep = next((tmp_path / "src").glob("hydra-*/**/*.yaml"))
    sweep.write_text(sweep.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    again = scan_all(database)
    assert again.scanned == 3
    assert again.files_analysed == 3  # the edited file, the new one and the edited config
    fresh = tmp_path / "fresh.sqlite"
    inventory(fresh, projects)
    scan_all(fresh)
    assert contents(database) == contents(fresh)
    assert "lr" in contents(database)[projects[1].name]["reports"][changed.name]["hyperparameters"]


def _scanned(database: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
        try:
            return int(db.execute("SELECT COUNT(*) FROM projects WHERE status = 'scanned'").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def test_kill_9_mid_scan_then_resume_loses_and_doubles_nothing(tmp_path: Path) -> None:
    projects = split_fixtures(tmp_path / "src", 12, 12)
    database = tmp_path / "inv.sqlite"
    inventory(database, projects)
    command = [sys.executable, "-m", "hptlens", "inventory", "scan", "--db", str(database), "--jobs", "1"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "server")}
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _scanned(database) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL, "the scan ended before it could be killed"
    done_at_kill = _scanned(database)
    assert 2 <= done_at_kill < len(projects)
    resumed = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done_at_kill} unchanged" in resumed.stderr
    reference = tmp_path / "reference.sqlite"
    inventory(reference, projects)
    scan_all(reference)
    assert contents(database) == contents(reference)
    db = sqlite3.connect(database)
    doubled = db.execute("SELECT project_id, path FROM files GROUP BY project_id, path HAVING COUNT(*) > 1").fetchall()
    assert doubled == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_source_that_cannot_be_cloned_is_recorded_and_the_rest_scanned(tmp_path: Path) -> None:
    head = git_repository(tmp_path / "repo", [FIXTURES / "python" / "ray_pbt_rllib_ppo.py"])
    folder = split_fixtures(tmp_path / "src", 1, 3)[0]
    database = tmp_path / "inv.sqlite"
    bad = (tmp_path / "no-such-repo.git").as_uri()
    assert main(["inventory", "add", "--db", str(database), bad, (tmp_path / "repo").as_uri(), str(folder)]) == 0
    assert main(["inventory", "scan", "--db", str(database), "--jobs", "1"]) == 0
    with Store(database) as store:
        by_name = {p.name: p for p in store.projects()}
    failed = by_name["no-such-repo"]
    assert failed.status == "error" and failed.error is not None and "git clone failed" in failed.error
    cloned = by_name["repo"]
    assert cloned.status == "scanned" and cloned.commit_sha == head and cloned.files_with_tuning == 1
    assert Path(cloned.root).parent == database.parent / "inv.sqlite.clones"
    assert by_name[folder.name].status == "scanned"
    # The clone is brought up to date on the next scan: a new commit is scanned.
    (tmp_path / "repo" / "more.py").write_text("for gamma in [0.9, 0.99]:\n    train(gamma=gamma)\n", encoding="utf-8")
    new_head = git_repository_commit(tmp_path / "repo")
    assert main(["inventory", "scan", "--db", str(database), "--jobs", "1"]) == 0
    with Store(database) as store:
        updated = next(p for p in store.projects() if p.name == "repo")
    assert (updated.commit_sha, updated.files) == (new_head, 2)


def git_repository_commit(folder: Path) -> str:
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    subprocess.run([*git, "add", "."], cwd=folder, check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", "more"], cwd=folder, check=True)
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=folder, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture()
def scanned_inventory(tmp_path: Path) -> Path:
    projects = split_fixtures(tmp_path / "src", 8, 12)
    database = tmp_path / "inv.sqlite"
    listing = tmp_path / "projects.txt"
    listing.write_text("# one source a line\n" + "\n".join(f"src/{p.name}" for p in projects) + "\n", encoding="utf-8")
    assert main(["inventory", "add", "--db", str(database), str(listing)]) == 0
    assert main(["inventory", "scan", "--db", str(database), "--jobs", "1"]) == 0
    return database


def test_report_formats(scanned_inventory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["inventory", "report", "--db", str(scanned_inventory), "--format", "json"]) == 0
    report = InventoryReport.model_validate_json(capsys.readouterr().out)
    assert len(report.projects) == 8 and all(p.status == "scanned" for p in report.projects)
    assert report.by_criterion and report.by_library and report.hyperparameters
    assert report.pbt_projects and report.hand_loop_projects
    top = report.hyperparameters[0]
    assert top.projects >= top.projects and top.projects >= report.hyperparameters[-1].projects
    lr = next(s for s in report.hyperparameters if s.name in ("lr", "learning_rate"))
    assert lr.low_min is not None and lr.high_max is not None and lr.low_min < lr.high_max

    assert main(["inventory", "report", "--db", str(scanned_inventory), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["name"] for r in rows] == [p.name for p in report.projects]
    assert {r["pbt"] for r in rows} == {"yes", "no"}
    args = ["inventory", "report", "--db", str(scanned_inventory), "--format", "csv", "--table", "hyperparameters"]
    assert main(args) == 0
    spreads = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["name"] for r in spreads] == [s.name for s in report.hyperparameters]

    assert main(["inventory", "report", "--db", str(scanned_inventory)]) == 0
    text = capsys.readouterr().out
    assert "8 projects" in text and "PBT: " + ", ".join(report.pbt_projects) in text
    assert f"{lr.name}: {lr.projects} projects" in text


def test_sql_reads_and_refuses_writes(scanned_inventory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    query = "SELECT name, files FROM projects ORDER BY name"
    assert main(["inventory", "sql", "--db", str(scanned_inventory), "--format", "json", query]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 8 and all(r["files"] == 12 for r in rows)
    before = scanned_inventory.read_bytes()
    for statement in (
        "DELETE FROM projects",
        "DROP TABLE files",
        "INSERT INTO projects (source, kind, name, root) VALUES ('x', 'folder', 'x', 'x')",
        "PRAGMA user_version = 7",
    ):
        assert main(["inventory", "sql", "--db", str(scanned_inventory), statement]) == 2
        assert "readonly" in capsys.readouterr().err
    assert scanned_inventory.read_bytes() == before


def test_schema_is_versioned_and_a_newer_one_refused(tmp_path: Path) -> None:
    database = tmp_path / "inv.sqlite"
    Store(database).close()
    db = sqlite3.connect(database)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(SchemaError):
        Store(database)


def test_add_refuses_what_is_not_a_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", "add", "--db", str(tmp_path / "inv.sqlite"), str(tmp_path / "missing")]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert main(["inventory", "scan", "--db", str(tmp_path / "none.sqlite")]) == 2
