"""What the language server knows and does for its documents: workspace folders and paths,
settings per folder, analysis scheduling and publishing diagnostics.

The handlers (sync.py, views.py, fixes.py, commands.py) call into it; main.py builds one and
says which handler answers which method.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any
from urllib.parse import unquote

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from hptlens import __version__
from hptlens.lsp.config import SECTION, SettingsStore, dynamic_registrations, is_excluded
from hptlens.lsp.progress import Progress
from hptlens.lsp.protocol import HptProtocol
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
from hptlens.report import Language
from hptlens.settings import ServerSettings

log = logging.getLogger(__name__)


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
        self.pulls_cells = False
        """Set at a pull client's first pull for a notebook cell. Until then its cells get pushed
        diagnostics: vscode-languageclient 9 pulls for text documents but never for cells."""
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
        if self.pushes(key):
            self.publish(key, analysis)

    def pushes(self, key: str) -> bool:
        """Whether a document's diagnostics are pushed: always to a push client, and to a pull
        client for notebook cells until it has shown that it pulls for them."""
        return not self.pull or (key in self.notebooks and not self.pulls_cells)

    def pulled(self, uri: str) -> None:
        """A pull request arrived for `uri`. The first for a notebook cell shows the client pulls
        for cells: what was pushed to cells is cleared so nothing shows twice."""
        if self.pulls_cells or self.key_of(uri) == uri:
            return
        self.pulls_cells = True
        for key in [key for key in self.published if key in self.notebooks]:
            for part in self.published.pop(key):
                self.clear(part)

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
        for uri in self.published.pop(key, set()):  # only what was pushed is in `published`
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
