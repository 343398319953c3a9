"""Analysis settings, validated at the boundary (CLI flags, pyproject, LSP settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from hptlens.report import FindingKind

DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024
DEFAULT_DEBOUNCE_MS = 300

_CONFIG = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)
"""Fields by their python name (CLI, pyproject) or camelCase alias (LSP/VS Code: enabledKinds)."""


class LlmSettings(BaseModel):
    """The optional LLM review (hptlens.llm). Nothing is sent while `mode` is "off"."""

    model_config = _CONFIG

    mode: Literal["off", "review", "only"] = "off"
    base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint; None: the openai client's default")
    model: str = Field(default="gpt-4o-mini", min_length=1)
    api_key_env: str = Field(default="OPENAI_API_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
                             description="name of the environment variable holding the API key (never the key)")
    timeout_seconds: float = Field(default=60.0, gt=0)
    max_concurrency: int = Field(default=4, ge=1)
    max_file_tokens: int = Field(default=6000, ge=100, description="larger files are sent in parts")
    cache: bool = True


class Settings(BaseModel):
    model_config = _CONFIG

    enabled_kinds: list[FindingKind] = Field(default_factory=lambda: list(FindingKind))
    exclude: list[str] = Field(default_factory=list, description="gitignore-style globs to skip")
    max_file_bytes: int = Field(default=DEFAULT_MAX_FILE_BYTES, ge=1)
    debounce_ms: int = Field(default=DEFAULT_DEBOUNCE_MS, ge=0,
                             description="language server: quiet time after an edit before analysing")
    llm: LlmSettings = Field(default_factory=LlmSettings)
