"""Property-based fuzzing of the analysis core, over every language (issue 11).

Inputs are built from fragments that have broken hptlens before (surrogates, huge numbers,
lone CRs, deep nesting, unclosed brackets, HPO calls) mixed with random text. For each:
no exception and no internal error out of `analyze`, every range inside its document, the
report written in every format, and the same report for LF, CRLF and CR line endings.

Bounded and deterministic (derandomized): a CI run takes seconds. A longer run is a
benchmark: `HPTLENS_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py`.
"""

from __future__ import annotations

import io
import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from hptlens.analysis import analyze
from hptlens.documents import Document, notebook_document
from hptlens.export.legacy import to_legacy
from hptlens.export.sarif import to_sarif
from hptlens.export.text import render_report
from hptlens.report import FileReport, Language, build_report, report_json

EXAMPLES = int(os.environ.get("HPTLENS_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HOSTILE = [
    "\ud800",
    "\udcff",
    "\r",
    "\r\n",
    "\n",
    "\t",
    "\x00",
    "\x1b[31m",
    "\ufeff",
    "\u2028",
    "😀",
    "λ",
    str(10**400),
    "9" * 4500,
    "1e999",
    "5e-324",
    "0 ** -1",
    "-0.0",
    "nan",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    '"',
    "'",
    '"""',
    "#",
    "\\",
    ":",
    ",",
    " ",
    "    ",
]
PYTHON = [
    "import optuna\n",
    "from ray import tune\n",
    "import random\n",
    "def objective(trial):\n",
    '    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)\n',
    "    n = trial.suggest_int('n', 1, ",
    "study = optuna.create_study()\n",
    "study.optimize(objective, n_trials=10)\n",
    "for lr in [0.1, 0.01, 0.001]:\n",
    "    train(lr=lr)\n",
    "for lr, bs in itertools.product(",
    "tune.grid_search([",
    "config = {'lr': tune.loguniform(1e-4, 1e-1)}\n",
    "range(5, 30, ",
    "np.logspace(-5, -1, ",
    "lr = 10 ** random.uniform(-5, ",
    "# hpt: ignore\n",
    "x = (" * 3,
    "while True:\n",
    "    if x:\n",
    "@hydra.main(config_path='conf', config_name='sweep')\n",
]
YAML = [
    "program: train.py\n",
    "method: bayes\n",
    "parameters:\n",
    "  lr:\n",
    "    min: ",
    "    max: ",
    "    values: [",
    "hydra:\n",
    "  sweeper:\n",
    "    params:\n",
    "      lr: range(",
    "      x: choice(",
    "---\n",
    "- ",
    "&a ",
    "*a",
    "!!python/object:os.system ",
    "learning_rate: ",
    "n_timesteps: !!float 1e6\n",
]
CPP = [
    "#include <random>\n",
    "int main() {\n",
    "for (double lr : {0.1, 0.01}) {\n",
    "  train(lr);\n",
    "}\n",
    "std::uniform_real_distribution<double> d(1e-5, ",
    "for (int i = 0; i < 10; ++i) {\n",
    "HyperParameterTuner<",
    "find_min_global(",
    "/* ",
    "*/",
    "// hpt: ignore\n",
    "template <typename T>\n",
]

SHELL = [
    "#!/bin/bash\n",
    "for lr in 0.1 0.01 0.001; do\n",
    "  python train.py --lr $lr\n",
    "done\n",
    "LRS=(1e-3 1e-4)\n",
    "for lr in ${LRS[@]}; do\n",
    "for s in {1..5}; do\n",
    "seq 1 10 | parallel ",
    "#SBATCH --array=0-9\n",
    "python train.py -m lr=0.1,0.01\n",
    "wandb agent ",
    "$(",
    "`",
    "<<EOF\n",
    "EOF\n",
    'if [ -n "$x" ]; then\n',
    "fi\n",
    "case $x in\n",
    "esac\n",
    "${x:-",
    "'",
    "\\\n",
]

LANGUAGES = {"a.py": PYTHON, "a.yaml": YAML, "a.json": YAML, "a.cpp": CPP, "a.sh": SHELL}


def sources(fragments: list[str]) -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(fragments), st.sampled_from(HOSTILE), st.text(max_size=8))
    return st.lists(piece, max_size=40).map("".join)


def check(report: FileReport, document: Document) -> None:
    assert not [e for e in report.errors if e.code == "internal-error"], report.errors
    lines = document.text.split("\n")
    spans = {span.index: span for span in document.cells}
    for item in [*report.findings, *report.sites]:
        start, end = item.range.start, item.range.end
        assert (start.line, start.column) <= (end.line, end.column), item.range
        if item.cell is None:
            first, count = 1, len(lines)
        else:
            first, count = spans[item.cell].first_line, max(spans[item.cell].line_count, 1)
        for point in (start, end):
            assert 1 <= point.line <= count, (item.range, count)
            assert 1 <= point.column <= len(lines[first + point.line - 2]) + 1, item.range
    written(report)


def written(report: FileReport) -> None:
    """Every format writes it, as UTF-8."""
    full = build_report([report])
    report_json(full).encode("utf-8")
    json.dumps(to_sarif(full), ensure_ascii=False).encode("utf-8")
    json.dumps(to_legacy(full), ensure_ascii=False).encode("utf-8")
    stream = io.StringIO()
    render_report(full, Console(file=stream, width=120, no_color=True), verbose=True)
    stream.getvalue().encode("utf-8")


def shape(report: FileReport) -> list[tuple[object, ...]]:
    return [(f.kind, f.cell, f.range.start.line, f.range.end.line, f.message) for f in report.findings]


@FUZZ
@given(name=st.sampled_from(sorted(LANGUAGES)), data=st.data())
def test_analysis_is_total_and_ranges_stay_inside(name: str, data: st.DataObject) -> None:
    text = data.draw(sources(LANGUAGES[name]))
    document = Document.from_text(name, text)
    check(analyze(document), document)


@FUZZ
@given(cells=st.lists(st.tuples(st.sampled_from(["code", "markdown", "raw"]), sources(PYTHON)), max_size=5))
def test_notebooks_are_total_and_ranges_stay_inside_their_cells(cells: list[tuple[str, str]]) -> None:
    document = notebook_document("a.ipynb", [(i, kind, text) for i, (kind, text) in enumerate(cells)])
    check(analyze(document), document)


@FUZZ
@given(
    raw=st.one_of(
        sources(
            ['{"cells": [', '{"nbformat": 4, ', '"source": ', '"cell_type": "code"', "]", "}", '"\\ud800"', "[" * 50]
        ),
        st.text(max_size=50),
    )
)
def test_raw_notebook_json_is_total(raw: str) -> None:
    report = analyze(Document(path="a.ipynb", text=raw, language=Language.NOTEBOOK))
    assert not [e for e in report.errors if e.code == "internal-error"], report.errors
    written(report)


@FUZZ
@given(name=st.sampled_from(sorted(LANGUAGES)), data=st.data())
def test_the_same_report_for_lf_crlf_and_cr(name: str, data: st.DataObject) -> None:
    text = data.draw(sources([f for f in LANGUAGES[name] if "\r" not in f])).replace("\r", "")
    reports = [analyze(Document.from_text(name, text.replace("\n", newline))) for newline in ("\n", "\r\n", "\r")]
    assert shape(reports[0]) == shape(reports[1]) == shape(reports[2])
