"""How far Python space entries are shown: LABELING.md counts a multi-line space dict on every
line it spans, so the first and last entry findings of a dict literal that an assignment holds
stretch to the start and end of that statement (`params = {` and its closing `}`, and the outer
lines of a nested sweep config). Entries stay one finding each; only their shown ranges widen."""

from __future__ import annotations

from tree_sitter import Node

from hptlens.analysis.neutral import Hit, Span
from hptlens.report import FindingKind

_LITERALS = frozenset({"dictionary", "pair", "list", "tuple", "parenthesized_expression"})


def stretch_space_entries(hits: list[Hit]) -> None:
    """Widen, in place, the shown range of the outermost entries of each assigned space literal."""
    by_statement: dict[int, tuple[Node, list[Hit]]] = {}
    for hit in hits:
        if hit.kind != FindingKind.SEARCH_SPACE or isinstance(hit.node, Span):
            continue
        statement = _assigned_statement(hit.tree_node) if hit.tree_node.type == "pair" else None
        if statement is not None:
            by_statement.setdefault(statement.id, (statement, []))[1].append(hit)
    for statement, members in by_statement.values():
        if statement.start_point[0] == statement.end_point[0]:
            continue
        first = min(members, key=lambda h: h.tree_node.start_point)
        last = max(members, key=lambda h: h.tree_node.end_point)
        first.shown = (statement.start_point, (first.shown or _own(first))[1])
        last.shown = ((last.shown or _own(last))[0], statement.end_point)


def _own(hit: Hit) -> tuple[tuple[int, int], tuple[int, int]]:
    return hit.tree_node.start_point, hit.tree_node.end_point


def _assigned_statement(pair: Node) -> Node | None:
    """The statement `NAME = <literal>` (or `x[k] = <literal>`) whose literal holds this pair."""
    node = pair
    while node.parent is not None and node.parent.type in _LITERALS:
        node = node.parent
    assignment = node.parent
    if assignment is None or assignment.type != "assignment" or assignment.child_by_field_name("right") != node:
        return None
    statement = assignment.parent
    return statement if statement is not None and statement.type == "expression_statement" else None
