"""The hptlens language server (pygls 2.x). The only module of hptlens that imports pygls.

A thin adapter: documents and notebooks are snapshot into runs (runs.py) whose `Document`s
`hptlens.analysis.analyze` makes a `FileReport` of, and `convert` turns it into diagnostics,
code lenses and hovers.
"""

from __future__ import annotations

import asyncio
import gc
import hmac
import logging
import os
import secrets
import sys
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any
from urllib.parse import unquote

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.server import run_async
from pygls.uris import to_fs_path

from hptlens import __version__
from hptlens.lsp import actions, convert, export
from hptlens.lsp.config import SECTION, SettingsStore, dynamic_registrations, is_excluded
from hptlens.lsp.progress import Progress
from hptlens.lsp.runs import (
    Analysis,
    OpenCell,
    OpenNotebook,
    OpenText,
    Snapshot,
    cell_kind,
    inside,
    language_of,
    run_analysis,
)
from hptlens.lsp.schedule import Scheduler
from hptlens.lsp.tcp import peer_uid
from hptlens.report import Language
from hptlens.settings import ServerSettings
from hptlens.workspace import analyze_file

log = logging.getLogger(__name__)

EXPORT_REPORT = "hptlens.exportReport"
ANALYZE_DOCUMENT = "hptlens.analyzeDocument"
ANALYZE_WITH_LLM = "hptlens.analyzeWithLlm"
SHOW_SITE = convert.SHOW_SITE


class HptProtocol(LanguageServerProtocol):
    """pygls' protocol, stricter at the edges: nothing but `initialize` (and `exit`) is handled
    before `initialize`, and errors reach the client without Python tracebacks."""

    initialize_seen = False

    def _handle_request(self, msg_id: Any, method_name: str, params: Any) -> None:
        if method_name == lsp.INITIALIZE:
            refusal = self._refusal(params)
            if refusal is not None:
                log.warning("refused a TCP client: %s", refusal)
                self._send_response(
                    msg_id, None, lsp.ResponseError(code=lsp.ErrorCodes.InvalidRequest, message=refusal)
                )
                return
            self.initialize_seen = True
        elif not self.initialize_seen:
            self._send_response(
                msg_id,
                None,
                lsp.ResponseError(code=NOT_INITIALIZED, message=f"{method_name}: the server is not initialized yet"),
            )
            return
        super()._handle_request(msg_id, method_name, params)

    def _handle_notification(self, method_name: str, params: Any) -> None:
        if self.initialize_seen or method_name == lsp.EXIT:
            super()._handle_notification(method_name, params)  # the spec: drop the others

    def _refusal(self, params: Any) -> str | None:
        expected = getattr(self._server, "tcp_token", None)
        if expected is None:
            return None
        options = getattr(params, "initialization_options", None)
        given = options.get(TCP_TOKEN_KEY) if isinstance(options, dict) else None
        if isinstance(given, str) and hmac.compare_digest(given, expected):
            return None
        return f"this server needs initializationOptions.{TCP_TOKEN_KEY} (printed when it started)"

    def _send_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        if error is not None and error.data is not None:
            error = lsp.ResponseError(code=error.code, message=error.message)  # pygls puts a traceback in data
        super()._send_response(msg_id, result, error)


NOT_INITIALIZED = -32002
TCP_TOKEN_KEY = "tcpToken"
TCP_TOKEN_ENV = "HPTLENS_TCP_TOKEN"


class HptLanguageServer(LanguageServer):
    def __init__(self) -> None:
        sync = lsp.NotebookDocumentSyncOptions(
            notebook_selector=[lsp.NotebookDocumentFilterWithNotebook(notebook="*")], save=True
        )
        super().__init__(
            "hptlens",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            notebook_document_sync=sync,
            protocol_cls=HptProtocol,
        )
        self.tcp_token: str | None = None
        """Set when serving TCP to clients whose user cannot be checked: initialize must carry it."""
        self.store = SettingsStore()
        self.executor = ThreadPoolExecutor(
            max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="hptlens-analysis"
        )
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
        self.work_done = Progress(self)

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

    def roots(self) -> tuple[str, ...]:
        return tuple(os.path.realpath(path) for _, path in self.folders())

    def readable(self, path: str) -> bool:
        """The server reads from disk only inside its workspace folders."""
        return inside(self.roots(), path)

    def open_source(self, uri: str) -> str | None:
        """The text of an open document (or notebook cell); None for anything else, which is
        never read from disk for the client."""
        document = self.workspace.text_documents.get(unquote(uri))
        return document.source if document is not None else None

    def folder_of(self, path: str | None) -> tuple[str, str] | None:
        if path is None:
            return None
        matches = [
            (uri, root) for uri, root in self.folders() if path == root or path.startswith(root.rstrip(os.sep) + os.sep)
        ]
        return max(matches, key=lambda m: len(m[1]), default=None)

    def place(self, uri: str) -> tuple[str | None, str, ServerSettings, bool]:
        """(file path, display path, settings, excluded) of a document URI."""
        path = to_fs_path(uri)
        path = os.path.abspath(path) if path else None
        folder = self.folder_of(path)
        # pyproject.toml is read only inside the document's workspace folder
        directory = os.path.dirname(path) if path and folder and self.readable(path) else None
        settings = self.store.settings_for(directory, folder[0] if folder else "", folder[1] if folder else None)
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
        language = language_of(path or uri, text_doc.language_id)
        content = OpenText(uri, text_doc.source, text_doc.version)
        snapshot = Snapshot(
            uri, display, language, settings, excluded, self.encoding, content, _file_path(uri), self.roots()
        )
        return partial(run_analysis, snapshot)

    def _prepare_notebook(self, uri: str) -> Callable[[], Analysis]:
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        assert notebook is not None
        _, display, settings, excluded = self.place(uri)
        cells = []
        for index, cell in enumerate(notebook.cells):
            text_doc = self.workspace.get_text_document(cell.document)
            kind = cell_kind(cell, text_doc.language_id)
            cells.append(OpenCell(index, cell.document, kind, text_doc.source, text_doc.version))
        content = OpenNotebook(tuple(cells))
        snapshot = Snapshot(
            uri, display, Language.NOTEBOOK, settings, excluded, self.encoding, content, _file_path(uri), self.roots()
        )
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
                lsp.PublishDiagnosticsParams(uri=uri, diagnostics=items, version=version)
            )
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
        registrations = dynamic_registrations(self.capability)
        if registrations:
            try:
                await self.client_register_capability_async(lsp.RegistrationParams(registrations=registrations))
            except Exception as exc:
                log.warning("dynamic registration failed: %s", exc)


def _file_path(uri: str) -> str | None:
    return to_fs_path(uri) if uri.startswith("file:") else None


server = HptLanguageServer()


# ---------------------------------------------------------------------- lifecycle


@server.feature(lsp.INITIALIZE)
def initialize(ls: HptLanguageServer, params: lsp.InitializeParams) -> None:
    ls.store.set_init_options(params.initialization_options)
    encoding = ls.workspace.position_encoding or lsp.PositionEncodingKind.Utf16
    ls.encoding = lsp.PositionEncodingKind(encoding).value
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


@server.feature(
    lsp.TEXT_DOCUMENT_DIAGNOSTIC,
    lsp.DiagnosticOptions(identifier="hptlens", inter_file_dependencies=True, workspace_diagnostics=False),
)
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


@server.feature(
    lsp.TEXT_DOCUMENT_CODE_ACTION,
    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix], resolve_provider=True),
)
async def code_action(ls: HptLanguageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    uri = params.text_document.uri
    result = convert.quick_fixes(uri, _language_of(ls, uri), params.context.diagnostics)
    if ls.resolve_edits:
        return result
    resolved = [await _resolve(ls, action) for action in result]
    return [action for action in resolved if action.edit is not None]


@server.feature(lsp.CODE_ACTION_RESOLVE)
async def code_action_resolve(ls: HptLanguageServer, action: lsp.CodeAction) -> lsp.CodeAction:
    return await _resolve(ls, action)


async def _resolve(ls: HptLanguageServer, action: lsp.CodeAction) -> lsp.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    uri, scope, kind, line = data.get("uri"), data.get("scope"), data.get("kind"), data.get("line")
    if not isinstance(uri, str) or kind not in convert.KINDS or not isinstance(line, int):
        return action
    target, source, language, notebook = _edit_target(ls, uri, scope == "file")
    if source is None:
        return action
    make = (
        partial(actions.ignore_file_edit, source, kind, language, notebook)
        if scope == "file"
        else partial(actions.ignore_line_edit, source, line, kind, language, notebook)
    )
    edit = await asyncio.get_running_loop().run_in_executor(ls.executor, make)
    if edit is None:
        return action
    action.edit = lsp.WorkspaceEdit(changes={target: [convert.text_edit(source, edit, ls.encoding)]})
    return action


def _language_of(ls: HptLanguageServer, uri: str) -> str:
    if ls.key_of(uri) != uri:
        return "notebook"
    language = language_of(to_fs_path(uri) or uri, ls.workspace.get_text_document(uri).language_id)
    return str(language)


def _edit_target(ls: HptLanguageServer, uri: str, whole_file: bool) -> tuple[str, str | None, str, bool]:
    """(URI to edit, its text, language, is a notebook cell). A notebook's file marker goes
    into its first code cell."""
    notebook = ls.workspace.get_notebook_document(cell_uri=uri)
    if notebook is None:
        return uri, ls.open_source(uri), _language_of(ls, uri), False
    if whole_file:
        for cell in notebook.cells:
            text_doc = ls.workspace.get_text_document(cell.document)
            if cell_kind(cell, text_doc.language_id) == "code":
                uri = cell.document
                break
    return uri, ls.open_source(uri), "notebook", True


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
    if path is None or not ls.readable(path):
        raise JsonRpcInvalidParams(message=f"{ANALYZE_DOCUMENT}: {uri} is neither open nor in a workspace folder")
    if not os.path.isfile(path):
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
    ls.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Info, message=convert.site_message(site)))
    return site.model_dump(mode="json")


@server.command(EXPORT_REPORT)
async def export_report(ls: HptLanguageServer, *args: Any) -> dict[str, Any]:
    try:
        request = export.ExportRequest.parse(args[0] if args else None)
        jobs = _export_jobs(ls, request)
    except export.ExportError as exc:
        raise JsonRpcInvalidParams(message=str(exc)) from None
    token = await ls.work_done.begin("hptlens: exporting the HPT report")
    loop = asyncio.get_running_loop()
    cancelled = ls.work_done.cancelled(token)
    summaries = []
    try:
        for job in jobs:

            def progress(done: int, total: int) -> None:
                percentage = int(100 * done / total) if total else 100
                loop.call_soon_threadsafe(ls.work_done.report, token, f"{done}/{total} files", percentage)

            buffers = export.open_reports(ls.scheduler, to_fs_path)
            run = partial(export.run, job, request.format, buffers, progress, cancelled)
            summaries.append(await loop.run_in_executor(None, run))
    except export.ExportError as exc:
        ls.work_done.end(token, str(exc))
        raise JsonRpcInvalidParams(message=str(exc)) from None
    except Exception as exc:
        ls.work_done.end(token, "export failed")
        log.error("export failed", exc_info=True)
        raise JsonRpcInternalError(message=f"export failed: {type(exc).__name__}: {exc}") from None
    ls.work_done.end(token, f"wrote {', '.join(s['path'] for s in summaries)}")
    return export.combined(summaries)


def _export_jobs(ls: HptLanguageServer, request: export.ExportRequest) -> list[export.Job]:
    wanted = None
    if request.folder is not None:
        wanted = os.path.abspath(to_fs_path(request.folder) or request.folder)
    return export.plan(ls.folders(), request, wanted, lambda uri, path: ls.store.settings_for(path, uri, path))


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
    token = await ls.work_done.begin("hptlens: LLM review")
    ls.work_done.on_cancel(token, cancel.set)
    run = partial(review, analysis.document, analysis.report, llm_settings, mode=mode, cancel=cancel)
    try:
        # Not the analysis pool: a review can take a minute and must not hold up analyses.
        result = await asyncio.get_running_loop().run_in_executor(None, run)
    except Exception as exc:  # review should not raise; keep the static result if it does
        ls.work_done.end(token, "LLM review failed")
        log.error("LLM review of %s failed", uri, exc_info=True)
        raise JsonRpcInternalError(message=f"LLM review failed: {type(exc).__name__}: {exc}") from None
    ls.work_done.end(token, "cancelled" if cancel.is_set() else "done")
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
    serve_tcp(server, host or "127.0.0.1", int(port))


def serve_tcp(ls: HptLanguageServer, host: str, port: int) -> None:
    """One client at a time on a loopback address, and only a client of this server's user:
    checked through /proc/net/tcp where there is one, else by a token in initializationOptions."""
    stop_event = threading.Event()
    busy = False

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal busy
        uid = peer_uid(writer.get_extra_info("peername"), writer.get_extra_info("sockname"))
        if busy or (uid is not None and uid != os.getuid()):
            log.warning("refused a TCP connection (%s)", "a client is connected" if busy else f"user id {uid}")
            writer.close()
            return
        busy = True
        if uid is None and ls.tcp_token is None:
            ls.tcp_token = os.environ.get(TCP_TOKEN_ENV) or secrets.token_urlsafe(24)
            print(
                f"hptlens: cannot check which user connected: send initializationOptions.{TCP_TOKEN_KEY} = "
                f"{ls.tcp_token}",
                file=sys.stderr,
                flush=True,
            )
        ls.protocol.set_writer(writer)
        await run_async(
            stop_event=stop_event, reader=reader, protocol=ls.protocol, logger=log, error_handler=ls.report_server_error
        )
        ls.shutdown()

    async def main() -> None:
        listener = await asyncio.start_server(connection, host, port)
        ls._stop_event, ls._server = stop_event, listener  # what pygls' shutdown() closes
        where = ", ".join(f"{s.getsockname()[0]}:{s.getsockname()[1]}" for s in listener.sockets)
        print(
            f"hptlens: language server listening on {where} (loopback only; clients of other users are refused)",
            file=sys.stderr,
            flush=True,
        )
        async with listener:
            await listener.serve_forever()

    try:
        asyncio.run(main())
    except asyncio.CancelledError:
        pass
