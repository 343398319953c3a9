"""The content-hash cache of a scan: a file whose bytes have not changed is not analysed again.

`scan(..., cache=...)` hashes each file it would read from disk; a `ReportCache` that knows the
(display path, digest) pair returns the report the analysis gave before, and every file that
was analysed is offered back to it. What is cached is the report *before* the cross-file link
step: links are made again on every scan, over cached and fresh reports alike, so a changed
hydra config still changes the file that names it.

The cache decides what else its key holds (the tool version, the settings): a cache built for
other settings must not be offered to the scan.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from hptlens.report import FileReport

_CHUNK = 1 << 20


class ReportCache(Protocol):
    """Where a scan looks up and keeps the reports of files it has analysed."""

    def lookup(self, display: str, digest: str) -> FileReport | None:
        """The report of this file when its content had this digest, or None."""
        ...

    def store(self, display: str, digest: str, report: FileReport) -> None:
        """Keep the report of this file at this digest (before the link step)."""
        ...


def file_digest(path: str | Path, max_bytes: int) -> str | None:
    """sha256 of a regular file's bytes, or None when it should not be cached (not a regular file,
    larger than `max_bytes`, unreadable): the analysis then reports why, as without a cache."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


def split_cached(
    entries: Sequence[tuple[Path, str]], cache: ReportCache, max_bytes: int
) -> tuple[list[FileReport], list[tuple[Path, str]], list[str | None]]:
    """(reports the cache had, entries still to analyse, the digest of each of those)."""
    hits: list[FileReport] = []
    misses: list[tuple[Path, str]] = []
    digests: list[str | None] = []
    for path, display in entries:
        digest = file_digest(path, max_bytes)
        found = cache.lookup(display, digest) if digest is not None else None
        if found is not None:
            hits.append(found)
        else:
            misses.append((path, display))
            digests.append(digest)
    return hits, misses, digests


def keep_analysed(
    cache: ReportCache, entries: Sequence[tuple[Path, str]], digests: Sequence[str | None], reports: list[FileReport]
) -> None:
    """Offer the cache every report whose file had a digest; reports are in the entries' order."""
    by_display = {report.path: report for report in reports}
    for (_, display), digest in zip(entries, digests):
        report = by_display.get(display)
        # A worker crash or an internal error may not happen again: such a file is analysed anew next time.
        if digest is not None and report is not None and not any(e.code == "internal-error" for e in report.errors):
            cache.store(display, digest, report)
