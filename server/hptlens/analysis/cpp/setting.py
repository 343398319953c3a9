"""What a C++ loop does with a value it sets: the syntax tests of the applied-sweep detector.

Whether a call only reports (`printf`, `log`, `assert`), which variables a call or a constructor is
handed as arguments of their own, whether a setting is an if's branch or made in every branch, a
loop over time that never names a model size (a schedule), and a function's parameters and name.
Each is a question about one statement or call; the dataflow that combines them is applied.py's.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from hptlens.analysis.cpp.file import function_of, normalized, plain_name, positional, target_names
from hptlens.analysis.cpp.flow import last_name, root_of
from hptlens.analysis.cpp.libraries import descendants
from hptlens.analysis.cpp.loops import TIME_LOOP, loop_names
from hptlens.analysis.neutral import identifiers_in, text

# Calls that only report: their arguments are printed, logged or checked, not trained or evaluated.
_OUTPUT = re.compile(
    r"(?i)^(s?n?printf|f?puts|print\w*|log\w*|write\w*|dump\w*|format|to_string|"
    r"assert\w*|expect\w*|check\w*|debug|info|warn\w*|error|trace|emit|display\w*)$"
)


# What a schedule cannot change inside one run: the size of the model.
STRUCTURAL = re.compile(
    r"neuron|hidden|layer|units|depth|trees|estimators|filters|channels|leaves|"
    r"clusters|neighbors|order"
)


_PASS_THROUGH = re.compile(r"cast|move|ref$")  # static_cast<int>(n), std::move(cfg), std::ref(cfg)


def is_output(call: Node) -> bool:
    function = call.child_by_field_name("function")
    return function is None or bool(_OUTPUT.match(last_name(function)))


def reads_any(statement: Node, names: set[str]) -> bool:
    value = statement.child_by_field_name("right") if statement.type == "assignment_expression" else statement
    if statement.type == "expression_statement" and statement.named_children:
        inner = statement.named_children[0]
        value = inner.child_by_field_name("right") if inner.type == "assignment_expression" else inner
    return bool(names and value is not None and identifiers_in(value) & names)


def descendants_or_self(node: Node, node_type: str) -> list[Node]:
    return ([node] if node.type == node_type else []) + descendants(node, node_type)


def conditional(statement: Node) -> Node:
    """`if (svr) para->p = 0.05 * i;`: a setting that is an if's whole branch, shown with its if."""
    parent = statement.parent
    if (
        parent is not None
        and parent.type == "if_statement"
        and parent.child_by_field_name("consequence") == statement
        and parent.child_by_field_name("alternative") is None
    ):
        return parent
    return statement


def widened(statement: Node) -> Node:
    """An assignment made in every branch of an if/else stands for the whole if/else."""
    current = statement
    while current.parent is not None:
        parent = current.parent
        if (
            parent.type == "compound_statement"
            and len(parent.named_children) == 1
            and parent.parent is not None
            and parent.parent.type in ("if_statement", "else_clause")
        ):
            current = parent
            continue
        if parent.type in ("if_statement", "else_clause"):
            current = parent
            continue
        break
    if current.type != "if_statement" or current.id == statement.id:
        return statement
    return current if current.child_by_field_name("alternative") is not None else statement


def schedule_only(loop: Node) -> bool:
    """A loop over time (episodes, steps, epochs) whose text never names a model size: whatever it
    sets is a schedule (a cheap look before reading it)."""
    if not any(TIME_LOOP.search(normalized(n)) for n in loop_names(loop)):
        return False
    body = loop.child_by_field_name("body")
    return body is None or not STRUCTURAL.search(text(body).lower())


def direct_arguments(call: Node) -> set[str]:
    """Variables handed to a call as arguments of their own: `f(lr)`, `f(&param)`, `f({n})`,
    `f(static_cast<int>(n))`, `f(cfg.lr)` (-> cfg), not `f(w - lr * g)`."""
    names: set[str] = set()
    pending = positional(call)
    while pending:
        node = pending.pop()
        wrapped = node.type in ("pointer_expression", "parenthesized_expression", "cast_expression")
        if wrapped and node.named_child_count:
            pending.append(
                node.child_by_field_name("argument") or node.child_by_field_name("value") or node.named_children[-1]
            )
        elif node.type == "initializer_list":
            pending.extend(node.named_children)
        elif node.type == "call_expression" and _PASS_THROUGH.search(text(node.child_by_field_name("function"))):
            pending.extend(positional(node))
        elif node.type in ("identifier", "field_expression"):
            root = root_of(node)
            names.update([root] if root else [])
    return names


def constructed_with(body: Node) -> set[str]:
    """Variables handed as arguments of their own to objects declared in `body` (`Trainer t(lr, 5);`,
    and `Knn knn(k);`, which the grammar reads as a function declaration)."""
    names: set[str] = set()
    for declarator in descendants(body, "init_declarator"):
        value = declarator.child_by_field_name("value")
        if value is not None and value.type in ("argument_list", "initializer_list"):
            names.update(text(c) for c in value.named_children if c.type == "identifier")
    for params in descendants(body, "parameter_list"):
        if (
            params.parent is not None
            and params.parent.type == "function_declarator"
            and function_of(params) is not None
        ):
            names.update(
                text(c.child_by_field_name("type"))
                for c in params.named_children
                if c.type == "parameter_declaration" and c.child_by_field_name("declarator") is None
            )
    return names


def parameter_names(function: Node | None) -> list[str]:
    declarator = function.child_by_field_name("declarator") if function is not None else None
    params = declarator.child_by_field_name("parameters") if declarator is not None else None
    names: list[str] = []
    for parameter in params.named_children if params is not None else []:
        inner = parameter.child_by_field_name("declarator")
        names.extend(target_names(inner) if inner is not None else [])
    return names


def defined_name(function: Node) -> str:
    declarator = function.child_by_field_name("declarator")
    inner = declarator.child_by_field_name("declarator") if declarator is not None else None
    return plain_name(text(inner)).rsplit("::", 1)[-1] if inner is not None else ""
