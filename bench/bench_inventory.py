"""Inventory benchmark (not a test): >= 500 projects scanned into SQLite.

The projects are made in a work folder from local corpora: the shipped fixtures split into projects
of a few files each (the hydra examples whole), and this interpreter's site-packages split into
projects of a few .py files each (real, mostly untuned Python). Then:

1. first scan, 1 worker (this process), and a re-scan of the unchanged inventory;
2. first scan into a new database with 2 worker processes;
3. first scan into a new database on a local Ray cluster with 2 CPUs (when ray is installed;
   the cluster's start-up is timed apart);
4. database size per 1,000 files and peak memory (this process, and the largest worker).

    .venv/bin/python bench/bench_inventory.py [--projects 500] [--files-per-project 5] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import shutil
import sqlite3
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server"))

from hptlens.inventory.scan import InProcess, local_executor, scan_inventory  # noqa: E402
from hptlens.inventory.store import Store  # noqa: E402
from hptlens.settings import Settings  # noqa: E402

FIXTURE_KINDS = ("python", "cpp", "notebooks", "shell", "configs")


def make_projects(work: Path, count: int, per_project: int) -> list[Path]:
    """Fixture projects first, then site-packages projects until `count`."""
    fixtures = ROOT / "fixtures"
    files = [p for kind in FIXTURE_KINDS for p in sorted((fixtures / kind).iterdir()) if p.is_file()]
    groups = [files[i : i + per_project] for i in range(0, len(files), per_project)]
    projects: list[Path] = []
    for folder in sorted((fixtures / "hydra").iterdir()):
        if folder.is_dir():
            projects.append(Path(shutil.copytree(folder, work / f"hydra-{folder.name}")))
    for index, group in enumerate(groups):
        projects.append(_project(work / f"fixtures-{index:03d}", group))
    site = Path(sysconfig.get_paths()["purelib"])
    python = [p for p in sorted(site.rglob("*.py")) if p.is_file() and 200 <= p.stat().st_size <= 200_000]
    for index in range(0, len(python), per_project):
        if len(projects) >= count:
            break
        projects.append(_project(work / f"site-{index // per_project:04d}", python[index : index + per_project]))
    return projects


def _project(folder: Path, files: list[Path]) -> Path:
    folder.mkdir(parents=True)
    for number, source in enumerate(files):
        shutil.copy2(source, folder / f"{number:02d}_{source.name}")
    return folder


def build(database: Path, projects: list[Path]) -> None:
    with Store(database) as store:
        for folder in projects:
            store.add(str(folder))


def timed_scan(database: Path, executor: Any, in_flight: int) -> dict[str, Any]:
    with Store(database) as store:
        started = time.perf_counter()
        outcome = scan_inventory(store, Settings(), executor, in_flight=in_flight)
        seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "files": outcome.files,
        "analysed": outcome.files_analysed,
        "files_per_s": round(outcome.files / seconds, 1),
        "scanned": outcome.scanned,
        "unchanged": outcome.unchanged,
        "failed": outcome.failed,
    }


def database_size(database: Path) -> int:
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return database.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=500)
    parser.add_argument("--files-per-project", type=int, default=5)
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hptlens-bench-inventory-"))
    try:
        results = run(work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key:28s} {value}")
    return 0


def run(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    projects = make_projects(work / "projects", args.projects, args.files_per_project)
    results: dict[str, Any] = {"projects": len(projects)}
    one = work / "one.sqlite"
    build(one, projects)
    results["first_scan_1_worker"] = timed_scan(one, InProcess(), 1)
    results["peak_rss_mib_1_worker"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    results["rescan_unchanged"] = timed_scan(one, InProcess(), 1)
    results["rescan_speedup"] = round(
        results["first_scan_1_worker"]["seconds"] / max(results["rescan_unchanged"]["seconds"], 1e-6), 1
    )
    files = results["first_scan_1_worker"]["files"]
    size = database_size(one)
    results["db_bytes"] = size
    results["db_mib_per_1000_files"] = round(size / files * 1000 / 2**20, 2)
    two = work / "two.sqlite"
    build(two, projects)
    with local_executor(2) as pool:
        results["first_scan_2_workers"] = timed_scan(two, pool, 4)
    results["peak_rss_mib_largest_worker"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    if not args.no_ray and importlib.util.find_spec("ray") is not None:
        from hptlens.workspace.onray import RayExecutor

        started = time.perf_counter()
        executor = RayExecutor("local", num_cpus=2)
        results["ray_start_seconds"] = round(time.perf_counter() - started, 1)
        on_ray = work / "ray.sqlite"
        build(on_ray, projects)
        try:
            results["first_scan_ray_2_cpus"] = timed_scan(on_ray, executor, 4)
        finally:
            executor.shutdown()
    return results


if __name__ == "__main__":
    raise SystemExit(main())
