"""Search spaces read from config values: bounded and categorical domains, and the mapping-shaped
dimensions of ConfigSpace, hydra-optuna, Ax, nevergrad, W&B and Polyaxon."""

from __future__ import annotations

import math
import re
from typing import Any

from hptlens.analysis.configs.tree import Node, items_of, plain
from hptlens.report import JsonScalar, SearchSpace, SpaceType


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            parsed = float(value.replace("_", ""))
        except ValueError:
            return None
        return parsed if math.isfinite(parsed) else None
    return None


def is_int(*values: Any) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(isinstance(v, int) and not isinstance(v, bool) for v in present)


def flag(node: Node | None) -> bool:
    return node is not None and node.value is True


def bounded(
    low: Any,
    high: Any,
    *,
    log: bool = False,
    step: Any = None,
    integer: bool | None = None,
    distribution: str | None = None,
) -> SearchSpace:
    if integer is None:
        integer = is_int(low, high)
    return SearchSpace(
        type=SpaceType.INT if integer else SpaceType.FLOAT,
        low=number(low),
        high=number(high),
        log=log,
        step=number(step),
        distribution=distribution,
    )


def categorical(choices: list[JsonScalar] | None, distribution: str | None = None) -> SearchSpace:
    return SearchSpace(type=SpaceType.CATEGORICAL, choices=choices, distribution=distribution)


def primitive(token: str) -> JsonScalar:
    lowered = token.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if re.fullmatch(r"[-+]?\d+", token):
        return int(token)
    value = number(token)
    return value if value is not None and re.fullmatch(r"[-+]?[\d.]+(e[-+]?\d+)?", lowered) else token


CONFIGSPACE_TYPES = frozenset(
    {
        "uniform_float",
        "uniform_int",
        "normal_float",
        "normal_int",
        "beta_float",
        "beta_int",
        "categorical",
        "ordinal",
        "constant",
    }
)
_TYPED = CONFIGSPACE_TYPES | {"float", "int", "range", "choice", "fixed", "integer"}


def typed_space(spec: Node) -> SearchSpace | None:
    """`{type: ..., ...}`: ConfigSpace, hydra-optuna 1.1 `search_space`, Ax `parameters`."""
    kind = (spec.text("type") or "").lower()
    if kind in ("constant", "fixed") or kind not in _TYPED:
        return None
    if kind in ("categorical", "choice", "ordinal"):
        choices = items_of(spec.get("choices")) or items_of(spec.get("values")) or items_of(spec.get("sequence"))
        return categorical(choices, kind)
    if kind.startswith(("normal", "beta")):
        return SearchSpace(
            type=SpaceType.INT if kind.endswith("int") else SpaceType.FLOAT,
            distribution=kind,
            low=number(plain(spec.get("lower"))),
            high=number(plain(spec.get("upper"))),
            log=flag(spec.get("log")),
        )
    low, high = plain(spec.get("low")), plain(spec.get("high"))
    if low is None and high is None:
        low, high = plain(spec.get("lower")), plain(spec.get("upper"))
    bounds = items_of(spec.get("bounds"))
    if bounds is not None and len(bounds) == 2:
        low, high = bounds
    integer = (
        kind in ("int", "uniform_int", "integer")
        or spec.text("value_type") == "int"
        or (kind == "range" and is_int(low, high))
    )
    log = flag(spec.get("log")) or flag(spec.get("log_scale"))
    step = plain(spec.get("step")) if spec.get("step") is not None else plain(spec.get("q"))
    return bounded(low, high, log=log, step=step, integer=integer, distribution=kind)


def nevergrad_space(spec: Node) -> SearchSpace | None:
    """`{lower, upper, log, integer}` or `{init, step, log}` (hydra-nevergrad's parametrization)."""
    if spec.get("lower") is None and spec.get("upper") is None and spec.get("init") is None:
        return None
    integer = flag(spec.get("integer"))
    return bounded(
        plain(spec.get("lower")),
        plain(spec.get("upper")),
        log=flag(spec.get("log")),
        step=plain(spec.get("step")),
        integer=integer or None,
        distribution="nevergrad scalar",
    )


def wandb_space(spec: Node) -> SearchSpace | None:
    if not spec.is_map:
        return None
    distribution = spec.text("distribution")
    if spec.get("values") is not None:
        space = categorical(items_of(spec.get("values")), distribution)
    elif spec.get("min") is not None or spec.get("max") is not None:
        low, high = plain(spec.get("min")), plain(spec.get("max"))
        if distribution == "log_uniform" and number(low) is not None and number(high) is not None:
            low, high = math.exp(number(low) or 0.0), math.exp(number(high) or 0.0)  # natural-log bounds
        integer = is_int(low, high) or bool(distribution and "int" in distribution)
        space = bounded(
            low,
            high,
            log=bool(distribution and "log" in distribution),
            step=plain(spec.get("q")),
            integer=integer,
            distribution=distribution,
        )
    elif spec.get("mu") is not None or spec.get("sigma") is not None:
        space = SearchSpace(type=SpaceType.FLOAT, distribution=distribution or "normal")
    else:
        return None  # {value: x} is a constant
    return space


_POLYAXON_KINDS = frozenset(
    {
        "choice",
        "pchoice",
        "range",
        "linspace",
        "logspace",
        "geomspace",
        "uniform",
        "quniform",
        "loguniform",
        "qloguniform",
        "normal",
        "qnormal",
        "lognormal",
        "qlognormal",
        "daterange",
        "datetimerange",
    }
)
POLYAXON_V0_FIELDS = {"values": "choice", "pvalues": "pchoice", **{k: k for k in _POLYAXON_KINDS}}


def polyaxon_space(kind: str, value: Node | None) -> SearchSpace | None:
    if value is None:
        return None
    if kind == "choice":
        return categorical(items_of(value), kind)
    if kind == "pchoice":
        pairs = value.items if value.is_seq else []
        return categorical([plain(p.items[0]) if p.is_seq and p.items else plain(p) for p in pairs], kind)
    if kind in ("daterange", "datetimerange"):
        return categorical(None, kind)
    numbers = _polyaxon_numbers(value)
    first = numbers[0] if numbers else None
    second = numbers[1] if len(numbers) > 1 else None
    third = numbers[2] if len(numbers) > 2 else None
    if kind in ("normal", "qnormal", "lognormal", "qlognormal"):
        return SearchSpace(type=SpaceType.FLOAT, distribution=kind, log=kind.startswith(("log", "qlog")))
    if kind == "range":
        return bounded(first, second, step=third, integer=is_int(first, second, third), distribution=kind)
    log = kind in ("logspace", "geomspace", "loguniform", "qloguniform")
    step = third if kind in ("quniform", "qloguniform") else None
    return bounded(first, second, log=log, step=step, integer=False, distribution=kind)


def _polyaxon_numbers(value: Node) -> list[Any]:
    """`0.01:0.1:5`, `[0.01, 0.1, 5]` or `{start/low, stop/high, num/step/q}`."""
    if value.kind == "scalar" and isinstance(value.value, str):
        parts = value.value.split(":")
        return [primitive(p.strip()) for p in parts]
    if value.is_seq:
        return [plain(item) for item in value.items]
    if value.is_map:
        names = (("start", "low", "min"), ("stop", "high", "max"), ("num", "step", "q"))
        return [next((plain(value.get(n)) for n in group if value.get(n) is not None), None) for group in names]
    return []
