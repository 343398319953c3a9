"""What the LLM code needs to know about the lines of a document.

Model answers name lines; these facts decide whether a named line holds code, which
statement encloses a blank or comment line, where a file may be cut into parts, and
which function or top-level statement a line belongs to (for sites). Python and
notebooks are parsed with tree-sitter; other languages get line-level rules only.
"""

from __future__ import annotations

import re
from functools import cached_property

from tree_sitter import Node, QueryCursor

from hptlens.documents import Document
from hptlens.report import Finding, Language

_PYTHON_LIKE = frozenset({Language.PYTHON, Language.NOTEBOOK})
_COMMENT_PREFIXES: dict[Language, tuple[str, ...]] = {
    Language.CPP: ("//", "/*", "*", "*/"),
    Language.YAML: ("#",),
}
_COMPOUND = frozenset(
    {
        "block",
        "module",
        "if_statement",
        "for_statement",
        "while_statement",
        "try_statement",
        "with_statement",
        "function_definition",
        "class_definition",
        "decorated_definition",
        "match_statement",
        "elif_clause",
        "else_clause",
        "except_clause",
        "finally_clause",
        "case_clause",
    }
)
_STRING_PARTS = frozenset({"string", "string_content", "string_end", "string_start", "escape_sequence"})
_MAX_SPAN = 30
"""Longest construct looked through for a hyperparameter name."""
_DEFINITIONS = frozenset({"function_definition", "class_definition", "decorated_definition"})


class SourceLines:
    """Line facts of one document; lines are 1-based over `document.text` (for notebooks:
    the code cells concatenated, as in `FileReport.line_numbers`)."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.language = document.language
        text = document.text
        self.lines = text.split("\n") if text else []
        if self.lines and self.lines[-1] == "" and text.endswith("\n"):
            self.lines.pop()  # the empty string after a final newline is not a line
        self._owners: dict[int, int] = {}

    @property
    def count(self) -> int:
        return len(self.lines)

    def text(self, line: int) -> str:
        return self.lines[line - 1].rstrip("\r") if 1 <= line <= self.count else ""

    @cached_property
    def _root(self) -> Node | None:
        if self.language not in _PYTHON_LIKE:
            return None
        from hptlens.analysis.pyfile import TooDeep, parse

        try:
            return parse(self.document.text.encode("utf-8")).root_node
        except TooDeep:
            return None

    # ---- code or not ------------------------------------------------------------------

    def is_code(self, line: int) -> bool:
        """The line has code on it: not blank, not only a comment, not inside a string
        that began on an earlier line, not a docstring."""
        stripped = self.text(line).strip()
        if not stripped:
            return False
        if self._root is None:
            prefixes = _COMMENT_PREFIXES.get(self.language, ())
            return not stripped.startswith(prefixes) if prefixes else True
        if stripped.startswith("#"):
            return False
        node = self._node_at(line)
        if node is None:
            return True
        string = _enclosing_string(node)
        if string is not None and string.start_point[0] < line - 1:
            return False
        return not _is_docstring(node)

    def snap(self, line: int) -> int | None:
        """A non-code line inside a multi-line statement (a comment in a dict literal) moves
        to that statement's first line; None when no statement encloses it."""
        if self._root is None or not 1 <= line <= self.count:
            return None
        node = self._node_at(line)
        while node is not None and node.parent is not None:
            if node.type in _COMPOUND or node.type == "ERROR":
                return None
            if node.parent.type in ("module", "block"):
                start = node.start_point[0] + 1
                if start < line <= node.end_point[0] + 1 and not _is_docstring(node) and self.is_code(start):
                    return start
                return None
            node = node.parent
        return None

    def _node_at(self, line: int) -> Node | None:
        if self._root is None:
            return None
        raw = self.text(line)
        prefix = raw[: len(raw) - len(raw.lstrip())]
        column = len(prefix.encode("utf-8", "surrogatepass"))
        point = (line - 1, column)
        return self._root.descendant_for_point_range(point, point)

    def span(self, line: int) -> tuple[int, int]:
        """Lines of the construct that starts on `line`: a whole simple statement or a
        dictionary entry, a compound statement's header only; (line, line) when unknown."""
        node = self._node_at(line) if self._root is not None else None
        if node is None:
            return line, line
        row = line - 1
        while (
            node.parent is not None
            and node.parent.start_point[0] == row
            and node.parent.type not in ("module", "block")
        ):
            node = node.parent
        end = node.end_point[0] + 1
        if node.type in _COMPOUND:
            body = next((c for c in node.children if c.type == "block"), None)
            end = max(line, body.start_point[0]) if body is not None else line
        return line, max(line, min(end, line + _MAX_SPAN))

    # ---- structure --------------------------------------------------------------------

    def owner(self, line: int) -> int:
        """First line of the outermost function (methods count as their own) or top-level
        statement around `line`: LLM findings with the same owner form one site."""
        if line not in self._owners:
            node = self._node_at(line) if self._root is not None else None
            if node is None:
                self._owners[line] = 0
            else:
                from hptlens.analysis.sites import owner_of

                self._owners[line] = owner_of(node).start_point[0] + 1
        return self._owners[line]

    def top_level_starts(self) -> list[int]:
        """Lines where a top-level statement (or a notebook cell) starts: preferred cuts."""
        starts = {span.first_line for span in self.document.cells}
        if self._root is not None:
            starts.update(child.start_point[0] + 1 for child in self._root.children)
        return sorted(starts | {1})

    def definition_starts(self, first: int, last: int) -> list[int]:
        """Lines in [first, last] where a function or class starts: cuts inside a long one."""
        if self._root is None:
            return []
        found: list[int] = []
        stack = [self._root]
        while stack:
            node = stack.pop()
            if node.end_point[0] + 1 < first or node.start_point[0] + 1 > last:
                continue
            if node.type in _DEFINITIONS and first <= node.start_point[0] + 1 <= last:
                found.append(node.start_point[0] + 1)
            stack.extend(c for c in node.children if c.type in _DEFINITIONS or c.type in ("block", "module"))
        return sorted(set(found))

    def import_lines(self) -> list[int]:
        return [n for n in range(1, self.count + 1) if _IMPORT.match(self.text(n))]

    # ---- names ------------------------------------------------------------------------

    @cached_property
    def _code(self) -> list[str]:
        """Each line's code without its comment; "" for lines without code. Names written
        only in comments or docstrings do not count as written in the file."""
        comments: dict[int, int] = {}
        if self._root is not None:
            from hptlens.analysis.pyfile import query

            for node in QueryCursor(query("(comment) @c")).captures(self._root).get("c", []):
                comments.setdefault(node.start_point[0], node.start_point[1])
        code = [""]
        for n in range(1, self.count + 1):
            if not self.is_code(n):
                code.append("")
                continue
            raw = self.text(n)
            if n - 1 in comments:
                raw = raw.encode("utf-8", "surrogatepass")[: comments[n - 1]].decode("utf-8", "replace")
            elif self._root is None:
                raw = _strip_comment(raw, self.language)
            code.append(raw)
        return code

    def code_text(self, line: int) -> str:
        return self._code[line] if 1 <= line <= self.count else ""

    def mentions(self, name: str, first: int = 1, last: int | None = None) -> bool:
        """Whether `name` is written in the code of lines first..last as a whole word (as an
        identifier or inside a string literal, not in a comment)."""
        pattern = _name_pattern(name)
        if pattern is None:
            return False
        end = self.count if last is None else min(last, self.count)
        return any(pattern.search(self._code[n]) for n in range(max(first, 1), end + 1))

    def nearest_mention(self, names: list[str], line: int, reach: int) -> int | None:
        """The closest code line within `reach` lines of `line` that writes one of `names`."""
        patterns = [p for p in (_name_pattern(n) for n in names) if p is not None]
        for distance in range(1, reach + 1):
            for candidate in (line - distance, line + distance):
                if 1 <= candidate <= self.count and any(p.search(self._code[candidate]) for p in patterns):
                    return candidate
        return None

    def global_line(self, finding: Finding) -> int:
        """A finding's start line counted over the whole text (notebooks count in-cell)."""
        if finding.cell is None:
            return finding.range.start.line
        for span in self.document.cells:
            if span.index == finding.cell:
                return span.first_line + finding.range.start.line - 1
        return finding.range.start.line


_IMPORT = re.compile(r"^\s*(import\s|from\s+\S+\s+import\s|#include\s)")


def _strip_comment(text: str, language: Language) -> str:
    """A line without its trailing comment, for languages without a parse here (a marker
    inside a string literal cuts it short too: only names are looked up in the rest)."""
    for marker in _COMMENT_PREFIXES.get(language, ())[:1]:
        if language == Language.YAML:
            marker = " #"
        index = text.find(marker)
        if index >= 0:
            return text[:index]
    return text


def _name_pattern(name: str) -> re.Pattern[str] | None:
    name = name.strip()
    if not name or len(name) > 200:
        return None
    return re.compile(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])")


def _enclosing_string(node: Node) -> Node | None:
    current: Node | None = node
    while current is not None and current.type in _STRING_PARTS:
        if current.type == "string":
            return current
        current = current.parent
    return None


def _is_docstring(node: Node) -> bool:
    """Inside an expression statement that is nothing but a string literal."""
    current: Node | None = node
    while current is not None and current.type not in ("expression_statement", "module", "block"):
        current = current.parent
    if current is None or current.type != "expression_statement":
        return False
    children = current.named_children
    return len(children) == 1 and children[0].type in ("string", "concatenated_string")
