"""Scores one or several analyses against the ground truth in ground_truth/.

Matching. A ground-truth file `T.json` (T its path relative to the truth directory,
'/'-separated) scores the report file whose path equals T or ends with "/" + T, so a
scan of `fixtures/` (`fixtures/python/a.py`) meets `ground_truth/python/a.py.json`.
A report path matching several truth files goes to the longest (most specific) one;
two report files for one truth file is an error. A truth file without a report counts
as predicted "no tuning" with no lines and is listed under `missing`; report files
without a truth file are listed under `unmatched` and not scored.

Lines. Keys are ints for plain files and "CELL:LINE" strings in notebooks (0-based cell,
1-based line inside it). A report's lines are every line its findings' ranges span when it
has findings (LABELING.md: a multi-line statement counts on every line it spans; a loop's
range is its header), else its `line_numbers`. Per file and micro-averaged over all files:
precision = |reported ∩ (required ∪ acceptable)| / |reported|,
recall = |reported ∩ required| / |required|, F1 their harmonic mean.

Empty denominators. A ratio whose denominator is 0 is 1.0: reporting nothing makes no
false claim (precision 1.0) and nothing required cannot be missed (recall 1.0). So a
correct "no tuning" file scores 1/1/1, and a file that misses every required line still
scores recall 0.0 and F1 0.0. F1 is 0.0 when precision and recall are both 0. The same
rule holds for the verdict's precision/recall (positive class: tuning applied), the
hyperparameter recall and the agreement rates. Ratios are rounded to 4 decimals.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from rich.console import Console
from rich.table import Table
from rich.text import Text

from hptlens.export.legacy import from_legacy, is_legacy
from hptlens.export.text import format_lines
from hptlens.report import FileReport, Model, Report
from hptlens.truth import GroundTruth, TruthError, load_truth

LineKey = int | str
"""A 1-based line, or "CELL:LINE" in notebooks."""


class EvaluationError(ValueError):
    """Analyses that cannot be scored as given (ambiguous or duplicate paths)."""


class FileScore(Model):
    file: str = Field(description="ground-truth path relative to the truth directory, without '.json'")
    report: str | None = Field(description="path of the matched report file; null when missing")
    truth_tuning: bool
    predicted_tuning: bool
    verdict_correct: bool
    lines_required: int
    lines_reported: int
    lines_found: int = Field(description="reported lines that are required")
    lines_correct: int = Field(description="reported lines that are required or acceptable")
    precision: float
    recall: float
    f1: float
    missing_lines: list[LineKey] = Field(description="required lines not reported")
    unexpected_lines: list[LineKey] = Field(description="reported lines neither required nor acceptable")
    hyperparameters_expected: list[str]
    hyperparameters_found: list[str] = Field(description="expected names the report has")
    hyperparameter_recall: float
    libraries_expected: list[str]
    libraries_reported: list[str]
    libraries_agree: bool
    criteria_expected: list[str]
    criteria_reported: list[str]
    criteria_agree: bool


class Confusion(Model):
    """Counts of the file-level verdict; positive means tuning applied."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    true_negative: int = 0


class Totals(Model):
    files: int
    missing_reports: int
    verdict: Confusion
    verdict_accuracy: float
    verdict_precision: float
    verdict_recall: float
    verdict_f1: float
    lines_required: int
    lines_reported: int
    lines_found: int
    lines_correct: int
    line_precision: float = Field(description="micro-averaged over all files")
    line_recall: float = Field(description="micro-averaged over all files")
    line_f1: float
    hyperparameters_expected: int
    hyperparameters_found: int
    hyperparameter_recall: float
    library_agreement: float = Field(description="share of files whose library sets agree")
    criteria_agreement: float = Field(description="share of files whose criteria agree")


class AnalysisScore(Model):
    name: str
    files: list[FileScore]
    missing: list[str] = Field(description="ground-truth files without a report")
    unmatched: list[str] = Field(description="report files without ground truth (not scored)")
    totals: Totals


class Evaluation(Model):
    truth_dir: str
    truth_files: int
    analyses: list[AnalysisScore]


# --------------------------------------------------------------------------- ground truth


_CELL_KEY = re.compile(r"(\d+)\s*:\s*(\d+)")


def line_key(value: Any) -> LineKey:
    """Canonical form of a line reference: int >= 1, or "CELL:LINE"."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit() and int(text) >= 1:
            return int(text)
        match = _CELL_KEY.fullmatch(text)
        if match and int(match[2]) >= 1:
            return f"{int(match[1])}:{int(match[2])}"
    raise ValueError(f"invalid line {value!r}: expected a line number >= 1 or 'CELL:LINE'")


def _key_order(key: LineKey) -> tuple[int, int]:
    if isinstance(key, int):
        return (-1, key)
    cell, _, line = key.partition(":")
    return (int(cell), int(line))


def _sorted_keys(keys: set[LineKey]) -> list[LineKey]:
    return sorted(keys, key=_key_order)


def _truth_keys(truth: GroundTruth, path: Path) -> tuple[set[LineKey], set[LineKey]]:
    try:
        required = {line_key(v) for v in truth.lines_required}
        acceptable = {line_key(v) for v in truth.lines_acceptable}
    except ValueError as exc:
        raise TruthError(f"{path}: {exc}") from exc
    return required, acceptable


def load_truth_dir(truth_dir: Path) -> dict[str, tuple[GroundTruth, Path]]:
    """Every ground-truth file under truth_dir, keyed by relative path without '.json'."""
    if not truth_dir.is_dir():
        raise TruthError(f"{truth_dir}: not a directory")
    truths: dict[str, tuple[GroundTruth, Path]] = {}
    for path in sorted(truth_dir.glob("**/*.json")):
        if not path.is_file():
            continue
        truth = load_truth(path)
        _truth_keys(truth, path)  # fail early, naming the file
        truths[path.relative_to(truth_dir).as_posix()[: -len(".json")]] = (truth, path)
    if not truths:
        raise TruthError(f"{truth_dir}: no ground-truth files (*.json)")
    return dict(sorted(truths.items()))


# --------------------------------------------------------------------------- matching


def _normal_path(path: str) -> str:
    posix = path.replace("\\", "/")
    while posix.startswith("./"):
        posix = posix[2:]
    return posix


def match_reports(
    names: list[str], reports: list[FileReport], analysis: str
) -> tuple[dict[str, FileReport], list[str]]:
    """Truth name -> report file, and the report paths that match no truth file."""
    assigned: dict[str, list[FileReport]] = {}
    unmatched: list[str] = []
    seen: set[str] = set()
    for report in reports:
        path = _normal_path(report.path)
        if path in seen:
            raise EvaluationError(f"analysis {analysis!r}: {report.path!r} is reported twice")
        seen.add(path)
        candidates = [name for name in names if path == name or path.endswith("/" + name)]
        if not candidates:
            unmatched.append(report.path)
            continue
        assigned.setdefault(max(candidates, key=len), []).append(report)
    for name, found in assigned.items():
        if len(found) > 1:
            paths = ", ".join(sorted(r.path for r in found))
            raise EvaluationError(f"analysis {analysis!r}: ground truth {name!r} matches several files: {paths}")
    return {name: found[0] for name, found in assigned.items()}, sorted(unmatched)


# --------------------------------------------------------------------------- scoring


def _ratio(part: int, whole: int) -> float:
    """part/whole, 1.0 when whole is 0 (see the module docstring)."""
    return round(part / whole, 4) if whole else 1.0


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return round(2 * precision * recall / total, 4) if total else 0.0


def reported_lines(report: FileReport | None) -> set[LineKey]:
    """The line keys a report claims: every line of its findings' ranges, else its line_numbers."""
    if report is None:
        return set()
    if report.findings:
        return {
            line if f.cell is None else f"{f.cell}:{line}"
            for f in report.findings
            for line in range(f.range.start.line, f.range.end.line + 1)
        }
    return set(report.line_numbers)


def _name_key(name: str) -> str:
    return name.strip().casefold().replace("-", "_")


def _reported_hyperparameters(report: FileReport | None) -> set[str]:
    if report is None:
        return set()
    names = set(report.hyperparameters)
    names.update(hp.name for f in report.findings for hp in f.hyperparameters)
    return {_name_key(n) for n in names}


_NO_LIBRARY = frozenset({"none", "hand-written"})
"""How a hand-written search's library is written: LABELING.md says `none`, reports leave it out."""


def _same_names(left: list[str], right: list[str]) -> bool:
    def names(values: list[str]) -> set[str]:
        return {n.strip().casefold() for n in values} - _NO_LIBRARY

    return names(left) == names(right)


def score_file(name: str, truth: GroundTruth, path: Path, report: FileReport | None) -> FileScore:
    required, acceptable = _truth_keys(truth, path)
    reported = reported_lines(report)
    found, correct = reported & required, reported & (required | acceptable)
    precision, recall = _ratio(len(correct), len(reported)), _ratio(len(found), len(required))
    names = _reported_hyperparameters(report)
    hp_found = [n for n in truth.hyperparameters if _name_key(n) in names]
    predicted = report.tuning_applied if report else False
    libraries = list(report.libraries) if report else []
    criteria = report.criteria.names() if report else []
    expected_criteria = [str(c) for c in truth.criteria]
    return FileScore(
        file=name,
        report=report.path if report else None,
        truth_tuning=truth.tuning_applied,
        predicted_tuning=predicted,
        verdict_correct=predicted == truth.tuning_applied,
        lines_required=len(required),
        lines_reported=len(reported),
        lines_found=len(found),
        lines_correct=len(correct),
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        missing_lines=_sorted_keys(required - reported),
        unexpected_lines=_sorted_keys(reported - required - acceptable),
        hyperparameters_expected=list(truth.hyperparameters),
        hyperparameters_found=hp_found,
        hyperparameter_recall=_ratio(len(hp_found), len(truth.hyperparameters)),
        libraries_expected=list(truth.libraries),
        libraries_reported=libraries,
        libraries_agree=_same_names(truth.libraries, libraries),
        criteria_expected=expected_criteria,
        criteria_reported=criteria,
        criteria_agree=set(expected_criteria) == set(criteria),
    )


def _confusion(files: list[FileScore]) -> Confusion:
    counts = Confusion()
    for f in files:
        if f.truth_tuning and f.predicted_tuning:
            counts.true_positive += 1
        elif f.predicted_tuning:
            counts.false_positive += 1
        elif f.truth_tuning:
            counts.false_negative += 1
        else:
            counts.true_negative += 1
    return counts


def totals(files: list[FileScore], missing: int) -> Totals:
    c = _confusion(files)
    verdict_p = _ratio(c.true_positive, c.true_positive + c.false_positive)
    verdict_r = _ratio(c.true_positive, c.true_positive + c.false_negative)
    required, reported = sum(f.lines_required for f in files), sum(f.lines_reported for f in files)
    found, correct = sum(f.lines_found for f in files), sum(f.lines_correct for f in files)
    line_p, line_r = _ratio(correct, reported), _ratio(found, required)
    hp_expected = sum(len(f.hyperparameters_expected) for f in files)
    hp_found = sum(len(f.hyperparameters_found) for f in files)
    return Totals(
        files=len(files),
        missing_reports=missing,
        verdict=c,
        verdict_accuracy=_ratio(c.true_positive + c.true_negative, len(files)),
        verdict_precision=verdict_p,
        verdict_recall=verdict_r,
        verdict_f1=_f1(verdict_p, verdict_r),
        lines_required=required,
        lines_reported=reported,
        lines_found=found,
        lines_correct=correct,
        line_precision=line_p,
        line_recall=line_r,
        line_f1=_f1(line_p, line_r),
        hyperparameters_expected=hp_expected,
        hyperparameters_found=hp_found,
        hyperparameter_recall=_ratio(hp_found, hp_expected),
        library_agreement=_ratio(sum(f.libraries_agree for f in files), len(files)),
        criteria_agreement=_ratio(sum(f.criteria_agree for f in files), len(files)),
    )


def score_analysis(name: str, reports: list[FileReport], truths: dict[str, tuple[GroundTruth, Path]]) -> AnalysisScore:
    matched, unmatched = match_reports(list(truths), reports, name)
    files = [score_file(t, truth, path, matched.get(t)) for t, (truth, path) in truths.items()]
    missing = [t for t in truths if t not in matched]
    return AnalysisScore(
        name=name, files=files, missing=missing, unmatched=unmatched, totals=totals(files, len(missing))
    )


def evaluate(analyses: dict[str, list[FileReport]], truth_dir: Path) -> Evaluation:
    """Score each named analysis (in the given order) against every truth file in truth_dir."""
    if not analyses:
        raise EvaluationError("no analysis to evaluate")
    return evaluate_truths(analyses, load_truth_dir(truth_dir), truth_dir.as_posix())


def evaluate_truths(
    analyses: dict[str, list[FileReport]], truths: dict[str, tuple[GroundTruth, Path]], truth_dir: str
) -> Evaluation:
    """Score each named analysis against the given truths (name -> truth and its file), such
    as the held-back split of a fine-tuning dataset."""
    if not analyses:
        raise EvaluationError("no analysis to evaluate")
    return Evaluation(
        truth_dir=truth_dir,
        truth_files=len(truths),
        analyses=[score_analysis(name, reports, truths) for name, reports in analyses.items()],
    )


def load_reports(data: Any) -> list[FileReport]:
    """File reports from a saved report: ours (`{"files": ...}`) or the seed's layout."""
    if is_legacy(data):
        return from_legacy(data)
    return Report.model_validate(data).files


# --------------------------------------------------------------------------- text


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _files_table(analysis: AnalysisScore) -> Table:
    table = Table(title=f"{analysis.name}: per file", title_justify="left")
    for column in ("File", "Truth", "Predicted", "P", "R", "F1", "Missing lines", "Unexpected lines"):
        justify: Literal["right", "left"] = "right" if column in ("P", "R", "F1") else "left"
        table.add_column(column, overflow="fold", justify=justify)
    for f in analysis.files:
        predicted = _yes_no(f.predicted_tuning) + (" (no report)" if f.report is None else "")
        table.add_row(
            Text(f.file),
            Text(_yes_no(f.truth_tuning)),
            Text(predicted, style="" if f.verdict_correct else "bold red"),
            Text(f"{f.precision:.2f}"),
            Text(f"{f.recall:.2f}"),
            Text(f"{f.f1:.2f}"),
            Text(format_lines(f.missing_lines) if f.missing_lines else "-"),
            Text(format_lines(f.unexpected_lines) if f.unexpected_lines else "-"),
        )
    return table


_TOTAL_ROWS: list[tuple[str, Callable[[Totals], str]]] = [
    ("files", lambda t: str(t.files)),
    ("missing reports", lambda t: str(t.missing_reports)),
    ("verdict accuracy", lambda t: f"{t.verdict_accuracy:.2f}"),
    ("verdict precision", lambda t: f"{t.verdict_precision:.2f}"),
    ("verdict recall", lambda t: f"{t.verdict_recall:.2f}"),
    ("verdict F1", lambda t: f"{t.verdict_f1:.2f}"),
    (
        "verdict TP/FP/FN/TN",
        lambda t: (
            f"{t.verdict.true_positive}/{t.verdict.false_positive}/{t.verdict.false_negative}/{t.verdict.true_negative}"
        ),
    ),
    ("line precision", lambda t: f"{t.line_precision:.2f}"),
    ("line recall", lambda t: f"{t.line_recall:.2f}"),
    ("line F1", lambda t: f"{t.line_f1:.2f}"),
    ("lines found/required", lambda t: f"{t.lines_found}/{t.lines_required}"),
    ("hyperparameter recall", lambda t: f"{t.hyperparameter_recall:.2f}"),
    ("library agreement", lambda t: f"{t.library_agreement:.2f}"),
    ("criteria agreement", lambda t: f"{t.criteria_agreement:.2f}"),
]


def _totals_table(evaluation: Evaluation) -> Table:
    table = Table(title="Totals", title_justify="left")
    table.add_column("Metric")
    for analysis in evaluation.analyses:
        table.add_column(analysis.name, justify="right", overflow="fold")
    for label, show in _TOTAL_ROWS:
        table.add_row(Text(label), *(Text(show(a.totals)) for a in evaluation.analyses))
    table.add_row(Text("unmatched reports"), *(Text(str(len(a.unmatched))) for a in evaluation.analyses))
    return table


def render_text(evaluation: Evaluation, console: Console) -> None:
    """Per-file tables (one per analysis), then the totals side by side."""
    for analysis in evaluation.analyses:
        console.print(_files_table(analysis))
        if analysis.missing:
            console.print(Text(f"{analysis.name}: no report for " + ", ".join(analysis.missing)))
    console.print(_totals_table(evaluation))
