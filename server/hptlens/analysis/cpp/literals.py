"""Values of C++ literal expressions: numbers in C++ spellings, strings, brace lists, arithmetic and
`std::` math on literals."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from tree_sitter import Node

from hptlens.analysis.cpp.file import plain_name, positional
from hptlens.analysis.neutral import MAX_INT_BITS, NOT_LITERAL, scalar, text

_MAX_DEPTH = 40  # literal nesting and resolution chains: bounded so odd input cannot recurse deeply


def literal(node: Node | None, depth: int = 0) -> Any:
    """The value of a C++ literal expression (numbers, strings, bools, brace lists), or NOT_LITERAL."""
    if node is None or depth > _MAX_DEPTH:
        return NOT_LITERAL
    kind = node.type
    if kind == "number_literal":
        return _number(text(node))
    if kind in ("true", "false"):
        return kind == "true"
    if kind == "string_literal":
        return "".join(text(c) for c in node.named_children if c.type == "string_content")
    if kind == "char_literal":
        return text(node)[1:-1]
    if kind == "concatenated_string":
        parts = [literal(c, depth + 1) for c in node.named_children]
        return "".join(parts) if all(isinstance(p, str) for p in parts) else NOT_LITERAL
    if kind in ("parenthesized_expression", "compound_literal_expression"):
        inner = (
            node.child_by_field_name("value")
            if kind == "compound_literal_expression"
            else (node.named_children[0] if node.named_child_count == 1 else None)
        )
        return literal(inner, depth + 1)
    if kind == "unary_expression":
        value = literal(node.child_by_field_name("argument"), depth + 1)
        op = text(node.child_by_field_name("operator"))
        return -value if op == "-" and is_num(value) else value if op == "+" and is_num(value) else NOT_LITERAL
    if kind == "binary_expression":
        return _arithmetic(node, depth)
    if kind == "initializer_list":
        return _brace_list(node, depth)
    if kind == "call_expression":
        return _math_call(node, depth)
    return NOT_LITERAL


_MATH: dict[str, Callable[..., float]] = {
    "log": math.log,
    "log10": math.log10,
    "log2": math.log2,
    "exp": math.exp,
    "sqrt": math.sqrt,
    "pow": lambda base, exponent: base**exponent if abs(exponent) <= 400 and abs(base) <= 1e6 else math.nan,
}


def _math_call(node: Node, depth: int) -> Any:
    """`std::log(1e-5)`, `std::pow(10.0, -3)` on literal numbers (bounds written that way)."""
    name = plain_name(text(node.child_by_field_name("function")))
    function = _MATH.get(name.removeprefix("std::"))
    args = [literal(a, depth + 1) for a in positional(node)]
    if function is None or not args or not all(is_num(a) for a in args):
        return NOT_LITERAL
    try:
        value = function(*args)
    except (ArithmeticError, ValueError, TypeError):
        return NOT_LITERAL
    return value if isinstance(value, float) and math.isfinite(value) else NOT_LITERAL


def _brace_list(node: Node, depth: int) -> Any:
    children = [c for c in node.named_children if c.type != "comment"]
    if children and all(c.type == "initializer_pair" for c in children):
        pairs = {
            text(c.child_by_field_name("designator")).lstrip("."): literal(c.child_by_field_name("value"), depth + 1)
            for c in children
        }
        return NOT_LITERAL if any(v is NOT_LITERAL for v in pairs.values()) else pairs
    items = [literal(c, depth + 1) for c in children]
    return NOT_LITERAL if any(v is NOT_LITERAL for v in items) else items


def is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(source: str) -> Any:
    """`1e-3f`, `64u`, `1'000`, `0x40`, `-5.0`: C++ number spellings to Python numbers."""
    source = source.replace("'", "").lower()
    try:
        if source.lstrip("+-").startswith(("0x", "0b")) and "." not in source and "p" not in source:
            return int(source.rstrip("ul"), 0)
        stripped = source.rstrip("ulzf") if not source.lstrip("+-").startswith("0x") else source
        if re.fullmatch(r"[+-]?\d+", stripped):
            return int(stripped)
        return float(stripped)
    except ValueError:
        return NOT_LITERAL


def _arithmetic(node: Node, depth: int) -> Any:
    left = literal(node.child_by_field_name("left"), depth + 1)
    right = literal(node.child_by_field_name("right"), depth + 1)
    if not (is_num(left) and is_num(right)):
        return NOT_LITERAL
    op = text(node.child_by_field_name("operator"))
    try:
        result = {
            "+": lambda: left + right,
            "-": lambda: left - right,
            "*": lambda: left * right,
            "/": lambda: left / right,
        }.get(op)
        value = result() if result is not None else NOT_LITERAL
    except (ArithmeticError, ValueError):
        return NOT_LITERAL
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        return NOT_LITERAL  # kept as source text by the callers
    return value


def grid_values(value: Any) -> list[Any] | None:
    """A brace list of two or more distinct scalars (a grid dimension), else None."""
    if not isinstance(value, list) or len(value) < 2:
        return None
    if any(isinstance(v, (list, dict)) for v in value):
        return None
    items = [scalar(v) for v in value]
    return items if len(set(map(repr, items))) >= 2 else None
