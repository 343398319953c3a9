"""Analysis in worker processes that may die: a native crash costs its file, not the scan.

tree-sitter is C; a parser bug can end the process that runs it (a segfault), which no
`except` catches. Files are analysed in a pool of worker processes. When a worker dies, the
pool breaks and every unfinished task fails with it: the files that may have been in a
worker then (at most the first `workers + 1` unfinished batches, since the pool hands out
tasks in order) are run again one at a time in a single fresh worker, which names the file
that crashes; it is reported as `internal-error` and the rest go back to a full pool. Workers are
forked where that is safe (see `worker_context`), else spawned.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from hptlens.documents import detect_language
from hptlens.report import FileError, FileReport

log = logging.getLogger(__name__)

Task = Callable[[list[tuple[str, str]]], list[FileReport]]
"""Analyses a batch of (file path, display path); runs in a worker, must be picklable."""

CRASH_MESSAGE = "the analysis crashed its worker process (a fault in native parser code); the file was not analysed"


def analyze_isolated(
    entries: Sequence[tuple[str, str]],
    task: Task,
    workers: int,
    batch: int,
    setup: Callable[[], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Iterator[tuple[int, FileReport]]:
    """(index into `entries`, report) for every entry, in completion order; never raises for a crash."""
    pending = list(range(len(entries)))
    while pending and not cancelled():
        done: set[int] = set()
        broken = False
        for index, report in _pool_round(entries, pending, task, workers, batch, setup, cancelled):
            if report is None:
                broken = True
                continue
            done.add(index)
            yield index, report
        pending = [i for i in pending if i not in done]
        if broken and pending:
            suspects = pending[: (workers + 1) * batch]
            for index, report in _probe(entries, suspects, task, setup, cancelled):
                done.add(index)
                yield index, report
            pending = [i for i in pending if i not in done]


def _pool_round(
    entries: Sequence[tuple[str, str]],
    pending: list[int],
    task: Task,
    workers: int,
    batch: int,
    setup: Callable[[], None] | None,
    cancelled: Callable[[], bool],
) -> Iterator[tuple[int, FileReport | None]]:
    """Results of one pool; (-1, None) once if the pool broke (the rest are then not run)."""
    batches = [pending[i : i + batch] for i in range(0, len(pending), batch)]
    with ProcessPoolExecutor(workers, worker_context(), initializer=setup) as pool:
        futures: list[tuple[list[int], Future[list[FileReport]]]] = [
            (chunk, pool.submit(task, [entries[i] for i in chunk])) for chunk in batches
        ]
        for chunk, future in futures:
            if cancelled():
                pool.shutdown(cancel_futures=True)
                return
            try:
                reports = future.result()
            except BrokenProcessPool:
                log.warning("an analysis worker process died; finding the file that crashed it")
                yield -1, None
                return
            yield from zip(chunk, reports)


def _probe(
    entries: Sequence[tuple[str, str]],
    suspects: list[int],
    task: Task,
    setup: Callable[[], None] | None,
    cancelled: Callable[[], bool],
) -> Iterator[tuple[int, FileReport]]:
    """Each suspect alone in one worker (a new one after each crash)."""
    pool: ProcessPoolExecutor | None = None
    try:
        for index in suspects:
            if cancelled():
                return
            if pool is None:
                pool = ProcessPoolExecutor(1, worker_context(), initializer=setup)
            try:
                yield index, pool.submit(task, [entries[index]]).result()[0]
            except BrokenProcessPool:
                pool.shutdown(wait=True)
                pool = None
                yield index, crash_report(entries[index][1])
    finally:
        if pool is not None:
            pool.shutdown(wait=True)


def worker_context() -> multiprocessing.context.BaseContext:
    """How worker processes start. Forked workers share what this process has imported and
    start in a few milliseconds, where spawned ones import the analysis again (most of a small
    scan's time); but a lock another thread holds at the fork stays held in the child, so fork
    only on Linux and only while this process runs no other thread (the language server and a
    progress bar do: they get spawn). ProcessPoolExecutor forks all its workers before it starts
    its own manager thread."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def crash_report(display: str) -> FileReport:
    log.error("the analysis of %s crashed its worker process", display)
    return FileReport(
        path=display,
        language=detect_language(display),
        errors=[FileError(code="internal-error", message=CRASH_MESSAGE)],
    )
