"""The shell file model: a parsed bash script, its candidate nodes, and the values its words stand for.

`ShellFile` parses once (tree-sitter-bash) and indexes the nodes the detectors read (loops,
assignments, commands, comments) and the variables that hold several words. `words_of` expands
one loop item into the values it stands for (literals, brace ranges, `$(seq ...)`, `${LIST[@]}`);
what cannot be known (globs, paths, other expansions) stands for nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache, cached_property
from typing import Any

import tree_sitter_bash
from tree_sitter import Language as TsLanguage
from tree_sitter import Node, Parser, Query, QueryCursor, Tree

from hptlens.analysis.neutral import text

MAX_VALUES = 1000
"""More values than this in one list or range are not a grid someone wrote."""
_QUERY = """
(for_statement) @for
(c_style_for_statement) @cfor
(variable_assignment) @assign
(command) @command
(comment) @comment
(subscript) @subscript
(case_statement) @case
"""


@cache
def _language() -> TsLanguage:
    return TsLanguage(tree_sitter_bash.language())


@cache
def _query() -> Query:
    return Query(_language(), _QUERY)


def parse(source: bytes) -> Tree:
    return Parser(_language()).parse(source)


class ShellFile:
    """A parsed shell script: its candidate nodes and its variables' values."""

    def __init__(self, source: bytes, tree: Tree) -> None:
        self.source = source
        self.tree = tree
        self.root = tree.root_node

    @cached_property
    def lines(self) -> list[str]:
        return self.source.decode("utf-8", "replace").split("\n")

    def line_text(self, row: int) -> str:
        return self.lines[row] if 0 <= row < len(self.lines) else ""

    @cached_property
    def nodes(self) -> dict[str, list[Node]]:
        captures = QueryCursor(_query()).captures(self.root)
        return {kind: sorted(nodes, key=lambda n: n.start_byte) for kind, nodes in captures.items()}

    def inside(self, kind: str, scope: Node) -> list[Node]:
        """Candidate nodes of a kind within scope (the whole file for its root), in source order."""
        nodes = self.nodes.get(kind, [])
        if scope == self.root:
            return nodes
        return [n for n in nodes if scope.start_byte <= n.start_byte and n.end_byte <= scope.end_byte]

    @cached_property
    def values(self) -> dict[str, tuple[Node, list[str]]]:
        """Variables holding several words (`LRS=(1e-3 1e-4)`, `LRS="1e-3 1e-4"`), by name."""
        found: dict[str, tuple[Node, list[str]]] = {}
        for assign in self.nodes.get("assign", []):
            name, value = assign.child_by_field_name("name"), assign.child_by_field_name("value")
            if name is None or value is None:
                continue
            if value.type == "array":  # entries commented out inside (...) are not values
                # Expanded through the lists assigned before this one: `A=(${A[@]} x)` must not recurse.
                words = [w for c in value.named_children if c.type != "comment" for w in words_of(found, c)]
            elif value.type in ("string", "raw_string"):
                words = unquote(text(value)).split()
            else:
                continue
            if len(words) >= 2:
                found[text(name)] = (_assignment_statement(assign), words)
        return found


def unquote(written: str) -> str:
    return written[1:-1] if len(written) >= 2 and written[0] == written[-1] and written[0] in "'\"" else written


def _assignment_statement(node: Node) -> Node:
    """An assignment shown with its `declare`/`export`/`local` keyword."""
    parent = node.parent
    return parent if parent is not None and parent.type == "declaration_command" else node


_BRACE = re.compile(r"\{([^{}]*)\}")


def words_of(known: Mapping[str, tuple[Node, list[str]]], node: Node) -> list[str]:
    """The values one `for` item stands for; [] for what cannot be known (globs, `$(ls)`)."""
    written = text(node)
    if node.type in ("string", "raw_string") and "$" not in written:
        return [unquote(written)]
    expanded = _expansion_values(known, node)
    if expanded is not None:
        return expanded
    if node.type == "command_substitution":
        return _seq(node)
    if any(c in written for c in "*?$`") or "/" in written:
        return []  # globs, other expansions and paths: files, not values
    brace = _BRACE.fullmatch(written)
    if brace:
        return _brace(brace.group(1))
    return [written]


def _expansion_values(known_lists: Mapping[str, tuple[Node, list[str]]], node: Node) -> list[str] | None:
    """`$LRS`, `${LRS}`, `"${LRS[@]}"`: the words of a variable that holds several."""
    target = node.named_children[0] if node.type == "string" and node.named_child_count == 1 else node
    if target.type not in ("simple_expansion", "expansion"):
        return None
    inner = target.named_children[0] if target.named_child_count else None
    if inner is not None and inner.type == "subscript":
        if text(inner.child_by_field_name("index")) not in ("@", "*"):
            return None
        inner = inner.child_by_field_name("name")
    known = known_lists.get(text(inner))
    return list(known[1]) if known else []


def _brace(body: str) -> list[str]:
    if "," in body:
        return [part for part in body.split(",")]
    match = re.fullmatch(r"(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?", body)
    if not match:
        return []
    start, stop, step = int(match[1]), int(match[2]), abs(int(match[3] or 1)) or 1
    step = step if stop >= start else -step
    count = abs(stop - start) // abs(step) + 1
    return [str(start + i * step) for i in range(min(count, MAX_VALUES))]


def _seq(node: Node) -> list[str]:
    """`$(seq LAST)`, `$(seq FIRST LAST)`, `$(seq FIRST STEP LAST)` with numbers written out."""
    parts = text(node)[2:-1].split() if text(node).startswith("$(") else text(node).strip("`").split()
    if not parts or parts[0] != "seq" or not 2 <= len(parts) <= 4:
        return []
    try:
        numbers = [float(p) for p in parts[1:]]
    except ValueError:
        return []
    first, step, last = (
        (1.0, 1.0, numbers[0])
        if len(numbers) == 1
        else (numbers[0], 1.0, numbers[1])
        if len(numbers) == 2
        else tuple(numbers)
    )
    if step == 0 or (last - first) / step < 0 or (last - first) / step >= MAX_VALUES:
        return []
    count = int(round((last - first) / step, 9)) + 1
    integral = all(float(n).is_integer() for n in numbers)
    return [str(int(first + i * step)) if integral else repr(round(first + i * step, 12)) for i in range(count)]


def scalar_of(word: str) -> Any:
    try:
        number = float(word)
    except ValueError:
        return word
    return int(number) if number.is_integer() and re.fullmatch(r"[-+]?\d+", word) else number


def descendants(node: Node, node_type: str) -> list[Node]:
    """The nodes of a type inside node, in source order."""
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if current.type == node_type:
            found.append(current)
        stack.extend(current.named_children)
    return sorted(found, key=lambda n: n.start_byte)
