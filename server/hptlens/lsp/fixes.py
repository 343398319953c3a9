"""Quick fixes: `hpt: ignore` comments for a line or a whole file, resolved lazily when the
client can resolve edits."""

from __future__ import annotations

import asyncio
from functools import partial

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from hptlens.lsp import actions, convert
from hptlens.lsp.runs import cell_kind, language_of
from hptlens.lsp.server import HptLanguageServer
from hptlens.report import Language


def register(server: HptLanguageServer) -> None:
    server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix], resolve_provider=True),
    )(code_action)
    server.feature(lsp.CODE_ACTION_RESOLVE)(code_action_resolve)


async def code_action(ls: HptLanguageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    uri = params.text_document.uri
    if _json_notebook(ls, uri):
        return []
    result = convert.quick_fixes(uri, _language_of(ls, uri), params.context.diagnostics)
    if ls.resolve_edits:
        return result
    resolved = [await _resolve(ls, action) for action in result]
    return [action for action in resolved if action.edit is not None]


async def code_action_resolve(ls: HptLanguageServer, action: lsp.CodeAction) -> lsp.CodeAction:
    return await _resolve(ls, action)


async def _resolve(ls: HptLanguageServer, action: lsp.CodeAction) -> lsp.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    uri, scope, kind, line = data.get("uri"), data.get("scope"), data.get("kind"), data.get("line")
    if not isinstance(uri, str) or kind not in convert.KINDS or not isinstance(line, int) or _json_notebook(ls, uri):
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


def _json_notebook(ls: HptLanguageServer, uri: str) -> bool:
    """A notebook open as plain text (its JSON): an edit made for a cell's code would break it."""
    return ls.key_of(uri) == uri and _language_of(ls, uri) == Language.NOTEBOOK


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
