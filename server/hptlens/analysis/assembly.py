"""From detector hits to a file report, whatever the language: dedupe, settings and
suppression comments, positions in code points (and notebook cells), sites, summary fields."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from functools import lru_cache
from typing import Protocol

from tree_sitter import Node

from hptlens.analysis.neutral import Hit, Span
from hptlens.analysis.sites import finding_message, make_site, site_budget
from hptlens.documents import Document
from hptlens.report import FileError, FileReport, Finding, Range
from hptlens.settings import Settings

HASH_SUPPRESS = re.compile(r"#\s*hpt:\s*ignore(?P<file>-file)?(?:\[(?P<kinds>[^\]]*)\])?")
"""`# hpt: ignore`, `# hpt: ignore[kind, ...]`, `# hpt: ignore-file[...]` in `#` comments (Python, YAML);
C++ passes its own."""


class SourceText(Protocol):
    """What assembling a report needs of a file, whatever its language."""

    source: bytes

    @property
    def lines(self) -> list[str]: ...

    def line_text(self, row: int) -> str: ...


class SourceFile(SourceText, Protocol):
    """A parsed file (Python, C++): its syntax errors are reported too."""

    root: Node


class PlainText:
    """A file without a syntax tree (YAML, JSON), as assembly reads it."""

    def __init__(self, text: str) -> None:
        self.source = text.encode("utf-8", "surrogatepass")
        self.lines = self.source.decode("utf-8", "replace").split("\n")

    def line_text(self, row: int) -> str:
        return self.lines[row] if 0 <= row < len(self.lines) else ""


def assemble(
    report: FileReport,
    document: Document,
    src: SourceText,
    hits: list[Hit],
    settings: Settings,
    group: Callable[[list[Hit]], list[list[int]]],
    suppress: re.Pattern[str] = HASH_SUPPRESS,
) -> bool:
    """Language-neutral: dedupe hits, apply settings and suppression comments, then fill the
    report's findings, sites and summary fields. `group` makes the sites; False if nothing is left."""
    hits = _filter(src, _dedupe(hits), settings, suppress)
    if not hits:
        return False
    _fill(report, document, src, hits, group(hits))
    return True


def _dedupe(hits: list[Hit]) -> list[Hit]:
    seen: set[tuple[object, ...]] = set()
    unique: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, h.kind)):
        key = (hit.kind, hit.start, tuple(h.name for h in hit.hyperparameters))
        if key not in seen:
            seen.add(key)
            unique.append(hit)
    return unique


def _filter(py: SourceText, hits: list[Hit], settings: Settings, suppress: re.Pattern[str]) -> list[Hit]:
    enabled = set(settings.enabled_kinds)
    hits = [h for h in hits if h.kind in enabled]
    if b"hpt:" not in py.source:
        return hits
    ignored: dict[int, set[str] | None] = {}
    for row, line in enumerate(py.lines):
        match = suppress.search(line)
        if match is None:
            continue
        kinds = {k.strip() for k in match.group("kinds").split(",")} if match.group("kinds") else None
        if match.group("file"):
            if kinds is None:
                return []
            ignored[-1] = (ignored.get(-1) or set()) | kinds
        else:
            ignored[row] = kinds
    kept = []
    for hit in hits:
        kind = hit.kind
        for row in (hit.start[0], hit.shown_row, -1):
            kinds = ignored.get(row, set())
            if kinds is None or kind in kinds:
                break
        else:
            kept.append(hit)
    return kept


def _fill(report: FileReport, document: Document, py: SourceText, hits: list[Hit], groups: list[list[int]]) -> None:
    findings = [_finding(document, py, hit) for hit in hits]
    for number, indices in enumerate(groups, start=1):
        site_id = f"S{number}"
        for i in indices:
            findings[i].site = site_id
        report.sites.append(make_site(site_id, findings, indices, site_budget(hits, indices)))
    report.findings = findings
    report.summarize(hit.shown_row + 1 for hit in hits)


def node_position(
    document: Document, src: SourceText, node: Node, shown: tuple[tuple[int, int], tuple[int, int]] | None = None
) -> tuple[Range, int | None]:
    """Where a node is shown (its `shown` points when given): its range in code points (a loop by
    its header) and, in notebooks, its cell with the range counted inside that cell."""
    start, end = shown or _span(node)
    rng = Range.of(start[0] + 1, _column(src, start) + 1, end[0] + 1, _column(src, end) + 1)
    cell = None
    if document.cells:
        cell, line = document.cell_of(rng.start.line)
        offset = rng.start.line - line
        rng = Range.of(line, rng.start.column, rng.end.line - offset, rng.end.column)
    return rng, cell


def _finding(document: Document, py: SourceText, hit: Hit) -> Finding:
    if isinstance(hit.node, Span):
        rng, cell = Range.of(hit.node.line, hit.node.column, hit.node.end_line, hit.node.end_column), None
    else:
        rng, cell = node_position(document, py, hit.node, hit.shown)
    return Finding(
        kind=hit.kind,
        category=hit.category,
        library=hit.library,
        method=hit.method,
        message=finding_message(hit),
        range=rng,
        cell=cell,
        hyperparameters=hit.hyperparameters,
        confidence=hit.confidence,
        api=hit.api,
    )


def _span(node: Node) -> tuple[tuple[int, int], tuple[int, int]]:
    """A loop is shown by its header, anything else by its whole extent."""
    # for_range_loop: C++; c_style_for_statement and `value` lists: shell
    if node.type in ("for_statement", "while_statement", "for_range_loop", "c_style_for_statement"):
        values = node.children_by_field_name("value")
        header_end = (
            node.child_by_field_name("right")
            or node.child_by_field_name("update")
            or node.child_by_field_name("condition")
            or (values[-1] if values else None)
        )
        if header_end is not None:
            return node.start_point, header_end.end_point
    return node.start_point, node.end_point


def _column(py: SourceText, point: tuple[int, int]) -> int:
    """tree-sitter columns are UTF-8 byte offsets; reports count code points."""
    row, byte_column = point
    wide = _wide_chars(py.line_text(row))
    if wide is None:
        return byte_column
    starts, extra = wide
    before = bisect_left(starts, byte_column)  # characters of 2+ bytes that start before the column
    return byte_column - (extra[before - 1] if before else 0)


@lru_cache(maxsize=16)
def _wide_chars(line: str) -> tuple[list[int], list[int]] | None:
    """None for an ASCII line; else the byte offsets where multi-byte characters start and the
    extra bytes up to and including each. Computed once per line: re-encoding the line for every
    finding made a long single line quadratic."""
    if line.isascii():
        return None
    starts: list[int] = []
    extra: list[int] = []
    offset = total = 0
    for char in line:
        size = len(char.encode("utf-8", "surrogatepass"))
        if size > 1:
            total += size - 1
            starts.append(offset)
            extra.append(total)
        offset += size
    return starts, extra


def syntax_errors(py: SourceFile, document: Document) -> list[FileError]:
    if not py.root.has_error:
        return []
    node = _first_error(py.root)
    if node is None:
        return [FileError(code="syntax-error", message="syntax error; results are partial")]
    (start_line, start_col), (end_line, end_col) = _error_span(py, node)
    line, cell, last, last_where = start_line, None, end_line, f"{end_line}"
    if document.cells:
        cell, line = document.cell_of(start_line)
        last_cell, last = document.cell_of(end_line)
        last_where = f"{last}" if last_cell == cell else f"cell {last_cell}, line {last}"
    what = f"missing {node.type}" if node.is_missing else "invalid syntax"
    where = f"line {line}" if cell is None else f"cell {cell}, line {line}"
    hides = _hides_findings(node)
    rest = "findings elsewhere in the file are still reported"
    if hides and end_line > start_line:
        rest = f"lines {line}-{last_where} could not be analysed, so findings there may be missing; {rest}"
    elif hides:
        rest = f"this line could not be analysed, so findings on it may be missing; {rest}"
    return [
        FileError(
            code="syntax-error",
            line=line,
            cell=cell,
            range=Range.of(line, start_col, line, end_col),
            hides_findings=hides,
            message=f"{what} at {where}, column {start_col}; {rest}",
        )
    ]


def _error_span(py: SourceFile, node: Node) -> tuple[tuple[int, int], tuple[int, int]]:
    """1-based (line, column) of the error's start, and of its end on that line (its first
    line's end when it goes on), in code points; (start line, last line) for the message."""
    row = node.start_point[0]
    start = _column(py, node.start_point) + 1
    if node.end_point[0] == row:
        end = max(_column(py, node.end_point) + 1, start + 1)
    else:
        end = len(py.line_text(row)) + 1
    return (row + 1, start), (node.end_point[0] + 1, end)


_CALLS = frozenset({"call", "call_expression", "command", "for_statement", "while_statement"})
"""Python, C++ and shell nodes a finding is made of: an error region holding one hides it."""


def _hides_findings(node: Node) -> bool:
    """Whether the error swallowed code the detectors would read: more than one line, or a
    call or loop inside it. A missing token or a stray operator hides nothing."""
    if node.is_missing:
        return False
    if node.end_point[0] > node.start_point[0]:
        return True
    stack = list(node.children)
    while stack:
        child = stack.pop()
        if child.type in _CALLS:
            return True
        stack.extend(child.children)
    return False


def _first_error(root: Node) -> Node | None:
    """The first ERROR or MISSING node, descending only into subtrees that contain one."""
    node = root
    while True:
        if node.is_error or node.is_missing:
            return node
        nxt = next((c for c in node.children if c.has_error or c.is_missing), None)
        if nxt is None:
            return node if node is not root else None
        node = nxt
