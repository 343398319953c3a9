"""A notebook opened as plain text (the .ipynb's JSON in a text editor: Neovim, VS Code's text
editor): its report's cell positions moved onto the JSON's lines.

The analysis reads the JSON and reports findings by cell and in-cell line. Shown as they are,
they would land on the wrong lines of the JSON; here each position goes to the character of the
`source` string that holds it, escapes (`\\n`, `\\"`, `\\uXXXX`) counted. Edits are never
offered on such a document (an edit made for the cell's code would break the JSON).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from hptlens.report import FileError, FileReport, Position, Range

_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_ESCAPE = re.compile(r"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)")
_LITERALS = {"true": True, "false": False, "null": None}


class _Located(str):
    """A JSON string value that remembers where its opening quote is."""

    at: int


class _Parser:
    """JSON to Python values, strings as `_Located`; ValueError for anything else."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse(self) -> Any:
        value = self.value()
        self.skip()
        if self.pos != len(self.text):
            raise ValueError("extra data after the notebook")
        return value

    def skip(self) -> None:
        match = _SPACE.match(self.text, self.pos)
        self.pos = match.end() if match else self.pos

    def value(self) -> Any:
        self.skip()
        char = self.text[self.pos : self.pos + 1]
        if char == "{":
            return self.container("}", self.member)
        if char == "[":
            return self.container("]", self.value)
        if char == '"':
            return self.string()
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return literal
        match = _NUMBER.match(self.text, self.pos)
        if not match:
            raise ValueError(f"unexpected text at offset {self.pos}")
        self.pos = match.end()
        return json.loads(match.group())

    def container(self, close: str, item: Any) -> Any:
        self.pos += 1
        items: list[Any] = []
        self.skip()
        if self.text.startswith(close, self.pos):
            self.pos += 1
            return dict(items) if close == "}" else items
        while True:
            items.append(item())
            self.skip()
            char = self.text[self.pos : self.pos + 1]
            self.pos += 1
            if char == close:
                return dict(items) if close == "}" else items
            if char != ",":
                raise ValueError(f"expected ',' or '{close}' at offset {self.pos - 1}")

    def member(self) -> tuple[str, Any]:
        self.skip()
        key = self.string()
        self.skip()
        if not self.text.startswith(":", self.pos):
            raise ValueError(f"expected ':' at offset {self.pos}")
        self.pos += 1
        return key, self.value()

    def string(self) -> _Located:
        if not self.text.startswith('"', self.pos):
            raise ValueError(f"expected a string at offset {self.pos}")
        start = self.pos
        decoded, self.pos = json.decoder.scanstring(self.text, start + 1)  # type: ignore[attr-defined]
        located = _Located(decoded)
        located.at = start
        return located


@dataclass(frozen=True)
class _Piece:
    """One string of a cell's `source`: where its text starts in the cell and in the JSON."""

    cell_offset: int
    raw_start: int
    """Offset in the JSON text of the string's first character (after the quote)."""
    breaks: tuple[tuple[int, int], ...]
    """(offset in the decoded string, offset in the raw string) after each escape."""

    def raw_offset(self, offset: int) -> int:
        index = bisect_right(self.breaks, (offset, 1 << 62)) - 1
        decoded, raw = self.breaks[index] if index >= 0 else (0, 0)
        return self.raw_start + raw + (offset - decoded)


def _piece(text: str, value: _Located, cell_offset: int) -> _Piece:
    raw_start = value.at + 1
    raw_end = json.decoder.scanstring(text, raw_start)[1] - 1  # type: ignore[attr-defined]
    breaks = []
    decoded = 0
    last = raw_start
    for match in _ESCAPE.finditer(text, raw_start, raw_end):
        decoded += match.start() - last + 1  # the plain characters before, then the escape's one
        last = match.end()
        breaks.append((decoded, last - raw_start))
    return _Piece(cell_offset, raw_start, tuple(breaks))


class NotebookText:
    """Cell positions of a notebook's JSON text (`of` gives None for text that is no notebook)."""

    def __init__(self, text: str, cells: dict[int, tuple[str, list[_Piece]]]) -> None:
        self.line_starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
        self.cells = cells

    @classmethod
    def of(cls, text: str) -> NotebookText | None:
        try:
            data = _Parser(text).parse()
        except (ValueError, IndexError):
            return None
        raw_cells = data.get("cells") if isinstance(data, dict) else None
        if not isinstance(raw_cells, list):
            return None
        cells: dict[int, tuple[str, list[_Piece]]] = {}
        for index, cell in enumerate(raw_cells):
            source = cell.get("source") if isinstance(cell, dict) else None
            strings = [source] if isinstance(source, str) else source if isinstance(source, list) else []
            pieces, offset = [], 0
            for value in strings:
                if isinstance(value, _Located):
                    pieces.append(_piece(text, value, offset))
                    offset += len(value)
            cells[index] = ("".join(s for s in strings if isinstance(s, str)), pieces)
        return cls(text, cells)

    def position(self, cell: int | None, line: int, column: int) -> Position | None:
        """The JSON text's (1-based) position of a cell's (1-based) line and column."""
        if cell not in self.cells:
            return None
        source, pieces = self.cells[cell]
        if not pieces:
            return None
        starts = [0] + [i + 1 for i, char in enumerate(source) if char == "\n"]
        row = min(max(line - 1, 0), len(starts) - 1)
        end = starts[row + 1] - 1 if row + 1 < len(starts) else len(source)
        offset = min(starts[row] + max(column - 1, 0), end)
        found = bisect_right([p.cell_offset for p in pieces], offset) - 1
        piece = pieces[max(found, 0)]
        raw = piece.raw_offset(offset - piece.cell_offset)
        json_row = bisect_right(self.line_starts, raw) - 1
        return Position(line=json_row + 1, column=raw - self.line_starts[json_row] + 1)

    def range(self, cell: int | None, rng: Range) -> Range | None:
        start = self.position(cell, rng.start.line, rng.start.column)
        end = self.position(cell, rng.end.line, rng.end.column)
        return Range(start=start, end=end) if start is not None and end is not None else None


def onto_json(report: FileReport, text: str) -> FileReport:
    """The report with every cell position moved onto the JSON text (cells dropped). A report of
    text that is no notebook (malformed JSON: its `malformed` error says why) is returned as it is."""
    mapped = NotebookText.of(text)
    if mapped is None:
        return report
    top = Range.of(1, 1, 1, 1)  # a finding outside every cell (none should be): the first line
    findings = [
        f.model_copy(update={"range": mapped.range(f.cell, f.range) or top, "cell": None}) for f in report.findings
    ]
    sites = []
    for site in report.sites:
        rng = mapped.range(site.cell, site.range) or site.range
        sites.append(site.model_copy(update={"range": rng, "cell": None}))
    errors = [_error_onto(error, mapped) for error in report.errors]
    return report.model_copy(update={"findings": findings, "sites": sites, "errors": errors})


def _error_onto(error: FileError, mapped: NotebookText) -> FileError:
    if error.cell is None or error.line is None:
        return error
    start = error.range.start if error.range else Position(line=error.line, column=1)
    end = error.range.end if error.range else Position(line=error.line, column=10**6)
    rng = mapped.range(error.cell, Range(start=start, end=end))
    if rng is None:
        return error.model_copy(update={"cell": None, "line": None, "range": None})
    return error.model_copy(update={"cell": None, "line": rng.start.line, "range": rng})
