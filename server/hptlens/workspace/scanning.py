"""Scanning: read and analyse every discovered file (serially or in worker processes), then link
configs across files. `scan` is the only way a folder becomes a report."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from hptlens.documents import Document, detect_language
from hptlens.report import FileError, FileReport
from hptlens.settings import Settings, load_settings
from hptlens.workspace.cache import ReportCache, keep_analysed, split_cached
from hptlens.workspace.discovery import discover
from hptlens.workspace.isolation import analyze_isolated, worker_context
from hptlens.workspace.reading import error_report, read_document

log = logging.getLogger(__name__)

PARALLEL_MIN_BYTES = 1 << 20
"""With jobs=0, files smaller than this in total are analysed by one process: one core analyses
about 5 MB/s, and starting, feeding and draining a pool of several costs tens of milliseconds, so
below about a megabyte more workers do not finish sooner."""
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


@dataclass(frozen=True)
class EditorView:
    """What an editor adds to a scan (its export): open buffers instead of the disk, paths
    relative to its workspace folder, files to leave out, progress and cancellation."""

    buffers: Mapping[str, Document] = field(default_factory=dict)
    """Absolute path -> the open document (its text as the editor has it)."""
    relative_to: str | None = None
    """Report paths relative to this folder (else as discovered: relative to the working folder)."""
    skip: frozenset[str] = frozenset()
    """Absolute paths left out (the export's own report files)."""
    progress: Callable[[int, int], None] = lambda done, total: None
    cancelled: Callable[[], bool] = lambda: False


BatchRunner = Callable[[list[tuple[Path, str]], Settings, Callable[[int], None]], list[FileReport]]
"""Analyses (file path, display path) entries somewhere else and returns their reports in order,
calling its third argument with the number of files each finished batch held (the progress)."""


class ScanCancelled(Exception):
    """The editor cancelled the scan (`EditorView.cancelled`)."""


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
    editor: EditorView | None = None,
    cache: ReportCache | None = None,
    runner: BatchRunner | None = None,
) -> list[FileReport]:
    """Discover, read and analyse every file under `paths`; one report per file, sorted by path.
    The only pipeline from a folder to a report: the CLI's scan and the editor's export.

    settings: None reads `[tool.hptlens]` from the nearest pyproject.toml (warnings are logged).
    jobs: 0 picks serial or a process pool by the number of files, 1 is serial, N uses N processes.
    progress: show a transient progress bar on stderr (only for more than PROGRESS_MIN_FILES files).
    worker_setup: run first in each worker process (the CLI installs its log handler there too).
    isolate: analyse in worker processes even serially, so that a native crash costs only its
    file (an `internal-error` entry); the CLI does, in-process callers may not need to.
    editor: the editor's view (open buffers, paths relative to its folder, progress, cancellation;
    ScanCancelled when it cancels).
    cache: reports of files whose content is unchanged, kept before the link step (workspace.cache).
    runner: analyses the files in batches elsewhere (the Ray runner), instead of local processes.
    """
    roots = [Path(p) for p in paths]
    if settings is None:
        settings, warnings = load_settings(roots[0] if roots else Path.cwd())
        for warning in warnings:
            log.warning("%s", warning)
    view = editor or EditorView()
    errors: list[FileReport] = []
    entries = [e for e in discover(roots, settings, errors) if os.path.abspath(e[0]) not in view.skip]
    if view.relative_to is not None:  # linked on absolute paths, whatever the working folder
        entries = [(path, Path(os.path.abspath(path)).as_posix()) for path, _ in entries]
    from hptlens.analysis.links import link_configs  # here: the analysis (tree-sitter) loads on first use

    open_docs = {p: doc for p, doc in view.buffers.items() if len(doc.text) <= settings.max_file_bytes}
    buffered = [e for e in entries if os.path.abspath(e[0]) in open_docs]
    on_disk = [e for e in entries if os.path.abspath(e[0]) not in open_docs]  # an oversized buffer: as on disk
    analysed = [_analyze(replace(open_docs[os.path.abspath(p)], path=d), settings) for p, d in buffered]
    view.progress(len(analysed), len(entries))
    digests: list[str | None] = []
    if cache is not None:
        hits, on_disk, digests = split_cached(on_disk, cache, settings.max_file_bytes)
        analysed += hits
    counted = partial(_counted, view, len(analysed), len(entries))
    workers = _workers(jobs, on_disk)
    if runner is not None:
        fresh = _run_elsewhere(runner, on_disk, settings, progress, counted())
    else:
        fresh = _analyze_all(on_disk, settings, workers, progress, worker_setup, isolate, counted(), view.cancelled)
    if view.cancelled():
        raise ScanCancelled("scan cancelled")
    if cache is not None:
        keep_analysed(cache, on_disk, digests, fresh)
    analysed += fresh
    reports = [*link_configs(analysed, settings), *errors]
    if view.relative_to is not None:
        base = view.relative_to
        reports = [r.model_copy(update={"path": _relative(r.path, base)}) for r in reports]
    return sorted(reports, key=lambda report: report.path)


def _run_elsewhere(
    runner: BatchRunner,
    entries: list[tuple[Path, str]],
    settings: Settings,
    progress: bool,
    counted: Callable[[], None],
) -> list[FileReport]:
    """The runner's batches, with the same progress bar and editor progress as local workers."""
    with _progress_bar(len(entries), progress) as bar:

        def finished(files: int) -> None:
            for _ in range(files):
                bar()
                counted()

        return runner(entries, settings, finished)


def _counted(view: EditorView, done: int, total: int) -> Callable[[], None]:
    """A callback for each file analysed that tells the editor how far the scan is."""
    count = [done]

    def advance() -> None:
        count[0] += 1
        view.progress(count[0], total)

    return advance


def _relative(path: str, base: str) -> str:
    return Path(os.path.relpath(os.path.abspath(path), base)).as_posix()


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


def _workers(jobs: int, entries: list[tuple[Path, str]]) -> int:
    if jobs == 1 or len(entries) < 2:
        return 1
    if jobs <= 0:
        cores = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
        return 1 if _total_bytes(entries, PARALLEL_MIN_BYTES) < PARALLEL_MIN_BYTES else min(cores, len(entries))
    return min(jobs, len(entries))


def _total_bytes(entries: list[tuple[Path, str]], enough: int) -> int:
    """The files' sizes added up until `enough` (a file that cannot be read counts 0 here)."""
    total = 0
    for path, _ in entries:
        try:
            total += os.stat(path).st_size
        except OSError:
            continue
        if total >= enough:
            break
    return total


def _analyze_all(
    entries: list[tuple[Path, str]],
    settings: Settings,
    workers: int,
    progress: bool,
    worker_setup: Callable[[], None] | None,
    isolate: bool = False,
    counted: Callable[[], None] = lambda: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> list[FileReport]:
    reports: list[FileReport] = []
    with _progress_bar(len(entries), progress) as bar:

        def advance() -> None:
            bar()
            counted()

        if (isolate or workers > 1) and entries and worker_context().get_start_method() == "fork":
            from hptlens.analysis import prepare

            prepare(detect_language(display) for _, display in entries)
        if isolate and entries:
            isolated = _analyze_isolated(entries, settings, workers, advance, worker_setup, cancelled)
            if isolated is not None:
                return isolated
        if workers > 1:
            _analyze_pooled(entries, settings, workers, reports, advance, worker_setup, cancelled)
        # Serial, or whatever a failed pool left undone.
        for path, display in entries[len(reports) :]:
            if cancelled():
                break
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
    cancelled: Callable[[], bool],
) -> None:
    task = partial(_analyze_task, settings=settings)
    chunk = max(1, min(64, len(entries) // (workers * 8)))
    try:
        with ProcessPoolExecutor(workers, worker_context(), initializer=worker_setup) as pool:
            for report in pool.map(task, [(str(p), d) for p, d in entries], chunksize=chunk):
                if cancelled():
                    pool.shutdown(cancel_futures=True)
                    break
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
    cancelled: Callable[[], bool],
) -> list[FileReport] | None:
    """Every file analysed in a worker that may crash; None if no worker can be started at all."""
    found: list[FileReport | None] = [None] * len(entries)
    batch = max(1, min(64, len(entries) // (workers * 8)))
    task = partial(analyze_batch, settings=settings)
    try:
        pairs = [(str(p), d) for p, d in entries]
        for index, report in analyze_isolated(pairs, task, workers, batch, worker_setup, cancelled):
            found[index] = report
            advance()
    except Exception as exc:  # no worker processes here (no /dev/shm, a sandbox): in-process, as before
        log.warning("worker processes failed (%s: %s); analysing in this process", type(exc).__name__, exc)
        return None
    if cancelled():
        return [r for r in found if r is not None]
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
    """Advances a transient bar on stderr; the bar (and its refresh thread) starts at the first
    advance, once the worker pool has been forked from a process without other threads."""
    if not enabled or total <= PROGRESS_MIN_FILES:
        yield lambda: None
        return
    with ExitStack() as stack:
        advance: list[Callable[[], None]] = []

        def first_or_next() -> None:
            if not advance:
                advance.append(_start_bar(stack, total))
            advance[0]()

        yield first_or_next


def _start_bar(stack: ExitStack, total: int) -> Callable[[], None]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    bar = stack.enter_context(Progress(*columns, console=Console(stderr=True), transient=True))
    task = bar.add_task("scan", total=total)
    return lambda: bar.advance(task)
