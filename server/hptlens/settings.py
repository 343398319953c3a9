"""Analysis settings, validated at the boundary (CLI flags, pyproject, LSP settings)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from hptlens.report import FindingKind

DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled_kinds: list[FindingKind] = Field(default_factory=lambda: list(FindingKind))
    exclude: list[str] = Field(default_factory=list, description="gitignore-style globs to skip")
    max_file_bytes: int = Field(default=DEFAULT_MAX_FILE_BYTES, ge=1)
