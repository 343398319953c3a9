"""Model selection in C++ machine-learning libraries, set up over several statements.

Each library is a table in the catalog (`OPENCV_*`, `SHARK_*`, `SHOGUN_*`, `OPENNN_*`) read here:
- OpenCV `svm->trainAuto(data, k, grids...)`: a k-fold grid search over the SVM's parameters; the
  grids are the `ParamGrid`s handed to it, else the defaults for what the SVM type and kernel use
  (`setType(SVM::NU_SVC)`, `setKernel(SVM::CHI2)` -> nu, gamma).
- Shark: an optimizer (`GridSearch`, `CMA`, `Rprop`, ...) stepped on a model-selection objective
  (`CrossValidationError`, `LooError`, `NegativeGaussianProcessEvidence`, ...), with the grid it was
  configured with (`grid.configure(min, max, sections)` and the vectors' elements, each labelled by
  the comment above it). The same optimizers stepped on a test function are not tuning.
- Shogun: `ModelSelectionParameters("C")` nodes given values (`build_values(-2, 2, R_EXP)`) and the
  `GridSearchModelSelection` that cross-validates them (`select_model`).
- OpenNN: `ModelSelection` growing the hidden layer (`perform_neurons_selection`), with the range
  its `GrowingNeurons` was given (`set_minimum_neurons`, `set_maximum_neurons`, `set_neurons_increment`).

Modules: common (the hit recorder, receiver and type names), opencv, shark, shogun, opennn (one
detector per library); `LibrarySelections` here finds the method calls they read and runs them.
"""

from __future__ import annotations

from hptlens.analysis.catalog.selection import (
    OPENCV_SVM_CHOICES,
    OPENCV_TRAIN_AUTO,
    OPENCV_TRAIN_AUTO_METHODS,
    OPENNN,
    OPENNN_METHODS,
    OPENNN_RANGE,
    OPENNN_RUNS,
    SHARK,
    SHARK_GRID_METHODS,
    SHARK_STEPS,
    SHOGUN,
    SHOGUN_RUN_METHODS,
    SHOGUN_VALUE_METHODS,
    Selection,
)
from hptlens.analysis.cpp.file import CppFile, positional
from hptlens.analysis.cpp.selection.common import Calls, Selections
from hptlens.analysis.cpp.selection.opencv import train_auto
from hptlens.analysis.cpp.selection.opennn import opennn_selection
from hptlens.analysis.cpp.selection.shark import shark_step
from hptlens.analysis.cpp.selection.shogun import shogun_selection
from hptlens.analysis.neutral import Hit, text

_METHODS = sorted(
    OPENNN_RUNS
    | OPENNN_METHODS
    | set(OPENNN_RANGE)
    | SHARK_STEPS
    | SHARK_GRID_METHODS
    | SHOGUN_VALUE_METHODS
    | SHOGUN_RUN_METHODS
    | OPENCV_TRAIN_AUTO_METHODS
    | {m for choices in OPENCV_SVM_CHOICES.values() for m in choices[:1]}
)
_METHOD_SET = frozenset(_METHODS)
_MENTIONS = (b"opencv", b"cv::", b"CvSVM", b"shark", b"Shark", b"shogun", b"Shogun", b"opennn", b"OpenNN")


class LibrarySelections:
    def __init__(self, cpp: CppFile) -> None:
        self.cpp = cpp

    def run(self) -> list[Hit]:
        if not any(word in self.cpp.source for word in _MENTIONS):
            return []  # none of these libraries is named anywhere in the file
        uses = self.cpp.libraries
        found = Selections(self.cpp)
        calls: Calls = {}
        for call, function in self.cpp.calls:
            if function.type != "field_expression":
                continue
            field, receiver = function.child_by_field_name("field"), function.child_by_field_name("argument")
            if field is not None and receiver is not None and text(field) in _METHOD_SET:
                calls.setdefault(text(field), []).append((call, receiver, positional(call)))
        if not calls and not any(r in uses for r in SHOGUN.roots):
            return []
        if self._uses(OPENCV_TRAIN_AUTO):
            for method in sorted(OPENCV_TRAIN_AUTO_METHODS):
                for call, receiver, args in calls.get(method, []):
                    train_auto(found, call, receiver, args, calls)
        if self._uses(SHARK):
            for method in SHARK_STEPS:
                for call, receiver, args in calls.get(method, []):
                    shark_step(found, call, receiver, args, calls)
        if self._uses(SHOGUN):
            shogun_selection(found, calls)
        if self._uses(OPENNN):
            opennn_selection(found, calls)
        return found.hits

    def _uses(self, selection: Selection) -> bool:
        return any(root in self.cpp.libraries for root in selection.roots)


__all__ = ["LibrarySelections"]
