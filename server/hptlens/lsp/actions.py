"""Suppression-comment edits for the "ignore" code actions.

"On this line" puts `# hpt: ignore[kind]` (`// hpt: ignore[kind]` in C++) at the end of
the finding's first line, extending a marker already there; "in this file" adds
`# hpt: ignore-file[kind]` near the top (after a shebang or coding line), or extends the
file's marker. Python is edited through libcst, which keeps every other byte as written
and only ever touches real comments (never text inside a string); C++ and YAML lines are
edited as text. An edit is one replaced line or one inserted line, so it stays small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from hptlens.documents import neutralize_magics

_LINE_MARKER = re.compile(r"(?P<lead>(?:#|//)\s*hpt:\s*ignore)(?!-file)(?:\[(?P<kinds>[^\]]*)\])?")
_FILE_MARKER = re.compile(r"(?P<lead>(?:#|//)\s*hpt:\s*ignore-file)(?:\[(?P<kinds>[^\]]*)\])?")
_PREAMBLE = re.compile(r"^(#!|#.*coding[:=])")
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
        new = _python_line(source, line, kind, notebook)
    elif language == "shell" and lines[line].rstrip().endswith("\\"):
        return None  # a comment after a line continuation would end the command there
    else:
        new = _marked(lines[line], kind, comment_prefix(language))
    if new is None or new == lines[line]:
        return None
    return Edit(start=(line, 0), end=(line, len(lines[line])), text=new)


def ignore_file_edit(source: str, kind: str, language: str, notebook: bool = False) -> Edit | None:
    """The edit that silences `kind` findings in the whole file (None: already silenced)."""
    lines = source.split("\n")
    prefix = comment_prefix(language)
    if language in ("python", "notebook"):
        return _python_file(source, kind, notebook)
    for row, text in enumerate(lines):
        found = _FILE_MARKER.search(text)
        if found is not None and text.lstrip().startswith(prefix):
            return _extend_file_marker(lines, row, found, kind)
    marker = f"{prefix} hpt: ignore-file[{kind}]"
    if lines[0].startswith("#!"):  # a script's shebang must stay its first line
        if len(lines) == 1:
            return Edit(start=(0, len(lines[0])), end=(0, len(lines[0])), text=f"\n{marker}")
        return Edit(start=(1, 0), end=(1, 0), text=f"{marker}\n")
    return Edit(start=(0, 0), end=(0, 0), text=f"{marker}\n")


# --------------------------------------------------------------------------- comments as text


def _marked(comment_or_line: str, kind: str, prefix: str) -> str | None:
    """`text` with kind added to its `hpt: ignore[...]` marker, or a marker appended."""
    found = _LINE_MARKER.search(comment_or_line)
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


def _extend_file_marker(lines: list[str], row: int, found: re.Match[str], kind: str) -> Edit | None:
    kinds = _kinds(found.group("kinds"))
    if kinds is None or kind in kinds:
        return None
    text = lines[row]
    new = text[: found.start()] + f"{found.group('lead')}[{', '.join([*kinds, kind])}]" + text[found.end() :]
    return Edit(start=(row, 0), end=(row, len(text)), text=new)


# --------------------------------------------------------------------------- python (libcst)


def _parse(source: str, notebook: bool) -> cst.Module | None:
    # Notebook cells may hold magics: libcst sees them neutralised (same lines, and the
    # same text on every other line), and only an untouched line is ever edited.
    text = neutralize_magics(source) if notebook else source
    try:
        return cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError):
        return None


class _LineComment(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, line: int, kind: str) -> None:
        super().__init__()
        self.line = line + 1  # libcst lines are 1-based
        self.kind = kind
        self.found = False
        self.changed = False

    def leave_TrailingWhitespace(
        self, original: cst.TrailingWhitespace, updated: cst.TrailingWhitespace
    ) -> cst.TrailingWhitespace:
        if self.found or self.get_metadata(PositionProvider, original).start.line != self.line:
            return updated
        self.found = True
        if updated.comment is None:
            self.changed = True
            comment = cst.Comment(f"# hpt: ignore[{self.kind}]")
            return updated.with_changes(whitespace=cst.SimpleWhitespace("  "), comment=comment)
        new = _marked(updated.comment.value, self.kind, "#")
        if new is None:
            return updated
        self.changed = True
        return updated.with_changes(comment=cst.Comment(new))


def _python_line(source: str, line: int, kind: str, notebook: bool) -> str | None:
    module = _parse(source, notebook)
    if module is None:
        return None
    original = source.split("\n")[line]
    if module.code.split("\n")[line] != original:
        return None  # a magic line: not Python, not ours to edit
    transformer = _LineComment(line, kind)
    updated = MetadataWrapper(module, unsafe_skip_copy=True).visit(transformer)
    if not transformer.changed:
        return None
    new_lines = updated.code.split("\n")
    return new_lines[line] if len(new_lines) == len(module.code.split("\n")) else None


def _python_file(source: str, kind: str, notebook: bool) -> Edit | None:
    module = _parse(source, notebook)
    if module is None:
        return None
    lines = source.split("\n")
    # Comments only (libcst never mistakes a string's text for one).
    for comment in _comments(module):
        found = _FILE_MARKER.search(comment)
        if found is None:
            continue
        row = next((r for r, text in enumerate(lines) if comment in text), None)
        found_here = _FILE_MARKER.search(lines[row]) if row is not None else None
        return _extend_file_marker(lines, row, found_here, kind) if row is not None and found_here is not None else None
    header = list(module.header)
    skip = 0
    while skip < len(header) and _is_preamble(header[skip]):
        skip += 1
    marker = cst.EmptyLine(comment=cst.Comment(f"# hpt: ignore-file[{kind}]"))
    updated = module.with_changes(header=[*header[:skip], marker, *header[skip:]])
    new_lines = updated.code.split("\n")
    # Everything before the insertion is unchanged, so the edit is the one inserted line.
    return Edit(start=(skip, 0), end=(skip, 0), text=new_lines[skip] + "\n")


class _Comments(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[str] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.values.append(node.value)


def _comments(module: cst.Module) -> list[str]:
    visitor = _Comments()
    module.visit(visitor)
    return visitor.values


def _is_preamble(line: cst.EmptyLine) -> bool:
    """A shebang or coding comment line of a module header."""
    return line.comment is not None and _PREAMBLE.match(line.comment.value) is not None
