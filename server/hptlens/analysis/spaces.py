"""Reading search spaces out of syntax trees: literal evaluation and space specs.

Only literals are evaluated (numbers, strings, containers, arithmetic on numbers);
analysed code is never imported or run.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tree_sitter import Node

from hptlens.analysis.catalog.model import Shape, SpaceSpec
from hptlens.analysis.catalog.vocabulary import KEYWORD_ROLES
from hptlens.analysis.neutral import MAX_INT_BITS, NOT_LITERAL, number, scalar, text
from hptlens.report import JsonScalar, SearchSpace, SpaceType

_LITERAL_TYPES = frozenset(
    "integer float string concatenated_string true false none list tuple dict set unary_operator "
    "parenthesized_expression".split()
)
_MAX_LITERAL_TEXT = 20_000
_MAX_CHOICE_TEXT = 40


_MAX_DEPTH = 40


def literal(node: Node | None, depth: int = 0) -> Any:
    """The value of a literal expression, or NOT_LITERAL (also past a nesting depth, so deeply
    nested analysed code cannot exhaust the stack)."""
    if node is None or depth > _MAX_DEPTH:
        return NOT_LITERAL
    kind = node.type
    if kind in _LITERAL_TYPES:
        source = text(node)
        quick = _plain_literal(kind, source) if kind not in _SEQUENCES else _plain_sequence(node, kind)
        if quick is not NOT_LITERAL:
            return quick
        if len(source) <= _MAX_LITERAL_TEXT:
            try:
                return ast.literal_eval(source.strip())
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                pass
        if kind in ("list", "tuple", "set"):
            items = [literal(child, depth + 1) for child in node.named_children if child.type != "comment"]
            return NOT_LITERAL if any(v is NOT_LITERAL for v in items) else items
        if kind == "parenthesized_expression" and node.named_child_count == 1:
            return literal(node.named_children[0], depth + 1)
        if kind == "unary_operator":
            value = literal(node.child_by_field_name("argument"), depth + 1)
            op = text(node.child_by_field_name("operator"))
            if isinstance(value, (int, float)) and op in ("-", "+"):
                return -value if op == "-" else value
        return NOT_LITERAL
    if kind == "binary_operator":
        return _arithmetic(node, depth)
    return NOT_LITERAL


_SEQUENCES = {"list": list, "tuple": tuple}


def _plain_sequence(node: Node, kind: str) -> Any:
    """`[1e-3, 3e-4]`, `("a", "b")`: a list or tuple of plain literals, item by item (the parser
    `ast.literal_eval` runs costs more than the items); NOT_LITERAL for anything else."""
    items = []
    for child in node.named_children:
        if child.type == "comment":
            continue
        value = _plain_literal(child.type, text(child))
        if value is NOT_LITERAL:
            return NOT_LITERAL
        items.append(value)
    return _SEQUENCES[kind](items)


def _plain_literal(kind: str, source: str) -> Any:
    """Keys and numbers as most code writes them, without the parser `ast.literal_eval` runs
    (the commonest literals, and it costs): a quoted string with no prefix, escape or inner
    quote, a decimal integer, a plain float; anything else is NOT_LITERAL, for the full path."""
    if kind == "string":
        quote = source[:1]
        if (
            len(source) >= 2
            and quote in ("'", '"')
            and source[-1] == quote
            and quote not in source[1:-1]
            and "\\" not in source
            and "\n" not in source
            and "\r" not in source
        ):
            return source[1:-1]
    elif kind == "integer" and len(source) < 19 and source.isascii() and source.isdigit() and source[0] != "0":
        return int(source)
    elif kind == "float" and len(source) < 40 and _PLAIN_FLOAT.fullmatch(source):
        return float(source)
    return NOT_LITERAL


_PLAIN_FLOAT = re.compile(r"\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+")


def _arithmetic(node: Node, depth: int) -> Any:
    left = literal(node.child_by_field_name("left"), depth + 1)
    right = literal(node.child_by_field_name("right"), depth + 1)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)):
        return NOT_LITERAL
    op = text(node.child_by_field_name("operator"))
    value = _operate(op, left, right)
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        return NOT_LITERAL  # kept as its source text by the callers
    return value


def _operate(op: str, left: float, right: float) -> Any:
    try:
        if op == "**":
            # Bounded so that `10 ** 10 ** 10` in analysed code cannot hang the analysis.
            if abs(right) > 400 or abs(left) > 1e6:
                return NOT_LITERAL
            return left**right
        if op == "*":
            return left * right
        if op == "/":
            return left / right
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "//":
            return left // right
    except (ArithmeticError, ValueError, TypeError):
        return NOT_LITERAL
    return NOT_LITERAL


def choice_items(node: Node | None, value: Any = NOT_LITERAL) -> list[JsonScalar] | None:
    """Choices of a list/tuple node: literal scalars as values, anything else as short source text."""
    if value is NOT_LITERAL:
        value = literal(node)
    if isinstance(value, (list, tuple, set)):
        items = sorted(value, key=repr) if isinstance(value, set) else list(value)
        return [scalar(v) if not isinstance(v, (list, tuple, dict)) else _short(repr(v)) for v in items]
    if node is not None and node.type in ("list", "tuple", "set"):
        out: list[JsonScalar] = []
        for child in node.named_children:
            if child.type in ("comment", "line_continuation"):
                continue
            v = literal(child)
            out.append(
                scalar(v) if v is not NOT_LITERAL and not isinstance(v, (list, tuple, dict)) else _short(text(child))
            )
        return out
    return None


def _short(source: str) -> str:
    source = " ".join(source.split())
    return source if len(source) <= _MAX_CHOICE_TEXT else source[: _MAX_CHOICE_TEXT - 3] + "..."


def call_arguments(call: Node) -> tuple[list[Node], dict[str, Node]]:
    args = call.child_by_field_name("arguments")
    positional: list[Node] = []
    keywords: dict[str, Node] = {}
    if args is None or args.type != "argument_list":
        return positional, keywords
    for child in args.named_children:
        if child.type == "keyword_argument":
            name = child.child_by_field_name("name")
            value = child.child_by_field_name("value")
            if name is not None and value is not None:
                keywords[text(name)] = value
        elif child.type not in ("comment", "list_splat", "dictionary_splat"):
            positional.append(child)
    return positional, keywords


Resolver = Callable[[Node], Node]
"""Maps an identifier to the expression last assigned to it (or returns the node)."""


def space_from_call(
    spec: SpaceSpec, call: Node, resolve: Resolver, qualify: Callable[[Node], str]
) -> tuple[str | None, SearchSpace]:
    """Read a space-defining call with its spec; returns (name or None, space)."""
    positional, keywords = call_arguments(call)
    nodes: dict[str, Node] = {}
    for role, node in zip(spec.roles, positional):
        nodes[role] = node
    for key, node in keywords.items():
        keyword_role = KEYWORD_ROLES.get(key)
        if keyword_role and keyword_role not in nodes:
            nodes[keyword_role] = node
    values = {role: literal(resolve(node)) for role, node in nodes.items() if role != "sampler"}
    name = values.get("name")
    space = _build_space(spec, values, nodes, resolve, qualify, call)
    return (name if isinstance(name, str) else None), space


def _build_space(
    spec: SpaceSpec,
    values: dict[str, Any],
    nodes: dict[str, Node],
    resolve: Resolver,
    qualify: Callable[[Node], str],
    call: Node,
) -> SearchSpace:
    kind: str = spec.kind
    space = SearchSpace(distribution=qualify(call).rsplit(".", 1)[-1] or None)
    if kind == "sampler":
        sampler = qualify(nodes["sampler"]) if "sampler" in nodes else ""
        kind = {"randint": "int", "randrange": "int", "choice": "categorical"}.get(sampler.rsplit(".", 1)[-1], "float")
        space.distribution = sampler or None
        if kind == "categorical":
            values["choices"] = values.pop("low", NOT_LITERAL)
            if "low" in nodes:
                nodes["choices"] = nodes["low"]
    if kind == "auto":
        bounds = values.get("bounds")
        kind = "float"
        if isinstance(bounds, list) or (nodes.get("bounds") is not None and nodes["bounds"].type == "list"):
            kind, values["choices"] = "categorical", bounds
            nodes["choices"] = nodes["bounds"]
    if kind in ("float", "int", "normal", "grid") and "bounds" in values:
        _apply_bounds(values, values.pop("bounds"))
    if kind in ("float", "int", "normal"):
        space.type = SpaceType.INT if kind == "int" else SpaceType.FLOAT
        low, high = values.get("low"), values.get("high")
        if "explog" in spec.flags:
            low, high = _exp_bound(nodes.get("low"), low, resolve), _exp_bound(nodes.get("high"), high, resolve)
        space.low, space.high = number(low), number(high)
        if space.type == SpaceType.INT and space.high is not None and space.low is None and "low" not in nodes:
            space.low = 0.0
        space.step = number(values.get("step"))
        if kind == "normal":
            mu, sigma = number(values.get("mu")), number(values.get("sigma"))
            space.distribution = (
                f"normal(mu={mu:g}, sigma={sigma:g})" if mu is not None and sigma is not None else "normal"
            )
            space.low = space.high = None
        prior = values.get("prior")
        space.log = (
            bool({"log", "explog"} & spec.flags)
            or values.get("log") is True
            or (isinstance(prior, str) and "log" in prior.lower())
        )
        if isinstance(values.get("log"), str):
            space.log = "log" in str(values["log"]).lower()
    elif kind in ("categorical", "grid"):
        if "bool" in spec.flags:
            items: list[JsonScalar] | None = [True, False]
        else:
            node = nodes.get("choices")
            items = choice_items(resolve(node) if node is not None else None, values.get("choices", NOT_LITERAL))
        if kind == "grid" and items is None and number(values.get("low")) is not None:
            space.low, space.high = number(values.get("low")), number(values.get("high"))
            space.log = "log" in spec.flags
        if kind == "grid":
            space.type, space.values = SpaceType.GRID, items
        else:
            space.type, space.choices = SpaceType.CATEGORICAL, items
    return space


def _apply_bounds(values: dict[str, Any], bounds: Any) -> None:
    if isinstance(bounds, (list, tuple)) and len(bounds) >= 2:
        values["low"], values["high"] = bounds[0], bounds[1]
        if len(bounds) >= 3 and isinstance(bounds[2], str):
            values["prior"] = bounds[2]


def _exp_bound(node: Node | None, value: Any, resolve: Resolver) -> Any:
    """hyperopt's log-domain bounds: np.log(1e-5) -> 1e-5, -11.5 -> exp(-11.5)."""
    if node is None:
        return value
    node = resolve(node)
    if node.type == "call":
        func = text(node.child_by_field_name("function"))
        positional, _ = call_arguments(node)
        if func.endswith("log") and len(positional) == 1:
            inner = literal(resolve(positional[0]))
            if number(inner) is not None:
                return inner
    v = number(value)
    return math.exp(v) if v is not None and v < 700 else None


# ---- dict- and list-shaped spaces -------------------------------------------------


@dataclass
class Dimension:
    name: str | None
    space: SearchSpace
    node: Node


def dict_pairs(node: Node) -> Iterator[tuple[str, Node, Node]]:
    """(key, value node, pair node) of a dict literal with string keys, or dict(k=v) call."""
    if node.type == "dictionary":
        for pair in node.named_children:
            if pair.type != "pair":
                continue
            key = literal(pair.child_by_field_name("key"))
            value = pair.child_by_field_name("value")
            if isinstance(key, str) and value is not None:
                yield key, value, pair
    elif node.type == "call" and text(node.child_by_field_name("function")) == "dict":
        _, keywords = call_arguments(node)
        for key, value in keywords.items():
            assert value.parent is not None
            yield key, value, value.parent


def dimensions(
    shape: Shape, node: Node, resolve: Resolver, is_space_call: Callable[[Node], bool], qualify: Callable[[Node], str]
) -> list[Dimension]:
    """The dimensions of a dict/list-shaped space. Values that are catalog space calls are
    left out (they are findings of their own)."""
    node = resolve(node)
    whole = _WHOLE_SHAPES.get(shape)
    if whole is not None:
        return whole(node, resolve)
    if node.type == "list" and shape in (Shape.GRID, Shape.DOMAIN):
        dims: list[Dimension] = []
        items = [resolve(item) for item in node.named_children if item.type != "comment"]
        for item in items:
            if item.type in ("dictionary", "call"):
                dims += dimensions(shape, item, resolve, is_space_call, qualify)
        if not dims and shape == Shape.DOMAIN and items and all(i.type in ("tuple", "list") for i in items):
            # skopt's positional dimensions, [(low, high), [choices], ...]: unnamed here, in order
            dims = [
                Dimension(None, _pair_space(shape, i, qualify, resolve) or SearchSpace(type=SpaceType.UNKNOWN), i)
                for i in items
            ]
        return dims
    dims = []
    for key, value, pair in dict_pairs(node):
        value = resolve(value)
        if value.type == "call" and is_space_call(value):
            continue
        space = _pair_space(shape, value, qualify, resolve)
        if space is not None:
            dims.append(Dimension(key, space, pair))
    return dims


def _pair_space(shape: Shape, value: Node, qualify: Callable[[Node], str], resolve: Resolver) -> SearchSpace | None:
    lit = literal(value)
    if value.type == "call":
        return _distribution_space(value, qualify, resolve)
    if value.type == "lambda":
        return SearchSpace(type=SpaceType.UNKNOWN, distribution="sampled by a function")
    if value.type == "dictionary":
        return None
    if shape == Shape.GRID:
        items = choice_items(value, lit)
        return SearchSpace(type=SpaceType.GRID, values=items) if items is not None else None
    if shape == Shape.MUTATIONS:
        items = choice_items(value, lit)
        return SearchSpace(type=SpaceType.CATEGORICAL, choices=items) if items is not None else None
    if shape in (Shape.DOMAIN, Shape.BOUNDS):
        if value.type == "list" and shape == Shape.DOMAIN:
            return SearchSpace(type=SpaceType.CATEGORICAL, choices=choice_items(value, lit))
        if isinstance(lit, (list, tuple)) and len(lit) >= 2 and number(lit[0]) is not None:
            is_int = all(isinstance(v, int) and not isinstance(v, bool) for v in lit[:2])
            log = len(lit) >= 3 and isinstance(lit[2], str) and "log" in lit[2].lower()
            return SearchSpace(
                type=SpaceType.INT if is_int else SpaceType.FLOAT, low=number(lit[0]), high=number(lit[1]), log=log
            )
        if value.type in ("tuple", "list"):
            return SearchSpace(type=SpaceType.UNKNOWN)
    return None


_SCIPY_DISTRIBUTIONS = {
    "loguniform": ("float", True),
    "reciprocal": ("float", True),
    "uniform": ("float", False),
    "randint": ("int", False),
    "norm": ("normal", False),
    "expon": ("float", False),
}


def _distribution_space(call: Node, qualify: Callable[[Node], str], resolve: Resolver) -> SearchSpace | None:
    """scipy.stats distributions in sklearn's param_distributions, and other unknown calls."""
    name = qualify(call)
    short = name.rsplit(".", 1)[-1]
    if not name.startswith("scipy.stats") or short not in _SCIPY_DISTRIBUTIONS:
        return SearchSpace(type=SpaceType.UNKNOWN, distribution=_short(text(call)))
    kind, log = _SCIPY_DISTRIBUTIONS[short]
    positional, _ = call_arguments(call)
    nums = [number(literal(resolve(n))) for n in positional[:2]]
    low = nums[0] if nums else None
    high = nums[1] if len(nums) > 1 else None
    if short in ("uniform", "expon") and low is not None and high is not None:
        high = low + high  # scipy's (loc, scale)
    if kind == "normal":
        return SearchSpace(type=SpaceType.FLOAT, distribution=f"scipy.stats.{short}")
    return SearchSpace(
        type=SpaceType.INT if kind == "int" else SpaceType.FLOAT,
        low=low,
        high=high,
        log=log,
        distribution=f"scipy.stats.{short}",
    )


def _box(node: Node) -> Dimension:
    """A BoTorch-style bounds matrix [[lows...], [highs...]]: the unnamed box the optimiser searches."""
    inner = node
    if node.type == "call":
        positional, _ = call_arguments(node)
        inner = positional[0] if positional else node
    value = literal(inner)
    space = SearchSpace(type=SpaceType.FLOAT, distribution="box bounds")
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, list) for v in value):
        space.distribution = f"box bounds, {len(value[0])} dimensions: low {value[0]}, high {value[1]}"
    return Dimension(None, space, node)


def _wandb_dimensions(node: Node, resolve: Resolver) -> list[Dimension]:
    for key, value, _ in dict_pairs(node):
        if key == "parameters":
            return _wandb_parameters(resolve(value), resolve)
    return []


def _wandb_parameters(node: Node, resolve: Resolver) -> list[Dimension]:
    dims: list[Dimension] = []
    for name, value, pair in dict_pairs(node):
        value = resolve(value)
        fields = {k: (v, literal(resolve(v))) for k, v, _ in dict_pairs(value)}
        if "parameters" in fields:
            dims += _wandb_parameters(resolve(fields["parameters"][0]), resolve)
            continue
        distribution = fields.get("distribution", (None, None))[1]
        if "values" in fields:
            space = SearchSpace(type=SpaceType.CATEGORICAL, choices=choice_items(*fields["values"]))
        elif "min" in fields or "max" in fields:
            low, high = fields.get("min", (None, None))[1], fields.get("max", (None, None))[1]
            is_int = isinstance(low, int) and isinstance(high, int) and not isinstance(low, bool)
            if isinstance(distribution, str) and "int" in distribution:
                is_int = True
            log = isinstance(distribution, str) and "log" in distribution
            low_log, high_log = number(low), number(high)
            if distribution == "log_uniform" and low_log is not None and high_log is not None:
                low, high = math.exp(low_log), math.exp(high_log)  # W&B's log_uniform takes natural logs
            space = SearchSpace(
                type=SpaceType.INT if is_int else SpaceType.FLOAT, low=number(low), high=number(high), log=log
            )
        elif "mu" in fields or "sigma" in fields:
            space = SearchSpace(type=SpaceType.FLOAT, distribution=str(distribution or "normal"))
        else:
            continue  # {"value": x} is a constant, not a searched dimension
        if isinstance(distribution, str):
            space.distribution = distribution
        dims.append(Dimension(name, space, pair))
    return dims


def _ax_dimensions(node: Node, resolve: Resolver) -> list[Dimension]:
    dims: list[Dimension] = []
    if node.type != "list":
        return dims
    for item in node.named_children:
        item = resolve(item)
        fields = {k: (v, literal(resolve(v))) for k, v, _ in dict_pairs(item)}
        name = fields.get("name", (None, None))[1]
        kind = fields.get("type", (None, None))[1]
        if not isinstance(name, str) or kind == "fixed":
            continue
        if kind == "choice" or "values" in fields:
            space = SearchSpace(
                type=SpaceType.CATEGORICAL, choices=choice_items(*fields["values"]) if "values" in fields else None
            )
        else:
            bounds = fields.get("bounds", (None, None))[1]
            low = high = None
            if isinstance(bounds, (list, tuple)) and len(bounds) == 2:
                low, high = bounds
            is_int = fields.get("value_type", (None, None))[1] == "int" or (
                isinstance(low, int) and isinstance(high, int) and not isinstance(low, bool)
            )
            space = SearchSpace(
                type=SpaceType.INT if is_int else SpaceType.FLOAT,
                low=number(low),
                high=number(high),
                log=fields.get("log_scale", (None, False))[1] is True,
            )
        dims.append(Dimension(name, space, item))
    return dims


def _gene_dimensions(node: Node, resolve: Resolver) -> list[Dimension]:
    dims: list[Dimension] = []
    if node.type != "list":
        return dims
    for item in node.named_children:
        item = resolve(item)
        if item.type == "comment":
            continue
        lit = literal(item)
        if isinstance(lit, dict):
            space = SearchSpace(
                type=SpaceType.FLOAT,
                low=number(lit.get("low")),
                high=number(lit.get("high")),
                step=number(lit.get("step")),
            )
        elif isinstance(lit, (list, tuple)):
            space = SearchSpace(type=SpaceType.CATEGORICAL, choices=choice_items(item, lit))
        else:
            space = SearchSpace(type=SpaceType.UNKNOWN, distribution=_short(text(item)))
        dims.append(Dimension(None, space, item))
    return dims


_WHOLE_SHAPES: dict[Shape, Callable[[Node, Resolver], list[Dimension]]] = {
    Shape.AX: _ax_dimensions,
    Shape.GENES: _gene_dimensions,
    Shape.WANDB: _wandb_dimensions,
    Shape.BOX: lambda node, resolve: [_box(node)],
}
"""Shapes read as a whole; the others are read entry by entry (`_pair_space`)."""
PYTHON_SHAPES = frozenset({*_WHOLE_SHAPES, Shape.GRID, Shape.DOMAIN, Shape.MUTATIONS, Shape.BOUNDS})
"""The shapes Python space arguments are read in."""
