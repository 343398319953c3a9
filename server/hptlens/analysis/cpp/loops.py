"""What a C++ loop iterates: its counter, the names it runs over, loops over time, and the values a
counter sweep steps through.

`counter_of` and `loop_names` are read by every loop detector (hand grids, applied sweeps, genetic
algorithms); `TIME_LOOP` says a loop runs inside one training run (episodes, steps, epochs), where
sampling and annealing are not trials. `sweep_values` expands `for (lr = 1e-4; lr <= 1e-2; lr *= 10)`
into its values when start, bound and step are literal (or resolve to literals).
"""

from __future__ import annotations

import re
from typing import Any

from tree_sitter import Node

from hptlens.analysis.cpp.file import CppFile, enclosing_loop, target_names
from hptlens.analysis.cpp.literals import literal
from hptlens.analysis.neutral import identifiers_in, number, text

MAX_SWEEP = 20  # a counter loop with more values than this is a schedule (epsilon decay), not a sweep

# Loops that run inside one training run (their variable, bound or iterable says so): sampling in
# them is exploration noise, domain randomisation or minibatch drawing, not a random-search trial.
TIME_LOOP = re.compile(
    r"^(ep|t|done|i_episode)$|episode|step|frame|epoch|update|rollout|batch|dim|action|"
    r"horizon|transition|env|state|obs|buffer|memory"
)


def counter_of(loop: Node) -> str | None:
    """The variable a classic for loop declares or assigns in its initializer."""
    initializer = loop.child_by_field_name("initializer")
    if initializer is None:
        return None
    if initializer.type == "declaration":
        declarator = initializer.child_by_field_name("declarator")
        target = (
            declarator.child_by_field_name("declarator")
            if declarator is not None and declarator.type == "init_declarator"
            else declarator
        )
        return text(target) if target is not None and target.type == "identifier" else None
    if initializer.type == "assignment_expression":
        left = initializer.child_by_field_name("left")
        return text(left) if left is not None and left.type == "identifier" else None
    return None


def loop_names(loop: Node) -> list[str]:
    """Names a loop iterates or tests: its variable(s) and the words of its bound or iterable."""
    if loop.type == "for_range_loop":
        target, iterable = loop.child_by_field_name("declarator"), loop.child_by_field_name("right")
        return (target_names(target) if target is not None else []) + (
            sorted(identifiers_in(iterable)) if iterable is not None else []
        )
    counter = counter_of(loop) if loop.type == "for_statement" else None
    condition = loop.child_by_field_name("condition")
    return ([counter] if counter else []) + (sorted(identifiers_in(condition)) if condition is not None else [])


def multiplies(loop: Node) -> bool:
    """The loop's update scales its counter (`x *= 3`, `x /= 2`, `x = x * 10`): a log-spaced sweep."""
    update = loop.child_by_field_name("update")
    written = re.sub(r"\s+", "", text(update))
    return bool(re.search(r"[*/]=|=\w+[*/]", written))


def owning_counter_loop(node: Node, counter: str) -> Node | None:
    """The innermost enclosing for loop that declares `counter` (inner loops may reuse `i`)."""
    loop = enclosing_loop(node)
    while loop is not None and not (loop.type == "for_statement" and counter_of(loop) == counter):
        loop = enclosing_loop(loop)
    return loop


def sweep_values(cpp: CppFile, loop: Node, counter: str) -> list[Any] | None:
    """The values a counter loop steps through, when start, bound and step are literal."""
    initializer, condition, update = (loop.child_by_field_name(f) for f in ("initializer", "condition", "update"))
    if initializer is None or condition is None or update is None:
        return None
    declarator = initializer.child_by_field_name("declarator")
    start = _numeric(
        cpp,
        declarator.child_by_field_name("value") if declarator is not None else initializer.child_by_field_name("right"),
    )
    if condition.type != "binary_expression" or text(condition.child_by_field_name("left")) != counter:
        return None
    op, bound = text(condition.child_by_field_name("operator")), _numeric(cpp, condition.child_by_field_name("right"))
    step = _step(cpp, update, counter)
    if start is None or bound is None or step is None:
        return None
    return _generate(start, bound, op, step)


def _numeric(cpp: CppFile, node: Node | None) -> float | None:
    if node is None:
        return None
    value, _ = cpp.resolve(node)
    return number(literal(value))  # None for 1e999 or an integer no float holds


def _step(cpp: CppFile, update: Node, counter: str) -> tuple[str, float] | None:
    """`lr *= 10` -> ('*', 10); `++bs` -> ('+', 1); `lr = lr * 2` -> ('*', 2)."""
    if update.type == "update_expression" and text(update.child_by_field_name("argument")) == counter:
        return ("+", 1.0) if "++" in text(update) else ("-", 1.0)
    if update.type != "assignment_expression" or text(update.child_by_field_name("left")) != counter:
        return None
    op = text(update.child_by_field_name("operator"))
    right = update.child_by_field_name("right")
    if op in ("*=", "/=", "+=", "-="):
        amount = _numeric(cpp, right)
        return (op[0], amount) if amount is not None else None
    if (
        op == "="
        and right is not None
        and right.type == "binary_expression"
        and text(right.child_by_field_name("left")) == counter
    ):
        amount = _numeric(cpp, right.child_by_field_name("right"))
        inner = text(right.child_by_field_name("operator"))
        return (inner, amount) if amount is not None and inner in "*/+-" else None
    return None


def _generate(start: float, bound: float, op: str, step: tuple[str, float]) -> list[Any] | None:
    kind, amount = step
    apply = {
        "*": lambda v: v * amount,
        "/": lambda v: v / amount if amount else v,
        "+": lambda v: v + amount,
        "-": lambda v: v - amount,
    }[kind]
    holds = {
        "<": lambda v: v < bound,
        "<=": lambda v: v <= bound * (1 + 1e-9),
        ">": lambda v: v > bound,
        ">=": lambda v: v >= bound * (1 - 1e-9),
        "!=": lambda v: v != bound,
    }.get(op)
    if holds is None:
        return None
    values: list[Any] = []
    current = start
    while holds(current):
        values.append(int(current) if float(current).is_integer() and abs(current) >= 1 else float(f"{current:.6g}"))
        following = apply(current)
        if len(values) > MAX_SWEEP or following == current:
            return values if following != current else None
        current = following
    return values
