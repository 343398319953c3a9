"""The file summary (tuning_applied, criteria, libraries, hyperparameters, line_numbers) is derived
in one place, `FileReport.summarize`: every producer's report agrees with it."""

from __future__ import annotations

import pytest

from hptlens.analysis import analyze
from hptlens.documents import Document, notebook_document
from hptlens.llm.answers import Verdict
from hptlens.llm.merge import merge_review, seed_report
from hptlens.llm.source import SourceLines
from hptlens.llm.validate import Candidate, SeedChecked
from hptlens.report import Criteria, FileReport, Language
from hptlens.settings import Settings
from hptlens.workspace import read_document
from support.paths import FIXTURES


def resummarized(report: FileReport, document: Document | None = None) -> FileReport:
    """The report with its summary fields cleared, then derived again from its findings."""
    fresh = report.model_copy(
        update={
            "tuning_applied": False,
            "criteria": Criteria(),
            "libraries": [],
            "hyperparameters": [],
            "line_numbers": [],
        }
    )
    fresh.summarize(_global_lines(fresh, document))
    return fresh


def _global_lines(report: FileReport, document: Document | None) -> list[int]:
    if document is None or not document.cells:
        return []
    starts = {span.index: span.first_line for span in document.cells}
    return [starts[f.cell] + f.range.start.line - 1 for f in report.findings if f.cell is not None]


@pytest.mark.parametrize("language", [Language.PYTHON, Language.NOTEBOOK, Language.CPP, Language.YAML, Language.JSON])
def test_every_language_summary_is_the_derived_one(fixture_scan: list[FileReport], language: Language) -> None:
    reports = [r for r in fixture_scan if r.language == language]
    assert any(r.tuning_applied for r in reports)
    for report in reports:
        document = None
        if language == Language.NOTEBOOK:
            document, _ = read_document(FIXTURES.parent / report.path, report.path, Settings())
        assert resummarized(report, document) == report, report.path


def test_linked_reports_summary_is_the_derived_one(fixture_scan: list[FileReport]) -> None:
    linked = [r for r in fixture_scan if any(f.api == "hydra.config-link" for f in r.findings)]
    assert linked
    for report in linked:
        assert resummarized(report) == report, report.path


def _notebook() -> Document:
    return notebook_document(
        "nb.ipynb",
        [
            (0, "code", "import optuna\n"),
            (1, "markdown", "# notes"),
            (
                2,
                "code",
                "def objective(trial):\n    lr = trial.suggest_float('lr', 1e-5, 1e-1, log=True)\n"
                "    return lr\n\nstudy = optuna.create_study()\nstudy.optimize(objective, n_trials=20)\n"
                "for gamma in [0.9, 0.99]:\n    train(gamma=gamma)\n",
            ),
        ],
    )


def test_llm_review_summary_is_the_derived_one() -> None:
    document = _notebook()
    static = analyze(document)
    added = Candidate(
        line=5,
        kind="search-space",
        category="hand-tuning",
        library="hand-written",
        method=None,
        names=("?", "width"),
        confidence=0.6,
        note="",
    )
    merged = merge_review(SourceLines(document), static, {1: Verdict(id="F1", verdict="confirm")}, [added])
    assert len(merged.findings) > len(static.findings)
    assert resummarized(merged, document) == merged


def test_llm_only_summary_keeps_what_the_answer_claims() -> None:
    document = Document.from_text("a.py", "import optuna\nstudy = optuna.create_study()\n")
    checked = SeedChecked(tuning=True)
    checked.lines, checked.libraries, checked.criteria, checked.names = [2], ["Optuna"], ["auto-tuning"], ["lr"]
    report = seed_report(SourceLines(document), analyze(document), checked)
    assert report.hyperparameters == ["lr"] and report.libraries == ["Optuna"]
    claimed = FileReport(
        path="a.py",
        language=Language.PYTHON,
        tuning_applied=True,
        criteria=Criteria.of({"auto-tuning"}),
        libraries=["Optuna"],
        hyperparameters=["lr"],
    )
    expected = claimed.model_copy(update={"findings": report.findings, "sites": report.sites, "lines": report.lines})
    expected.summarize()
    assert expected == report


def test_config_summary_drops_unnamed_dimensions_like_every_other_language() -> None:
    text = 'method: random\nparameters:\n  "?": {values: [1, 2]}\n  lr: {min: 0.001, max: 0.1}\n'
    report = analyze(Document.from_text("sweep.yaml", text))
    assert any(h.name == "?" for f in report.findings for h in f.hyperparameters)
    assert report.hyperparameters == ["lr"]
