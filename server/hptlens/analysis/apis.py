"""Detector for calls into HPO libraries, driven by the catalog."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from tree_sitter import Node

from hptlens.analysis.catalog.model import Api, Shape, last_name
from hptlens.analysis.catalog.python import PYTHON_APIS
from hptlens.analysis.catalog.vocabulary import AUTO_HAND_LIBRARIES, AUTO_METHOD_NAMES, SCHEDULER_KEYWORDS
from hptlens.analysis.neutral import Hit, child_field, number, text
from hptlens.analysis.pyfile import PyFile, name_from_context
from hptlens.analysis.spaces import call_arguments, choice_items, dict_pairs, dimensions, literal, space_from_call
from hptlens.report import UNNAMED, Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType


@dataclass(frozen=True)
class _Row:
    """A catalog row and how a call's qualified name matches it. Patterns are compiled when a
    file first asks (most rows name no wildcard and are compared as text): compiling the whole
    catalog up front was a third of a one-file scan."""

    api: Api
    qualified: bool
    """False for a bare method (`.optimize`), matched by its receiver instead."""

    def matches(self, name: str) -> bool:
        return self.qualified and (
            name == self.api.call if "**" not in self.api.call else bool(_compile(self.api.call).match(name))
        )

    def receiver_matches(self, name: str) -> bool:
        return self.api.receiver is None or bool(_receiver(self.api.receiver).search(name))


@cache
def _compile(call: str) -> re.Pattern[str]:
    escaped = re.escape(call).replace(r"\.\*\*\.", r"\.(?:[\w.]*\.)?")
    return re.compile(escaped + r"\Z")


@cache
def _receiver(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@cache
def _index() -> dict[str, list[_Row]]:
    """Catalog rows by the name their call ends with; qualified rows before bare methods."""
    table: dict[str, list[_Row]] = {}
    for api in PYTHON_APIS:
        table.setdefault(last_name(api.call), []).append(_Row(api, not api.call.startswith(".")))
    for rows in table.values():
        rows.sort(key=lambda r: not r.qualified)
    return table


@cache
def _refs() -> dict[str, Api]:
    return {api.call: api for api in PYTHON_APIS if api.ref}


def match_call(py: PyFile, call: Node) -> Api | None:
    function = call.child_by_field_name("function")
    if function is None:
        return None
    qualified = py.qualify(function)
    rows = _index().get(qualified.rsplit(".", 1)[-1], ())
    for row in rows:
        if row.qualified:
            if row.matches(qualified):
                return row.api
        elif function.type == "attribute" and _generic_matches(py, row, function):
            return row.api
    return _through_project_module(py, qualified, rows) or _through_bound_module(py, function, rows)


def _through_bound_module(py: PyFile, function: Node, rows: tuple[_Row, ...] | list[_Row]) -> Api | None:
    """`model_generator.train(...)` where the name is bound to a module, in one branch or
    another (`model_generator = optuna_lightgbm` / `= lightgbm`, or `a if fast else b`): the call
    runs the library's function when one of the modules bound is the library's."""
    receiver = function.child_by_field_name("object") if function.type == "attribute" else None
    if receiver is None or receiver.type != "identifier" or not rows:
        return None
    attribute = text(function.child_by_field_name("attribute"))
    for assignment in py.assignments.get(text(receiver), []):
        value = assignment.child_by_field_name("right")
        # `a if fast else b`: its first and last children; its middle one is the condition.
        chosen = value is not None and value.type == "conditional_expression"
        for option in value.named_children[::2] if value is not None and chosen else [value]:
            if option is None or option.type not in ("identifier", "attribute"):
                continue
            bound = f"{py.qualify(option)}.{attribute}"
            found = next((r.api for r in rows if r.qualified and r.matches(bound)), None)
            if found is not None:
                return found
    return None


@cache
def _library_roots() -> frozenset[str]:
    return frozenset(api.call.split(".", 1)[0] for api in PYTHON_APIS if not api.call.startswith("."))


def _through_project_module(py: PyFile, qualified: str, rows: tuple[_Row, ...] | list[_Row]) -> Api | None:
    """A library reached through the project's own modules: `from train import wandb` then
    `wandb.sweep(...)`, or a vendored copy of a library class (`from pb2 import PB2`) in a file
    that imports that library too."""
    parts = qualified.split(".")
    if parts[0] in _library_roots():
        return None
    inner = next((i for i, part in enumerate(parts[1:], 1) if part in _library_roots()), None)
    if inner is not None:
        respelled = ".".join(parts[inner:])
        return next((r.api for r in rows if r.matches(respelled)), None)
    name = parts[-1]
    if not (name[:1].isupper() and len(name) >= 3):
        return None  # only class names are distinctive enough: never `run` or `fit`
    return next(
        (
            r.api
            for r in rows
            if r.qualified and r.api.kind != FindingKind.SEARCH_SPACE and py.imports_any((r.api.call.split(".", 1)[0],))
        ),
        None,
    )


def _generic_matches(py: PyFile, row: _Row, function: Node) -> bool:
    receiver = function.child_by_field_name("object")
    if receiver is None or receiver.type not in ("identifier", "attribute"):
        return False
    root = text(receiver).split(".")[0]
    if root in py.aliases:
        return False  # a module: the qualified rows decide
    name = text(receiver).rsplit(".", 1)[-1]
    if not row.receiver_matches(name):
        return False
    return not row.api.requires or py.imports_any(row.api.requires)


def _candidate_calls(py: PyFile) -> list[Node]:
    """Calls whose name could be a catalog API: by the name written, or by an import alias
    (`from ray.tune.schedulers import PopulationBasedTraining as PBT`)."""
    calls = list(py.candidates("catalog_call"))
    index = _index()
    for alias, full in py.aliases.items():
        if alias not in index and full.rsplit(".", 1)[-1] in index:
            calls += py.plain_calls.get(alias, [])
    return calls


def detect_api_calls(py: PyFile) -> list[Hit]:
    hits: list[Hit] = []
    seen: set[int] = set()
    for call in _candidate_calls(py):
        if call.id in seen:
            continue
        seen.add(call.id)
        api = match_call(py, call)
        if api is not None:
            hits += _hits_for(py, api, call)
    return hits


def is_space_call(py: PyFile, node: Node) -> bool:
    api = match_call(py, node) if node.type == "call" else None
    return api is not None and api.kind == FindingKind.SEARCH_SPACE and api.space is not None


def _hits_for(py: PyFile, api: Api, call: Node) -> list[Hit]:
    short = api.call.rsplit(".", 1)[-1].replace("()", "")
    hits: list[Hit] = []
    if api.space is not None:
        name, space = space_from_call(api.space, call, py.resolve, py.qualify)
        name = name or (None if _comprehension_table(py, call) is not None else name_from_context(call))
        if name and name.startswith("attr_") and api.library == "DEAP":
            name = name[len("attr_") :]
        if api.library == "DEAP" and space.distribution is None:
            return []  # toolbox.register of an operator (mate, mutate), not a sampled attribute
        hits.append(
            Hit(
                api.kind,
                api.category,
                api.library,
                call,
                f"{api.library} search space",
                method=api.method,
                api=api.call,
                confidence=0.95,
                hyperparameters=[Hyperparameter(name=name or UNNAMED, space=space)],
            )
        )
        hits += _comprehension_dimensions(py, api, call)
    dims_found = False
    for arg in _space_args(api, call):
        found = dimensions(api.space_shape or Shape.GRID, arg, py.resolve, lambda n: is_space_call(py, n), py.qualify)
        positional = _positional_names(py, call) if found and all(d.name is None for d in found) else {}
        for index, dim in enumerate(found):
            dim.name = dim.name or positional.get(index)
            dims_found = True
            category = Criterion.AUTO_HAND_TUNING if api.library in AUTO_HAND_LIBRARIES else api.category
            hits.append(
                Hit(
                    FindingKind.SEARCH_SPACE,
                    category,
                    api.library,
                    dim.node,
                    f"{api.library} search space",
                    method=api.method,
                    api=api.call,
                    confidence=0.9,
                    hyperparameters=[Hyperparameter(name=dim.name or UNNAMED, space=dim.space)],
                )
            )
    if api.space is None and (api.kind != FindingKind.SEARCH_SPACE or not dims_found):
        role = {FindingKind.SEARCH_RUN: "search", FindingKind.SCHEDULER: "scheduler"}.get(api.kind, "search space")
        hits.append(
            Hit(
                api.kind,
                api.category,
                api.library,
                call,
                f"{api.library} {role}: {short}",
                method=api.method,
                api=api.call,
                confidence=0.8 if api.call.startswith(".") else 0.95,
                budget=_budget(py, api, call),
            )
        )
    if api.kind == FindingKind.SEARCH_RUN:
        hits += _referenced_schedulers(py, api, call)
    if api.space_shape == Shape.WANDB:
        hits += _sweep_method(py, api, call)
    return hits


def _sweep_method(py: PyFile, api: Api, call: Node) -> list[Hit]:
    """A W&B sweep's `method` (and `early_terminate` Hyperband) is its search method."""
    hits: list[Hit] = []
    for arg in _space_args(api, call):
        for key, value, pair in dict_pairs(py.resolve(arg)):
            value = py.resolve(value)
            method = literal(value)
            if key == "method" and isinstance(method, str):
                category = Criterion.AUTO_TUNING if method.lower() in AUTO_METHOD_NAMES else api.category
                hits.append(
                    Hit(
                        FindingKind.SCHEDULER,
                        category,
                        api.library,
                        pair,
                        f"{api.library} sweep method: {method}",
                        method=f"{method} search",
                        api=api.call,
                    )
                )
            elif key == "early_terminate":
                kinds = [literal(v) for k, v, _ in dict_pairs(value) if k == "type"]
                if "hyperband" in kinds:
                    hits.append(
                        Hit(
                            FindingKind.SCHEDULER,
                            Criterion.AUTO_TUNING,
                            api.library,
                            pair,
                            f"{api.library} early termination: hyperband",
                            method="Hyperband",
                            api=api.call,
                        )
                    )
    return hits


def _comprehension_table(py: PyFile, call: Node) -> Node | None:
    """The dict literal behind `{k: tune.grid_search(v) for k, v in TABLE.items()}`, if that is
    where `call` sits."""
    pair = call.parent
    comprehension = pair.parent if pair is not None and pair.type == "pair" else None
    if comprehension is None or comprehension.type != "dictionary_comprehension":
        return None
    clause = next((c for c in comprehension.named_children if c.type == "for_in_clause"), None)
    iterable = clause.child_by_field_name("right") if clause is not None else None
    function = iterable.child_by_field_name("function") if iterable is not None and iterable.type == "call" else None
    if function is None or function.type != "attribute" or text(function.child_by_field_name("attribute")) != "items":
        return None
    table = py.resolve(child_field(function, "object"))
    return table if table.type == "dictionary" else None


def _comprehension_dimensions(py: PyFile, api: Api, call: Node) -> list[Hit]:
    """One dimension per entry of the table a space comprehension iterates over."""
    table = _comprehension_table(py, call)
    if table is None:
        return []
    hits = []
    for key, value, pair in dict_pairs(table):
        items = choice_items(py.resolve(value))
        space = SearchSpace(
            type=SpaceType.GRID if api.space is not None and api.space.kind == "grid" else SpaceType.CATEGORICAL
        )
        if space.type == SpaceType.GRID:
            space.values = items
        else:
            space.choices = items
        hits.append(
            Hit(
                FindingKind.SEARCH_SPACE,
                api.category,
                api.library,
                pair,
                f"{api.library} search space",
                method=api.method,
                api=api.call,
                confidence=0.85,
                hyperparameters=[Hyperparameter(name=key, space=space)],
            )
        )
    return hits


def _positional_names(py: PyFile, call: Node) -> dict[int, str]:
    """Names of a positional space's dimensions, as its objective unpacks them: `lr = x[0]`,
    or `lr, batch_size = params`."""
    positional, keywords = call_arguments(call)
    objective = keywords.get("func") or (positional[0] if positional else None)
    function = py.functions.get(text(objective)) if objective is not None and objective.type == "identifier" else None
    parameters = function.child_by_field_name("parameters") if function is not None else None
    first = next((p for p in parameters.named_children if p.type == "identifier"), None) if parameters else None
    body = function.child_by_field_name("body") if function is not None else None
    if first is None or body is None:
        return {}
    vector, names = text(first), {}
    for statement in body.named_children:
        assignment = statement.named_children[0] if statement.named_child_count else statement
        left, right = assignment.child_by_field_name("left"), assignment.child_by_field_name("right")
        if assignment.type != "assignment" or left is None or right is None:
            continue
        if text(right) == vector and left.type in ("pattern_list", "tuple_pattern"):
            names.update({i: text(n) for i, n in enumerate(left.named_children) if n.type == "identifier"})
            continue
        pairs = zip(left.named_children, right.named_children) if left.type == "pattern_list" else [(left, right)]
        for target, value in pairs:
            index = literal(value.child_by_field_name("subscript")) if value.type == "subscript" else None
            if (
                isinstance(index, int)
                and target.type == "identifier"
                and text(value.child_by_field_name("value")) == vector
            ):
                names[index] = text(target)
    return names


def _space_args(api: Api, call: Node) -> list[Node]:
    positional, keywords = call_arguments(call)
    found: list[Node] = []
    for where in api.space_arg:
        if where.startswith("#"):
            index = int(where[1:])
            if index < len(positional):
                found.append(positional[index])
                break
        elif where in keywords:
            found.append(keywords[where])
            break
    return found


def _budget(py: PyFile, api: Api, call: Node) -> str | None:
    _, keywords = call_arguments(call)
    for entry in api.budget:
        key, _, unit = entry.partition(":")
        if key in keywords:
            value = number(literal(py.resolve(keywords[key])))
            if value is not None:
                return f"{value:g} {unit}"
            return f"{text(keywords[key])} {unit}"
    return None


def _referenced_schedulers(py: PyFile, run: Api, call: Node) -> list[Hit]:
    """Schedulers named without a call: hyperopt's `algo=tpe.suggest` (also inside `a if c else b`),
    FLAML's `scheduler="asha"`."""
    _, keywords = call_arguments(call)
    hits: list[Hit] = []
    for keyword, value in keywords.items():
        options = [value]
        if value.type == "conditional_expression":
            options = [c for c in value.named_children if c.type in ("attribute", "identifier")]
        for option in options:
            api = _refs().get(py.qualify(option)) if option.type in ("attribute", "identifier") else None
            if api is not None:
                hits.append(
                    Hit(
                        api.kind,
                        api.category,
                        api.library,
                        option,
                        f"{api.library} algorithm: {text(option)}",
                        method=api.method,
                        api=api.call,
                        confidence=0.95,
                    )
                )
        named = literal(value)
        if keyword in SCHEDULER_KEYWORDS and isinstance(named, str) and named:
            category = Criterion.AUTO_TUNING if named.lower() in AUTO_METHOD_NAMES else run.category
            hits.append(
                Hit(
                    FindingKind.SCHEDULER,
                    category,
                    run.library,
                    value,
                    f"{run.library} scheduler: {named}",
                    method=named,
                    api=f"{run.call}({keyword}=)",
                    confidence=0.85,
                )
            )
    return hits
