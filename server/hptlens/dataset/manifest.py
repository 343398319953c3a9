"""What a dataset folder records about itself: the manifest (which file went where, and how it
was cut) and the summary (counts, tokens, cost). Both are pydantic models written as JSON;
`hptlens eval --split` reads the manifest back to score exactly the held-back conversations.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import Field, ValidationError

from hptlens.dataset.examples import DatasetError, Source
from hptlens.dataset.tokens import Tokens
from hptlens.report import Model

FORMAT = "hptlens-finetune/1"
MANIFEST_FILE = "manifest.json"
SUMMARY_FILE = "summary.json"
ANSWER_SCHEMA = "hpt_seed_layout"
"""The response format the answers follow (`hptlens.llm.answers.SeedAnswer`)."""


class ManifestPart(Model):
    index: int
    total: int
    first: int = Field(description="first line sent (over the whole text; notebooks: code cells concatenated)")
    last: int
    line: int = Field(description="1-based line of this conversation in its split's JSONL file")
    tuning_applied: bool


class ManifestFile(Model):
    key: str = Field(description="truth name (fixtures) or OWNER+NAME/PATH (corpus)")
    source: Source
    group: str
    split: str
    prompt_path: str = Field(description="the path the prompt names")
    language: str
    sha256: str = Field(description="of the file's bytes when the dataset was made")
    tuning_applied: bool
    conversations: list[ManifestPart]
    problems: list[str] = Field(
        default_factory=list, description="truth that the review's checks would not let through"
    )


class Excluded(Model):
    key: str
    source: Source
    reason: str


class Manifest(Model):
    format: str = FORMAT
    mode: str = Field(default="only", description="the LLM review mode whose requests the conversations are")
    answer_schema: str = ANSWER_SCHEMA
    prompt_version: str
    max_file_tokens: int
    encoding: str
    seed: str
    fractions: tuple[float, float, float]
    sources: list[Source]
    groups: dict[str, str] = Field(description="group -> split")
    files: list[ManifestFile]
    excluded: list[Excluded] = Field(default_factory=list, description="labeled files the review sends nothing for")
    missing: list[str] = Field(default_factory=list, description="labeled files that could not be read")


class SplitSummary(Model):
    files: int = 0
    groups: int = 0
    conversations: int = 0
    tuning_files: int = 0
    negative_files: int = 0
    tuning_conversations: int = 0
    negative_conversations: int = 0
    tokens: Tokens = Field(default_factory=Tokens)
    total_tokens: int = 0
    languages: dict[str, int] = Field(default_factory=dict, description="files per language")
    criteria: dict[str, int] = Field(default_factory=dict, description="files per criterion")
    sources: dict[str, int] = Field(default_factory=dict, description="files per source")


class Summary(Model):
    encoding: str
    price_per_million: float | None
    splits: dict[str, SplitSummary]
    cost_per_epoch: float | None = Field(description="training split tokens at price_per_million; null without")
    excluded: int
    missing: int
    files_with_problems: int


def write_json(path: Path, model: Model) -> None:
    path.write_text(model.model_dump_json(indent=2) + "\n", encoding="utf-8")


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DatasetError(
            f"no dataset manifest at {path}: {exc.strerror or exc} (make one with hptlens dataset)"
        ) from exc
    except ValueError as exc:
        raise DatasetError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DatasetError(f"{path} is not a manifest of this hptlens ({FORMAT}); make the dataset again")
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        raise DatasetError(f"{path} is not a valid manifest: {exc.errors()[0]['msg']}") from exc
