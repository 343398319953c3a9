"""Detector for hand-written tuning: grid loops, random search, hand-written genetic search.

A loop is a search when it iterates over two or more hyperparameter values (a literal,
a generator such as np.logspace, a product of those, a list of config dicts) and its
variable is a hyperparameter: by name, or because it flows into a hyperparameter
keyword or config key. Loops over seeds, environments, episodes and files are not.
"""

from __future__ import annotations

import math
import re
from typing import Any

from tree_sitter import Node, QueryCursor

from hptlens.analysis.apis import is_space_call, match_call
from hptlens.analysis.catalog.vocabulary import (
    GENETIC_OPERATORS,
    RANDOM_METHODS,
    RANDOM_RECEIVERS,
    RANDOM_SAMPLERS,
    VALUE_GENERATORS,
)
from hptlens.analysis.neutral import (
    NOT_HYPERPARAMETERS,
    NOT_LITERAL,
    PLURAL_SUFFIXES,
    Hit,
    child_field,
    enclosing,
    is_hyperparameter,
    is_not_tuned_argument,
    scalar,
    text,
)
from hptlens.analysis.pyfile import PyFile, query, target_name
from hptlens.analysis.spaces import call_arguments, choice_items, dict_pairs, literal
from hptlens.analysis.values import config_dicts, generated_values, sampled_binding, sampled_space
from hptlens.report import HAND_WRITTEN, Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType

_LOOPS = frozenset({"for_statement", "while_statement", "for_in_clause"})
_COMPREHENSIONS = frozenset(
    {"list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression"}
)
SEARCH_OBJECT = "<search object>"
"""Stands for the configurations a library yields (ParameterGrid) in place of a named variable."""
_RANDOM_RECEIVER = re.compile(RANDOM_RECEIVERS)
_GENETIC = re.compile(GENETIC_OPERATORS, re.IGNORECASE)

_FLOW_QUERY = """
(keyword_argument name: (identifier) @key value: (_) @value) @flow
(assignment left: [(attribute) (subscript)] @key right: (_) @value) @flow
"""
_GA_CALL_QUERY = "(call function: [(identifier) @name (attribute attribute: (identifier) @name)]) @call"


def _tuned_argument(key: str, values: list[Any] | None) -> bool:
    """A launched run's argument given the loop's values: tuned when named as a hyperparameter,
    or when it takes several numbers and names nothing that picks the run (seed, env, device)."""
    if is_not_tuned_argument(key):
        return False
    if is_hyperparameter(key):
        return True
    numbers = [v for v in values or [] if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return len(numbers) >= 2 and len(numbers) == len(values or [])


_LAUNCHES = re.compile(
    r"subprocess|os\.system|os\.popen|Popen|check_call|check_output|\bsbatch\b|\bsrun\b"
    r"|\bpython3?\b|\.py\b|\bshlex\b"
)


def _launch_keys(body: Node, names: list[str]) -> dict[str, str]:
    """Loop variables written into a command line or override (`["--lr", str(lr)]`,
    f"--lr={lr}", f"lr={lr}"), each with the argument name it is given under."""
    written = text(body)
    found: dict[str, str] = {}
    if not _LAUNCHES.search(written):
        return found  # `label=f"window={w}"` is a plot label, not a run's argument
    for name in names:
        if name not in written:
            continue
        variable = re.escape(name)
        flag = re.search(
            rf"-{{1,2}}([A-Za-z_][\w.\-]*)(?:\s*=\s*|\s+|['\"]\s*[,+]\s*)"
            rf"(?:(?:str|repr|float|int)\(\s*)?\{{?\s*{variable}\b",
            written,
        )
        override = flag or re.search(rf"(?<![\w.\-])([A-Za-z_][\w.]*)=\{{\s*{variable}\b", written)
        if override is not None:
            found[name] = override.group(1).rsplit(".", 1)[-1].replace("-", "_")
    return found


def _walks_items(iterable: Node) -> bool:
    function = iterable.child_by_field_name("function") if iterable.type == "call" else None
    return function is not None and function.type == "attribute" and text(function).endswith(".items")


def _takes_from_values(body: Node, names: list[str]) -> bool:
    """Whether a `for key, values in grid.items()` body uses each entry as a set of values:
    loops over it, draws from it, or unpacks it into a product or bounds."""
    if len(names) < 2:
        return True
    values = re.escape(names[-1])
    return bool(
        re.search(
            rf"\bin\s+{values}\b|(?:choice|sample|product|shuffle)\s*\(\s*\*?\s*{values}\b"
            rf"|\*\s*{values}\b|\b{values}\s*\[",
            text(body),
        )
    )


def _named_hyperparameter(name: str) -> str | None:
    """The hyperparameter a collection's name says it holds: `alpha`, `learning_rates` -> learning_rate."""
    if is_hyperparameter(name):
        return name
    return next(
        (name[: -len(s)] for s in PLURAL_SUFFIXES if name.endswith(s) and is_hyperparameter(name[: -len(s)])), None
    )


def _plural_of_hyperparameter(name: str) -> bool:
    return any(name.endswith(s) and is_hyperparameter(name[: -len(s)]) for s in PLURAL_SUFFIXES)


class HandTuning:
    def __init__(self, py: PyFile) -> None:
        self.py = py
        self.hits: list[Hit] = []
        self._loop_hits: dict[int, Hit] = {}
        self._pending: list[Hit] = []
        """Value definitions seen while reading a loop; kept only if the loop is a search."""

    def run(self) -> list[Hit]:
        self._random_search()
        self._grid_loops()
        self._while_sweeps()
        self._genetic()
        return self.hits

    # ---- grid loops -----------------------------------------------------------------

    def _grid_loops(self) -> None:
        for loop in self.py.candidates("for"):
            target, iterable = loop.child_by_field_name("left"), loop.child_by_field_name("right")
            if target is not None and iterable is not None and loop.id not in self._loop_hits:
                self._grid_loop(loop, target, iterable)

    def _grid_loop(self, loop: Node, target: Node, iterable: Node) -> None:
        self._pending = []
        if loop.type == "for_in_clause" and self._builds_library_space(loop):
            return  # `{k: tune.grid_search(v) for k, v in table.items()}`: the library detector's
        names = _target_names(target)
        if not names or all(n in NOT_HYPERPARAMETERS for n in names):
            return
        if iterable.type == "call" and text(iterable.child_by_field_name("function")) == "enumerate":
            positional, _ = call_arguments(iterable)
            if not positional:
                return
            iterable, names = positional[0], names[1:]
        dims = self._iterated_values(iterable, names)
        if dims is None:
            self._inner_level(loop, iterable, names)
            return
        body = loop.child_by_field_name("body") if loop.type == "for_statement" else loop.parent
        if body is not None and _walks_items(iterable) and not _takes_from_values(body, names):
            return  # `for key, value in config.items(): print(...)` reads a config, it searches nothing
        flows = self._flows(body, names) if body is not None else set()
        if dims == [(SEARCH_OBJECT, None)]:
            self._add_loop(
                loop,
                Hit(
                    FindingKind.HAND_LOOP,
                    Criterion.HAND_TUNING,
                    HAND_WRITTEN,
                    loop,
                    f"hand-written loop over {text(iterable)}",
                    method="grid search",
                    confidence=0.9,
                ),
            )
            return
        launched = _launch_keys(body, names) if body is not None else {}
        # A value written into a launched run's arguments is named as the run sees it (`--reg_lambda`).
        tuned = [
            (launched[n], v) if n in launched and _tuned_argument(launched[n], v) else (n, v)
            for n, v in dims
            if (n in launched and _tuned_argument(launched[n], v))
            or (n not in NOT_HYPERPARAMETERS and (is_hyperparameter(n) or n in flows))
        ]
        renamed = {n: launched[n] for n, v in dims if n in launched and _tuned_argument(launched[n], v)}
        if not tuned and len(dims) == 1 and iterable.type == "identifier" and len(dims[0][1] or []) >= 2:
            # `for v1 in alpha` / `for x in learning_rates`: the list names what its values are
            named = _named_hyperparameter(text(iterable))
            if named:
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
        self._add_loop(loop, hit)
        self.hits += self._pending

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
        outer = _enclosing_loop(loop)
        while outer is not None:
            hit = self._loop_hits.get(outer.id)
            target = outer.child_by_field_name("left")
            if hit is not None and target is not None and text(iterable) in _target_names(target):
                self._add_loop(
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
            outer = _enclosing_loop(outer)

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
            if _plural_of_hyperparameter(text(source).rsplit(".", 1)[-1]) and is_hyperparameter(names[0]):
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
            if not is_hyperparameter(key_name):
                continue
            root = value
            while root.type in ("subscript", "attribute"):
                root = root.child_by_field_name("value") or root.child_by_field_name("object") or root
                if root is value:
                    break
            if root.type == "identifier" and text(root) in wanted:
                found.add(text(root))
        return found

    # ---- while sweeps -------------------------------------------------------------------

    def _while_sweeps(self) -> None:
        for loop in self.py.candidates("while"):
            condition, body = loop.child_by_field_name("condition"), loop.child_by_field_name("body")
            if condition is None or body is None or loop.id in self._loop_hits:
                continue
            names = [n for n in _identifiers(condition) if is_hyperparameter(n)]
            stepped = [n for n in names if _is_stepped(body, n)]
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
                self._add_loop(loop, hit)

    # ---- random search ----------------------------------------------------------------

    def _random_search(self) -> None:
        for call in self.py.candidates("random_call"):
            if not self._is_random_call(call):
                continue
            bound = sampled_binding(call)
            if bound is None:
                continue
            name, statement = bound
            if name is None or not is_hyperparameter(name):
                continue
            loop = self._trial_loop(statement)
            if loop is None:
                continue
            space = sampled_space(self.py, call)
            self.hits.append(
                Hit(
                    FindingKind.SEARCH_SPACE,
                    Criterion.HAND_TUNING,
                    HAND_WRITTEN,
                    statement,
                    "hand-written random sampling",
                    method="random search",
                    confidence=0.8,
                    hyperparameters=[Hyperparameter(name=name, space=space)],
                )
            )
            existing = self._loop_hits.get(loop.id)
            if existing is None:
                self._add_loop(
                    loop,
                    Hit(
                        FindingKind.HAND_LOOP,
                        Criterion.HAND_TUNING,
                        HAND_WRITTEN,
                        loop,
                        "hand-written random search",
                        method="random search",
                        confidence=0.8,
                    ),
                )
                existing = self._loop_hits[loop.id]
            if all(h.name != name for h in existing.hyperparameters):
                existing.hyperparameters.append(Hyperparameter(name=name, space=space))

    def _is_random_call(self, call: Node) -> bool:
        function = call.child_by_field_name("function")
        if function is None:
            return False
        qualified = self.py.qualify(function)
        if qualified in RANDOM_SAMPLERS or qualified.startswith("numpy.random."):
            return True
        if function.type == "attribute":
            receiver = text(function.child_by_field_name("object")).rsplit(".", 1)[-1]
            method = text(function.child_by_field_name("attribute"))
            origin = self.py.qualify(child_field(function, "object"))
            return method in RANDOM_METHODS and (
                bool(_RANDOM_RECEIVER.search(receiver)) or "random" in origin or "default_rng" in origin
            )
        return False

    def _trial_loop(self, statement: Node) -> Node | None:
        """The loop that repeats this sampling: around it, or around a call of its function."""
        loop = _enclosing_loop(statement)
        if loop is not None:
            return loop
        function = enclosing(statement, frozenset({"function_definition"}))
        if function is None:
            return None
        name = text(function.child_by_field_name("name"))
        for call in self._calls_named(name):
            loop = _enclosing_loop(call)
            if loop is not None:
                return loop
        return None

    def _calls_named(self, name: str) -> list[Node]:
        return self.py.plain_calls.get(name, [])

    # ---- hand-written genetic search --------------------------------------------------------

    def _genetic(self) -> None:
        sampled = any(h.method == "random search" for h in self.hits)
        if not sampled:
            return
        operators: dict[str, Node] = {n: f for n, f in self.py.functions.items() if _GENETIC.search(n)}
        if not operators:
            return
        for function in operators.values():
            self._operator_lines(function)
        for name in operators:
            for call in self._calls_named(name):
                loop = _outermost_loop(call)
                if loop is None or enclosing(loop, frozenset({"function_definition"})) in operators.values():
                    continue
                hit = self._loop_hits.get(loop.id)
                if hit is None:
                    hit = Hit(
                        FindingKind.HAND_LOOP,
                        Criterion.AUTO_TUNING,
                        HAND_WRITTEN,
                        loop,
                        "hand-written genetic algorithm",
                        method="genetic algorithm",
                        confidence=0.8,
                    )
                    self._add_loop(loop, hit)
                else:
                    hit.category, hit.method, hit.label = (
                        Criterion.AUTO_TUNING,
                        "genetic algorithm",
                        "hand-written genetic algorithm",
                    )

    def _operator_lines(self, function: Node) -> None:
        """In crossover/mutation operators: the statements that make new hyperparameter values."""
        done: set[int] = set()
        calls = [
            c
            for c in self.py.candidates("random_call")
            if function.start_byte <= c.start_byte and c.end_byte <= function.end_byte
        ]
        for call in calls:
            if not self._is_random_call(call):
                continue
            statement = _statement_of(call)
            if (
                statement is None
                or statement.id in done
                or statement.type not in ("assignment", "return_statement", "augmented_assignment")
            ):
                continue
            done.add(statement.id)
            name = target_name(statement.child_by_field_name("left")) if statement.type != "return_statement" else None
            if statement.type != "return_statement" and not is_hyperparameter(name):
                continue
            hps = [Hyperparameter(name=name)] if name else []
            self.hits.append(
                Hit(
                    FindingKind.SEARCH_SPACE,
                    Criterion.HAND_TUNING,
                    HAND_WRITTEN,
                    statement,
                    "hand-written genetic operator",
                    method="genetic algorithm",
                    confidence=0.7,
                    hyperparameters=hps,
                )
            )

    def _add_loop(self, loop: Node, hit: Hit) -> None:
        self._loop_hits[loop.id] = hit
        self.hits.append(hit)


# ---- helpers ------------------------------------------------------------------------------


def _target_names(target: Node) -> list[str]:
    if target.type == "identifier":
        return [text(target)]
    if target.type in ("tuple", "pattern_list", "tuple_pattern", "list_pattern", "list"):
        names: list[str] = []
        for child in target.named_children:
            names += _target_names(child) if child.type != "identifier" else [text(child)]
        return names
    return []


def _identifiers(node: Node) -> list[str]:
    """Identifiers under `node`, iteratively: conditions can nest deeper than Python's stack."""
    found: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "identifier":
            found.append(text(current))
        else:
            stack.extend(reversed(current.named_children))
    return found


def _is_stepped(body: Node, name: str) -> bool:
    """`lr /= 10` or `lr = lr * 0.5` at the loop's own level."""
    for statement in body.named_children:
        node = (
            statement.named_children[0]
            if statement.type == "expression_statement" and statement.named_child_count
            else statement
        )
        if node.type == "augmented_assignment" and text(node.child_by_field_name("left")) == name:
            return True
        if node.type == "assignment" and text(node.child_by_field_name("left")) == name:
            right = node.child_by_field_name("right")
            if right is not None and name in _identifiers(right):
                return True
    return False


def _statement_of(node: Node) -> Node | None:
    while node.parent is not None and node.type not in (
        "assignment",
        "augmented_assignment",
        "return_statement",
        "expression_statement",
        "block",
        "module",
    ):
        node = node.parent
    return node


def _enclosing_loop(node: Node) -> Node | None:
    parent = node.parent
    if node.type == "for_in_clause" and parent is not None:
        parent = parent.parent  # step out of the clause's own comprehension
    while parent is not None and parent.type not in ("function_definition", "class_definition"):
        if parent.type in ("for_statement", "while_statement"):
            return parent
        if parent.type in _COMPREHENSIONS:
            clause = next((c for c in parent.named_children if c.type == "for_in_clause"), None)
            return clause or parent
        parent = parent.parent
    return None


def _outermost_loop(node: Node) -> Node | None:
    found = None
    current = _enclosing_loop(node)
    while current is not None:
        found = current
        current = _enclosing_loop(current)
    return found


def detect_hand_tuning(py: PyFile) -> list[Hit]:
    return HandTuning(py).run()
