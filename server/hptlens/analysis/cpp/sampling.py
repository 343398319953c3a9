"""Random sampling in C++: `<random>` distributions as search spaces, what a sampled value is bound to
(`double lr = U(rng)`, `cfg.lr = ...`, `.lr(...)`), and what a wrapper makes of it (`std::pow(10, U(rng))`)."""

from __future__ import annotations

import math
import re

from tree_sitter import Node

from hptlens.analysis.catalog.cpp import CPP_DISTRIBUTIONS
from hptlens.analysis.cpp.file import CppFile, plain_name, positional, reference_name, statement_of
from hptlens.analysis.cpp.literals import literal
from hptlens.analysis.neutral import child_field, number, power, scalar, text
from hptlens.report import SearchSpace, SpaceType

_CASTS = re.compile(r"(cast|^(float|double|int|int64_t|int32_t|size_t|long|unsigned))(<[^>]*>)?$")
_WRAPPERS = re.compile(r"(pow|exp|exp2|round|lround|floor|ceil|cast)(<[^>]*>)?$")


def bound_name(node: Node) -> str | None:
    """The name a value is given: `double lr = v`, `cfg.lr = v`, `.lr(v)`, `{.lr = v}`, through casts."""
    current = node
    for _ in range(4):
        parent = current.parent
        if parent is None:
            return None
        if parent.type == "init_declarator" and parent.child_by_field_name("value") == current:
            return reference_name(child_field(parent, "declarator")) or None
        if parent.type == "assignment_expression" and parent.child_by_field_name("right") == current:
            left = parent.child_by_field_name("left")
            if left is not None and left.type == "field_expression":
                return text(left.child_by_field_name("field"))
            if left is not None and left.type == "subscript_expression":
                indices = left.child_by_field_name("indices")
                key = literal(indices.named_children[0]) if indices is not None and indices.named_child_count else None
                return key if isinstance(key, str) else None
            return text(left) if left is not None and left.type == "identifier" else None
        if parent.type == "initializer_pair":
            return text(parent.child_by_field_name("designator")).lstrip(".") or None
        if parent.type == "argument_list" and parent.parent is not None:
            function = parent.parent.child_by_field_name("function")
            if function is not None and function.type == "field_expression" and len(positional(parent.parent)) == 1:
                return setter_name(text(function.child_by_field_name("field")))
            if function is None or not _CASTS.search(text(function)):
                return None
            current = parent.parent  # static_cast<int>(v), float(v)
            continue
        if parent.type not in ("cast_expression", "parenthesized_expression"):
            return None
        current = parent
    return None


def setter_name(method: str) -> str:
    """`set_learning_rate` -> learning_rate, `setGamma` -> gamma, `lr` (a builder method) -> lr."""
    match = re.match(r"set_?([A-Za-z]\w*)$", method)
    if match is None or not (method.startswith("set_") or method[3:4].isupper()):
        return method
    name = match.group(1)
    return name if name.isupper() else name[:1].lower() + name[1:]  # setC -> C, setGamma -> gamma


def distribution(written: str) -> str | None:
    """The space type of a `<random>` distribution type name, else None."""
    return CPP_DISTRIBUTIONS.get(plain_name(written).rsplit("::", 1)[-1])


def distribution_space(written: str, arguments: Node | None) -> SearchSpace:
    kind = distribution(written) or "float"
    args = [literal(a) for a in arguments.named_children] if arguments is not None else []
    name = "std::" + plain_name(written).rsplit("::", 1)[-1]
    if kind == "bool":
        return SearchSpace(type=SpaceType.CATEGORICAL, choices=[False, True], distribution=name)
    if kind in ("normal", "index"):
        return SearchSpace(type=SpaceType.FLOAT if kind == "normal" else SpaceType.INT, distribution=name)
    low = number(args[0]) if args else (0.0 if kind == "float" else None)
    high = number(args[1]) if len(args) > 1 else (1.0 if kind == "float" and not args else None)
    return SearchSpace(type=SpaceType.INT if kind == "int" else SpaceType.FLOAT, low=low, high=high, distribution=name)


def binding(call: Node) -> tuple[str, Node, Node | None] | None:
    """What a sampled value is bound to: (name, statement, the wrapper it went through:
    `std::pow(10, ...)`, `choices[...]`), or None when it is compared or discarded."""
    node, wrapper = call, None
    for _ in range(8):
        parent = node.parent
        if parent is None:
            return None
        if parent.type == "subscript_argument_list" and parent.parent is not None:
            wrapper, node = parent.parent, parent.parent
            continue
        if (
            parent.type == "argument_list"
            and parent.parent is not None
            and _WRAPPERS.search(text(parent.parent.child_by_field_name("function")))
        ):
            wrapper = wrapper or parent.parent
            node = parent.parent
            continue
        if parent.type in ("init_declarator", "assignment_expression", "initializer_pair", "argument_list"):
            name = bound_name(node)
            return (name, statement_of(node), wrapper) if name else None
        if parent.type not in ("binary_expression", "parenthesized_expression", "cast_expression", "unary_expression"):
            return None
        node = parent
    return None


def transformed(cpp: CppFile, space: SearchSpace, call: Node, wrapper: Node | None) -> SearchSpace:
    """Space seen through its wrapper: `std::pow(10, U(-5, -2))` is log-uniform in [1e-5, 1e-2];
    `sizes[pick(rng)]` picks among the listed sizes."""
    if wrapper is None:
        return space
    if wrapper.type == "subscript_expression":
        value, _ = cpp.resolve(child_field(wrapper, "argument"))
        items = literal(value)
        choices = (
            [scalar(v) for v in items]
            if isinstance(items, list) and not any(isinstance(v, (list, dict)) for v in items)
            else None
        )
        return SearchSpace(type=SpaceType.CATEGORICAL, choices=choices, distribution=space.distribution)
    function = text(wrapper.child_by_field_name("function"))
    args = positional(wrapper)
    base = (
        number(literal(args[0]))
        if function.endswith("pow") and len(args) == 2
        else 2.0
        if function.endswith("exp2")
        else math.e
        if function.endswith("exp")
        else None
    )
    if base and space.low is not None and space.high is not None and max(abs(space.low), abs(space.high)) <= 400:
        low, high = (power(base, bound) for bound in (space.low, space.high))  # None: pow(-8, 0.5), overflow
        if low is None or high is None:
            return space.model_copy(update={"low": None, "high": None, "log": True})
        low, high = float(f"{low:.12g}"), float(f"{high:.12g}")  # exp(log(x)) noise
        return space.model_copy(update={"low": low, "high": high, "log": True})
    return space
