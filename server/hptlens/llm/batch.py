"""The LLM review of a whole scan (the CLI's `--llm`): every reviewable file, in parallel.

Files are read again from disk (a scan keeps reports, not texts); a file that cannot be
read keeps its static report. Requests across all files share one client and stay
within `max_concurrency`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hptlens.documents import Document
from hptlens.llm.merge import with_error
from hptlens.llm.review import LlmResult, LlmUsage, Reviewer
from hptlens.report import FileReport
from hptlens.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class BatchResult:
    reports: list[FileReport]
    """One per input report, same order: merged (review), the model's (only), or static."""
    warnings: list[str] = field(default_factory=list)
    usage: LlmUsage = field(default_factory=LlmUsage)
    failed: set[str] = field(default_factory=set)
    """Paths for which the model gave no usable answer."""
    sent: set[str] = field(default_factory=set)
    """Paths of the files sent to the model (or answered from the cache)."""


DocumentLoader = Callable[[FileReport], Document | None]
"""The document to send for a report (None: it cannot be read, the static report stays)."""


def review_reports(
    reports: list[FileReport], settings: Settings, mode: str, reviewer: Reviewer, load: DocumentLoader | None = None
) -> BatchResult:
    """Review each file of a scan; `reviewer` is shared so that a run uses one client.
    `load` gives each report's document; by default the file at the report's path."""
    from hptlens.workspace import read_document

    def from_disk(report: FileReport) -> Document | None:
        return read_document(Path(report.path), report.path, settings)[0]

    loader = load or from_disk

    def one(report: FileReport) -> tuple[LlmResult, bool]:
        try:
            document = loader(report)
            if document is None:
                return LlmResult(report=report), False
            result = reviewer.review(document, report, mode)
        except Exception as exc:  # one file's failure keeps its static report, never the run's
            log.error("LLM review of %s failed", report.path, exc_info=True)
            message = f"LLM review failed: internal error {type(exc).__name__}"
            return LlmResult(
                report=with_error(report, message), warnings=[f"{report.path}: {message}"], failed=True
            ), True
        return result, result.usage.requests + result.usage.cached > 0 or result.failed

    workers = max(1, min(settings.llm.max_concurrency, len(reports)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hptlens-llm-file") as pool:
        results = list(pool.map(one, reports))
    batch = BatchResult(reports=[r.report for r, _ in results])
    for (result, sent), report in zip(results, reports):
        batch.warnings.extend(result.warnings)
        batch.usage.add(result.usage)
        if sent:
            batch.sent.add(report.path)
        if result.failed:
            batch.failed.add(report.path)
    return batch


class LlmSetupError(Exception):
    """Nothing can be sent (no API key, an unusable base URL): a usage error for the CLI."""


def run_llm(
    reports: list[FileReport],
    settings: Settings,
    modes: list[str],
    notify: Callable[[str], None],
    cache_dir: Path | None = None,
    load: DocumentLoader | None = None,
) -> dict[str, BatchResult]:
    """Review a scan in each of `modes` with one shared client; `notify` gets one line
    saying what is sent where, then the warnings and the token usage."""
    with Reviewer(settings.llm, cache_dir=cache_dir) as reviewer:
        problem = reviewer.problem()
        if problem is not None:
            raise LlmSetupError(problem)
        endpoint = reviewer.client().endpoint
        cache = f"cache {reviewer.cache.folder}" if reviewer.cache is not None else "no cache"
        results: dict[str, BatchResult] = {}
        for mode in modes:
            notify(f"LLM {mode}: {len(reports)} file(s), model {settings.llm.model} at {endpoint} ({cache})")
            results[mode] = review_reports(reports, settings, mode, reviewer, load)
    for mode, batch in results.items():
        for warning in batch.warnings:
            notify(f"warning: {warning}")
        notify(
            f"LLM {mode}: {len(batch.sent)} file(s) reviewed, {len(batch.failed)} without a usable answer; "
            f"{batch.usage.describe()}"
        )
    return results


def scoring_reports(batch: BatchResult, mode: str) -> list[FileReport]:
    """Reports to score as the model's: in the LLM-only mode a file without an answer (not
    sent, or failed) scores as an empty report, not as the static report it kept."""
    if mode != "only":
        return batch.reports
    return [
        r
        if r.path in batch.sent and r.path not in batch.failed
        else FileReport(
            path=r.path, language=r.language, lines=r.lines, errors=[e for e in r.errors if e.code == "llm-error"]
        )
        for r in batch.reports
    ]
