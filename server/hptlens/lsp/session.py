"""Session handlers: initialize, initialized, shutdown, and the workspace notifications
(settings changed, pyproject.toml changed on disk, folders added or removed)."""

from __future__ import annotations

from typing import Any

from lsprotocol import types as lsp

from hptlens.lsp.server import HptLanguageServer


def register(server: HptLanguageServer) -> None:
    server.feature(lsp.INITIALIZE)(initialize)
    server.feature(lsp.INITIALIZED)(initialized)
    server.feature(lsp.SHUTDOWN)(shutdown)
    server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
    server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)(did_change_watched_files)
    server.feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)(did_change_folders)


def initialize(ls: HptLanguageServer, params: lsp.InitializeParams) -> None:
    ls.store.set_init_options(params.initialization_options)
    encoding = ls.workspace.position_encoding or lsp.PositionEncodingKind.Utf16
    ls.encoding = lsp.PositionEncodingKind(encoding).value
    ls.pull = ls.capability("text_document.diagnostic") is not None
    properties = ls.capability("text_document.code_action.resolve_support.properties") or []
    ls.resolve_edits = "edit" in properties


async def initialized(ls: HptLanguageServer, params: lsp.InitializedParams) -> None:
    try:
        await ls.fetch_configuration()
        await ls.register_dynamic()
    finally:
        ls.configured.set()
        ls.show_warnings()


def shutdown(ls: HptLanguageServer, params: Any) -> None:
    ls.executor.shutdown(wait=False, cancel_futures=True)


async def did_change_configuration(ls: HptLanguageServer, params: lsp.DidChangeConfigurationParams) -> None:
    await ls.configured.wait()
    await ls.reconfigure(params.settings)


def did_change_watched_files(ls: HptLanguageServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    if any(change.uri.endswith("pyproject.toml") for change in params.changes):
        ls.store.invalidate()
        ls.reschedule_all()
        ls.refresh()


async def did_change_folders(ls: HptLanguageServer, params: lsp.DidChangeWorkspaceFoldersParams) -> None:
    await ls.reconfigure()
