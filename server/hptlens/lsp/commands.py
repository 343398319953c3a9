"""The workspace commands: analyse a document, show a site, export the report, LLM review."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from functools import partial
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams
from pygls.uris import to_fs_path

from hptlens.lsp import convert, export
from hptlens.lsp.runs import Analysis
from hptlens.lsp.server import HptLanguageServer
from hptlens.workspace import analyze_file

log = logging.getLogger(__name__)

EXPORT_REPORT = "hptlens.exportReport"
ANALYZE_DOCUMENT = "hptlens.analyzeDocument"
ANALYZE_WITH_LLM = "hptlens.analyzeWithLlm"
SHOW_SITE = convert.SHOW_SITE


def register(server: HptLanguageServer) -> None:
    server.command(ANALYZE_DOCUMENT)(analyze_document)
    server.command(SHOW_SITE)(show_site)
    server.command(EXPORT_REPORT)(export_report)
    server.command(ANALYZE_WITH_LLM)(analyze_with_llm)


def _uri_argument(args: tuple[Any, ...], command: str) -> str:
    if not args or not isinstance(args[0], str):
        raise JsonRpcInvalidParams(message=f"{command} takes a document URI as its first argument")
    return args[0]


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


async def show_site(ls: HptLanguageServer, *args: Any) -> dict[str, Any]:
    """(uri, site id[, {"message": false}]): the Site, told as a message unless the client
    shows the site itself (a one-line message cuts a long site short)."""
    uri = _uri_argument(args, SHOW_SITE)
    site_id = args[1] if len(args) > 1 else None
    options = args[2] if len(args) > 2 and isinstance(args[2], dict) else {}
    analysis = await ls.current(uri)
    site = next((s for s in analysis.report.sites if s.id == site_id), None) if analysis else None
    if site is None:
        raise JsonRpcInvalidParams(message=f"{SHOW_SITE}: no site {site_id!r} in {uri}")
    if options.get("message", True) is not False:
        ls.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Info, message=convert.site_message(site)))
    return site.model_dump(mode="json")


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

            buffers = export.open_documents(ls.scheduler, to_fs_path)
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
