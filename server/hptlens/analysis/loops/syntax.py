"""Loop syntax: the names a loop target binds, the identifiers an expression reads, the loops around a node."""

from __future__ import annotations

from tree_sitter import Node

from hptlens.analysis.neutral import named_descendants, text

COMPREHENSIONS = frozenset(
    {"list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression"}
)


def target_names(target: Node) -> list[str]:
    if target.type == "identifier":
        return [text(target)]
    if target.type in ("tuple", "pattern_list", "tuple_pattern", "list_pattern", "list"):
        names: list[str] = []
        for child in target.named_children:
            names += target_names(child) if child.type != "identifier" else [text(child)]
        return names
    return []


def identifiers(node: Node) -> list[str]:
    """Identifiers in `node` (itself included), in source order."""
    return [text(n) for n in (node, *named_descendants(node)) if n.type == "identifier"]


def is_stepped(body: Node, name: str) -> bool:
    """`lr /= 10` or `lr = lr * 0.5` at the loop's own level; counting up by one is not a step."""
    for statement in body.named_children:
        node = (
            statement.named_children[0]
            if statement.type == "expression_statement" and statement.named_child_count
            else statement
        )
        right = node.child_by_field_name("right")
        if node.type not in ("augmented_assignment", "assignment") or right is None:
            continue
        if text(node.child_by_field_name("left")) != name or _counts(node, right):
            continue
        if node.type == "augmented_assignment" or name in identifiers(right):
            return True
    return False


def _counts(step: Node, right: Node) -> bool:
    """`num_steps += 1`, `n = n + 1`: a counter (steps, episodes), not a walk through values."""
    if step.type == "augmented_assignment":
        return text(right) == "1"
    return right.type == "binary_operator" and text(right.child_by_field_name("right")) == "1"


def enclosing_loop(node: Node) -> Node | None:
    parent = node.parent
    if node.type == "for_in_clause" and parent is not None:
        parent = parent.parent  # step out of the clause's own comprehension
    while parent is not None and parent.type not in ("function_definition", "class_definition"):
        if parent.type in ("for_statement", "while_statement"):
            return parent
        if parent.type in COMPREHENSIONS:
            clause = next((c for c in parent.named_children if c.type == "for_in_clause"), None)
            return clause or parent
        parent = parent.parent
    return None


def outermost_loop(node: Node) -> Node | None:
    found = None
    current = enclosing_loop(node)
    while current is not None:
        found = current
        current = enclosing_loop(current)
    return found
