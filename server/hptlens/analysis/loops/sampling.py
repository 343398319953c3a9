"""Hand-written random search (a hyperparameter drawn from a random call, repeated by a loop) and
hand-written genetic search (crossover and mutation operators called in a loop around it)."""

from __future__ import annotations

import re

from tree_sitter import Node

from hptlens.analysis.catalog.vocabulary import GENETIC_OPERATORS, RANDOM_METHODS, RANDOM_RECEIVERS, RANDOM_SAMPLERS
from hptlens.analysis.loops.found import Found
from hptlens.analysis.loops.syntax import enclosing_loop, outermost_loop
from hptlens.analysis.neutral import Hit, child_field, enclosing, is_hyperparameter, source_order, statement_of, text
from hptlens.analysis.pyfile import PyFile, target_name
from hptlens.analysis.values import sampled_binding, sampled_space
from hptlens.report import HAND_WRITTEN, Criterion, FindingKind, Hyperparameter

_RANDOM_RECEIVER = re.compile(RANDOM_RECEIVERS)
_GENETIC = re.compile(GENETIC_OPERATORS, re.IGNORECASE)
# What a sampling call is shown with: its statement, else the block it stands in.
_STATEMENTS = frozenset(
    {"assignment", "augmented_assignment", "return_statement", "expression_statement", "block", "module"}
)


_SHAPED = ("rand", "randn", "random_sample")
"""Samplers whose positional arguments are a shape (`torch.rand(n, 1)`, `np.random.rand(d0, d1)`)."""


def _draws_a_tensor(call: Node, function: Node) -> bool:
    """A shaped sampler given a size other than 1 fills a tensor (noise, a mixing weight per
    sample), it does not draw one setting."""
    if text(function).rsplit(".", 1)[-1] not in _SHAPED:
        return False
    arguments = call.child_by_field_name("arguments")
    sizes = [a for a in arguments.named_children if a.type != "keyword_argument"] if arguments is not None else []
    return any(text(size) != "1" for size in sizes)


class RandomSearch:
    def __init__(self, py: PyFile, found: Found) -> None:
        self.py = py
        self.found = found

    def random_search(self) -> None:
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
            self.found.hits.append(
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
            existing = self.found.loops.get(loop.id)
            if existing is None:
                self.found.add_loop(
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
                existing = self.found.loops[loop.id]
            if all(h.name != name for h in existing.hyperparameters):
                existing.hyperparameters.append(Hyperparameter(name=name, space=space))

    def _is_random_call(self, call: Node) -> bool:
        function = call.child_by_field_name("function")
        if function is None or _draws_a_tensor(call, function):
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
        loop = enclosing_loop(statement)
        if loop is not None:
            return loop
        function = enclosing(statement, frozenset({"function_definition"}))
        if function is None:
            return None
        name = text(function.child_by_field_name("name"))
        for call in self._calls_named(name):
            loop = enclosing_loop(call)
            if loop is not None:
                return loop
        return None

    def _calls_named(self, name: str) -> list[Node]:
        """Calls of a function of the file, or of a method through `self`/`cls`."""
        calls = [*self.py.plain_calls.get(name, []), *self.py.method_calls.get(name, [])]
        return sorted(calls, key=source_order)

    def genetic(self) -> None:
        sampled = any(h.method == "random search" for h in self.found.hits)
        if not sampled:
            return
        operators: dict[str, Node] = {n: f for n, f in self.py.functions.items() if _GENETIC.search(n)}
        if not operators:
            return
        for function in operators.values():
            self._operator_lines(function)
        for name in operators:
            for call in self._calls_named(name):
                loop = outermost_loop(call)
                if loop is None or enclosing(loop, frozenset({"function_definition"})) in operators.values():
                    continue
                hit = self.found.loops.get(loop.id)
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
                    self.found.add_loop(loop, hit)
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
            statement = statement_of(call, _STATEMENTS)
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
            self.found.hits.append(
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
