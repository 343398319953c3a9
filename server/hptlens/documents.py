"""Documents: the text to analyse, its language, and the cell <-> line map of notebooks.

The analysis core works on a `Document` and never touches the file system; the
workspace layer (files) and the language server (editor buffers) both build them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

from hptlens.report import Language

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
}


def detect_language(path: str) -> Language:
    return _SUFFIXES.get(PurePath(path).suffix.lower(), Language.UNKNOWN)


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

    @classmethod
    def from_text(cls, path: str, text: str, language: Language | None = None) -> Document:
        return cls(path=path, text=text, language=language or detect_language(path))

    def cell_of(self, line: int) -> tuple[int | None, int]:
        """Map a 1-based line of the text to (cell index, 1-based line inside that cell)."""
        for span in self.cells:
            if span.first_line <= line < span.first_line + max(span.line_count, 1):
                return span.index, line - span.first_line + 1
        return None, line
