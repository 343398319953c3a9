"""The workspace layer: find files, read them safely, analyse them, load settings.

Everything that touches the file system for a scan lives here; the analysis core only
ever sees `Document`s. Nothing in this module raises for a bad file: every problem
becomes an `errors` entry on that file's `FileReport` and the scan goes on.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import stat
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from pathspec import GitIgnoreSpec
from pydantic import BaseModel, ValidationError

from hptlens.documents import Document, NotebookError, detect_language, read_notebook
from hptlens.report import FileError, FileReport, Language
from hptlens.settings import Settings

if sys.version_info >= (3, 11):
    import tomllib as _toml
else:  # pragma: no cover - exercised on 3.10 only
    try:
        import tomli as _toml
    except ImportError:  # settings then fall back to defaults, with a warning
        _toml = None

log = logging.getLogger(__name__)

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        "node_modules",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
    }
)
"""Folder names never walked into (unless named explicitly)."""

ARTEFACT_DIRS = frozenset({"build", "dist"})
"""Build output, skipped too, unless it is a Python package (pip has `operations/build/`)."""

BINARY_SNIFF_BYTES = 8192
PARALLEL_MIN_FILES = 50
"""With jobs=0, fewer files than this are analysed serially (a pool costs more)."""
PROGRESS_MIN_FILES = 20
"""A progress bar is only worth showing for more files than this."""

_BOM = b"\xef\xbb\xbf"
_GITIGNORE_MAX_BYTES = 1024 * 1024


# --------------------------------------------------------------------------- reports


def error_report(display: str, code: str, message: str, line: int | None = None) -> FileReport:
    """A report for a file that could not be analysed; the language comes from its suffix."""
    return FileReport(
        path=display,
        language=detect_language(display),
        errors=[FileError(code=code, message=message, line=line)],  # type: ignore[arg-type]
    )


def _os_message(exc: OSError) -> str:
    return exc.strerror or str(exc)


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class _IgnoreLayer:
    """The patterns of one .gitignore, matched relative to the folder holding it."""

    base: str
    spec: GitIgnoreSpec


@dataclass
class _Walk:
    """State shared by one discovery run."""

    errors: list[FileReport]
    visited: set[str]
    """Real paths of folders already walked (symlinks to them are not walked again)."""
    seen: set[str]
    """Display paths already yielded or failed (a file named twice is reported once)."""

    def fail(self, display: str, code: str, message: str) -> None:
        if display not in self.seen:
            self.seen.add(display)
            self.errors.append(error_report(display, code, message))


def discover(
    paths: Sequence[Path], settings: Settings, errors: list[FileReport] | None = None
) -> Iterator[tuple[Path, str]]:
    """Yield (file path, display path) for every analysable file under `paths`.

    Folders are walked in sorted order, honouring .gitignore files, `settings.exclude`
    and the default skips; explicitly named paths are always scanned. Problems found
    on the way (symlink loops, unsupported or missing named files, unlistable folders)
    are appended to `errors` as error reports instead of being dropped.
    """
    walk = _Walk(errors=errors if errors is not None else [], visited=set(), seen=set())
    exclude = _compile(settings.exclude)
    for path in paths:
        yield from _discover_root(Path(path), walk, exclude)


def _discover_root(path: Path, walk: _Walk, exclude: GitIgnoreSpec) -> Iterator[tuple[Path, str]]:
    display = display_path(path)
    if not os.path.lexists(path):
        walk.fail(display, "unreadable", "no such file or directory")
    elif os.path.isdir(path):
        root = os.path.abspath(path)
        walk.visited.add(os.path.realpath(root))
        yield from _walk_folder(root, display, walk, exclude)
    elif _supported(display):
        yield from _once(path, display, walk)
    else:
        walk.fail(display, "unreadable", _unsupported_message(display))


def _once(path: Path, display: str, walk: _Walk) -> Iterator[tuple[Path, str]]:
    if display not in walk.seen:
        walk.seen.add(display)
        yield path, display


def _supported(name: str) -> bool:
    language = detect_language(name)
    return language is not Language.UNKNOWN


def _unsupported_message(display: str) -> str:
    return "not a supported file type (supported: Python, Jupyter notebooks, C++, YAML, JSON)"


@dataclass
class _Frame:
    """One folder on the walk stack: its entries still to visit and its ignore rules."""

    path: str
    display: str
    real: str
    layers: tuple[_IgnoreLayer, ...]
    entries: Iterator[tuple[str, bool, bool]]
    """(name, is folder, is symlink), real entries first, then symlinked folders."""


def _walk_folder(root: str, display: str, walk: _Walk, exclude: GitIgnoreSpec) -> Iterator[tuple[Path, str]]:
    # An explicit stack instead of recursion: deep trees must not hit the recursion limit.
    stack: list[_Frame] = []
    on_stack: set[str] = set()
    root_frame = _open_frame(root, display, os.path.realpath(root), _ancestor_layers(root), walk)
    if root_frame is None:
        return
    stack.append(root_frame)
    on_stack.add(root_frame.real)
    while stack:
        frame = stack[-1]
        entry = next(frame.entries, None)
        if entry is None:
            on_stack.discard(stack.pop().real)
            continue
        name, is_dir, is_link = entry
        path = os.path.join(frame.path, name)
        shown = name if frame.display == "." else f"{frame.display.rstrip('/')}/{name}"
        if _skipped(path, shown, root, is_dir, frame.layers, exclude):
            continue
        if not is_dir:
            if _supported(name):
                yield from _once(Path(path), shown, walk)
            continue
        child = _enter(path, shown, is_link, frame.layers, walk, on_stack)
        if child is not None:
            stack.append(child)
            on_stack.add(child.real)


def _enter(
    path: str, shown: str, is_link: bool, layers: tuple[_IgnoreLayer, ...], walk: _Walk, on_stack: set[str]
) -> _Frame | None:
    """The frame for a sub-folder, or None (with an error entry) when it must not be walked."""
    real = os.path.realpath(path)
    if is_link and real in on_stack:
        walk.fail(shown, "symlink-loop", f"symbolic link loop: points back to the enclosing folder {real}")
        return None
    if is_link and real in walk.visited:
        walk.fail(shown, "symlink-loop", f"symbolic link to a folder already scanned ({real}); not scanned twice")
        return None
    walk.visited.add(real)
    return _open_frame(path, shown, real, layers, walk)


def _open_frame(
    path: str, display: str, real: str, layers: tuple[_IgnoreLayer, ...], walk: _Walk
) -> _Frame | None:
    try:
        with os.scandir(path) as listing:
            raw = sorted(listing, key=lambda e: e.name)
            entries = [(e.name, _is_dir(e), _is_link(e)) for e in raw]
    except OSError as exc:
        walk.fail(display, "unreadable", f"cannot list folder: {_os_message(exc)}")
        return None
    if any(name == ".gitignore" and not is_dir for name, is_dir, _ in entries):
        layer = _read_gitignore(path)
        if layer is not None:
            layers = (*layers, layer)
    # Real entries before symlinked folders, so a link to a sibling folder finds it
    # already walked under its own name instead of claiming it.
    ordered = [e for e in entries if not (e[1] and e[2])] + [e for e in entries if e[1] and e[2]]
    return _Frame(path=path, display=display, real=real, layers=layers, entries=iter(ordered))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows symlinks; a broken link is not a folder
    except OSError:
        return False


def _is_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _skipped(
    path: str, shown: str, root: str, is_dir: bool, layers: tuple[_IgnoreLayer, ...], exclude: GitIgnoreSpec
) -> bool:
    if is_dir and _default_skip(path, os.path.basename(path)):
        return True
    suffix = "/" if is_dir else ""
    # Exclude globs match relative to the scanned folder, or to the working folder (the
    # displayed path when relative), so `scan fixtures --exclude fixtures/x` works too.
    if exclude.match_file(_relative(path, root) + suffix):
        return True
    if not shown.startswith("/") and exclude.match_file(shown + suffix):
        return True
    return _ignored(path, suffix, layers)


def _default_skip(path: str, name: str) -> bool:
    if name in SKIP_DIRS or name.endswith(".egg-info"):
        return True
    if name in ARTEFACT_DIRS:
        return not os.path.isfile(os.path.join(path, "__init__.py"))
    # Virtual environments are recognised by their marker file, whatever their name.
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def _ignored(path: str, suffix: str, layers: tuple[_IgnoreLayer, ...]) -> bool:
    # Deeper .gitignore files override shallower ones, as in git.
    for layer in reversed(layers):
        result = layer.spec.check_file(_relative(path, layer.base) + suffix)
        if result.include is not None:
            return bool(result.include)
    return False


def _relative(path: str, base: str) -> str:
    # Paths are built by joining onto the scanned folder, so a prefix cut suffices (and is fast).
    prefix = base.rstrip(os.sep) + os.sep
    relative = path[len(prefix) :] if path.startswith(prefix) else os.path.relpath(path, base)
    return relative.replace(os.sep, "/")


def _ancestor_layers(root: str) -> tuple[_IgnoreLayer, ...]:
    """.gitignore files above a scanned folder, up to the root of its git repository.

    Outside a repository only the scanned folder's own .gitignore (read when walking it)
    counts. A folder named explicitly is wanted even when the repository ignores it (a
    virtual environment's site-packages, say): then the rules above it are not applied.
    """
    found: list[_IgnoreLayer] = []
    for parent in Path(root).parents:
        layer = _read_gitignore(str(parent))
        if layer is not None:
            found.append(layer)
        if os.path.exists(parent / ".git"):
            layers = tuple(reversed(found))
            return () if _ignored(root, "/", layers) else layers
    return ()


def _read_gitignore(folder: str) -> _IgnoreLayer | None:
    path = os.path.join(folder, ".gitignore")
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _GITIGNORE_MAX_BYTES:
            return None
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    return _IgnoreLayer(base=folder, spec=_compile(lines))


def _compile(lines: Sequence[str]) -> GitIgnoreSpec:
    try:
        return GitIgnoreSpec.from_lines(lines)
    except ValueError:
        # One bad pattern must not void the whole file: keep the lines that parse.
        return GitIgnoreSpec.from_lines([line for line in lines if _valid_pattern(line)])


def _valid_pattern(line: str) -> bool:
    try:
        GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True


def display_path(path: Path | str) -> str:
    """Relative to the working folder when under it, else absolute; always '/'-separated."""
    absolute = os.path.abspath(path)
    try:
        cwd = os.getcwd()
    except OSError:
        return Path(absolute).as_posix()
    if absolute == cwd:
        return "."
    if absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return Path(os.path.relpath(absolute, cwd)).as_posix()
    return Path(absolute).as_posix()


# --------------------------------------------------------------------------- reading


def read_document(path: Path, display: str, settings: Settings) -> tuple[Document | None, list[FileError]]:
    """Read one file safely: (document or None, problems).

    The document is None when the file cannot be analysed at all; otherwise the
    problems are warnings (a decode error) to attach to its report.
    """
    language = detect_language(display)
    try:
        info = os.stat(path)
    except OSError as exc:
        return None, [_unreadable(path, exc)]
    if not stat.S_ISREG(info.st_mode):
        # Checked before opening: opening a FIFO blocks and opening a device can act.
        return None, [FileError(code="unreadable", message=f"not a regular file ({_kind(info.st_mode)})")]
    if info.st_size > settings.max_file_bytes:
        return None, [_too_large(info.st_size, settings)]
    try:
        data = _read_capped(path, settings.max_file_bytes)
    except OSError as exc:
        return None, [_unreadable(path, exc)]
    if data is None:
        return None, [FileError(code="unreadable", message="not a regular file")]
    if len(data) > settings.max_file_bytes:
        return None, [_too_large(len(data), settings)]
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        return None, [FileError(code="binary", message="binary file (NUL byte in the first 8 KiB)")]
    text, problems = _decode(data)
    if language == Language.NOTEBOOK:
        return _notebook(display, text, problems)
    return Document(path=display, text=text, language=language), problems


def _notebook(display: str, text: str, problems: list[FileError]) -> tuple[Document | None, list[FileError]]:
    """The .ipynb JSON read into its code cells; a malformed notebook is an error entry."""
    try:
        return read_notebook(display, text), problems
    except NotebookError as exc:
        return None, [*problems, FileError(code="malformed", message=str(exc))]


def load_document(path: Path, display: str, settings: Settings) -> Document | FileReport:
    """The document to analyse, or an error report when the file cannot be analysed.

    A decode error does not stop the analysis but is not carried by a `Document`;
    `analyze_file` (used by `scan`) keeps it in the report.
    """
    document, problems = read_document(path, display, settings)
    if document is None:
        return FileReport(path=display, language=detect_language(display), errors=problems)
    return document


def _read_capped(path: Path, limit: int) -> bytes | None:
    """At most limit + 1 bytes, or None if the file turned out not to be regular."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        # Re-checked on the open handle: the file may have been swapped since the stat.
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return handle.read(limit + 1)


def _decode(data: bytes) -> tuple[str, list[FileError]]:
    offset = 0
    if data.startswith(_BOM):
        data, offset = data[len(_BOM) :], len(_BOM)
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = (
            f"invalid UTF-8 at byte {exc.start + offset} (line {line}); "
            "undecodable bytes were replaced by U+FFFD and the file analysed anyway"
        )
        return data.decode("utf-8", errors="replace"), [FileError(code="decode-error", message=message, line=line)]


def _unreadable(path: Path, exc: OSError) -> FileError:
    if os.path.islink(path) and not os.path.exists(path):
        try:
            target = os.readlink(path)
        except OSError:
            target = "a missing file"
        return FileError(code="unreadable", message=f"broken symbolic link to {target}")
    return FileError(code="unreadable", message=_os_message(exc))


def _too_large(size: int, settings: Settings) -> FileError:
    message = f"file is {size} bytes, over the limit of {settings.max_file_bytes} bytes (max-file-bytes)"
    return FileError(code="too-large", message=message)


def _kind(mode: int) -> str:
    kinds = [
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "a special file")


# --------------------------------------------------------------------------- analysis


def analyze_file(path: Path | str, display: str, settings: Settings) -> FileReport:
    """Read and analyse one file. Never raises: every failure is an errors entry."""
    try:
        document, problems = read_document(Path(path), display, settings)
        if document is None:
            return FileReport(path=display, language=detect_language(display), errors=problems)
        report = _analyze(document, settings)
    except Exception as exc:  # a bug here must cost one file, not the scan
        return error_report(display, "internal-error", f"reading failed: {type(exc).__name__}: {exc}")
    if problems:
        report = report.model_copy(update={"errors": [*problems, *report.errors]})
    return report


def _analyze(document: Document, settings: Settings) -> FileReport:
    try:
        from hptlens import analysis

        return analysis.analyze(document, settings)
    except Exception as exc:  # analyze should never raise; if it does, keep going
        log.error("analysis of %s failed", document.path, exc_info=True)
        message = f"analysis failed: {type(exc).__name__}: {exc}"
        return FileReport(
            path=document.path,
            language=document.language,
            errors=[FileError(code="internal-error", message=message)],
        )


def scan(
    paths: Sequence[str | Path],
    settings: Settings | None = None,
    jobs: int = 0,
    progress: bool = False,
) -> list[FileReport]:
    """Discover, read and analyse every file under `paths`; one report per file, sorted by path.

    settings: None reads `[tool.hptlens]` from the nearest pyproject.toml (warnings are logged).
    jobs: 0 picks serial or a process pool by the number of files, 1 is serial, N uses N processes.
    progress: show a transient progress bar on stderr (only for more than PROGRESS_MIN_FILES files).
    """
    roots = [Path(p) for p in paths]
    if settings is None:
        settings, warnings = load_settings(roots[0] if roots else Path.cwd())
        for warning in warnings:
            log.warning("%s", warning)
    errors: list[FileReport] = []
    entries = list(discover(roots, settings, errors))
    reports = link_configs(_analyze_all(entries, settings, _workers(jobs, len(entries)), progress), settings)
    return sorted([*reports, *errors], key=lambda report: report.path)


def link_configs(reports: list[FileReport], settings: Settings | None = None) -> list[FileReport]:
    """Cross-file links, after the per-file analysis: a `@hydra.main`/`hydra.compose` whose config
    (relative to the Python file's folder, or one its defaults list pulls in) is in the scan and
    defines a sweep becomes a tuning finding at the decorator or compose call.

    Only scanned configs count: the link step matches paths and reads no file.
    """
    from hptlens.analysis.links import (
        HYDRA_ENTRY_KINDS,
        config_candidates,
        defaults_candidates,
        link_report,
        sweep_targets,
        sweeps,
    )
    from hptlens.report import FindingKind

    if settings is not None and FindingKind.SWEEP_CONFIG not in {FindingKind(k) for k in settings.enabled_kinds}:
        return reports
    by_path = {_link_key(r.path): r for r in reports}
    if not any(sweeps(r) for r in reports):
        return reports
    linked = []
    for report in reports:
        links = []
        for ref in report.config_refs:
            if ref.kind not in HYDRA_ENTRY_KINDS:
                continue
            primary = next((by_path[k] for c in config_candidates(ref, report.path) if (k := _link_key(c)) in by_path),
                           None)
            if primary is None:
                continue
            pulled = [by_path[k] for c in defaults_candidates(primary) if (k := _link_key(c)) in by_path]
            targets = sweep_targets(primary, pulled)
            if targets:
                links.append((ref, primary, targets))
        linked.append(link_report(report, links) if links else report)
    return linked


def link_configs_on_disk(report: FileReport, file_path: Path, settings: Settings | None = None) -> FileReport:
    """The link step for one document (the editor's): the hydra configs it names are read from
    disk beside it (and those their defaults list pulls in), analysed and linked as a scan would.
    Only those candidate files are read; the report keeps its own path."""
    from hptlens.analysis.links import HYDRA_ENTRY_KINDS, config_candidates, defaults_candidates

    refs = [ref for ref in report.config_refs if ref.kind in HYDRA_ENTRY_KINDS]
    if not refs:
        return report
    settings = settings or Settings()
    probe = report.model_copy(update={"path": file_path.absolute().as_posix()})
    configs: dict[str, FileReport] = {}

    def load(candidates: list[str]) -> None:
        for candidate in candidates:
            if candidate not in configs and Path(candidate).is_file():
                configs[candidate] = analyze_file(candidate, candidate, settings)

    for ref in refs:
        load(config_candidates(ref, probe.path))
    for config in list(configs.values()):
        load(defaults_candidates(config))
    if not configs:
        return report
    linked = link_configs([probe, *configs.values()], settings)[0]
    return linked.model_copy(update={"path": report.path})


def _link_key(path: str) -> str:
    return os.path.normcase(os.path.normpath(os.path.abspath(path)))


def _workers(jobs: int, files: int) -> int:
    if jobs == 1 or files < 2:
        return 1
    if jobs <= 0:
        return 1 if files < PARALLEL_MIN_FILES else max(1, os.cpu_count() or 1)
    return min(jobs, files)


def _analyze_all(
    entries: list[tuple[Path, str]], settings: Settings, workers: int, progress: bool
) -> list[FileReport]:
    reports: list[FileReport] = []
    with _progress_bar(len(entries), progress) as advance:
        if workers > 1:
            _analyze_pooled(entries, settings, workers, reports, advance)
        # Serial, or whatever a failed pool left undone.
        for path, display in entries[len(reports) :]:
            reports.append(analyze_file(path, display, settings))
            advance()
    return reports


def _analyze_pooled(
    entries: list[tuple[Path, str]],
    settings: Settings,
    workers: int,
    reports: list[FileReport],
    advance: Callable[[], None],
) -> None:
    task = partial(_analyze_task, settings=settings)
    chunk = max(1, min(64, len(entries) // (workers * 8)))
    # spawn, not fork: the progress bar runs a thread, and forking a threaded process can deadlock.
    context = multiprocessing.get_context("spawn")
    log_mode = (_log_handler_mode(),)
    try:
        with ProcessPoolExecutor(workers, context, initializer=_init_worker, initargs=log_mode) as pool:
            for report in pool.map(task, [(str(p), d) for p, d in entries], chunksize=chunk):
                reports.append(report)
                advance()
    except Exception as exc:  # a broken pool (killed worker, no /dev/shm) degrades to serial
        log.warning("parallel scan failed (%s: %s); continuing serially", type(exc).__name__, exc)


def _init_worker(log_mode: bool | None) -> None:
    # Workers log like the parent: briefly when the command line asked for it.
    if log_mode is not None:
        install_log_handler(verbose=log_mode)


def _analyze_task(entry: tuple[str, str], settings: Settings) -> FileReport:
    return analyze_file(entry[0], entry[1], settings)


@contextmanager
def _progress_bar(total: int, enabled: bool) -> Iterator[Callable[[], None]]:
    if not enabled or total <= PROGRESS_MIN_FILES:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("scan", total=total)
        yield lambda: bar.advance(task)


# --------------------------------------------------------------------------- logging


class _BriefHandler(logging.Handler):
    """One 'hptlens: level: message' line per record on the current stderr.

    A failing file is already an errors entry in the report, so a traceback on the
    terminal is noise unless asked for (verbose). stderr is looked up at each record
    so that a replaced sys.stderr (tests, redirection) is honoured.
    """

    def __init__(self, verbose: bool) -> None:
        super().__init__(logging.WARNING)
        self.verbose = verbose

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self._text(record) + "\n")
        except Exception:
            self.handleError(record)

    def _text(self, record: logging.LogRecord) -> str:
        text = f"hptlens: {record.levelname.lower()}: {record.getMessage()}"
        error = record.exc_info[1] if record.exc_info else None
        if error is None:
            return text
        if self.verbose:
            return text + "\n" + "".join(traceback.format_exception(error)).rstrip()
        first = (str(error).splitlines() or [""])[0]
        return f"{text} ({type(error).__name__}: {first})"


def install_log_handler(verbose: bool = False) -> None:
    """Show hptlens warnings on stderr, one line each (tracebacks only when verbose)."""
    logger = logging.getLogger("hptlens")
    for handler in logger.handlers:
        if isinstance(handler, _BriefHandler):
            handler.verbose = verbose
            return
    logger.addHandler(_BriefHandler(verbose))


def _log_handler_mode() -> bool | None:
    """None without our handler, else its verbosity (passed on to worker processes)."""
    handlers = [h for h in logging.getLogger("hptlens").handlers if isinstance(h, _BriefHandler)]
    return handlers[0].verbose if handlers else None


# --------------------------------------------------------------------------- settings


def load_settings(start: Path, overrides: dict[str, Any] | None = None) -> tuple[Settings, list[str]]:
    """Settings from `[tool.hptlens]` in the nearest pyproject.toml that has it, then overrides.

    Keys may use dashes or underscores. An unknown key or an ill-typed value gives a
    warning and the default is kept for that key; nothing here raises.
    """
    warnings: list[str] = []
    values: dict[str, Any] = {}
    found = _find_config(Path(start), warnings)
    if found is not None:
        source, table = found
        _merge_values(values, _valid_values(table, f"{source} [tool.hptlens]", warnings))
    if overrides:
        _merge_values(values, _valid_values(overrides, "settings", warnings))
    return Settings(**values), warnings


def _merge_values(values: dict[str, Any], new: dict[str, Any]) -> None:
    """Later layers win key by key, inside sections ([tool.hptlens.llm]) too."""
    for name, value in new.items():
        if isinstance(value, dict) and isinstance(values.get(name), dict):
            values[name] = {**values[name], **value}
        else:
            values[name] = value


def _find_config(start: Path, warnings: list[str]) -> tuple[Path, dict[str, Any]] | None:
    folder = Path(os.path.abspath(start))
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        table = _hptlens_table(candidate / "pyproject.toml", warnings)
        if table is not None:
            return candidate / "pyproject.toml", table
    return None


def _hptlens_table(path: Path, warnings: list[str]) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    if _toml is None:
        warnings.append(f"{path}: cannot read TOML on this Python without the 'tomli' package")
        return None
    try:
        with open(path, "rb") as handle:
            data = _toml.load(handle)
    except (OSError, ValueError) as exc:  # TOMLDecodeError is a ValueError
        warnings.append(f"{path}: cannot read: {exc}")
        return None
    table = data.get("tool", {}).get("hptlens") if isinstance(data.get("tool"), dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        warnings.append(f"{path}: [tool.hptlens] must be a table; ignored")
        return None
    return table


def _valid_values(
    table: dict[str, Any], source: str, warnings: list[str], model: type[BaseModel] = Settings
) -> dict[str, Any]:
    known = model.model_fields
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = str(key).replace("-", "_")
        if name not in known:
            options = ", ".join(sorted(k.replace("_", "-") for k in known))
            warnings.append(f"{source}: unknown key '{key}' ignored (known: {options})")
            continue
        section = known[name].annotation
        if isinstance(value, dict) and isinstance(section, type) and issubclass(section, BaseModel):
            # A section such as [tool.hptlens.llm]: checked key by key, so one bad value
            # keeps the default for that key only.
            values[name] = _valid_values(value, f"{source} {key}", warnings, section)
            continue
        try:
            values[name] = getattr(model.model_validate({name: value}), name)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = "".join(f"[{part!r}]" for part in first["loc"][1:])
            warnings.append(f"{source}: invalid value for '{key}'{where}: {first['msg']}; using the default")
    return values
