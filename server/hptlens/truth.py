"""Ground truth: what a correct analysis of one fixture says.

One JSON file per fixture under ground_truth/, at the fixture's relative path plus
".json". Validated by `GroundTruth`; its JSON Schema is generated into schema/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from hptlens.report import Criterion, Model

LineRef = int | str
"""A 1-based line; in notebooks the string "CELL:LINE" (0-based cell, 1-based line in it)."""


class GroundTruth(Model):
    tuning_applied: bool
    criteria: list[Criterion] = Field(default_factory=list)
    libraries: list[str] = Field(default_factory=list, description="display names, as in the catalog")
    hyperparameters: list[str] = Field(default_factory=list, description="names that must be found")
    lines_required: list[LineRef] = Field(default_factory=list, description="lines a correct analysis must report")
    lines_acceptable: list[LineRef] = Field(
        default_factory=list, description="further lines whose report is not a false positive"
    )
    notes: str = ""


class TruthError(Exception):
    """A ground-truth file that is missing, unreadable or invalid."""


def load_truth(path: Path) -> GroundTruth:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        return GroundTruth.model_validate(data)
    except (OSError, ValueError, ValidationError) as exc:
        raise TruthError(f"{path}: {exc}") from exc


def truth_schema() -> dict[str, Any]:
    schema = GroundTruth.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://hptlens.dev/schema/ground-truth.schema.json"
    return schema
