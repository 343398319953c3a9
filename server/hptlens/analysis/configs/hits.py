"""What config detectors emit: the analysis' `Hit`s, spanning `key: value` entries, grouped into searches."""

from __future__ import annotations

from dataclasses import dataclass, field

from hptlens.analysis.configs.tree import Key, Node
from hptlens.analysis.neutral import Hit, Span
from hptlens.analysis.sites import describe_hyperparameter
from hptlens.report import ConfigRef, Criterion, FindingKind, Hyperparameter, RLContext, SearchSpace

SWEEP = FindingKind.SWEEP_CONFIG
TUNED = FindingKind.TUNED_CONFIG
AUTO = Criterion.AUTO_TUNING
PARAM = Criterion.PARAMETERIZATION


@dataclass
class Group:
    """The hits of one search (one site)."""

    hits: list[Hit] = field(default_factory=list)
    budget: str | None = None


@dataclass
class Context:
    path: str
    text: str
    refs: list[ConfigRef] = field(default_factory=list)
    rl: RLContext = field(default_factory=RLContext)


def entry_hit(
    key: Key,
    value: Node,
    *,
    kind: FindingKind,
    category: Criterion,
    library: str,
    message: str,
    method: str | None = None,
    hps: list[Hyperparameter] | None = None,
    api: str | None = None,
    confidence: float = 0.9,
) -> Hit:
    """A hit spanning `key: value`, with the message as written."""
    span = Span(key.line, key.column, value.end_line, value.end_column)
    return Hit(
        kind,
        category,
        library,
        span,
        message,
        method=method,
        api=api,
        hyperparameters=hps or [],
        confidence=confidence,
        message=message,
    )


def dimension_hit(key: Key, value: Node, name: str, space: SearchSpace, library: str, label: str, api: str) -> Hit:
    hp = Hyperparameter(name=name, space=space)
    return entry_hit(
        key,
        value,
        kind=SWEEP,
        category=AUTO,
        library=library,
        api=api,
        hps=[hp],
        message=f"{label}: {describe_hyperparameter(hp)}",
        method=None,
    )


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def names_of(hits: list[Hit]) -> list[Hyperparameter]:
    return [hp for hit in hits for hp in hit.hyperparameters]
