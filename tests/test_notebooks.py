"""Jupyter notebooks: cell concatenation, magics, per-cell positions, bad input, exports, CLI."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from hptlens.analysis import analyze
from hptlens.cli import main
from hptlens.documents import (
    Document,
    NotebookError,
    neutralize_magics,
    notebook_document,
    read_notebook,
    split_magics,
)
from hptlens.evaluate import evaluate
from hptlens.export.legacy import from_legacy, to_legacy
from hptlens.export.sarif import to_sarif
from hptlens.report import FileReport, Language, build_report
from hptlens.settings import Settings
from hptlens.truth import load_truth
from hptlens.workspace import analyze_file, discover, scan
from support.paths import FIXTURES as ALL_FIXTURES
from support.paths import GROUND_TRUTH

FIXTURES = ALL_FIXTURES / "notebooks"
TRUTH = GROUND_TRUTH
NOTEBOOKS = sorted(FIXTURES.glob("*.ipynb"))


def cells_of(path: Path) -> list[tuple[int, str, str]]:
    """What the language server has: (index among all cells, kind, source)."""
    notebook = nbformat.read(path, as_version=4)
    return [(i, cell.cell_type, cell.source) for i, cell in enumerate(notebook.cells)]


def notebook_json(*cells: dict[str, Any], nbformat_version: int = 4) -> str:
    return json.dumps({"cells": list(cells), "metadata": {}, "nbformat": nbformat_version, "nbformat_minor": 5})


def code(source: str | list[str] | None, **extra: Any) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, **extra}
    if source is not None:
        cell["source"] = source
    return cell


def markdown(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def keys(report: FileReport) -> list[str]:
    return [f"{f.cell}:{f.range.start.line}" for f in report.findings]


def codes(report: FileReport) -> list[str]:
    return [e.code for e in report.errors]


OPTUNA_CELLS = [
    (0, "markdown", "# Tuning"),
    (1, "code", "%matplotlib inline\n!pip install optuna\nimport optuna as opt"),
    (2, "markdown", "The objective"),
    (3, "code", "def objective(trial):\n    lr = trial.suggest_float('lr', 1e-5, 1e-2, log=True)\n    return lr"),
    (4, "code", "%%time\nstudy = opt.create_study()\nstudy.optimize(objective, n_trials=20)"),
]


# --------------------------------------------------------------------------- disk vs cells


def test_fixtures_exist() -> None:
    assert len(NOTEBOOKS) >= 8
    for path in NOTEBOOKS:
        nbformat.validate(nbformat.read(path, as_version=4))  # valid nbformat 4 JSON
        assert (TRUTH / "notebooks" / f"{path.name}.json").is_file()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_disk_and_cell_texts_give_the_same_findings(path: Path) -> None:
    from_disk = analyze_file(path, "nb.ipynb", Settings())
    from_cells = analyze(notebook_document("nb.ipynb", cells_of(path)))
    assert from_disk.language == from_cells.language == Language.NOTEBOOK
    assert from_disk.errors == [] and from_cells.errors == []
    assert from_disk.model_dump() == from_cells.model_dump()


def test_raw_json_document_is_read_as_a_notebook() -> None:
    path = FIXTURES / "optuna_ppo_cartpole.ipynb"
    raw = Document.from_text("nb.ipynb", path.read_text(encoding="utf-8"))
    assert raw.language == Language.NOTEBOOK and not raw.cells
    assert analyze(raw).model_dump() == analyze_file(path, "nb.ipynb", Settings()).model_dump()


# --------------------------------------------------------------------------- one program


def test_imports_in_the_first_cell_count_for_later_cells() -> None:
    report = analyze(notebook_document("nb.ipynb", OPTUNA_CELLS))
    assert keys(report) == ["3:2", "4:2", "4:3"]
    assert report.libraries == ["Optuna"] and report.hyperparameters == ["lr"]
    # Without the import cell, `opt.create_study` means nothing.
    assert keys(analyze(notebook_document("nb.ipynb", OPTUNA_CELLS[2:]))) == ["3:2"]


def test_ray_alias_from_cell_zero() -> None:
    cells = [
        (0, "code", "from ray import tune as t"),
        (1, "code", "space = {'lr': t.loguniform(1e-4, 1e-1)}\ntuner = t.Tuner(train, param_space=space)\ntuner.fit()"),
    ]
    assert keys(analyze(notebook_document("nb.ipynb", cells))) == ["1:1", "1:2", "1:3"]
    assert keys(analyze(notebook_document("nb.ipynb", cells[1:]))) == []


def test_cells_are_concatenated_in_index_order_each_on_new_lines() -> None:
    cells = [(4, "code", "c = 3\n"), (0, "code", "a = 1"), (1, "raw", "raw text"), (2, "code", "")]
    document = notebook_document("nb.ipynb", cells)
    assert document.text == "a = 1\n\nc = 3\n"
    assert [(s.index, s.first_line, s.line_count) for s in document.cells] == [(0, 1, 1), (2, 2, 1), (4, 3, 2)]
    assert document.cell_of(2) == (2, 1) and document.cell_of(4) == (4, 2)


def test_crlf_sources_keep_their_line_count() -> None:
    document = notebook_document("nb.ipynb", [(0, "code", "a = 1\r\nb = 2\rc = 3")])
    assert document.text == "a = 1\nb = 2\nc = 3" and document.cells[0].line_count == 3


# --------------------------------------------------------------------------- magics


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("%matplotlib inline\nimport x", "pass  # %matplotlib inline\nimport x"),
        ("!pip install optuna", "pass  # !pip install optuna"),
        ("files = !ls\nout, err = %sx echo", "files = None  # !ls\nout, err = None  # %sx echo"),
        ("for i in range(3):\n    !echo $i\n    y = i", "for i in range(3):\n    pass  # !echo $i\n    y = i"),
        ("optuna.create_study?\n?tune", "pass  # optuna.create_study?\npass  # ?tune"),
        ("%%time\nimport x\n%ls", "#%%time\nimport x\npass  # %ls"),
        ("\n%%timeit -n 3\nf()", "\n#%%timeit -n 3\nf()"),
        ("%%bash\npip install x\n\nls", "#%%bash\n#pip install x\n\n#ls"),
        ("%%writefile tune.py\nimport optuna", "#%%writefile tune.py\n#import optuna"),
        ("%run -i script.py \\\n   --flag\nx = 1", "pass  # %run -i script.py \\\n#   --flag\nx = 1"),
    ],
)
def test_magics_are_neutralised(source: str, expected: str) -> None:
    assert neutralize_magics(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        'msg = ("lr=%g"\n       % lr)',  # modulo on a continuation line inside brackets
        "x = a \\\n % b",  # after a backslash continuation
        'doc = """\n%not a magic\n!nor this\n"""',  # inside a triple-quoted string
        "s = 'it''s'  # what?\nt = x != y",  # '?' in a comment, '!=' operator
        "d = {\n    'a': 1,\n}\n",
    ],
)
def test_python_that_looks_like_a_magic_is_kept(source: str) -> None:
    assert neutralize_magics(source) == source


def test_neutralised_cells_parse_and_keep_lines_and_columns() -> None:
    # (a search space: an Optuna study opened alone would search nothing)
    source = "from hyperopt import hp\n%time x = 1\nif True:\n    !ls\n    space = hp.uniform('lr', 0, 1)\n%%not-first"
    result = neutralize_magics(source)
    ast.parse(result)  # parse only, never executed
    before, after = source.split("\n"), result.split("\n")
    assert len(before) == len(after)
    assert after[4] == before[4]  # untouched lines keep every column
    report = analyze(notebook_document("nb.ipynb", [(0, "markdown", "t"), (1, "code", source)]))
    (finding,) = report.findings
    assert (finding.cell, finding.range.start.line, finding.range.start.column) == (1, 5, 13)


@pytest.mark.parametrize(
    ("source", "shell"),
    [
        ("!pip install optuna", " pip install optuna"),
        (
            "import os\n  !!python t.py --lr 1e-3 \\\n   --gamma 0.9\nx = 1",
            "\n    python t.py --lr 1e-3 \\\n   --gamma 0.9\n",
        ),
        ("files = !ls logs", "         ls logs"),
        ("%run train.py \\\n  --lr 3", "\n"),  # a magic, not a shell escape: nothing runs in the shell
        ("%%bash\nfor lr in 1 2; do echo $lr; done", "\nfor lr in 1 2; do echo $lr; done"),
        ("%%script bash\nls", "\nls"),
        ("%%writefile run.sh\npython t.py", "\n"),
        ('doc = """\n!not a command\n"""', "\n\n"),
    ],
)
def test_shell_commands_keep_their_lines_and_columns(source: str, shell: str) -> None:
    python, commands = split_magics(source)
    assert python == neutralize_magics(source) and commands == shell


def test_shell_escapes_are_analysed_on_their_cells() -> None:
    cells = [
        (0, "markdown", "# zoo"),
        (1, "code", "import os\n!python train.py --algo sac --env Pendulum-v1 -optimize --n-trials 50"),
        (2, "code", "%%bash\nfor tau in 0.005 0.02; do\n  python train.py --algo sac --tau $tau\ndone"),
    ]
    report = analyze(notebook_document("nb.ipynb", cells))
    optimize, loop = report.findings
    assert (optimize.cell, optimize.range.start.line, optimize.range.start.column) == (1, 2, 2)
    assert optimize.library == "rl-zoo" and optimize.kind == "search-run"
    assert (loop.cell, loop.range.start.line, loop.hyperparameters[0].name) == (2, 2, "tau")
    assert len(report.sites) == 2


# --------------------------------------------------------------------------- positions


def test_findings_are_reported_per_cell() -> None:
    report = analyze(notebook_document("nb.ipynb", OPTUNA_CELLS))
    space, create, optimize = report.findings
    assert (space.cell, space.range.start.line, space.range.start.column, space.range.end.line) == (3, 2, 10, 2)
    assert (create.cell, create.range.start.line, create.range.start.column) == (4, 2, 9)
    assert (optimize.cell, optimize.range.start.line) == (4, 3)
    # line_numbers count over the concatenated code cells (cells 1, 3, 4 = 3 + 3 + 3 lines)
    assert report.line_numbers == [5, 8, 9]
    assert report.lines == 9


def test_site_across_cells_starts_in_its_first_cell() -> None:
    report = analyze(notebook_document("nb.ipynb", OPTUNA_CELLS))
    (site,) = report.sites
    assert site.cell == 3
    assert (site.range.start.line, site.range.end.line) == (2, 2)


def test_syntax_error_is_mapped_to_its_cell() -> None:
    cells = [*OPTUNA_CELLS, (5, "code", "x = 1\ny = (2,"), (6, "code", "z = 3")]
    report = analyze(notebook_document("nb.ipynb", cells))
    assert keys(report) == ["3:2", "4:2", "4:3"]  # partial results
    (error,) = report.errors
    assert error.code == "syntax-error" and error.cell in (5, 6) and error.line is not None
    assert f"cell {error.cell}" in error.message


# --------------------------------------------------------------------------- bad input


def test_malformed_json_raises_a_notebook_error() -> None:
    with pytest.raises(NotebookError, match="not valid JSON"):
        read_notebook("nb.ipynb", '{"cells": [')


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[1, 2]", "expected a JSON object, got an array"),
        (json.dumps({"cells": [], "metadata": {}}), "no integer 'nbformat'"),
        (json.dumps({"metadata": {}, "nbformat": 4, "nbformat_minor": 5}), "no 'cells' list"),
        (
            json.dumps({"outputs": [{"output_type": "stream", "name": "stdout", "text": "hi"}], "nbformat": 4}),
            "no 'cells' list",
        ),
        (notebook_json(code("x = 1"), "not a cell"), "cell 1 is not a JSON object"),
        (notebook_json(code("x = 1"), nbformat_version=5), "Unsupported nbformat version 5"),
    ],
    ids=["array", "no-version", "no-cells", "outputs-only", "bad-cell", "v5"],
)
def test_not_a_notebook(raw: str, message: str) -> None:
    with pytest.raises(NotebookError, match=message):
        read_notebook("nb.ipynb", raw)
    report = analyze(Document.from_text("nb.ipynb", raw))  # the analysis core never raises either
    assert codes(report) == ["malformed"] and report.language == Language.NOTEBOOK
    assert issubclass(NotebookError, ValueError)


def test_code_cell_without_source_is_empty_with_a_warning() -> None:
    raw = notebook_json(
        code("import optuna"),
        markdown("text"),
        code(None),
        code(42),
        code("study = optuna.create_study()\nstudy.optimize(f, n_trials=3)"),
    )
    document = read_notebook("nb.ipynb", raw)
    assert [(w.code, w.cell) for w in document.warnings] == [("malformed", 2), ("malformed", 3)]
    assert "code cell 2 has no 'source'" in document.warnings[0].message
    report = analyze(document)
    assert keys(report) == ["4:1", "4:2"]
    assert [(e.code, e.cell) for e in report.errors] == [("malformed", 2), ("malformed", 3)]


def test_outputs_only_code_cells_are_reported() -> None:
    output = {"output_type": "stream", "name": "stdout", "text": "0.93\n"}
    raw = notebook_json(code(None, outputs=[output]), code(None, outputs=[output]))
    report = analyze(read_notebook("nb.ipynb", raw))
    assert not report.findings and report.tuning_applied is False
    assert [(e.code, e.cell) for e in report.errors] == [("malformed", 0), ("malformed", 1)]


def test_notebook_with_zero_code_cells() -> None:
    for raw in (
        notebook_json(markdown("# Only prose"), {"cell_type": "raw", "metadata": {}, "source": "x"}),
        notebook_json(),
    ):
        document = read_notebook("nb.ipynb", raw)
        assert document.cells == [] and document.text == ""
        report = analyze(document)
        assert report.errors == [] and report.findings == [] and report.lines == 0


def test_nbformat_v3_is_converted() -> None:
    raw = json.dumps(
        {
            "nbformat": 3,
            "nbformat_minor": 0,
            "metadata": {"name": "old"},
            "worksheets": [
                {
                    "metadata": {},
                    "cells": [
                        {"cell_type": "markdown", "metadata": {}, "source": ["# Old notebook"]},
                        {
                            "cell_type": "code",
                            "language": "python",
                            "metadata": {},
                            "outputs": [],
                            "input": ["import optuna\n", "study = optuna.create_study()"],
                        },
                        {
                            "cell_type": "code",
                            "language": "python",
                            "metadata": {},
                            "outputs": [],
                            "input": ["study.optimize(objective, n_trials=5)"],
                        },
                    ],
                }
            ],
        }
    )
    report = analyze(read_notebook("old.ipynb", raw))
    assert keys(report) == ["1:2", "2:1"] and report.errors == []


def test_workspace_reports_a_malformed_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    (tmp_path / "good.ipynb").write_text(
        notebook_json(code("import optuna\noptuna.create_study().optimize(objective)")), encoding="utf-8"
    )
    assert [display for _, display in discover([Path(".")], Settings())] == ["broken.ipynb", "good.ipynb"]
    reports = {r.path: r for r in scan(["."], Settings())}
    assert codes(reports["broken.ipynb"]) == ["malformed"]
    assert reports["broken.ipynb"].language == Language.NOTEBOOK
    assert "not valid JSON" in reports["broken.ipynb"].errors[0].message
    assert keys(reports["good.ipynb"]) == ["0:2"]
    (named,) = scan(["good.ipynb"], Settings())  # an explicitly named notebook works too
    assert keys(named) == ["0:2"]


# --------------------------------------------------------------------------- exports, CLI, eval


@pytest.fixture()
def notebook_reports(fixture_scan: list[FileReport]) -> list[FileReport]:
    """The shared fixture scan's reports of fixtures/notebooks/."""
    return [r for r in fixture_scan if r.path.startswith("fixtures/notebooks/")]


def test_legacy_export_of_a_notebook(notebook_reports: list[FileReport]) -> None:
    report = build_report(notebook_reports)
    examples = {e["filename"].rsplit("/", 1)[-1]: e for e in to_legacy(report)["examples"]}
    optuna = examples["optuna_ppo_cartpole.ipynb"]
    assert optuna["language"] == "Jupyter notebook (Python)"
    assert optuna["environment"] == "Jupyter notebook"
    assert optuna["hyperparameter_tuning_applied"] is True
    assert optuna["libraries"] == ["Optuna"]
    assert optuna["cell_lines"][:2] == ["4:8", "4:9"] and "6:2" in optuna["cell_lines"]
    assert all(isinstance(line, int) for line in optuna["line_numbers"])
    negative = examples["neg_qlearning_taxi_fixed.ipynb"]
    assert negative["hyperparameter_tuning_applied"] is False and "cell_lines" not in negative
    assert negative["language"] == "Jupyter notebook (Python)"
    # read back, the cell lines still score perfectly
    back = from_legacy(json.loads(json.dumps(to_legacy(report))))
    scores = [f for f in evaluate({"legacy": back}, TRUTH).analyses[0].files if f.file.startswith("notebooks/")]
    assert len(scores) == len(NOTEBOOKS)
    assert all(f.verdict_correct and f.recall == 1.0 and f.precision == 1.0 for f in scores)


def test_sarif_names_the_cell(notebook_reports: list[FileReport]) -> None:
    sarif = to_sarif(build_report(notebook_reports))
    results = [r for r in sarif["runs"][0]["results"] if "optuna_ppo" in json.dumps(r["locations"])]
    assert results and all("cell" in r["properties"] for r in results)
    first = results[0]
    assert first["properties"]["cell"] == 4
    assert first["locations"][0]["physicalLocation"]["region"]["startLine"] == 8


def test_cli_scan_of_the_notebook_fixtures(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    assert main(["scan", str(FIXTURES), "--format", "json", "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    files = {Path(f["path"]).name: f for f in data["files"]}
    assert set(files) == {p.name for p in NOTEBOOKS}
    assert all(f["language"] == "notebook" and f["errors"] == [] for f in files.values())
    tuned = {name for name, f in files.items() if f["tuning_applied"]}
    expected = {p.name for p in NOTEBOOKS if load_truth(TRUTH / "notebooks" / f"{p.name}.json").tuning_applied}
    assert tuned == expected
    capsys.readouterr()
    assert main(["scan", str(FIXTURES / "hand_qlearning_learning_rates.ipynb")]) == 0
    text = capsys.readouterr().out
    assert "cell 7: 1, 3" in text


def test_notebook_fixtures_score_against_ground_truth(notebook_reports: list[FileReport]) -> None:
    analysis = evaluate({"static": notebook_reports}, TRUTH).analyses[0]
    scores = [f for f in analysis.files if f.file.startswith("notebooks/")]
    assert len(scores) == len(NOTEBOOKS)
    for score in scores:
        assert score.verdict_correct, score.file
        assert score.recall == 1.0 and score.precision == 1.0, (score.file, score.missing_lines, score.unexpected_lines)
