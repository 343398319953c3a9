"""Documents: the text to analyse, its language, and the cell <-> line map of notebooks.

The analysis core works on a `Document` and never touches the file system; the
workspace layer (files) and the language server (editor buffers) both build them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from hptlens.report import FileError, Language

_SUFFIXES: dict[str, Language] = {
    ".py": Language.PYTHON,
    ".pyi": Language.PYTHON,
    ".pyw": Language.PYTHON,
    ".ipynb": Language.NOTEBOOK,
    ".cpp": Language.CPP,
    ".cc": Language.CPP,
    ".cxx": Language.CPP,
    ".c++": Language.CPP,
    ".hpp": Language.CPP,
    ".hh": Language.CPP,
    ".hxx": Language.CPP,
    ".h": Language.CPP,
    ".yaml": Language.YAML,
    ".yml": Language.YAML,
    ".json": Language.JSON,
    ".sh": Language.SHELL,
    ".bash": Language.SHELL,
    ".slurm": Language.SHELL,
    ".sbatch": Language.SHELL,
    ".pbs": Language.SHELL,
}
_SHEBANG = re.compile(rb"#![ \t]*/\S*/(?:env[ \t]+(?:-\S+[ \t]+)*)?(?:ba|da|k|z)?sh\b")


_SURROGATE = re.compile("[\ud800-\udfff]")


def replace_surrogates(text: str) -> tuple[str, int, int]:
    """(text with each surrogate code point replaced by U+FFFD, how many, 1-based line of the first).

    U+FFFD takes one code point, one UTF-16 unit and three UTF-8 bytes, as a surrogate does
    (encoded with surrogatepass), so every position in every unit stays where it was.
    """
    if text.isascii():
        return text, 0, 0
    first = _SURROGATE.search(text)
    if first is None:
        return text, 0, 0
    cleaned, count = _SURROGATE.subn("\ufffd", text)
    return cleaned, count, text.count("\n", 0, first.start()) + 1


def detect_language(path: str, head: bytes | None = None) -> Language:
    """The language of a file by its suffix; a file without one is shell when `head` (its first
    bytes, if the caller read them) starts with a sh/bash shebang."""
    language = _SUFFIXES.get(PurePath(path).suffix.lower(), Language.UNKNOWN)
    if language is Language.UNKNOWN and head is not None and not PurePath(path).suffix and _SHEBANG.match(head):
        return Language.SHELL
    return language


@dataclass(frozen=True)
class CellSpan:
    """Where one notebook cell sits in the concatenated program text."""

    index: int
    """0-based index among all cells of the notebook (markdown included)."""
    first_line: int
    """1-based line of the cell's first line in the concatenated text."""
    line_count: int


@dataclass
class Document:
    path: str
    """The path as reported: relative to the scan root, '/'-separated, or a URI."""
    text: str
    language: Language = Language.UNKNOWN
    cells: list[CellSpan] = field(default_factory=list)
    """Empty for plain files; for notebooks, the code cells in order."""
    warnings: list[FileError] = field(default_factory=list)
    """Problems met while building the document (a notebook cell without source, a lone
    surrogate); the analysis reports them in the file's `errors`, they never stop it."""
    shell: str = ""
    """Notebooks: what the cells run in the shell (`!cmd` lines, %%bash and %%sh cells) on the
    lines and columns of `text`, every other line empty; the shell analysis reads it."""

    def __post_init__(self) -> None:
        # One line model for every language: CRLF and a lone CR end a line as LF does (as in
        # LSP), so every parser sees LF and lines and columns stay what the editor shows.
        self.text = normalize_newlines(self.text)
        # Native code (tree-sitter) must only ever see valid UTF-8: a lone surrogate, which a
        # JSON escape or an editor buffer can carry, is not encodable and has crashed it.
        self.text, count, first = replace_surrogates(self.text)
        self.shell = replace_surrogates(normalize_newlines(self.shell))[0]
        if count:
            cell, line = self.cell_of(first)
            self.warnings.append(
                FileError(
                    code="decode-error",
                    line=line,
                    cell=cell,
                    message=f"{count} lone surrogate code point(s) (not valid Unicode) replaced by U+FFFD; "
                    "positions are unchanged",
                )
            )

    @classmethod
    def from_text(cls, path: str, text: str, language: Language | None = None) -> Document:
        return cls(path=path, text=text, language=language or detect_language(path))

    def cell_of(self, line: int) -> tuple[int | None, int]:
        """Map a 1-based line of the text to (cell index, 1-based line inside that cell)."""
        for span in self.cells:
            if span.first_line <= line < span.first_line + max(span.line_count, 1):
                return span.index, line - span.first_line + 1
        return None, line


# --------------------------------------------------------------------------- notebooks
#
# A notebook is analysed as one program: its code cells concatenated in order, each
# starting on a new line, so that an import in cell 0 resolves a call in cell 7. IPython
# syntax is not Python, so magics and shell escapes are neutralised line by line: every
# cell keeps its line count and every untouched line its columns, and positions map back
# to (cell, line in cell) through `Document.cells`.

CellKind = str
"""'code', 'markdown' or 'raw' (nbformat's cell_type; the editor's kinds map onto these)."""

TIME_LIKE_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
"""Cell magics that run the Python below them: only their `%%` line is neutralised.
Every other cell magic (%%bash, %%writefile, %%html, %%sql...) runs its body as something
else than notebook Python, so its whole cell becomes comments."""

_ASSIGNED_MAGIC = re.compile(r"^(\s*[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*)[%!]")
"""`files = !ls`, `t = %timeit -o f()`: keep the assignment, drop the magic."""


class NotebookError(ValueError):
    """A file that cannot be read as a notebook (not JSON, not a notebook, no cells)."""


def notebook_document(path: str, cells: list[tuple[int, CellKind, str]]) -> Document:
    """A notebook Document from (cell index among all cells, kind, source) triples.

    This is the form the language server has (cell texts, no file), and what
    `read_notebook` builds from disk, so both give the same analysis.
    """
    texts: list[str] = []
    shells: list[str] = []
    spans: list[CellSpan] = []
    line = 1
    for index, kind, source in sorted(cells, key=lambda cell: cell[0]):
        if kind != "code":
            continue
        text, shell = split_magics(normalize_newlines(source))
        shells.append(shell)
        # An empty cell still has one (empty) line, as in the editor; a 0-line span
        # would make `cell_of` give the next cell's first line to it.
        count = text.count("\n") + 1
        spans.append(CellSpan(index=index, first_line=line, line_count=count))
        texts.append(text)
        line += count
    shell = "\n".join(shells) if any(t.strip() for t in shells) else ""
    return Document(path=path, text="\n".join(texts), language=Language.NOTEBOOK, cells=spans, shell=shell)


def read_notebook(path: str, raw: str) -> Document:
    """A notebook Document from the .ipynb JSON text; NotebookError if it is no notebook.

    Any nbformat version nbformat reads is converted to version 4. Schema problems that
    do not stop reading are tolerated; a code cell without `source` is analysed as empty,
    with a warning in `Document.warnings`.
    """
    _check_notebook_json(raw)
    notebook = _nbformat_v4(raw)
    cells: list[tuple[int, CellKind, str]] = []
    warnings: list[FileError] = []
    for index, cell in enumerate(notebook.get("cells") or []):
        kind = str(cell.get("cell_type") or "")
        source = _cell_source(cell.get("source"))
        if kind == "code" and source is None:
            what = "no 'source'" if cell.get("source") is None else "a 'source' that is not text"
            warnings.append(
                FileError(code="malformed", cell=index, message=f"code cell {index} has {what}; analysed as empty")
            )
        cells.append((index, kind, source or ""))
    document = notebook_document(path, cells)
    document.warnings = [*warnings, *document.warnings]
    return document


_JSON_TYPES = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def _check_notebook_json(raw: str) -> None:
    """Parse and check the JSON enough that nbformat cannot fail obscurely on it.

    An empty `cells` list is a valid (empty) notebook; a missing one is not a notebook.
    """
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise NotebookError(f"malformed notebook: not valid JSON ({exc})") from None
    except RecursionError:
        raise NotebookError("malformed notebook: JSON nested too deeply to read") from None
    if not isinstance(data, dict):
        got = _JSON_TYPES.get(type(data), "a value")
        raise NotebookError(f"malformed notebook: expected a JSON object, got {got}")
    version = data.get("nbformat")
    if not isinstance(version, int) or isinstance(version, bool):
        raise NotebookError("malformed notebook: no integer 'nbformat' version field")
    if version >= 4:
        cells = data.get("cells")
        if not isinstance(cells, list):
            raise NotebookError("malformed notebook: no 'cells' list (is this a notebook?)")
        for index, cell in enumerate(cells):
            if not isinstance(cell, dict):
                raise NotebookError(f"malformed notebook: cell {index} is not a JSON object")


def _nbformat_v4(raw: str) -> Any:
    # nbformat.reads(raw, as_version=4) minus its validate() step: validation rejects
    # nothing (it only logs, to stderr, once per problem) and costs time; the checks that
    # matter here (cells present, cells are objects, source is text) are done by hand.
    import nbformat
    from nbformat.reader import reads

    try:
        return nbformat.convert(reads(raw), 4)
    except Exception as exc:  # nbformat raises many types (NBFormatError, ValidationError, ...)
        raise NotebookError(f"malformed notebook: {type(exc).__name__}: {exc}") from None


def _cell_source(source: Any) -> str | None:
    """nbformat joins list sources; anything else that is not text counts as missing."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    return None


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR as LF: line numbers and columns are unchanged in the LSP line model."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def neutralize_magics(source: str) -> str:
    """The cell with IPython magics, shell escapes and help syntax made plain Python.

    Lines keep their number; a neutralised line becomes `pass` (it may be the only
    statement of a block) with the original text as a comment, so later lines and the
    columns on them stay where they were.
    """
    return split_magics(source)[0]


def split_magics(source: str) -> tuple[str, str]:
    """(the cell as plain Python, see `neutralize_magics`; its shell commands, see `Document.shell`)."""
    lines = source.split("\n")
    shell = [""] * len(lines)
    if not any(mark in source for mark in "%!?"):
        return source, "\n".join(shell)  # most cells: nothing that could be a magic, skip the line scan
    first = next((i for i, text in enumerate(lines) if text.strip()), None)
    if first is not None and lines[first].startswith("%%"):
        words = lines[first][2:].split()
        if not words or words[0] not in TIME_LIKE_CELL_MAGICS:
            if words[:1] in (["bash"], ["sh"]) or words[:2] in (["script", "bash"], ["script", "sh"]):
                shell[first + 1 :] = lines[first + 1 :]
            return "\n".join(_comment(text) for text in lines), "\n".join(shell)
        lines[first] = _comment(lines[first])
        first += 1
    escaping = False  # the magic being continued is a shell escape
    for row, continued in _magic_rows(lines, first or 0):
        text = lines[row]
        shell[row] = (text if escaping else "") if continued else _shell_escape(text)
        escaping = bool(shell[row])
        lines[row] = _comment(text) if continued else _replace_magic(text)
    return "\n".join(lines), "\n".join(shell)


def _magic_rows(lines: list[str], start: int) -> list[tuple[int, bool]]:
    """Rows holding a magic, each with whether it continues the magic above (a backslash)."""
    scanner = _Scanner()
    rows: list[tuple[int, bool]] = []
    in_magic = False  # the previous line was a magic ending in a backslash
    for row in range(start, len(lines)):
        text = lines[row]
        if in_magic or (scanner.at_statement_start() and _is_magic(text)):
            rows.append((row, in_magic))
            in_magic = text.endswith("\\")
        else:
            scanner.feed(text)
    return rows


def _shell_escape(text: str) -> str:
    """`!python train.py` -> ` python train.py` (columns kept); a magic that is not a shell escape -> ''."""
    assigned = _ASSIGNED_MAGIC.match(text)
    head = len(assigned.group(1)) if assigned else len(text) - len(text.lstrip())
    bangs = len(text[head:]) - len(text[head:].lstrip("!"))
    return " " * (head + bangs) + text[head + bangs :] if bangs else ""


def _is_magic(text: str) -> bool:
    stripped = text.strip()
    if stripped.startswith(("%", "!", "?")) or _ASSIGNED_MAGIC.match(text):
        return True
    # `obj?` / `obj??` help; a `?` is never valid Python outside strings and comments.
    return stripped.endswith("?") and not any(c in stripped for c in "#'\"")


def _replace_magic(text: str) -> str:
    assigned = _ASSIGNED_MAGIC.match(text)
    if assigned:
        return f"{assigned.group(1)}None  # {text[assigned.end(1) :]}"
    indent = text[: len(text) - len(text.lstrip())]
    return f"{indent}pass  # {text.lstrip()}"


def _comment(text: str) -> str:
    return "#" + text if text else text


class _Scanner:
    """Tracks just enough Python lexing to know whether a line starts a statement: not
    inside a (triple-quoted or backslash-continued) string, brackets, or after a line
    ending in a backslash. `%` opening such a continuation line is the modulo operator."""

    def __init__(self) -> None:
        self.quote: str | None = None
        self.depth = 0
        self.continued = False

    def at_statement_start(self) -> bool:
        return self.quote is None and self.depth == 0 and not self.continued

    def feed(self, line: str) -> None:
        self.continued = False
        i = 0
        while i < len(line):
            char = line[i]
            if self.quote is not None:
                i = self._in_string(line, i)
                continue
            if char == "#":
                break
            if char in "'\"":
                self.quote = line[i : i + 3] if line[i : i + 3] == char * 3 else char
                i += len(self.quote)
                continue
            if char == "\\" and i == len(line) - 1:
                self.continued = True
            elif char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            i += 1
        if self.quote is not None and len(self.quote) == 1 and not line.endswith("\\"):
            self.quote = None  # an unterminated one-line string ends with its line

    def _in_string(self, line: str, i: int) -> int:
        assert self.quote is not None
        if line[i] == "\\":
            return i + 2
        if line.startswith(self.quote, i):
            end = i + len(self.quote)
            self.quote = None
            return end
        return i + 1
