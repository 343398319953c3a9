"""OpenCV model selection: `svm->trainAuto(data, k, grids...)`, a k-fold grid search over the SVM's
parameters. The grids are the `ParamGrid`s handed to it (made inline, declared apart, or the
library's `getDefaultGrid(SVM::C)`), else the defaults for what the SVM's type and kernel use
(`setType(SVM::NU_SVC)`, `setKernel(SVM::CHI2)` -> nu, gamma).
"""

from __future__ import annotations

from tree_sitter import Node

from hptlens.analysis.catalog.selection import (
    OPENCV_GRID_IDS,
    OPENCV_PARAM_GRIDS,
    OPENCV_SVM_CHOICES,
    OPENCV_SVM_GRIDS,
    OPENCV_SVM_KERNELS,
    OPENCV_SVM_TYPES,
    OPENCV_TRAIN_AUTO,
)
from hptlens.analysis.cpp.file import function_of, positional, statement_of
from hptlens.analysis.cpp.libraries import descendants
from hptlens.analysis.cpp.literals import literal
from hptlens.analysis.cpp.selection.common import Calls, Selections, last, variable_of
from hptlens.analysis.neutral import number, text
from hptlens.report import Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType


def train_auto(rec: Selections, call: Node, receiver: Node, args: list[Node], calls: Calls) -> None:
    grids: list[tuple[str, SearchSpace, Node | None]] = []
    position = None
    for index, argument in enumerate(args):
        grid = _param_grid(rec, argument)
        if grid is None:
            continue
        position = index if position is None else position
        name, space, where = grid
        name = name or (OPENCV_SVM_GRIDS[index - position] if index - position < len(OPENCV_SVM_GRIDS) else "?")
        grids.append((name, space, where))
    owner = variable_of(receiver)
    if grids:
        hps = [Hyperparameter(name=n, space=s) for n, s, _ in grids]
        category = Criterion.AUTO_HAND_TUNING
    else:
        hps = [
            Hyperparameter(name=n, space=SearchSpace(type=SpaceType.FLOAT, log=True))
            for n in _svm_defaults(rec, owner, call, calls)
        ]
        category = Criterion.AUTO_TUNING
    selection = OPENCV_TRAIN_AUTO
    rec.hit(
        FindingKind.SEARCH_RUN,
        category,
        selection,
        statement_of(call),
        "search: trainAuto",
        selection.method,
        hps,
        api="cv::ml::SVM::trainAuto",
    )
    for (_, _, where), hp in zip(grids, hps):
        if where is not None:
            rec.hit(
                FindingKind.SEARCH_SPACE,
                category,
                selection,
                where,
                "search space (ParamGrid)",
                selection.method,
                [hp],
                api="cv::ml::ParamGrid",
            )


def _param_grid(rec: Selections, argument: Node) -> tuple[str | None, SearchSpace, Node | None] | None:
    """A ParamGrid argument: its parameter's name when it says (`getDefaultGrid(SVM::C)`), its
    space, and the statement that made it when that is apart from the call."""
    value, decl = rec.cpp.resolve(argument)
    where = decl.statement if decl is not None and decl.statement.type == "declaration" else None
    made = value if value.type in ("call_expression", "compound_literal_expression", "new_expression") else None
    type_name = last(text(decl.type)) if decl is not None and decl.type is not None else ""
    if value.type == "argument_list" and type_name.endswith("ParamGrid"):  # ParamGrid grid(0.1, 500, 5);
        bounds = [number(literal(a)) for a in value.named_children[:3]]
        low, high, step = (bounds + [None, None, None])[:3]
        return None, SearchSpace(type=SpaceType.FLOAT, low=low, high=high, log=bool(step and step > 1)), where
    if made is None and type_name not in OPENCV_PARAM_GRIDS and not type_name.endswith("ParamGrid"):
        return None
    head = made.child_by_field_name("function") or made.child_by_field_name("type") if made is not None else None
    head_name = last(text(head)) if head is not None else type_name
    if made is not None and head_name not in OPENCV_PARAM_GRIDS and head_name != "create":
        return None
    if head_name == "create" and "ParamGrid" not in text(head):
        return None
    made_arguments = made.child_by_field_name("arguments") if made is not None else None
    inner = (
        positional(made)
        if made is not None and made.type == "call_expression"
        else list(made_arguments.named_children)
        if made_arguments is not None
        else []
    )
    if decl is not None and not inner and decl.value is None:
        inner = []
    if head_name.startswith(("getDefaultGrid", "get_default_grid")):
        grid_id = last(text(inner[0])) if inner else ""
        return OPENCV_GRID_IDS.get(grid_id), SearchSpace(type=SpaceType.FLOAT, log=True), where
    bounds = [number(literal(a)) for a in inner[:3]]
    low, high, step = (bounds + [None, None, None])[:3]
    return None, SearchSpace(type=SpaceType.FLOAT, low=low, high=high, log=bool(step and step > 1)), where


def _svm_defaults(rec: Selections, owner: str | None, call: Node, calls: Calls) -> list[str]:
    """The parameters trainAuto searches for this SVM's type and kernel (C_SVC and RBF by default)."""
    chosen = {"type": "C_SVC", "kernel": "RBF"}
    for role, (setter, field) in OPENCV_SVM_CHOICES.items():
        for other, receiver, args in calls.get(setter, []):
            if variable_of(receiver) == owner and other.start_byte < call.start_byte and args:
                chosen[role] = last(text(args[0]))
        for assignment in _field_settings(rec, field, call):  # CvSVMParams params; params.svm_type = ...
            chosen[role] = last(text(assignment))
    names = OPENCV_SVM_TYPES.get(chosen["type"], ("C",)) + OPENCV_SVM_KERNELS.get(chosen["kernel"], ())
    return list(dict.fromkeys(names))


def _field_settings(rec: Selections, field: str, before: Node) -> list[Node]:
    """Values assigned to `<anything>.field` in the same function before `before`."""
    function = function_of(before)
    scope = function if function is not None else rec.cpp.root
    found: list[Node] = []
    for node in descendants(scope, "field_expression"):
        parent = node.parent
        right = (
            parent.child_by_field_name("right")
            if parent is not None
            and parent.type == "assignment_expression"
            and parent.child_by_field_name("left") == node
            else None
        )
        if (
            right is not None
            and node.start_byte < before.start_byte
            and text(node.child_by_field_name("field")) == field
        ):
            found.append(right)
    return found
