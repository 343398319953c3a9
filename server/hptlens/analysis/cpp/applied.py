"""C++ hand-written searches that set hyperparameters, run something and act on the result.

Three shapes, each decided by dataflow rather than by the loop's vocabulary:
- applied sweeps: a loop sets a hyperparameter (a variable, a field of a parameter struct, a
  setter, a reference parameter the caller names) to a value that changes from one iteration to
  the next, hands it to a call, and acts on what comes back:
  `while (grid.next()) { param.C = pow(2, grid.index[0]); err = cv.run(param); if (err < best) ... }`,
  `for (...) { neurons = lo + i * step; net.resize(neurons); train(); if (error < best) ... }`,
  adaptive probes (`h *= 10; gain = evaluate(net, hy); if (gain <= last) ...`). A loop over time
  (episodes, steps, epochs, updates) qualifies only when what it sets is the model's size: a
  schedule anneals a rate inside one run, it never changes a network's width.
- search calls: a call of a search written elsewhere, known by a name that says so
  (`grid_search`, `GridSearch`, `coarse_hyper_surf`, `tune_hyperparameters`) and by what it is
  handed: lists of values (`alphas, betas`), candidate configurations
  (`{Spec{.lr = 0.01}, Spec{.lr = 0.1}}`) or a hyperparameter struct (`svm_parameter*`), whose
  fields read back after the call name the hyperparameters.
- callers: calls, in the same file, of a function that holds a search found here; a reference
  parameter the search sets is named by the caller's argument (`refine(net, hy, hy.mu)` searches `mu`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache

from tree_sitter import Node, Query

from hptlens.analysis.cpp.file import (
    CppFile,
    cpp_query,
    function_of,
    is_cpp_hyperparameter,
    normalized,
    plain_name,
    positional,
    singular,
    statement_of,
    target_names,
)
from hptlens.analysis.cpp.flow import (
    NAMES,
    Index,
    calls_index,
    draws,
    in_body,
    last_name,
    outermost,
    root_of,
    training_calls,
    trains,
    words_of,
)
from hptlens.analysis.cpp.hands import TIME_LOOP, counter_of, loop_names
from hptlens.analysis.cpp.libraries import descendants
from hptlens.analysis.cpp.literals import grid_values, literal
from hptlens.analysis.cpp.sampling import setter_name
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
# Calls that only report: their arguments are printed, logged or checked, not trained or evaluated.
_OUTPUT = re.compile(
    r"(?i)^(s?n?printf|f?puts|print\w*|log\w*|write\w*|dump\w*|format|to_string|"
    r"assert\w*|expect\w*|check\w*|debug|info|warn\w*|error|trace|emit|display\w*)$"
)
# What a schedule cannot change inside one run: the size of the model.
_STRUCTURAL = re.compile(
    r"neuron|hidden|layer|units|depth|trees|estimators|filters|channels|leaves|"
    r"clusters|neighbors|order"
)
# Reference parameters that stand for "the hyperparameter being searched" by their name.
_PARAMETER_WORD = re.compile(r"(?i)(^|_)(h|hp|hyper\w*|param\w*)($|_)|(?<=[a-z])Param")
# Types of a hyperparameter holder handed to a search written elsewhere.
# Words of a type that holds hyperparameters (`svm_parameter`, `HyperParameter`, `TrainParams`).
_HOLDER_WORDS = {
    "param",
    "params",
    "parameter",
    "parameters",
    "hyper",
    "hyperparameter",
    "hyperparameters",
    "hparam",
    "hparams",
    "hp",
    "hps",
}
_SEARCH_WORDS = {
    "search",
    "sweep",
    "surf",
    "tune",
    "tuning",
    "optimize",
    "optimise",
    "optimization",
    "opt",
    "selection",
    "select",
}
_SPACE_WORDS = {
    "grid",
    "random",
    "hyper",
    "hyperparameter",
    "hyperparameters",
    "hparam",
    "hparams",
    "hp",
    "hpo",
    "param",
    "params",
    "parameter",
    "parameters",
    "model",
}
_COMPOUND = ("*=", "/=", "+=", "-=")
_PASS_THROUGH = re.compile(r"cast|move|ref$")  # static_cast<int>(n), std::move(cfg), std::ref(cfg)


@cache
def _query(source: str) -> Query:
    return cpp_query(source)


def search_like(name: str) -> bool:
    """A function name that says it runs a hyperparameter search (not only `search` or `tune`)."""
    words = set(words_of(name))
    if "hpo" in words or {"hyperparameter", "hyperparameters", "hparams"} & words:
        return True
    return bool(words & _SEARCH_WORDS and words & _SPACE_WORDS) or ("sweep" in words and len(words) > 1)


def _is_output(call: Node) -> bool:
    function = call.child_by_field_name("function")
    return function is None or bool(_OUTPUT.match(last_name(function)))


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
                and not _schedule_only(loop)
            ]
            self._candidates = outermost(candidates)
            for loop in candidates:
                self._applied_loop(loop)
        self._search_calls()
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
        if over_time and not any(_STRUCTURAL.search(normalized(t.name)) for t in targets.values()):
            return  # a rate annealed over episodes or steps is a schedule
        parameters = _parameters(function)
        evaluated = [t for t in targets.values() if self._evaluated(body, loop, t, parameters)]
        # A random draw per trial, or a value handed straight to a training or validation call
        # (`cross_validate_trainer(trainer, ...)` after `trainer.set_nu(nu)`), is a search whatever is
        # then done with the scores; a value only handed to some call needs the loop to act on a result.
        direct = any(t.drawn or self._evaluated(body, loop, t, parameters, training=True) for t in evaluated)
        if not evaluated or not (direct or self._acts_on_result(body, loop)):
            return
        results = self._results(body, loop, evaluated)
        targets = {k: t for k, t in targets.items() if not any(_reads(s, results) for s in t.statements)}
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
        for call in self.cpp.calls_named(_defined_name(function)):
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
            entry.statements.append(_conditional(statement_of(node)))
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
            if _is_output(call):
                continue
            if _direct_arguments(call) & wanted:
                return True
            if (
                function is not None
                and function.type == "field_expression"
                and target.holder
                and root_of(function.child_by_field_name("argument")) == target.holder
                and not re.match(r"set(_|[A-Z])", last_name(function))
            ):
                return True  # svm.setC(c); svm.train(data)
        return not training and bool(_constructed_with(body) & wanted)  # `Trainer trainer(lr, 5);`

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
                identifiers_in(condition) & results or any(not _is_output(c) for c in self._calls.nodes(condition))
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
                        and not _is_output(call)
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
                and (self._calls.nodes(match["value"][0]) or _descendants_or_self(match["value"][0], "new_expression"))
            ):
                found.append(_widened(statement_of(node)))
        return list({n.id: n for n in found}.values())

    # -- search calls --------------------------------------------------------------------------------

    def _search_calls(self) -> None:
        for call, function in self.cpp.calls:
            if function.type == "field_expression" or not _search_by_name(function.text or b""):
                continue
            name = last_name(function)
            if not search_like(name) or name in self.cpp.functions:
                continue  # a method of a search object, or a search defined (and judged) in this file
            self._search_call(call, name)

    def _search_call(self, call: Node, name: str) -> None:
        dims: list[Hyperparameter] = []
        definitions: list[tuple[Node, Hyperparameter]] = []
        holders: list[str] = []
        for argument in positional(call):
            value, decl = self.cpp.resolve(argument)
            values = grid_values(literal(value))
            written = text(argument)
            if values is not None and argument.type == "identifier" and _plural(written):
                dim = Hyperparameter(
                    name=_plural(written) or written, space=SearchSpace(type=SpaceType.GRID, values=values)
                )
                dims.append(dim)
                if decl is not None and decl.statement.type == "declaration":
                    definitions.append((decl.statement, dim))
                continue
            candidates = _candidates(argument)
            if candidates:
                dims.extend(candidates)
                continue
            root = root_of(
                argument.child_by_field_name("argument") if argument.type == "pointer_expression" else argument
            )
            if root and root not in holders:
                read = _read_back(call, root)
                if set(words_of(plain_name(self.cpp.type_of_name(root, call)))) & _HOLDER_WORDS or any(
                    is_cpp_hyperparameter(n) for n in read
                ):
                    holders.append(root)
                    dims.extend(Hyperparameter(name=n, space=SearchSpace(type=SpaceType.UNKNOWN)) for n in read)
        if not (dims or holders):
            return
        words = set(words_of(name))
        method = "grid search" if "grid" in words else "random search" if "random" in words else "hand-written search"
        statement = statement_of(call)
        self.hits.append(
            Hit(
                FindingKind.SEARCH_RUN,
                Criterion.HAND_TUNING,
                HAND_WRITTEN,
                statement,
                f"hand-written search: {name}",
                method=method,
                hyperparameters=dims,
                confidence=0.7,
            )
        )
        for definition, dim in definitions:
            self.hits.append(
                Hit(
                    FindingKind.SEARCH_SPACE,
                    Criterion.HAND_TUNING,
                    HAND_WRITTEN,
                    definition,
                    "hand-written grid values",
                    method=method,
                    confidence=0.75,
                    hyperparameters=[dim],
                )
            )

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
                name = _defined_name(function)
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
                f"runs the hand-written search {_defined_name(search)}",
                method="hand-written search",
                hyperparameters=hps,
                confidence=0.7,
            )
        )
        if caller is not None and hps:  # the caller names what the search sets: a search itself
            self._functions.setdefault(caller.id, caller)


# ---- helpers -------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _search_by_name(written: bytes) -> bool:
    names = NAMES.findall(written)
    return bool(names) and search_like(names[-1].decode())


def _reads(statement: Node, names: set[str]) -> bool:
    value = statement.child_by_field_name("right") if statement.type == "assignment_expression" else statement
    if statement.type == "expression_statement" and statement.named_children:
        inner = statement.named_children[0]
        value = inner.child_by_field_name("right") if inner.type == "assignment_expression" else inner
    return bool(names and value is not None and identifiers_in(value) & names)


def _descendants_or_self(node: Node, node_type: str) -> list[Node]:
    return ([node] if node.type == node_type else []) + descendants(node, node_type)


def _conditional(statement: Node) -> Node:
    """`if (svr) para->p = 0.05 * i;`: a setting that is an if's whole branch, shown with its if."""
    parent = statement.parent
    if (
        parent is not None
        and parent.type == "if_statement"
        and parent.child_by_field_name("consequence") == statement
        and parent.child_by_field_name("alternative") is None
    ):
        return parent
    return statement


def _widened(statement: Node) -> Node:
    """An assignment made in every branch of an if/else stands for the whole if/else."""
    current = statement
    while current.parent is not None:
        parent = current.parent
        if (
            parent.type == "compound_statement"
            and len(parent.named_children) == 1
            and parent.parent is not None
            and parent.parent.type in ("if_statement", "else_clause")
        ):
            current = parent
            continue
        if parent.type in ("if_statement", "else_clause"):
            current = parent
            continue
        break
    if current.type != "if_statement" or current.id == statement.id:
        return statement
    return current if current.child_by_field_name("alternative") is not None else statement


def _schedule_only(loop: Node) -> bool:
    """A loop over time (episodes, steps, epochs) whose text never names a model size: whatever it
    sets is a schedule (a cheap look before reading it)."""
    if not any(TIME_LOOP.search(normalized(n)) for n in loop_names(loop)):
        return False
    body = loop.child_by_field_name("body")
    return body is None or not _STRUCTURAL.search(text(body).lower())


def _direct_arguments(call: Node) -> set[str]:
    """Variables handed to a call as arguments of their own: `f(lr)`, `f(&param)`, `f({n})`,
    `f(static_cast<int>(n))`, `f(cfg.lr)` (-> cfg), not `f(w - lr * g)`."""
    names: set[str] = set()
    pending = positional(call)
    while pending:
        node = pending.pop()
        wrapped = node.type in ("pointer_expression", "parenthesized_expression", "cast_expression")
        if wrapped and node.named_child_count:
            pending.append(
                node.child_by_field_name("argument") or node.child_by_field_name("value") or node.named_children[-1]
            )
        elif node.type == "initializer_list":
            pending.extend(node.named_children)
        elif node.type == "call_expression" and _PASS_THROUGH.search(text(node.child_by_field_name("function"))):
            pending.extend(positional(node))
        elif node.type in ("identifier", "field_expression"):
            root = root_of(node)
            names.update([root] if root else [])
    return names


def _constructed_with(body: Node) -> set[str]:
    """Variables handed as arguments of their own to objects declared in `body` (`Trainer t(lr, 5);`,
    and `Knn knn(k);`, which the grammar reads as a function declaration)."""
    names: set[str] = set()
    for declarator in descendants(body, "init_declarator"):
        value = declarator.child_by_field_name("value")
        if value is not None and value.type in ("argument_list", "initializer_list"):
            names.update(text(c) for c in value.named_children if c.type == "identifier")
    for params in descendants(body, "parameter_list"):
        if (
            params.parent is not None
            and params.parent.type == "function_declarator"
            and function_of(params) is not None
        ):
            names.update(
                text(c.child_by_field_name("type"))
                for c in params.named_children
                if c.type == "parameter_declaration" and c.child_by_field_name("declarator") is None
            )
    return names


def _parameters(function: Node | None) -> list[str]:
    declarator = function.child_by_field_name("declarator") if function is not None else None
    params = declarator.child_by_field_name("parameters") if declarator is not None else None
    names: list[str] = []
    for parameter in params.named_children if params is not None else []:
        inner = parameter.child_by_field_name("declarator")
        names.extend(target_names(inner) if inner is not None else [])
    return names


def _defined_name(function: Node) -> str:
    declarator = function.child_by_field_name("declarator")
    inner = declarator.child_by_field_name("declarator") if declarator is not None else None
    return plain_name(text(inner)).rsplit("::", 1)[-1] if inner is not None else ""


def _plural(written: str) -> str | None:
    """The hyperparameter a list's name holds values of: `alphas` -> alpha, `ks` -> k, `kLrs` -> lr."""
    named = singular(written)
    if named:
        return named
    plain = normalized(written)
    return plain[:-1] if re.fullmatch(r"[a-z]\w*s", plain) and len(plain) > 1 else None


def _candidates(argument: Node) -> list[Hyperparameter]:
    """`std::vector<Spec>{Spec{.lr = 0.01, .depth = 3}, Spec{.lr = 0.1, .depth = 3}}`: two or more
    configurations; the fields whose values differ are the hyperparameters tried."""
    lists = _descendants_or_self(argument, "initializer_list")
    for entries in lists:
        configs = []
        for entry in entries.named_children:
            inner = entry.child_by_field_name("value") if entry.type == "compound_literal_expression" else entry
            if inner is None or inner.type != "initializer_list":
                break
            pairs = {
                text(p.child_by_field_name("designator")).lstrip("."): literal(p.child_by_field_name("value"))
                for p in inner.named_children
                if p.type == "initializer_pair"
            }
            if not pairs:
                break
            configs.append(pairs)
        else:
            if len(configs) < 2:
                continue
            keys = list(dict.fromkeys(k for c in configs for k in c))
            varied = [(k, grid_values([c.get(k) for c in configs])) for k in keys]
            hps = [
                Hyperparameter(name=k, space=SearchSpace(type=SpaceType.GRID, values=v))
                for k, v in varied
                if v is not None
            ]
            if any(is_cpp_hyperparameter(h.name) for h in hps):
                return hps
    return []


def _read_back(call: Node, holder: str) -> list[str]:
    """Fields of the holder the caller reads after the search (`cout << para->C`): the results."""
    function = function_of(call)
    if function is None:
        return []
    names: list[str] = []
    for node in descendants(function, "field_expression"):
        if node.start_byte < call.end_byte or root_of(node) != holder:
            continue
        parent = node.parent
        if parent is not None and (
            parent.type == "call_expression"
            and parent.child_by_field_name("function") == node
            or parent.type == "assignment_expression"
            and parent.child_by_field_name("left") == node
        ):
            continue  # a method call, or a field set rather than read
        field_name = text(node.child_by_field_name("field"))
        if field_name not in names:
            names.append(field_name)
    return names


__all__ = ["AppliedSearches", "search_like"]
