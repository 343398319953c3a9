"""Hand-written tables of hyperparameter values, in Python.

Two shapes real code writes without any HPO library:
- a search-space table: a dict from hyperparameter names to candidate values (lists, ranges,
  (low, high) bounds) that a hand-written grid, random search or genetic algorithm draws
  from: `param_grid = {"lr": [1e-3, 1e-4], "gamma": [0.9, 0.99]}`;
- a table of tuned values per environment or task (parameterization): a dict of per-entry
  config dicts that share hyperparameter keys with different values, as in rl-zoo files
  written in Python: `HYPERPARAMS = {"pong": {"learning_rate": 1e-4, ...}, "breakout": {...}}`.
A table counts by its shape and by how it is used or named, never by its keys alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from typing import Any

from tree_sitter import Node

from hptlens.analysis.catalog.model import Shape
from hptlens.analysis.catalog.vocabulary import AUTO_METHOD_NAMES
from hptlens.analysis.neutral import NOT_LITERAL, Hit, is_hyperparameter, scalar, text
from hptlens.analysis.pyfile import PyFile
from hptlens.analysis.spaces import choice_items, dict_pairs, dimensions, literal
from hptlens.report import Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType

HAND = "hand-written"
_SPACE_NAME = re.compile(
    r"space|grid|search|range|bound|candidate|option|choice|distribution|sweep|tun|gene", re.IGNORECASE
)
_TABLE_NAME = re.compile(r"hyper|hparam|params|config|settings", re.IGNORECASE)
_GENERATORS = ("range", "numpy.linspace", "numpy.logspace", "numpy.geomspace", "numpy.arange")
_PLURALS = ("ies", "s", "_list", "_values", "_range", "_ranges", "_options", "_choices", "_grid")
_DRAWS = re.compile(rb"random|product|choice|sample|mutat|crossover")
_CANDIDATE_TYPES = frozenset({"call", "list", "tuple", "set"})
"""The only values `candidate_space` takes: checked first, as the names cost more."""
_MIN_DIMENSIONS = 2
_MIN_SHARED_KEYS = 3


def detect_tables(py: PyFile, beside_library: bool = False) -> list[Hit]:
    """`beside_library`: the file has a library search, so a table that is only named like a
    space, and never drawn from, documents that search rather than being one."""
    hits: list[Hit] = []
    uses = TableUses(py.source)
    for name, value, statement in _named_dicts(py):
        nni = _nni_space(value) or _wandb_sweep(py, value)
        if nni:
            hits += nni
            continue
        hit = _space_table(py, uses, name, value, statement, beside_library) or _tuned_table(name, value, statement)
        if hit is not None:
            hits.append(hit)
    if py.imports_any(("nni",)):
        hits += _nni_methods(py)
    return hits


# --------------------------------------------------------------------------- NNI


def _nni_space(table: Node) -> list[Hit]:
    """NNI's search-space format: {"lr": {"_type": "loguniform", "_value": [1e-5, 1e-2]}, ...}."""
    hits = []
    for key, value, pair in dict_pairs(table):
        spec = {k: v for k, v, _ in dict_pairs(value)} if value.type == "dictionary" else {}
        kind, bounds = literal(spec.get("_type")), literal(spec.get("_value"))
        if not isinstance(kind, str) or not isinstance(bounds, (list, tuple)):
            continue
        if kind in ("choice", "randint") or len(bounds) != 2:
            space = SearchSpace(type=SpaceType.CATEGORICAL, choices=[scalar(b) for b in bounds], distribution=kind)
        else:
            low, high = (float(b) if isinstance(b, (int, float)) else None for b in bounds[:2])
            space = SearchSpace(
                type=SpaceType.FLOAT, low=low, high=high, log=kind.startswith(("log", "qlog")), distribution=kind
            )
        hits.append(
            Hit(
                FindingKind.SEARCH_SPACE,
                Criterion.AUTO_HAND_TUNING,
                "NNI",
                pair,
                "NNI search space",
                hyperparameters=[Hyperparameter(name=key, space=space)],
                confidence=0.9,
            )
        )
    return hits


def _wandb_sweep(py: PyFile, table: Node) -> list[Hit]:
    """A W&B sweep config written as a dict (returned by a helper, saved to YAML, or sent to
    `wandb.sweep` from another file): a `method` of grid/random/bayes and `parameters`."""
    pairs = {key: (value, pair) for key, value, pair in dict_pairs(table)}
    method = literal(pairs["method"][0]) if "method" in pairs else None
    if method not in ("grid", "random", "bayes") or "parameters" not in pairs:
        return []
    library = "Weights & Biases"
    category = Criterion.AUTO_TUNING if method == "bayes" else Criterion.AUTO_HAND_TUNING
    hits = [
        Hit(
            FindingKind.SCHEDULER,
            category,
            library,
            pairs["method"][1],
            f"{library} sweep method: {method}",
            method=f"{method} search",
            confidence=0.85,
        )
    ]
    for dim in dimensions(Shape.WANDB, table, py.resolve, lambda n: False, py.qualify):
        hits.append(
            Hit(
                FindingKind.SEARCH_SPACE,
                Criterion.AUTO_HAND_TUNING,
                library,
                dim.node,
                f"{library} search space",
                hyperparameters=[Hyperparameter(name=dim.name or "?", space=dim.space)],
                confidence=0.85,
            )
        )
    return hits if len(hits) > 1 else []


def _nni_methods(py: PyFile) -> list[Hit]:
    """`experiment.config.tuner.name = "TPE"` (also advisor, assessor): the search method."""
    hits = []
    for assignment in py.candidates("assignment"):
        target = text(assignment.child_by_field_name("left"))
        role = next((r for r in ("tuner", "advisor", "assessor") if target.endswith(f".{r}.name")), None)
        method = literal(assignment.child_by_field_name("right"))
        if role and isinstance(method, str):
            category = (
                Criterion.AUTO_TUNING
                if method.lower() in AUTO_METHOD_NAMES | {"tpe", "pbttuner", "bohb", "medianstop", "smac"}
                else Criterion.AUTO_HAND_TUNING
            )
            hits.append(
                Hit(
                    FindingKind.SCHEDULER,
                    category,
                    "NNI",
                    assignment,
                    f"NNI {role}: {method}",
                    method=method,
                    confidence=0.85,
                )
            )
    return hits


def _named_dicts(py: PyFile) -> list[tuple[str, Node, Node]]:
    """(name, dict literal, statement) for assignments and parameter defaults holding a dict."""
    found = []
    for assignment in py.candidates("assignment"):
        value = assignment.child_by_field_name("right")
        if value is not None and value.type == "dictionary":
            found.append((text(assignment.child_by_field_name("left")), value, assignment))
    for function in py.candidates("function"):
        parameters = function.child_by_field_name("parameters")
        for parameter in parameters.named_children if parameters is not None else []:
            value = parameter.child_by_field_name("value")
            if (
                parameter.type in ("default_parameter", "typed_default_parameter")
                and value is not None
                and value.type == "dictionary"
            ):
                found.append((text(parameter.child_by_field_name("name")), value, parameter))
    return found


# --------------------------------------------------------------------------- search spaces


def _space_table(
    py: PyFile, uses: TableUses, name: str, table: Node, statement: Node, beside_library: bool
) -> Hit | None:
    dimensions = [
        (key, space)
        for key, value, _ in dict_pairs(table)
        if value.type in _CANDIDATE_TYPES
        and names_hyperparameter(key)
        and (space := candidate_space(py, value)) is not None
    ]
    if len(dimensions) < _MIN_DIMENSIONS:
        return None
    named = bool(_SPACE_NAME.search(name)) and not beside_library
    if not (named or _drawn_from(uses, name, statement)):
        return None
    hps = [Hyperparameter(name=key, space=space) for key, space in dimensions]
    return Hit(
        FindingKind.SEARCH_SPACE,
        Criterion.HAND_TUNING,
        HAND,
        statement,
        f"hand-written search space {name} ({len(hps)} hyperparameters)",
        method="hand-written search",
        hyperparameters=hps,
        confidence=0.75,
    )


def names_hyperparameter(key: str) -> bool:
    if is_hyperparameter(key):
        return True
    lowered = key.lower()
    return any(lowered.endswith(s) and is_hyperparameter(lowered[: -len(s)]) for s in _PLURALS) or any(
        is_hyperparameter(part) for part in lowered.split("_") if len(part) > 2
    )


def candidate_space(py: PyFile, value: Node) -> SearchSpace | None:
    """Several values to choose from: a list/tuple/set of two or more, a generator call, or a
    (low, high) pair of numbers."""
    if value.type == "call":
        function = value.child_by_field_name("function")
        qualified = py.qualify(function) if function is not None else ""
        return SearchSpace(type=SpaceType.GRID) if qualified in _GENERATORS else None
    if value.type not in ("list", "tuple", "set"):
        return None
    items = choice_items(value)
    if items is None or len(set(map(repr, items))) < 2:
        return None  # [256, 256] is a layer shape, not two candidates
    parsed = literal(value)
    if (
        value.type == "tuple"
        and parsed is not NOT_LITERAL
        and len(parsed) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in parsed)
    ):
        return SearchSpace(type=SpaceType.FLOAT, low=float(parsed[0]), high=float(parsed[1]))
    return SearchSpace(type=SpaceType.GRID, values=items)


def _drawn_from(uses: TableUses, name: str, statement: Node) -> bool:
    """Whether the program picks values out of the table: `random.choice(T[k])`, `T.items()`
    or `T.values()` iterated or unpacked into a product, or T handed to a call."""
    short = name.rsplit(".", 1)[-1].encode("utf-8")
    start, end = statement.start_byte, statement.end_byte
    # Walking a table of lists is a search only where something draws or combines values.
    return uses.drawn.outside(short, start, end) or (
        uses.walked.outside(short, start, end) and uses.draws.outside(b"", start, end)
    )


class _Spans:
    """Byte spans of one pattern's matches, by the name each names: whether any lies outside
    a statement is two comparisons (the earliest end, the latest start)."""

    def __init__(self) -> None:
        self._bounds: dict[bytes, tuple[int, int]] = {}

    def add(self, name: bytes, start: int, end: int) -> None:
        first_end, last_start = self._bounds.get(name, (end, start))
        self._bounds[name] = (min(first_end, end), max(last_start, start))

    def outside(self, name: bytes, start: int, end: int) -> bool:
        bounds = self._bounds.get(name)
        return bounds is not None and (bounds[0] <= start or bounds[1] >= end)


class TableUses:
    """Where the program draws from, walks or combines any table, each found in one pass over
    the source when first asked: searching the source again for every table made large files
    quadratic."""

    def __init__(self, source: bytes) -> None:
        self._source = source

    @cached_property
    def drawn(self) -> _Spans:
        return self._spans(_DRAWN_USE, lambda m: (m.group(1), m.start(), m.end(1)))

    @cached_property
    def walked(self) -> _Spans:
        return self._spans(_WALKED_USE, lambda m: (m.group(1), m.start(), m.end()))

    @cached_property
    def draws(self) -> _Spans:
        return self._spans(_DRAWS, lambda m: (b"", m.start(), m.end()))

    def _spans(self, pattern: re.Pattern[bytes], span: Callable[[re.Match[bytes]], tuple[bytes, int, int]]) -> _Spans:
        spans = _Spans()
        for match in pattern.finditer(self._source):
            spans.add(*span(match))
        return spans


_WORD = rb"[\w\x80-\xff]"
"""An identifier character in UTF-8 bytes (any non-ASCII byte may belong to one)."""
_DRAWN_USE = re.compile(
    # a lookahead, so that `choice(choice(T))` also finds the inner use
    rb"(?=(?:choice|sample|product|ParameterGrid|ParameterSampler)\s*\(\s*\*?\s*(?:self\.)?(" + _WORD + rb"+))"
)
_WALKED_USE = re.compile(rb"(?<!" + _WORD + rb")(" + _WORD + rb"+)\s*\.\s*(?:items|values)\s*\(\s*\)")


# --------------------------------------------------------------------------- per-environment values


def _tuned_table(name: str, table: Node, statement: Node) -> Hit | None:
    if not _TABLE_NAME.search(name):
        return None
    entries = [(key, _flat(value)) for key, value, _ in dict_pairs(table) if value.type == "dictionary"]
    entries = [(key, values) for key, values in entries if values]
    if len(entries) < 2:
        return None
    shared = set.intersection(*(set(v) for _, v in entries))
    tuned = sorted(k for k in shared if is_hyperparameter(k))
    varied = [k for k in tuned if len({repr(v[k]) for _, v in entries}) > 1]
    if len(tuned) < _MIN_SHARED_KEYS or not varied:
        return None
    hps = [
        Hyperparameter(
            name=k, space=SearchSpace(type=SpaceType.CATEGORICAL, choices=[scalar(v[k]) for _, v in entries])
        )
        for k in varied
    ]
    return Hit(
        FindingKind.TUNED_CONFIG,
        Criterion.PARAMETERIZATION,
        HAND,
        statement,
        f"tuned hyperparameters per entry of {name} ({len(entries)} entries)",
        method="parameterization",
        hyperparameters=hps,
        confidence=0.7,
    )


def _flat(table: Node) -> dict[str, Any]:
    values = {}
    for key, value, _ in dict_pairs(table):
        parsed = literal(value)
        values[key] = parsed if parsed is not NOT_LITERAL else text(value)
    return values
