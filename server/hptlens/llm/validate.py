"""Checking the model's answer against the source: the answer is data, never trusted.

Every line must lie in the file and in the part that was sent; a blank or comment line
moves to the statement that encloses it (a comment inside a dict literal) or is dropped;
a hyperparameter name that is not written in the file is dropped, and a search-space
finding left with only invented names is dropped with it; a finding whose construct does
not write any of its names moves to the nearest line within a few lines that does. Each
of these is counted and becomes one warning per file. Whatever the source code said to the
model, its answer can only name lines and names that exist, with the kinds, categories
and confidences the schema allows.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TypeVar

from hptlens.llm.answers import ReviewAnswer, SeedAnswer, Verdict
from hptlens.llm.prompt import Part
from hptlens.llm.source import SourceLines
from hptlens.report import HAND_WRITTEN

NAME_REACH = 3
"""Lines searched either side for the line that writes a finding's hyperparameter."""
_NOTE_CHARS = 160
_NAME_CHARS = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

_LIBRARY_ALIASES = {
    "optuna": "Optuna",
    "hyperopt": "hyperopt",
    "ray": "Ray Tune",
    "raytune": "Ray Tune",
    "ray tune": "Ray Tune",
    "ray.tune": "Ray Tune",
    "rllib": "Ray Tune",
    "dehb": "DEHB",
    "configspace": "ConfigSpace",
    "sklearn": "scikit-learn",
    "scikit-learn": "scikit-learn",
    "scikit learn": "scikit-learn",
    "skopt": "scikit-optimize",
    "scikit-optimize": "scikit-optimize",
    "bayes_opt": "bayes_opt",
    "bayesian-optimization": "bayes_opt",
    "bayesian optimization": "bayes_opt",
    "keras-tuner": "keras-tuner",
    "keras_tuner": "keras-tuner",
    "kerastuner": "keras-tuner",
    "nevergrad": "nevergrad",
    "ax": "Ax",
    "ax-platform": "Ax",
    "botorch": "BoTorch",
    "deephyper": "DeepHyper",
    "wandb": "Weights & Biases",
    "weights & biases": "Weights & Biases",
    "weights and biases": "Weights & Biases",
    "deap": "DEAP",
    "pygad": "pygad",
    "cma": "pycma",
    "pycma": "pycma",
    "flaml": "FLAML",
    "syne tune": "Syne Tune",
    "syne_tune": "Syne Tune",
    "smac": "SMAC",
    "hydra": "Hydra",
}
_HAND_WRITTEN_NAMES = {"", "none", "hand-written", "handwritten", "hand written", "manual", "custom", "n/a", "python"}


def canonical_library(name: str) -> str:
    """The catalog's display name for a library the model names; 'hand-written' for none."""
    key = clean(name, _NAME_CHARS).strip().lower()
    if key in _HAND_WRITTEN_NAMES:
        return HAND_WRITTEN
    return (
        _LIBRARY_ALIASES.get(key)
        or _LIBRARY_ALIASES.get(key.split()[0] if key.split() else key)
        or clean(name, _NAME_CHARS).strip()
    )


def clean(text: str, limit: int = _NOTE_CHARS) -> str:
    """One line of plain text, at most `limit` characters: model text shown to people."""
    flat = " ".join(_CONTROL.sub(" ", str(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


@dataclass
class Tally:
    """What validation changed, counted per file."""

    counts: Counter[str] = field(default_factory=Counter)
    invented: set[str] = field(default_factory=set)

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] += n

    def messages(self, path: str) -> list[str]:
        texts = {
            "outside-file": "line number(s) outside the file dropped",
            "outside-part": "line number(s) outside the part sent dropped",
            "snapped": "blank or comment line(s) moved to the enclosing statement",
            "not-code": "blank or comment line(s) dropped",
            "moved": "finding(s) moved to the nearby line that writes their hyperparameter",
            "invented-finding": "search-space finding(s) with only invented hyperparameters dropped",
            "unsupported": "finding(s) whose line does not write what they claim dropped",
            "unknown-id": "verdict(s) on unknown finding ids ignored",
            "malformed": "malformed answer item(s) ignored",
            "no-tuning-lines": "line(s) dropped because the model also said there is no tuning",
        }
        out = [f"{path}: LLM answer: {n} {texts[key]}" for key, n in sorted(self.counts.items()) if n]
        if self.invented:
            names = ", ".join(sorted(self.invented)[:10]) + (", ..." if len(self.invented) > 10 else "")
            out.append(
                f"{path}: LLM answer: {len(self.invented)} hyperparameter name(s) not in the source dropped: {names}"
            )
        return out


@dataclass(frozen=True)
class Candidate:
    """One finding the model proposes, checked: `line` counts over the whole text."""

    line: int
    kind: str
    category: str
    library: str
    method: str | None
    names: tuple[str, ...]
    confidence: float
    note: str


def check_line(source: SourceLines, part: Part, line: int, tally: Tally) -> int | None:
    if not 1 <= line <= source.count:
        tally.add("outside-file")
        return None
    if not part.first <= line <= part.last:
        tally.add("outside-part")
        return None
    if source.is_code(line):
        return line
    snapped = source.snap(line)
    if snapped is not None and part.first <= snapped <= part.last:
        tally.add("snapped")
        return snapped
    tally.add("not-code")
    return None


def check_names(source: SourceLines, names: list[str], tally: Tally) -> list[str]:
    """The names written in the file, in order, without repeats; the others are tallied."""
    kept: list[str] = []
    for raw in names:
        name = clean(raw, _NAME_CHARS).strip()
        if not name or name in kept:
            continue
        if source.mentions(name):
            kept.append(name)
        else:
            tally.invented.add(name)
    return kept


def _place_by_name(source: SourceLines, part: Part, line: int, names: list[str], tally: Tally) -> int:
    """Move a finding to the nearby line that writes one of its names, when its own
    construct writes none of them (an answer off by a line or two)."""
    if not names:
        return line
    first, last = source.span(line)
    if any(source.mentions(n, first, last) for n in names):
        return line
    nearby = source.nearest_mention(names, line, NAME_REACH)
    if nearby is not None and part.first <= nearby <= part.last:
        tally.add("moved")
        return nearby
    return line


_CALL_KINDS = frozenset({"search-run", "scheduler"})
_CODE_LANGUAGES = frozenset({"python", "notebook", "cpp"})
_SEVERAL_VALUES = re.compile(r"\b(for|while)\b|[\[({]")
"""A hand-written search line iterates, or holds several values or a sampling call."""


def _plausible(source: SourceLines, line: int, kind: str, names: list[str]) -> bool:
    """The least the line must show for the claimed kind: a search-space dimension writes
    one of its names there; in code, a search run or scheduler is a call, and a hand-written
    search a loop, a collection of values or a call (a plain constant is none of these)."""
    first, last = source.span(line)
    if kind == "search-space":
        return any(source.mentions(n, first, last) for n in names)
    if source.language not in _CODE_LANGUAGES:
        return True
    code = " ".join(source.code_text(n) for n in range(first, last + 1))
    if kind in _CALL_KINDS:
        return "(" in code
    if kind == "hand-loop":
        return bool(_SEVERAL_VALUES.search(code))
    return True


def finding_id(text: str) -> int | None:
    match = re.fullmatch(r"\s*[Ff]?(\d{1,6})\s*", text)
    return int(match[1]) if match else None


def check_review(
    answer: ReviewAnswer, source: SourceLines, part: Part, known_ids: set[int], tally: Tally
) -> tuple[dict[int, Verdict], list[Candidate]]:
    """Verdicts by static finding number (1-based) and the checked additions."""
    verdicts: dict[int, Verdict] = {}
    for verdict in answer.verdicts:
        number = finding_id(verdict.id)
        if number is None or number not in known_ids:
            tally.add("unknown-id")
            continue
        verdicts[number] = verdict
    candidates: list[Candidate] = []
    seen: set[tuple[int, str]] = set()
    if not answer.tuning_applied and answer.additions:
        # Findings added to a file the model itself says does not tune contradict its verdict.
        tally.add("no-tuning-lines", len(answer.additions))
        return verdicts, candidates
    for addition in answer.additions:
        line = check_line(source, part, addition.line, tally)
        if line is None:
            continue
        names = check_names(source, addition.hyperparameters, tally)
        if addition.kind == "search-space" and addition.hyperparameters and not names:
            tally.add("invented-finding")
            continue
        line = _place_by_name(source, part, line, names, tally)
        if not _plausible(source, line, addition.kind, names):
            tally.add("unsupported")
            continue
        if (line, addition.kind) in seen:
            continue
        seen.add((line, addition.kind))
        candidates.append(
            Candidate(
                line=line,
                kind=addition.kind,
                category=addition.category,
                library=canonical_library(addition.library),
                method=clean(addition.method, _NAME_CHARS) or None,
                names=tuple(names),
                confidence=round(min(1.0, max(0.0, float(addition.confidence))), 4),
                note=clean(addition.explanation),
            )
        )
    return verdicts, candidates


T = TypeVar("T")


def _extend_new(mine: list[T], theirs: list[T]) -> None:
    """Append what `mine` does not hold yet, in order."""
    mine.extend(x for x in theirs if x not in mine)


@dataclass
class SeedChecked:
    """An LLM-only answer (or the union of its parts), checked."""

    tuning: bool = False
    lines: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    libraries: list[str] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)

    def add(self, other: SeedChecked) -> None:
        self.tuning = self.tuning or other.tuning
        _extend_new(self.lines, other.lines)
        for mine, theirs in (
            (self.names, other.names),
            (self.libraries, other.libraries),
            (self.criteria, other.criteria),
        ):
            _extend_new(mine, theirs)


def check_seed(answer: SeedAnswer, source: SourceLines, part: Part, tally: Tally) -> SeedChecked:
    checked = SeedChecked(tuning=bool(answer.hyperparameter_tuning_applied))
    if not checked.tuning:
        # The seed's answers listed lines even for files without tuning: such lines
        # contradict the verdict and are dropped.
        if answer.line_numbers:
            tally.add("no-tuning-lines", len(set(answer.line_numbers)))
        return checked
    for raw in dict.fromkeys(answer.line_numbers):
        line = check_line(source, part, raw, tally)
        if line is not None and line not in checked.lines:
            checked.lines.append(line)
    checked.lines.sort()
    checked.names = check_names(source, answer.hyperparameters, tally)
    libraries = [canonical_library(n) for n in answer.libraries]
    checked.libraries = [n for n in dict.fromkeys(libraries) if n != HAND_WRITTEN]
    checked.criteria = list(dict.fromkeys(answer.specific_criteria))
    return checked
