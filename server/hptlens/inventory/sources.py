"""Sources of an inventory: local folders, git repositories cloned shallowly, files listing them.

A git source is cloned with `git clone --depth 1` into the cache folder beside the database and
brought up to date (a shallow fetch of the remote's HEAD) before each scan. git never asks for
credentials (`GIT_TERMINAL_PROMPT=0`), submodules are not fetched, and nothing in a clone runs:
a clone is data, read by the scan like any folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

from hptlens.inventory.models import SourceKind

GIT_TIMEOUT_S = 900
"""A clone or fetch taking longer than this is recorded as failed (a hung server, a huge repository)."""

_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.IGNORECASE)


class SourceError(Exception):
    """A source that cannot be cloned, updated or read (recorded on its project, the scan goes on)."""


def classify(source: str) -> tuple[SourceKind, str]:
    """(kind, normalised source): an existing folder (made absolute) or a git URL (kept as given)."""
    if _URL.match(source) or (source.endswith(".git") and not os.path.isdir(source)):
        return "git", source
    return "folder", str(Path(source).resolve())


def read_list(path: Path) -> list[str]:
    """The sources a list file names, one a line; blank lines and `#` comments are skipped, and
    relative folders are read relative to the list file's folder."""
    sources: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not _URL.match(line) and not os.path.isabs(line):
            line = str(path.parent / line)
        sources.append(line)
    return sources


def project_name(kind: SourceKind, source: str) -> str:
    """The name a report shows: the folder's or repository's last component."""
    tail = source.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if kind == "git" and tail.endswith(".git"):
        tail = tail[: -len(".git")]
    return tail or source


def clone_folder(cache: Path, source: str) -> Path:
    """Where a git source is cloned: the cache folder, one subfolder per URL."""
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", project_name("git", source))[:60]
    return cache / f"{safe}-{digest}"


def fetch(source: str, target: Path) -> str | None:
    """Clone `source` into `target` (or update the clone there); the HEAD commit scanned."""
    if (target / ".git").is_dir():
        _git(["fetch", "--depth", "1", "--no-tags", "--no-recurse-submodules", "origin", "HEAD"], target)
        _git(["reset", "--hard", "--quiet", "FETCH_HEAD"], target)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        if partial.exists():
            _remove_tree(partial)
        # Into a side folder first: a clone killed half-way is never taken for a whole one.
        _git(["clone", "--depth", "1", "--quiet", "--no-tags", "--", source, str(partial)], None)
        partial.rename(target)
    return head_commit(target)


def head_commit(folder: Path) -> str | None:
    """HEAD of the git work tree at `folder` itself (not of a repository around it), or None."""
    if not (folder / ".git").exists():
        return None
    try:
        return _git(["rev-parse", "HEAD"], folder).strip() or None
    except SourceError:
        return None


def _git(args: list[str], cwd: Path | None) -> str:
    environment = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": ""}
    command = ["git", "-c", "core.hooksPath=/dev/null", *args]
    try:
        done = subprocess.run(
            command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SourceError(f"git {args[0]} failed: {exc}") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise SourceError(f"git {args[0]} failed (exit {done.returncode}): {' '.join(detail[-3:])}")
    return done.stdout


def _remove_tree(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
