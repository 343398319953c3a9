"""The export command's arguments and where it may write."""

from __future__ import annotations

from pathlib import Path

import pytest

from hptlens.lsp.export import ExportError, ExportRequest, target_path


def test_export_target_must_be_inside_the_workspace(tmp_path: Path):
    roots = [str(tmp_path)]
    assert target_path(str(tmp_path), ExportRequest(), roots) == tmp_path / "hpt-report.json"
    assert target_path(str(tmp_path), ExportRequest(format="sarif"), roots) == tmp_path / "hpt-report.sarif.json"
    with pytest.raises(ExportError, match="outside the workspace"):
        target_path(str(tmp_path), ExportRequest(path="../x.json"), roots)
    with pytest.raises(ExportError, match="invalid exportReport argument 'format'"):
        ExportRequest.parse({"format": "xml"})


def test_export_writes_the_html_report(tmp_path: Path):
    from hptlens.lsp.export import write
    from hptlens.workspace import scan
    from support.paths import FIXTURES

    roots = [str(tmp_path)]
    target = target_path(str(tmp_path), ExportRequest(format="html"), roots)
    assert target == tmp_path / "hpt-report.html"
    summary = write(scan([FIXTURES / "python" / "optuna_simple.py"], jobs=1), target, "html")
    page = target.read_text(encoding="utf-8")
    assert summary["format"] == "html" and summary["sites"] == 1
    assert page.startswith("<!DOCTYPE html>") and 'id="site-1"' in page and "optuna_simple.py" in page
