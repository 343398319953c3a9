"""The report schema: pydantic models that are the single source of truth.

`schema/hpt-report.schema.json` is generated from `Report` (see `hptlens schema`);
a test keeps the committed file in sync. Everything that leaves the analysis core
(LSP conversions, CLI output, exports, evaluation) is built from these models.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticSerializationError

from hptlens.safetext import valid_unicode

SCHEMA_VERSION = "1.0"
HAND_WRITTEN = "hand-written"
"""The library of a search written by hand (loops, random sampling), not left to an HPO library."""
UNNAMED = "?"
"""The name of a dimension whose name the code does not say (a dlib bound vector's element)."""

JsonScalar = str | int | float | bool | None


if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - exercised on 3.10 only

    class StrEnum(str, Enum):
        """enum.StrEnum of Python 3.11: members are strings, their own value as text."""

        def __str__(self) -> str:
            return str(self.value)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FindingKind(StrEnum):
    SEARCH_SPACE = "search-space"
    SEARCH_RUN = "search-run"
    SCHEDULER = "scheduler"
    HAND_LOOP = "hand-loop"
    SWEEP_CONFIG = "sweep-config"
    TUNED_CONFIG = "tuned-config"


class Criterion(StrEnum):
    """The seed study's four criteria for 'tuning is applied'."""

    AUTO_TUNING = "auto-tuning"
    AUTO_HAND_TUNING = "auto/hand-tuning"
    HAND_TUNING = "hand-tuning"
    PARAMETERIZATION = "parameterization"


class Language(StrEnum):
    PYTHON = "python"
    NOTEBOOK = "notebook"
    CPP = "cpp"
    YAML = "yaml"
    JSON = "json"
    SHELL = "shell"
    UNKNOWN = "unknown"


class Position(Model):
    line: int = Field(ge=1, description="1-based line")
    column: int = Field(ge=1, description="1-based column, in code points")


class Range(Model):
    start: Position
    end: Position

    @classmethod
    def of(cls, start_line: int, start_col: int, end_line: int, end_col: int) -> Range:
        return cls(
            start=Position(line=start_line, column=start_col),
            end=Position(line=end_line, column=end_col),
        )


class SpaceType(StrEnum):
    FLOAT = "float"
    INT = "int"
    CATEGORICAL = "categorical"
    GRID = "grid"
    """An explicit list of values tried one after another (grid_search, hand loops)."""
    UNKNOWN = "unknown"


class SearchSpace(Model):
    """One dimension's domain. Only what the code states literally is filled in."""

    type: SpaceType = SpaceType.UNKNOWN
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: list[JsonScalar] | None = None
    values: list[JsonScalar] | None = None
    distribution: str | None = Field(
        default=None, description="library distribution name, e.g. 'loguniform', 'hp.quniform'"
    )

    def describe(self) -> str:
        """A short human form: '[1e-05, 0.01], log', '3 values: 0.1, 0.01, 0.001'."""
        if self.low is not None or self.high is not None:
            text = f"[{_num(self.low)}, {_num(self.high)}]"
            if self.step is not None:
                text += f" step {_num(self.step)}"
            if self.log:
                text += ", log"
            return text
        items = self.choices if self.choices is not None else self.values
        if items is not None:
            shown = ", ".join(_num(v) for v in items[:6]) + (", ..." if len(items) > 6 else "")
            return f"{{{shown}}}" if self.choices is not None else f"{len(items)} values: {shown}"
        return self.distribution or "unknown domain"


def _num(value: Any) -> str:
    if value is None:
        return "?"
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value) if isinstance(value, str) else str(value)


class Hyperparameter(Model):
    name: str
    space: SearchSpace | None = None


class Finding(Model):
    kind: FindingKind
    category: Criterion
    library: str = Field(description="display name of the library or 'hand-written'")
    method: str | None = Field(default=None, description="HPO method, e.g. 'TPE', 'PBT', 'grid search'")
    message: str
    range: Range
    cell: int | None = Field(
        default=None, description="0-based cell index for notebooks; range lines then count inside it"
    )
    hyperparameters: list[Hyperparameter] = Field(default_factory=list)
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    source: Literal["static", "llm", "both"] = "static"
    site: str | None = Field(default=None, description="id of the site this finding belongs to")
    api: str | None = Field(default=None, description="the catalog API that matched, e.g. 'optuna.create_study'")


class Site(Model):
    """Findings that belong to one search (a study, a Tuner, one hand loop)."""

    id: str
    library: str
    method: str | None = None
    categories: list[Criterion]
    range: Range
    cell: int | None = None
    hyperparameters: list[Hyperparameter] = Field(default_factory=list)
    budget: str | None = Field(default=None, description="e.g. '100 trials', '50 samples'")
    findings: list[int] = Field(description="indices into the file report's findings")
    summary: str


class Criteria(Model):
    auto_tuning: bool = False
    auto_hand_tuning: bool = False
    hand_tuning: bool = False
    parameterization: bool = False

    @classmethod
    def of(cls, categories: set[Criterion] | set[str]) -> Criteria:
        values = {Criterion(c) for c in categories}
        return cls(
            auto_tuning=Criterion.AUTO_TUNING in values,
            auto_hand_tuning=Criterion.AUTO_HAND_TUNING in values,
            hand_tuning=Criterion.HAND_TUNING in values,
            parameterization=Criterion.PARAMETERIZATION in values,
        )

    def names(self) -> list[str]:
        pairs = [
            (self.auto_tuning, Criterion.AUTO_TUNING),
            (self.auto_hand_tuning, Criterion.AUTO_HAND_TUNING),
            (self.hand_tuning, Criterion.HAND_TUNING),
            (self.parameterization, Criterion.PARAMETERIZATION),
        ]
        return [str(c) for flag, c in pairs if flag]


ErrorCode = Literal[
    "syntax-error",
    "decode-error",
    "too-large",
    "binary",
    "unreadable",
    "symlink-loop",
    "outside-root",
    "malformed",
    "too-deep",
    "internal-error",
    "llm-error",
]
RefKind = Literal["hydra-main", "hydra-compose", "hydra-defaults", "hyperparams", "sweep-launch"]


class FileError(Model):
    code: ErrorCode
    message: str
    line: int | None = None
    cell: int | None = None
    range: Range | None = Field(default=None, description="where the error is (a syntax error's first line)")
    hides_findings: bool | None = Field(
        default=None,
        description="syntax errors: whether code around the error went unanalysed (findings there may be missing)",
    )


class RLContext(Model):
    algorithms: list[str] = Field(default_factory=list, description="e.g. PPO, DQN")
    frameworks: list[str] = Field(default_factory=list, description="e.g. Stable-Baselines3, RLlib")
    environments: list[str] = Field(default_factory=list, description="environment ids, e.g. CartPole-v1")


class ConfigRef(Model):
    """A config file this file names: what hydra loads, what a hyperparameter-file load reads.

    The workspace resolves these after a scan (cross-file links: a `@hydra.main` whose
    config defines a sweep is reported as tuning at the decorator; a shell `wandb sweep FILE`
    is linked to that sweep config, "sweep-launch").
    """

    kind: RefKind
    config_path: str | None = Field(
        default=None,
        description="folder as written (hydra's config_path, a defaults group), relative to the "
        "referring file's folder; null when not given",
    )
    config_name: str | None = Field(default=None, description="config name as written, usually without '.yaml'")
    line: int = Field(ge=1, description="1-based line of the reference; in notebooks over the concatenated cells")
    range: Range
    cell: int | None = None


class FileReport(Model):
    path: str
    language: Language
    tuning_applied: bool = False
    criteria: Criteria = Field(default_factory=Criteria)
    libraries: list[str] = Field(default_factory=list)
    hyperparameters: list[str] = Field(default_factory=list)
    line_numbers: list[int] = Field(
        default_factory=list,
        description="1-based start lines of all findings; in notebooks counted over the code cells "
        "concatenated in order (each finding's `cell` and `range` give the in-cell position)",
    )
    findings: list[Finding] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)
    rl_context: RLContext = Field(default_factory=RLContext)
    config_refs: list[ConfigRef] = Field(
        default_factory=list, description="config files this file refers to (hydra configs, hyperparameter files)"
    )
    errors: list[FileError] = Field(default_factory=list)
    lines: int = Field(default=0, description="number of lines analysed")

    def summarize(self, lines: Iterable[int] = ()) -> None:
        """Derive the summary fields from the findings: the one place they are computed.

        tuning_applied, criteria, libraries (not hand-written), hyperparameters (named ones) and
        line_numbers, each added to what the report already claims (an LLM-only answer claims some).
        `lines` are the findings' start lines over the whole text, which a notebook finding's
        in-cell range does not give; a finding outside any cell counts its own start line.
        """
        findings = self.findings
        self.tuning_applied = self.tuning_applied or bool(findings)
        self.criteria = Criteria.of({*self.criteria.names(), *(f.category for f in findings)})
        self.libraries = sorted({*self.libraries, *(f.library for f in findings if f.library != HAND_WRITTEN)})
        named = (h.name for f in findings for h in f.hyperparameters if h.name != UNNAMED)
        self.hyperparameters = sorted({*self.hyperparameters, *named})
        own = (f.range.start.line for f in findings if f.cell is None)
        self.line_numbers = sorted({*self.line_numbers, *own, *lines})


class Tool(Model):
    name: str = "hptlens"
    version: str


class Summary(Model):
    files: int = 0
    files_with_tuning: int = 0
    files_with_errors: int = 0
    findings: int = 0
    sites: int = 0
    lines: int = 0
    by_kind: dict[str, int] = Field(default_factory=dict)
    by_library: dict[str, int] = Field(default_factory=dict)
    by_criterion: dict[str, int] = Field(default_factory=dict)


class Report(Model):
    schema_version: str = SCHEMA_VERSION
    tool: Tool
    files: list[FileReport] = Field(default_factory=list)
    summary: Summary = Field(default_factory=Summary)


def summarize(files: list[FileReport]) -> Summary:
    summary = Summary(files=len(files))
    for report in files:
        summary.lines += report.lines
        summary.findings += len(report.findings)
        summary.sites += len(report.sites)
        summary.files_with_tuning += report.tuning_applied
        summary.files_with_errors += bool(report.errors)
        for finding in report.findings:
            summary.by_kind[finding.kind] = summary.by_kind.get(finding.kind, 0) + 1
        for library in report.libraries:
            summary.by_library[library] = summary.by_library.get(library, 0) + 1
        for name in report.criteria.names():
            summary.by_criterion[name] = summary.by_criterion.get(name, 0) + 1
    summary.by_kind = dict(sorted(summary.by_kind.items()))
    summary.by_library = dict(sorted(summary.by_library.items()))
    summary.by_criterion = dict(sorted(summary.by_criterion.items()))
    return summary


def unicode_safe(file: FileReport) -> FileReport:
    """The report with every string encodable as UTF-8, so that every format can write it.

    Surrogates (a file name that is not UTF-8, a JSON escape in an analysed config) are
    replaced (see `safetext.valid_unicode`) and a `decode-error` entry says so.
    """
    try:
        file.model_dump_json()
        return file
    except PydanticSerializationError:
        pass
    fixed = FileReport.model_validate(_valid_strings(file.model_dump()))
    if fixed.path != file.path:
        message = "the file name is not valid UTF-8: its undecodable bytes are shown as \\xNN"
    else:
        message = "names or text in the file hold lone surrogates (not valid Unicode): shown as U+FFFD"
    fixed.errors.append(FileError(code="decode-error", message=message))
    return fixed


def _valid_strings(value: Any) -> Any:
    if isinstance(value, str):
        return valid_unicode(value)
    if isinstance(value, dict):
        return {_valid_strings(k): _valid_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_valid_strings(v) for v in value]
    return value


def build_report(files: list[FileReport]) -> Report:
    from hptlens import __version__

    ordered = sorted((unicode_safe(f) for f in files), key=lambda f: f.path)
    return Report(tool=Tool(version=__version__), files=ordered, summary=summarize(ordered))


def report_json(report: Report) -> str:
    """Deterministic JSON: same input, byte-identical output."""
    return report.model_dump_json(indent=2) + "\n"


def report_schema() -> dict[str, Any]:
    schema = Report.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://hptlens.dev/schema/hpt-report.schema.json"
    return schema
