"""Python analysis: parse once with tree-sitter, run the detectors, assemble the report."""

from __future__ import annotations

from hptlens.analysis.apis import detect_api_calls
from hptlens.analysis.assembly import assemble, syntax_errors
from hptlens.analysis.context import rl_context
from hptlens.analysis.links import config_references, detect_config_loads
from hptlens.analysis.loops import detect_hand_tuning
from hptlens.analysis.pyfile import PyFile, parse
from hptlens.analysis.sites import group_hits
from hptlens.documents import Document
from hptlens.report import FileReport
from hptlens.settings import Settings


def analyze_python(document: Document, settings: Settings) -> FileReport:
    source = document.text.encode("utf-8", "surrogatepass")
    tree = parse(source)
    py = PyFile(source, tree)
    report = FileReport(path=document.path, language=document.language, lines=len(py.lines) if source else 0)
    report.errors += syntax_errors(py, document)
    hits = detect_api_calls(py) + detect_hand_tuning(py) + detect_config_loads(py)
    if assemble(report, document, py, hits, settings, lambda kept: group_hits(py, kept)):
        report.rl_context = rl_context(py)
    report.config_refs = config_references(py, document)  # resolved by the workspace (cross-file links)
    return report
