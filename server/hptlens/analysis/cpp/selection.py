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
"""

from __future__ import annotations

import re
from functools import cache

from tree_sitter import Node, Query, QueryCursor

from hptlens.analysis.catalog.selection import (
    OPENCV_GRID_IDS,
    OPENCV_PARAM_GRIDS,
    OPENCV_SVM_CHOICES,
    OPENCV_SVM_GRIDS,
    OPENCV_SVM_KERNELS,
    OPENCV_SVM_TYPES,
    OPENCV_TRAIN_AUTO,
    OPENCV_TRAIN_AUTO_METHODS,
    OPENNN,
    OPENNN_METHODS,
    OPENNN_RANGE,
    OPENNN_RUNS,
    SHARK,
    SHARK_GRID_METHODS,
    SHARK_GRID_OPTIMIZERS,
    SHARK_MODEL_PARAMETERS,
    SHARK_SELECTION_OBJECTIVES,
    SHARK_STEPS,
    SHOGUN,
    SHOGUN_PARAMETER_NODES,
    SHOGUN_RUN_METHODS,
    SHOGUN_SCALES,
    SHOGUN_SELECTIONS,
    SHOGUN_VALUE_METHODS,
    Selection,
)
from hptlens.analysis.cpp.file import (
    CppFile,
    cpp_query,
    enclosing_loop,
    function_of,
    is_cpp_hyperparameter,
    plain_name,
    positional,
    statement_of,
)
from hptlens.analysis.cpp.libraries import descendants
from hptlens.analysis.cpp.literals import literal
from hptlens.analysis.neutral import Hit, number, text
from hptlens.report import Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType

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
_FACTORY = re.compile(r"^(std::)?(some|make_shared|make_unique|make_ref|create)$")
_MENTIONS = (b"opencv", b"cv::", b"CvSVM", b"shark", b"Shark", b"shogun", b"Shogun", b"opennn", b"OpenNN")
_NEW_QUERY = "(new_expression type: (_) @type arguments: (argument_list)? @arguments) @new"


@cache
def _query(source: str) -> Query:
    return cpp_query(source)


def _last(written: str) -> str:
    return plain_name(written).rsplit("::", 1)[-1]


def _variable(node: Node) -> str | None:
    """`grid`, `&grid`, `*cv`, `this->grid` -> the variable's name."""
    while node.type in ("pointer_expression", "parenthesized_expression") and node.named_child_count:
        node = node.child_by_field_name("argument") or node.named_children[-1]
    if node.type == "field_expression" and text(node.child_by_field_name("argument")) == "this":
        return text(node.child_by_field_name("field"))
    return text(node) if node.type == "identifier" else None


class LibrarySelections:
    def __init__(self, cpp: CppFile) -> None:
        self.cpp = cpp
        self.hits: list[Hit] = []
        self._seen: set[tuple[int, str]] = set()

    def run(self) -> list[Hit]:
        if not any(word in self.cpp.source for word in _MENTIONS):
            return []  # none of these libraries is named anywhere in the file
        uses = self.cpp.libraries
        calls: dict[str, list[tuple[Node, Node, list[Node]]]] = {}
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
                    self._train_auto(call, receiver, args, calls)
        if self._uses(SHARK):
            for method in SHARK_STEPS:
                for call, receiver, args in calls.get(method, []):
                    self._shark_step(call, receiver, args, calls)
        if self._uses(SHOGUN):
            self._shogun(calls)
        if self._uses(OPENNN):
            self._opennn(calls)
        return self.hits

    def _uses(self, selection: Selection) -> bool:
        return any(root in self.cpp.libraries for root in selection.roots)

    def _hit(
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

    # -- OpenCV -----------------------------------------------------------------------------------

    def _train_auto(
        self, call: Node, receiver: Node, args: list[Node], calls: dict[str, list[tuple[Node, Node, list[Node]]]]
    ) -> None:
        grids: list[tuple[str, SearchSpace, Node | None]] = []
        position = None
        for index, argument in enumerate(args):
            grid = self._param_grid(argument)
            if grid is None:
                continue
            position = index if position is None else position
            name, space, where = grid
            name = name or (OPENCV_SVM_GRIDS[index - position] if index - position < len(OPENCV_SVM_GRIDS) else "?")
            grids.append((name, space, where))
        owner = _variable(receiver)
        if grids:
            hps = [Hyperparameter(name=n, space=s) for n, s, _ in grids]
            category = Criterion.AUTO_HAND_TUNING
        else:
            hps = [
                Hyperparameter(name=n, space=SearchSpace(type=SpaceType.FLOAT, log=True))
                for n in self._svm_defaults(owner, call, calls)
            ]
            category = Criterion.AUTO_TUNING
        selection = OPENCV_TRAIN_AUTO
        self._hit(
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
                self._hit(
                    FindingKind.SEARCH_SPACE,
                    category,
                    selection,
                    where,
                    "search space (ParamGrid)",
                    selection.method,
                    [hp],
                    api="cv::ml::ParamGrid",
                )

    def _param_grid(self, argument: Node) -> tuple[str | None, SearchSpace, Node | None] | None:
        """A ParamGrid argument: its parameter's name when it says (`getDefaultGrid(SVM::C)`), its
        space, and the statement that made it when that is apart from the call."""
        value, decl = self.cpp.resolve(argument)
        where = decl.statement if decl is not None and decl.statement.type == "declaration" else None
        made = value if value.type in ("call_expression", "compound_literal_expression", "new_expression") else None
        type_name = _last(text(decl.type)) if decl is not None and decl.type is not None else ""
        if value.type == "argument_list" and type_name.endswith("ParamGrid"):  # ParamGrid grid(0.1, 500, 5);
            bounds = [number(literal(a)) for a in value.named_children[:3]]
            low, high, step = (bounds + [None, None, None])[:3]
            return None, SearchSpace(type=SpaceType.FLOAT, low=low, high=high, log=bool(step and step > 1)), where
        if made is None and type_name not in OPENCV_PARAM_GRIDS and not type_name.endswith("ParamGrid"):
            return None
        head = made.child_by_field_name("function") or made.child_by_field_name("type") if made is not None else None
        head_name = _last(text(head)) if head is not None else type_name
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
            grid_id = _last(text(inner[0])) if inner else ""
            return OPENCV_GRID_IDS.get(grid_id), SearchSpace(type=SpaceType.FLOAT, log=True), where
        bounds = [number(literal(a)) for a in inner[:3]]
        low, high, step = (bounds + [None, None, None])[:3]
        return None, SearchSpace(type=SpaceType.FLOAT, low=low, high=high, log=bool(step and step > 1)), where

    def _svm_defaults(
        self, owner: str | None, call: Node, calls: dict[str, list[tuple[Node, Node, list[Node]]]]
    ) -> list[str]:
        """The parameters trainAuto searches for this SVM's type and kernel (C_SVC and RBF by default)."""
        chosen = {"type": "C_SVC", "kernel": "RBF"}
        for role, (setter, field) in OPENCV_SVM_CHOICES.items():
            for other, receiver, args in calls.get(setter, []):
                if _variable(receiver) == owner and other.start_byte < call.start_byte and args:
                    chosen[role] = _last(text(args[0]))
            for assignment in self._field_settings(field, call):  # CvSVMParams params; params.svm_type = ...
                chosen[role] = _last(text(assignment))
        names = OPENCV_SVM_TYPES.get(chosen["type"], ("C",)) + OPENCV_SVM_KERNELS.get(chosen["kernel"], ())
        return list(dict.fromkeys(names))

    def _field_settings(self, field: str, before: Node) -> list[Node]:
        """Values assigned to `<anything>.field` in the same function before `before`."""
        function = function_of(before)
        scope = function if function is not None else self.cpp.root
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

    # -- Shark ------------------------------------------------------------------------------------

    def _shark_step(
        self, call: Node, receiver: Node, args: list[Node], calls: dict[str, list[tuple[Node, Node, list[Node]]]]
    ) -> None:
        objective = _variable(args[0]) if args else None
        if objective is None or _last(self.cpp.type_of(_bare(args[0]))) not in SHARK_SELECTION_OBJECTIVES:
            return  # stepped on a test function or a training error: not a hyperparameter search
        optimizer = _variable(receiver)
        decl = self.cpp.declared(optimizer, call) if optimizer else None
        kind = _last(text(decl.type)) if decl is not None and decl.type is not None else ""
        grid = kind in SHARK_GRID_OPTIMIZERS
        category = Criterion.AUTO_HAND_TUNING if grid else Criterion.AUTO_TUNING
        method = "grid search" if kind == "GridSearch" else f"{kind or 'optimizer'} on a model-selection objective"
        hps: list[Hyperparameter] = []
        spaces: list[tuple[Node, list[Hyperparameter]]] = []
        for configure, other, config_args in calls.get("configure", []):
            if _variable(other) == optimizer and function_of(configure) == function_of(call):
                found, statements = self._shark_grid(configure, config_args)
                hps += found
                spaces += statements
                spaces.append((statement_of(configure), found))
        if not any(h.name != "?" for h in hps):
            named = self._shark_model_parameters(call)
            if named and (not hps or len(named) == len(hps)):
                hps = [
                    Hyperparameter(name=n, space=hps[i].space if i < len(hps) else None) for i, n in enumerate(named)
                ]
            spaces = [(node, hps) for node, _ in spaces]
        if decl is not None:
            self._hit(
                FindingKind.SCHEDULER,
                category,
                SHARK,
                decl.statement,
                f"search algorithm: {kind}",
                method,
                hps,
                api=f"shark::{kind}",
            )
        self._hit(
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
            self._hit(
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
            self._hit(
                FindingKind.SEARCH_SPACE,
                category,
                SHARK,
                node,
                "search space (grid)",
                method,
                dims,
                api="shark::GridSearch().configure",
            )

    def _shark_model_parameters(self, call: Node) -> list[str]:
        """What the searched point holds when no comment says: the kernel's parameters, then the
        trainer's (`GaussianRbfKernel` -> gamma, `CSvmTrainer` -> C), as Shark orders them."""
        function = function_of(call)
        scope = function if function is not None else self.cpp.root
        kernels: list[str] = []
        trainers: list[str] = []
        for decls in self.cpp.declarations.values():
            for decl in decls:
                if decl.type is None or not (scope.start_byte <= decl.statement.start_byte < scope.end_byte):
                    continue
                names = SHARK_MODEL_PARAMETERS.get(_last(text(decl.type)), ())
                (kernels if _last(text(decl.type)).endswith("Kernel") else trainers).extend(
                    n for n in names if n not in kernels and n not in trainers
                )
        return kernels + trainers

    def _shark_grid(
        self, configure: Node, args: list[Node]
    ) -> tuple[list[Hyperparameter], list[tuple[Node, list[Hyperparameter]]]]:
        """`configure(min, max, sections)` with `min[0] = ...; // kernel parameter gamma`: one dimension
        per element index, named by the comment that labels its statements (else '?')."""
        function = function_of(configure)
        marked: list[tuple[Node, int | None]] = []  # statements of the grid, with the index they set
        bounds: dict[int, list[float | None]] = {}
        labels: dict[int, tuple[Node, str]] = {}
        for argument in args:
            name = _variable(argument)
            decl = self.cpp.declared(name, configure) if name else None
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

    # -- Shogun -----------------------------------------------------------------------------------

    def _shogun(self, calls: dict[str, list[tuple[Node, Node, list[Node]]]]) -> None:
        nodes: dict[str, tuple[Node, str]] = {}  # variable -> (statement, parameter name)
        for type_name, arguments, statement, target in self._constructions():
            if type_name in SHOGUN_PARAMETER_NODES and target:
                named_first = arguments[0] if arguments else None
                first = literal(named_first) if named_first is not None else None
                nodes[target] = (statement, first if isinstance(first, str) else target)
            elif type_name in SHOGUN_SELECTIONS:
                method, category = SHOGUN_SELECTIONS[type_name]
                self._hit(
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
                variable = _variable(receiver)
                if variable not in nodes:
                    continue
                statement, name = nodes[variable]
                low, high = (number(literal(a)) for a in args[:2]) if len(args) >= 2 else (None, None)
                scale = _last(text(args[2])) if len(args) > 2 else "R_LINEAR"
                logarithmic = SHOGUN_SCALES.get(scale, False)
                base = number(literal(args[4])) if len(args) > 4 else 2.0  # R_EXP: base ** exponent
                if logarithmic and base and low is not None and high is not None and max(abs(low), abs(high)) < 64:
                    low, high = float(f"{base**low:.6g}"), float(f"{base**high:.6g}")
                hp = Hyperparameter(
                    name=name, space=SearchSpace(type=SpaceType.FLOAT, low=low, high=high, log=logarithmic)
                )
                dimensions.append(hp)
                self._hit(
                    FindingKind.SEARCH_SPACE,
                    Criterion.AUTO_HAND_TUNING,
                    SHOGUN,
                    statement,
                    "search space (ModelSelectionParameters)",
                    "grid search",
                    [hp],
                    api="shogun::ModelSelectionParameters",
                )
                self._hit(
                    FindingKind.SEARCH_SPACE,
                    Criterion.AUTO_HAND_TUNING,
                    SHOGUN,
                    statement_of(call),
                    f"search space ({method_name})",
                    "grid search",
                    [hp],
                    api=f"shogun::ModelSelectionParameters().{method_name}",
                )
        if not dimensions and not self.hits:
            return
        for call, _, _ in calls.get("select_model", []):
            self._hit(
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
            for hit in self.hits:
                if hit.library == SHOGUN.library and hit.kind == FindingKind.SEARCH_RUN and not hit.hyperparameters:
                    hit.hyperparameters = list(dimensions)

    def _constructions(self) -> list[tuple[str, list[Node], Node, str | None]]:
        """Objects made in the file: (type, constructor arguments, statement, variable it is stored in),
        whether by `new T(...)`, a factory (`some<T>(...)`, `std::make_shared<T>(...)`) or a declaration
        (`T node("C1");`)."""
        made: list[tuple[str, list[Node], Node, str | None]] = []
        for _, match in QueryCursor(_query(_NEW_QUERY)).matches(self.cpp.root):
            arguments = match["arguments"][0] if "arguments" in match else None
            made.append(
                (
                    _last(text(match["type"][0])),
                    list(arguments.named_children) if arguments else [],
                    statement_of(match["new"][0]),
                    _assigned_name(match["new"][0]),
                )
            )
        for call, function in self.cpp.calls:
            if function.type == "template_function" and _FACTORY.search(text(function.child_by_field_name("name"))):
                template = function.child_by_field_name("arguments")
                kinds = [c for c in template.named_children] if template is not None else []
                if kinds:
                    made.append((_last(text(kinds[0])), positional(call), statement_of(call), _assigned_name(call)))
        for decls in self.cpp.declarations.values():
            for decl in decls:
                if (
                    decl.type is not None
                    and decl.statement.type == "declaration"
                    and decl.value is not None
                    and decl.value.type == "argument_list"
                ):
                    made.append((_last(text(decl.type)), list(decl.value.named_children), decl.statement, decl.name))
        return made

    # -- OpenNN -----------------------------------------------------------------------------------

    def _opennn(self, calls: dict[str, list[tuple[Node, Node, list[Node]]]]) -> None:
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
            owner = _variable(receiver)
            decl = self.cpp.declared(owner, call) if owner else None
            if decl is not None and decl.statement.type == "declaration":
                self._hit(
                    FindingKind.SCHEDULER,
                    category,
                    OPENNN,
                    decl.statement,
                    "model selection",
                    method,
                    [hp],
                    api="opennn::ModelSelection",
                )
            self._hit(
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
                self._hit(
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
            self._hit(
                FindingKind.SEARCH_SPACE,
                category,
                OPENNN,
                statement,
                "search space (neurons range)",
                method,
                [hp],
                api="opennn::GrowingNeurons",
            )


def _bare(node: Node) -> Node:
    while node.type in ("pointer_expression", "parenthesized_expression") and node.named_child_count:
        node = node.child_by_field_name("argument") or node.named_children[-1]
    return node


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
        return _variable(left)
    return None


def _label(statement: Node) -> tuple[Node, str] | None:
    """The comment right above a statement, when it names a hyperparameter (`// kernel parameter gamma`)."""
    previous = statement.prev_named_sibling
    if previous is None or previous.type != "comment" or previous.end_point[0] != statement.start_point[0] - 1:
        return None
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text(previous))
    named = [w for w in words if is_cpp_hyperparameter(w) and w.lower() not in ("kernel", "parameter", "param")]
    return (previous, named[-1]) if named else None


__all__ = ["LibrarySelections"]
