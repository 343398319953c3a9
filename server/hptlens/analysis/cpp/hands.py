"""Hand-written searches in C++: range-for grids over literal values, index loops reading value
arrays, counter sweeps, and `<random>` sampling of hyperparameters inside a trial loop."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from tree_sitter import Node, QueryCursor

from hptlens.analysis.catalog.cpp import CPP_RANDOM_CALLS
from hptlens.analysis.cpp.file import (
    CppFile,
    Decl,
    cpp_query,
    enclosing_loop,
    function_of,
    is_cpp_hyperparameter,
    named_calls_query,
    normalized,
    plain_name,
    singular,
    target_names,
)
from hptlens.analysis.cpp.flow import handed_on_as, trains
from hptlens.analysis.cpp.libraries import descendants
from hptlens.analysis.cpp.literals import grid_values, is_num, literal
from hptlens.analysis.cpp.loops import (
    MAX_SWEEP,
    TIME_LOOP,
    counter_of,
    loop_names,
    multiplies,
    owning_counter_loop,
    sweep_values,
)
from hptlens.analysis.cpp.sampling import binding, bound_name, distribution, distribution_space, transformed
from hptlens.analysis.neutral import CPP_NOT_HYPERPARAMETERS, NOT_LITERAL, Hit, child_field, identifiers_in, text
from hptlens.report import HAND_WRITTEN, Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType

_SUBSCRIPT_QUERY = """
(subscript_expression argument: (_) @array indices: (subscript_argument_list . (identifier) @index .)) @sub
"""

_ELEMENT_TYPE = re.compile(r"<\s*(?:const\s+)?(?:[A-Za-z_]\w*::)*([A-Za-z_]\w*)\s*(?:,[^<>]*)?>\s*$")


def _grid_hps(dims: list[tuple[str, list[Any] | None]]) -> list[Hyperparameter]:
    return [Hyperparameter(name=n, space=SearchSpace(type=SpaceType.GRID, values=v)) for n, v in dims]


# ---- hand-written grids and random search ---------------------------------------------------------


class HandSearches:
    def __init__(self, cpp: CppFile) -> None:
        self.cpp = cpp
        self.hits: list[Hit] = []
        self._loops: dict[int, Hit] = {}
        self._variables: dict[int, set[str]] = {}
        """Per accepted loop, the variables it sets (its hyperparameters may be named otherwise)."""

    def run(self) -> list[Hit]:
        ranges: list[tuple[Node, Node, Node]] = []
        for loop in self.cpp.loops:
            target, iterable = loop.child_by_field_name("declarator"), loop.child_by_field_name("right")
            if loop.type == "for_range_loop" and target is not None and iterable is not None:
                ranges.append((loop, target, iterable))
        for loop, target, iterable in ranges:
            self._range_loop(loop, target, iterable)
        counters = [loop for loop in self.cpp.loops if loop.type == "for_statement"]
        for loop in counters:
            if not self._counter_sweep(loop):
                self._indexed_grid(loop)
        if self._loops:
            self._sibling_dimensions(ranges, counters)
        self._random_search()
        return self.hits

    # -- range-for: `for (double lr : {1e-3, 3e-4})`, `for (auto [lr, bs] : grid)` -----------------

    def _range_loop(self, loop: Node, target: Node, iterable: Node, sibling: Hit | None = None) -> bool:
        """A range-for over hyperparameter values. With `sibling` (an accepted grid loop nested with
        this one), any element name will do when its values reach the same call or the nesting is perfect."""
        names = target_names(target)
        if not names or all(normalized(n) in CPP_NOT_HYPERPARAMETERS - _ELEMENT_NAMES for n in names):
            return False
        named_by_list = (
            len(names) == 1
            and normalized(names[0]) not in CPP_NOT_HYPERPARAMETERS - _ELEMENT_NAMES
            and _named_by_list(names[0], iterable)
            and self._handed_on(loop, names[0])
        )  # `for (int k : kValues) { Knn knn(k); knn.fit(data); }`, `for (double rate : rates) ...`
        if sibling is None and not named_by_list and all(normalized(n) in CPP_NOT_HYPERPARAMETERS for n in names):
            return False
        value, decl = self.cpp.resolve(iterable)
        fields = self.cpp.struct_fields(_element_type(decl.type)) if decl is not None and decl.type else []
        dims = _dimensions(_named_by_fields(literal(value), fields), names)
        if dims is None and literal(value) is NOT_LITERAL:
            written = text(iterable).rsplit(".", 1)[-1].rsplit(">", 1)[-1]
            plural_of = singular(written)
            if len(names) == 1 and plural_of and is_cpp_hyperparameter(names[0]):
                dims = [(names[0], None)]  # values come from elsewhere (an argument, a file)
            elif sibling is not None and len(names) == 1 and _is_collection_name(written):
                dims = [(names[0], None)]
            else:
                return False
        if dims is None:
            return False
        if named_by_list and not all(is_num(v) for _, values in dims for v in values or []):
            named_by_list = False  # a list of file names or labels handed on is data, not settings
        body = loop.child_by_field_name("body")
        if body is not None and _carried(body, lambda n: n.type == "identifier" and text(n) in names):
            return False
        if sibling is not None:
            tuned = [
                (n, v)
                for n, v in dims
                if normalized(n) not in CPP_NOT_HYPERPARAMETERS - _ELEMENT_NAMES
                and (
                    _perfectly_nested(loop, sibling.tree_node)
                    and normalized(n) not in CPP_NOT_HYPERPARAMETERS
                    or self._co_flow(loop, sibling, n)
                )
            ]
        else:
            flows = handed_on_as(body, [n for n, _ in dims]) if body is not None else {}
            tuned = [
                (n, v)
                for n, v in dims
                if named_by_list
                or normalized(n) not in CPP_NOT_HYPERPARAMETERS
                and (is_cpp_hyperparameter(n) or n in flows)
            ]
            # `for (double c : cValues) svm.setC(c)`: the hyperparameter is C, as the setter names it
            tuned = [(flows[n] if n in flows and not is_cpp_hyperparameter(n) else n, v) for n, v in tuned]
        if not tuned:
            return False
        listed = literal(value)  # one configuration per element, whatever its shape
        size = f" ({len(listed)} values)" if isinstance(listed, list) else ""
        self._add_loop(loop, f"hand-written grid over {', '.join(n for n, _ in tuned)}{size}", tuned)
        self._variables[loop.id] = set(names)
        if decl is not None and decl.statement.type != "parameter_declaration":
            self._values_definition(decl.statement, tuned)
        return True

    # -- nested dimensions: the loops around or inside an accepted grid loop -------------------------

    def _sibling_dimensions(self, ranges: list[tuple[Node, Node, Node]], counters: list[Node]) -> None:
        """`for (alpha : alphas) for (beta : betas) for (k : ks) run(alpha, beta, k)`: once one level
        is a search, a level nested with it is one more dimension when its values reach the same call
        (`k`, `eta`) or the loops nest perfectly (`for (alpha...) for (ygamma = 0.95; ...; += 0.01)`)."""
        for _ in range(3):  # a chain of levels settles in a few rounds
            grown = False
            for loop, target, iterable in ranges:
                sibling = self._nested_with(loop)
                if sibling is not None and self._range_loop(loop, target, iterable, sibling):
                    grown = True
            for loop in counters:
                sibling = self._nested_with(loop)
                if sibling is not None and self._sibling_sweep(loop, sibling):
                    grown = True
            if not grown:
                return

    def _nested_with(self, loop: Node) -> Hit | None:
        """An accepted grid loop this unaccepted loop is nested in, or that is nested in it."""
        if loop.id in self._loops:
            return None
        outer = enclosing_loop(loop)
        while outer is not None:
            hit = self._loops.get(outer.id)
            if hit is not None and hit.method == "grid search":
                return hit
            outer = enclosing_loop(outer)
        for hit in self._loops.values():
            node = hit.tree_node
            if (
                hit.method == "grid search"
                and loop.start_byte < node.start_byte
                and node.end_byte <= loop.end_byte
                and function_of(node) == function_of(loop)
            ):
                return hit
        return None

    def _sibling_sweep(self, loop: Node, sibling: Hit) -> bool:
        counter = counter_of(loop)
        if counter is None or normalized(counter) in CPP_NOT_HYPERPARAMETERS or TIME_LOOP.search(normalized(counter)):
            return False
        values = sweep_values(self.cpp, loop, counter)
        if values is None or not 2 <= len(values) <= MAX_SWEEP:
            return False
        fractional = any(isinstance(v, float) for v in values)
        if not (fractional and _perfectly_nested(loop, sibling.tree_node) or self._co_flow(loop, sibling, counter)):
            return False
        self._add_loop(loop, f"hand-written sweep over {counter} ({len(values)} values)", [(counter, values)])
        return True

    def _co_flow(self, loop: Node, sibling: Hit, name: str) -> bool:
        """The loop variable `name` and a variable of the accepted `sibling` loop are handed to one call."""
        node = sibling.tree_node
        tuned = {h.name for h in sibling.hyperparameters} | self._variables.get(node.id, set())
        inner = loop if node.start_byte <= loop.start_byte and loop.end_byte <= node.end_byte else node
        body = inner.child_by_field_name("body")
        if body is None:
            return False
        calls = [
            call.child_by_field_name("arguments")
            for call, _ in self.cpp.calls
            if body.start_byte <= call.start_byte and call.end_byte <= body.end_byte
        ]
        for arguments in [*calls, *descendants(body, "initializer_list")]:
            if arguments is None:
                continue
            used = identifiers_in(arguments)
            if name in used and used & tuned:
                return True
        return False

    # -- index loops: `for (int i = 0; i < 3; ++i) { double lr = lrs[i]; ... }` -----------------------

    def _indexed_grid(self, loop: Node) -> None:
        counter = counter_of(loop)
        body = loop.child_by_field_name("body")
        if counter is None or body is None or is_cpp_hyperparameter(counter):
            return  # a hyperparameter-named counter is a sweep (see _counter_sweep)
        cursor = QueryCursor(cpp_query(_SUBSCRIPT_QUERY))
        cursor.set_byte_range(body.start_byte, body.end_byte)
        reads: dict[str, list[Node]] = {}  # array text -> its `array[counter]` reads in this loop
        for _, match in cursor.matches(body):
            owner = owning_counter_loop(match["sub"][0], counter)
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
        """A counter over a few literal steps, named as a hyperparameter (`for (lr = 1e-4; ...; lr *= 10)`),
        or named otherwise when it steps by a factor, is handed as such to a call or constructor and the
        loop trains (`for (rate = 0.01; rate < 1; rate *= 3) { Booster b(rate); b.fit(data); }`)."""
        counter = counter_of(loop)
        if counter is None or normalized(counter) in CPP_NOT_HYPERPARAMETERS:
            return False
        named = is_cpp_hyperparameter(counter)
        if not named and (
            TIME_LOOP.search(normalized(counter)) or not multiplies(loop) or not self._handed_on(loop, counter)
        ):
            return False
        values = sweep_values(self.cpp, loop, counter)
        if values is None or not 2 <= len(values) <= MAX_SWEEP:
            return False  # hundreds of steps: a decay schedule inside one run
        self._add_loop(loop, f"hand-written sweep over {counter} ({len(values)} values)", [(counter, values)])
        return True

    def _handed_on(self, loop: Node, counter: str) -> bool:
        """The counter is an argument of its own to a call or constructor in a loop that trains."""
        body = loop.child_by_field_name("body")
        if body is None or not trains(self.cpp, body, loop):
            return False
        for node in [*descendants(body, "argument_list"), *descendants(body, "initializer_list")]:
            if any(c.type == "identifier" and text(c) == counter for c in node.named_children):
                return True
        for node in descendants(body, "parameter_list"):  # `Knn knn(k);` read as a function declaration
            if any(
                c.type == "parameter_declaration"
                and c.child_by_field_name("declarator") is None
                and text(c.child_by_field_name("type")) == counter
                for c in node.named_children
            ):
                return True
        return False

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
        for call, function in self.cpp.calls:
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
            loop = next((found for call in self.cpp.calls_named(name) if (found := enclosing_loop(call))), None)
        if loop is None or any(TIME_LOOP.search(normalized(n)) for n in loop_names(loop)):
            return None
        return loop

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


# Element names that say nothing by themselves (`for (double k : ks)`): a nested level may still be a
# dimension when its values reach the same call as the level beside it.
_ELEMENT_NAMES = frozenset({"i", "j", "k", "n", "it", "x"})


def _named_by_list(name: str, iterable: Node) -> bool:
    """`k` over `kValues`, `ks`, `K_LIST`, `rate` over `rates`: the list is named as the values of this
    very variable."""
    written = text(iterable)
    if not re.fullmatch(r"[A-Za-z_]\w*", written):
        return False
    plain = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", written.strip("_")).lower()  # kValues -> k_values
    wanted = name.lower()
    return plain == wanted + "s" or any(plain == wanted + suffix for suffix in _LIST_SUFFIXES)


_LIST_SUFFIXES = ("_values", "_vals", "_list", "_grid", "_range", "_candidates", "_options", "_to_try")


def _is_collection_name(written: str) -> bool:
    """`ks`, `ETA`, `betas`, `c_values`: a name that can hold several values (not a call or an index)."""
    return bool(re.fullmatch(r"[A-Za-z_]\w*", written)) and normalized(written) not in CPP_NOT_HYPERPARAMETERS


def _perfectly_nested(a: Node, b: Node) -> bool:
    """One loop is the only statement of the other's body (a grid written level by level)."""
    for outer, inner in ((a, b), (b, a)):
        body = outer.child_by_field_name("body")
        if body is None:
            continue
        statements = (
            [c for c in body.named_children if c.type != "comment"] if body.type == "compound_statement" else [body]
        )
        if len(statements) == 1 and statements[0].id == inner.id:
            return True
    return False


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
