"""The seed study's layout: `{"examples": [{filename, language, environment, ...}]}`.

`to_legacy` writes it from a `Report`; `from_legacy` reads it back, tolerant of how people
and LLMs fill it in, so that such files can be scored by `hptlens eval`.

Notebook lines. `line_numbers` holds a file report's `line_numbers` as they are (in
notebooks: lines of the code cells concatenated). Ground truth addresses notebook lines as
"CELL:LINE" (0-based cell, 1-based line inside it), so `to_legacy` also writes
`cell_lines: ["CELL:LINE", ...]` for notebook findings, and `from_legacy` accepts such
strings in either field. Each "CELL:LINE" read becomes a `Finding` with that `cell` and
start line (kind `search-run`, message "line reported in the legacy layout"), which is what
`hptlens.evaluate` scores. When a file has such lines, its plain lines from
`line_numbers` become findings too, unless they came with `cell_lines` (then they are the
same findings counted over the concatenated cells and stay in `line_numbers` only).

Accepted input, field by field (anything else raises `ValueError` naming
`examples[i].field`):
- filename (or path/file): a non-empty string; backslashes become '/'.
- language: Python / Jupyter notebook / ipynb / C++ / cpp / YAML / JSON, any case; when
  missing, taken from the file name; Python with a notebook environment or .ipynb name is
  a notebook.
- hyperparameter_tuning_applied (or tuning_applied): a bool, 0/1, or yes/no/true/false/y/n
  (required).
- line_numbers, cell_lines: ints, numeric strings, "12-15" ranges, "CELL:LINE" and
  "CELL:12-15", "line 12", comma-separated strings, {"line": n, "cell": c} or
  {"start": a, "end": b} objects.
- hyperparameters: a list of names, of {"name": ...} objects, or of "name: description"
  strings; an object keyed by name; a comma-separated string.
- libraries: a list of names (or {"name": ...}); a comma-separated string.
- specific_criteria: a list, a comma-separated string, or an object of booleans, with
  names as in the report ("auto-tuning", "auto/hand-tuning", "hand-tuning",
  "parameterization") or close spellings (underscores, spaces, "(a) ..." labels).
- errors (written by `to_legacy` for files with errors): a list of FileError objects.
Other keys (technique, environment notes, comments) are ignored.
"""

from __future__ import annotations

import re
from typing import Any, TypeGuard

from pydantic import ValidationError

from hptlens.documents import detect_language
from hptlens.report import (
    HAND_WRITTEN,
    Criteria,
    Criterion,
    FileError,
    FileReport,
    Finding,
    FindingKind,
    Language,
    Range,
    Report,
)

MAX_RANGE_SPAN = 10_000
"""Longest "a-b" line range accepted: guards against a typo expanding to millions of lines."""

_LANGUAGE_OUT: dict[Language, tuple[str, str]] = {
    Language.PYTHON: ("Python", "Python script"),
    Language.NOTEBOOK: ("Jupyter notebook (Python)", "Jupyter notebook"),
    Language.CPP: ("C++", "C++ source"),
    Language.YAML: ("YAML", "configuration file"),
    Language.JSON: ("JSON", "configuration file"),
    Language.SHELL: ("Shell", "shell script"),
    Language.UNKNOWN: ("unknown", "unknown"),
}


def seed_language(language: Language) -> tuple[str, str]:
    """The seed layout's `language` and `environment` texts for a language."""
    return _LANGUAGE_OUT[language]


LineKey = tuple[int | None, int]
"""(cell or None, 1-based line)."""


# --------------------------------------------------------------------------- writing


def _ordered_findings(report: FileReport) -> list[Finding]:
    def key(f: Finding) -> tuple[int, int, int]:
        return (-1 if f.cell is None else f.cell, f.range.start.line, f.range.start.column)

    return sorted(report.findings, key=key)


def technique(report: FileReport) -> str:
    """A short human text of the libraries and methods, e.g. 'Optuna (TPE, Hyperband)'."""
    if not report.tuning_applied:
        return "none"
    methods: dict[str, list[str]] = {}  # library -> its methods, in order of appearance
    for finding in _ordered_findings(report):
        found = methods.setdefault(finding.library, [])
        if finding.method and finding.method not in found:
            found.append(finding.method)
    for library in report.libraries:
        methods.setdefault(library, [])
    if not methods:
        return ", ".join(report.criteria.names()) or "hyperparameter tuning"
    return ", ".join(_technique_part(library, found) for library, found in methods.items())


def _technique_part(library: str, methods: list[str]) -> str:
    if library == HAND_WRITTEN:
        return "hand-written " + (", ".join(methods) or "search loop")
    return f"{library} ({', '.join(methods)})" if methods else library


def _hyperparameter_spaces(report: FileReport) -> dict[str, str | None]:
    spaces: dict[str, str | None] = {name: None for name in report.hyperparameters}
    for finding in _ordered_findings(report):
        for hp in finding.hyperparameters:
            if spaces.get(hp.name) is None:
                spaces[hp.name] = hp.space.describe() if hp.space is not None else None
    return spaces


def _cell_lines(report: FileReport) -> list[str]:
    keys = {(f.cell, f.range.start.line) for f in report.findings if f.cell is not None}
    return [f"{cell}:{line}" for cell, line in sorted(keys)]


def to_legacy_example(report: FileReport) -> dict[str, Any]:
    language, environment = seed_language(report.language)
    example: dict[str, Any] = {
        "filename": report.path,
        "language": language,
        "environment": environment,
        "technique": technique(report),
        "hyperparameter_tuning_applied": report.tuning_applied,
        "line_numbers": list(report.line_numbers),
        "hyperparameters": _hyperparameter_spaces(report),
        "libraries": list(report.libraries),
        "specific_criteria": report.criteria.names(),
    }
    cell_lines = _cell_lines(report)
    if cell_lines:
        example["cell_lines"] = cell_lines
    if report.errors:
        example["errors"] = [e.model_dump(mode="json", exclude_none=True) for e in report.errors]
    return example


def to_legacy(report: Report) -> dict[str, Any]:
    """The report in the seed study's layout, one example per file, sorted by path."""
    files = sorted(report.files, key=lambda f: f.path)
    return {"examples": [to_legacy_example(f) for f in files]}


# --------------------------------------------------------------------------- reading


def is_legacy(data: Any) -> bool:
    """Whether parsed JSON looks like the seed layout (and not our report)."""
    if isinstance(data, dict) and "files" not in data:
        examples = data.get("examples")
    elif isinstance(data, list) and data:
        examples = data
    else:
        return False
    if not isinstance(examples, list) or not all(isinstance(e, dict) for e in examples):
        return False
    marked = any("filename" in e or "hyperparameter_tuning_applied" in e for e in examples)
    return marked or (not examples and isinstance(data, dict))


def from_legacy(data: Any) -> list[FileReport]:
    """File reports from the seed layout (or a bare list of its examples)."""
    examples = data.get("examples") if isinstance(data, dict) else data
    if not isinstance(examples, list):
        raise ValueError("legacy: expected an object with an 'examples' list")
    reports: list[FileReport] = []
    seen: dict[str, int] = {}
    for index, example in enumerate(examples):
        report = _example(index, example)
        if report.path in seen:
            raise ValueError(
                f"legacy examples[{index}].filename: {report.path!r} repeats examples[{seen[report.path]}]"
            )
        seen[report.path] = index
        reports.append(report)
    return reports


class _Where:
    """Names the example and field in error messages."""

    def __init__(self, index: int) -> None:
        self.index = index

    def error(self, field: str, problem: str) -> ValueError:
        return ValueError(f"legacy examples[{self.index}].{field}: {problem}")


def _example(index: int, example: Any) -> FileReport:
    where = _Where(index)
    if not isinstance(example, dict):
        raise ValueError(f"legacy examples[{index}]: expected an object, got {type(example).__name__}")
    path = _filename(example, where)
    language = _language(example, path, where)
    tuning = _verdict(example, where)
    criteria = _criteria(example.get("specific_criteria"), where)
    libraries = _names(example.get("libraries"), "libraries", where)
    plain, findings = _positions(example, criteria, libraries, where)
    return FileReport(
        path=path,
        language=language,
        tuning_applied=tuning,
        criteria=Criteria.of(set(criteria)),
        libraries=libraries,
        hyperparameters=_hyperparameter_names(example.get("hyperparameters"), where),
        line_numbers=plain,
        findings=findings,
        errors=_errors(example.get("errors"), where),
    )


def _verdict(example: dict[str, Any], where: _Where) -> bool:
    for key in ("hyperparameter_tuning_applied", "tuning_applied"):
        if key in example:
            return _bool(example[key], key, where)
    raise where.error("hyperparameter_tuning_applied", "missing")


def _positions(
    example: dict[str, Any], criteria: list[Criterion], libraries: list[str], where: _Where
) -> tuple[list[int], list[Finding]]:
    """The plain line numbers, and stand-in findings when any line is "CELL:LINE"."""
    plain, cells = _lines(example.get("line_numbers"), "line_numbers", where)
    extra_plain, extra_cells = _lines(example.get("cell_lines"), "cell_lines", where)
    if extra_plain:
        raise where.error("cell_lines", f"expected 'CELL:LINE' entries, got plain lines {extra_plain[:3]}")
    keys: list[tuple[int | None, int]] = [(cell, line) for cell, line in cells + extra_cells]
    if cells and not extra_cells:  # with cell_lines, plain lines are the same findings again
        keys += [(None, line) for line in plain]
    return plain, _findings(keys, criteria, libraries) if keys else []


def _filename(example: dict[str, Any], where: _Where) -> str:
    for key in ("filename", "path", "file"):
        value = example.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip().replace("\\", "/")
        if value is not None:
            raise where.error(key, f"expected a file name, got {value!r}")
    raise where.error("filename", "missing")


def _language(example: dict[str, Any], path: str, where: _Where) -> Language:
    value = example.get("language")
    environment = str(example.get("environment") or "").lower()
    from_name = detect_language(path)
    if value is None or (isinstance(value, str) and not value.strip()):
        language = from_name
    elif isinstance(value, str):
        named = _language_of(value)
        if named is None:
            raise where.error("language", f"unknown language {value!r}")
        language = named
    else:
        raise where.error("language", f"expected a string, got {value!r}")
    notebook_hint = "notebook" in environment or "jupyter" in environment
    if language == Language.PYTHON and (notebook_hint or from_name == Language.NOTEBOOK):
        return Language.NOTEBOOK
    return language


def _language_of(text: str) -> Language | None:
    low = text.strip().lower()
    checks = [
        (("notebook", "jupyter", "ipynb", "ipython"), Language.NOTEBOOK),
        (("c++", "cpp", "cxx"), Language.CPP),
        (("yaml", "yml"), Language.YAML),
        (("json",), Language.JSON),
        (("shell", "bash"), Language.SHELL),
        (("python", "py"), Language.PYTHON),
    ]
    for words, language in checks:
        if any(word in low for word in words):
            return language
    return Language.UNKNOWN if low == "unknown" else None


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def _bool(value: Any, field: str, where: _Where) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise where.error(field, f"expected true/false or yes/no, got {value!r}")


_CRITERIA: dict[str, Criterion] = {
    "auto-tuning": Criterion.AUTO_TUNING,
    "autotuning": Criterion.AUTO_TUNING,
    "auto/hand-tuning": Criterion.AUTO_HAND_TUNING,
    "auto-hand-tuning": Criterion.AUTO_HAND_TUNING,
    "auto/hand": Criterion.AUTO_HAND_TUNING,
    "auto/handtuning": Criterion.AUTO_HAND_TUNING,
    "hand-tuning": Criterion.HAND_TUNING,
    "handtuning": Criterion.HAND_TUNING,
    "parameterization": Criterion.PARAMETERIZATION,
    "parameterisation": Criterion.PARAMETERIZATION,
    "parametrization": Criterion.PARAMETERIZATION,
    "parametrisation": Criterion.PARAMETERIZATION,
}
_NONE_WORDS = {"", "none", "n/a", "na", "-", "null"}


def _criterion(text: str, where: _Where) -> Criterion | None:
    key = text.strip().lower().replace("*", "").replace("`", "")
    key = re.sub(r"^\(?[a-e]\)\s*", "", key)  # the seed's "(a) auto-tuning" labels
    key = re.sub(r"[\s_]+", "-", key.strip())
    if key in _NONE_WORDS:
        return None
    if key not in _CRITERIA:
        raise where.error("specific_criteria", f"unknown criterion {text!r}")
    return _CRITERIA[key]


def _criteria(value: Any, where: _Where) -> list[Criterion]:
    if value is None:
        return []
    if isinstance(value, dict):
        items = [k for k, v in value.items() if _bool(v, f"specific_criteria.{k}", where)]
    elif isinstance(value, str):
        items = re.split(r"[,;]", value)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        items = value
    else:
        raise where.error("specific_criteria", f"expected a list of names, got {value!r}")
    found = [c for c in (_criterion(item, where) for item in items) if c is not None]
    return sorted(set(found), key=list(Criterion).index)


def _split_names(value: Any, field: str, where: _Where) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return re.split(r"[,;]", value)
    if isinstance(value, dict):
        return [str(k) for k in value]
    if not isinstance(value, list):
        raise where.error(field, f"expected a list of names, got {value!r}")
    names = []
    for item in value:
        if isinstance(item, dict):
            item = next((item[k] for k in ("name", "hyperparameter", "parameter", "library") if k in item), None)
        if not isinstance(item, str):
            raise where.error(field, f"expected a name, got {item!r}")
        names.append(item)
    return names


def _dedupe(names: list[str]) -> list[str]:
    return list(dict.fromkeys(n for n in names if n))


def _names(value: Any, field: str, where: _Where) -> list[str]:
    return _dedupe([n.strip() for n in _split_names(value, field, where)])


def _hyperparameter_names(value: Any, where: _Where) -> list[str]:
    # "learning_rate: [1e-5, 1e-2]" or "gamma (0.9-0.99)" -> the name before the description
    names = _split_names(value, "hyperparameters", where)
    return _dedupe([re.split(r"[:=(\[]", n, maxsplit=1)[0].strip().strip("`'\"") for n in names])


_CELL_LINE = re.compile(r"(\d+)\s*:\s*(\d+)(?:\s*-\s*(\d+))?")
_PLAIN_LINE = re.compile(r"(\d+)(?:\s*-\s*(\d+))?")
_LINE_WORD = re.compile(r"^(?:lines?|l)\s*\.?\s*", re.IGNORECASE)


def _span(first: int, last: int | None, field: str, where: _Where) -> range:
    last = first if last is None else last
    if first < 1 or last < first or last - first > MAX_RANGE_SPAN:
        raise where.error(field, f"invalid line range {first}-{last}")
    return range(first, last + 1)


def _line_text(text: str, field: str, where: _Where) -> list[LineKey]:
    part = _LINE_WORD.sub("", text.strip())
    if match := _CELL_LINE.fullmatch(part):
        cell = int(match[1])
        return [(cell, n) for n in _span(int(match[2]), _opt_int(match[3]), field, where)]
    if match := _PLAIN_LINE.fullmatch(part):
        return [(None, n) for n in _span(int(match[1]), _opt_int(match[2]), field, where)]
    raise where.error(field, f"cannot read {text!r} as a line number")


def _opt_int(text: str | None) -> int | None:
    return None if text is None else int(text)


def _line_object(item: dict[str, Any], field: str, where: _Where) -> list[LineKey]:
    cell = item.get("cell")
    if cell is not None and (not isinstance(cell, int) or isinstance(cell, bool) or cell < 0):
        raise where.error(field, f"invalid cell in {item!r}")
    first = item.get("line", item.get("start"))
    last = item.get("end", first)
    if not (_is_int(first) and _is_int(last)):
        raise where.error(field, f"cannot read {item!r} as a line number")
    return [(cell, n) for n in _span(first, last, field, where)]


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _line_item(item: Any, field: str, where: _Where) -> list[LineKey]:
    if isinstance(item, bool):
        raise where.error(field, f"cannot read {item!r} as a line number")
    if isinstance(item, float) and item.is_integer():
        item = int(item)
    if isinstance(item, int):
        return [(None, n) for n in _span(item, None, field, where)]
    if isinstance(item, str):
        parts = [p for p in re.split(r"[,;]", item) if p.strip()]
        return [key for part in parts for key in _line_text(part, field, where)]
    if isinstance(item, dict):
        return _line_object(item, field, where)
    raise where.error(field, f"cannot read {item!r} as a line number")


def _lines(value: Any, field: str, where: _Where) -> tuple[list[int], list[tuple[int, int]]]:
    """Plain lines and (cell, line) pairs, each sorted and unique."""
    if value is None:
        return [], []
    items = value if isinstance(value, list) else [value]
    keys = {key for item in items for key in _line_item(item, field, where)}
    plain = sorted(line for cell, line in keys if cell is None)
    cells = sorted((cell, line) for cell, line in keys if cell is not None)
    return plain, cells


def _findings(keys: list[tuple[int | None, int]], criteria: list[Criterion], libraries: list[str]) -> list[Finding]:
    """Stand-in findings that carry the reported positions (see the module docstring)."""
    category = criteria[0] if criteria else Criterion.HAND_TUNING
    library = libraries[0] if libraries else "unknown"
    ordered = sorted(set(keys), key=lambda k: (-1 if k[0] is None else k[0], k[1]))
    return [
        Finding(
            kind=FindingKind.SEARCH_RUN,
            category=category,
            library=library,
            message="line reported in the legacy layout",
            range=Range.of(line, 1, line, 1),
            cell=cell,
        )
        for cell, line in ordered
    ]


def _errors(value: Any, where: _Where) -> list[FileError]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise where.error("errors", f"expected a list, got {value!r}")
    try:
        return [FileError.model_validate(item) for item in value]
    except ValidationError as exc:
        raise where.error("errors", str(exc)) from exc
