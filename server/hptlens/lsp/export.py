"""The workspace report written by the `hptlens.exportReport` command.

A folder is scanned by `workspace.scan`, as `hptlens scan` scans it (same discovery, ignore
rules, settings and cross-file links), with file paths relative to the folder; files open in
the editor are taken from their buffers, so the report shows what the user sees. Reports are only ever
written inside a workspace folder (symbolic links resolved): anything else is refused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from hptlens.documents import Document
from hptlens.lsp.runs import Analysis
from hptlens.lsp.schedule import Scheduler
from hptlens.report import FileReport, Report, build_report, report_json
from hptlens.settings import Settings
from hptlens.workspace import scan
from hptlens.workspace.scanning import EditorView, ScanCancelled

Format = Literal["json", "sarif", "legacy", "html"]
DEFAULT_NAMES: dict[str, str] = {
    "json": "hpt-report.json",
    "sarif": "hpt-report.sarif.json",
    "legacy": "hpt-report.legacy.json",
    "html": "hpt-report.html",
}
Progress = Callable[[int, int], None]
"""(files done, files in all) as the scan goes."""


class ExportError(ValueError):
    """A request that cannot be carried out; the message is shown to the user."""


class ExportRequest(BaseModel):
    """The command's optional argument (camelCase or snake_case keys)."""

    model_config = ConfigDict(extra="forbid")

    format: Format = "json"
    path: str | None = None
    folder: str | None = None
    """A workspace folder URI or path (multi-root); None: the folder holding `path`, the
    only folder, or every folder (one report each) unless `combined`."""
    combined: bool = False
    """Multi-root: one report over all folders, paths prefixed with the folder's name."""

    @classmethod
    def parse(cls, raw: Any) -> ExportRequest:
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise ExportError(f'exportReport takes an object such as {{"format": "json"}}, not {raw!r}')
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ExportError(f"invalid exportReport argument '{where}': {first['msg']}") from None


@dataclass(frozen=True)
class Job:
    """One report: the folders it covers, as (path prefix, folder path, settings), and its file."""

    folders: list[tuple[str, str, Settings]]
    target: Path


def plan(
    folders: list[tuple[str, str]],
    request: ExportRequest,
    wanted: str | None,
    settings_for: Callable[[str, str], Settings],
) -> list[Job]:
    """The reports to write for the workspace folders (URI, path).

    wanted: the path of `request.folder`. Without it: the folder holding an absolute `path`,
    the first folder for a relative `path`, else every folder (one report each), or one
    combined report over every folder when asked.
    """
    if not folders:
        raise ExportError("no workspace folder is open: nothing to export")
    roots = [path for _, path in folders]
    chosen = folders
    if wanted is not None:
        chosen = [f for f in folders if f[1] == wanted or f[0] == request.folder]
        if not chosen:
            raise ExportError(f"{request.folder} is not a workspace folder")
    elif request.combined:
        pass
    elif request.path is not None and os.path.isabs(request.path):
        found = [f for f in folders if inside(request.path, [f[1]])]
        chosen = [max(found, key=lambda f: len(f[1]))] if found else folders[:1]
    elif request.path is not None:
        chosen = folders[:1]
    if request.combined and len(chosen) > 1:
        named = [(os.path.basename(path) + "/", path, settings_for(uri, path)) for uri, path in chosen]
        return [Job(named, target_path(chosen[0][1], request, roots))]
    return [Job([("", path, settings_for(uri, path))], target_path(path, request, roots)) for uri, path in chosen]


def run(
    job: Job, fmt: str, buffers: dict[str, Document], progress: Progress, cancelled: Callable[[], bool]
) -> dict[str, Any]:
    """Scan the job's folders with `workspace.scan`, the CLI's pipeline, and write its report
    (in a worker thread); the summary."""
    files: list[FileReport] = []
    for prefix, path, settings in job.folders:
        # Reports written earlier are JSON files too: they are output, not sources.
        skip = {str(job.target), *(os.path.join(path, name) for name in DEFAULT_NAMES.values())}
        view = EditorView(
            buffers=buffers,
            relative_to=path,
            skip=frozenset(os.path.abspath(p) for p in skip),
            progress=progress,
            cancelled=cancelled,
        )
        try:
            reports = scan([path], settings, isolate=True, editor=view)
        except ScanCancelled:
            raise ExportError("export cancelled") from None
        files += [r.model_copy(update={"path": prefix + r.path}) for r in reports]
    return write(files, job.target, fmt)


def inside(path: str, roots: list[str]) -> bool:
    real = os.path.realpath(path)
    for root in roots:
        base = os.path.realpath(root)
        if real == base or real.startswith(base.rstrip(os.sep) + os.sep):
            return True
    return False


def target_path(folder: str, request: ExportRequest, roots: list[str]) -> Path:
    """Where the report goes; ExportError for a path outside the workspace or no folder."""
    name = request.path or DEFAULT_NAMES[request.format]
    candidate = Path(name).expanduser()
    if not candidate.is_absolute():
        candidate = Path(folder) / candidate
    candidate = Path(os.path.abspath(candidate))
    if not inside(str(candidate), roots):
        shown = ", ".join(roots)
        raise ExportError(f"refusing to write the report to {candidate}: it is outside the workspace ({shown})")
    if candidate.is_dir():
        raise ExportError(f"cannot write the report to {candidate}: it is a folder")
    if not candidate.parent.is_dir():
        raise ExportError(f"cannot write the report to {candidate}: folder {candidate.parent} does not exist")
    return candidate


def render(report: Report, fmt: str, base: Path | None = None) -> str:
    """The report in `fmt`; `base` is the folder it is written to (HTML links are relative to it)."""
    if fmt == "html":
        from hptlens.export.html import scan_html

        return scan_html(report, base)
    if fmt == "json":
        return report_json(report)
    if fmt == "sarif":
        from hptlens.export.sarif import to_sarif

        data = to_sarif(report)
    else:
        from hptlens.export.legacy import to_legacy

        data = to_legacy(report)
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def write(files: list[FileReport], target: Path, fmt: str) -> dict[str, Any]:
    """Write the report; the command's summary result."""
    report = build_report(files)
    try:
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(render(report, fmt, target.parent))
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
    summary = report.summary
    return {
        "path": str(target),
        "format": fmt,
        "files": summary.files,
        "filesWithTuning": summary.files_with_tuning,
        "findings": summary.findings,
        "sites": summary.sites,
        "errors": summary.files_with_errors,
    }


def open_documents(scheduler: Scheduler[Analysis], path_of: Callable[[str], str | None]) -> dict[str, Document]:
    """The documents open in the editor, by absolute path, at their current version: the
    export scans them instead of the disk, so the report shows what the user sees."""
    buffers = {}
    for key in scheduler.keys():
        stored = scheduler.result(key)
        path = path_of(key)
        if stored is not None and path and stored[0] == scheduler.latest(key) and stored[1].error is None:
            buffers[os.path.abspath(path)] = stored[1].document
    return buffers


def combined(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """One export's summary, or several folders' summaries with their totals."""
    if len(summaries) == 1:
        return summaries[0]
    totals = {
        key: sum(s[key] for s in summaries) for key in ("files", "filesWithTuning", "findings", "sites", "errors")
    }
    return {**summaries[0], **totals, "reports": summaries}
