"""The report of one YAML or JSON document: load it, run the detectors, assemble findings and sites."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from hptlens.analysis.assembly import PlainText, assemble
from hptlens.analysis.configs.detectors import (
    detect_configspace,
    detect_mlagents,
    detect_polyaxon,
    detect_ray,
    detect_wandb,
    detect_zoo,
)
from hptlens.analysis.configs.hits import PARAM, Context, Group, is_not_tuned
from hptlens.analysis.configs.hydra import detect_hydra, hydra_defaults_refs
from hptlens.analysis.configs.platforms import (
    detect_azure,
    detect_determined,
    detect_google,
    detect_katib,
    detect_parameter_list,
    detect_sagemaker,
)
from hptlens.analysis.configs.runs import detect_grids, detect_runs
from hptlens.analysis.configs.tree import build_index, load
from hptlens.analysis.configs.tuners import detect_comet, detect_guild, detect_nni, detect_orion, detect_suffixed
from hptlens.analysis.neutral import Hit, Span, line_count
from hptlens.documents import Document
from hptlens.report import FileError, FileReport, Language
from hptlens.settings import Settings

CONFIG_MAX_BYTES = 1024 * 1024
"""libyaml composes about 2 MB/s, ruamel (its fallback) 0.25 MB/s; a sweep config is a few KiB,
a bigger file is data."""

# A JSON file is only composed when it mentions one of these: most JSON in a repository is
# data or tooling (package.json, schemas, ground truth), and composing it is slow.
_JSON_MARKERS = re.compile(
    r'"(sweeper|grid_search|parameters|matrix|hptuning|n_timesteps|hyperparameters|defaults|_value'
    r"|HyperParameterTuningJobConfig|studySpec|search_space|searchSpace\w*|tuner|advisor|overrides|runs|behaviors"
    r"|\w+__(?:choice|grid_search|uniform|quniform|loguniform|randint|normal)"
    r"|(?:param|parameter|hyperparameter|hparam|hp|search|sweep|grid)?_?(?:grid|sweep)(?:_?param(?:eter)?s)?"
    r'|meta_?parameters)"|orion~',
    re.IGNORECASE,
)


_JSON_LIST_BYTES = 64 * 1024
_JSON_LIST = re.compile(r"\s*\[\s*\{")

DETECTORS = (
    detect_hydra,
    detect_configspace,
    detect_wandb,
    detect_polyaxon,
    detect_ray,
    detect_zoo,
    detect_mlagents,
    detect_google,
    detect_azure,
    detect_sagemaker,
    detect_katib,
    detect_determined,
    detect_nni,
    detect_comet,
    detect_guild,
    detect_suffixed,
    detect_orion,
    detect_parameter_list,
    detect_runs,
    detect_grids,
)
# A document that is a list (ansible, JSON arrays, Guild model lists, batch files) is only read by these.
LIST_DETECTORS = (detect_guild, detect_runs)


def analyze_config(document: Document, settings: Settings) -> FileReport:
    """Findings of one YAML or JSON document. Never raises for bad input: errors are entries."""
    text = document.text
    report = FileReport(path=document.path, language=document.language, lines=line_count(text))
    size = len(text.encode("utf-8", "surrogatepass"))
    if (
        document.language == Language.JSON
        and not _JSON_MARKERS.search(text)
        and not (len(text) < _JSON_LIST_BYTES and _JSON_LIST.match(text))
    ):  # a small list of objects: a batch file?
        return report  # data or tooling JSON: nothing a config detector looks for
    if size > CONFIG_MAX_BYTES:
        report.errors.append(
            FileError(
                code="too-large",
                message=f"config file of {size} bytes is over the "
                f"{CONFIG_MAX_BYTES}-byte limit for YAML/JSON analysis; not analysed",
            )
        )
        return report
    loaded = load(text, "JSON" if document.language == Language.JSON else "YAML")
    report.errors += loaded.errors
    ctx = Context(path=document.path, text=text)
    groups: list[Group] = []
    for root in loaded.roots:
        if root.is_seq:
            ctx.index = build_index(root)
            for detect in LIST_DETECTORS:
                groups += detect(root, ctx)
            continue
        if not root.is_map:
            if document.language == Language.YAML and root.kind == "scalar" and root.value is not None:
                report.errors.append(
                    FileError(
                        code="malformed",
                        line=root.line,
                        message=("the YAML document is a single scalar, not a mapping: not a config"),
                    )
                )
            continue
        ctx.refs += hydra_defaults_refs(root)
        ctx.index = build_index(root)
        for detect in DETECTORS:
            groups += detect(root, ctx)
    report.config_refs = ctx.refs
    lines = text.split("\n")
    hits, sites = _sites(
        [
            Group([part for hit in group.hits for part in _split(_tuned_only(hit), lines)], group.budget)
            for group in groups
        ]
    )
    if assemble(report, document, PlainText(text), hits, settings, sites):
        report.rl_context = ctx.rl
    return report


def _sites(groups: list[Group]) -> tuple[list[Hit], Callable[[list[Hit]], list[list[int]]]]:
    """The groups' hits, each carrying its group's budget, and the grouping of the hits kept
    into sites: one per group, in order of their first line (then of detection)."""
    hits: list[Hit] = []
    group_of: dict[int, int] = {}
    for number, group in enumerate(groups):
        for hit in group.hits:
            hit.budget = group.budget
            group_of[id(hit)] = number
            hits.append(hit)

    def sites(kept: list[Hit]) -> list[list[int]]:
        members: dict[int, list[int]] = {}
        for index, hit in enumerate(kept):
            members.setdefault(group_of[id(hit)], []).append(index)
        return [members[g] for g in sorted(members, key=lambda g: (min(kept[i].start for i in members[g])[0], g))]

    return hits, sites


def _tuned_only(hit: Hit) -> Hit:
    """A searched seed, environment or dataset stays a line of its search but is no hyperparameter."""
    if hit.category == PARAM or not any(is_not_tuned(hp.name) for hp in hit.hyperparameters):
        return hit
    kept = [hp for hp in hit.hyperparameters if not is_not_tuned(hp.name)]
    if kept or len(hit.hyperparameters) > 1:
        return replace(hit, hyperparameters=kept)
    note = f"{hit.message or hit.label} (repeats runs over it: not a hyperparameter)"
    return replace(hit, hyperparameters=[], message=note, label=note)


def _split(hit: Hit, lines: list[str]) -> list[Hit]:
    """A block's hit covers its lines, not the blank and comment-only lines between its entries: a
    hit spanning such lines becomes one hit per stretch of content (the first keeps the message)."""
    span = hit.node
    if not isinstance(span, Span) or span.end_line - span.line < 2:
        return [hit]
    stretches: list[list[int]] = [[]]
    for row in range(span.line, span.end_line + 1):
        if span.line < row < span.end_line and _gap(lines, row):
            if stretches[-1]:
                stretches.append([])
        else:
            stretches[-1].append(row)
    if len(stretches) == 1:
        return [hit]
    parts = []
    for number, rows in enumerate(stretches):
        first, last = rows[0], rows[-1]
        part = Span(
            first,
            span.column if first == span.line else _indent(lines, first),
            last,
            span.end_column if last == span.end_line else _width(lines, last),
        )
        if number:
            continued = f"{hit.message or hit.label} (continued)"
            parts.append(replace(hit, node=part, hyperparameters=[], message=continued, label=continued))
        else:
            parts.append(replace(hit, node=part))
    return parts


def _gap(lines: list[str], row: int) -> bool:
    text = lines[row - 1].strip() if 0 < row <= len(lines) else ""
    return not text or text.startswith("#")


def _indent(lines: list[str], row: int) -> int:
    text = lines[row - 1]
    return len(text) - len(text.lstrip()) + 1


def _width(lines: list[str], row: int) -> int:
    return len(lines[row - 1].rstrip()) + 1
