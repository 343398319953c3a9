"""Reports as LSP types: position units of each encoding, hover tables, LLM findings marked."""

from __future__ import annotations

import textwrap

import pytest
from lsprotocol import types as lsp

from hptlens.analysis import analyze
from hptlens.documents import Document
from hptlens.lsp import convert


@pytest.mark.parametrize(("encoding", "expected"), [("utf-16", 8), ("utf-8", 12), ("utf-32", 7)])
def test_columns_round_trip(encoding: str, expected: int):
    lines = ['x = "😀学"; y']
    position = convert.to_client(lines, 0, 7, encoding)
    assert position.character == expected
    assert convert.from_client(lines, position, encoding) == (0, 7)
    assert convert.to_client(lines, 5, 0, encoding).line == 0  # clamped to the text


def test_site_markdown_table():
    report = analyze(
        Document.from_text(
            "a.py",
            textwrap.dedent("""\
        import optuna
        def objective(trial):
            a = trial.suggest_int("layers", 1, 4)
            b = trial.suggest_categorical("act", ["relu", "tanh"])
            return a
        optuna.create_study().optimize(objective, n_trials=10)
        """),
        )
    )
    text = convert.site_markdown(report.sites[0])
    assert "| `layers` | int | [1, 4] | no | 4 |" in text
    assert "| `act` | categorical | {'relu', 'tanh'} | no | 2 |" in text
    layout = convert.Layout.single("file:///a.py", "")
    assert convert.hover(report, layout, "file:///other.py", lsp.Position(line=2, character=10)) is None


def test_llm_findings_are_marked():
    # A study opened alone searches nothing: the source optimizes it.
    source = "import optuna\nstudy = optuna.create_study()\nstudy.optimize(objective, n_trials=10)\n"
    report = analyze(Document.from_text("a.py", source))
    assert report.findings
    report.findings[0].source = "llm"
    layout = convert.Layout.single("file:///a.py", source)
    (diagnostic, *_) = convert.diagnostics(report, layout)["file:///a.py"]
    assert diagnostic.message.startswith("[LLM] ") and diagnostic.data["source"] == "llm"
    assert diagnostic.severity == lsp.DiagnosticSeverity.Information
