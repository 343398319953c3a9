"""FileReport -> LSP types: diagnostics, code lenses, hovers, in the client's position units.

Reports count lines and columns from 1, columns in code points; LSP counts both from 0,
columns in code units of the negotiated position encoding (UTF-16 unless the client
chose UTF-8 or UTF-32). A notebook's findings carry their cell and in-cell lines, so a
`Layout` maps each cell (or the one plain document) to its URI and text lines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types as lsp

from hptlens.documents import normalize_newlines
from hptlens.lsp.actions import Edit, comment_prefix
from hptlens.report import FileError, FileReport, Finding, FindingKind, Range, SearchSpace, Site, SpaceType

SOURCE = "hptlens"
SHOW_SITE = "hptlens.showSite"
RELATED_LIMIT = 20
"""relatedInformation entries per diagnostic: a site with 40 dimensions stays readable."""
LLM_PREFIX = "[LLM] "

KINDS = frozenset(FindingKind)
_RUN_KINDS = {FindingKind.SEARCH_RUN, FindingKind.HAND_LOOP}
_WARNING_ERRORS = {
    "decode-error",
    "too-large",
    "binary",
    "unreadable",
    "symlink-loop",
    "malformed",
    "internal-error",
    "llm-error",
}


# --------------------------------------------------------------------------- positions


def split_lines(text: str) -> list[str]:
    """Lines as the analysis counts them: LF, CRLF and a lone CR each end one (as in LSP)."""
    return normalize_newlines(text).split("\n")


def units(text: str, encoding: str) -> int:
    """Length of `text` in code units of a position encoding ('utf-8', 'utf-16', 'utf-32')."""
    if encoding == lsp.PositionEncodingKind.Utf32:
        return len(text)
    if encoding == lsp.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def to_client(lines: list[str], line: int, column: int, encoding: str) -> lsp.Position:
    """A 0-based line and 0-based code-point column as an LSP position (clamped to the text)."""
    if not lines:
        return lsp.Position(line=0, character=0)
    if line >= len(lines):
        return lsp.Position(line=len(lines) - 1, character=units(lines[-1], encoding))
    text = lines[max(line, 0)]
    column = max(0, min(column, len(text)))
    if encoding == lsp.PositionEncodingKind.Utf32 or text.isascii():  # most lines: units == code points
        return lsp.Position(line=max(line, 0), character=column)
    return lsp.Position(line=max(line, 0), character=units(text[:column], encoding))


def from_client(lines: list[str], position: lsp.Position, encoding: str) -> tuple[int, int]:
    """An LSP position as (0-based line, 0-based code-point column)."""
    if position.line >= len(lines):
        return position.line, 0
    if encoding == lsp.PositionEncodingKind.Utf32:
        return position.line, position.character
    counted = 0
    for index, char in enumerate(lines[position.line]):
        if counted >= position.character:
            return position.line, index
        counted += units(char, encoding)
    return position.line, len(lines[position.line])


def to_lsp_range(lines: list[str], rng: Range, encoding: str) -> lsp.Range:
    return lsp.Range(
        start=to_client(lines, rng.start.line - 1, rng.start.column - 1, encoding),
        end=to_client(lines, rng.end.line - 1, rng.end.column - 1, encoding),
    )


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Part:
    """One text the client shows: a plain document, or one notebook cell."""

    uri: str
    lines: list[str]


@dataclass
class Layout:
    """Where a report lands: key None for a plain document, the cell index for notebook cells.

    Every part gets a (possibly empty) diagnostics list, so stale diagnostics clear.
    """

    parts: dict[int | None, Part]
    encoding: str = lsp.PositionEncodingKind.Utf16
    _by_uri: dict[str, int | None] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_uri = {part.uri: key for key, part in self.parts.items()}

    @classmethod
    def single(cls, uri: str, text: str, encoding: str = lsp.PositionEncodingKind.Utf16) -> Layout:
        return cls({None: Part(uri, split_lines(text))}, encoding)

    def part(self, cell: int | None) -> Part | None:
        if None in self.parts:
            return self.parts[None]
        return self.parts.get(cell) if cell is not None else None

    def fallback(self) -> Part | None:
        """Where a problem without a cell goes: the document, or the notebook's first cell."""
        return next(iter(self.parts.values()), None)

    def key_of(self, uri: str) -> tuple[bool, int | None]:
        """(known, cell) of a part URI."""
        return (uri in self._by_uri), self._by_uri.get(uri)

    def uris(self) -> list[str]:
        return [part.uri for part in self.parts.values()]

    def range_of(self, cell: int | None, rng: Range) -> tuple[Part, lsp.Range] | None:
        part = self.part(cell)
        if part is None:
            return None
        return part, to_lsp_range(part.lines, rng, self.encoding)


# --------------------------------------------------------------------------- diagnostics


def diagnostics(report: FileReport, layout: Layout) -> dict[str, list[lsp.Diagnostic]]:
    """One diagnostic per finding and per report error, keyed by part URI (all parts present)."""
    result: dict[str, list[lsp.Diagnostic]] = {uri: [] for uri in layout.uris()}
    placed = [layout.range_of(f.cell, f.range) for f in report.findings]  # each range converted once
    sites: dict[str, list[int]] = {}
    for index, finding in enumerate(report.findings):
        if finding.site is not None:
            sites.setdefault(finding.site, []).append(index)
    for index, finding in enumerate(report.findings):
        where = placed[index]
        if where is None:
            continue
        members = sites.get(finding.site, []) if finding.site is not None else []
        related = _related(report, index, members, placed)
        result[where[0].uri].append(_finding_diagnostic(finding, where[1], related))
    for error in report.errors:
        placed_error = _error_diagnostic(error, layout)
        if placed_error is not None:
            result[placed_error[0]].append(placed_error[1])
    return result


def _finding_diagnostic(
    finding: Finding, rng: lsp.Range, related: list[lsp.DiagnosticRelatedInformation]
) -> lsp.Diagnostic:
    source = finding.source
    message = finding.message if source != "llm" else LLM_PREFIX + finding.message
    return lsp.Diagnostic(
        range=rng,
        message=message,
        severity=lsp.DiagnosticSeverity.Information,
        code=str(finding.kind),
        source=SOURCE,
        related_information=related or None,
        data={"site": finding.site, "kind": str(finding.kind), "library": finding.library, "source": source},
    )


def _related(
    report: FileReport, index: int, members: list[int], placed: list[tuple[Part, lsp.Range] | None]
) -> list[lsp.DiagnosticRelatedInformation]:
    """The site's other findings, on one member only: what runs the search (else the first
    member). Links on every member would list the site again under each of its problems."""
    shown = {i: where for i in members if (where := placed[i]) is not None}
    if index not in shown or _anchor(report, list(shown)) != index:
        return []
    related = []
    for i, (part, rng) in [item for item in shown.items() if item[0] != index][:RELATED_LIMIT]:
        finding = report.findings[i]
        # A location in a notebook shows the notebook's name only: say which cell it is in.
        cell = f"cell {finding.cell}: " if finding.cell is not None else ""
        related.append(
            lsp.DiagnosticRelatedInformation(
                location=lsp.Location(uri=part.uri, range=rng), message=cell + finding.message
            )
        )
    return related


def _anchor(report: FileReport, members: list[int]) -> int:
    """The member that carries a site's related information: its first search run or loop,
    else its first member."""
    return next((i for i in members if report.findings[i].kind in _RUN_KINDS), members[0])


def _error_diagnostic(error: FileError, layout: Layout) -> tuple[str, lsp.Diagnostic] | None:
    part = layout.part(error.cell) if error.cell is not None else layout.fallback()
    part = part or layout.fallback()
    if part is None:
        return None
    line = max((error.line or 1) - 1, 0)
    start, end = 0, 10**9
    if error.range is not None:
        start, end = error.range.start.column - 1, error.range.end.column - 1
    rng = lsp.Range(
        start=to_client(part.lines, line, start, layout.encoding), end=to_client(part.lines, line, end, layout.encoding)
    )
    # The editor's own linter reports syntax errors; ours warns only when they hide findings.
    warn = error.code in _WARNING_ERRORS or error.hides_findings
    severity = lsp.DiagnosticSeverity.Warning if warn else lsp.DiagnosticSeverity.Hint
    return part.uri, lsp.Diagnostic(
        range=rng, message=error.message, severity=severity, code=error.code, source=SOURCE, data={"error": error.code}
    )


# --------------------------------------------------------------------------- code lenses


def lens_title(site: Site) -> str:
    return f"HPT: {site.summary}"


def site_message(site: Site) -> str:
    """The site's lens title and its dimensions, as the show-site command tells it."""
    names = ", ".join(hp.name + (f" {hp.space.describe()}" if hp.space else "") for hp in site.hyperparameters)
    return lens_title(site) + (f": {names}" if names else "")


def code_lenses(report: FileReport, layout: Layout, uri: str) -> list[lsp.CodeLens]:
    """One lens per site, on the site's first line, running `hptlens.showSite`."""
    lenses = []
    for site in report.sites:
        part = layout.part(site.cell)
        if part is None or part.uri != uri:
            continue
        start = to_client(part.lines, site.range.start.line - 1, site.range.start.column - 1, layout.encoding)
        command = lsp.Command(title=lens_title(site), command=SHOW_SITE, arguments=[uri, site.id])
        lenses.append(lsp.CodeLens(range=lsp.Range(start=start, end=start), command=command))
    return lenses


# --------------------------------------------------------------------------- hover


def hover(report: FileReport, layout: Layout, uri: str, position: lsp.Position) -> lsp.Hover | None:
    """The site table when `position` is on any part of a site's search space or findings."""
    known, cell = layout.key_of(uri)
    part = layout.part(cell) if known else None
    if part is None:
        return None
    line, column = from_client(part.lines, position, layout.encoding)
    point = (line + 1, column + 1)
    for site in report.sites:
        for start, end in _site_spans(report, site, cell):
            if start <= point <= end:
                rng = lsp.Range(
                    start=to_client(part.lines, start[0] - 1, start[1] - 1, layout.encoding),
                    end=to_client(part.lines, end[0] - 1, end[1] - 1, layout.encoding),
                )
                markup = lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=site_markdown(site))
                return lsp.Hover(contents=markup, range=rng)
    return None


Point = tuple[int, int]


def _site_spans(report: FileReport, site: Site, cell: int | None) -> list[tuple[Point, Point]]:
    """The search space as a whole (first to last dimension), then each finding of the site."""
    members = [report.findings[i] for i in site.findings if i < len(report.findings)]
    here = [f for f in members if f.cell == cell]
    spans = [(_point(f.range.start), _point(f.range.end)) for f in here]
    spaces = [span for f, span in zip(here, spans) if f.kind == FindingKind.SEARCH_SPACE]
    if spaces:
        spans.insert(0, (min(s for s, _ in spaces), max(e for _, e in spaces)))
    return spans


def _point(position: Any) -> Point:
    return position.line, position.column


def site_markdown(site: Site) -> str:
    """A table of the site's dimensions, then its library, method and budget."""
    rows = ["| hyperparameter | type | range / choices | log | grid points |", "|---|---|---|---|---|"]
    for hp in site.hyperparameters:
        space = hp.space
        rows.append(
            "| "
            + " | ".join(
                _cell(text)
                for text in (
                    f"`{hp.name}`",
                    str(space.type) if space else "unknown",
                    _domain(space),
                    "yes" if space and space.log else "no",
                    _grid_points(space),
                )
            )
            + " |"
        )
    facts = [f"library: {site.library}"]
    if site.method:
        facts.append(f"method: {site.method}")
    facts.append(f"budget: {site.budget or 'not stated'}")
    facts.append("criteria: " + ", ".join(site.categories))
    parts = [f"**{lens_title(site)}**", ""]
    if site.hyperparameters:
        parts += [*rows, ""]
    parts.append(" · ".join(facts))
    return "\n".join(parts)


def _domain(space: SearchSpace | None) -> str:
    if space is None:
        return "unknown"
    if space.low is not None or space.high is not None:
        text = f"[{_num(space.low)}, {_num(space.high)}]"
        return text + (f" step {_num(space.step)}" if space.step is not None else "")
    if space.choices is not None:
        return "{" + ", ".join(_num(v) for v in space.choices) + "}"
    if space.values is not None:
        return ", ".join(_num(v) for v in space.values)
    return space.distribution or "unknown"


def _grid_points(space: SearchSpace | None) -> str:
    if space is None:
        return "–"
    items = space.choices if space.choices is not None else space.values
    if items is not None:
        return str(len(items))
    stepped = space.step is not None or space.type == SpaceType.INT
    if stepped and space.low is not None and space.high is not None and not space.log:
        step = space.step or 1
        if step > 0 and space.high >= space.low:
            count = (space.high - space.low) / step + 1e-9
            # range(5, 30, 5e-324): no count an int can take, and none a reader needs
            return f"{int(count) + 1}" if math.isfinite(count) and count < 1e15 else "–"
    return "–"


def _num(value: Any) -> str:
    if value is None:
        return "?"
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value) if isinstance(value, str) else str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# --------------------------------------------------------------------------- quick fixes


def quick_fixes(uri: str, language: str, diagnostics: Sequence[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    """The "ignore" quick fixes for our diagnostics: on this line, and once per kind for the file.
    Unresolved: `data` says what to edit, the edit is made on resolve."""
    prefix = comment_prefix(language)
    result: list[lsp.CodeAction] = []
    seen_files: set[str] = set()
    for diagnostic in diagnostics:
        kind = diagnostic.code
        if diagnostic.source != SOURCE or not isinstance(kind, str) or kind not in KINDS:
            continue
        line = diagnostic.range.start.line
        result.append(
            _action(
                uri,
                "line",
                kind,
                line,
                diagnostic,
                f"Ignore this {kind} finding on this line ({prefix} hpt: ignore[{kind}])",
            )
        )
        if kind not in seen_files:
            seen_files.add(kind)
            result.append(
                _action(
                    uri,
                    "file",
                    kind,
                    line,
                    diagnostic,
                    f"Ignore {kind} findings in this file ({prefix} hpt: ignore-file[{kind}])",
                )
            )
    return result


def _action(uri: str, scope: str, kind: str, line: int, diagnostic: lsp.Diagnostic, title: str) -> lsp.CodeAction:
    return lsp.CodeAction(
        title=title,
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=scope == "line",
        data={"uri": uri, "scope": scope, "kind": kind, "line": line},
    )


def text_edit(source: str, edit: Edit, encoding: str) -> lsp.TextEdit:
    lines = split_lines(source)
    return lsp.TextEdit(
        range=lsp.Range(start=to_client(lines, *edit.start, encoding), end=to_client(lines, *edit.end, encoding)),
        new_text=edit.text,
    )
