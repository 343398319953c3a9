"""The workspace report written by the `hptlens.exportReport` command.

A folder is scanned as `hptlens scan FOLDER` would (same discovery, ignore rules and
settings), with file paths relative to the folder; files open in the editor are taken
from their buffers, so the report shows what the user sees. Reports are only ever
written inside a workspace folder (symbolic links resolved): anything else is refused.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from hptlens.lsp.runs import Analysis
from hptlens.lsp.schedule import Scheduler
from hptlens.report import FileReport, Report, build_report, report_json
from hptlens.settings import Settings
from hptlens.workspace import PARALLEL_MIN_FILES, analyze_file, discover
from hptlens.workspace.isolation import analyze_isolated
from hptlens.workspace.scanning import analyze_batch

Format = Literal["json", "sarif", "legacy"]
DEFAULT_NAMES: dict[str, str] = {
    "json": "hpt-report.json",
    "sarif": "hpt-report.sarif.json",
    "legacy": "hpt-report.legacy.json",
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
    job: Job, fmt: str, buffers: dict[str, FileReport], progress: Progress, cancelled: Callable[[], bool]
) -> dict[str, Any]:
    """Scan the job's folders and write its report (in a worker thread); the summary."""
    files: list[FileReport] = []
    for prefix, path, settings in job.folders:
        # Reports written earlier are JSON files too: they are output, not sources.
        skip = {str(job.target), *(os.path.join(path, name) for name in DEFAULT_NAMES.values())}
        files += scan_folder(path, settings, buffers, progress, cancelled, prefix, skip)
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


def scan_folder(
    folder: str,
    settings: Settings,
    buffers: dict[str, FileReport],
    progress: Progress,
    cancelled: Callable[[], bool],
    prefix: str = "",
    skip: set[str] | None = None,
) -> list[FileReport]:
    """Every analysable file under `folder`, paths relative to it (after `prefix`).

    buffers: reports of open editor documents by absolute path; used instead of the disk.
    skip: absolute paths left out (the report files themselves).
    """
    errors: list[FileReport] = []
    skipped = {os.path.abspath(p) for p in skip or ()}
    entries = [
        (str(path), _relative(str(path), folder))
        for path, _ in discover([Path(folder)], settings, errors)
        if os.path.abspath(path) not in skipped
    ]
    reports: dict[str, FileReport] = {}
    pending = []
    for path, display in entries:
        buffered = buffers.get(os.path.abspath(path))
        if buffered is not None:
            reports[path] = buffered.model_copy(update={"path": display})
        else:
            pending.append((path, display))
    done = len(reports)
    progress(done, len(entries))
    for path, report in _analyze(pending, settings, cancelled):
        reports[path] = report
        done += 1
        progress(done, len(entries))
    if cancelled():
        raise ExportError("export cancelled")
    for report in errors:
        report.path = _relative(os.path.abspath(report.path), folder)
    files = [*reports.values(), *errors]
    for report in files:
        report.path = prefix + report.path
    return sorted(files, key=lambda r: r.path)


def _relative(path: str, folder: str) -> str:
    return Path(os.path.relpath(path, folder)).as_posix()


def _analyze(
    entries: list[tuple[str, str]], settings: Settings, cancelled: Callable[[], bool]
) -> Iterator[tuple[str, FileReport]]:
    if len(entries) < PARALLEL_MIN_FILES or (os.cpu_count() or 1) < 2:
        for path, display in entries:
            if cancelled():
                return
            yield path, analyze_file(path, display, settings)
        return
    # Many files: worker processes, where a native crash costs its file and not the server.
    task = partial(analyze_batch, settings=settings)
    for index, report in analyze_isolated(entries, task, min(os.cpu_count() or 1, 8), 8, cancelled=cancelled):
        yield entries[index][0], report


def render(report: Report, fmt: str) -> str:
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
            handle.write(render(report, fmt))
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


def open_reports(scheduler: Scheduler[Analysis], path_of: Callable[[str], str | None]) -> dict[str, FileReport]:
    """Current reports of open documents by absolute path (what the editor shows)."""
    buffers = {}
    for key in scheduler.keys():
        stored = scheduler.result(key)
        path = path_of(key)
        if stored is not None and path and stored[0] == scheduler.latest(key) and stored[1].error is None:
            buffers[os.path.abspath(path)] = stored[1].report
    return buffers


def combined(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """One export's summary, or several folders' summaries with their totals."""
    if len(summaries) == 1:
        return summaries[0]
    totals = {
        key: sum(s[key] for s in summaries) for key in ("files", "filesWithTuning", "findings", "sites", "errors")
    }
    return {**summaries[0], **totals, "reports": summaries}
