"""Search spaces built from a project's own parameter classes, in Python.

Home-grown HPO code often defines its own domain types and passes one per hyperparameter:
`ConfigGenerator(lr=RangeParam(3, 5), batch_size=ChoiceParam(32, 64, 128), gamma=ConstantParam(0.99))`.
A call given two or more hyperparameter keywords whose values are such domains (a class named as
a range, a choice or a distribution, given bounds or two or more choices; constants do not count)
is a hand-written search space. Library domains (skopt's `Real`, `hp.choice`) are the catalog's;
a single domain is not a space.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from hptlens.analysis.apis import is_space_call
from hptlens.analysis.neutral import Hit, number, text
from hptlens.analysis.pyfile import PyFile
from hptlens.analysis.spaces import call_arguments, literal
from hptlens.analysis.tables import names_hyperparameter
from hptlens.report import HAND_WRITTEN, Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType

_DOMAIN_CLASS = re.compile(
    r"^(?:Log)?(?:Range|Choice|Categorical|Uniform)$|^\w+(?:Param|Parameter|Domain|Range|Choice|Uniform|Categorical)$"
)
"""Names of domain classes (their calls are found by DOMAIN_CLASS_SUFFIXES): `nn.Parameter` alone is not one."""
_CONSTANT_CLASS = re.compile(r"^(?:Constant|Fixed|Static)\w*$")
_MIN_DIMENSIONS = 2


def detect_space_classes(py: PyFile) -> list[Hit]:
    owners: dict[int, tuple[Node, list[tuple[str, Node]]]] = {}
    for domain in py.candidates("domain_call"):  # calls named like a domain class (the one query's)
        keyword = domain.parent
        arguments = keyword.parent if keyword is not None and keyword.type == "keyword_argument" else None
        owner = arguments.parent if arguments is not None else None
        key = keyword.child_by_field_name("name") if keyword is not None else None
        function = domain.child_by_field_name("function")
        if owner is None or owner.type != "call" or key is None or function is None:
            continue
        owners.setdefault(owner.id, (owner, []))[1].append((text(key), function))
    hits = []
    for owner, entries in owners.values():
        dims = [(key, space) for key, function in entries if (space := _domain_space(py, key, function)) is not None]
        if len(dims) >= _MIN_DIMENSIONS:
            hits.append(_hit(owner, dims))
    return hits


def _domain_space(py: PyFile, key: str, function: Node) -> SearchSpace | None:
    """The space one keyword's domain stands for; None when it is not a domain of this kind."""
    call = function.parent
    name = text(function).rsplit(".", 1)[-1]
    if call is None or not names_hyperparameter(key) or _CONSTANT_CLASS.match(name):
        return None
    if not _DOMAIN_CLASS.match(name) or is_space_call(py, call):
        return None
    positional, keywords = call_arguments(call)
    values = [literal(argument) for argument in positional]
    numbers = [number(v) for v in values]
    if "Range" in name or "Uniform" in name:
        if len(numbers) >= 2 and numbers[0] is not None and numbers[1] is not None:
            log = name.startswith("Log") or literal(keywords.get("log")) is True
            return SearchSpace(type=SpaceType.FLOAT, low=numbers[0], high=numbers[1], log=log, distribution=name)
        return None
    if len(positional) == 1 and isinstance(values[0], (list, tuple)):
        values = list(values[0])
    if len(values) >= 2 and all(isinstance(v, (int, float, str, bool)) for v in values):
        return SearchSpace(type=SpaceType.CATEGORICAL, choices=list(values), distribution=name)
    return None


def _hit(owner: Node, dims: list[tuple[str, SearchSpace]]) -> Hit:
    return Hit(
        FindingKind.SEARCH_SPACE,
        Criterion.HAND_TUNING,
        HAND_WRITTEN,
        owner,
        f"hand-written search space ({len(dims)} hyperparameters, the project's own domain classes)",
        method="hand-written search",
        hyperparameters=[Hyperparameter(name=key, space=space) for key, space in dims],
        confidence=0.7,
    )
