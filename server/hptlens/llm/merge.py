"""Merging checked LLM answers with the static report, and the LLM-only report.

Review mode. A static finding the model confirms (by verdict, or by proposing the same
line) becomes source "both" and its confidence moves halfway to 1. A static finding it
rejects stays, source "static", with half its confidence and the model's reason in its
message: static findings rest on matched code, the model's opinion on them is advisory,
so a model (or text in the code talking to it) cannot make a finding disappear. Lines the
model adds become source "llm" findings. They join the static site of the same function
or top-level statement (or whose range they fall in); the others form new sites, one per
function or top-level statement, numbered after the static ones.
"""

from __future__ import annotations

from collections.abc import Iterable

from hptlens.analysis.sites import make_site
from hptlens.llm.answers import Verdict
from hptlens.llm.source import SourceLines
from hptlens.llm.validate import Candidate, SeedChecked, clean
from hptlens.report import (
    HAND_WRITTEN,
    Criteria,
    Criterion,
    FileError,
    FileReport,
    Finding,
    FindingKind,
    Hyperparameter,
    Range,
    Site,
)

_KIND_LABELS = {
    "search-space": "search space",
    "search-run": "search run",
    "scheduler": "search scheduler",
    "hand-loop": "hand-written search",
    "sweep-config": "sweep config",
    "tuned-config": "tuned hyperparameters",
}


def llm_finding(source: SourceLines, candidate: Candidate) -> Finding:
    text = source.text(candidate.line)
    start = len(text) - len(text.lstrip()) + 1
    end = max(start, len(text.rstrip()) + 1)
    cell, line = (None, candidate.line)
    if source.document.cells:
        cell, line = source.document.cell_of(candidate.line)
    message = _KIND_LABELS.get(candidate.kind, candidate.kind)
    if candidate.names:
        message += ": " + ", ".join(candidate.names)
    if candidate.method:
        message += f" ({candidate.method})"
    if candidate.note:
        message += f" - {candidate.note}"
    return Finding(
        kind=FindingKind(candidate.kind),
        category=Criterion(candidate.category),
        library=candidate.library,
        method=candidate.method,
        message=message,
        range=Range.of(line, start, line, end),
        cell=cell,
        hyperparameters=[Hyperparameter(name=n) for n in candidate.names],
        confidence=candidate.confidence,
        source="llm",
    )


def merge_review(
    source: SourceLines, static: FileReport, verdicts: dict[int, Verdict], candidates: list[Candidate]
) -> FileReport:
    static_lines = [source.global_line(f) for f in static.findings]
    confirmed = {i for i, v in verdicts.items() if v.verdict == "confirm"}
    added: list[Candidate] = []
    for candidate in candidates:
        same = [i for i, line in enumerate(static_lines, start=1) if line == candidate.line]
        if same:
            confirmed.update(i for i in same if i not in verdicts)
        else:
            added.append(candidate)
    reviewed = [_reviewed(f, i, confirmed, verdicts) for i, f in enumerate(static.findings, start=1)]
    return _assemble(source, static, reviewed, [llm_finding(source, c) for c in added])


def _reviewed(finding: Finding, number: int, confirmed: set[int], verdicts: dict[int, Verdict]) -> Finding:
    if number in confirmed:
        return finding.model_copy(
            update={"source": "both", "confidence": round(finding.confidence + (1 - finding.confidence) / 2, 4)}
        )
    verdict = verdicts.get(number)
    if verdict is not None and verdict.verdict == "reject":
        reason = clean(verdict.reason)
        message = finding.message + (f" (the LLM disputes this: {reason})" if reason else " (the LLM disputes this)")
        return finding.model_copy(update={"confidence": round(finding.confidence / 2, 4), "message": message})
    return finding


def _order(finding: Finding) -> tuple[int, int, int]:
    return (-1 if finding.cell is None else finding.cell, finding.range.start.line, finding.range.start.column)


def _assemble(source: SourceLines, static: FileReport, reviewed: list[Finding], added: list[Finding]) -> FileReport:
    """Findings in source order, static sites kept (extended), new sites for the rest."""
    entries = [(f, i, False) for i, f in enumerate(reviewed)] + [(f, i, True) for i, f in enumerate(added)]
    entries.sort(key=lambda e: (_order(e[0]), e[2]))
    findings = [e[0] for e in entries]
    new_index = {(e[2], e[1]): position for position, e in enumerate(entries)}
    members: dict[str, list[int]] = {
        site.id: sorted(new_index[(False, i)] for i in site.findings if (False, i) in new_index)
        for site in static.sites
    }
    fresh: dict[int, list[int]] = {}
    for i, finding in enumerate(added):
        position = new_index[(True, i)]
        site_id = _static_site_for(source, static, finding)
        if site_id is not None:
            members[site_id].append(position)
        else:
            fresh.setdefault(source.owner(_global(source, finding)), []).append(position)
    sites = _sites(static, findings, members, fresh)
    for site in sites:
        for position in site.findings:
            findings[position] = (
                findings[position].model_copy(update={"site": site.id})
                if findings[position].site != site.id
                else findings[position]
            )
    return _summarised(static, findings, sites, [_global(source, f) for f in findings])


def _global(source: SourceLines, finding: Finding) -> int:
    return source.global_line(finding)


def _static_site_for(source: SourceLines, static: FileReport, finding: Finding) -> str | None:
    line = _global(source, finding)
    owner = source.owner(line)
    for member in static.findings:
        if member.site and source.owner(_global(source, member)) == owner:
            return member.site
    for site in static.sites:
        if site.cell == finding.cell and site.range.start.line <= finding.range.start.line <= site.range.end.line:
            return site.id
    return None


def _sites(
    static: FileReport, findings: list[Finding], members: dict[str, list[int]], fresh: dict[int, list[int]]
) -> list[Site]:
    sites: list[Site] = []
    for site in static.sites:
        indices = sorted(members[site.id])
        if len(indices) == len(site.findings):
            sites.append(site.model_copy(update={"findings": indices}))
        else:
            sites.append(make_site(site.id, findings, indices, site.budget))
    number = _next_site_number(static.sites)
    for _, indices in sorted(fresh.items(), key=lambda item: min(item[1])):
        sites.append(make_site(f"S{number}", findings, sorted(indices), None))
        number += 1
    return sites


def _next_site_number(sites: Iterable[Site]) -> int:
    numbers = [int(s.id[1:]) for s in sites if s.id[:1] == "S" and s.id[1:].isdigit()]
    return max(numbers, default=0) + 1


def _summarised(base: FileReport, findings: list[Finding], sites: list[Site], lines: list[int]) -> FileReport:
    merged = base.model_copy(update={"findings": findings, "sites": sites})
    merged.summarize(lines)
    return merged


# --------------------------------------------------------------------------- LLM only


def seed_report(source: SourceLines, static: FileReport, checked: SeedChecked) -> FileReport:
    """The report of an LLM-only answer (the seed's setup): one finding per line."""
    findings = [llm_finding(source, _seed_candidate(source, checked, line)) for line in checked.lines]
    empty = FileReport(
        path=static.path,
        language=static.language,
        lines=static.lines,
        errors=list(static.errors),
        tuning_applied=checked.tuning,
        criteria=Criteria.of(set(checked.criteria)),
        libraries=sorted(checked.libraries),
        hyperparameters=sorted(checked.names),
    )
    return _assemble(source, empty, [], findings)


def _seed_candidate(source: SourceLines, checked: SeedChecked, line: int) -> Candidate:
    first, last = source.span(line)
    names = tuple(n for n in checked.names if source.mentions(n, first, last))
    criteria = checked.criteria or ["hand-tuning"]
    if names:
        kind = "search-space"
    elif criteria == ["hand-tuning"]:
        kind = "hand-loop"
    else:
        kind = "search-run"
    category = criteria[0]
    if len(criteria) > 1 and names and "auto/hand-tuning" in criteria:
        category = "auto/hand-tuning"
    library = checked.libraries[0] if len(checked.libraries) == 1 else _library_on_line(source, checked, line)
    return Candidate(
        line=line, kind=kind, category=category, library=library, method=None, names=names, confidence=0.5, note=""
    )


def _library_on_line(source: SourceLines, checked: SeedChecked, line: int) -> str:
    text = source.text(line).lower()
    for library in checked.libraries:
        if library.lower().split()[0] in text:
            return library
    return checked.libraries[0] if checked.libraries else HAND_WRITTEN


def with_error(report: FileReport, message: str) -> FileReport:
    return report.model_copy(update={"errors": [*report.errors, FileError(code="llm-error", message=message)]})
