"""Shark model selection: an optimizer (`GridSearch`, `CMA`, `Rprop`, ...) stepped on a
model-selection objective (`CrossValidationError`, `LooError`, `NegativeGaussianProcessEvidence`, ...),
with the grid it was configured with (`grid.configure(min, max, sections)` and the vectors'
elements, each labelled by the comment above it). The same optimizers stepped on a test function
are not tuning.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from hptlens.analysis.catalog.selection import (
    SHARK,
    SHARK_GRID_OPTIMIZERS,
    SHARK_MODEL_PARAMETERS,
    SHARK_SELECTION_OBJECTIVES,
)
from hptlens.analysis.cpp.file import enclosing_loop, function_of, is_cpp_hyperparameter, statement_of
from hptlens.analysis.cpp.libraries import descendants
from hptlens.analysis.cpp.literals import literal
from hptlens.analysis.cpp.selection.common import Calls, Selections, last, variable_of
from hptlens.analysis.neutral import number, text
from hptlens.report import Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType


def shark_step(rec: Selections, call: Node, receiver: Node, args: list[Node], calls: Calls) -> None:
    objective = variable_of(args[0]) if args else None
    if objective is None or last(rec.cpp.type_of(_bare(args[0]))) not in SHARK_SELECTION_OBJECTIVES:
        return  # stepped on a test function or a training error: not a hyperparameter search
    optimizer = variable_of(receiver)
    decl = rec.cpp.declared(optimizer, call) if optimizer else None
    kind = last(text(decl.type)) if decl is not None and decl.type is not None else ""
    grid = kind in SHARK_GRID_OPTIMIZERS
    category = Criterion.AUTO_HAND_TUNING if grid else Criterion.AUTO_TUNING
    method = "grid search" if kind == "GridSearch" else f"{kind or 'optimizer'} on a model-selection objective"
    hps: list[Hyperparameter] = []
    spaces: list[tuple[Node, list[Hyperparameter]]] = []
    for configure, other, config_args in calls.get("configure", []):
        if variable_of(other) == optimizer and function_of(configure) == function_of(call):
            found, statements = _shark_grid(rec, configure, config_args)
            hps += found
            spaces += statements
            spaces.append((statement_of(configure), found))
    if not any(h.name != "?" for h in hps):
        named = _shark_model_parameters(rec, call)
        if named and (not hps or len(named) == len(hps)):
            hps = [Hyperparameter(name=n, space=hps[i].space if i < len(hps) else None) for i, n in enumerate(named)]
        spaces = [(node, hps) for node, _ in spaces]
    if decl is not None:
        rec.hit(
            FindingKind.SCHEDULER,
            category,
            SHARK,
            decl.statement,
            f"search algorithm: {kind}",
            method,
            hps,
            api=f"shark::{kind}",
        )
    rec.hit(
        FindingKind.SEARCH_RUN,
        category,
        SHARK,
        statement_of(call),
        f"search: {kind}.step",
        method,
        hps,
        api=f"shark::{kind}().step",
    )
    loop = enclosing_loop(call)
    if loop is not None and text(call.child_by_field_name("function")).endswith("step"):
        rec.hit(
            FindingKind.SEARCH_RUN,
            category,
            SHARK,
            loop,
            f"search iterations: {kind}.step",
            method,
            hps,
            api=f"shark::{kind}().step",
        )
    for node, dims in spaces:
        rec.hit(
            FindingKind.SEARCH_SPACE,
            category,
            SHARK,
            node,
            "search space (grid)",
            method,
            dims,
            api="shark::GridSearch().configure",
        )


def _shark_model_parameters(rec: Selections, call: Node) -> list[str]:
    """What the searched point holds when no comment says: the kernel's parameters, then the
    trainer's (`GaussianRbfKernel` -> gamma, `CSvmTrainer` -> C), as Shark orders them."""
    function = function_of(call)
    scope = function if function is not None else rec.cpp.root
    kernels: list[str] = []
    trainers: list[str] = []
    for decls in rec.cpp.declarations.values():
        for decl in decls:
            if decl.type is None or not (scope.start_byte <= decl.statement.start_byte < scope.end_byte):
                continue
            names = SHARK_MODEL_PARAMETERS.get(last(text(decl.type)), ())
            (kernels if last(text(decl.type)).endswith("Kernel") else trainers).extend(
                n for n in names if n not in kernels and n not in trainers
            )
    return kernels + trainers


def _shark_grid(
    rec: Selections, configure: Node, args: list[Node]
) -> tuple[list[Hyperparameter], list[tuple[Node, list[Hyperparameter]]]]:
    """`configure(min, max, sections)` with `min[0] = ...; // kernel parameter gamma`: one dimension
    per element index, named by the comment that labels its statements (else '?')."""
    function = function_of(configure)
    marked: list[tuple[Node, int | None]] = []  # statements of the grid, with the index they set
    bounds: dict[int, list[float | None]] = {}
    labels: dict[int, tuple[Node, str]] = {}
    for argument in args:
        name = variable_of(argument)
        decl = rec.cpp.declared(name, configure) if name else None
        if decl is not None and decl.statement.type == "declaration":
            marked.append((decl.statement, None))
        if function is None or name is None:
            continue
        for sub in descendants(function, "subscript_expression"):
            parent = sub.parent
            if (
                sub.start_byte > configure.start_byte
                or text(sub.child_by_field_name("argument")) != name
                or parent is None
                or parent.type != "assignment_expression"
                or parent.child_by_field_name("left") != sub
            ):
                continue
            indices = sub.child_by_field_name("indices")
            first_index = indices.named_children[0] if indices is not None and indices.named_child_count else None
            index = literal(first_index) if first_index is not None else None
            if not isinstance(index, int) or isinstance(index, bool):
                continue
            statement = statement_of(parent)
            bounds.setdefault(index, []).append(number(literal(parent.child_by_field_name("right"))))
            marked.append((statement, index))
            label = _label(statement)
            if label is not None and index not in labels:
                labels[index] = label
    dims: dict[int, Hyperparameter] = {}
    for index in sorted(bounds):
        low, high = (bounds[index] + [None, None])[:2]
        dims[index] = Hyperparameter(
            name=labels[index][1] if index in labels else "?",
            space=SearchSpace(type=SpaceType.FLOAT, low=low, high=high),
        )
    hps = list(dims.values())
    resolved = [(node, [dims[index]] if index in dims else hps) for node, index in marked]
    resolved += [(comment, [dims[index]]) for index, (comment, _) in labels.items() if index in dims]
    return hps, resolved


def _bare(node: Node) -> Node:
    while node.type in ("pointer_expression", "parenthesized_expression") and node.named_child_count:
        node = node.child_by_field_name("argument") or node.named_children[-1]
    return node


def _label(statement: Node) -> tuple[Node, str] | None:
    """The comment right above a statement, when it names a hyperparameter (`// kernel parameter gamma`)."""
    previous = statement.prev_named_sibling
    if previous is None or previous.type != "comment" or previous.end_point[0] != statement.start_point[0] - 1:
        return None
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text(previous))
    named = [w for w in words if is_cpp_hyperparameter(w) and w.lower() not in ("kernel", "parameter", "param")]
    return (previous, named[-1]) if named else None
