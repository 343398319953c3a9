"""Discovery: the analysable files under the paths a scan is given.

Folders are walked in sorted order with an explicit stack, honouring .gitignore files (those
above a scanned folder up to its git root too), `exclude` globs and the default skips; symlink
loops and folders reached twice are reported, not walked.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from pathspec import GitIgnoreSpec

from hptlens.documents import detect_language
from hptlens.report import ErrorCode, FileReport, Language
from hptlens.settings import Settings
from hptlens.workspace.reading import error_report, file_head, os_message

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

_GITIGNORE_MAX_BYTES = 1024 * 1024


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
    follow_outside: bool = False
    """Follow symbolic links that leave the scanned folder (settings.follow_outside_links)."""
    root_real: str = ""
    """Real path of the folder being walked."""

    def outside(self, real: str) -> bool:
        return not (real == self.root_real or real.startswith(self.root_real.rstrip(os.sep) + os.sep))

    def fail(self, display: str, code: ErrorCode, message: str) -> None:
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
    walk = _Walk(
        errors=errors if errors is not None else [],
        visited=set(),
        seen=set(),
        follow_outside=settings.follow_outside_links,
    )
    exclude = _compile(settings.exclude)
    for path in paths:
        yield from _discover_root(Path(path), walk, exclude)


def _discover_root(path: Path, walk: _Walk, exclude: GitIgnoreSpec) -> Iterator[tuple[Path, str]]:
    display = display_path(path)
    if not os.path.lexists(path):
        walk.fail(display, "unreadable", "no such file or directory")
    elif os.path.isdir(path):
        root = os.path.abspath(path)
        walk.root_real = os.path.realpath(root)
        walk.visited.add(walk.root_real)
        yield from _walk_folder(root, display, walk, exclude)
    elif _supported(display, path):
        yield from _once(path, display, walk)
    else:
        walk.fail(display, "unreadable", _unsupported_message(display))


def _once(path: Path, display: str, walk: _Walk) -> Iterator[tuple[Path, str]]:
    if display not in walk.seen:
        walk.seen.add(display)
        yield path, display


def _supported(name: str, path: str | Path | None = None) -> bool:
    """By suffix; a file with none (`sweep`, `launch_grid`) by its shebang, when `path` is given."""
    language = detect_language(name)
    if language is Language.UNKNOWN and path is not None and not PurePath(name).suffix:
        language = detect_language(name, file_head(path))
    return language is not Language.UNKNOWN


def _unsupported_message(display: str) -> str:
    return "not a supported file type (supported: Python, Jupyter notebooks, C++, YAML, JSON, shell scripts)"


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
            # A link out of the root is not read, not even for a shebang; it is reported when it
            # could be something analysed (a known suffix, or none: a script).
            if is_link and _leaves_root(path, shown, walk, report=_supported(name) or not PurePath(name).suffix):
                continue
            if _supported(name, path):
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
    if is_link and _leaves_root(path, shown, walk):
        return None
    if is_link and real in on_stack:
        walk.fail(shown, "symlink-loop", f"symbolic link loop: points back to the enclosing folder {real}")
        return None
    if is_link and real in walk.visited:
        walk.fail(shown, "symlink-loop", f"symbolic link to a folder already scanned ({real}); not scanned twice")
        return None
    walk.visited.add(real)
    return _open_frame(path, shown, real, layers, walk)


def _leaves_root(path: str, shown: str, walk: _Walk, report: bool = True) -> bool:
    """A link whose target is outside the scanned folder: reported, not followed, unless asked."""
    real = os.path.realpath(path)
    if walk.follow_outside or not walk.outside(real):
        return False
    if report:
        walk.fail(
            shown,
            "outside-root",
            f"symbolic link to {real}, outside the scanned folder; not followed (follow-outside-links to scan it)",
        )
    return True


def _open_frame(path: str, display: str, real: str, layers: tuple[_IgnoreLayer, ...], walk: _Walk) -> _Frame | None:
    try:
        with os.scandir(path) as listing:
            raw = sorted(listing, key=lambda e: e.name)
            entries = [(e.name, _is_dir(e), _is_link(e)) for e in raw]
    except OSError as exc:
        walk.fail(display, "unreadable", f"cannot list folder: {os_message(exc)}")
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
