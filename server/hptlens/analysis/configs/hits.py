"""What config detectors emit: the analysis' `Hit`s, spanning `key: value` entries, grouped into searches."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hptlens.analysis.catalog.vocabulary import AUTO_METHOD_EXACT, AUTO_METHOD_WORDS, NOT_TUNED_KEYS
from hptlens.analysis.configs.tree import Index, Key, Node, plain
from hptlens.analysis.neutral import Hit, Span
from hptlens.analysis.sites import describe_hyperparameter
from hptlens.report import ConfigRef, Criterion, FindingKind, Hyperparameter, RLContext, SearchSpace

SWEEP = FindingKind.SWEEP_CONFIG
TUNED = FindingKind.TUNED_CONFIG
AUTO = Criterion.AUTO_TUNING
LIB = Criterion.AUTO_HAND_TUNING
HAND = Criterion.HAND_TUNING
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
    index: Index = field(default_factory=Index)
    """The one walk of the document being analysed."""
    _lines: list[str] | None = None

    def line(self, row: int) -> str:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines[row - 1] if 0 < row <= len(self._lines) else ""


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


def span_hit(
    span: Span,
    *,
    kind: FindingKind = SWEEP,
    category: Criterion,
    library: str,
    message: str,
    method: str | None = None,
    hps: list[Hyperparameter] | None = None,
    api: str | None = None,
) -> Hit:
    """A hit over any span, with the message as written."""
    return Hit(
        kind, category, library, span, message, method=method, api=api, hyperparameters=hps or [], message=message
    )


def header_hit(
    ctx: Context,
    key: Key,
    *,
    kind: FindingKind = SWEEP,
    category: Criterion,
    library: str,
    message: str,
    api: str | None = None,
    until: Key | None = None,
    method: str | None = None,
    hps: list[Hyperparameter] | None = None,
) -> Hit:
    """A hit on the line of `key` only (through the line of `until`): the header of a block whose
    entries are reported one by one (a search space whose constants are not searched)."""
    last = until.line if until is not None else key.line
    span = Span(key.line, key.column, last, max(len(ctx.line(last).rstrip()) + 1, key.column + 1))
    return span_hit(
        span, kind=kind, category=category, library=library, message=message, method=method, hps=hps, api=api
    )


def dimension_hit(
    key: Key, value: Node, name: str, space: SearchSpace, library: str, label: str, api: str, category: Criterion = LIB
) -> Hit:
    """One dimension of an explicit search space handed to a tool (auto/hand-tuning)."""
    hp = Hyperparameter(name=name, space=space)
    return entry_hit(
        key,
        value,
        kind=SWEEP,
        category=category,
        library=library,
        api=api,
        hps=[hp],
        message=f"{label}: {describe_hyperparameter(hp)}",
        method=None,
    )


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def names_of(hits: list[Hit]) -> list[Hyperparameter]:
    """The hyperparameters the dimensions search (a seed, an environment or a dataset is none)."""
    return [hp for hit in hits for hp in hit.hyperparameters if not is_not_tuned(hp.name)]


def method_category(method: str | None) -> Criterion:
    """auto-tuning when the named method is an HPO method (Bayesian, ASHA, PBT, BOHB, evolution...);
    grid, random and unnamed methods leave the search auto/hand-tuning (a tool and its explicit space)."""
    word = re.sub(r"[^a-z0-9]", "", (method or "").lower())
    if word in AUTO_METHOD_EXACT or any(auto in word for auto in AUTO_METHOD_WORDS):
        return AUTO
    return LIB


def is_not_tuned(name: str) -> bool:
    """A seed, an environment or a dataset: repeating a run over these is not a search."""
    parts = [part.replace("-", "_") for part in re.split(r"[./]", name.strip().lower())]
    last = parts[-1]
    if last in NOT_TUNED_KEYS or last.endswith("_seed"):
        return True
    return len(parts) > 1 and last in ("id", "name", "names", "ids", "type") and parts[-2] in NOT_TUNED_KEYS  # env.id


def tuned_dimensions(dims: list[Hit]) -> list[Hit]:
    """The dimensions that search a hyperparameter (not a seed, environment or dataset)."""
    return [d for d in dims if any(not is_not_tuned(hp.name) for hp in d.hyperparameters)]


def setting_hits(
    node: Node,
    keys: tuple[str, ...],
    *,
    library: str,
    label: str,
    category: Criterion,
    api: str,
    method: str | None = None,
) -> list[Hit]:
    """One hit per present `key: value` entry among `keys`: the settings, objective and budgets of a search."""
    hits = []
    for name in keys:
        entry = node.entry(name) if node.is_map else None
        if entry is not None:
            shown = brief(entry[1])
            hits.append(
                entry_hit(
                    *entry,
                    kind=SWEEP,
                    category=category,
                    library=library,
                    api=api,
                    method=method,
                    message=f"{label} {name}: {shown}",
                )
            )
    return hits


def brief(node: Node) -> str:
    """A value in a message: a scalar as written, a small mapping as `k=v, ...`."""
    if node.is_map:
        parts = [f"{k.text}={plain(v)}" for k, v in node.pairs[:4] if v.kind == "scalar"]
        return ", ".join(parts) + (", ..." if len(node.pairs) > 4 else "") if parts else str(plain(node))
    if node.is_seq and node.items and all(item.is_map for item in node.items):
        return "; ".join(brief(item) for item in node.items[:3]) + ("; ..." if len(node.items) > 3 else "")
    return str(plain(node))
