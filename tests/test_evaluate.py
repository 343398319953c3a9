"""Evaluation against hand-made ground truth in tmp_path. Reports are built by hand."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from hptlens.evaluate import (
    EvaluationError,
    evaluate,
    line_key,
    load_reports,
    render_text,
    reported_lines,
)
from hptlens.export.legacy import to_legacy
from hptlens.report import Criteria, FileReport, Finding, Hyperparameter, Range, build_report
from hptlens.truth import TruthError


def write_truth(root: Path, rel: str, **fields: Any) -> None:
    path = root / (rel + ".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    fields.setdefault("tuning_applied", False)
    path.write_text(json.dumps(fields), encoding="utf-8")


def finding(line: int, cell: int | None = None, names: tuple[str, ...] = ()) -> Finding:
    return Finding(
        kind="search-space",
        category="auto/hand-tuning",
        library="Optuna",
        message="space",
        range=Range.of(line, 1, line, 10),
        cell=cell,
        hyperparameters=[Hyperparameter(name=n) for n in names],
    )


def tuned(path: str, *findings: Finding, language: str = "python", **extra: Any) -> FileReport:
    extra.setdefault("libraries", ["Optuna"])
    extra.setdefault("criteria", Criteria.of({"auto/hand-tuning"}))
    return FileReport(
        path=path,
        language=language,
        tuning_applied=True,
        findings=list(findings),
        line_numbers=sorted({f.range.start.line for f in findings}),
        **extra,
    )


def untuned(path: str) -> FileReport:
    return FileReport(path=path, language="python")


@pytest.fixture
def truth_dir(tmp_path: Path) -> Path:
    root = tmp_path / "ground_truth"
    write_truth(
        root,
        "python/optuna.py",
        tuning_applied=True,
        criteria=["auto/hand-tuning"],
        libraries=["Optuna"],
        hyperparameters=["learning_rate", "gamma"],
        lines_required=[12, 30],
        lines_acceptable=[28],
    )
    write_truth(root, "python/plain.py", tuning_applied=False)
    write_truth(
        root,
        "notebooks/grid.ipynb",
        tuning_applied=True,
        criteria=["hand-tuning"],
        libraries=["hand-written"],
        hyperparameters=["lr"],
        lines_required=["2:3", "2:4"],
        lines_acceptable=["2:1"],
    )
    return root


def perfect_analysis() -> list[FileReport]:
    return [
        tuned("fixtures/python/optuna.py", finding(12, names=("learning_rate", "Gamma")), finding(28), finding(30)),
        untuned("fixtures/python/plain.py"),
        tuned(
            "fixtures/notebooks/grid.ipynb",
            finding(3, cell=2),
            finding(4, cell=2),
            language="notebook",
            libraries=["hand-written"],
            criteria=Criteria.of({"hand-tuning"}),
            hyperparameters=["lr"],
        ),
    ]


def by_file(evaluation: Any, index: int = 0) -> dict[str, Any]:
    return {f.file: f for f in evaluation.analyses[index].files}


def test_perfect_analysis(truth_dir: Path) -> None:
    result = evaluate({"static": perfect_analysis()}, truth_dir)
    assert result.truth_files == 3
    analysis = result.analyses[0]
    assert analysis.name == "static" and analysis.missing == [] and analysis.unmatched == []
    assert [f.file for f in analysis.files] == ["notebooks/grid.ipynb", "python/optuna.py", "python/plain.py"]
    for score in analysis.files:
        assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0)
        assert score.verdict_correct and score.missing_lines == [] and score.unexpected_lines == []
        assert score.hyperparameter_recall == 1.0 and score.libraries_agree and score.criteria_agree
    optuna = by_file(result)["python/optuna.py"]
    assert optuna.report == "fixtures/python/optuna.py"
    assert (optuna.lines_required, optuna.lines_reported, optuna.lines_found, optuna.lines_correct) == (2, 3, 2, 3)
    assert optuna.hyperparameters_found == ["learning_rate", "gamma"]
    totals = analysis.totals
    assert totals.verdict.model_dump() == {
        "true_positive": 2,
        "false_positive": 0,
        "false_negative": 0,
        "true_negative": 1,
    }
    assert (totals.verdict_accuracy, totals.verdict_precision, totals.verdict_recall) == (1.0, 1.0, 1.0)
    assert (totals.line_precision, totals.line_recall, totals.line_f1) == (1.0, 1.0, 1.0)
    assert (totals.lines_required, totals.lines_reported) == (4, 5)


def test_partial_false_positive_and_missing(truth_dir: Path) -> None:
    analysis = [
        tuned("fixtures/python/optuna.py", finding(12, names=("learning_rate",)), finding(40)),
        tuned("fixtures/python/plain.py", finding(5)),  # a false positive file
        # the notebook has no report at all
    ]
    result = evaluate({"static": analysis}, truth_dir)
    files = by_file(result)

    optuna = files["python/optuna.py"]
    assert (optuna.precision, optuna.recall, optuna.f1) == (0.5, 0.5, 0.5)
    assert optuna.missing_lines == [30] and optuna.unexpected_lines == [40]
    assert optuna.hyperparameters_found == ["learning_rate"] and optuna.hyperparameter_recall == 0.5

    plain = files["python/plain.py"]
    assert not plain.verdict_correct and plain.predicted_tuning and not plain.truth_tuning
    assert (plain.precision, plain.recall, plain.f1) == (0.0, 1.0, 0.0)  # nothing required: recall 1
    assert plain.unexpected_lines == [5]
    assert not plain.libraries_agree and not plain.criteria_agree

    notebook = files["notebooks/grid.ipynb"]
    assert notebook.report is None and notebook.predicted_tuning is False
    assert (notebook.precision, notebook.recall, notebook.f1) == (1.0, 0.0, 0.0)  # nothing reported: P 1
    assert notebook.missing_lines == ["2:3", "2:4"]

    analysis_score = result.analyses[0]
    assert analysis_score.missing == ["notebooks/grid.ipynb"]
    totals = analysis_score.totals
    assert totals.missing_reports == 1
    assert totals.verdict.model_dump() == {
        "true_positive": 1,
        "false_positive": 1,
        "false_negative": 1,
        "true_negative": 0,
    }
    assert totals.verdict_accuracy == round(1 / 3, 4)
    assert (totals.verdict_precision, totals.verdict_recall, totals.verdict_f1) == (0.5, 0.5, 0.5)
    # micro: reported 2 + 1 + 0 = 3, correct 1; required 2 + 0 + 2 = 4, found 1
    assert (totals.lines_reported, totals.lines_correct, totals.lines_required, totals.lines_found) == (3, 1, 4, 1)
    assert totals.line_precision == round(1 / 3, 4) and totals.line_recall == 0.25
    assert totals.line_f1 == round(2 * (1 / 3) * 0.25 / ((1 / 3) + 0.25), 4)
    assert totals.hyperparameter_recall == round(1 / 3, 4)  # 1 of learning_rate, gamma, lr


def test_notebook_cell_keys(truth_dir: Path) -> None:
    notebook = tuned(
        "nb/notebooks/grid.ipynb", finding(3, cell=2), finding(1, cell=2), finding(9, cell=5), language="notebook"
    )
    assert reported_lines(notebook) == {"2:3", "2:1", "5:9"}
    files = by_file(evaluate({"x": [notebook]}, truth_dir))
    score = files["notebooks/grid.ipynb"]
    assert score.lines_correct == 2 and score.lines_found == 1
    assert (score.precision, score.recall) == (round(2 / 3, 4), 0.5)
    assert score.missing_lines == ["2:4"] and score.unexpected_lines == ["5:9"]


def test_a_multi_line_finding_counts_on_every_line_it_spans(tmp_path: Path) -> None:
    # LABELING.md: a multi-line call or dict counts on every line it spans.
    write_truth(tmp_path, "a.py", tuning_applied=True, lines_required=[5, 6, 7], lines_acceptable=[8])
    call = finding(5).model_copy(update={"range": Range.of(5, 1, 8, 2)})
    report = tuned("a.py", call)
    assert reported_lines(report) == {5, 6, 7, 8}
    cell = finding(2, cell=3).model_copy(update={"range": Range.of(2, 1, 3, 4)})
    assert reported_lines(tuned("b.ipynb", cell, language="notebook")) == {"3:2", "3:3"}
    score = by_file(evaluate({"x": [report]}, tmp_path))["a.py"]
    assert (score.recall, score.precision) == (1.0, 1.0)


def test_line_numbers_used_without_findings(tmp_path: Path) -> None:
    write_truth(tmp_path, "a.py", tuning_applied=True, lines_required=[3, 4])
    report = FileReport(path="src/a.py", language="python", tuning_applied=True, line_numbers=[3, 4, 9])
    assert reported_lines(report) == {3, 4, 9}
    score = by_file(evaluate({"llm": [report]}, tmp_path))["a.py"]
    assert (score.lines_found, score.recall, score.unexpected_lines) == (2, 1.0, [9])


def test_several_analyses_side_by_side(truth_dir: Path) -> None:
    weak = [untuned("fixtures/python/optuna.py"), untuned("fixtures/python/plain.py")]
    result = evaluate({"static": perfect_analysis(), "llm": weak}, truth_dir)
    assert [a.name for a in result.analyses] == ["static", "llm"]
    assert result.analyses[0].totals.verdict_accuracy == 1.0
    assert result.analyses[1].totals.verdict_accuracy == round(1 / 3, 4)
    assert result.analyses[1].totals.line_recall == 0.0

    out = io.StringIO()
    render_text(result, Console(file=out, width=160, color_system=None))
    text = out.getvalue()
    assert "\x1b[" not in text
    for expected in [
        "static: per file",
        "llm: per file",
        "python/optuna.py",
        "notebooks/grid.ipynb",
        "no (no report)",
        "cell 2: 3-4",
        "Totals",
        "verdict accuracy",
        "line F1",
        "verdict TP/FP/FN/TN",
        "2/0/0/1",
        "0/0/2/1",
        "llm: no report for notebooks/grid.ipynb",
    ]:
        assert expected in text, expected
    header = next(line for line in text.splitlines() if "Metric" in line)
    assert header.index("static") < header.index("llm")


def test_json_is_deterministic(truth_dir: Path) -> None:
    first = evaluate({"static": perfect_analysis()}, truth_dir).model_dump_json(indent=2)
    second = evaluate({"static": list(reversed(perfect_analysis()))}, truth_dir).model_dump_json(indent=2)
    assert first == second
    data = json.loads(first)
    assert set(data) == {"truth_dir", "truth_files", "analyses"}
    assert data["analyses"][0]["totals"]["line_f1"] == 1.0


def test_most_specific_truth_wins(tmp_path: Path) -> None:
    write_truth(tmp_path, "x.py", tuning_applied=True, lines_required=[1])
    write_truth(tmp_path, "sub/x.py", tuning_applied=False)
    reports = [tuned("root/x.py", finding(1)), untuned("root/sub/x.py"), untuned("other/y.py")]
    analysis = evaluate({"a": reports}, tmp_path).analyses[0]
    assert {f.file: f.report for f in analysis.files} == {"sub/x.py": "root/sub/x.py", "x.py": "root/x.py"}
    assert analysis.unmatched == ["other/y.py"]
    assert all(f.verdict_correct for f in analysis.files)


def test_exact_path_and_windows_separators(tmp_path: Path) -> None:
    write_truth(tmp_path, "python/a.py", tuning_applied=False)
    analysis = evaluate({"a": [untuned("python\\a.py")]}, tmp_path).analyses[0]
    assert analysis.files[0].report == "python\\a.py" and analysis.missing == []
    # a mere suffix of a name is no match: "xpython/a.py" does not end with "/python/a.py"
    analysis = evaluate({"a": [untuned("xpython/a.py")]}, tmp_path).analyses[0]
    assert analysis.missing == ["python/a.py"] and analysis.unmatched == ["xpython/a.py"]


def test_ambiguity_is_an_error(tmp_path: Path) -> None:
    write_truth(tmp_path, "x.py", tuning_applied=False)
    with pytest.raises(EvaluationError, match=r"'x.py' matches several files: a/x.py, b/x.py"):
        evaluate({"static": [untuned("a/x.py"), untuned("b/x.py")]}, tmp_path)
    with pytest.raises(EvaluationError, match="reported twice"):
        evaluate({"static": [untuned("a/x.py"), untuned("./a/x.py")]}, tmp_path)
    with pytest.raises(EvaluationError, match="no analysis"):
        evaluate({}, tmp_path)


def test_invalid_truth_names_the_file(tmp_path: Path) -> None:
    write_truth(tmp_path, "good.py", tuning_applied=False)
    bad = tmp_path / "deep" / "bad.py.json"
    bad.parent.mkdir()
    bad.write_text('{"tuning_applied": "perhaps"}', encoding="utf-8")
    with pytest.raises(TruthError, match="bad.py.json"):
        evaluate({"a": []}, tmp_path)
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(TruthError, match="bad.py.json"):
        evaluate({"a": []}, tmp_path)
    bad.write_text('{"tuning_applied": true, "lines_required": ["three"]}', encoding="utf-8")
    with pytest.raises(TruthError, match=r"bad.py.json.*'three'"):
        evaluate({"a": []}, tmp_path)


def test_empty_or_absent_truth_dir(tmp_path: Path) -> None:
    with pytest.raises(TruthError, match="no ground-truth files"):
        evaluate({"a": []}, tmp_path)
    with pytest.raises(TruthError, match="not a directory"):
        evaluate({"a": []}, tmp_path / "nope")


def test_line_key() -> None:
    assert line_key(12) == 12 and line_key("12") == 12 and line_key(" 3 : 05 ") == "3:5"
    for bad in (0, -1, True, "0", "3:0", "x", "1-2", 1.5, None):
        with pytest.raises(ValueError):
            line_key(bad)


def test_saved_reports_in_both_layouts_score_alike(truth_dir: Path) -> None:
    report = build_report(perfect_analysis())
    ours = load_reports(json.loads(report.model_dump_json()))
    legacy = load_reports(json.loads(json.dumps(to_legacy(report))))
    direct = evaluate({"direct": report.files}, truth_dir)
    both = evaluate({"ours": ours, "legacy": legacy}, truth_dir)
    for analysis in both.analyses:
        assert analysis.totals.model_dump() == direct.analyses[0].totals.model_dump()


def test_a_hand_written_search_agrees_with_the_library_none(tmp_path: Path) -> None:
    # LABELING.md writes `none` for hand-written search; reports list no library for it.
    write_truth(tmp_path, "a.py", tuning_applied=True, libraries=["none"], lines_required=[3])
    report = tuned("a.py", finding(3), libraries=[])
    assert by_file(evaluate({"x": [report]}, tmp_path))["a.py"].libraries_agree
