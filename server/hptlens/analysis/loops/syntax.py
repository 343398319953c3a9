"""Loop syntax: the names a loop target binds, the identifiers an expression reads, the loops around a node."""

from __future__ import annotations

from tree_sitter import Node

from hptlens.analysis.catalog.vocabulary import SHOWING_CALLS
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


_PASSING = frozenset({"pair", "return_statement", "yield"})
_STATEMENTS = frozenset({"expression_statement", "assignment", "augmented_assignment"})


def shows(call: Node | None) -> bool:
    """A call of SHOWING_CALLS (`print(...)`, `"...".format(...)`, `plt.plot(...)`)."""
    function = call.child_by_field_name("function") if call is not None and call.type == "call" else None
    return function is not None and text(function).rsplit(".", 1)[-1] in SHOWING_CALLS


def passes_on(body: Node, name: str) -> bool:
    """Whether the loop body hands `name` to something that can run with it: a call argument (not
    only printing or formatting it), a keyword, a dict entry, an attribute or item it writes, a
    return, a comprehension's element; `adv = image + eps * noise` followed by a plot is a
    display, not a search."""
    for node in named_descendants(body):
        if node.type == "identifier" and text(node) == name and _use_passes(node, body):
            return True
    return False


def _use_passes(use: Node, body: Node) -> bool:
    """One use of the value, judged by what holds it. Arithmetic on it that goes into a call is
    the caller's own computation (`clamp(image + eps * noise)`), not a setting handed over."""
    current, scaled = use, False
    while current.parent is not None and current.id != body.id:
        parent = current.parent
        if (
            parent.type == "conditional_expression"
            and parent.named_child_count > 1
            and current == parent.named_children[1]
        ):
            return False  # `x if eps else y` tests the value, it does not hand it on
        if parent.id == body.id and parent.type in COMPREHENSIONS:
            return current == parent.child_by_field_name("body")  # the element built from the value
        if parent.type == "interpolation":
            return False  # formatted into text (a label, a title); a launched command is read apart
        if parent.type in _PASSING:
            return True
        if parent.type == "argument_list":  # a keyword's value too: `plt.plot(x, alpha=alpha)` shows it
            return not scaled and not shows(parent.parent)
        scaled = scaled or parent.type == "binary_operator"
        if parent.type in ("assignment", "augmented_assignment") and current == parent.child_by_field_name("right"):
            left = parent.child_by_field_name("left")
            if left is None:
                return False
            # Written into an object or a table, or an update step of a variable (`w -= lr * g`,
            # `q = q + alpha * delta`): training with the value; a fresh local is not.
            updated = parent.type == "augmented_assignment" or text(left) in identifiers(current)
            return left.type in ("attribute", "subscript") or updated
        if parent.type in _STATEMENTS:
            return False
        current = parent
    return False
