"""Hand-written grids: for-loops over two or more values of a hyperparameter (literals, generators,
products, config dicts, `grid.items()`), and while-loops that step one."""

from __future__ import annotations

import math
import re
from typing import Any

from tree_sitter import Node, QueryCursor

from hptlens.analysis.apis import is_space_call, match_call
from hptlens.analysis.catalog.vocabulary import VALUE_GENERATORS
from hptlens.analysis.loops.found import Found
from hptlens.analysis.loops.launches import launch_keys, tuned_argument
from hptlens.analysis.loops.syntax import enclosing_loop, identifiers, is_stepped, passes_on, shows, target_names
from hptlens.analysis.neutral import (
    NOT_HYPERPARAMETERS,
    NOT_LITERAL,
    Hit,
    is_hyperparameter,
    plural_hyperparameter,
    scalar,
    text,
)
from hptlens.analysis.pyfile import PyFile, query, target_name
from hptlens.analysis.spaces import call_arguments, choice_items, dict_pairs, literal
from hptlens.analysis.values import config_dicts, generated_values
from hptlens.report import HAND_WRITTEN, Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType

SEARCH_OBJECT = "<search object>"
"""Stands for the configurations a library yields (ParameterGrid) in place of a named variable."""
_FLOW_QUERY = """
(keyword_argument name: (identifier) @key value: (_) @value) @flow
(assignment left: [(attribute) (subscript)] @key right: (_) @value) @flow
"""


_GRID_TABLE = re.compile(r"(?<![a-z])(?:grid|sweep)", re.IGNORECASE)
"""Names of a table of values to try (`grid`, `config["grid-search"]`, `sweep_params`); a
`search_space` is what HPO libraries' own code walks to convert or validate spaces."""


def _hand_loop(loop: Node, label: str, confidence: float) -> Hit:
    """A loop that is a hand-written grid, its dimensions given elsewhere (or not at all)."""
    return Hit(
        FindingKind.HAND_LOOP,
        Criterion.HAND_TUNING,
        HAND_WRITTEN,
        loop,
        label,
        method="grid search",
        confidence=confidence,
    )


def _tries_values(body: str, values: str) -> bool:
    """Whether a loop body (its text) goes through an entry's values one by one: loops over them,
    draws from them or combines them (reading `values["steps"]` of a results table is none of these)."""
    name = re.escape(values)
    pattern = rf"\bin\s+{name}\b|(?:choice|sample|product|shuffle)\s*\(\s*\*?\s*{name}\b|[(,]\s*\*\s*{name}\b"
    return bool(re.search(pattern, body))


def _shown(keyword: Node) -> bool:
    """A keyword of a call that only shows its value (`plt.plot(x, alpha=alpha)`)."""
    arguments = keyword.parent
    return arguments is not None and arguments.type == "argument_list" and shows(arguments.parent)


def _walks_items(iterable: Node) -> bool:
    function = iterable.child_by_field_name("function") if iterable.type == "call" else None
    return function is not None and function.type == "attribute" and text(function).endswith(".items")


def _takes_from_values(body: Node, names: list[str]) -> bool:
    """Whether a `for key, values in grid.items()` body uses each entry as a set of values:
    loops over it, draws from it, or unpacks it into a product or bounds."""
    if len(names) < 2:
        return True
    written, values = text(body), re.escape(names[-1])
    return _tries_values(written, names[-1]) or bool(re.search(rf"\*\s*{values}\b|\b{values}\s*\[", written))


def _named_hyperparameter(name: str) -> str | None:
    """The hyperparameter a collection's name says it holds: `alpha`, `learning_rates` -> learning_rate."""
    return name if is_hyperparameter(name) else plural_hyperparameter(name)


class GridLoops:
    def __init__(self, py: PyFile, found: Found) -> None:
        self.py = py
        self.found = found
        self._pending: list[Hit] = []
        """Value definitions seen while reading a loop; kept only if the loop is a search."""

    def for_loops(self) -> None:
        for loop in self.py.candidates("for"):
            target, iterable = loop.child_by_field_name("left"), loop.child_by_field_name("right")
            if target is not None and iterable is not None and loop.id not in self.found.loops:
                self._grid_loop(loop, target, iterable)

    def _grid_loop(self, loop: Node, target: Node, iterable: Node) -> None:
        self._pending = []
        if loop.type == "for_in_clause" and self._builds_library_space(loop):
            return  # `{k: tune.grid_search(v) for k, v in table.items()}`: the library detector's
        names = target_names(target)
        if not names or all(n in NOT_HYPERPARAMETERS for n in names):
            return
        if iterable.type == "call" and text(iterable.child_by_field_name("function")) == "enumerate":
            positional, _ = call_arguments(iterable)
            if not positional:
                return
            iterable, names = positional[0], names[1:]
        dims = self._iterated_values(iterable, names)
        body = loop.child_by_field_name("body") if loop.type == "for_statement" else loop.parent
        if dims is None:
            if not self._grid_read_elsewhere(loop, iterable, names, body):
                self._inner_level(loop, iterable, names)
            return
        if body is not None and _walks_items(iterable) and not _takes_from_values(body, names):
            return  # `for key, value in config.items(): print(...)` reads a config, it searches nothing
        flows = self._flows(body, names) if body is not None else set()
        if dims == [(SEARCH_OBJECT, None)]:
            self.found.add_loop(loop, _hand_loop(loop, f"hand-written loop over {text(iterable)}", 0.9))
            return
        launched = launch_keys(body, names) if body is not None else {}
        # A value written into a launched run's arguments is named as the run sees it (`--reg_lambda`).
        tuned = [
            (launched[n], v) if n in launched and tuned_argument(launched[n], v) else (n, v)
            for n, v in dims
            if (n in launched and tuned_argument(launched[n], v))
            or (n not in NOT_HYPERPARAMETERS and (n in flows or (is_hyperparameter(n) and self._used(body, names, n))))
        ]
        renamed = {n: launched[n] for n, v in dims if n in launched and tuned_argument(launched[n], v)}
        if not tuned and len(dims) == 1 and iterable.type == "identifier" and len(dims[0][1] or []) >= 2:
            # `for v1 in alpha` / `for x in learning_rates`: the list names what its values are
            named = _named_hyperparameter(text(iterable))
            if named and self._used(body, names, dims[0][0]):
                tuned, renamed = [(named, dims[0][1])], {dims[0][0]: named}
        if not tuned:
            return
        for pending in self._pending:
            for hp in pending.hyperparameters:
                hp.name = renamed.get(hp.name, hp.name)
        counts = [len(v) for _, v in tuned if v is not None]
        if counts and max(counts) < 2:
            return  # a single value is a fixed setting, not a search
        hps = [Hyperparameter(name=n, space=SearchSpace(type=SpaceType.GRID, values=v)) for n, v in tuned]
        shown = ", ".join(n for n, _ in tuned)
        size = f" ({math.prod(counts)} values)" if counts else ""
        hit = Hit(
            FindingKind.HAND_LOOP,
            Criterion.HAND_TUNING,
            HAND_WRITTEN,
            loop,
            f"hand-written grid over {shown}{size}",
            method="grid search",
            hyperparameters=hps,
            confidence=0.85 if any(is_hyperparameter(n) for n, _ in tuned) else 0.75,
        )
        self.found.add_loop(loop, hit)
        self.found.hits += self._pending

    def _used(self, body: Node | None, variables: list[str], name: str) -> bool:
        """A loop variable named as a hyperparameter is a search when its values go somewhere to be
        run; names a table gives its values (`grid.items()`) are judged by the table."""
        return body is None or name not in variables or passes_on(body, name)

    def _grid_read_elsewhere(self, loop: Node, iterable: Node, names: list[str], body: Node | None) -> bool:
        """`for key, values in config["grid-search"].items():` taking each entry's values (looping
        over them, drawing from them, combining them) when the table itself is not written here (a
        YAML file, an argument): a hand grid whose names and values live elsewhere."""
        function = iterable.child_by_field_name("function") if iterable.type == "call" else None
        table = function.child_by_field_name("object") if function is not None and _walks_items(iterable) else None
        if table is None or body is None or len(names) != 2 or not _GRID_TABLE.search(text(table)):
            return False
        if self.py.resolve(table).type == "dictionary" or not _tries_values(text(body), names[1]):
            return False
        self.found.add_loop(loop, _hand_loop(loop, f"hand-written grid over the entries of {text(table)}", 0.7))
        return True

    def _builds_library_space(self, clause: Node) -> bool:
        comprehension = clause.parent
        if comprehension is None:
            return False
        body = comprehension.child_by_field_name("body")
        value = body.child_by_field_name("value") if body is not None and body.type == "pair" else body
        return value is not None and value.type == "call" and is_space_call(self.py, value)

    def _inner_level(self, loop: Node, iterable: Node, names: list[str]) -> None:
        """`for value in values:` inside `for name, values in grid.items():` is the grid's inner level."""
        if iterable.type != "identifier":
            return
        outer = enclosing_loop(loop)
        while outer is not None:
            hit = self.found.loops.get(outer.id)
            target = outer.child_by_field_name("left")
            if hit is not None and target is not None and text(iterable) in target_names(target):
                self.found.add_loop(
                    loop,
                    Hit(
                        FindingKind.HAND_LOOP,
                        Criterion.HAND_TUNING,
                        HAND_WRITTEN,
                        loop,
                        f"hand-written grid: each value of {text(iterable)}",
                        method=hit.method,
                        confidence=0.75,
                        hyperparameters=list(hit.hyperparameters),
                    ),
                )
                return
            outer = enclosing_loop(outer)

    def _iterated_values(self, iterable: Node, names: list[str]) -> list[tuple[str, list[Any] | None]] | None:
        """(name, values) per loop variable, or None when the iterable is not a set of values."""
        source = iterable
        iterable = self.py.resolve(iterable)
        defined_apart = source is not iterable and source.type in ("identifier", "attribute")
        if iterable.type == "call":
            dims = self._generated(iterable, names)
        else:
            dims = self._literal_values(iterable, names)
        if dims is None and source.type in ("identifier", "attribute") and len(names) == 1:
            if plural_hyperparameter(text(source).rsplit(".", 1)[-1]) is not None and is_hyperparameter(names[0]):
                return [(names[0], None)]
        if dims is not None and defined_apart:
            self._values_definition(iterable, dims)
        return dims

    def _literal_values(self, node: Node, names: list[str]) -> list[tuple[str, list[Any] | None]] | None:
        if node.type not in ("list", "tuple", "set"):
            return None
        value = literal(node)
        items = choice_items(node, value)
        if items is None or len(items) < 2:
            return None
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return config_dicts(value, names)
        if len(names) == 1:
            if any(isinstance(v, (list, tuple, dict)) for v in (value if value is not NOT_LITERAL else [])):
                return None
            return [(names[0], items)]
        if value is not NOT_LITERAL and all(isinstance(v, (list, tuple)) and len(v) == len(names) for v in value):
            return [(n, [scalar(v[i]) for v in value]) for i, n in enumerate(names)]
        return None

    def _generated(self, call: Node, names: list[str]) -> list[tuple[str, list[Any] | None]] | None:
        function = call.child_by_field_name("function")
        qualified = self.py.qualify(function) if function is not None else ""
        if qualified.endswith(".items") and function is not None and function.type == "attribute":
            return self._dict_items(function.child_by_field_name("object"))
        api = match_call(self.py, call)
        if api is not None and api.kind == FindingKind.SEARCH_RUN and api.space_arg:
            return [(SEARCH_OBJECT, None)] if len(names) == 1 else None  # `for p in ParameterGrid(grid)`
        if qualified not in VALUE_GENERATORS:
            return None
        positional, keywords = call_arguments(call)
        if qualified == "itertools.product":
            if len(positional) != len(names):
                return None
            dims: list[tuple[str, list[Any] | None]] = []
            for name, arg in zip(names, positional):
                resolved = self.py.resolve(arg)
                values = self._values_of(resolved)
                if resolved is not arg and values is not None:
                    self._values_definition(resolved, [(name, values)])
                dims.append((name, values))
            return dims
        if qualified == "range" and not all(is_hyperparameter(n) for n in names):
            return None  # range() mostly counts steps; only an explicitly named hyperparameter counts
        values = generated_values(qualified, positional, keywords)
        if values is None or len(names) != 1:
            return None
        return [(names[0], values)]

    def _values_of(self, node: Node) -> list[Any] | None:
        if node.type == "call":
            function = node.child_by_field_name("function")
            qualified = self.py.qualify(function) if function is not None else ""
            if qualified in VALUE_GENERATORS and qualified != "itertools.product":
                positional, keywords = call_arguments(node)
                return generated_values(qualified, positional, keywords)
            return None
        return choice_items(node)

    def _dict_items(self, node: Node | None) -> list[tuple[str, list[Any] | None]] | None:
        """`for name, values in grid.items()` over a hand-written {hyperparameter: [values]} dict."""
        if node is None:
            return None
        resolved = self.py.resolve(node)
        pairs = [(k, v, p) for k, v, p in dict_pairs(resolved) if is_hyperparameter(k)]
        grid = [(k, choice_items(v), p) for k, v, p in pairs if v.type in ("list", "tuple")]
        if len(grid) < 1 or not any(values and len(values) >= 2 for _, values, _ in grid):
            return None
        for key, values, pair in grid:
            self._pending.append(
                Hit(
                    FindingKind.SEARCH_SPACE,
                    Criterion.HAND_TUNING,
                    HAND_WRITTEN,
                    pair,
                    "hand-written grid values",
                    method="grid search",
                    confidence=0.8,
                    hyperparameters=[Hyperparameter(name=key, space=SearchSpace(type=SpaceType.GRID, values=values))],
                )
            )
        return [(k, v) for k, v, _ in grid]

    def _values_definition(self, value: Node, dims: list[tuple[str, list[Any] | None]]) -> None:
        """`learning_rates = [...]` defined apart from its loop: the space itself."""
        statement = value.parent
        if statement is None or statement.type != "assignment":
            return
        hps = [Hyperparameter(name=n, space=SearchSpace(type=SpaceType.GRID, values=v)) for n, v in dims]
        self._pending.append(
            Hit(
                FindingKind.SEARCH_SPACE,
                Criterion.HAND_TUNING,
                HAND_WRITTEN,
                statement,
                "hand-written grid values",
                method="grid search",
                hyperparameters=hps,
                confidence=0.8,
            )
        )

    def _flows(self, body: Node, names: list[str]) -> set[str]:
        """Loop variables passed on as a hyperparameter keyword or config key."""
        wanted = set(names)
        found: set[str] = set()
        cursor = QueryCursor(query(_FLOW_QUERY))
        cursor.set_byte_range(body.start_byte, body.end_byte)
        for _, match in cursor.matches(body):
            key, value = match["key"][0], match["value"][0]
            key_name = text(key) if key.type == "identifier" else target_name(key)
            if not is_hyperparameter(key_name) or (key.type == "identifier" and _shown(match["flow"][0])):
                continue
            root = value
            while root.type in ("subscript", "attribute"):
                root = root.child_by_field_name("value") or root.child_by_field_name("object") or root
                if root is value:
                    break
            if root.type == "identifier" and text(root) in wanted:
                found.add(text(root))
        return found

    def while_sweeps(self) -> None:
        for loop in self.py.candidates("while"):
            condition, body = loop.child_by_field_name("condition"), loop.child_by_field_name("body")
            if condition is None or body is None or loop.id in self.found.loops:
                continue
            names = [n for n in identifiers(condition) if is_hyperparameter(n)]
            stepped = [n for n in names if is_stepped(body, n)]
            if stepped:
                hit = Hit(
                    FindingKind.HAND_LOOP,
                    Criterion.HAND_TUNING,
                    HAND_WRITTEN,
                    loop,
                    f"hand-written sweep over {', '.join(stepped)}",
                    method="grid search",
                    confidence=0.75,
                    hyperparameters=[Hyperparameter(name=n, space=SearchSpace(type=SpaceType.GRID)) for n in stepped],
                )
                self.found.add_loop(loop, hit)
