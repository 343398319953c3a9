"""Safe reading: one file into a `Document`, or the reason it cannot be analysed.

Special files are refused before they are opened, sizes are capped, binary files and invalid
UTF-8 are reported; nothing here raises for a bad file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hptlens.documents import Document, NotebookError, detect_language, read_notebook
from hptlens.report import ErrorCode, FileError, FileReport, Language
from hptlens.settings import Settings

BINARY_SNIFF_BYTES = 8192

_BOM = b"\xef\xbb\xbf"


def error_report(display: str, code: ErrorCode, message: str, line: int | None = None) -> FileReport:
    """A report for a file that could not be analysed; the language comes from its suffix."""
    return FileReport(
        path=display,
        language=detect_language(display),
        errors=[FileError(code=code, message=message, line=line)],
    )


def os_message(exc: OSError) -> str:
    return exc.strerror or str(exc)


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
    if language == Language.UNKNOWN:
        language = detect_language(display, data[:SHEBANG_BYTES])  # a script named without a suffix
    text, problems = _decode(data)
    if language == Language.NOTEBOOK:
        return _notebook(display, text, problems)
    return Document(path=display, text=text, language=language), problems


SHEBANG_BYTES = 128


def file_head(path: str | Path) -> bytes | None:
    """The first bytes of a regular file (never opening a FIFO or a device), or None."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as handle:
            return handle.read(SHEBANG_BYTES)
    except OSError:
        return None


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
    return FileError(code="unreadable", message=os_message(exc))


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
