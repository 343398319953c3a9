"""Library searches in C++, read from the catalog's `CPP_APIS` rows: mlpack's HyperParameterTuner and
its Optimize calls, dlib's find_min_global/find_max_global."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from tree_sitter import Node, QueryCursor

from hptlens.analysis.catalog.cpp import CPP_APIS, MLPACK_TUNER_OPTIMIZERS
from hptlens.analysis.catalog.model import Api, Shape
from hptlens.analysis.cpp.file import (
    FLOW_QUERY,
    CppFile,
    cpp_query,
    is_cpp_hyperparameter,
    plain_name,
    positional,
    reference_name,
    target_names,
)
from hptlens.analysis.cpp.literals import grid_values, is_num, literal
from hptlens.analysis.neutral import Hit, child_field, number, text
from hptlens.report import UNNAMED, Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType

# ---- library searches (catalog rows) ------------------------------------------------------------


@cache
def _api_index() -> dict[str, list[Api]]:
    table: dict[str, list[Api]] = {}
    for api in CPP_APIS:
        table.setdefault(_short(api), []).append(api)
    return table


def _short(api: Api) -> str:
    """The name a C++ row's call ends with: `HyperParameterTuner().Optimize` -> Optimize."""
    return api.call.rsplit("::", 1)[-1].rsplit(".", 1)[-1].removesuffix("()")


def _name_matches(cpp: CppFile, written: str, pattern: str, requires: tuple[str, ...]) -> bool:
    """`find_min_global` (with the library in use), `dlib::find_min_global`, `mlpack::hpt::HyperParameterTuner`."""
    parts, want = plain_name(written).split("::"), pattern.split("::")
    if parts[-1] != want[-1]:
        return False
    uses = not requires or any(r in cpp.libraries for r in requires)
    if len(parts) == 1:
        return uses
    regex = re.escape(pattern).replace(r"::\*\*::", r"::(?:\w+::)*")
    return bool(re.fullmatch(regex, "::".join(parts))) or (uses and "**" in want)


CPP_SHAPES = frozenset({Shape.VALUES, Shape.BOUNDS})
"""The shapes C++ rows' space arguments are read in (`LibrarySearches._hits_for`)."""


class LibrarySearches:
    def __init__(self, cpp: CppFile) -> None:
        self.cpp = cpp
        self.hits: list[Hit] = []

    def run(self) -> list[Hit]:
        index = _api_index()
        for call, function in self.cpp.calls:
            head = function.child_by_field_name("field") if function.type == "field_expression" else function
            name = plain_name(
                text(head.child_by_field_name("name") if head is not None and head.type == "template_method" else head)
            ).rsplit("::", 1)[-1]
            for api in index.get(name, ()):
                if self._matches(api, function):
                    self._hits_for(api, call, function)
                    break
        self._declared_objects(index)
        return self.hits

    def _matches(self, api: Api, function: Node) -> bool:
        if "()." in api.call:
            if function.type != "field_expression":
                return False
            owner = api.call.split("().", 1)[0]
            receiver_type = self.cpp.type_of(child_field(function, "argument"))
            return bool(receiver_type) and _name_matches(self.cpp, receiver_type, owner, api.requires)
        return function.type != "field_expression" and _name_matches(self.cpp, text(function), api.call, api.requires)

    def _declared_objects(self, index: dict[str, list[Api]]) -> None:
        """`HyperParameterTuner<...> hpt(0.2, X, y);`: constructed by a declaration, not a call."""
        for decls in self.cpp.declarations.values():
            for decl in decls:
                if decl.type is None or decl.statement.type != "declaration":
                    continue
                written = plain_name(text(decl.type))
                for api in index.get(written.rsplit("::", 1)[-1], ()):
                    if "()." not in api.call and _name_matches(self.cpp, written, api.call, api.requires):
                        self._run_hit(api, decl.statement, self._tuner_method(api, decl.type))

    def _hits_for(self, api: Api, call: Node, function: Node) -> None:
        if api.space_shape == Shape.VALUES:
            self._mlpack_optimize(api, call, function)
        elif api.space_shape == Shape.BOUNDS and api.kind == FindingKind.SEARCH_RUN:
            self._dlib_global(api, call)
        elif api.space_shape == Shape.BOUNDS:
            self._bound_spaces(api, positional(call)[:2], [])
        else:
            self._run_hit(api, call, None)

    def _run_hit(self, api: Api, node: Node, method: tuple[str, Criterion] | None, budget: str | None = None) -> Hit:
        label, category = method or (api.method, api.category)
        hit = Hit(
            api.kind,
            category,
            api.library,
            node,
            f"{api.library} search: {_short(api)}",
            method=label,
            api=api.call,
            confidence=0.95,
            budget=budget,
        )
        self.hits.append(hit)
        return hit

    # -- mlpack ---------------------------------------------------------------------------------

    def _tuner_method(self, api: Api, type_node: Node | None) -> tuple[str, Criterion] | None:
        """The optimizer named by the tuner's 4th template argument (GridSearch by default)."""
        if api.library != "mlpack" or type_node is None:
            return None
        arguments = next((n for n in descendants(type_node, "template_argument_list")), None)
        args = [c for c in arguments.named_children] if arguments is not None else []
        optimizer = plain_name(text(args[3])).rsplit("::", 1)[-1] if len(args) > 3 else "GridSearch"
        return MLPACK_TUNER_OPTIMIZERS.get(optimizer, (optimizer, Criterion.AUTO_TUNING))

    def _mlpack_optimize(self, api: Api, call: Node, function: Node) -> None:
        field = function.child_by_field_name("field")
        arguments = field.child_by_field_name("arguments") if field is not None else None
        method: tuple[str, Criterion] | None = None
        if arguments is not None and arguments.named_child_count:
            optimizer = plain_name(text(arguments.named_children[0])).rsplit("::", 1)[-1]
            method = MLPACK_TUNER_OPTIMIZERS.get(optimizer, (optimizer, Criterion.AUTO_TUNING))
        else:
            receiver = function.child_by_field_name("argument")
            decl = self.cpp.declared(reference_name(receiver) or "", receiver) if receiver is not None else None
            method = self._tuner_method(api, decl.type if decl is not None else None)
        run = self._run_hit(api, call, method)
        tuned = [a for a in positional(call) if not _is_fixed(a)]
        targets = _tie_targets(call)
        for position, argument in enumerate(tuned):
            name = (
                text(argument)
                if argument.type == "identifier"
                else (_unbest(targets[position]) if position < len(targets) else UNNAMED)
            )
            value, decl = self.cpp.resolve(argument)
            values = grid_values(literal(value))
            space = (
                SearchSpace(type=SpaceType.GRID, values=values)
                if values is not None
                else SearchSpace(type=SpaceType.FLOAT if is_num(literal(value)) else SpaceType.UNKNOWN)
            )
            hp = Hyperparameter(name=name, space=space)
            run.hyperparameters.append(hp)
            where = decl.statement if decl is not None else argument
            self.hits.append(
                Hit(
                    FindingKind.SEARCH_SPACE,
                    Criterion.AUTO_HAND_TUNING,
                    api.library,
                    where,
                    f"{api.library} search space",
                    method=run.method,
                    api=api.call,
                    confidence=0.9,
                    hyperparameters=[hp],
                )
            )

    # -- dlib ------------------------------------------------------------------------------------

    def _dlib_global(self, api: Api, call: Node) -> None:
        args = positional(call)
        if args and "thread_pool" in self.cpp.type_of(args[0]):
            args = args[1:]
        if len(args) < 3:
            return
        names = self._objective_names(args[0])
        if names is not None and not any(is_cpp_hyperparameter(n) for n in names if n):
            return  # a global optimiser over something else (a test function, a controller's gains)
        kinds = literal(self.cpp.resolve(args[3])[0]) if len(args) > 3 else None
        run = self._run_hit(api, call, None, budget=_call_budget(api, args))
        run.confidence = 0.95 if names else 0.7
        run.hyperparameters = self._bound_spaces(
            api, args[1:3], names or [], kinds if isinstance(kinds, list) else None
        )

    def _bound_spaces(
        self, api: Api, bounds: list[Node], names: list[str | None], integer: list[Any] | None = None
    ) -> list[Hyperparameter]:
        """One search-space finding per bound vector (lower, upper), each carrying every dimension."""
        resolved = [self.cpp.resolve(b) for b in bounds]
        values = [literal(v) for v, _ in resolved]
        lows, highs = (_as_list(values[0]), _as_list(values[1])) if len(values) == 2 else (None, None)
        count = max(len(lows or []), len(highs or []), len(names))
        hps = []
        for i in range(count):
            is_int = bool(integer[i]) if integer and i < len(integer) else False
            space = SearchSpace(
                type=SpaceType.INT if is_int else SpaceType.FLOAT,
                low=number(lows[i]) if lows and i < len(lows) else None,
                high=number(highs[i]) if highs and i < len(highs) else None,
            )
            hps.append(Hyperparameter(name=(names[i] if i < len(names) else None) or UNNAMED, space=space))
        rows_seen: set[int] = set()
        for bound, (_, decl) in zip(bounds, resolved):
            where = decl.statement if decl is not None else bound
            if where.start_point[0] in rows_seen:
                continue
            rows_seen.add(where.start_point[0])
            self.hits.append(
                Hit(
                    FindingKind.SEARCH_SPACE,
                    Criterion.AUTO_HAND_TUNING,
                    api.library,
                    where,
                    f"{api.library} search space (bounds)",
                    method=api.method,
                    api=api.call,
                    confidence=0.9,
                    hyperparameters=list(hps),
                )
            )
        return hps

    def _objective_names(self, objective: Node) -> list[str | None] | None:
        """Names of the dimensions: the objective's parameters, or for one vector parameter the
        variables its elements are read into (`const double lr = x(0);`). None when unknown."""
        value, _ = self.cpp.resolve(objective)
        if value.type == "identifier":
            value = self.cpp.functions.get(text(value)) or self.cpp.prototypes.get(text(value)) or value
        params = [c for c in descendants(value, "parameter_list")][:1]
        if not params:
            return None
        declared = [
            p for p in params[0].named_children if p.type in ("parameter_declaration", "optional_parameter_declaration")
        ]
        declarators = [p.child_by_field_name("declarator") for p in declared]
        names = [next(iter(target_names(d)), None) if d is not None else None for d in declarators]
        if len(names) == 1 and names[0] and re.search(r"matrix|vector|column", text(declared[0])):
            body = value.child_by_field_name("body")
            return _element_names(body, names[0]) if body is not None else None
        return names


def _is_fixed(argument: Node) -> bool:
    """mlpack's `Fixed(value)` marks a hyperparameter that is not searched."""
    return argument.type == "call_expression" and plain_name(text(argument.child_by_field_name("function"))).endswith(
        "Fixed"
    )


def _element_names(body: Node, vector: str) -> list[str | None] | None:
    """`double lr = x(0); cfg.gamma = x(1);` -> ['lr', 'gamma']."""
    by_index: dict[int, str] = {}
    cursor = QueryCursor(cpp_query(FLOW_QUERY))
    cursor.set_byte_range(body.start_byte, body.end_byte)
    for _, match in cursor.matches(body):
        key, value = match["key"][0], match["value"][0]
        for element in [value, *descendants(value, "call_expression"), *descendants(value, "subscript_expression")]:
            index = _element_index(element, vector)
            if index is not None and key.type != "string_literal":
                by_index.setdefault(index, text(key))
                break
    if not by_index:
        return None
    return [by_index.get(i) for i in range(max(by_index) + 1)]


def _element_index(node: Node, vector: str) -> int | None:
    if node.type == "call_expression" and text(node.child_by_field_name("function")) == vector:
        args = positional(node)
    elif node.type == "subscript_expression" and text(node.child_by_field_name("argument")) == vector:
        indices = node.child_by_field_name("indices")
        args = list(indices.named_children) if indices is not None else []
    else:
        return None
    index = literal(args[0]) if len(args) == 1 else None
    return index if isinstance(index, int) and not isinstance(index, bool) else None


def _as_list(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return value
    return [value] if is_num(value) else None


def _call_budget(api: Api, args: list[Node]) -> str | None:
    for entry in api.budget:
        wrapper, _, unit = entry.partition(":")
        for arg in args:
            if arg.type == "call_expression" and plain_name(text(arg.child_by_field_name("function"))).endswith(
                wrapper
            ):
                inner = positional(arg)
                value = number(literal(inner[0])) if inner else None
                return f"{value:g} {unit}" if value is not None else f"{text(inner[0]) if inner else '?'} {unit}"
    return None


def _tie_targets(call: Node) -> list[str]:
    """`std::tie(bestLambda, bestAlpha) = hpt.Optimize(...)` / `auto [a, b] = ...` -> the names."""
    parent = call.parent
    if parent is None:
        return []
    if parent.type == "assignment_expression" and parent.child_by_field_name("right") == call:
        left = parent.child_by_field_name("left")
        return [text(a) for a in positional(left)] if left is not None and left.type == "call_expression" else []
    if parent.type == "init_declarator":
        declarator = parent.child_by_field_name("declarator")
        return target_names(declarator) if declarator is not None else []
    return []


def _unbest(name: str) -> str:
    stripped = re.sub(r"^best_?", "", name)
    return (stripped[:1].lower() + stripped[1:]) if stripped else name


def descendants(node: Node, node_type: str) -> list[Node]:
    cursor = QueryCursor(cpp_query(f"({node_type}) @n"))
    cursor.set_byte_range(node.start_byte, node.end_byte)
    return [n for n in cursor.captures(node).get("n", []) if n.id != node.id]
