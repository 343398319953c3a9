"""OpenNN model selection: `ModelSelection` growing the hidden layer (`perform_neurons_selection`),
with the range its `GrowingNeurons` was given (`set_minimum_neurons`, `set_maximum_neurons`,
`set_neurons_increment`).
"""

from __future__ import annotations

from tree_sitter import Node

from hptlens.analysis.catalog.selection import OPENNN, OPENNN_METHODS, OPENNN_RANGE, OPENNN_RUNS
from hptlens.analysis.cpp.file import statement_of
from hptlens.analysis.cpp.literals import literal
from hptlens.analysis.cpp.selection.common import Calls, Selections, variable_of
from hptlens.analysis.neutral import number
from hptlens.report import Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType


def opennn_selection(rec: Selections, calls: Calls) -> None:
    runs = [c for m in sorted(OPENNN_RUNS) for c in calls.get(m, [])]
    if not runs:
        return
    bounds: dict[str, float | None] = {}
    ranges: list[Node] = []
    for method, role in OPENNN_RANGE.items():
        for call, _, args in calls.get(method, []):
            bounds[role] = number(literal(args[0])) if args else None
            ranges.append(statement_of(call))
    space = SearchSpace(type=SpaceType.INT, low=bounds.get("low"), high=bounds.get("high"), step=bounds.get("step"))
    hp = Hyperparameter(name="neurons", space=space)
    category = Criterion.AUTO_HAND_TUNING if ranges else Criterion.AUTO_TUNING
    method = OPENNN.method
    for call, receiver, _ in runs:
        owner = variable_of(receiver)
        decl = rec.cpp.declared(owner, call) if owner else None
        if decl is not None and decl.statement.type == "declaration":
            rec.hit(
                FindingKind.SCHEDULER,
                category,
                OPENNN,
                decl.statement,
                "model selection",
                method,
                [hp],
                api="opennn::ModelSelection",
            )
        rec.hit(
            FindingKind.SEARCH_RUN,
            category,
            OPENNN,
            statement_of(call),
            "search: neurons selection",
            method,
            [hp],
            api="opennn::ModelSelection().perform_neurons_selection",
        )
    for name in sorted(OPENNN_METHODS):
        for call, _, _ in calls.get(name, []):
            rec.hit(
                FindingKind.SCHEDULER,
                category,
                OPENNN,
                statement_of(call),
                "selection method",
                method,
                [hp],
                api=f"opennn::ModelSelection().{name}",
            )
    for statement in ranges:
        rec.hit(
            FindingKind.SEARCH_SPACE,
            category,
            OPENNN,
            statement,
            "search space (neurons range)",
            method,
            [hp],
            api="opennn::GrowingNeurons",
        )
