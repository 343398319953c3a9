"""The catalog's row types: `Api`, the space spec it carries and its parser, and `Shape`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast, get_args

from hptlens.report import Criterion, FindingKind, StrEnum

SPACE = FindingKind.SEARCH_SPACE
RUN = FindingKind.SEARCH_RUN
SCHED = FindingKind.SCHEDULER

AUTO = Criterion.AUTO_TUNING
LIB = Criterion.AUTO_HAND_TUNING


class Shape(StrEnum):
    """How a dict- or list-shaped space argument is read: the Python shapes by spaces.dimensions
    (`PYTHON_SHAPES`), the C++ ones by cpp/libraries.py (`CPP_SHAPES`)."""

    GRID = "grid"
    """{name: [values]} (scikit-learn grids, Optuna's GridSampler), or a list of such dicts."""
    DOMAIN = "domain"
    """{name: (low, high[, prior])} or [values], or a list of such (skopt dimensions, bayes_opt)."""
    MUTATIONS = "mutations"
    """PBT's hyperparam_mutations: {name: [values] or a distribution}."""
    BOUNDS = "bounds"
    """{name: [low, high]} (PB2); in C++ the lower and upper bound vectors (dlib)."""
    AX = "ax"
    """Ax parameters: [{name, type, bounds or values}, ...]."""
    GENES = "genes"
    """pygad's gene_space: one entry per gene."""
    WANDB = "wandb"
    """A W&B sweep config: {method, parameters: {name: {values | min, max | ...}}}."""
    BOX = "box"
    """A BoTorch bounds matrix [[lows...], [highs...]]."""
    VALUES = "values"
    """C++ (mlpack's Optimize): each argument a set of values."""


SpaceKind = Literal["float", "int", "categorical", "grid", "normal", "auto", "sampler"]
SpaceFlag = Literal["log", "explog", "bool"]
Role = Literal["name", "low", "high", "step", "log", "choices", "bounds", "prior", "mu", "sigma", "sampler"]


@dataclass(frozen=True)
class SpaceSpec:
    """How a space-defining call is read: its type, flags and positional roles (see the module doc)."""

    kind: SpaceKind
    flags: frozenset[SpaceFlag]
    roles: tuple[Role, ...]


def spec(text: str) -> SpaceSpec:
    """`"TYPE[+FLAG...]: ROLE, ROLE, ..."` as a SpaceSpec; ValueError for a word it does not know."""
    head, _, tail = text.partition(":")
    kind, *flags = (part.strip() for part in head.split("+"))
    roles = tuple(role.strip() for role in tail.split(",") if role.strip())
    for words, allowed in (([kind], SpaceKind), (flags, SpaceFlag), (list(roles), Role)):
        unknown = [w for w in words if w not in get_args(allowed)]
        if unknown:
            raise ValueError(f"space spec {text!r}: unknown {', '.join(unknown)}")
    return SpaceSpec(cast(SpaceKind, kind), frozenset(cast(list[SpaceFlag], flags)), cast(tuple[Role, ...], roles))


@dataclass(frozen=True)
class Api:
    library: str
    call: str
    kind: FindingKind
    category: Criterion = LIB
    method: str | None = None
    space: SpaceSpec | None = None
    space_arg: tuple[str, ...] = ()
    space_shape: Shape | None = None
    budget: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    receiver: str | None = None
    ref: bool = False
    """Also matched when passed uncalled as an argument (hyperopt's ``algo=tpe.suggest``)."""
    alone: bool = True
    """Whether the call shows a search by itself. False for calls that also make runs of one
    configuration (`tune.run` with a fixed config, a sweep worker's `wandb.agent`, a study that
    is opened or given a sampler but never optimized): they count only beside another search
    signal in the file, or, for Ray, with more than one sample."""


def last_name(call: str) -> str:
    """The name a call pattern ends with: what the detector looks candidates up by."""
    tail = call.rsplit(".", 1)[-1]
    return tail.removesuffix("()")
