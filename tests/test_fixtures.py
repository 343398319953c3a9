"""The shipped fixtures as a whole: every fixture has ground truth, every verdict holds, the
accuracy figures the README states, and scan output that validates against the committed schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from hptlens.documents import detect_language
from hptlens.evaluate import evaluate
from hptlens.report import FileReport, Language, build_report, report_json, report_schema
from hptlens.truth import load_truth, truth_schema
from support.paths import FIXTURES, GROUND_TRUTH, ROOT

TRUTH = GROUND_TRUTH
TRUTH_FILES = sorted(TRUTH.rglob("*.json"))


def test_fixture_set_is_large_enough() -> None:
    python = [p for p in TRUTH_FILES if p.parent.name == "python"]
    negatives = [p for p in python if not load_truth(p).tuning_applied]
    assert len(python) >= 35
    assert len(negatives) >= 12


def test_every_fixture_has_ground_truth() -> None:
    for fixture in FIXTURES.rglob("*"):
        if fixture.is_file() and detect_language(fixture.name) != Language.UNKNOWN:
            truth = TRUTH / (str(fixture.relative_to(FIXTURES)) + ".json")
            assert truth.is_file(), f"{fixture} has no ground truth at {truth}"


def test_accuracy_figures(fixture_scan: list[FileReport]) -> None:
    totals = evaluate({"static": fixture_scan}, TRUTH).analyses[0].totals
    assert totals.missing_reports == 0
    assert totals.verdict_accuracy == 1.0
    assert totals.line_recall >= 0.95
    assert totals.line_precision >= 0.90


@pytest.mark.parametrize("truth_path", TRUTH_FILES, ids=lambda p: str(p.relative_to(TRUTH)))
def test_fixture_verdict(truth_path: Path, fixture_scan: list[FileReport]) -> None:
    truth = load_truth(truth_path)
    wanted = "fixtures/" + str(truth_path.relative_to(TRUTH))[: -len(".json")]
    report = next((r for r in fixture_scan if r.path == wanted), None)
    assert report is not None, f"{wanted} was not scanned"
    assert report.tuning_applied == truth.tuning_applied
    if not truth.tuning_applied:
        assert report.findings == []


def test_scan_json_validates_against_committed_schema(fixture_scan: list[FileReport]) -> None:
    schema = json.loads((ROOT / "schema" / "hpt-report.schema.json").read_text())
    jsonschema.validate(json.loads(report_json(build_report(fixture_scan))), schema)


def test_committed_schemas_are_current() -> None:
    committed = json.loads((ROOT / "schema" / "hpt-report.schema.json").read_text())
    assert committed == json.loads(json.dumps(report_schema())), "run `make schema` and commit schema/"
    committed_truth = json.loads((ROOT / "schema" / "ground-truth.schema.json").read_text())
    assert committed_truth == json.loads(json.dumps(truth_schema())), "run `make schema` and commit schema/"
