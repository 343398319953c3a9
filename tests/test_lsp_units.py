"""Unit tests of the language server's pure parts: suppression edits, settings layers,
position conversion, scheduling. The end-to-end behaviour is in tests/test_lsp*.py."""

from __future__ import annotations

import asyncio
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from hptlens.analysis import analyze
from hptlens.documents import Document
from hptlens.lsp import convert
from hptlens.lsp.actions import Edit, ignore_file_edit, ignore_line_edit
from hptlens.lsp.config import SettingsStore, editor_layer, is_excluded
from hptlens.lsp.export import ExportError, ExportRequest, target_path
from hptlens.lsp.schedule import Scheduler
from hptlens.settings import ServerSettings, Settings

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


# ---------------------------------------------------------------------- actions


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


# ---------------------------------------------------------------------- settings


def test_editor_layer_accepts_camel_case_and_warns_on_bad_values():
    warnings: list[str] = []
    layer = editor_layer(
        {
            "hptlens": {
                "enabledKinds": ["hand-loop"],
                "debounceMs": -1,
                "bogus": 1,
                "trace": {},
                "llm": {"baseUrl": "http://x", "mode": "sometimes"},
            }
        },
        "test",
        warnings,
    )
    assert layer == {"enabled_kinds": ["hand-loop"], "llm": {"base_url": "http://x"}}
    assert len(warnings) == 3
    assert any("hptlens.debounceMs" in w for w in warnings) and any("hptlens.llm.mode" in w for w in warnings)
    assert any("hptlens.bogus" in w for w in warnings)  # `trace` is the client's own: no warning
    assert editor_layer("nonsense", "test", warnings) == {}


def test_layers_initialization_options_then_folder_then_pyproject(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.hptlens]\nmax-file-bytes = 99\n\n[tool.hptlens.llm]\nmodel = "m"\n')
    store = SettingsStore()
    store.set_init_options({"debounceMs": 7, "maxFileBytes": 5, "llm": {"mode": "review"}})
    store.set_folder_config("file:///ws", {"debounceMs": 9, "llm": {"model": "editor"}})
    settings = store.settings_for(str(tmp_path), "file:///ws")
    assert (settings.debounce_ms, settings.max_file_bytes) == (9, 99)
    assert (settings.llm.mode, settings.llm.model) == ("review", "m")
    assert store.settings_for(None, "") == ServerSettings(debounce_ms=7, max_file_bytes=5, llm={"mode": "review"})
    assert store.take_warnings() == [] and store.take_warnings() == []


def test_warnings_are_shown_once_until_settings_change():
    store = SettingsStore()
    store.set_folder_config("", {"debounceMs": "soon"})
    assert len(store.take_warnings()) == 1
    store.set_folder_config("", {"debounceMs": "soon"})
    assert store.take_warnings() == []
    store.invalidate()
    store.set_folder_config("", {"debounceMs": "soon"})
    assert len(store.take_warnings()) == 1


def test_exclude_globs():
    settings = Settings(exclude=["generated/", "*_pb2.py"])
    assert is_excluded(settings, "generated/a.py") and is_excluded(settings, "x/y_pb2.py")
    assert not is_excluded(settings, "src/a.py") and not is_excluded(settings, None)


# ---------------------------------------------------------------------- positions and hovers


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
    report = analyze(Document.from_text("a.py", "import optuna\nstudy = optuna.create_study()\n"))
    assert report.findings
    report.findings[0].source = "llm"
    layout = convert.Layout.single("file:///a.py", "import optuna\nstudy = optuna.create_study()\n")
    (diagnostic, *_) = convert.diagnostics(report, layout)["file:///a.py"]
    assert diagnostic.message.startswith("[LLM] ") and diagnostic.data["source"] == "llm"
    assert diagnostic.severity == lsp.DiagnosticSeverity.Information


# ---------------------------------------------------------------------- scheduling and export


def test_scheduler_publishes_only_the_latest_version():
    landed: list[tuple[str, object, str]] = []

    async def scenario() -> str | None:
        scheduler: Scheduler[str] = Scheduler(ThreadPoolExecutor(2), lambda k, v, r: landed.append((k, v, r)))

        def slow(text: str):
            return lambda: (time.sleep(0.05), text)[1]

        for version in range(1, 6):
            scheduler.schedule("doc", version, lambda v=version: slow(f"text {v}"), delay_ms=0)
            await asyncio.sleep(0.01)
        return await scheduler.current("doc")

    assert asyncio.run(scenario()) == "text 5"
    assert landed[-1] == ("doc", 5, "text 5") and all(version == 5 for _, version, _ in landed)


def test_export_target_must_be_inside_the_workspace(tmp_path: Path):
    roots = [str(tmp_path)]
    assert target_path(str(tmp_path), ExportRequest(), roots) == tmp_path / "hpt-report.json"
    assert target_path(str(tmp_path), ExportRequest(format="sarif"), roots) == tmp_path / "hpt-report.sarif.json"
    with pytest.raises(ExportError, match="outside the workspace"):
        target_path(str(tmp_path), ExportRequest(path="../x.json"), roots)
    with pytest.raises(ExportError, match="invalid exportReport argument 'format'"):
        ExportRequest.parse({"format": "xml"})
