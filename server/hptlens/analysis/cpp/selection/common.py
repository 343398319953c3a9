"""What the C++ model-selection detectors share: the recorder of their hits (one hit per node and
kind, whichever library's detector finds it first) and how a receiver or a type is named.
"""

from __future__ import annotations

from tree_sitter import Node

from hptlens.analysis.catalog.selection import Selection
from hptlens.analysis.cpp.file import CppFile, plain_name
from hptlens.analysis.neutral import Hit, text
from hptlens.report import Criterion, FindingKind, Hyperparameter

Calls = dict[str, list[tuple[Node, Node, list[Node]]]]
"""The file's method calls of interest, by method name: (call, receiver, positional arguments)."""


class Selections:
    """The hits of the model-selection detectors over one file, in the order they are found."""

    def __init__(self, cpp: CppFile) -> None:
        self.cpp = cpp
        self.hits: list[Hit] = []
        self._seen: set[tuple[int, str]] = set()

    def hit(
        self,
        kind: FindingKind,
        category: Criterion,
        selection: Selection,
        node: Node,
        label: str,
        method: str,
        hps: list[Hyperparameter] | None = None,
        api: str | None = None,
    ) -> Hit | None:
        key = (node.id, str(kind))
        if key in self._seen:
            return None
        self._seen.add(key)
        hit = Hit(
            kind,
            category,
            selection.library,
            node,
            f"{selection.library} {label}",
            method=method,
            api=api,
            hyperparameters=list(hps or []),
            confidence=0.9,
        )
        self.hits.append(hit)
        return hit


def last(written: str) -> str:
    """`cv::ml::ParamGrid` -> `ParamGrid`."""
    return plain_name(written).rsplit("::", 1)[-1]


def variable_of(node: Node) -> str | None:
    """`grid`, `&grid`, `*cv`, `this->grid` -> the variable's name."""
    while node.type in ("pointer_expression", "parenthesized_expression") and node.named_child_count:
        node = node.child_by_field_name("argument") or node.named_children[-1]
    if node.type == "field_expression" and text(node.child_by_field_name("argument")) == "this":
        return text(node.child_by_field_name("field"))
    return text(node) if node.type == "identifier" else None
