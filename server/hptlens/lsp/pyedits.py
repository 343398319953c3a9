"""Suppression comments in Python, edited through libcst (see `actions`): it keeps every other
byte as written and only ever touches real comments, never text inside a string."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from hptlens.documents import neutralize_magics
from hptlens.lsp.actions import FILE_MARKER, PREAMBLE, Edit, extend_file_marker, marked


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
        new = marked(updated.comment.value, self.kind, "#")
        if new is None:
            return updated
        self.changed = True
        return updated.with_changes(comment=cst.Comment(new))


def python_line(source: str, line: int, kind: str, notebook: bool) -> str | None:
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


def python_file(source: str, kind: str, notebook: bool) -> Edit | None:
    module = _parse(source, notebook)
    if module is None:
        return None
    lines = source.split("\n")
    # Comments only (libcst never mistakes a string's text for one).
    for comment in _comments(module):
        found = FILE_MARKER.search(comment)
        if found is None:
            continue
        row = next((r for r, text in enumerate(lines) if comment in text), None)
        found_here = FILE_MARKER.search(lines[row]) if row is not None else None
        return extend_file_marker(lines, row, found_here, kind) if row is not None and found_here is not None else None
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
    return line.comment is not None and PREAMBLE.match(line.comment.value) is not None
