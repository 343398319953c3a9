"""Shogun model selection: `ModelSelectionParameters("C")` nodes given values
(`build_values(-2, 2, R_EXP)`) and the `GridSearchModelSelection` that cross-validates them
(`select_model`). Objects are found however they are made: `new T(...)`, a factory
(`some<T>(...)`, `std::make_shared<T>(...)`) or a declaration (`T node("C1");`).
"""

from __future__ import annotations

import re
from functools import cache

from tree_sitter import Node, Query, QueryCursor

from hptlens.analysis.catalog.selection import (
    SHOGUN,
    SHOGUN_PARAMETER_NODES,
    SHOGUN_SCALES,
    SHOGUN_SELECTIONS,
    SHOGUN_VALUE_METHODS,
)
from hptlens.analysis.cpp.file import cpp_query, positional, statement_of
from hptlens.analysis.cpp.literals import literal
from hptlens.analysis.cpp.selection.common import Calls, Selections, last, variable_of
from hptlens.analysis.neutral import number, text
from hptlens.report import Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType

_FACTORY = re.compile(r"^(std::)?(some|make_shared|make_unique|make_ref|create)$")
_NEW_QUERY = "(new_expression type: (_) @type arguments: (argument_list)? @arguments) @new"


@cache
def _query(source: str) -> Query:
    return cpp_query(source)


def shogun_selection(rec: Selections, calls: Calls) -> None:
    nodes: dict[str, tuple[Node, str]] = {}  # variable -> (statement, parameter name)
    for type_name, arguments, statement, target in _constructions(rec):
        if type_name in SHOGUN_PARAMETER_NODES and target:
            named_first = arguments[0] if arguments else None
            first = literal(named_first) if named_first is not None else None
            nodes[target] = (statement, first if isinstance(first, str) else target)
        elif type_name in SHOGUN_SELECTIONS:
            method, category = SHOGUN_SELECTIONS[type_name]
            rec.hit(
                FindingKind.SEARCH_RUN,
                category,
                SHOGUN,
                statement,
                f"search: {type_name}",
                method,
                api=f"shogun::{type_name}",
            )
    dimensions: list[Hyperparameter] = []
    for method_name in sorted(SHOGUN_VALUE_METHODS):
        for call, receiver, args in calls.get(method_name, []):
            variable = variable_of(receiver)
            if variable not in nodes:
                continue
            statement, name = nodes[variable]
            low, high = (number(literal(a)) for a in args[:2]) if len(args) >= 2 else (None, None)
            scale = last(text(args[2])) if len(args) > 2 else "R_LINEAR"
            logarithmic = SHOGUN_SCALES.get(scale, False)
            base = number(literal(args[4])) if len(args) > 4 else 2.0  # R_EXP: base ** exponent
            if logarithmic and base and low is not None and high is not None and max(abs(low), abs(high)) < 64:
                low, high = float(f"{base**low:.6g}"), float(f"{base**high:.6g}")
            hp = Hyperparameter(name=name, space=SearchSpace(type=SpaceType.FLOAT, low=low, high=high, log=logarithmic))
            dimensions.append(hp)
            rec.hit(
                FindingKind.SEARCH_SPACE,
                Criterion.AUTO_HAND_TUNING,
                SHOGUN,
                statement,
                "search space (ModelSelectionParameters)",
                "grid search",
                [hp],
                api="shogun::ModelSelectionParameters",
            )
            rec.hit(
                FindingKind.SEARCH_SPACE,
                Criterion.AUTO_HAND_TUNING,
                SHOGUN,
                statement_of(call),
                f"search space ({method_name})",
                "grid search",
                [hp],
                api=f"shogun::ModelSelectionParameters().{method_name}",
            )
    if not dimensions and not rec.hits:
        return
    for call, _, _ in calls.get("select_model", []):
        rec.hit(
            FindingKind.SEARCH_RUN,
            Criterion.AUTO_HAND_TUNING,
            SHOGUN,
            statement_of(call),
            "search: select_model",
            "grid search",
            dimensions,
            api="shogun::ModelSelection().select_model",
        )
    if dimensions:
        for hit in rec.hits:
            if hit.library == SHOGUN.library and hit.kind == FindingKind.SEARCH_RUN and not hit.hyperparameters:
                hit.hyperparameters = list(dimensions)


def _constructions(rec: Selections) -> list[tuple[str, list[Node], Node, str | None]]:
    """Objects made in the file: (type, constructor arguments, statement, variable it is stored in),
    whether by `new T(...)`, a factory (`some<T>(...)`, `std::make_shared<T>(...)`) or a declaration
    (`T node("C1");`)."""
    made: list[tuple[str, list[Node], Node, str | None]] = []
    for _, match in QueryCursor(_query(_NEW_QUERY)).matches(rec.cpp.root):
        arguments = match["arguments"][0] if "arguments" in match else None
        made.append(
            (
                last(text(match["type"][0])),
                list(arguments.named_children) if arguments else [],
                statement_of(match["new"][0]),
                _assigned_name(match["new"][0]),
            )
        )
    for call, function in rec.cpp.calls:
        if function.type == "template_function" and _FACTORY.search(text(function.child_by_field_name("name"))):
            template = function.child_by_field_name("arguments")
            kinds = [c for c in template.named_children] if template is not None else []
            if kinds:
                made.append((last(text(kinds[0])), positional(call), statement_of(call), _assigned_name(call)))
    for decls in rec.cpp.declarations.values():
        for decl in decls:
            if (
                decl.type is not None
                and decl.statement.type == "declaration"
                and decl.value is not None
                and decl.value.type == "argument_list"
            ):
                made.append((last(text(decl.type)), list(decl.value.named_children), decl.statement, decl.name))
    return made


def _assigned_name(made: Node) -> str | None:
    """The variable a `new` expression is stored in (`x = new T(...)`, `T* x = new T(...)`)."""
    parent = made.parent
    if parent is None:
        return None
    if parent.type == "init_declarator":
        declarator = parent.child_by_field_name("declarator")
        while declarator is not None and declarator.type in ("pointer_declarator", "reference_declarator"):
            declarator = declarator.child_by_field_name("declarator")
        return text(declarator) if declarator is not None and declarator.type == "identifier" else None
    left = parent.child_by_field_name("left") if parent.type == "assignment_expression" else None
    if left is not None:
        return variable_of(left)
    return None
