"""Python analysis: parse once with tree-sitter, run the detectors, assemble the report."""

from __future__ import annotations

from collections.abc import Callable

from hptlens.analysis.apis import detect_api_calls
from hptlens.analysis.assembly import assemble, syntax_errors
from hptlens.analysis.context import rl_context
from hptlens.analysis.evidence import searches_with_evidence
from hptlens.analysis.extents import stretch_space_entries
from hptlens.analysis.grids import detect_grids
from hptlens.analysis.links import config_load_hits, config_references, hyperparams_loads
from hptlens.analysis.loops import detect_hand_tuning
from hptlens.analysis.neutral import Hit, source_lines
from hptlens.analysis.pbt import detect_pbt
from hptlens.analysis.pyfile import PyFile, TooDeep, parse
from hptlens.analysis.sites import group_hits
from hptlens.analysis.spaceclasses import detect_space_classes
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
    report = FileReport(path=document.path, language=document.language, lines=source_lines(document.text))
    report.errors += syntax_errors(py, document)
    loads = hyperparams_loads(py)
    library = detect_api_calls(py)
    hand = detect_hand_tuning(py)
    hand += detect_grids(py, hand) + detect_pbt(py)
    hand += detect_space_classes(py)
    hits = searches_with_evidence(py, library + hand + detect_tables(py, bool(library)))
    stretch_space_entries(hits)
    hits += config_load_hits(loads)
    shell = notebook_shell_hits(document)
    hits += shell
    if assemble(report, document, py, hits, settings, lambda kept: _group(py, kept, shell)):
        report.rl_context = rl_context(py)
    report.config_refs = config_references(py, document, loads)  # resolved by the workspace (cross-file links)
    return report


def notebook_shell_hits(document: Document) -> list[Hit]:
    """What a notebook's `!` lines and %%bash cells launch, found by the shell analysis."""
    if not document.shell.strip():
        return []
    from hptlens.analysis.shell.file import ShellFile  # only notebooks have shell lines
    from hptlens.analysis.shell.file import parse as parse_shell
    from hptlens.analysis.shell.report import ShellSearches

    source = document.shell.encode("utf-8")
    return ShellSearches(ShellFile(source, parse_shell(source))).run()


def _group(py: PyFile, kept: list[Hit], shell: list[Hit]) -> list[list[int]]:
    """Sites of the Python hits and of the shell hits, each grouped by its own language's rules."""
    from_shell = {id(hit) for hit in shell}
    groups: list[list[int]] = []
    rules: list[tuple[Callable[[list[Hit]], list[list[int]]], bool]] = [(lambda hits: group_hits(py, hits), False)]
    if shell:
        from hptlens.analysis.shell.report import group_shell_hits

        rules.append((group_shell_hits, True))
    for rule, wanted in rules:
        indices = [i for i, hit in enumerate(kept) if (id(hit) in from_shell) == wanted]
        groups += [[indices[i] for i in group] for group in rule([kept[i] for i in indices])] if indices else []
    return groups
