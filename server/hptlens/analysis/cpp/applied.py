"""C++ hand-written searches that set hyperparameters, run something and act on the result.

Two shapes, each decided by dataflow rather than by the loop's vocabulary:
- applied sweeps: a loop sets a hyperparameter (a variable, a field of a parameter struct, a
  setter, a reference parameter the caller names) to a value that changes from one iteration to
  the next, hands it to a call, and acts on what comes back:
  `while (grid.next()) { param.C = pow(2, grid.index[0]); err = cv.run(param); if (err < best) ... }`,
  `for (...) { neurons = lo + i * step; net.resize(neurons); train(); if (error < best) ... }`,
  adaptive probes (`h *= 10; gain = evaluate(net, hy); if (gain <= last) ...`). A loop over time
  (episodes, steps, epochs, updates) qualifies only when what it sets is the model's size: a
  schedule anneals a rate inside one run, it never changes a network's width.
- callers: calls, in the same file, of a function that holds a search found here; a reference
  parameter the search sets is named by the caller's argument (`refine(net, hy, hy.mu)` searches `mu`).
Calls of a search written elsewhere (search_calls.py) run between the two, so the hits keep their order;
the per-statement syntax tests are setting.py's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from tree_sitter import Node

from hptlens.analysis.cpp.file import (
    CppFile,
    function_of,
    is_cpp_hyperparameter,
    normalized,
    positional,
    statement_of,
    target_names,
)
from hptlens.analysis.cpp.flow import (
    Index,
    calls_index,
    draws,
    in_body,
    last_name,
    outermost,
    root_of,
    training_calls,
    trains,
)
from hptlens.analysis.cpp.loops import TIME_LOOP, counter_of, loop_names
from hptlens.analysis.cpp.sampling import setter_name
from hptlens.analysis.cpp.search_calls import search_calls
from hptlens.analysis.cpp.setting import (
    STRUCTURAL,
    conditional,
    constructed_with,
    defined_name,
    descendants_or_self,
    direct_arguments,
    is_output,
    parameter_names,
    reads_any,
    schedule_only,
    widened,
)
from hptlens.analysis.neutral import Hit, identifiers_in, text
from hptlens.report import HAND_WRITTEN, Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType

_SET_QUERY = """
(assignment_expression left: [(identifier) (field_expression)] @target right: (_) @value) @set
(init_declarator declarator: (identifier) @target value: (_) @value) @set
(call_expression function: (field_expression field: (field_identifier) @setter)
                 arguments: (argument_list . (_) @value .)) @set
"""
_CONDITION_QUERY = """
(if_statement condition: (_) @condition)
(while_statement condition: (_) @condition)
(conditional_expression condition: (_) @condition)
"""
# Reference parameters that stand for "the hyperparameter being searched" by their name.
_PARAMETER_WORD = re.compile(r"(?i)(^|_)(h|hp|hyper\w*|param\w*)($|_)|(?<=[a-z])Param")
_COMPOUND = ("*=", "/=", "+=", "-=")


@dataclass
class _Target:
    """Something a loop sets: a variable, a struct field (`holder.name`), a setter, a reference parameter."""

    name: str
    written: str  # the lvalue as written (`para->C`), or `receiver.setter` for setters
    holder: str | None
    statements: list[Node] = field(default_factory=list)
    reference: int | None = None  # position of the enclosing function's reference parameter it is
    compound: bool = False
    setter: bool = False
    drawn: bool = False


class AppliedSearches:
    def __init__(self, cpp: CppFile, accepted: Iterable[Hit]) -> None:
        self.cpp = cpp
        self.hits: list[Hit] = []
        self._accepted_loops = {h.tree_node.id for h in accepted if h.kind == FindingKind.HAND_LOOP}
        self._candidates: list[Node] = []
        self._functions: dict[int, Node] = {}
        """Functions holding a search found here, by node id."""
        self._references: dict[int, dict[int, Hyperparameter]] = {}
        """Per search function, its reference parameters the search sets (by position)."""

    def run(self) -> list[Hit]:
        if self.cpp.loops and training_calls(self.cpp).nodes(self.cpp.root):
            candidates = [
                loop
                for loop in self.cpp.loops
                if loop.id not in self._accepted_loops
                and trains(self.cpp, loop.child_by_field_name("body"), loop)
                and not schedule_only(loop)
            ]
            self._candidates = outermost(candidates)
            for loop in candidates:
                self._applied_loop(loop)
        self.hits += search_calls(self.cpp)
        self._callers()
        return self.hits

    # -- applied sweeps ------------------------------------------------------------------------------

    def _applied_loop(self, loop: Node) -> None:
        body = loop.child_by_field_name("body")
        if body is None:
            return
        function = function_of(loop)
        varying = self._varying(loop, body)
        targets = self._targets(loop, body, function, varying)
        if not targets:
            return
        over_time = any(TIME_LOOP.search(normalized(n)) for n in loop_names(loop))
        if over_time and not any(STRUCTURAL.search(normalized(t.name)) for t in targets.values()):
            return  # a rate annealed over episodes or steps is a schedule
        parameters = parameter_names(function)
        evaluated = [t for t in targets.values() if self._evaluated(body, loop, t, parameters)]
        # A random draw per trial, or a value handed straight to a training or validation call
        # (`cross_validate_trainer(trainer, ...)` after `trainer.set_nu(nu)`), is a search whatever is
        # then done with the scores; a value only handed to some call needs the loop to act on a result.
        direct = any(t.drawn or self._evaluated(body, loop, t, parameters, training=True) for t in evaluated)
        if not evaluated or not (direct or self._acts_on_result(body, loop)):
            return
        results = self._results(body, loop, evaluated)
        targets = {k: t for k, t in targets.items() if not any(reads_any(s, results) for s in t.statements)}
        named = [t for t in targets.values() if t.reference is not None or is_cpp_hyperparameter(t.name)]
        holders = {t.holder for t in named if t.holder}
        kept = named + [t for t in targets.values() if t not in named and t.holder in holders]  # para->p beside para->C
        if not named:
            return
        self._accept(loop, body, function, kept)

    @cached_property
    def _sets(self) -> Index:
        """Settings inside the loops that may be searches (read per loop)."""
        return Index.of_query(self.cpp.root, _SET_QUERY, "set", self._candidates)

    @cached_property
    def _all_sets(self) -> Index:
        """Settings anywhere (read only for accepted loops and their callers)."""
        return Index.of_query(self.cpp.root, _SET_QUERY, "set")

    @cached_property
    def _conditions(self) -> Index:
        return Index.of_query(self.cpp.root, _CONDITION_QUERY, "condition", self._candidates)

    @cached_property
    def _updates(self) -> Index:
        return Index.of_query(self.cpp.root, "(update_expression argument: (_) @target) @set", "set", self._candidates)

    @cached_property
    def _calls(self) -> Index:
        return calls_index(self.cpp)

    def _reference_parameters(self, function: Node | None) -> dict[str, int]:
        """`float& h_parameter`, `double& value`: parameters a function sets for its caller, by
        position, when their name says they hold the hyperparameter being searched or the callers
        in this file bind them to one (`probe(net, cfg, cfg.eta)`)."""
        declarator = function.child_by_field_name("declarator") if function is not None else None
        params = declarator.child_by_field_name("parameters") if declarator is not None else None
        found: dict[str, int] = {}
        for position, parameter in enumerate(params.named_children if params is not None else []):
            inner = parameter.child_by_field_name("declarator")
            if (
                inner is None
                or inner.type not in ("reference_declarator", "pointer_declarator")
                or "const" in text(parameter).split()
            ):
                continue
            names = target_names(inner)
            if len(names) != 1:
                continue
            named = _PARAMETER_WORD.search(names[0]) or is_cpp_hyperparameter(names[0])
            kind = parameter.child_by_field_name("type")
            if (
                named
                or kind is not None
                and kind.type == "primitive_type"
                and function is not None
                and any(is_cpp_hyperparameter(n) for n in self._bindings(function, position))
            ):
                found[names[0]] = position
        return found

    def _bindings(self, function: Node, position: int) -> list[str]:
        """The names callers in this file hand to a parameter: `settings.eta` -> eta, `lr` -> lr."""
        found: list[str] = []
        for call in self.cpp.calls_named(defined_name(function)):
            arguments = positional(call)
            if position < len(arguments):
                argument = arguments[position]
                field_node = argument.child_by_field_name("field") if argument.type == "field_expression" else None
                found.append(text(field_node) if field_node is not None else text(argument))
        return found

    def _calls_in(self, body: Node, loop: Node) -> list[Node]:
        return [c for c in self._calls.nodes(body) if in_body(c, loop)]

    def _varying(self, loop: Node, body: Node) -> set[str]:
        """Names whose value changes from one iteration to the next: the loop's variables, what its
        condition reads (`grid.next()`), and whatever the body assigns."""
        names: set[str] = set()
        if loop.type == "for_range_loop":
            target = loop.child_by_field_name("declarator")
            names.update(target_names(target) if target is not None else [])
        else:
            counter = counter_of(loop) if loop.type == "for_statement" else None
            names.update([counter] if counter else [])
            condition = loop.child_by_field_name("condition")
            names.update(identifiers_in(condition) if condition is not None else set())
        for match in self._sets.within(body):
            if "target" in match:
                root = root_of(match["target"][0])
                names.update([root] if root else [])
        for match in self._updates.within(body):
            root = root_of(match["target"][0])
            names.update([root] if root else [])
        return names

    def _targets(self, loop: Node, body: Node, function: Node | None, varying: set[str]) -> dict[str, _Target]:
        own = set(loop_names(loop)[:1]) if loop.type == "for_statement" else set()
        references = self._reference_parameters(function)
        targets: dict[str, _Target] = {}
        for match in self._sets.within(body):
            node, value = match["set"][0], match["value"][0]
            if not in_body(node, loop):
                continue
            if "setter" in match:
                method = text(match["setter"][0])
                if not re.match(r"set(_|[A-Z])", method):
                    continue
                function_node = node.child_by_field_name("function")
                receiver = function_node.child_by_field_name("argument") if function_node is not None else None
                if receiver is None:
                    continue
                holder = root_of(receiver)
                name, written, compound = setter_name(method), f"{text(receiver)}.{method}", False
            else:
                target = match["target"][0]
                operator = node.child_by_field_name("operator") if node.type == "assignment_expression" else None
                compound = text(operator) in _COMPOUND
                if target.type == "field_expression":
                    name, holder = text(target.child_by_field_name("field")), root_of(target)
                else:
                    name, holder = text(target), None
                written = re.sub(r"\s+", "", text(target))
            if (name in own and "setter" not in match) or not (
                compound or identifiers_in(value) & varying or draws(self.cpp, value)
            ):
                continue
            reference = references.get(name) if holder is None else None
            if reference is None and not is_cpp_hyperparameter(name) and holder is None:
                continue
            entry = targets.setdefault(
                written, _Target(name, written, holder, reference=reference, setter="setter" in match)
            )
            entry.statements.append(conditional(statement_of(node)))
            entry.compound = entry.compound or compound
            entry.drawn = entry.drawn or draws(self.cpp, value)
        return targets

    def _evaluated(
        self, body: Node, loop: Node, target: _Target, parameters: list[str], training: bool = False
    ) -> bool:
        """Something in the loop is handed the value (or its struct) as an argument of its own, and is
        not only printing it; a value folded into arithmetic (`w - alpha * g`) is a step, not a setting."""
        wanted = {target.holder} if target.holder else {target.name}
        if target.reference is not None:
            wanted |= set(parameters) - {target.name}
        calls = (
            [c for c in training_calls(self.cpp).nodes(body) if in_body(c, loop)]
            if training
            else self._calls_in(body, loop)
        )
        for call in calls:
            function = call.child_by_field_name("function")
            if is_output(call):
                continue
            if direct_arguments(call) & wanted:
                return True
            if (
                function is not None
                and function.type == "field_expression"
                and target.holder
                and root_of(function.child_by_field_name("argument")) == target.holder
                and not re.match(r"set(_|[A-Z])", last_name(function))
            ):
                return True  # svm.setC(c); svm.train(data)
        return not training and bool(constructed_with(body) & wanted)  # `Trainer trainer(lr, 5);`

    def _results(self, body: Node, loop: Node, targets: list[_Target]) -> set[str]:
        """Variables holding what a call handed the value returned (`score = -search(pos, -alpha)`):
        a target set from them follows the result (alpha-beta bounds, line-search steps), not a plan."""
        wanted = {t.holder or t.name for t in targets}
        found: set[str] = set()
        for match in self._sets.within(body):
            if "target" not in match:
                continue
            for call in self._calls.nodes(match["value"][0]):
                arguments = call.child_by_field_name("arguments")
                if arguments is not None and identifiers_in(arguments) & wanted:
                    root = root_of(match["target"][0])
                    found.update([root] if root else [])
        return found

    def _acts_on_result(self, body: Node, loop: Node) -> bool:
        """A condition in the loop reads what a call in the loop returned (`if (err < best)`)."""
        results: set[str] = set()
        for match in self._sets.within(body):
            if "target" in match and self._calls.nodes(match["value"][0]):
                root = root_of(match["target"][0])
                results.update([root] if root else [])
        for match in self._conditions.within(body):
            condition = match["condition"][0]
            if in_body(condition, loop) and (
                identifiers_in(condition) & results or any(not is_output(c) for c in self._calls.nodes(condition))
            ):
                return True
        return False

    def _accept(self, loop: Node, body: Node, function: Node | None, targets: list[_Target]) -> None:
        hps = [Hyperparameter(name=t.name, space=SearchSpace(type=SpaceType.UNKNOWN)) for t in targets]
        method = (
            "random search"
            if any(t.drawn for t in targets)
            else "adaptive search"
            if any(t.compound or t.reference is not None for t in targets)
            else "grid search"
        )
        shown: list[Hyperparameter] = []  # a reference parameter is shown as what the callers bind it to
        for target, hp in zip(targets, hps):
            bound = (
                [n for n in self._bindings(function, target.reference) if is_cpp_hyperparameter(n)]
                if function is not None and target.reference is not None
                else []
            )
            shown += [Hyperparameter(name=n, space=hp.space) for n in dict.fromkeys(bound)] or [hp]
        names = ", ".join(dict.fromkeys(h.name for h in shown))
        self.hits.append(
            Hit(
                FindingKind.HAND_LOOP,
                Criterion.HAND_TUNING,
                HAND_WRITTEN,
                loop,
                f"hand-written {method} setting {names}",
                method=method,
                hyperparameters=shown,
                confidence=0.75,
            )
        )
        seen: set[int] = set()
        for target, hp in zip(targets, hps):
            statements = list(target.statements) + self._earlier_settings(loop, function, target)
            for statement in statements:
                if statement.id not in seen:
                    seen.add(statement.id)
                    self._space(
                        statement,
                        None,
                        "value set for the trial",
                        [h for h in shown if h.name == hp.name] or shown if target.reference is not None else [hp],
                    )
            if target.holder is None and target.reference is None:
                for call in self._calls_in(body, loop):
                    arguments = call.child_by_field_name("arguments")
                    statement = statement_of(call)
                    if (
                        arguments is not None
                        and target.name in identifiers_in(arguments)
                        and not is_output(call)
                        and statement.id not in seen
                        and statement.type == "expression_statement"
                    ):
                        seen.add(statement.id)
                        self._space(statement, hp, "trial value applied")
        for definition in self._iterated_definitions(loop, function):
            if definition.id not in seen:
                seen.add(definition.id)
                self._space(definition, None, "grid the loop steps through", hps)
        if function is not None:
            self._functions[function.id] = function
            references = self._references.setdefault(function.id, {})
            for target, hp in zip(targets, hps):
                if target.reference is not None:
                    references[target.reference] = hp

    def _space(
        self, node: Node, hp: Hyperparameter | None, label: str, hps: list[Hyperparameter] | None = None
    ) -> None:
        self.hits.append(
            Hit(
                FindingKind.SEARCH_SPACE,
                Criterion.HAND_TUNING,
                HAND_WRITTEN,
                node,
                f"hand-written {label}",
                method="hand-written search",
                confidence=0.7,
                hyperparameters=hps if hps is not None else [hp] if hp is not None else [],
            )
        )

    def _earlier_settings(self, loop: Node, function: Node | None, target: _Target) -> list[Node]:
        """The starting value and first probes, set in the same function before the loop."""
        if function is None or target.setter:
            return []
        found: list[Node] = []
        for match in self._all_sets.within(function, loop.start_byte):
            node = match["set"][0]
            if "target" not in match or function_of(node) != function:
                continue
            if re.sub(r"\s+", "", text(match["target"][0])) == target.written:
                found.append(statement_of(node))
        return found

    def _iterated_definitions(self, loop: Node, function: Node | None) -> list[Node]:
        """`while (gp->next())`: where the stepped object is made before the loop (`gp = new Grid(...)`),
        an if/else that makes it either way taken whole."""
        condition = loop.child_by_field_name("condition")
        if function is None or loop.type != "while_statement" or condition is None:
            return []
        calls = self._calls.nodes(condition)
        function_node = calls[0].child_by_field_name("function") if calls else None
        if function_node is None or function_node.type != "field_expression":
            return []
        owner = root_of(function_node.child_by_field_name("argument"))
        found: list[Node] = []
        for match in self._all_sets.within(function, loop.start_byte):
            node = match["set"][0]
            if (
                "target" in match
                and root_of(match["target"][0]) == owner
                and match["target"][0].type == "identifier"
                and (self._calls.nodes(match["value"][0]) or descendants_or_self(match["value"][0], "new_expression"))
            ):
                found.append(widened(statement_of(node)))
        return list({n.id: n for n in found}.values())

    # -- callers of a search ---------------------------------------------------------------------------

    def _callers(self) -> None:
        """Calls of the functions holding a search, in this file, transitively (a driver calling
        `coarse_search`, which calls `refine`)."""
        done: set[int] = set()
        for _ in range(6):
            pending = [f for key, f in self._functions.items() if key not in done]
            if not pending:
                return
            for function in pending:
                done.add(function.id)
                name = defined_name(function)
                if name:
                    for call in self.cpp.calls_named(name):
                        caller = function_of(call)
                        if caller is None or caller.id != function.id:
                            self._caller(call, function)

    def _caller(self, call: Node, search: Node) -> None:
        references = self._references.get(search.id, {})
        arguments = positional(call)
        hps: list[Hyperparameter] = []
        caller = function_of(call)
        statement = statement_of(call)
        for position, hp in sorted(references.items()):
            if position >= len(arguments):
                continue
            argument = arguments[position]
            written = re.sub(r"\s+", "", text(argument))
            name = text(argument.child_by_field_name("field")) if argument.type == "field_expression" else written
            named = Hyperparameter(name=name, space=hp.space)
            hps.append(named)
            if caller is None:
                continue
            for match in self._all_sets.within(caller, statement.start_byte):
                node = match["set"][0]
                if (
                    "target" in match
                    and re.sub(r"\s+", "", text(match["target"][0])) == written
                    and function_of(node) == caller
                ):
                    self._space(statement_of(node), named, "starting value")
        self.hits.append(
            Hit(
                FindingKind.SEARCH_RUN,
                Criterion.HAND_TUNING,
                HAND_WRITTEN,
                statement,
                f"runs the hand-written search {defined_name(search)}",
                method="hand-written search",
                hyperparameters=hps,
                confidence=0.7,
            )
        )
        if caller is not None and hps:  # the caller names what the search sets: a search itself
            self._functions.setdefault(caller.id, caller)


__all__ = ["AppliedSearches"]
