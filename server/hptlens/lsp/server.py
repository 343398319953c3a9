"""The hptlens language server (pygls 2.x). The only module of hptlens that imports pygls.

A thin adapter: documents and notebooks become `Document`s, `hptlens.analysis.analyze`
makes the `FileReport`, and `convert` turns it into diagnostics, code lenses and hovers.

Test hook: when the environment variable HPTLENS_TEST_FAIL_MARKER is set, analysing a
document whose URI contains its value raises inside the analysis worker, so end-to-end
tests can check that a failing analysis is logged, gives an empty result and leaves the
server running. It is read once at start-up and unset in normal use.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import os
import sys
import threading
import uuid
from pathlib import Path
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from hptlens import __version__
from hptlens.analysis import analyze
from hptlens.documents import Document, detect_language, notebook_document
from hptlens.lsp import actions, convert, export
from hptlens.lsp.config import SECTION, SettingsStore, is_excluded
from hptlens.lsp.convert import Layout, Part, split_lines
from hptlens.lsp.schedule import Scheduler
from hptlens.report import FileError, FileReport, FindingKind, Language
from hptlens.settings import Settings
from hptlens.workspace import analyze_file, link_configs_on_disk

log = logging.getLogger(__name__)

TEST_FAIL_ENV = "HPTLENS_TEST_FAIL_MARKER"
_FAIL_MARKER = os.environ.get(TEST_FAIL_ENV) or None

EXPORT_REPORT = "hptlens.exportReport"
ANALYZE_DOCUMENT = "hptlens.analyzeDocument"
ANALYZE_WITH_LLM = "hptlens.analyzeWithLlm"
SHOW_SITE = convert.SHOW_SITE
KINDS = frozenset(kind.value for kind in FindingKind)

LANGUAGE_IDS = {
    "python": Language.PYTHON,
    "cpp": Language.CPP,
    "cuda-cpp": Language.CPP,
    "c": Language.CPP,
    "yaml": Language.YAML,
    "json": Language.JSON,
    "jsonc": Language.JSON,
}
"""Editor language ids, for documents whose name has no known suffix (untitled buffers)."""


@dataclass
class Snapshot:
    """What one run analyses, taken on the event loop; everything else happens in the worker."""

    key: str
    display: str
    language: Language
    settings: Settings
    excluded: bool
    encoding: str
    parts: dict[int | None, tuple[str, str]]
    """None -> (URI, text) for a document; cell index -> (cell URI, source) for a notebook."""
    kinds: dict[int, str] = field(default_factory=dict)
    """Notebook cell index -> 'code', 'markdown' or 'raw'."""
    versions: dict[str, int | None] = field(default_factory=dict)

    def document(self) -> Document:
        if None in self.parts:
            return Document(path=self.display, text=self.parts[None][1], language=self.language)
        cells = [(index, self.kinds[index], text) for index, (_, text) in self.parts.items() if index is not None]
        return notebook_document(self.display, cells)

    def layout(self) -> Layout:
        return Layout({key: Part(uri, split_lines(text)) for key, (uri, text) in self.parts.items()}, self.encoding)


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
    serial: int = field(default_factory=lambda: next(_SERIALS))

    @classmethod
    def of(cls, report: FileReport, layout: Layout, document: Document, settings: Settings,
           versions: dict[str, int | None], error: str | None = None) -> Analysis:
        return cls(report, layout, document, settings, versions, convert.diagnostics(report, layout), error)


_SERIALS = itertools.count(1)


def run_analysis(snapshot: Snapshot) -> Analysis:
    """The worker-thread job: never raises; a failure is an empty result with `error` set."""
    layout = snapshot.layout()
    try:
        if _FAIL_MARKER is not None and _FAIL_MARKER in snapshot.key:
            raise RuntimeError(f"injected analysis failure ({TEST_FAIL_ENV})")
        document = snapshot.document()
        report = _report(document, snapshot.settings, snapshot.excluded)
        file_path = to_fs_path(snapshot.key) if snapshot.key.startswith("file:") else None
        if file_path and report.config_refs:
            # hydra configs beside the file make `@hydra.main` a sweep, as in a scan
            report = link_configs_on_disk(report, Path(file_path), snapshot.settings)
        return Analysis.of(report, layout, document, snapshot.settings, snapshot.versions)
    except Exception as exc:
        log.error("analysis of %s failed", snapshot.key, exc_info=True)
        empty = FileReport(path=snapshot.display, language=snapshot.language)
        document = Document(path=snapshot.display, text="", language=snapshot.language)
        return Analysis.of(empty, layout, document, snapshot.settings, snapshot.versions,
                           error=f"{type(exc).__name__}: {exc}")


def _report(document: Document, settings: Settings, excluded: bool) -> FileReport:
    if excluded:
        return FileReport(path=document.path, language=document.language)
    size = len(document.text.encode("utf-8", "surrogatepass"))
    if size > settings.max_file_bytes:
        message = f"file is {size} bytes, over the limit of {settings.max_file_bytes} bytes (hptlens.maxFileBytes)"
        return FileReport(path=document.path, language=document.language,
                          errors=[FileError(code="too-large", message=message)])
    return analyze(document, settings)


class HptLanguageServer(LanguageServer):
    def __init__(self) -> None:
        sync = lsp.NotebookDocumentSyncOptions(
            notebook_selector=[lsp.NotebookDocumentFilterWithNotebook(notebook="*")], save=True)
        super().__init__("hptlens", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
                         notebook_document_sync=sync)
        self.store = SettingsStore()
        self.executor = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1),
                                           thread_name_prefix="hptlens-analysis")
        self.scheduler: Scheduler[Analysis] = Scheduler(self.executor, self._landed)
        self.encoding: str = lsp.PositionEncodingKind.Utf16.value
        self.pull = False
        self.resolve_edits = False
        self.generation = 0
        self.notebooks: set[str] = set()
        self.published: dict[str, set[str]] = {}
        self.sent: dict[str, tuple[int | None, list[lsp.Diagnostic]]] = {}
        """Part URI -> (version, diagnostics) last published to it."""
        self.configured = asyncio.Event()

    # ------------------------------------------------------------------ capabilities

    def capability(self, dotted: str) -> Any:
        """A client capability by attribute path, None when absent."""
        value: Any = self.client_capabilities
        for name in dotted.split("."):
            value = getattr(value, name, None)
            if value is None:
                return None
        return value

    # ------------------------------------------------------------------ folders and paths

    def folders(self) -> list[tuple[str, str]]:
        """(URI, path) of every workspace folder (the root when the client sent no folders)."""
        result = []
        for folder in self.workspace.folders.values():
            path = to_fs_path(folder.uri)
            if path:
                result.append((folder.uri, os.path.abspath(path)))
        if not result and self.workspace.root_uri and self.workspace.root_path:
            result.append((self.workspace.root_uri, os.path.abspath(self.workspace.root_path)))
        return result

    def folder_of(self, path: str | None) -> tuple[str, str] | None:
        if path is None:
            return None
        matches = [(uri, root) for uri, root in self.folders()
                   if path == root or path.startswith(root.rstrip(os.sep) + os.sep)]
        return max(matches, key=lambda m: len(m[1]), default=None)

    def place(self, uri: str) -> tuple[str | None, str, Settings, bool]:
        """(file path, display path, settings, excluded) of a document URI."""
        path = to_fs_path(uri)
        path = os.path.abspath(path) if path else None
        folder = self.folder_of(path)
        directory = os.path.dirname(path) if path else None
        settings = self.store.settings_for(directory, folder[0] if folder else "")
        relative = os.path.relpath(path, folder[1]).replace(os.sep, "/") if path and folder else None
        display = relative or path or uri
        return path, display, settings, is_excluded(settings, relative)

    def key_of(self, uri: str) -> str:
        """The scheduling key of a URI: a cell maps to its notebook."""
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        return notebook.uri if notebook is not None else uri

    # ------------------------------------------------------------------ scheduling

    def schedule(self, key: str, delay: bool) -> None:
        if key in self.notebooks:
            notebook = self.workspace.get_notebook_document(notebook_uri=key)
            if notebook is None:
                return
            version: Hashable = (notebook.version, self.generation)
            prepare = partial(self._prepare_notebook, key)
        else:
            version = (self.workspace.get_text_document(key).version, self.generation)
            prepare = partial(self._prepare_text, key)
        settings = self.place(key)[2]
        self.scheduler.schedule(key, version, prepare, settings.debounce_ms if delay else 0)

    def reschedule_all(self) -> None:
        self.generation += 1
        for key in self.scheduler.keys():
            self.schedule(key, delay=False)

    def _prepare_text(self, uri: str) -> Callable[[], Analysis]:
        text_doc = self.workspace.get_text_document(uri)
        path, display, settings, excluded = self.place(uri)
        language = detect_language(path or uri)
        if language == Language.UNKNOWN:
            language = LANGUAGE_IDS.get(text_doc.language_id or "", Language.UNKNOWN)
        snapshot = Snapshot(uri, display, language, settings, excluded, self.encoding,
                            parts={None: (uri, text_doc.source)}, versions={uri: text_doc.version})
        return partial(run_analysis, snapshot)

    def _prepare_notebook(self, uri: str) -> Callable[[], Analysis]:
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        assert notebook is not None
        _, display, settings, excluded = self.place(uri)
        snapshot = Snapshot(uri, display, Language.NOTEBOOK, settings, excluded, self.encoding, parts={})
        for index, cell in enumerate(notebook.cells):
            text_doc = self.workspace.get_text_document(cell.document)
            snapshot.parts[index] = (cell.document, text_doc.source)
            snapshot.kinds[index] = _cell_kind(cell, text_doc.language_id)
            snapshot.versions[cell.document] = text_doc.version
        return partial(run_analysis, snapshot)

    def _landed(self, key: str, version: Hashable, analysis: Analysis) -> None:
        if analysis.error is not None:
            message = f"hptlens: analysis of {key} failed ({analysis.error}); showing no findings for it"
            self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error, message=message))
        self.show_warnings()
        if not self.pull:
            self.publish(key, analysis)

    def publish(self, key: str, analysis: Analysis) -> None:
        """Send what changed: a part whose text version or diagnostics differ from what the
        client has (a notebook edit in one cell does not resend forty unchanged cells)."""
        stale = self.published.get(key, set()) - set(analysis.diagnostics)
        for uri in stale:  # cells removed from a notebook: clear what they showed
            self.clear(uri)
        for uri, items in analysis.diagnostics.items():
            version = analysis.versions.get(uri)
            if self.sent.get(uri) == (version, items):
                continue
            self.sent[uri] = (version, items)
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=uri, diagnostics=items, version=version))
        self.published[key] = set(analysis.diagnostics)

    def clear(self, uri: str) -> None:
        self.sent.pop(uri, None)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def forget(self, key: str) -> None:
        self.scheduler.forget(key)
        self.notebooks.discard(key)
        for uri in self.published.pop(key, set()):
            if not self.pull:
                self.clear(uri)

    async def current(self, uri: str) -> Analysis | None:
        """The analysis of the document's current version (waits for it if needed)."""
        await self.configured.wait()  # documents opened meanwhile are scheduled by then
        return await self.scheduler.current(self.key_of(uri))

    def show_warnings(self) -> None:
        for warning in self.store.take_warnings():
            self.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=f"hptlens: {warning}"))

    # ------------------------------------------------------------------ settings

    async def fetch_configuration(self) -> None:
        """Editor settings per workspace folder ("" = no folder), when the client has them."""
        if not self.capability("workspace.configuration"):
            return
        scopes = [("", None), *[(uri, uri) for uri, _ in self.folders()]]
        items = [lsp.ConfigurationItem(section=SECTION, scope_uri=scope) for _, scope in scopes]
        try:
            values = await self.workspace_configuration_async(lsp.ConfigurationParams(items=items))
        except Exception as exc:  # a client that fails the request: keep what we have
            log.warning("workspace/configuration failed: %s", exc)
            return
        for (name, _), value in zip(scopes, values or []):
            self.store.set_folder_config(name, value)

    async def reconfigure(self, settings: Any = None) -> None:
        if self.capability("workspace.configuration"):
            await self.fetch_configuration()
        elif settings is not None:  # push-style clients send the settings in the notification
            self.store.set_folder_config("", settings)
        self.store.invalidate()
        self.reschedule_all()
        self.show_warnings()
        self.refresh()

    def refresh(self) -> None:
        """Ask a pull client to re-request diagnostics and lenses."""
        if self.pull and self.capability("workspace.diagnostics.refresh_support"):
            self.workspace_diagnostic_refresh(None)
        if self.capability("workspace.code_lens.refresh_support"):
            self.workspace_code_lens_refresh(None)

    async def register_dynamic(self) -> None:
        registrations = []
        if self.capability("workspace.did_change_configuration.dynamic_registration"):
            registrations.append(lsp.Registration(id=str(uuid.uuid4()),
                                                  method=lsp.WORKSPACE_DID_CHANGE_CONFIGURATION,
                                                  register_options=lsp.DidChangeConfigurationRegistrationOptions(
                                                      section=SECTION)))
        if self.capability("workspace.did_change_watched_files.dynamic_registration"):
            watcher = lsp.FileSystemWatcher(glob_pattern="**/pyproject.toml")
            registrations.append(lsp.Registration(id=str(uuid.uuid4()), method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                                  register_options=lsp.DidChangeWatchedFilesRegistrationOptions(
                                                      watchers=[watcher])))
        if registrations:
            try:
                await self.client_register_capability_async(lsp.RegistrationParams(registrations=registrations))
            except Exception as exc:
                log.warning("dynamic registration failed: %s", exc)

    # ------------------------------------------------------------------ progress

    async def progress_begin(self, title: str) -> str | None:
        if not self.capability("window.work_done_progress"):
            return None
        token = str(uuid.uuid4())
        try:
            await self.work_done_progress.create_async(token)
        except Exception as exc:
            log.warning("work done progress refused: %s", exc)
            return None
        self.work_done_progress.begin(token, lsp.WorkDoneProgressBegin(title=title, cancellable=True, percentage=0))
        return token

    def progress_report(self, token: str | None, message: str, percentage: int | None = None) -> None:
        if token is not None:
            self.work_done_progress.report(token, lsp.WorkDoneProgressReport(message=message, percentage=percentage))

    def progress_end(self, token: str | None, message: str) -> None:
        if token is not None:
            self.work_done_progress.end(token, lsp.WorkDoneProgressEnd(message=message))

    def progress_cancelled(self, token: str | None) -> Callable[[], bool]:
        future = self.work_done_progress.tokens.get(token) if token is not None else None
        return (lambda: future.cancelled()) if future is not None else (lambda: False)


def _cell_kind(cell: lsp.NotebookCell, language_id: str | None) -> str:
    if cell.kind == lsp.NotebookCellKind.Markup:
        return "markdown"
    return "code" if (language_id or "python") == "python" else "raw"


server = HptLanguageServer()


# ---------------------------------------------------------------------- lifecycle


@server.feature(lsp.INITIALIZE)
def initialize(ls: HptLanguageServer, params: lsp.InitializeParams) -> None:
    ls.store.set_init_options(params.initialization_options)
    encoding = ls.workspace.position_encoding or lsp.PositionEncodingKind.Utf16
    ls.encoding = str(getattr(encoding, "value", encoding))
    ls.pull = ls.capability("text_document.diagnostic") is not None
    properties = ls.capability("text_document.code_action.resolve_support.properties") or []
    ls.resolve_edits = "edit" in properties


@server.feature(lsp.INITIALIZED)
async def initialized(ls: HptLanguageServer, params: lsp.InitializedParams) -> None:
    try:
        await ls.fetch_configuration()
        await ls.register_dynamic()
    finally:
        ls.configured.set()
        ls.show_warnings()


@server.feature(lsp.SHUTDOWN)
def shutdown(ls: HptLanguageServer, params: Any) -> None:
    ls.executor.shutdown(wait=False, cancel_futures=True)


# ---------------------------------------------------------------------- text documents


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: HptLanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
    await ls.configured.wait()
    ls.schedule(params.text_document.uri, delay=False)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: HptLanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
    await ls.configured.wait()
    if ls.scheduler.latest(params.text_document.uri) is not None:
        ls.schedule(params.text_document.uri, delay=True)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
async def did_save(ls: HptLanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
    await ls.configured.wait()
    if params.text_document.uri.endswith("pyproject.toml"):
        ls.store.invalidate()
        ls.reschedule_all()
        ls.refresh()
    elif ls.scheduler.latest(params.text_document.uri) is not None:
        ls.schedule(params.text_document.uri, delay=False)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: HptLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
    ls.forget(params.text_document.uri)


# ---------------------------------------------------------------------- notebooks


@server.feature(lsp.NOTEBOOK_DOCUMENT_DID_OPEN)
async def notebook_open(ls: HptLanguageServer, params: lsp.DidOpenNotebookDocumentParams) -> None:
    await ls.configured.wait()
    ls.notebooks.add(params.notebook_document.uri)
    ls.schedule(params.notebook_document.uri, delay=False)


@server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CHANGE)
async def notebook_change(ls: HptLanguageServer, params: lsp.DidChangeNotebookDocumentParams) -> None:
    await ls.configured.wait()
    if params.notebook_document.uri in ls.notebooks:
        ls.schedule(params.notebook_document.uri, delay=True)


@server.feature(lsp.NOTEBOOK_DOCUMENT_DID_SAVE)
async def notebook_save(ls: HptLanguageServer, params: lsp.DidSaveNotebookDocumentParams) -> None:
    await ls.configured.wait()
    if params.notebook_document.uri in ls.notebooks:
        ls.schedule(params.notebook_document.uri, delay=False)


@server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CLOSE)
def notebook_close(ls: HptLanguageServer, params: lsp.DidCloseNotebookDocumentParams) -> None:
    ls.forget(params.notebook_document.uri)


# ---------------------------------------------------------------------- workspace


@server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: HptLanguageServer, params: lsp.DidChangeConfigurationParams) -> None:
    await ls.configured.wait()
    await ls.reconfigure(params.settings)


@server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: HptLanguageServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    if any(change.uri.endswith("pyproject.toml") for change in params.changes):
        ls.store.invalidate()
        ls.reschedule_all()
        ls.refresh()


@server.feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
async def did_change_folders(ls: HptLanguageServer, params: lsp.DidChangeWorkspaceFoldersParams) -> None:
    await ls.reconfigure()


# ---------------------------------------------------------------------- features


@server.feature(lsp.TEXT_DOCUMENT_DIAGNOSTIC,
                lsp.DiagnosticOptions(identifier="hptlens", inter_file_dependencies=True, workspace_diagnostics=False))
async def pull_diagnostics(ls: HptLanguageServer, params: lsp.DocumentDiagnosticParams) -> Any:
    uri = params.text_document.uri
    analysis = await ls.current(uri)
    if analysis is None:
        return lsp.RelatedFullDocumentDiagnosticReport(items=[])
    result_id = str(analysis.serial)
    if params.previous_result_id == result_id:
        return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    items = analysis.diagnostics.get(uri, [])
    return lsp.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)


@server.feature(lsp.TEXT_DOCUMENT_CODE_LENS)
async def code_lens(ls: HptLanguageServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
    analysis = await ls.current(params.text_document.uri)
    if analysis is None:
        return []
    return convert.code_lenses(analysis.report, analysis.layout, params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
async def hover(ls: HptLanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
    analysis = await ls.current(params.text_document.uri)
    if analysis is None:
        return None
    return convert.hover(analysis.report, analysis.layout, params.text_document.uri, params.position)


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix], resolve_provider=True))
async def code_action(ls: HptLanguageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    uri = params.text_document.uri
    language = _language_of(ls, uri)
    prefix = actions.comment_prefix(language)
    result: list[lsp.CodeAction] = []
    seen_files: set[str] = set()
    for diagnostic in params.context.diagnostics:
        kind = diagnostic.code
        if diagnostic.source != convert.SOURCE or not isinstance(kind, str) or kind not in KINDS:
            continue
        line = diagnostic.range.start.line
        result.append(_action(uri, "line", kind, line, diagnostic,
                              f"Ignore this {kind} finding on this line ({prefix} hpt: ignore[{kind}])"))
        if kind not in seen_files:
            seen_files.add(kind)
            result.append(_action(uri, "file", kind, line, diagnostic,
                                  f"Ignore {kind} findings in this file ({prefix} hpt: ignore-file[{kind}])"))
    if ls.resolve_edits:
        return result
    resolved = [await _resolve(ls, action) for action in result]
    return [action for action in resolved if action.edit is not None]


def _action(uri: str, scope: str, kind: str, line: int, diagnostic: lsp.Diagnostic, title: str) -> lsp.CodeAction:
    return lsp.CodeAction(title=title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                          is_preferred=scope == "line",
                          data={"uri": uri, "scope": scope, "kind": kind, "line": line})


@server.feature(lsp.CODE_ACTION_RESOLVE)
async def code_action_resolve(ls: HptLanguageServer, action: lsp.CodeAction) -> lsp.CodeAction:
    return await _resolve(ls, action)


async def _resolve(ls: HptLanguageServer, action: lsp.CodeAction) -> lsp.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    uri, scope, kind, line = data.get("uri"), data.get("scope"), data.get("kind"), data.get("line")
    if not isinstance(uri, str) or kind not in KINDS or not isinstance(line, int):
        return action
    target, source, language, notebook = _edit_target(ls, uri, scope == "file")
    if source is None:
        return action
    make = (partial(actions.ignore_file_edit, source, kind, language, notebook) if scope == "file"
            else partial(actions.ignore_line_edit, source, line, kind, language, notebook))
    edit = await asyncio.get_running_loop().run_in_executor(ls.executor, make)
    if edit is None:
        return action
    lines = split_lines(source)
    text_edit = lsp.TextEdit(range=lsp.Range(start=convert.to_client(lines, *edit.start, ls.encoding),
                                             end=convert.to_client(lines, *edit.end, ls.encoding)),
                             new_text=edit.text)
    action.edit = lsp.WorkspaceEdit(changes={target: [text_edit]})
    return action


def _language_of(ls: HptLanguageServer, uri: str) -> str:
    if ls.key_of(uri) != uri:
        return "notebook"
    text_doc = ls.workspace.get_text_document(uri)
    language = detect_language(to_fs_path(uri) or uri)
    if language == Language.UNKNOWN:
        language = LANGUAGE_IDS.get(text_doc.language_id or "", Language.UNKNOWN)
    return str(language.value)


def _edit_target(ls: HptLanguageServer, uri: str, whole_file: bool) -> tuple[str, str | None, str, bool]:
    """(URI to edit, its text, language, is a notebook cell). A notebook's file marker goes
    into its first code cell."""
    notebook = ls.workspace.get_notebook_document(cell_uri=uri)
    if notebook is None:
        return uri, ls.workspace.get_text_document(uri).source, _language_of(ls, uri), False
    if whole_file:
        for cell in notebook.cells:
            text_doc = ls.workspace.get_text_document(cell.document)
            if _cell_kind(cell, text_doc.language_id) == "code":
                uri = cell.document
                break
    return uri, ls.workspace.get_text_document(uri).source, "notebook", True


# ---------------------------------------------------------------------- commands


def _uri_argument(args: tuple[Any, ...], command: str) -> str:
    if not args or not isinstance(args[0], str):
        raise JsonRpcInvalidParams(message=f"{command} takes a document URI as its first argument")
    return args[0]


@server.command(ANALYZE_DOCUMENT)
async def analyze_document(ls: HptLanguageServer, *args: Any) -> dict[str, Any]:
    uri = _uri_argument(args, ANALYZE_DOCUMENT)
    await ls.configured.wait()
    if ls.scheduler.latest(ls.key_of(uri)) is not None:
        analysis = await ls.current(uri)
        if analysis is not None:
            return analysis.report.model_dump(mode="json")
    path, display, settings, _ = ls.place(uri)
    if path is None or not os.path.isfile(path):
        raise JsonRpcInvalidParams(message=f"{ANALYZE_DOCUMENT}: {uri} is neither open nor a file on disk")
    report = await asyncio.get_running_loop().run_in_executor(ls.executor, analyze_file, path, display, settings)
    return report.model_dump(mode="json")


@server.command(SHOW_SITE)
async def show_site(ls: HptLanguageServer, *args: Any) -> dict[str, Any]:
    uri = _uri_argument(args, SHOW_SITE)
    site_id = args[1] if len(args) > 1 else None
    analysis = await ls.current(uri)
    site = next((s for s in analysis.report.sites if s.id == site_id), None) if analysis else None
    if site is None:
        raise JsonRpcInvalidParams(message=f"{SHOW_SITE}: no site {site_id!r} in {uri}")
    names = ", ".join(hp.name + (f" {hp.space.describe()}" if hp.space else "") for hp in site.hyperparameters)
    message = convert.lens_title(site) + (f": {names}" if names else "")
    ls.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Info, message=message))
    return site.model_dump(mode="json")


@server.command(EXPORT_REPORT)
async def export_report(ls: HptLanguageServer, *args: Any) -> dict[str, Any]:
    try:
        request = export.ExportRequest.parse(args[0] if args else None)
        jobs = _export_jobs(ls, request)
    except export.ExportError as exc:
        raise JsonRpcInvalidParams(message=str(exc)) from None
    token = await ls.progress_begin("hptlens: exporting the HPT report")
    loop = asyncio.get_running_loop()
    cancelled = ls.progress_cancelled(token)
    summaries = []
    try:
        for job in jobs:
            def progress(done: int, total: int) -> None:
                percentage = int(100 * done / total) if total else 100
                loop.call_soon_threadsafe(ls.progress_report, token, f"{done}/{total} files", percentage)

            run = partial(export.run, job, request.format, _buffers(ls), progress, cancelled)
            summaries.append(await loop.run_in_executor(None, run))
    except export.ExportError as exc:
        ls.progress_end(token, str(exc))
        raise JsonRpcInvalidParams(message=str(exc)) from None
    except Exception as exc:
        ls.progress_end(token, "export failed")
        log.error("export failed", exc_info=True)
        raise JsonRpcInternalError(message=f"export failed: {type(exc).__name__}: {exc}") from None
    ls.progress_end(token, f"wrote {', '.join(s['path'] for s in summaries)}")
    if len(summaries) == 1:
        return summaries[0]
    totals = {key: sum(s[key] for s in summaries) for key in ("files", "filesWithTuning", "findings", "sites", "errors")}
    return {**summaries[0], **totals, "reports": summaries}


def _export_jobs(ls: HptLanguageServer, request: export.ExportRequest) -> list[export.Job]:
    wanted = None
    if request.folder is not None:
        wanted = os.path.abspath(to_fs_path(request.folder) or request.folder)
    return export.plan(ls.folders(), request, wanted, lambda uri, path: ls.store.settings_for(path, uri))


def _buffers(ls: HptLanguageServer) -> dict[str, FileReport]:
    """Current reports of open documents by absolute path (what the editor shows)."""
    buffers = {}
    for key in ls.scheduler.keys():
        stored = ls.scheduler.result(key)
        path = to_fs_path(key)
        if stored is not None and path and stored[0] == ls.scheduler.latest(key) and stored[1].error is None:
            buffers[os.path.abspath(path)] = stored[1].report
    return buffers


@server.command(ANALYZE_WITH_LLM)
async def analyze_with_llm(ls: HptLanguageServer, *args: Any) -> dict[str, Any]:
    uri = _uri_argument(args, ANALYZE_WITH_LLM)
    from hptlens.llm import review  # here, not at start-up: it brings in the openai client
    key = ls.key_of(uri)
    version = ls.scheduler.latest(key)
    analysis = await ls.current(uri)
    if analysis is None or version is None:
        raise JsonRpcInvalidParams(message=f"{ANALYZE_WITH_LLM}: {uri} is not open")
    llm_settings = analysis.settings.llm
    mode = llm_settings.mode if llm_settings.mode != "off" else "review"  # the command is an explicit request
    cancel = threading.Event()
    token = await ls.progress_begin("hptlens: LLM review")
    future = ls.work_done_progress.tokens.get(token) if token is not None else None
    if future is not None:
        future.add_done_callback(lambda f: cancel.set() if f.cancelled() else None)
    run = partial(review, analysis.document, analysis.report, llm_settings, mode=mode, cancel=cancel)
    try:
        # Not the analysis pool: a review can take a minute and must not hold up analyses.
        result = await asyncio.get_running_loop().run_in_executor(None, run)
    except Exception as exc:  # review should not raise; keep the static result if it does
        ls.progress_end(token, "LLM review failed")
        log.error("LLM review of %s failed", uri, exc_info=True)
        raise JsonRpcInternalError(message=f"LLM review failed: {type(exc).__name__}: {exc}") from None
    ls.progress_end(token, "cancelled" if cancel.is_set() else "done")
    for warning in result.warnings:
        ls.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=f"hptlens LLM: {warning}"))
    merged = Analysis.of(result.report, analysis.layout, analysis.document, analysis.settings, analysis.versions)
    if ls.scheduler.store(key, version, merged):
        ls.refresh()
    return result.report.model_dump(mode="json")


# ---------------------------------------------------------------------- entry point


def serve(tcp: str | None = None) -> None:
    """Run the server on stdio, or on TCP at "HOST:PORT"."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="hptlens-lsp %(levelname)s: %(message)s")
    # Everything imported so far lives as long as the server: keep it out of the cyclic
    # collector's scans, which would otherwise add pauses to edit-to-diagnostics latency.
    gc.collect()
    gc.freeze()
    if tcp is None:
        server.start_io()
        return
    host, _, port = tcp.rpartition(":")
    server.start_tcp(host or "127.0.0.1", int(port))
