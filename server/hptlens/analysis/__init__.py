"""The analysis core: `analyze(document) -> FileReport`.

It knows nothing of LSP, files or the network, and never raises: an internal
failure becomes an `internal-error` entry in the report.
"""

from __future__ import annotations

import logging

from hptlens.analysis.python import analyze_python
from hptlens.documents import Document
from hptlens.report import FileError, FileReport, Language
from hptlens.settings import Settings

log = logging.getLogger(__name__)


def analyze(document: Document, settings: Settings | None = None) -> FileReport:
    settings = settings or Settings()
    try:
        if document.language == Language.PYTHON:
            return analyze_python(document, settings)
        return FileReport(path=document.path, language=document.language, lines=_line_count(document.text))
    except Exception as exc:  # the core must never take a scan or the server down
        log.exception("analysis of %s failed", document.path)
        return FileReport(
            path=document.path,
            language=document.language,
            errors=[FileError(code="internal-error", message=f"analysis failed: {type(exc).__name__}: {exc}")],
        )


def _line_count(text: str) -> int:
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


__all__ = ["analyze"]
