"""Analysis runs of open documents: what one run analyses (a snapshot taken on the event loop),
the worker-thread job, and the analysed result with what is needed to show it.

Test hook: when the environment variable HPTLENS_TEST_FAIL_MARKER is set, analysing a
document whose URI contains its value raises inside the analysis worker, so end-to-end
tests can check that a failing analysis is logged, gives an empty result and leaves the
server running. It is read once at start-up and unset in normal use.
"""

from __future__ import annotations

import itertools
import logging
import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from lsprotocol import types as lsp

from hptlens.analysis import analyze
from hptlens.documents import CellKind, Document, detect_language, notebook_document
from hptlens.lsp import convert
from hptlens.lsp.convert import Layout, Part, split_lines
from hptlens.lsp.nbtext import onto_json
from hptlens.report import FileError, FileReport, Language
from hptlens.settings import Settings
from hptlens.workspace import link_configs_on_disk

log = logging.getLogger(__name__)

TEST_FAIL_ENV = "HPTLENS_TEST_FAIL_MARKER"
_FAIL_MARKER = os.environ.get(TEST_FAIL_ENV) or None

LANGUAGE_IDS = {
    "python": Language.PYTHON,
    "cpp": Language.CPP,
    "cuda-cpp": Language.CPP,
    "c": Language.CPP,
    "yaml": Language.YAML,
    "json": Language.JSON,
    "jsonc": Language.JSON,
    "shellscript": Language.SHELL,
    "sh": Language.SHELL,
    "bash": Language.SHELL,
}
"""Editor language ids, for documents whose name has no known suffix (untitled buffers)."""


def language_of(name: str, language_id: str | None) -> Language:
    """By the file's suffix, else by the editor's language id (untitled buffers)."""
    language = detect_language(name)
    return language if language != Language.UNKNOWN else LANGUAGE_IDS.get(language_id or "", Language.UNKNOWN)


@dataclass(frozen=True)
class OpenText:
    """An open text document as the editor has it."""

    uri: str
    text: str
    version: int | None


@dataclass(frozen=True)
class OpenCell:
    """One cell of an open notebook (markdown and raw cells included: they keep the indices)."""

    index: int
    uri: str
    kind: CellKind
    text: str
    version: int | None


@dataclass(frozen=True)
class OpenNotebook:
    """An open notebook: its cells in order."""

    cells: tuple[OpenCell, ...]


@dataclass
class Snapshot:
    """What one run analyses, taken on the event loop; everything else happens in the worker."""

    key: str
    display: str
    language: Language
    settings: Settings
    excluded: bool
    encoding: str
    content: OpenText | OpenNotebook
    file_path: str | None = None
    """The file on disk behind a `file:` URI (its hydra configs are read beside it)."""
    roots: tuple[str, ...] = ()
    """Real paths of the workspace folders: the only places configs are read from."""

    def document(self) -> Document:
        if isinstance(self.content, OpenText):
            return Document(path=self.display, text=self.content.text, language=self.language)
        return notebook_document(self.display, [(c.index, c.kind, c.text) for c in self.content.cells])

    def layout(self) -> Layout:
        """Where findings are shown: the document itself, or each cell by its index (a finding's `cell`)."""
        if isinstance(self.content, OpenText):
            return Layout.single(self.content.uri, self.content.text, self.encoding)
        return Layout({c.index: Part(c.uri, split_lines(c.text)) for c in self.content.cells}, self.encoding)

    @property
    def versions(self) -> dict[str, int | None]:
        """URI -> the text version analysed (what publishDiagnostics reports)."""
        if isinstance(self.content, OpenText):
            return {self.content.uri: self.content.version}
        return {c.uri: c.version for c in self.content.cells}


SERIALS = itertools.count(1)
"""Result ids of pull diagnostics: each analysis gets the next."""


@dataclass
class Analysis:
    """One analysed version of a document or notebook, with what is needed to show it."""

    report: FileReport
    layout: Layout
    document: Document
    settings: Settings
    versions: dict[str, int | None]
    """Part URI -> the text version analysed (what publishDiagnostics reports)."""
    diagnostics: dict[str, list[lsp.Diagnostic]]
    error: str | None = None
    serial: int = field(default_factory=lambda: next(SERIALS))

    @classmethod
    def of(
        cls,
        report: FileReport,
        layout: Layout,
        document: Document,
        settings: Settings,
        versions: dict[str, int | None],
        error: str | None = None,
    ) -> Analysis:
        return cls(report, layout, document, settings, versions, convert.diagnostics(report, layout), error)


def inside(roots: tuple[str, ...], path: str) -> bool:
    """Whether `path`, links resolved, is in one of the folders (real paths)."""
    real = os.path.realpath(path)
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def run_analysis(snapshot: Snapshot) -> Analysis:
    """The worker-thread job: never raises; a failure is an empty result with `error` set."""
    layout = snapshot.layout()
    try:
        if _FAIL_MARKER is not None and _FAIL_MARKER in snapshot.key:
            raise RuntimeError(f"injected analysis failure ({TEST_FAIL_ENV})")
        document = snapshot.document()
        report = _report(document, snapshot.settings, snapshot.excluded)
        if snapshot.file_path and report.config_refs:
            # hydra configs beside the file make `@hydra.main` a sweep, as in a scan
            report = link_configs_on_disk(
                report, Path(snapshot.file_path), snapshot.settings, partial(inside, snapshot.roots)
            )
        if isinstance(snapshot.content, OpenText) and snapshot.language == Language.NOTEBOOK:
            report = onto_json(report, snapshot.content.text)  # an .ipynb open as text: its JSON's lines
        return Analysis.of(report, layout, document, snapshot.settings, snapshot.versions)
    except Exception as exc:
        log.error("analysis of %s failed", snapshot.key, exc_info=True)
        empty = FileReport(path=snapshot.display, language=snapshot.language)
        document = Document(path=snapshot.display, text="", language=snapshot.language)
        return Analysis.of(
            empty, layout, document, snapshot.settings, snapshot.versions, error=f"{type(exc).__name__}: {exc}"
        )


def _report(document: Document, settings: Settings, excluded: bool) -> FileReport:
    if excluded:
        return FileReport(path=document.path, language=document.language)
    size = len(document.text.encode("utf-8", "surrogatepass"))
    if size > settings.max_file_bytes:
        message = f"file is {size} bytes, over the limit of {settings.max_file_bytes} bytes (hptlens.maxFileBytes)"
        return FileReport(
            path=document.path, language=document.language, errors=[FileError(code="too-large", message=message)]
        )
    return analyze(document, settings)


def cell_kind(cell: lsp.NotebookCell, language_id: str | None) -> str:
    if cell.kind == lsp.NotebookCellKind.Markup:
        return "markdown"
    return "code" if (language_id or "python") == "python" else "raw"
