"""Hand-written grids whose values are not beside the loop that walks them, in Python.

Shapes real code writes that the loop detector (loops.py) cannot see, because the values sit in
a table, in another module or at the call site of the function holding the loop:
- the combinations of a whole grid table: `for combo in itertools.product(*param_grid.values())`,
  the table imported or written elsewhere;
- a hyperparameter's values walked by index or through a table: `for i in
  range(len(agent_parameters["tau"]))` using `agent_parameters["tau"][i]`, or `for tau in
  agent_parameters["tau"]`, the values found in the file's dict or at the function's call sites;
- values handed to the project's own search function: `run("cifar10", lrs)` after
  `from gridsearch import run`, `gridsearch(parameters=grid, trials=20)`.
One value is a fixed setting: a table or list whose values are all single is not a grid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from tree_sitter import Node

from hptlens.analysis.apis import match_call
from hptlens.analysis.catalog.vocabulary import VALUE_GENERATORS
from hptlens.analysis.neutral import (
    NOT_HYPERPARAMETERS,
    PLURAL_SUFFIXES,
    Hit,
    Span,
    enclosing,
    is_hyperparameter,
    named_descendants,
    plural_hyperparameter,
    statement_of,
    text,
)
from hptlens.analysis.pyfile import PyFile
from hptlens.analysis.spaces import call_arguments, choice_items, dict_pairs, literal
from hptlens.analysis.tables import candidate_space, names_hyperparameter
from hptlens.analysis.values import generated_values
from hptlens.report import HAND_WRITTEN, Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType

_GRID_NAME = re.compile(r"grid|space|search|sweep|hyper|hparam|param|combination", re.IGNORECASE)
_SEARCH_CALLEE = re.compile(
    r"gridsearch|randomsearch"
    r"|(?:^|[._])(?:grid|random|param\w*|hyper\w*)?_?(?:search|sweep|tune|tuning|tuner)(?:$|[._])",
    re.IGNORECASE,
)
# searches over other things than hyperparameters: sequences, graphs, code, text
_NOT_SEARCH_CALLEE = re.compile(
    r"fine_?tun|research|beam|binary|line_?search|tree_?search|path|text|file", re.IGNORECASE
)
_WRAPPERS = frozenset({"list", "tuple", "sorted", "enumerate", "tqdm", "trange", "tqdm.tqdm", "tqdm.auto.tqdm"})
_ARRAYS = frozenset({"numpy.array", "numpy.asarray", "torch.tensor", "list", "tuple", "sorted", "set"})
_FUNCTION = frozenset({"function_definition"})
_STATEMENTS = frozenset({"assignment", "expression_statement"})
_SCOPES = frozenset({"block", "module", "function_definition"})
_COLLECTION_SUFFIXES = (*PLURAL_SUFFIXES, "_range", "_ranges", "_space", "_bounds")

Values = tuple[list[Any] | None, int]
"""A collection's values when they are literals, and how many distinct values it holds."""


def detect_grids(py: PyFile, found: Iterable[Hit]) -> list[Hit]:
    """Grids of the shapes above; loops that `found` already reports are left to it."""
    taken = {hit.node.id for hit in found if not isinstance(hit.node, Span)}
    hits: list[Hit] = []
    products = b"product" in py.source  # a grid's combinations come from itertools.product, however imported
    for loop in py.candidates("for"):
        if loop.type == "for_statement" and loop.id not in taken:
            combined = _combinations(py, loop) if products else []
            hits += combined or _walked_values(py, loop)
    return hits + _table_products(py, taken) + _search_calls(py)


# ---- combinations of a grid table ---------------------------------------------------------------


def _combinations(py: PyFile, loop: Node) -> list[Hit]:
    iterable, body = loop.child_by_field_name("right"), loop.child_by_field_name("body")
    if iterable is None or body is None:
        return []
    combos = _unwrapped(py, py.resolve(iterable))
    spread = _spread_argument(py, combos)
    if spread is None:
        return []
    table = _table_of(spread)
    resolved = py.resolve(table)
    if resolved.type == "dictionary":
        hps = [
            Hyperparameter(name=key, space=SearchSpace(type=SpaceType.GRID, values=values))
            for key, value, _ in dict_pairs(resolved)
            if names_hyperparameter(key) and key not in NOT_HYPERPARAMETERS
            for values, count in [_values(py, value)]
            if count >= 2
        ]
        if not hps:
            return []
    elif resolved.type in ("identifier", "attribute") and _GRID_NAME.search(text(table)):
        hps = []  # an imported or passed-in grid: its keys are written elsewhere
    else:
        return []
    target = loop.child_by_field_name("left")
    if target is None or not any(name in text(body) for name in re.findall(r"\w+", text(target))):
        return []
    hits = [_hit(FindingKind.HAND_LOOP, loop, f"hand-written grid over the combinations of {text(table)}", hps)]
    statement = iterable.parent if iterable is not combos else None
    definition = _statement(combos) if combos is not iterable else None
    if definition is not None and statement is not definition:
        hits.append(_hit(FindingKind.SEARCH_SPACE, definition, "hand-written grid combinations", hps))
    return hits


def _spread_argument(py: PyFile, call: Node) -> Node | None:
    """X in `itertools.product(*X)`, the one argument it is given."""
    function = call.child_by_field_name("function") if call.type == "call" else None
    if function is None or py.qualify(function) != "itertools.product":
        return None
    arguments = call.child_by_field_name("arguments")
    given = [c for c in arguments.named_children if c.type != "comment"] if arguments is not None else []
    if len(given) != 1 or given[0].type != "list_splat" or not given[0].named_children:
        return None
    return given[0].named_children[0]


def _table_of(spread: Node) -> Node:
    """`grid.values()` -> `grid`; anything else is the table itself."""
    function = spread.child_by_field_name("function") if spread.type == "call" else None
    if function is not None and function.type == "attribute" and text(function).endswith(".values"):
        return function.child_by_field_name("object") or spread
    return spread


def _table_products(py: PyFile, taken: set[int]) -> list[Hit]:
    """`product(params["lr"], params["gamma"])`, also through variables and nested products:
    the combinations of value lists taken from a table by their hyperparameters' names."""
    hits: list[Hit] = []
    for name in sorted(n for n, q in py.aliases.items() if q == "itertools.product"):
        for call in py.plain_calls.get(name, []):
            loop = call.parent
            if loop is not None and loop.type in ("for_statement", "for_in_clause") and loop.id in taken:
                continue
            dims: list[tuple[str, Node | None]] = []
            _product_dimensions(py, call, dims, 0)
            keys = [key for key, _ in dims]
            if len(set(keys)) < 2 or not any(names_hyperparameter(k) for k in keys):
                continue
            hps = [Hyperparameter(name=k, space=SearchSpace(type=SpaceType.GRID)) for k in dict.fromkeys(keys)]
            hits.append(
                _hit(FindingKind.HAND_LOOP, _statement(call) or call, f"hand-written grid over {', '.join(keys)}", hps)
            )
            for definition in dict.fromkeys(d for _, d in dims if d is not None):
                own = [h for h in hps if (h.name, definition) in dims]
                hits.append(_hit(FindingKind.SEARCH_SPACE, definition, "hand-written grid values", own))
    return hits


def _product_dimensions(py: PyFile, call: Node, dims: list[tuple[str, Node | None]], depth: int) -> None:
    """(key, defining statement) of each `table["key"]` a product combines, however nested."""
    arguments = call.child_by_field_name("arguments")
    for argument in arguments.named_children if arguments is not None and depth < 3 else []:
        node = argument.named_children[0] if argument.type == "list_splat" and argument.named_children else argument
        resolved = py.resolve(node)
        definition = _statement(resolved) if resolved is not node else None
        if resolved.type == "subscript":
            key = literal(resolved.child_by_field_name("subscript"))
            if isinstance(key, str):
                dims.append((key, definition))
        elif resolved.type == "call" and py.qualify(resolved.child_by_field_name("function") or resolved) == (
            "itertools.product"
        ):
            before = len(dims)
            _product_dimensions(py, resolved, dims, depth + 1)
            dims[before:] = [(key, own or definition) for key, own in dims[before:]]


# ---- a hyperparameter's values walked by index or through a table -----------------------------


def _walked_values(py: PyFile, loop: Node) -> list[Hit]:
    target, iterable = loop.child_by_field_name("left"), loop.child_by_field_name("right")
    body = loop.child_by_field_name("body")
    if target is None or iterable is None or body is None or target.type != "identifier":
        return []
    collection = _indexed_collection(py, iterable, text(target), body)
    if collection is None and iterable.type == "subscript":
        collection = iterable
    if collection is None:
        return []
    name = _collection_name(collection)
    if name is None:
        return []
    values, count, definition = _collection_values(py, collection, loop)
    if count < 2:
        return []
    hps = [Hyperparameter(name=name, space=SearchSpace(type=SpaceType.GRID, values=values))]
    hits = [_hit(FindingKind.HAND_LOOP, loop, f"hand-written sweep over {text(collection)}", hps)]
    if definition is not None:
        hits.append(_hit(FindingKind.SEARCH_SPACE, definition, "hand-written grid values", hps))
    return hits


def _indexed_collection(py: PyFile, iterable: Node, index: str, body: Node) -> Node | None:
    """X in `for i in range(len(X))` whose body reads `X[i]`."""
    call = _unwrapped(py, iterable)
    function = call.child_by_field_name("function") if call.type == "call" else None
    if function is None or text(function) != "range":
        return None
    positional, _ = call_arguments(call)
    if len(positional) != 1 or positional[0].type != "call":
        return None
    inner = positional[0]
    measured, _ = call_arguments(inner)
    if text(inner.child_by_field_name("function")) != "len" or len(measured) != 1:
        return None
    collection = measured[0]
    if not re.search(rf"{re.escape(text(collection))}\s*\[\s*{re.escape(index)}\s*\]", text(body)):
        return None
    return collection


def _collection_name(collection: Node) -> str | None:
    """The hyperparameter a collection holds: `params["tau"]` -> tau, `learning_rates` -> learning_rate."""
    if collection.type == "subscript":
        key = literal(collection.child_by_field_name("subscript"))
        return key if isinstance(key, str) and is_hyperparameter(key) else None
    if collection.type not in ("identifier", "attribute"):
        return None
    return plural_hyperparameter(text(collection).rsplit(".", 1)[-1])


def _collection_values(py: PyFile, collection: Node, loop: Node) -> tuple[list[Any] | None, int, Node | None]:
    """The values a collection holds, with their definition: `T["k"]` in T's dict literal, a
    name's assignment, or the argument the enclosing function is called with."""
    holder = collection.child_by_field_name("value") if collection.type == "subscript" else collection
    key = literal(collection.child_by_field_name("subscript")) if collection.type == "subscript" else None
    if holder is None:
        return None, 0, None
    best: tuple[list[Any] | None, int, Node | None] = (None, 0, None)
    for source in _sources(py, holder, loop):
        if key is None:
            values, count = _values(py, source)
            found = (values, count, _statement(source) if source is not holder else None)
        elif source.type == "dictionary":
            pair = next(((v, p) for k, v, p in dict_pairs(source) if k == key), None)
            found = (*_values(py, pair[0]), pair[1]) if pair is not None else (None, 0, None)
        else:
            continue
        if found[1] > best[1]:
            best = found
    return best


def _sources(py: PyFile, holder: Node, loop: Node) -> Iterator[Node]:
    """What `holder` stands for: its assigned value, or each argument its function is called with."""
    resolved = py.resolve(holder)
    if resolved is not holder or holder.type != "identifier":
        yield resolved
        return
    function = enclosing(loop, _FUNCTION)
    position = _parameter_position(function, text(holder)) if function is not None else None
    if function is None or position is None:
        return
    for call in py.plain_calls.get(text(function.child_by_field_name("name")), []):
        positional, keywords = call_arguments(call)
        argument = keywords.get(text(holder)) or (positional[position] if position < len(positional) else None)
        if argument is not None:
            yield py.resolve(argument)


def _parameter_position(function: Node, name: str) -> int | None:
    parameters = function.child_by_field_name("parameters")
    names = [
        text(p.child_by_field_name("name") or p) for p in (parameters.named_children if parameters is not None else [])
    ]
    return names.index(name) if name in names else None


# ---- values handed to the project's own search function --------------------------------------


def _search_calls(py: PyFile) -> list[Hit]:
    names = {n for n, q in py.aliases.items() if _is_search_callee(q)} | {
        n for n in py.functions if _is_search_callee(n)
    }
    hits: list[Hit] = []
    for name in sorted(names):
        for call in py.plain_calls.get(name, []):
            if match_call(py, call) is None:
                hits += _search_call(py, call, name)
    return hits


@lru_cache(maxsize=4096)  # the same imported names recur in every file
def _is_search_callee(qualified: str) -> bool:
    return bool(_SEARCH_CALLEE.search(qualified)) and not _NOT_SEARCH_CALLEE.search(qualified)


def _search_call(py: PyFile, call: Node, name: str) -> list[Hit]:
    positional, keywords = call_arguments(call)
    given = [(None, a) for a in positional] + list(keywords.items())
    hps: list[Hyperparameter] = []
    definitions: list[Node] = []
    for keyword, argument in given:
        resolved = py.resolve(argument)
        found = _handed_values(py, keyword, argument, resolved)
        if found and resolved is not argument and (statement := _statement(resolved)) is not None:
            definitions.append(statement)
        hps += found
    if not hps:
        return []
    method = "grid search" if "grid" in name.lower() else "hand-written search"
    shown = ", ".join(h.name for h in hps)
    hits = [_hit(FindingKind.HAND_LOOP, _statement(call) or call, f"hand-written search {name}() over {shown}", hps)]
    hits[0].method = method
    return hits + [_hit(FindingKind.SEARCH_SPACE, d, "hand-written grid values", hps) for d in definitions]


def _handed_values(py: PyFile, keyword: str | None, argument: Node, resolved: Node) -> list[Hyperparameter]:
    """The hyperparameters an argument of a search call gives several values for."""
    if resolved.type == "dictionary":
        # handed whole to a search, every key with several candidates is searched, named or not
        return [
            Hyperparameter(name=key, space=space)
            for key, value, _ in dict_pairs(resolved)
            if key not in NOT_HYPERPARAMETERS and (space := candidate_space(py, value)) is not None
        ]
    label = keyword or (text(argument) if argument.type in ("identifier", "attribute") else "")
    named = _base_name(label.rsplit(".", 1)[-1]) if label else None
    if named is None:
        return []
    space = candidate_space(py, resolved)
    return [Hyperparameter(name=named, space=space)] if space is not None else []


def _base_name(label: str) -> str | None:
    """The hyperparameter an argument names: `lrs` -> lr, `learning_rate_range` -> learning_rate."""
    if label in NOT_HYPERPARAMETERS:
        return None
    base = next((label[: -len(s)] for s in _COLLECTION_SUFFIXES if label.endswith(s)), "")
    return base if is_hyperparameter(base) else label if is_hyperparameter(label) else None


# ---- helpers -----------------------------------------------------------------------------------


def _values(py: PyFile, node: Node) -> Values:
    """Values of a collection expression, looking through np.array(...) and arithmetic on one."""
    node = py.resolve(node)
    items = choice_items(node) if node.type in ("list", "tuple", "set") else None
    if items is not None:
        return items, len(set(map(repr, items)))
    if node.type == "call":
        function = node.child_by_field_name("function")
        qualified = py.qualify(function) if function is not None else ""
        positional, keywords = call_arguments(node)
        if qualified in VALUE_GENERATORS and qualified != "itertools.product":
            generated = generated_values(qualified, positional, keywords)
            return (generated, len(generated)) if generated else (None, 0)
        if qualified in _ARRAYS and positional:
            return _values(py, positional[0])
    if node.type in ("binary_operator", "call"):
        # `3e-5 * np.power(2.0, np.array([-6, ..., 5]))`: as many values as the list it scales
        counts = [len(c.named_children) for c in named_descendants(node) if c.type == "list"]
        return None, max(counts, default=0)
    return None, 0


def _unwrapped(py: PyFile, node: Node) -> Node:
    """`list(x)`, `enumerate(x)`, `tqdm(x)` -> x."""
    for _ in range(3):
        function = node.child_by_field_name("function") if node.type == "call" else None
        positional, _ = call_arguments(node) if function is not None else ([], {})
        if function is None or py.qualify(function) not in _WRAPPERS or not positional:
            return node
        node = positional[0]
    return node


def _statement(node: Node) -> Node | None:
    """The assignment or expression statement holding `node`, inside its own block."""
    return statement_of(node, _STATEMENTS, _SCOPES)


def _hit(kind: FindingKind, node: Node, label: str, hps: list[Hyperparameter]) -> Hit:
    return Hit(
        kind,
        Criterion.HAND_TUNING,
        HAND_WRITTEN,
        node,
        label,
        method="grid search",
        hyperparameters=list(hps),
        confidence=0.8 if kind == FindingKind.HAND_LOOP else 0.75,
    )
