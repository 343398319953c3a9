"""The values a hand-written Python search tries: what value generators yield (np.linspace,
np.logspace, range), the dimensions of a list of config dicts, and the space of a random
sampling call with the name its value is bound to. Only literal arguments are evaluated."""

from __future__ import annotations

import math
from typing import Any

from tree_sitter import Node

from hptlens.analysis.neutral import child_field, is_hyperparameter, number, power, scalar, text
from hptlens.analysis.pyfile import PyFile, name_from_context, target_name
from hptlens.analysis.spaces import call_arguments, choice_items, literal
from hptlens.report import SearchSpace, SpaceType

_MAX_GENERATED = 1000


def config_dicts(value: list[dict[Any, Any]], names: list[str]) -> list[tuple[str, list[Any] | None]] | None:
    keys = [k for k in value[0] if isinstance(k, str) and is_hyperparameter(k)]
    if not keys or len(names) != 1:
        return None
    return [(k, [scalar(d.get(k)) for d in value]) for k in keys]


def generated_values(qualified: str, positional: list[Node], keywords: dict[str, Node]) -> list[Any] | None:
    """Values of np.linspace/logspace/geomspace/arange and range with literal arguments."""
    args = [literal(n) for n in positional]
    num = literal(keywords["num"]) if "num" in keywords else (args[2] if len(args) > 2 else 50)
    if any(number(a) is None for a in args) or not args:
        return None
    short = qualified.rsplit(".", 1)[-1]
    try:
        if short in ("linspace", "logspace", "geomspace"):
            if len(args) < 2 or not isinstance(num, int) or not 1 <= num <= _MAX_GENERATED:
                return None
            a, b = float(args[0]), float(args[1])
            if short == "geomspace":
                if a <= 0 or b <= 0:
                    return None
                a, b = math.log10(a), math.log10(b)
            points = [a + (b - a) * i / (num - 1) if num > 1 else a for i in range(num)]
            if short in ("logspace", "geomspace"):
                points = [10.0**p for p in points]
            return [float(f"{p:.6g}") for p in points]
        if short in ("arange", "range"):
            start, stop, step = (
                (0, args[0], 1) if len(args) == 1 else (args[0], args[1], args[2] if len(args) > 2 else 1)
            )
            if step == 0 or (stop - start) / step > _MAX_GENERATED:
                return None
            values = []
            current = start
            while (step > 0 and current < stop) or (step < 0 and current > stop):
                values.append(float(f"{current:.6g}") if isinstance(current, float) else current)
                current += step
            return values
    except (ArithmeticError, ValueError, TypeError):
        return None
    return None


def _indexed_by(call: Node) -> Node | None:
    """The collection a random call indexes (`values[random.randint(...)]`, arithmetic allowed)."""
    node = call
    while node.parent is not None and node.parent.type in ("binary_operator", "parenthesized_expression"):
        node = node.parent
    parent = node.parent
    if parent is not None and parent.type == "subscript" and parent.child_by_field_name("subscript") == node:
        return parent.child_by_field_name("value")
    return None


def sampled_binding(call: Node) -> tuple[str | None, Node] | None:
    """What a sampled value is bound to: (name, statement or pair)."""
    node = call
    for _ in range(6):
        parent = node.parent
        if parent is None:
            return None
        if parent.type == "assignment" and parent.child_by_field_name("right") == node:
            return target_name(parent.child_by_field_name("left")), parent
        if parent.type == "pair" and parent.child_by_field_name("value") == node:
            return name_from_context(node), parent
        if parent.type == "keyword_argument":
            return text(parent.child_by_field_name("name")), parent
        if parent.type == "subscript" and parent.child_by_field_name("value") == node:
            return None  # `draw()[0]`: the draw is indexed, not an index
        if parent.type not in (
            "subscript",  # `values[random.randint(0, len(values) - 1)]`: a draw from values
            "binary_operator",
            "parenthesized_expression",
            "argument_list",
            "call",
            "unary_operator",
        ):
            return None
        node = parent
    return None


def sampled_space(py: PyFile, call: Node) -> SearchSpace:
    qualified = py.qualify(child_field(call, "function"))
    short = qualified.rsplit(".", 1)[-1]
    positional, _ = call_arguments(call)
    table = _indexed_by(call)
    if table is not None:  # `values[random.randint(0, len(values) - 1)]`: one of the values
        return SearchSpace(
            type=SpaceType.CATEGORICAL, choices=choice_items(py.resolve(table)), distribution=f"{qualified} index"
        )
    if short in ("choice", "sample"):
        return SearchSpace(
            type=SpaceType.CATEGORICAL,
            choices=choice_items(py.resolve(positional[0])) if positional else None,
            distribution=qualified,
        )
    nums = [number(literal(py.resolve(n))) for n in positional[:2]]
    low = nums[0] if nums else None
    high = nums[1] if len(nums) > 1 else None
    parent = call.parent
    exponent = (
        parent is not None and parent.type == "binary_operator" and text(parent.child_by_field_name("operator")) == "**"
    )
    if exponent and parent is not None:
        base = number(literal(parent.child_by_field_name("left")))
        if base is not None and low is not None and high is not None:
            low, high = power(base, low), power(base, high)
    kind = SpaceType.INT if short in ("randint", "integers", "randrange") else SpaceType.FLOAT
    return SearchSpace(type=kind, low=low, high=high, log=exponent, distribution=qualified)
