"""Multi-line space dicts are shown over the whole statement that holds them (LABELING: a
multi-line dict counts on every line it spans), without changing what is found or suppressed."""

from __future__ import annotations

import json

from hptlens.analysis import analyze
from hptlens.documents import Document
from hptlens.report import FileReport
from hptlens.settings import Settings

GRID = """\
from sklearn.model_selection import GridSearchCV
from sklearn.svm import SVC

grid = {
    "C": [0.1, 1, 10],
    "gamma": [0.01, 0.1],
}
GridSearchCV(SVC(), grid).fit(X, y)
"""


def _scan(text: str, path: str = "a.py") -> FileReport:
    return analyze(Document.from_text(path, text), Settings())


def _spaces(report: FileReport) -> list[tuple[int, int]]:
    return [(f.range.start.line, f.range.end.line) for f in report.findings if f.kind == "search-space"]


def test_first_and_last_entries_stretch_to_the_assignment_and_its_closing_brace() -> None:
    assert _spaces(_scan(GRID)) == [(4, 5), (6, 7)]


def test_the_stretched_first_entry_starts_at_the_assignment_column() -> None:
    first = next(f for f in _scan(GRID).findings if f.kind == "search-space")
    assert first.range.start.column == 1 and first.hyperparameters[0].name == "C"


def test_a_one_line_dict_and_an_entry_alone_keep_their_own_ranges() -> None:
    one_line = GRID.replace(
        '{\n    "C": [0.1, 1, 10],\n    "gamma": [0.01, 0.1],\n}', '{"C": [0.1, 1], "gamma": [1, 2]}'
    )
    assert _spaces(_scan(one_line)) == [(4, 4), (4, 4)]


def test_a_dict_passed_inline_to_the_search_is_left_to_the_call() -> None:
    inline = GRID.replace("GridSearchCV(SVC(), grid)", "GridSearchCV(SVC(), {\n    'C': [1, 2],\n    'k': [3, 4],\n})")
    spans = _spaces(_scan(inline))
    assert (9, 9) in spans and (10, 10) in spans  # the call's own finding spans those lines


def test_an_ignore_comment_on_the_entry_line_still_suppresses_the_stretched_entry() -> None:
    ignored = GRID.replace('"C": [0.1, 1, 10],', '"C": [0.1, 1, 10],  # hpt: ignore[search-space]')
    names = [f.hyperparameters[0].name for f in _scan(ignored).findings if f.kind == "search-space"]
    assert names == ["gamma"]


def test_an_ignore_comment_where_the_quick_fix_puts_it_suppresses_the_stretched_entry() -> None:
    ignored = GRID.replace("grid = {", "grid = {  # hpt: ignore[search-space]")
    names = [f.hyperparameters[0].name for f in _scan(ignored).findings if f.kind == "search-space"]
    assert names == ["gamma"]


def test_notebook_cells_stretch_inside_their_cell() -> None:
    cells = [
        {"cell_type": "code", "source": "import os\n", "metadata": {}, "outputs": [], "execution_count": None},
        {"cell_type": "code", "source": GRID, "metadata": {}, "outputs": [], "execution_count": None},
    ]
    notebook = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    found = [
        (f.cell, f.range.start.line, f.range.end.line)
        for f in _scan(notebook, "a.ipynb").findings
        if f.kind == "search-space"
    ]
    assert found == [(1, 4, 5), (1, 6, 7)]
