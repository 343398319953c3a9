"""Document sync: text documents and notebooks opened, edited, saved and closed, each
scheduled for analysis (edits after the debounce, the rest at once)."""

from __future__ import annotations

from lsprotocol import types as lsp

from hptlens.lsp.server import HptLanguageServer


def register(server: HptLanguageServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)(did_save)
    server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    server.feature(lsp.NOTEBOOK_DOCUMENT_DID_OPEN)(notebook_open)
    server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CHANGE)(notebook_change)
    server.feature(lsp.NOTEBOOK_DOCUMENT_DID_SAVE)(notebook_save)
    server.feature(lsp.NOTEBOOK_DOCUMENT_DID_CLOSE)(notebook_close)


async def did_open(ls: HptLanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
    await ls.configured.wait()
    ls.schedule(params.text_document.uri, delay=False)


async def did_change(ls: HptLanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
    await ls.configured.wait()
    if ls.scheduler.latest(params.text_document.uri) is not None:
        ls.schedule(params.text_document.uri, delay=True)


async def did_save(ls: HptLanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
    await ls.configured.wait()
    if params.text_document.uri.endswith("pyproject.toml"):
        ls.store.invalidate()
        ls.reschedule_all()
        ls.refresh()
    elif ls.scheduler.latest(params.text_document.uri) is not None:
        ls.schedule(params.text_document.uri, delay=False)


def did_close(ls: HptLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
    ls.forget(params.text_document.uri)


async def notebook_open(ls: HptLanguageServer, params: lsp.DidOpenNotebookDocumentParams) -> None:
    await ls.configured.wait()
    ls.notebooks.add(params.notebook_document.uri)
    ls.schedule(params.notebook_document.uri, delay=False)


async def notebook_change(ls: HptLanguageServer, params: lsp.DidChangeNotebookDocumentParams) -> None:
    await ls.configured.wait()
    if params.notebook_document.uri in ls.notebooks:
        ls.schedule(params.notebook_document.uri, delay=True)


async def notebook_save(ls: HptLanguageServer, params: lsp.DidSaveNotebookDocumentParams) -> None:
    await ls.configured.wait()
    if params.notebook_document.uri in ls.notebooks:
        ls.schedule(params.notebook_document.uri, delay=False)


def notebook_close(ls: HptLanguageServer, params: lsp.DidCloseNotebookDocumentParams) -> None:
    ls.forget(params.notebook_document.uri)
