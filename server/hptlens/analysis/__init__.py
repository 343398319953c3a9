"""The analysis core: `analyze(document) -> FileReport`.

It knows nothing of LSP, files or the network, and never raises: an internal
failure becomes an `internal-error` entry in the report.
"""

from __future__ import annotations

import gc
import importlib
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from hptlens.analysis.neutral import line_count
from hptlens.documents import Document, NotebookError, read_notebook
from hptlens.report import ConfigRef, FileError, FileReport, Finding, Language, Position, Range, Site, unicode_safe
from hptlens.safetext import has_surrogates
from hptlens.settings import Settings

log = logging.getLogger(__name__)


def analyze(document: Document, settings: Settings | None = None) -> FileReport:
    read = _notebook_cells(document)
    if isinstance(read, FileReport):
        return read
    document = read
    with _collector_paused():
        report = _analyze(document, settings or Settings())
    if document.warnings:
        report.errors = [*document.warnings, *report.errors]
    clamp_ranges(report, document)
    escapes = document.language in (Language.YAML, Language.JSON) and ("\\u" in document.text or "\\U" in document.text)
    if escapes or has_surrogates(document.path):
        # Config parsers turn escapes ("\ud800") into surrogates; a path may carry undecodable bytes.
        report = unicode_safe(report)
    return report


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while one document is analysed: an analysis allocates tens of
    thousands of objects (syntax nodes, config nodes, hits, report models) that live until it
    ends, and the collector's passes over them grew with the file: 60% of a 50k-line config's
    analysis, 20% of a dense Python file's. What it would free is freed by the next collection
    after the analysis. A collector someone else paused stays paused."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def clamp_ranges(report: FileReport, document: Document) -> None:
    """Every range inside the document (a notebook's inside its cell), start before end: a
    detector's slip must not send an editor or a SARIF viewer past the end of a file."""
    items: list[Finding | Site | ConfigRef] = [*report.findings, *report.sites, *report.config_refs]
    if not items:
        return  # most files: no need to split the text
    lines = document.text.split("\n")
    spans = {span.index: span for span in document.cells}
    for item in items:
        span = spans.get(item.cell) if item.cell is not None else None
        first, count = (span.first_line, max(span.line_count, 1)) if span is not None else (1, len(lines))
        start = _clamp(item.range.start, first, count, lines)
        end = _clamp(item.range.end, first, count, lines)
        if (end.line, end.column) < (start.line, start.column):
            end = start
        if (start, end) != (item.range.start, item.range.end):
            item.range = Range(start=start, end=end)


def _clamp(position: Position, first: int, count: int, lines: list[str]) -> Position:
    line = min(max(position.line, 1), count)
    width = len(lines[first + line - 2]) if 0 <= first + line - 2 < len(lines) else 0
    column = min(max(position.column, 1), width + 1)
    if (line, column) == (position.line, position.column):
        return position
    return Position(line=line, column=column)


def _analyze(document: Document, settings: Settings) -> FileReport:
    # Each language's analysis is imported when a document of it first comes: a Python file
    # does not wait for the C++ grammar or the YAML loader (start-up is most of a small scan).
    try:
        if document.language in (Language.PYTHON, Language.NOTEBOOK):  # a notebook: its concatenated code cells
            from hptlens.analysis.python import analyze_python

            return analyze_python(document, settings)
        if document.language in (Language.YAML, Language.JSON):
            from hptlens.analysis.configs import analyze_config

            return analyze_config(document, settings)
        if document.language == Language.CPP:
            from hptlens.analysis.cpp import analyze_cpp

            return analyze_cpp(document, settings)
        if document.language == Language.SHELL:
            from hptlens.analysis.shell import analyze_shell

            return analyze_shell(document, settings)
        return FileReport(path=document.path, language=document.language, lines=line_count(document.text))
    except Exception as exc:  # the core must never take a scan or the server down
        log.exception("analysis of %s failed", document.path)
        return FileReport(
            path=document.path,
            language=document.language,
            errors=[FileError(code="internal-error", message=f"analysis failed: {type(exc).__name__}: {exc}")],
        )


_ANALYSES = {
    Language.PYTHON: "hptlens.analysis.python",
    Language.NOTEBOOK: "hptlens.analysis.python",
    Language.YAML: "hptlens.analysis.configs",
    Language.JSON: "hptlens.analysis.configs",
    Language.CPP: "hptlens.analysis.cpp",
    Language.SHELL: "hptlens.analysis.shell",
}


def prepare(languages: Iterable[Language]) -> None:
    """Import now the analyses of these languages (as `_analyze` would on first use): before
    forking workers, so that they share one import instead of each doing its own."""
    for module in sorted({_ANALYSES[language] for language in languages if language in _ANALYSES}):
        importlib.import_module(module)


def _notebook_cells(document: Document) -> Document | FileReport:
    """A notebook document with text but no cells holds the raw .ipynb JSON (say, from
    `Document.from_text`): it is read as a notebook first (or is a `malformed` report)."""
    if document.language != Language.NOTEBOOK or document.cells or not document.text.strip():
        return document
    try:
        cells = read_notebook(document.path, document.text)
    except NotebookError as exc:
        return FileReport(
            path=document.path, language=Language.NOTEBOOK, errors=[FileError(code="malformed", message=str(exc))]
        )
    cells.warnings = [*document.warnings, *cells.warnings]
    return cells


__all__ = ["analyze", "prepare"]
