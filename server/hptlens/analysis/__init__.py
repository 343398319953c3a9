"""The analysis core: `analyze(document) -> FileReport`.

It knows nothing of LSP, files or the network, and never raises: an internal
failure becomes an `internal-error` entry in the report.
"""

from __future__ import annotations

import logging

from hptlens.analysis.configs import analyze_config
from hptlens.analysis.cpp import analyze_cpp
from hptlens.analysis.neutral import line_count
from hptlens.analysis.python import analyze_python
from hptlens.analysis.shell import analyze_shell
from hptlens.documents import Document, NotebookError, read_notebook
from hptlens.report import FileError, FileReport, Language, unicode_safe
from hptlens.safetext import has_surrogates
from hptlens.settings import Settings

log = logging.getLogger(__name__)


def analyze(document: Document, settings: Settings | None = None) -> FileReport:
    report = _analyze(document, settings or Settings())
    if document.warnings:
        report.errors = [*document.warnings, *report.errors]
    if document.language in (Language.YAML, Language.JSON) or has_surrogates(document.path):
        # Config parsers turn escapes ("\ud800") into surrogates; a path may carry undecodable bytes.
        report = unicode_safe(report)
    return report


def _analyze(document: Document, settings: Settings) -> FileReport:
    try:
        if document.language == Language.PYTHON:
            return analyze_python(document, settings)
        if document.language == Language.NOTEBOOK:
            return _analyze_notebook(document, settings)
        if document.language in (Language.YAML, Language.JSON):
            return analyze_config(document, settings)
        if document.language == Language.CPP:
            return analyze_cpp(document, settings)
        if document.language == Language.SHELL:
            return analyze_shell(document, settings)
        return FileReport(path=document.path, language=document.language, lines=line_count(document.text))
    except Exception as exc:  # the core must never take a scan or the server down
        log.exception("analysis of %s failed", document.path)
        return FileReport(
            path=document.path,
            language=document.language,
            errors=[FileError(code="internal-error", message=f"analysis failed: {type(exc).__name__}: {exc}")],
        )


def _analyze_notebook(document: Document, settings: Settings) -> FileReport:
    """The Python analysis over the concatenated code cells (findings carry their cell).

    A notebook document with text but no cells holds the raw .ipynb JSON (say, from
    `Document.from_text`): it is read as a notebook first.
    """
    if document.cells or not document.text.strip():
        return analyze_python(document, settings)
    try:
        cells = read_notebook(document.path, document.text)
    except NotebookError as exc:
        return FileReport(
            path=document.path, language=Language.NOTEBOOK, errors=[FileError(code="malformed", message=str(exc))]
        )
    report = analyze_python(cells, settings)
    report.errors = [*cells.warnings, *report.errors]  # `analyze` adds the outer document's only
    return report


__all__ = ["analyze"]
