"""Hand-written population-based training (PBT), in Python.

PBT written without a library shows in three ways in real code:
- its two steps in one file about a population: an `exploit` (a member copies a better one)
  and an `explore` (the copy's hyperparameters are perturbed), defined or called;
- an explore step that perturbs a hyperparameter by a random factor:
  `learning_rate * random.choice([0.8, 1.2])` inside `def explore(...)`;
- the project's own PBT module at work: calls of names imported from a module named for it
  (`pbt`, `PopulationBasedTraining`), and calls on what they return (`manager.step()`).
`explore` alone is RL's exploration (an epsilon-greedy action), and explore/exploit without a
population is a bandit's trade-off: neither counts.
"""

from __future__ import annotations

import re

from tree_sitter import Node, QueryCursor

from hptlens.analysis.apis import match_call
from hptlens.analysis.neutral import Hit, is_hyperparameter, named_descendants, statement_of, text
from hptlens.analysis.pyfile import PyFile, query
from hptlens.report import HAND_WRITTEN, Criterion, FindingKind

_PBT_MODULE = re.compile(r"(?:^|\.)(?:pbt|population_?based\w*)(?:\.|$)", re.IGNORECASE)
_EXPLOIT = re.compile(r"^exploit", re.IGNORECASE)
_EXPLORE = re.compile(r"^(?:explore|perturb)", re.IGNORECASE)
_RANDOM_DRAW = re.compile(r"\b(?:random\.)?(?:choice|uniform|normal|randn?)\s*\(")
_POPULATION = re.compile(r"population|member|worker|truncat|percentile", re.IGNORECASE)
"""PBT's exploit copies a better member of a population; a bandit's exploit picks the best arm."""
_STEP_QUERY = """
(function_definition name: (identifier) @name) @def
(call function: [(identifier) @name (attribute attribute: (identifier) @name)]) @call
"""
_METHOD_CALL_QUERY = "(call function: (attribute object: (identifier) @object)) @call"
_METHOD = "population based training"
_STATEMENTS = frozenset({"expression_statement", "return_statement"})


def detect_pbt(py: PyFile) -> list[Hit]:
    # bytes and function names, not a decoded text and a regex over it: this runs on every file
    steps_written = (b"exploit" in py.source and b"explore" in py.source) or any(map(_EXPLORE.match, py.functions))
    if not steps_written and not _pbt_imports(py):
        return []  # neither the steps nor a PBT module: the common case, decided without a walk
    module_calls = _module_calls(py)
    steps = _steps(py)
    exploits = [node for node, name in steps if _EXPLOIT.match(name)]
    explores = [node for node, name in steps if _EXPLORE.match(name)]
    perturbed = [node for node in explores if node.type == "function_definition" and _perturbs(node)]
    paired = bool(exploits and explores and _POPULATION.search(py.source.decode("utf-8", "replace")))
    if not module_calls and not perturbed and not paired:
        return []
    hits = [_hit(node, "hand-written PBT: the project's PBT module") for node in module_calls]
    for node in exploits + explores:
        label = "exploit step" if _EXPLOIT.match(_name_of(node)) else "explore step"
        hits.append(_hit(_shown(node), f"hand-written PBT: {label}"))
    return hits


def _pbt_imports(py: PyFile) -> set[str]:
    return {name for name, qualified in py.aliases.items() if _PBT_MODULE.search(qualified.rsplit(".", 1)[0])}


def _module_calls(py: PyFile) -> list[Node]:
    """Calls of names imported from a PBT module or of classes built on them (`class
    DQNMember(Member)`), and calls on the objects they return."""
    names = _pbt_imports(py)
    classes = QueryCursor(query("(class_definition) @class")).captures(py.root).get("class", []) if names else []
    for cls in classes:
        bases = cls.child_by_field_name("superclasses")
        if bases is not None and any(text(b) in names for b in bases.named_children):
            names.add(text(cls.child_by_field_name("name")))
    calls = [c for name in sorted(names) for c in py.plain_calls.get(name, []) if match_call(py, c) is None]
    made = {text(s.child_by_field_name("left")) for c in calls if (s := _statement(c)).type == "assignment"}
    if made:
        found = QueryCursor(query(_METHOD_CALL_QUERY)).captures(py.root)
        calls += [c for c in found.get("call", []) if text(c.child_by_field_name("function")).split(".")[0] in made]
    return [_statement(c) for c in sorted(calls, key=lambda c: c.start_byte)]


def _steps(py: PyFile) -> list[tuple[Node, str]]:
    """Definitions and calls named exploit*/explore*/perturb*."""
    found = QueryCursor(query(_STEP_QUERY)).captures(py.root)
    steps = []
    for node in [*found.get("def", []), *found.get("call", [])]:
        name = _name_of(node)
        if _EXPLOIT.match(name) or _EXPLORE.match(name):
            steps.append((node, name))
    return sorted(steps, key=lambda step: step[0].start_byte)


def _perturbs(function: Node) -> bool:
    """A product of a hyperparameter and a random draw: `lr * random.choice(factors)`."""
    body = function.child_by_field_name("body")
    for node in named_descendants(body) if body is not None else ():
        if node.type == "binary_operator" and text(node.child_by_field_name("operator")) == "*":
            sides = [node.child_by_field_name("left"), node.child_by_field_name("right")]
            names = [text(s).rsplit(".", 1)[-1] for s in sides if s is not None]
            if any(is_hyperparameter(n) for n in names) and any(_RANDOM_DRAW.search(text(s)) for s in sides if s):
                return True
    return False


def _name_of(node: Node) -> str:
    if node.type == "function_definition":
        return text(node.child_by_field_name("name"))
    function = node.child_by_field_name("function")
    return text(function).rsplit(".", 1)[-1] if function is not None else ""


def _shown(node: Node) -> Node:
    """A definition is shown by its name line, a call by its statement."""
    if node.type == "function_definition":
        return node.child_by_field_name("name") or node
    return _statement(node)


def _statement(node: Node) -> Node:
    """The statement a call stands in when it starts on the call's line (its assignment, if it is one)."""
    found = statement_of(node, _STATEMENTS)
    statement = found if found is not None and found.start_point[0] == node.start_point[0] else node
    inner = statement.named_children[0] if statement.type == "expression_statement" else None
    return inner if inner is not None and inner.type == "assignment" else statement


def _hit(node: Node, label: str) -> Hit:
    return Hit(FindingKind.SEARCH_RUN, Criterion.AUTO_TUNING, HAND_WRITTEN, node, label, method=_METHOD, confidence=0.7)
