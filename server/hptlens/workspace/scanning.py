"""Scanning: read and analyse every discovered file (serially or in worker processes), then link
configs across files. `scan` is the only way a folder becomes a report."""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from hptlens.documents import Document, detect_language
from hptlens.report import FileError, FileReport
from hptlens.settings import Settings, load_settings
from hptlens.workspace.discovery import discover
from hptlens.workspace.isolation import analyze_isolated
from hptlens.workspace.reading import error_report, read_document

log = logging.getLogger(__name__)

PARALLEL_MIN_FILES = 50
"""With jobs=0, fewer files than this are analysed serially (a pool costs more)."""
PROGRESS_MIN_FILES = 20
"""A progress bar is only worth showing for more files than this."""


def analyze_file(path: Path | str, display: str, settings: Settings) -> FileReport:
    """Read and analyse one file. Never raises: every failure is an errors entry."""
    try:
        document, problems = read_document(Path(path), display, settings)
        if document is None:
            return FileReport(path=display, language=detect_language(display), errors=problems)
        report = _analyze(document, settings)
    except Exception as exc:  # a bug here must cost one file, not the scan
        return error_report(display, "internal-error", f"reading failed: {type(exc).__name__}: {exc}")
    if problems:
        report = report.model_copy(update={"errors": [*problems, *report.errors]})
    return report


def _analyze(document: Document, settings: Settings) -> FileReport:
    try:
        from hptlens import analysis

        return analysis.analyze(document, settings)
    except Exception as exc:  # analyze should never raise; if it does, keep going
        log.error("analysis of %s failed", document.path, exc_info=True)
        message = f"analysis failed: {type(exc).__name__}: {exc}"
        return FileReport(
            path=document.path,
            language=document.language,
            errors=[FileError(code="internal-error", message=message)],
        )


def scan(
    paths: Sequence[str | Path],
    settings: Settings | None = None,
    jobs: int = 0,
    progress: bool = False,
    worker_setup: Callable[[], None] | None = None,
    isolate: bool = False,
) -> list[FileReport]:
    """Discover, read and analyse every file under `paths`; one report per file, sorted by path.

    settings: None reads `[tool.hptlens]` from the nearest pyproject.toml (warnings are logged).
    jobs: 0 picks serial or a process pool by the number of files, 1 is serial, N uses N processes.
    progress: show a transient progress bar on stderr (only for more than PROGRESS_MIN_FILES files).
    worker_setup: run first in each worker process (the CLI installs its log handler there too).
    isolate: analyse in worker processes even serially, so that a native crash costs only its
    file (an `internal-error` entry); the CLI does, in-process callers may not need to.
    """
    roots = [Path(p) for p in paths]
    if settings is None:
        settings, warnings = load_settings(roots[0] if roots else Path.cwd())
        for warning in warnings:
            log.warning("%s", warning)
    errors: list[FileReport] = []
    entries = list(discover(roots, settings, errors))
    from hptlens.analysis.links import link_configs  # here: the analysis (tree-sitter) loads on first use

    analysed = _analyze_all(entries, settings, _workers(jobs, len(entries)), progress, worker_setup, isolate)
    reports = link_configs(analysed, settings)
    return sorted([*reports, *errors], key=lambda report: report.path)


def link_configs_on_disk(
    report: FileReport,
    file_path: Path,
    settings: Settings | None = None,
    readable: Callable[[str], bool] = lambda path: True,
) -> FileReport:
    """The link step for one document (the editor's): the hydra configs it names are read from
    disk beside it (and those their defaults list pulls in), analysed and linked as a scan would.
    Only those candidate files are read, and only those `readable` allows; the report keeps its path."""
    from hptlens.analysis.links import HYDRA_ENTRY_KINDS, config_candidates, defaults_candidates, link_configs

    refs = [ref for ref in report.config_refs if ref.kind in HYDRA_ENTRY_KINDS]
    if not refs:
        return report
    settings = settings or Settings()
    probe = report.model_copy(update={"path": file_path.absolute().as_posix()})
    configs: dict[str, FileReport] = {}

    def load(candidates: list[str]) -> None:
        for candidate in candidates:
            if candidate not in configs and readable(candidate) and Path(candidate).is_file():
                configs[candidate] = analyze_file(candidate, candidate, settings)

    for ref in refs:
        load(config_candidates(ref, probe.path))
    for config in list(configs.values()):
        load(defaults_candidates(config))
    if not configs:
        return report
    linked = link_configs([probe, *configs.values()], settings)[0]
    return linked.model_copy(update={"path": report.path})


def _link_key(path: str) -> str:
    return os.path.normcase(os.path.normpath(os.path.abspath(path)))


def _workers(jobs: int, files: int) -> int:
    if jobs == 1 or files < 2:
        return 1
    if jobs <= 0:
        return 1 if files < PARALLEL_MIN_FILES else max(1, os.cpu_count() or 1)
    return min(jobs, files)


def _analyze_all(
    entries: list[tuple[Path, str]],
    settings: Settings,
    workers: int,
    progress: bool,
    worker_setup: Callable[[], None] | None,
    isolate: bool = False,
) -> list[FileReport]:
    reports: list[FileReport] = []
    with _progress_bar(len(entries), progress) as advance:
        if isolate and entries:
            isolated = _analyze_isolated(entries, settings, workers, advance, worker_setup)
            if isolated is not None:
                return isolated
        if workers > 1:
            _analyze_pooled(entries, settings, workers, reports, advance, worker_setup)
        # Serial, or whatever a failed pool left undone.
        for path, display in entries[len(reports) :]:
            reports.append(analyze_file(path, display, settings))
            advance()
    return reports


def _analyze_pooled(
    entries: list[tuple[Path, str]],
    settings: Settings,
    workers: int,
    reports: list[FileReport],
    advance: Callable[[], None],
    worker_setup: Callable[[], None] | None,
) -> None:
    task = partial(_analyze_task, settings=settings)
    chunk = max(1, min(64, len(entries) // (workers * 8)))
    # spawn, not fork: the progress bar runs a thread, and forking a threaded process can deadlock.
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(workers, context, initializer=worker_setup) as pool:
            for report in pool.map(task, [(str(p), d) for p, d in entries], chunksize=chunk):
                reports.append(report)
                advance()
    except Exception as exc:  # a broken pool (killed worker, no /dev/shm) degrades to serial
        log.warning("parallel scan failed (%s: %s); continuing serially", type(exc).__name__, exc)


def _analyze_isolated(
    entries: list[tuple[Path, str]],
    settings: Settings,
    workers: int,
    advance: Callable[[], None],
    worker_setup: Callable[[], None] | None,
) -> list[FileReport] | None:
    """Every file analysed in a worker that may crash; None if no worker can be started at all."""
    found: list[FileReport | None] = [None] * len(entries)
    batch = max(1, min(64, len(entries) // (workers * 8)))
    task = partial(analyze_batch, settings=settings)
    try:
        for index, report in analyze_isolated([(str(p), d) for p, d in entries], task, workers, batch, worker_setup):
            found[index] = report
            advance()
    except Exception as exc:  # no worker processes here (no /dev/shm, a sandbox): in-process, as before
        log.warning("worker processes failed (%s: %s); analysing in this process", type(exc).__name__, exc)
        return None
    return [r if r is not None else analyze_file(p, d, settings) for r, (p, d) in zip(found, entries)]


TEST_CRASH_ENV = "HPTLENS_TEST_CRASH_MARKER"
"""Tests only: a worker analysing a file whose path contains this value kills itself with
SIGSEGV, as a native parser fault would. Unset in normal use."""


def analyze_batch(entries: list[tuple[str, str]], settings: Settings) -> list[FileReport]:
    """A worker's task: analyse these files (see workspace.isolation)."""
    marker = os.environ.get(TEST_CRASH_ENV)
    if marker and any(marker in display for _, display in entries):
        import signal

        os.kill(os.getpid(), signal.SIGSEGV)
    return [analyze_file(path, display, settings) for path, display in entries]


def _analyze_task(entry: tuple[str, str], settings: Settings) -> FileReport:
    return analyze_file(entry[0], entry[1], settings)


@contextmanager
def _progress_bar(total: int, enabled: bool) -> Iterator[Callable[[], None]]:
    if not enabled or total <= PROGRESS_MIN_FILES:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("scan", total=total)
        yield lambda: bar.advance(task)
