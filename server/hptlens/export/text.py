"""The human-readable report: rich tables on a console.

Every cell is a `rich.text.Text`, so paths and messages with square brackets are shown
as they are, never read as markup. Colour is the console's business: rich drops it when
the output is not a terminal. Rows are sorted, so the output is deterministic for a
given console width.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from hptlens.report import FileReport, Finding, Report
from hptlens.safetext import printable

PATH_WIDTH = 48
"""Paths up to this many characters stay whole when they take at most 2/5 of the console."""


def _ranges(numbers: list[int]) -> str:
    """[3, 4, 5, 9] -> '3-5, 9' (numbers sorted and unique)."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def format_lines(keys: Iterable[int | str]) -> str:
    """Line keys as compact text: ints as ranges, "CELL:LINE" keys grouped per cell."""
    plain: set[int] = set()
    cells: dict[int, set[int]] = {}
    for key in keys:
        if isinstance(key, int):
            plain.add(key)
        else:
            cell, _, line = key.partition(":")
            cells.setdefault(int(cell), set()).add(int(line))
    parts = [_ranges(sorted(plain))] if plain else []
    parts += [f"cell {cell}: {_ranges(sorted(lines))}" for cell, lines in sorted(cells.items())]
    return "; ".join(parts) or "-"


def _kind(finding: Finding) -> str:
    return str(finding.kind)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _finding_key(finding: Finding) -> tuple[int, int, int, str]:
    cell = -1 if finding.cell is None else finding.cell
    return (cell, finding.range.start.line, finding.range.start.column, _kind(finding))


def _file_lines(report: FileReport) -> str:
    """In notebooks, in-cell positions (what the reader sees); elsewhere the line numbers."""
    if any(f.cell is not None for f in report.findings):
        keys: list[int | str] = [
            f.range.start.line if f.cell is None else f"{f.cell}:{f.range.start.line}" for f in report.findings
        ]
        return format_lines(keys)
    return format_lines(report.line_numbers)


def _methods(report: FileReport) -> str:
    ordered = sorted(report.findings, key=_finding_key)
    methods = dict.fromkeys(f.method for f in ordered if f.method)
    return ", ".join(methods) or "-"


def _add_path_column(table: Table, files: list[FileReport], width: int) -> None:
    # Paths are what people copy: keep them whole up to a share of the console, fold beyond.
    # (rich re-grows a min_width column past the console, so no_wrap is the safe lever)
    longest = max((len(f.path) for f in files), default=4)
    keep_whole = longest <= min(PATH_WIDTH, width * 2 // 5)
    table.add_column("File", overflow="fold", no_wrap=keep_whole)


def _cell(value: str, style: str = "") -> Text:
    # Paths and messages come from the analysed files: no raw control characters on a terminal.
    return Text(printable(value), style=style)


def _files_table(files: list[FileReport], width: int) -> Table:
    table = Table(title="Hyperparameter tuning", title_justify="left")
    _add_path_column(table, files, width)
    for name in ("Libraries", "Methods", "Criteria", "Hyperparameters", "Lines"):
        table.add_column(name, overflow="fold")
    for report in files:
        table.add_row(
            _cell(report.path),
            _cell(", ".join(report.libraries) or "-"),
            _cell(_methods(report)),
            _cell(", ".join(report.criteria.names()) or "-"),
            _cell(", ".join(report.hyperparameters) or "-"),
            _cell(_file_lines(report)),
        )
    return table


def _position(finding: Finding) -> str:
    line = finding.range.start.line
    return str(line) if finding.cell is None else f"cell {finding.cell}: {line}"


def _hyperparameters(finding: Finding) -> str:
    parts = [hp.name if hp.space is None else f"{hp.name}: {hp.space.describe()}" for hp in finding.hyperparameters]
    return "; ".join(parts) or "-"


def _findings_table(files: list[FileReport], width: int) -> Table:
    table = Table(title="Hyperparameter tuning findings", title_justify="left")
    _add_path_column(table, files, width)
    for name in ("Line", "Kind", "Library", "Method", "Hyperparameters", "Source", "Message"):
        table.add_column(name, overflow="fold")
    for report in files:
        for finding in sorted(report.findings, key=_finding_key):
            table.add_row(
                _cell(report.path),
                _cell(_position(finding)),
                _cell(_kind(finding)),
                _cell(finding.library),
                _cell(finding.method or "-"),
                _cell(_hyperparameters(finding)),
                _cell(finding.source),  # static, llm or both: which findings the LLM review added
                _cell(finding.message),
            )
    return table


def _errors_table(files: list[FileReport], width: int) -> Table:
    table = Table(title="Errors", title_justify="left")
    _add_path_column(table, [f for f in files if f.errors], width)
    for name in ("Code", "Where", "Message"):
        table.add_column(name, overflow="fold")
    for report in files:
        for error in report.errors:
            where = [] if error.cell is None else [f"cell {error.cell}"]
            where += [] if error.line is None else [f"line {error.line}"]
            table.add_row(
                _cell(report.path),
                _cell(error.code, style="red"),
                _cell(", ".join(where) or "-"),
                _cell(error.message),
            )
    return table


def summary_line(files: list[FileReport]) -> str:
    """'3 files scanned: 2 with tuning, 7 findings, 3 sites, 1 error'."""
    tuning = sum(f.tuning_applied for f in files)
    findings = sum(len(f.findings) for f in files)
    sites = sum(len(f.sites) for f in files)
    errors = sum(len(f.errors) for f in files)
    scanned = "file scanned" if len(files) == 1 else "files scanned"
    return (
        f"{len(files)} {scanned}: {tuning} with tuning, {_plural(findings, 'finding')}, "
        f"{_plural(sites, 'site')}, {_plural(errors, 'error')}"
    )


def render_report(report: Report, console: Console, verbose: bool = False) -> None:
    """Print the report: files with tuning (or, verbose, every finding), errors, a summary."""
    files = sorted(report.files, key=lambda f: f.path)
    with_tuning = [f for f in files if f.tuning_applied or (verbose and f.findings)]
    if not with_tuning:
        console.print(Text("No hyperparameter tuning found."))
    elif verbose:
        console.print(_findings_table(with_tuning, console.width))
    else:
        console.print(_files_table(with_tuning, console.width))
    if any(f.errors for f in files):
        console.print(_errors_table(files, console.width))
    console.print(Text(summary_line(files)))
