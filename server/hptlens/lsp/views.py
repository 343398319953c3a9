"""What the editor shows of an analysis: pulled diagnostics, code lenses, hovers."""

from __future__ import annotations

from typing import Any

from lsprotocol import types as lsp

from hptlens.lsp import convert
from hptlens.lsp.server import HptLanguageServer


def register(server: HptLanguageServer) -> None:
    server.feature(
        lsp.TEXT_DOCUMENT_DIAGNOSTIC,
        lsp.DiagnosticOptions(identifier="hptlens", inter_file_dependencies=True, workspace_diagnostics=False),
    )(pull_diagnostics)
    server.feature(lsp.TEXT_DOCUMENT_CODE_LENS)(code_lens)
    server.feature(lsp.TEXT_DOCUMENT_HOVER)(hover)


async def pull_diagnostics(ls: HptLanguageServer, params: lsp.DocumentDiagnosticParams) -> Any:
    uri = params.text_document.uri
    ls.pulled(uri)
    analysis = await ls.current(uri)
    if analysis is None:
        return lsp.RelatedFullDocumentDiagnosticReport(items=[])
    result_id = str(analysis.serial)
    if params.previous_result_id == result_id:
        return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    items = analysis.diagnostics.get(uri, [])
    return lsp.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)


async def code_lens(ls: HptLanguageServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
    analysis = await ls.current(params.text_document.uri)
    if analysis is None:
        return []
    return convert.code_lenses(analysis.report, analysis.layout, params.text_document.uri)


async def hover(ls: HptLanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
    analysis = await ls.current(params.text_document.uri)
    if analysis is None:
        return None
    return convert.hover(analysis.report, analysis.layout, params.text_document.uri, params.position)
