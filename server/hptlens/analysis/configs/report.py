"""The report of one YAML or JSON document: load it, run the detectors, assemble findings and sites."""

from __future__ import annotations

import re

from hptlens.analysis.assembly import HASH_SUPPRESS
from hptlens.analysis.configs.detectors import detect_configspace, detect_polyaxon, detect_ray, detect_wandb, detect_zoo
from hptlens.analysis.configs.hits import Context, Group
from hptlens.analysis.configs.hydra import detect_hydra, hydra_defaults_refs
from hptlens.analysis.configs.tree import load
from hptlens.analysis.sites import make_site
from hptlens.documents import Document
from hptlens.report import Criteria, FileError, FileReport, Finding, Language, Range
from hptlens.settings import Settings

CONFIG_MAX_BYTES = 1024 * 1024
"""ruamel composes about 0.25 MB/s; a sweep config is a few KiB, a bigger file is data."""

# A JSON file is only composed when it mentions one of these: most JSON in a repository is
# data or tooling (package.json, schemas, ground truth), and composing it is slow.
_JSON_MARKERS = re.compile(
    r'"(sweeper|grid_search|parameters|matrix|hptuning|n_timesteps|hyperparameters|defaults)"')


DETECTORS = (detect_hydra, detect_configspace, detect_wandb, detect_polyaxon, detect_ray, detect_zoo)


def analyze_config(document: Document, settings: Settings) -> FileReport:
    """Findings of one YAML or JSON document. Never raises for bad input: errors are entries."""
    text = document.text
    report = FileReport(path=document.path, language=document.language, lines=_line_count(text))
    size = len(text.encode("utf-8", "surrogatepass"))
    if document.language == Language.JSON and not _JSON_MARKERS.search(text):
        return report  # data or tooling JSON: nothing a config detector looks for
    if size > CONFIG_MAX_BYTES:
        report.errors.append(FileError(code="too-large", message=f"config file of {size} bytes is over the "
                                       f"{CONFIG_MAX_BYTES}-byte limit for YAML/JSON analysis; not analysed"))
        return report
    loaded = load(text, "JSON" if document.language == Language.JSON else "YAML")
    report.errors += loaded.errors
    ctx = Context(path=document.path, text=text)
    groups: list[Group] = []
    for root in loaded.roots:
        if not root.is_map:
            if document.language == Language.YAML and root.kind == "scalar" and root.value is not None:
                report.errors.append(FileError(code="malformed", line=root.line, message=(
                    "the YAML document is a single scalar, not a mapping: not a config")))
            continue  # a top-level list is data (ansible, JSON arrays): nothing to look for
        ctx.refs += hydra_defaults_refs(root)
        for detect in DETECTORS:
            groups += detect(root, ctx)
    report.config_refs = ctx.refs
    _fill(report, _filter(groups, text, settings))
    if report.tuning_applied:
        report.rl_context = ctx.rl
    return report


def _filter(groups: list[Group], text: str, settings: Settings) -> list[Group]:
    """Enabled kinds only, and `# hpt: ignore[...]` comments honoured (the same syntax as in Python)."""
    enabled = {str(getattr(k, "value", k)) for k in settings.enabled_kinds}
    ignored: dict[int, set[str] | None] = {}
    if "hpt:" in text:
        for row, line in enumerate(text.split("\n"), start=1):
            match = HASH_SUPPRESS.search(line)
            if match is not None:
                kinds = {k.strip() for k in match.group("kinds").split(",")} if match.group("kinds") else None
                ignored[0 if match.group("file") else row] = kinds
    seen: set[tuple[int, int, str]] = set()
    kept: list[Group] = []
    for group in groups:
        hits = []
        for hit in group.hits:
            kind = str(getattr(hit.kind, "value", hit.kind))
            position = (hit.line, hit.column, kind)
            if kind not in enabled or position in seen or any(
                    row in ignored and (ignored[row] is None or kind in (ignored[row] or ())) for row in (hit.line, 0)):
                continue
            seen.add(position)
            hits.append(hit)
        if hits:
            kept.append(Group(hits, group.budget))
    return kept


def _fill(report: FileReport, groups: list[Group]) -> None:
    if not groups:
        return
    findings: list[Finding] = []
    for number, group in enumerate(sorted(groups, key=lambda g: min(h.line for h in g.hits)), start=1):
        site_id = f"S{number}"
        indices = []
        for hit in sorted(group.hits, key=lambda h: (h.line, h.column)):
            indices.append(len(findings))
            findings.append(Finding(kind=hit.kind, category=hit.category, library=hit.library, method=hit.method,
                                    message=hit.message, range=Range.of(hit.line, hit.column, hit.end_line,
                                                                        hit.end_column),
                                    hyperparameters=hit.hyperparameters, confidence=hit.confidence, api=hit.api,
                                    site=site_id))
        report.sites.append(make_site(site_id, findings, indices, group.budget))
    report.findings = findings
    report.tuning_applied = True
    report.criteria = Criteria.of({f.category for f in findings})
    report.libraries = sorted({f.library for f in findings})
    report.hyperparameters = sorted({h.name for f in findings for h in f.hyperparameters})
    report.line_numbers = sorted({f.range.start.line for f in findings})


def _line_count(text: str) -> int:
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)
