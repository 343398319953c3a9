"""Python analysis: parse once with tree-sitter, run the detectors, assemble the report."""

from __future__ import annotations

from hptlens.analysis.apis import detect_api_calls
from hptlens.analysis.assembly import assemble, syntax_errors
from hptlens.analysis.context import rl_context
from hptlens.analysis.evidence import searches_with_evidence
from hptlens.analysis.grids import detect_grids
from hptlens.analysis.links import config_load_hits, config_references, hyperparams_loads
from hptlens.analysis.loops import detect_hand_tuning
from hptlens.analysis.pyfile import PyFile, TooDeep, parse
from hptlens.analysis.sites import group_hits
from hptlens.analysis.tables import detect_tables
from hptlens.documents import Document
from hptlens.report import FileError, FileReport
from hptlens.settings import Settings


def analyze_python(document: Document, settings: Settings) -> FileReport:
    source = document.text.encode("utf-8")  # valid UTF-8: Document replaced any surrogate
    try:
        tree = parse(source)
    except TooDeep as exc:
        return FileReport(
            path=document.path, language=document.language, errors=[FileError(code="too-deep", message=str(exc))]
        )
    py = PyFile(source, tree)
    report = FileReport(path=document.path, language=document.language, lines=len(py.lines) if source else 0)
    report.errors += syntax_errors(py, document)
    loads = hyperparams_loads(py)
    library = detect_api_calls(py)
    hand = detect_hand_tuning(py)
    hits = searches_with_evidence(py, library + hand + detect_grids(py, hand) + detect_tables(py, bool(library)))
    hits += config_load_hits(loads)
    if assemble(report, document, py, hits, settings, lambda kept: group_hits(py, kept)):
        report.rl_context = rl_context(py)
    report.config_refs = config_references(py, document, loads)  # resolved by the workspace (cross-file links)
    return report
