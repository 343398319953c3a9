"""Hand-written searches in C++: range-for grids over literal values, index loops reading value
arrays, counter sweeps, and `<random>` sampling of hyperparameters inside a trial loop."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from tree_sitter import Node, QueryCursor

from hptlens.analysis.catalog import CPP_RANDOM_CALLS
from hptlens.analysis.cpp.file import (
    CALL_QUERY,
    FLOW_QUERY,
    MAX_RESOLVE,
    CppFile,
    Decl,
    cpp_query,
    enclosing_loop,
    function_calls_query,
    function_of,
    is_cpp_hyperparameter,
    named_calls_query,
    normalized,
    plain_name,
    positional,
    singular,
    target_names,
)
from hptlens.analysis.cpp.literals import grid_values, is_num, literal
from hptlens.analysis.cpp.sampling import binding, bound_name, distribution, distribution_space, transformed
from hptlens.analysis.neutral import NOT_HYPERPARAMETERS, NOT_LITERAL, Hit, child_field, identifiers_in, text
from hptlens.report import HAND_WRITTEN, Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType

_MAX_SWEEP = 20  # a counter loop with more values than this is a schedule (epsilon decay), not a sweep

# Loops that run inside one training run (their variable, bound or iterable says so): sampling in
# them is exploration noise, domain randomisation or minibatch drawing, not a random-search trial.
_TIME_LOOP = re.compile(
    r"^(ep|t|done|i_episode)$|episode|step|frame|epoch|update|rollout|batch|dim|action|"
    r"horizon|transition|env|state|obs|buffer|memory"
)

_RANGE_FOR_QUERY = "(for_range_loop declarator: (_) @target right: (_) @iter) @loop"
_FOR_QUERY = "(for_statement) @loop"
_SUBSCRIPT_QUERY = """
(subscript_expression argument: (_) @array indices: (subscript_argument_list . (identifier) @index .)) @sub
"""

_ELEMENT_TYPE = re.compile(r"<\s*(?:const\s+)?(?:[A-Za-z_]\w*::)*([A-Za-z_]\w*)\s*(?:,[^<>]*)?>\s*$")


def _root_identifier(node: Node) -> str | None:
    """The variable an expression reads: `lr`, `(float)lr`, `static_cast<float>(lr)`, `cfg.lr`."""
    for _ in range(MAX_RESOLVE + 2):
        if node.type == "identifier":
            return text(node)
        if node.type in ("cast_expression", "parenthesized_expression"):
            node = node.child_by_field_name("value") or node.named_children[-1]
        elif node.type == "call_expression" and "cast" in text(node.child_by_field_name("function")):
            args = positional(node)
            if len(args) != 1:
                return None
            node = args[0]
        elif node.type == "field_expression":
            node = child_field(node, "argument")
        else:
            return None
    return None


def _flows(body: Node, names: list[str]) -> set[str]:
    """Loop variables handed on as a hyperparameter: `opts.lr = x`, `.lr(x)`, `{.gamma = x}`, `double lr = x`."""
    wanted, found = set(names), set()
    cursor = QueryCursor(cpp_query(FLOW_QUERY))
    cursor.set_byte_range(body.start_byte, body.end_byte)
    for _, match in cursor.matches(body):
        key, value = match["key"][0], match["value"][0]
        key_name = literal(key) if key.type == "string_literal" else text(key)
        if isinstance(key_name, str) and is_cpp_hyperparameter(key_name):
            root = _root_identifier(value)
            if root in wanted:
                found.add(root)
    return found


def _grid_hps(dims: list[tuple[str, list[Any] | None]]) -> list[Hyperparameter]:
    return [Hyperparameter(name=n, space=SearchSpace(type=SpaceType.GRID, values=v)) for n, v in dims]


# ---- hand-written grids and random search ---------------------------------------------------------


class HandSearches:
    def __init__(self, cpp: CppFile) -> None:
        self.cpp = cpp
        self.hits: list[Hit] = []
        self._loops: dict[int, Hit] = {}

    def run(self) -> list[Hit]:
        for _, match in QueryCursor(cpp_query(_RANGE_FOR_QUERY)).matches(self.cpp.root):
            self._range_loop(match["loop"][0], match["target"][0], match["iter"][0])
        for _, match in QueryCursor(cpp_query(_FOR_QUERY)).matches(self.cpp.root):
            loop = match["loop"][0]
            if not self._counter_sweep(loop):
                self._indexed_grid(loop)
        self._random_search()
        return self.hits

    # -- range-for: `for (double lr : {1e-3, 3e-4})`, `for (auto [lr, bs] : grid)` -----------------

    def _range_loop(self, loop: Node, target: Node, iterable: Node) -> None:
        names = target_names(target)
        if not names or all(normalized(n) in NOT_HYPERPARAMETERS for n in names):
            return
        value, decl = self.cpp.resolve(iterable)
        fields = self.cpp.struct_fields(_element_type(decl.type)) if decl is not None and decl.type else []
        dims = _dimensions(_named_by_fields(literal(value), fields), names)
        if dims is None and literal(value) is NOT_LITERAL:
            element = singular(text(iterable).rsplit(".", 1)[-1].rsplit(">", 1)[-1])
            if len(names) == 1 and element and is_cpp_hyperparameter(names[0]):
                dims = [(names[0], None)]  # values come from elsewhere (an argument, a file)
            else:
                return
        if dims is None:
            return
        body = loop.child_by_field_name("body")
        if body is not None and _carried(body, lambda n: n.type == "identifier" and text(n) in names):
            return
        flows = _flows(body, [n for n, _ in dims]) if body is not None else set()
        tuned = [
            (n, v)
            for n, v in dims
            if normalized(n) not in NOT_HYPERPARAMETERS and (is_cpp_hyperparameter(n) or n in flows)
        ]
        if not tuned:
            return
        listed = literal(value)  # one configuration per element, whatever its shape
        size = f" ({len(listed)} values)" if isinstance(listed, list) else ""
        self._add_loop(loop, f"hand-written grid over {', '.join(n for n, _ in tuned)}{size}", tuned)
        if decl is not None:
            self._values_definition(decl.statement, tuned)

    # -- index loops: `for (int i = 0; i < 3; ++i) { double lr = lrs[i]; ... }` -----------------------

    def _indexed_grid(self, loop: Node) -> None:
        counter = _counter(loop)
        body = loop.child_by_field_name("body")
        if counter is None or body is None or is_cpp_hyperparameter(counter):
            return  # a hyperparameter-named counter is a sweep (see _counter_sweep)
        cursor = QueryCursor(cpp_query(_SUBSCRIPT_QUERY))
        cursor.set_byte_range(body.start_byte, body.end_byte)
        reads: dict[str, list[Node]] = {}  # array text -> its `array[counter]` reads in this loop
        for _, match in cursor.matches(body):
            owner = _owning_counter_loop(match["sub"][0], counter)
            if text(match["index"][0]) == counter and owner is not None and owner.id == loop.id:
                reads.setdefault(text(match["array"][0]), []).append(match["sub"][0])
        dims: list[tuple[str, list[Any] | None]] = []
        definitions: list[tuple[Node, str, list[Any]]] = []
        for array_text, subscripts in reads.items():
            array = child_field(subscripts[0], "argument")
            value, decl = self.cpp.resolve(array)
            values = grid_values(literal(value))
            name = _element_name(array_text, subscripts)
            if (
                values is None
                or name is None
                or any(n == name for n, _ in dims)
                or _carried(body, partial(_is_one_of, frozenset(s.id for s in subscripts)))
            ):
                continue
            dims.append((name, values))
            if decl is not None:
                definitions.append((decl.statement, name, values))
        if dims:  # arrays read with one index are zipped: as many configurations as the longest
            size = max(len(v or []) for _, v in dims)
            self._add_loop(loop, f"hand-written grid over {', '.join(n for n, _ in dims)} ({size} values)", dims)
            for statement, name, values in definitions:
                self._values_definition(statement, [(name, values)])

    # -- counter sweeps: `for (double lr = 1e-4; lr <= 1e-2; lr *= 10)` --------------------------------

    def _counter_sweep(self, loop: Node) -> bool:
        counter = _counter(loop)
        if counter is None or not is_cpp_hyperparameter(counter):
            return False
        values = _sweep_values(self.cpp, loop, counter)
        if values is None or not 2 <= len(values) <= _MAX_SWEEP:
            return False  # hundreds of steps: a decay schedule inside one run
        self._add_loop(loop, f"hand-written sweep over {counter} ({len(values)} values)", [(counter, values)])
        return True

    # -- random search ------------------------------------------------------------------------

    def _random_search(self) -> None:
        for call, space, declaration in self._samples():
            bound = binding(call)
            if bound is None:
                continue
            name, statement, wrapper = bound
            if not is_cpp_hyperparameter(name):
                continue
            loop = self._trial_loop(statement)
            if loop is None:
                continue
            space = transformed(self.cpp, space, call, wrapper)
            hp = Hyperparameter(name=name, space=space)
            self.hits.append(
                Hit(
                    FindingKind.SEARCH_SPACE,
                    Criterion.HAND_TUNING,
                    HAND_WRITTEN,
                    statement,
                    "hand-written random sampling",
                    method="random search",
                    confidence=0.8,
                    hyperparameters=[hp],
                )
            )
            if declaration is not None and declaration.start_point[0] != statement.start_point[0]:
                self.hits.append(
                    Hit(
                        FindingKind.SEARCH_SPACE,
                        Criterion.HAND_TUNING,
                        HAND_WRITTEN,
                        declaration,
                        "hand-written sampling distribution",
                        method="random search",
                        confidence=0.8,
                        hyperparameters=[hp],
                    )
                )
            existing = self._loops.get(loop.id)
            if existing is None:
                existing = self._add_loop(loop, "hand-written random search", [], method="random search")
            if all(h.name != name for h in existing.hyperparameters):
                existing.hyperparameters.append(hp)

    def _samples(self) -> list[tuple[Node, SearchSpace, Node | None]]:
        """(sampling call, its distribution's space, the distribution's declaration if apart)."""
        found: list[tuple[Node, SearchSpace, Node | None]] = []
        distributions: dict[str, list[Decl]] = {}
        for name, decls in self.cpp.declarations.items():
            kept = [d for d in decls if d.type is not None and distribution(text(d.type))]
            if kept:
                distributions[name] = kept
        if distributions:
            query = named_calls_query(tuple(sorted(distributions)))
            for _, match in QueryCursor(query).matches(self.cpp.root):
                call = match["call"][0]
                decl = self.cpp.declared(text(match["f"][0]), call)
                if decl is not None and decl.type is not None and distribution(text(decl.type)):
                    found.append((call, distribution_space(text(decl.type), decl.value), decl.statement))
        for _, match in QueryCursor(cpp_query(CALL_QUERY)).matches(self.cpp.root):
            call, function = match["call"][0], match["function"][0]
            if function.type in ("call_expression", "compound_literal_expression"):
                head = function.child_by_field_name("function") or function.child_by_field_name("type")
                kind = distribution(text(head))
                if kind:  # a temporary: std::uniform_real_distribution<double>(1e-5, 1e-2)(rng)
                    arguments = function.child_by_field_name("arguments") or function.child_by_field_name("value")
                    found.append((call, distribution_space(text(head), arguments), None))
            elif plain_name(text(function)) in CPP_RANDOM_CALLS:
                found.append((call, SearchSpace(type=SpaceType.FLOAT, distribution=plain_name(text(function))), None))
        return found

    def _trial_loop(self, statement: Node) -> Node | None:
        """The loop that repeats the sampling: around it, or around a call of its function; a loop
        over episodes or steps means sampling within one run, not trials."""
        loop = enclosing_loop(statement)
        if loop is None:
            function = function_of(statement)
            declarator = function.child_by_field_name("declarator") if function is not None else None
            inner = declarator.child_by_field_name("declarator") if declarator is not None else None
            name = plain_name(text(inner)).rsplit("::", 1)[-1] if inner is not None else ""
            if not name or function is None or function.type != "function_definition":
                return None
            loop = next((found for call in self._calls_named(name) if (found := enclosing_loop(call))), None)
        if loop is None or any(_TIME_LOOP.search(normalized(n)) for n in _loop_names(loop)):
            return None
        return loop

    def _calls_named(self, name: str) -> list[Node]:
        if not re.fullmatch(r"\w+", name):
            return []
        return [m["call"][0] for _, m in QueryCursor(function_calls_query(name)).matches(self.cpp.root)]

    # -- shared ---------------------------------------------------------------------------------

    def _add_loop(
        self, loop: Node, label: str, dims: list[tuple[str, list[Any] | None]], method: str = "grid search"
    ) -> Hit:
        if loop.id in self._loops:
            return self._loops[loop.id]
        confident = any(is_cpp_hyperparameter(n) for n, _ in dims) or method == "random search"
        hit = Hit(
            FindingKind.HAND_LOOP,
            Criterion.HAND_TUNING,
            HAND_WRITTEN,
            loop,
            label,
            method=method,
            hyperparameters=_grid_hps(dims),
            confidence=0.85 if confident else 0.75,
        )
        self._loops[loop.id] = hit
        self.hits.append(hit)
        return hit

    def _values_definition(self, statement: Node, dims: list[tuple[str, list[Any] | None]]) -> None:
        """`std::vector<double> lrs = {...};` declared apart from its loop: the space itself."""
        self.hits.append(
            Hit(
                FindingKind.SEARCH_SPACE,
                Criterion.HAND_TUNING,
                HAND_WRITTEN,
                statement,
                "hand-written grid values",
                method="grid search",
                confidence=0.8,
                hyperparameters=_grid_hps(dims),
            )
        )


def _element_type(type_node: Node) -> str:
    """`std::vector<Config>` / `std::array<Config, 4>` -> 'Config' ('' for anything else)."""
    match = _ELEMENT_TYPE.search(text(type_node))
    return match.group(1) if match else ""


def _named_by_fields(value: Any, fields: list[str]) -> Any:
    """`{{3e-4, 0.99}, {.lr = 1e-3, .gamma = 0.95}}` with `struct Config {double lr; double gamma;}`:
    positional entries get the struct's member names, so each entry reads as a config."""
    if not fields or not isinstance(value, list) or not any(isinstance(v, list) for v in value):
        return value
    named = []
    for entry in value:
        if isinstance(entry, list) and len(entry) <= len(fields):
            named.append(dict(zip(fields, entry)))
        elif isinstance(entry, dict):
            named.append(entry)
        else:
            return value
    return named


def _dimensions(value: Any, names: list[str]) -> list[tuple[str, list[Any] | None]] | None:
    """(name, values) per loop variable for a brace list, or None when it is not a set of values."""
    if not isinstance(value, list) or len(value) < 2:
        return None
    if all(isinstance(v, dict) for v in value) and len(names) == 1:  # {{.lr = 1e-3, .gamma = 0.99}, ...}
        keys = list(dict.fromkeys(k for v in value for k in v if is_cpp_hyperparameter(k)))
        dims = [(k, grid_values([d.get(k) for d in value])) for k in keys]
        return [(k, v) for k, v in dims if v is not None] or None
    if len(names) == 1:
        values = grid_values(value)
        return [(names[0], values)] if values is not None else None
    if all(isinstance(v, list) and len(v) == len(names) for v in value):
        dims = [(n, grid_values([row[i] for row in value])) for i, n in enumerate(names)]
        return dims if any(v is not None for _, v in dims) else None
    return None


def _counter(loop: Node) -> str | None:
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


def _loop_names(loop: Node) -> list[str]:
    """Names a loop iterates or tests: its variable(s) and the words of its bound or iterable."""
    if loop.type == "for_range_loop":
        target, iterable = loop.child_by_field_name("declarator"), loop.child_by_field_name("right")
        return (target_names(target) if target is not None else []) + (
            sorted(identifiers_in(iterable)) if iterable is not None else []
        )
    counter = _counter(loop) if loop.type == "for_statement" else None
    condition = loop.child_by_field_name("condition")
    return ([counter] if counter else []) + (sorted(identifiers_in(condition)) if condition is not None else [])


def _element_name(array: str, subscripts: list[Node]) -> str | None:
    """The hyperparameter an array's elements are: the name they are bound to (`double lr = lrs[i]`),
    else what the array's plural name says (`kLearningRates` -> learning_rate); None when neither
    is a hyperparameter (`in_features = layer_sizes[i]`)."""
    bound = [b for b in (bound_name(s) for s in subscripts) if b]
    if bound:
        return next((b for b in bound if is_cpp_hyperparameter(b)), None)
    return singular(array)


def _is_one_of(ids: frozenset[int], node: Node) -> bool:
    """Whether `node` is one of these reads (by node id): bound now, not when the loop ends."""
    return node.type == "subscript_expression" and node.id in ids


def _carried(body: Node, is_element: Callable[[Node], bool]) -> bool:
    """`in_features = width;` as a plain statement of the loop body: each value feeds the next
    iteration (stacking layers), so the values make one architecture, not alternatives."""
    for statement in body.named_children:
        expression = (
            statement.named_children[0]
            if statement.type == "expression_statement" and statement.named_child_count
            else None
        )
        if (
            expression is None
            or expression.type != "assignment_expression"
            or text(expression.child_by_field_name("operator")) != "="
        ):
            continue
        left, right = expression.child_by_field_name("left"), expression.child_by_field_name("right")
        if left is not None and left.type == "identifier" and right is not None and is_element(right):
            return True
    return False


def _owning_counter_loop(node: Node, counter: str) -> Node | None:
    """The innermost enclosing for loop that declares `counter` (inner loops may reuse `i`)."""
    loop = enclosing_loop(node)
    while loop is not None and not (loop.type == "for_statement" and _counter(loop) == counter):
        loop = enclosing_loop(loop)
    return loop


def _sweep_values(cpp: CppFile, loop: Node, counter: str) -> list[Any] | None:
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
    result = literal(value)
    return float(result) if is_num(result) else None


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
        if len(values) > _MAX_SWEEP or following == current:
            return values if following != current else None
        current = following
    return values
