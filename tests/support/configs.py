"""Helpers of the config-format tests: analyse a text or a fixture, read a parameter spec, look at
a report's dimensions and covered lines."""

from __future__ import annotations

from typing import Any

from hptlens.analysis import analyze
from hptlens.analysis.configs.tree import Node, load
from hptlens.documents import Document
from hptlens.report import FileReport
from support.paths import FIXTURES

CONFIGS = FIXTURES / "configs"


def run(text: str, path: str = "conf.yaml") -> FileReport:
    return analyze(Document.from_text(path, text))


def fixture(name: str) -> FileReport:
    return analyze(Document.from_text(f"fixtures/configs/{name}", (CONFIGS / name).read_text(encoding="utf-8")))


def spec(text: str) -> Node:
    return load(text).roots[0]


def space(report: FileReport, name: str) -> dict[str, Any]:
    """The searched domain of one dimension (the finding that names it alone)."""
    for finding in report.findings:
        for hp in finding.hyperparameters:
            if hp.name == name and hp.space is not None and len(finding.hyperparameters) == 1:
                return hp.space.model_dump(exclude_defaults=True)
    raise AssertionError(f"no dimension {name}: {[f.message for f in report.findings]}")


def lines(report: FileReport) -> set[int]:
    """Every line the report's findings span."""
    return {line for f in report.findings for line in range(f.range.start.line, f.range.end.line + 1)}
