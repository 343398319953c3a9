"""The language server's "ignore" quick fixes: suppression-comment edits in Python (libcst), C++,
YAML and notebook cells. End to end: tests/test_lsp.py."""

from __future__ import annotations

import textwrap

from hptlens.analysis import analyze
from hptlens.documents import Document
from hptlens.lsp.actions import Edit, ignore_file_edit, ignore_line_edit

SOURCE = textwrap.dedent('''\
    #!/usr/bin/env python
    # -*- coding: utf-8 -*-
    """Doc."""
    from ray import tune
    space = {
        "lr": tune.loguniform(1e-5, 1e-2),  # learning rate
        "gamma": tune.choice([0.9, 0.99]),   # hpt: ignore[hand-loop]
    }
    s = """text
    more"""
    ''')


def apply(source: str, edit: Edit) -> str:
    lines = source.split("\n")
    (line, col), (end_line, end_col) = edit.start, edit.end
    head = "\n".join(lines[:line] + [lines[line][:col]])
    tail = "\n".join([lines[end_line][end_col:]] + lines[end_line + 1 :])
    return head + edit.text + tail


def test_line_edit_appends_after_an_existing_comment_and_keeps_formatting():
    edit = ignore_line_edit(SOURCE, 5, "search-space", "python")
    assert edit is not None
    result = apply(SOURCE, edit)
    assert (
        result.split("\n")[5] == '    "lr": tune.loguniform(1e-5, 1e-2),  # learning rate  # hpt: ignore[search-space]'
    )
    assert result.replace("  # hpt: ignore[search-space]", "") == SOURCE
    assert [f.message for f in analyze(Document.from_text("a.py", result)).findings if "lr" in f.message] == []


def test_line_edit_extends_a_marker_and_skips_strings():
    edit = ignore_line_edit(SOURCE, 6, "search-space", "python")
    assert edit is not None and edit.text.endswith("# hpt: ignore[hand-loop, search-space]")
    assert ignore_line_edit(SOURCE, 8, "search-space", "python") is None  # the line ends inside a string
    bare = "x = 1  # hpt: ignore\n"
    assert ignore_line_edit(bare, 0, "search-space", "python") is None  # already silences every kind
    assert ignore_line_edit("def f(:\n", 0, "search-space", "python") is None  # does not parse


def test_file_edit_goes_after_shebang_and_coding_and_extends_markers():
    edit = ignore_file_edit(SOURCE, "search-space", "python")
    assert edit == Edit(start=(2, 0), end=(2, 0), text="# hpt: ignore-file[search-space]\n")
    marked = "# hpt: ignore-file[hand-loop]\nx = 1\n"
    assert ignore_file_edit(marked, "search-space", "python") == Edit(
        start=(0, 0), end=(0, 29), text="# hpt: ignore-file[hand-loop, search-space]"
    )
    in_string = 'x = "# hpt: ignore-file[hand-loop]"\n'
    assert ignore_file_edit(in_string, "search-space", "python").start == (0, 0)
    assert ignore_file_edit("# hpt: ignore-file\n", "search-space", "python") is None


def test_cpp_and_yaml_edits_use_their_comment_syntax():
    line = ignore_line_edit("for (double lr : rates) { // try\n", 0, "hand-loop", "cpp")
    assert line is not None and line.text == "for (double lr : rates) { // try  // hpt: ignore[hand-loop]"
    assert ignore_file_edit("int x;\n", "hand-loop", "cpp").text == "// hpt: ignore-file[hand-loop]\n"
    yaml = ignore_line_edit("  lr: [1, 2]\n", 0, "sweep-config", "yaml")
    assert yaml is not None and yaml.text == "  lr: [1, 2]  # hpt: ignore[sweep-config]"


def test_notebook_cells_with_magics_are_edited():
    cell = "%%time\nfor lr in [1e-3, 1e-4]:\n    train(lr)\n"
    edit = ignore_line_edit(cell, 1, "hand-loop", "notebook", notebook=True)
    assert edit is not None and edit.text == "for lr in [1e-3, 1e-4]:  # hpt: ignore[hand-loop]"
    assert ignore_line_edit(cell, 0, "hand-loop", "notebook", notebook=True) is None  # the magic line itself
