"""`inventory scan`: bring every project up to date, one project at a time into the store.

For each project: clone or update it (git sources), fingerprint what a scan would read (paths and
content digests of the discovered files, the tool version and settings); an unchanged fingerprint
means nothing to do. Otherwise the project is analysed by `workspace.scan` (the one pipeline from
a folder to reports) with the content-hash cache of its last scan, so only changed files are
analysed again, and its results are written in one transaction.

The per-project analysis (`run_project`) runs in this process (jobs=1), in a pool of worker
processes, or as Ray tasks: each gets the same `ProjectTask` and gives the same `ProjectResult`,
and results are written in the order the projects were added, so the database is the same
whichever ran them.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import ParamSpec, TypeVar

from hptlens import __version__
from hptlens.inventory.models import CachedFile, Project, ProjectResult, ProjectTask, ScanOutcome
from hptlens.inventory.sources import SourceError, fetch, head_commit
from hptlens.inventory.store import Store, pack, unpack
from hptlens.report import FileReport, unicode_safe
from hptlens.settings import Settings
from hptlens.workspace import discover
from hptlens.workspace.cache import file_digest
from hptlens.workspace.scanning import EditorView, scan

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_P = ParamSpec("_P")

Progress = Callable[[int, int, Project, str], None]
"""(projects done, projects in all, the project, what happened to it)."""


def analysis_key(settings: Settings) -> str:
    """What results depend on besides the files: the hptlens version and the settings."""
    text = f"{__version__}\n{settings.model_dump_json()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(root: Path, settings: Settings, key: str) -> str:
    """sha256 over the files a scan of `root` would read (relative path and content digest), the
    discovery errors and `key`: equal fingerprints mean equal results."""
    errors: list[FileReport] = []
    digest = hashlib.sha256(key.encode("utf-8"))
    for path, _ in discover([root], settings, errors):
        relative = Path(os.path.relpath(os.path.abspath(path), root)).as_posix()
        digest.update(f"{relative}\0{file_digest(path, settings.max_file_bytes)}\n".encode("utf-8", "surrogateescape"))
    for report in sorted(errors, key=lambda r: r.path):
        codes = ",".join(e.code for e in report.errors)
        digest.update(f"!{report.path}\0{codes}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


class _TaskCache:
    """The workspace cache over one project's stored files, keeping what the next scan needs."""

    def __init__(self, root: Path, cached: dict[str, CachedFile]) -> None:
        self.root = root
        self.cached = cached
        self.kept: dict[str, CachedFile] = {}
        self.hits = 0

    def _relative(self, display: str) -> str:
        return Path(os.path.relpath(display, self.root)).as_posix()

    def lookup(self, display: str, digest: str) -> FileReport | None:
        relative = self._relative(display)
        found = self.cached.get(relative)
        if found is None or found.digest != digest:
            return None
        self.hits += 1
        self.kept[relative] = found
        return unpack(found.report).model_copy(update={"path": display})

    def store(self, display: str, digest: str, report: FileReport) -> None:
        relative = self._relative(display)
        self.kept[relative] = CachedFile(digest=digest, report=pack(report.model_copy(update={"path": relative})))


def run_project(task: ProjectTask, isolate: bool = False) -> ProjectResult:
    """Analyse one project (in any process): its reports, paths relative to its root."""
    root = Path(task.root)
    settings = Settings.model_validate_json(task.settings_json)
    cache = _TaskCache(root, task.cache)
    files = scan([root], settings, jobs=1, isolate=isolate, editor=EditorView(relative_to=str(root)), cache=cache)
    reports = [unicode_safe(f) for f in files]
    return ProjectResult(
        project_id=task.project_id, files=reports, prelink=cache.kept, analysed=len(reports) - cache.hits
    )


class InProcess(Executor):
    """jobs=1: every project analysed in this process, when it is submitted."""

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        future: Future[_T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


def local_executor(jobs: int) -> Executor:
    """jobs 1: this process; N: N spawned worker processes; 0: one per CPU."""
    if jobs == 1:
        return InProcess()
    workers = jobs if jobs > 1 else max(1, os.cpu_count() or 1)
    # spawn, not fork: a progress bar or the caller's threads make fork unsafe.
    return ProcessPoolExecutor(workers, multiprocessing.get_context("spawn"))


def scan_inventory(
    store: Store,
    settings: Settings,
    executor: Executor,
    progress: Progress = lambda done, total, project, what: None,
    in_flight: int = 4,
) -> ScanOutcome:
    """Bring every project of the store up to date; never raises for one project's failure."""
    started = time.perf_counter()
    key = analysis_key(settings)
    settings_json = settings.model_dump_json()
    projects = store.projects()
    outcome = ScanOutcome(projects=len(projects))
    pending: deque[tuple[Project, ProjectTask, str, str | None, Future[ProjectResult]]] = deque()

    def finish_oldest() -> None:
        project, task, print_, commit, future = pending.popleft()
        result = _result(future, task)
        if result.error is not None:
            store.record_error(project, result.error)
            outcome.failed += 1
            progress(_done(outcome), outcome.projects, project, f"failed: {result.error}")
            return
        store.write(project, result, print_, key, commit)
        outcome.scanned += 1
        outcome.files += len(result.files)
        outcome.files_analysed += result.analysed
        progress(_done(outcome), outcome.projects, project, f"scanned, {len(result.files)} files")

    for project in projects:
        try:
            root, commit = _prepare(project)
            print_ = fingerprint(root, settings, key)
        except SourceError as exc:
            store.record_error(project, str(exc))
            outcome.failed += 1
            progress(_done(outcome), outcome.projects, project, f"failed: {exc}")
            continue
        if project.status == "scanned" and project.fingerprint == print_ and project.commit_sha == commit:
            outcome.unchanged += 1
            outcome.files += project.files
            progress(_done(outcome), outcome.projects, project, "unchanged")
            continue
        task = ProjectTask(
            project_id=project.id, root=str(root), settings_json=settings_json, cache=store.cached(project)
        )
        try:
            future = executor.submit(run_project, task)
        except BrokenProcessPool:  # the pool lost a worker earlier: the rest here, each file isolated
            executor = InProcess()
            future = executor.submit(run_project, task, True)
        pending.append((project, task, print_, commit, future))
        while len(pending) >= in_flight:
            finish_oldest()
    while pending:
        finish_oldest()
    outcome.seconds = round(time.perf_counter() - started, 3)
    return outcome


def _done(outcome: ScanOutcome) -> int:
    return outcome.scanned + outcome.unchanged + outcome.failed


def _prepare(project: Project) -> tuple[Path, str | None]:
    """The folder to scan and its commit: a git source cloned or updated, a folder checked."""
    root = Path(project.root)
    if project.kind == "git":
        return root, fetch(project.source, root)
    if not root.is_dir():
        raise SourceError(f"not a folder (or not readable): {root}")
    return root, head_commit(root)


def _result(future: Future[ProjectResult], task: ProjectTask) -> ProjectResult:
    try:
        return future.result()
    except BrokenProcessPool:
        # A worker died (a native crash): this project again here, each file in a worker of its own.
        log.warning("an analysis worker died; scanning %s again with each file isolated", task.root)
        try:
            return run_project(task, isolate=True)
        except Exception as exc:
            return ProjectResult(project_id=task.project_id, files=[], error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # one project's failure is recorded on it; the scan goes on
        return ProjectResult(
            project_id=task.project_id, files=[], error=f"analysis failed: {type(exc).__name__}: {exc}"
        )
