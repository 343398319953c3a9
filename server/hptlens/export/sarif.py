"""SARIF 2.1.0 export: one run, one rule per finding kind, one result per finding.

Positions are copied from our `Range` (1-based lines and columns, columns in code
points, hence `columnKind: unicodeCodePoints`). In notebooks a finding's range counts
inside its cell: the region keeps those in-cell numbers and `properties.cell` names the
(0-based) cell, because the lines of the .ipynb JSON file mean nothing to a reader.
File errors become tool execution notifications; the scan itself still succeeded.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from hptlens.report import FileError, FileReport, Finding, FindingKind, Report

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://hptlens.dev"
SRCROOT = "%SRCROOT%"

# Error codes after which the file still has (partial) results: a warning, not an error.
_WARNING_CODES = frozenset({"syntax-error", "llm-error"})

_RULES: dict[FindingKind, tuple[str, str, str]] = {
    FindingKind.SEARCH_SPACE: (
        "SearchSpace",
        "Hyperparameter search space",
        "A search space, or one dimension of it, handed to a tuner or sampled by a search "
        "(e.g. trial.suggest_float, hp.loguniform, tune.grid_search, a list of values tried).",
    ),
    FindingKind.SEARCH_RUN: (
        "SearchRun",
        "Hyperparameter search run",
        "The call or loop that runs a hyperparameter search "
        "(e.g. study.optimize, fmin, Tuner.fit, GridSearchCV, the header of a search loop).",
    ),
    FindingKind.SCHEDULER: (
        "Scheduler",
        "Search sampler, pruner or scheduler",
        "A sampler, pruner, trial scheduler or search algorithm that drives a hyperparameter "
        "search (e.g. TPESampler, HyperbandPruner, PopulationBasedTraining, ASHA).",
    ),
    FindingKind.HAND_LOOP: (
        "HandLoop",
        "Hand-written search loop",
        "A hand-written loop (grid or random search) that trains with several hyperparameter "
        "values and compares the results.",
    ),
    FindingKind.SWEEP_CONFIG: (
        "SweepConfig",
        "Sweep configuration",
        "A configuration file or dict that defines a hyperparameter search or sweep "
        "(e.g. a hydra sweeper, a W&B sweep, a Polyaxon matrix).",
    ),
    FindingKind.TUNED_CONFIG: (
        "TunedConfig",
        "Tuned hyperparameter values",
        "Files of tuned hyperparameter values per algorithm or environment "
        "(parameterization, e.g. rl-baselines3-zoo hyperparams/*.yml), or code that loads them.",
    ),
}

_RULE_INDEX: dict[FindingKind, int] = {kind: index for index, kind in enumerate(FindingKind)}


def artifact_uri(path: str) -> str:
    """A URI reference for a report path: relative paths stay relative, percent-encoded."""
    if "://" in path or path.startswith(("vscode-notebook-cell:", "untitled:")):
        return path
    posix = path.replace("\\", "/")
    if posix.startswith("/"):
        return PurePosixPath(posix).as_uri()
    if re.match(r"[A-Za-z]:/", posix):  # a Windows drive path
        return "file:///" + quote(posix, safe="/:")
    while posix.startswith("./"):
        posix = posix[2:]
    return quote(posix, safe="/")


def _artifact_location(path: str) -> dict[str, Any]:
    uri = artifact_uri(path)
    location: dict[str, Any] = {"uri": uri}
    if ":" not in uri.split("/", 1)[0]:
        location["uriBaseId"] = SRCROOT
    return location


def _rules() -> list[dict[str, Any]]:
    rules = []
    for kind in FindingKind:
        name, short, full = _RULES[kind]
        rules.append(
            {
                "id": str(kind),
                "name": name,
                "shortDescription": {"text": short},
                "fullDescription": {"text": full},
                "defaultConfiguration": {"level": "note"},
                "properties": {"tags": ["hyperparameter-tuning"]},
            }
        )
    return rules


def _finding_properties(finding: Finding) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "category": str(finding.category),
        "library": finding.library,
        "method": finding.method,
        "hyperparameters": [
            {
                "name": hp.name,
                "space": hp.space.model_dump(mode="json", exclude_none=True) if hp.space else None,
            }
            for hp in finding.hyperparameters
        ],
        "confidence": finding.confidence,
        "source": finding.source,
        "site": finding.site,
    }
    if finding.api is not None:
        properties["api"] = finding.api
    if finding.cell is not None:
        properties["cell"] = finding.cell
    return properties


def _result(path: str, finding: Finding) -> dict[str, Any]:
    kind = finding.kind
    rng = finding.range
    return {
        "ruleId": kind,
        "ruleIndex": _RULE_INDEX[kind],
        "level": "note",
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact_location(path),
                    "region": {
                        "startLine": rng.start.line,
                        "startColumn": rng.start.column,
                        "endLine": rng.end.line,
                        "endColumn": rng.end.column,
                    },
                }
            }
        ],
        "properties": _finding_properties(finding),
    }


def _result_key(item: tuple[str, Finding]) -> tuple[Any, ...]:
    path, finding = item
    rng = finding.range
    return (
        path,
        -1 if finding.cell is None else finding.cell,
        rng.start.line,
        rng.start.column,
        rng.end.line,
        rng.end.column,
        _RULE_INDEX[finding.kind],
        finding.message,
        finding.library,
        finding.method or "",
    )


def _results(files: list[FileReport]) -> list[dict[str, Any]]:
    pairs = [(report.path, finding) for report in files for finding in report.findings]
    return [_result(path, finding) for path, finding in sorted(pairs, key=_result_key)]


def _notification(path: str, error: FileError) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact_location(path)}
    if error.line is not None and error.line >= 1:
        physical["region"] = {"startLine": error.line}
    properties: dict[str, Any] = {"code": error.code}
    if error.cell is not None:
        properties["cell"] = error.cell
    return {
        "level": "warning" if error.code in _WARNING_CODES else "error",
        "message": {"text": f"{path}: {error.message}"},
        "locations": [{"physicalLocation": physical}],
        "properties": properties,
    }


def _notification_key(item: tuple[str, FileError]) -> tuple[Any, ...]:
    path, error = item
    cell = -1 if error.cell is None else error.cell
    return (path, cell, error.line or 0, error.code, error.message)


def _notifications(files: list[FileReport]) -> list[dict[str, Any]]:
    pairs = [(report.path, error) for report in files for error in report.errors]
    pairs.sort(key=_notification_key)
    return [_notification(path, error) for path, error in pairs]


def to_sarif(report: Report) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log (a JSON-ready dict, deterministic)."""
    driver = {
        "name": report.tool.name,
        "version": report.tool.version,
        "semanticVersion": report.tool.version,
        "informationUri": INFORMATION_URI,
        "rules": _rules(),
    }
    run = {
        "tool": {"driver": driver},
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": _notifications(report.files),
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": _results(report.files),
        "properties": {"schema_version": report.schema_version},
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
