"""One reader for the parameter specs of HPO job formats, driven by tables of their field names.

Cloud and cluster HPO services describe a dimension the same way under different names: a name, a
type, bounds or a value list, a scale. Google Cloud AI Platform (`parameterName`, `type: DOUBLE`,
`minValue`, `scaleType: UNIT_LOG_SCALE`), Vertex AI (`parameterId`, `doubleValueSpec`), Katib
(`parameterType`, `feasibleSpace`), SageMaker (`Name`, `MinValue`, `ScalingType`, typed range
lists), Azure ML (`type: loguniform`, `min_value`), Determined (`type: log`, `minval`, `base`), NNI
(`_type`, `_value`), Comet (`type: integer`, `scalingType`), SigOpt (`bounds`, `transformation`).
Adding a format is adding names here.
"""

from __future__ import annotations

import math
from typing import Any

from hptlens.analysis.configs.spaces import bounded, categorical, is_int, number
from hptlens.analysis.configs.tree import Node, items_of, plain
from hptlens.report import JsonScalar, SearchSpace, SpaceType

NAME_FIELDS = ("name", "parameterName", "parameter_name", "parameterId", "parameter_id", "Name")
TYPE_FIELDS = ("type", "parameterType", "parameter_type", "parametertype", "_type", "Type")
LOW_FIELDS = ("min", "minValue", "min_value", "MinValue", "minval", "lower", "low")
HIGH_FIELDS = ("max", "maxValue", "max_value", "MaxValue", "maxval", "upper", "high")
VALUE_FIELDS = (
    "values",
    "choices",
    "categoricalValues",
    "categorical_values",
    "discreteValues",
    "discrete_values",
    "Values",
    "vals",
    "list",
    "grid",
)
STEP_FIELDS = ("step", "q", "stepSize")
SCALE_FIELDS = (
    "scaleType",
    "scale_type",
    "ScalingType",
    "scalingType",
    "scaling_type",
    "distribution",
    "transformation",
)
# A nested map that holds the domain: Katib `feasibleSpace`, Vertex `doubleValueSpec`, SigOpt `bounds`.
BOX_FIELDS = (
    "feasibleSpace",
    "feasible_space",
    "feasible",
    "bounds",
    "doubleValueSpec",
    "double_value_spec",
    "integerValueSpec",
    "integer_value_spec",
    "categoricalValueSpec",
    "categorical_value_spec",
    "discreteValueSpec",
    "discrete_value_spec",
)

INT_TYPES = frozenset(
    {
        "int",
        "integer",
        "randint",
        "qrandint",
        "uniform_int",
        "int64",
        "integerparameterranges",
        "integervaluespec",
        "integer_value_spec",
    }
)
FLOAT_TYPES = frozenset(
    {
        "double",
        "float",
        "real",
        "continuous",
        "uniform",
        "quniform",
        "loguniform",
        "qloguniform",
        "log",
        "uniform_float",
        "continuousparameterranges",
        "doublevaluespec",
        "double_value_spec",
        "range",
    }
)
CHOICE_TYPES = frozenset(
    {
        "categorical",
        "choice",
        "discrete",
        "enum",
        "ordinal",
        "categoricalparameterranges",
        "categoricalvaluespec",
        "discretevaluespec",
        "categorical_value_spec",
        "discrete_value_spec",
    }
)
NORMAL_TYPES = frozenset({"normal", "qnormal", "lognormal", "qlognormal", "gaussian"})
FIXED_TYPES = frozenset({"const", "constant", "fixed"})
LOG_SCALES = frozenset(
    {
        "unit_log_scale",
        "unit_reverse_log_scale",
        "logarithmic",
        "reverselogarithmic",
        "log",
        "loguniform",
        "log_uniform",
        "log_uniform_values",
        "qloguniform",
        "lognormal",
        "qlognormal",
        "loguniform_values",
    }
)
# Types whose bounds are exponents: Azure ML `loguniform` (natural log), Determined `log` (of `base`).
EXPONENT_TYPES = {"azure": {"loguniform": math.e, "qloguniform": math.e}, "determined": {"log": 10.0}}


def _first(spec: Node, fields: tuple[str, ...]) -> Node | None:
    return next((spec.get(f) for f in fields if spec.get(f) is not None), None)


def _word(node: Node | None) -> str:
    value = plain(node) if node is not None and node.kind == "scalar" else None
    return str(value).strip().lower() if value is not None else ""


def param_name(spec: Node) -> str | None:
    """The name a list-shaped parameter spec gives itself (`name`, `parameterName`, `parameterId`...)."""
    node = _first(spec, NAME_FIELDS) if spec.is_map else None
    value = plain(node) if node is not None and node.kind == "scalar" else None
    return str(value) if value is not None else None


def param_space(spec: Node, *, type_hint: str | None = None, dialect: str | None = None) -> SearchSpace | None:
    """The domain a parameter spec states, or None when it is fixed (a constant, a single value) or
    not a spec at all. `type_hint` is the type a format gives by position (SageMaker's typed range
    lists); `dialect` selects format-specific readings (bounds given as exponents)."""
    if not spec.is_map:
        return None
    kind = _word(_first(spec, TYPE_FIELDS)) or (type_hint or "").lower()
    box = next(((f, node) for f in BOX_FIELDS if (node := spec.get(f)) is not None and node.is_map), None)
    where = box[1] if box is not None else spec
    if box is not None and not kind:
        kind = box[0].lower()
    if kind in FIXED_TYPES:
        return None
    scale = _word(_first(spec, SCALE_FIELDS)) or _word(_first(where, SCALE_FIELDS))
    log = scale in LOG_SCALES or kind in LOG_SCALES or _flag(spec, "log") or _flag(spec, "log_scale")
    if spec.get("_value") is not None:  # NNI: `_value` holds the choices or the distribution's arguments
        return _nni_space(kind, spec.get("_value"))
    low, high = _bounds(where)
    values = _first(where, VALUE_FIELDS) or _first(spec, VALUE_FIELDS)
    if values is not None and values.is_seq and low is None and high is None:
        choices = [_choice(item) for item in values.items]
        return categorical(choices, kind or None) if len(set(map(str, choices))) > 1 else None
    if low is None and high is None:
        if kind in NORMAL_TYPES or (spec.get("mu") is not None and spec.get("sigma") is not None):
            return SearchSpace(
                type=SpaceType.FLOAT, distribution=kind or "normal", log=kind.startswith(("log", "qlog"))
            )
        return None
    base = EXPONENT_TYPES.get(dialect or "", {}).get(kind)
    if base is not None:
        if dialect == "determined":
            base = number(plain(spec.get("base"))) or base
        low, high = _power(base, low), _power(base, high)
        log = True
    if number(low) is not None and number(low) == number(high):
        return None  # a range of one value is a constant
    step = plain(_first(where, STEP_FIELDS))
    integer = kind in INT_TYPES or (not kind and is_int(low, high)) or (kind == "range" and is_int(low, high))
    return bounded(low, high, log=log, step=step, integer=integer, distribution=kind or scale or None)


def _bounds(where: Node) -> tuple[Any, Any]:
    low, high = plain(_first(where, LOW_FIELDS)), plain(_first(where, HIGH_FIELDS))
    if low is None and high is None:
        pair = items_of(where.get("bounds"))
        if pair is not None and len(pair) == 2:
            low, high = pair
    return low, high


def _power(base: float, exponent: Any) -> float | None:
    value = number(exponent)
    if value is None or abs(value) > 300:
        return None
    return float(base**value)


def _flag(spec: Node, name: str) -> bool:
    node = spec.get(name)
    return node is not None and node.value is True


def _choice(item: Node) -> JsonScalar:
    """A choice as written; SigOpt's `{name: x}` gives x, a mapping of settings (one choice that sets
    several values, as NNI's batch tuner lists them) its `k=v` text."""
    if item.is_map and item.get("name") is not None and len(item.pairs) <= 2:
        return plain(item.get("name"))
    if item.is_map:
        return ", ".join(f"{k.text}={plain(v)}" for k, v in item.pairs)
    return plain(item)


def _nni_space(kind: str, value: Node | None) -> SearchSpace | None:
    """NNI `{"_type": ..., "_value": [...]}`: choice lists, `[low, high(, q)]` bounds, `[mu, sigma(, q)]`."""
    if value is None or not value.is_seq:
        return None
    args = [plain(item) for item in value.items]
    if kind == "choice":
        choices = [
            plain(item.get("_name")) if item.is_map and item.get("_name") is not None else _choice(item)
            for item in value.items
        ]
        return categorical(choices, "choice") if len(set(map(str, choices))) > 1 else None
    if kind in NORMAL_TYPES:
        return SearchSpace(type=SpaceType.FLOAT, distribution=kind, log=kind.startswith(("log", "qlog")))
    if len(args) < 2:
        return None
    step = args[2] if kind.startswith("q") and len(args) > 2 else None
    return bounded(
        args[0], args[1], log=kind in LOG_SCALES, step=step, integer=kind in ("randint", "qrandint"), distribution=kind
    )
