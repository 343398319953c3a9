"""Suppression-comment edits for the "ignore" code actions.

"On this line" puts `# hpt: ignore[kind]` (`// hpt: ignore[kind]` in C++) at the end of
the finding's first line, extending a marker already there; "in this file" adds
`# hpt: ignore-file[kind]` near the top (after a shebang or coding line), or extends the
file's marker. Python is edited through libcst, which keeps every other byte as written
and only ever touches real comments (never text inside a string; see `pyedits`, imported on
first use: libcst takes longer to import than the server takes to start); C++ and YAML lines
are edited as text. An edit is one replaced line or one inserted line, so it stays small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LINE_MARKER = re.compile(r"(?P<lead>(?:#|//)\s*hpt:\s*ignore)(?!-file)(?:\[(?P<kinds>[^\]]*)\])?")
FILE_MARKER = re.compile(r"(?P<lead>(?:#|//)\s*hpt:\s*ignore-file)(?:\[(?P<kinds>[^\]]*)\])?")
PREAMBLE = re.compile(r"^(#!|#.*coding[:=])")
"""A shebang or PEP 263 coding line: the file marker goes after them."""


@dataclass(frozen=True)
class Edit:
    """Replace the text between two (0-based line, code-point column) points."""

    start: tuple[int, int]
    end: tuple[int, int]
    text: str


def comment_prefix(language: str) -> str:
    return "//" if language == "cpp" else "#"


def ignore_line_edit(source: str, line: int, kind: str, language: str, notebook: bool = False) -> Edit | None:
    """The edit that silences `kind` findings on 0-based `line`; None when none is possible
    (already silenced, the line ends inside a string, or Python that does not parse)."""
    lines = source.split("\n")
    if not 0 <= line < len(lines):
        return None
    if language in ("python", "notebook"):
        from hptlens.lsp.pyedits import python_line

        new = python_line(source, line, kind, notebook)
    elif language == "shell" and lines[line].rstrip().endswith("\\"):
        return None  # a comment after a line continuation would end the command there
    else:
        new = marked(lines[line], kind, comment_prefix(language))
    if new is None or new == lines[line]:
        return None
    return Edit(start=(line, 0), end=(line, len(lines[line])), text=new)


def ignore_file_edit(source: str, kind: str, language: str, notebook: bool = False) -> Edit | None:
    """The edit that silences `kind` findings in the whole file (None: already silenced)."""
    lines = source.split("\n")
    prefix = comment_prefix(language)
    if language in ("python", "notebook"):
        from hptlens.lsp.pyedits import python_file

        return python_file(source, kind, notebook)
    for row, text in enumerate(lines):
        found = FILE_MARKER.search(text)
        if found is not None and text.lstrip().startswith(prefix):
            return extend_file_marker(lines, row, found, kind)
    marker = f"{prefix} hpt: ignore-file[{kind}]"
    if lines[0].startswith("#!"):  # a script's shebang must stay its first line
        if len(lines) == 1:
            return Edit(start=(0, len(lines[0])), end=(0, len(lines[0])), text=f"\n{marker}")
        return Edit(start=(1, 0), end=(1, 0), text=f"{marker}\n")
    return Edit(start=(0, 0), end=(0, 0), text=f"{marker}\n")


# --------------------------------------------------------------------------- comments as text


def marked(comment_or_line: str, kind: str, prefix: str) -> str | None:
    """`text` with kind added to its `hpt: ignore[...]` marker, or a marker appended."""
    found = LINE_MARKER.search(comment_or_line)
    if found is None:
        stripped = comment_or_line.rstrip()
        separator = "  " if stripped else ""
        return f"{stripped}{separator}{prefix} hpt: ignore[{kind}]"
    kinds = _kinds(found.group("kinds"))
    if kinds is None or kind in kinds:
        return None  # a bare `hpt: ignore` already silences every kind
    merged = f"{found.group('lead')}[{', '.join([*kinds, kind])}]"
    return comment_or_line[: found.start()] + merged + comment_or_line[found.end() :]


def _kinds(group: str | None) -> list[str] | None:
    if group is None:
        return None
    return [k.strip() for k in group.split(",") if k.strip()]


def extend_file_marker(lines: list[str], row: int, found: re.Match[str], kind: str) -> Edit | None:
    kinds = _kinds(found.group("kinds"))
    if kinds is None or kind in kinds:
        return None
    text = lines[row]
    new = text[: found.start()] + f"{found.group('lead')}[{', '.join([*kinds, kind])}]" + text[found.end() :]
    return Edit(start=(row, 0), end=(row, len(text)), text=new)
