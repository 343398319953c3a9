"""Whether an HPO library call in a Python file is a hyperparameter search at all.

Two kinds of library use look like tuning and are not (LABELING.md):
- calls that also make runs of one configuration (a `tune.run` with constants, a sweep
  worker's `wandb.agent`, a study opened but never optimized): the catalog marks them
  `alone=False`, and they count only beside another search signal;
- an optimizer whose objective is visible in the file and only evaluates a test function
  (`x**2 + y**2`, Himmelblau, a polynomial): nothing it samples reaches a model or a run;
- a general-purpose optimizer (CMA-ES, a GA, Bayesian optimisation) in a file with no sign of
  learning at all: no ML or RL import, no hyperparameter among its dimensions. It optimises a
  function handed to it (an optimiser benchmark), not a model.
"""

from __future__ import annotations

from functools import cache

from tree_sitter import Node

from hptlens.analysis.catalog.model import Api
from hptlens.analysis.catalog.python import PYTHON_APIS
from hptlens.analysis.context import FRAMEWORKS
from hptlens.analysis.neutral import Hit, is_hyperparameter, text
from hptlens.analysis.pyfile import PyFile
from hptlens.analysis.spaces import call_arguments
from hptlens.report import FindingKind

HAND = "hand-written"
_OBJECTIVE_KEYWORDS = (
    "fn",
    "func",
    "f",
    "function",
    "objective",
    "objective_function",
    "evaluation_function",
    "trainable",
    "run_or_experiment",
    "fitness_func",
    "fitness_function",
    "black_box_function",
)
# Calls a test function is made of: arithmetic, printing, and reporting its value back.
_PURE_MODULES = ("math.", "cmath.", "numpy.", "np.", "operator.", "time.", "timeit.", "random.")
_PURE_BUILTINS = frozenset(
    """abs pow min max sum round float int len range print enumerate zip isinstance
str list dict tuple sorted map any all divmod bool format reversed""".split()
)
_REPORTS = (
    "ray.tune.report",
    "ray.train.report",
    "ray.air.session.report",
    "ray.tune.session.report",
    "tune.report",
    "session.report",
    "train.report",
    "flaml.tune.report",
    "nni.report_final_result",
    "nni.report_intermediate_result",
    "optuna.TrialPruned",
    "optuna.exceptions.TrialPruned",
)
_MAX_DEPTH = 3
GENERAL_OPTIMIZERS = frozenset({"pycma", "nevergrad", "bayes_opt", "pygad", "DEAP", "scikit-optimize"})
"""Libraries made to optimise any function, hyperparameters being one use among many."""
LEARNING_MODULES = (
    *FRAMEWORKS,
    "sklearn", "xgboost", "lightgbm", "catboost", "flax", "optax", "haiku", "mxnet", "chainer", "paddle",
    "theano", "pytorch_lightning", "lightning", "transformers", "datasets", "tf_agents", "d4rl",
    "mujoco", "dm_control", "pybullet", "procgen", "minigrid", "stable_baselines", "elegantrl", "rlax",
    "garage", "baselines", "spinup", "keras_tuner", "torchvision", "fastai", "statsmodels",
)  # fmt: skip
"""Imports that show a file trains or evaluates a model or an agent."""


@cache
def _rows() -> dict[tuple[str, str], Api]:
    return {(api.library, api.call): api for api in PYTHON_APIS}


def searches_with_evidence(py: PyFile, hits: list[Hit]) -> list[Hit]:
    """`hits` without the library findings of a file whose library calls search nothing."""
    library = [h for h in hits if h.library != HAND]
    if not library:
        return hits
    if (
        not any(_is_signal(h) for h in library)
        or _objectives_are_test_functions(py, library)
        or _optimizes_no_model(py, library)
    ):
        return [h for h in hits if h.library == HAND]
    return hits


def _optimizes_no_model(py: PyFile, library: list[Hit]) -> bool:
    if any(h.library not in GENERAL_OPTIMIZERS for h in library):
        return False
    if any(is_hyperparameter(p.name) for h in library for p in h.hyperparameters):
        return False
    return not py.imports_any(LEARNING_MODULES)


def _is_signal(hit: Hit) -> bool:
    api = _rows().get((hit.library, hit.api or ""))
    if api is None or api.alone:
        return True
    budget = hit.budget or ""
    return budget.endswith(" samples") and budget != "1 samples"


# --------------------------------------------------------------------------- objectives


def _objectives_are_test_functions(py: PyFile, hits: list[Hit]) -> bool:
    """True when the file's search runs have objectives defined here, and each of them is
    arithmetic on its inputs (directly or through other functions of the file)."""
    named = [p.name for h in hits if h.kind == FindingKind.SEARCH_SPACE for p in h.hyperparameters]
    if named and 2 * sum(is_hyperparameter(n) for n in named) >= len(named):
        return False  # mostly `lr`, `gamma`, ... sampled: a stub standing where training will go
    objectives = [o for h in hits if h.kind == FindingKind.SEARCH_RUN for o in _objectives(py, h.tree_node)]
    # A stub that returns a sampled value as it is (`return lr`) stands where training will go.
    return bool(objectives) and all(_is_pure(py, o, 0, set()) and _computes(py, o) for o in objectives)


def _computes(py: PyFile, function: Node) -> bool:
    """Whether a function works out a value (arithmetic, or a call beyond reading its own input
    such as `trial.suggest_float`), rather than handing a sampled value back as it is."""
    parameters = _parameters(function)
    body = function.child_by_field_name("body") if function.type != "lambda" else function
    stack = [body] if body is not None else []
    while stack:
        node = stack.pop()
        if node.type in ("binary_operator", "unary_operator"):
            return True
        if node.type == "call":
            target = node.child_by_field_name("function")
            if target is None or text(target).split(".", 1)[0] not in parameters:
                return True
        stack.extend(node.named_children)
    return False


def _objectives(py: PyFile, call: Node) -> list[Node]:
    if call.type != "call":
        return []
    positional, keywords = call_arguments(call)
    candidates = [keywords[k] for k in _OBJECTIVE_KEYWORDS if k in keywords] or positional[:1]
    found = []
    for node in candidates:
        if node.type == "lambda":
            found.append(node)
        elif node.type == "identifier" and text(node) in py.functions:
            found.append(py.functions[text(node)])
    return found


def _is_pure(py: PyFile, function: Node, depth: int, seen: set[int]) -> bool:
    if function.id in seen:
        return True
    seen.add(function.id)
    parameters = _parameters(function)
    calls = _calls(function)
    # `f = np.poly1d(c)` then `f(x)`: a local bound to a call (checked itself) is pure to call.
    parameters |= _local_callables(function, calls)
    for call in calls:
        target = call.child_by_field_name("function")
        if target is None or not _pure_call(py, target, parameters, depth, seen):
            return False
    return True


def _local_callables(function: Node, calls: list[Node]) -> set[str]:
    names = set()
    for call in calls:
        parent = call.parent
        if parent is not None and parent.type == "assignment" and parent.child_by_field_name("right") == call:
            left = parent.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                names.add(text(left))
    return names


def _pure_call(py: PyFile, target: Node, parameters: set[str], depth: int, seen: set[int]) -> bool:
    if target.type == "call":  # np.poly1d(coefficients)(x): the inner call decides
        inner = target.child_by_field_name("function")
        return inner is not None and _pure_call(py, inner, parameters, depth, seen)
    written = text(target)
    if target.type == "identifier":
        if written in _PURE_BUILTINS or written in parameters or py.qualify(target).startswith(_PURE_MODULES):
            return True
        defined = py.functions.get(written)
        return defined is not None and depth < _MAX_DEPTH and _is_pure(py, defined, depth + 1, seen)
    if target.type != "attribute":
        return False
    receiver = written.split(".", 1)[0]
    if receiver in parameters:
        return True  # trial.suggest_float, config.get, x.sum: the objective reads its own input
    qualified = py.qualify(target)
    return qualified.startswith(_PURE_MODULES) or qualified in _REPORTS or written in _REPORTS


def _parameters(function: Node) -> set[str]:
    parameters = function.child_by_field_name("parameters")
    names = set()
    for child in parameters.named_children if parameters is not None else []:
        name = (
            child
            if child.type == "identifier"
            else child.child_by_field_name("name")
            or next((c for c in child.named_children if c.type == "identifier"), None)
        )
        if name is not None:
            names.add(text(name))
    return names


def _calls(function: Node) -> list[Node]:
    body = function.child_by_field_name("body")
    found, stack = [], [body] if body is not None else []
    while stack:
        node = stack.pop()
        if node.type == "call":
            found.append(node)
        if node.type not in ("function_definition", "class_definition") or node is body:
            stack.extend(node.named_children)
    return found
