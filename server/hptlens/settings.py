"""Settings, validated at the boundary (CLI flags, pyproject, LSP settings), and their loading from
`[tool.hptlens]` in the nearest pyproject.toml: `Settings` for the analysis, `ServerSettings` for
the language server (the analysis settings and its own)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from hptlens.report import FindingKind

if sys.version_info >= (3, 11):
    import tomllib as _toml
else:  # pragma: no cover - exercised on 3.10 only
    try:
        import tomli as _toml
    except ImportError:  # settings then fall back to defaults, with a warning
        _toml = None

DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024
DEFAULT_DEBOUNCE_MS = 300

_CONFIG = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)
"""Fields by their python name (CLI, pyproject) or camelCase alias (LSP/VS Code: enabledKinds)."""


class LlmSettings(BaseModel):
    """The optional LLM review (hptlens.llm). Nothing is sent while `mode` is "off"."""

    model_config = _CONFIG

    mode: Literal["off", "review", "only"] = "off"
    base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint; None: the openai client's default"
    )
    model: str = Field(default="gpt-4o-mini", min_length=1)
    api_key_env: str = Field(
        default="OPENAI_API_KEY",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="name of the environment variable holding the API key (never the key)",
    )
    timeout_seconds: float = Field(
        default=60.0, gt=0, description="total time for one request, connection to the last byte of the answer"
    )
    run_timeout_seconds: float = Field(
        default=1800.0,
        gt=0,
        description="total time for every request of one run (a scan, or one document in the editor)",
    )
    max_concurrency: int = Field(default=4, ge=1)
    max_file_tokens: int = Field(default=6000, ge=100, description="larger files are sent in parts")
    cache: bool = True


USER_ONLY_LLM_KEYS = frozenset({"base_url", "model", "api_key_env"})
"""Where code is sent, to which model, with which key: only the user's own settings (command
line, user config file, editor settings) choose these, never the analysed project."""


def without_user_only(table: dict[str, Any], source: str, warnings: list[str]) -> dict[str, Any]:
    """A project's [tool.hptlens] table without the user-only LLM keys (a warning for each)."""
    llm = table.get("llm")
    if not isinstance(llm, dict):
        return table
    kept = {}
    for key, value in llm.items():
        if str(key).replace("-", "_") in USER_ONLY_LLM_KEYS:
            warnings.append(
                f"{source}: llm.{key} ignored: the endpoint, model and key variable come only from "
                "your own settings or the command line, never from the project"
            )
        else:
            kept[key] = value
    return {**table, "llm": kept}


USER_CONFIG_ENV = "HPTLENS_CONFIG"


def user_config_path() -> Path:
    """$HPTLENS_CONFIG, else hptlens/config.toml in the platform's user config folder."""
    override = os.environ.get(USER_CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "hptlens" / "config.toml"


def user_llm_settings(warnings: list[str]) -> dict[str, Any]:
    """The valid keys of the `[llm]` table of the user's own config file (python names)."""
    path = user_config_path()
    if _toml is None or not path.is_file():
        return {}
    try:
        with open(path, "rb") as handle:
            table = _toml.load(handle).get("llm", {})
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        warnings.append(f"{path}: cannot read: {exc}")
        return {}
    values: dict[str, Any] = {}
    for key, value in table.items() if isinstance(table, dict) else ():
        name = str(key).replace("-", "_")
        try:
            values[name] = getattr(LlmSettings.model_validate({name: value}), name)
        except ValidationError as exc:
            warnings.append(f"{path}: [llm] {key}: {exc.errors()[0]['msg']}; ignored")
    return values


class Settings(BaseModel):
    model_config = _CONFIG

    enabled_kinds: list[FindingKind] = Field(default_factory=lambda: list(FindingKind))
    exclude: list[str] = Field(default_factory=list, description="gitignore-style globs to skip")
    max_file_bytes: int = Field(default=DEFAULT_MAX_FILE_BYTES, ge=1)
    follow_outside_links: bool = Field(
        default=False,
        description="follow symbolic links that lead out of the "
        "scanned folder (by default they are reported as outside-root)",
    )
    llm: LlmSettings = Field(default_factory=LlmSettings)


class ServerSettings(Settings):
    """The language server's settings: the analysis settings and what only the server uses."""

    debounce_ms: int = Field(default=DEFAULT_DEBOUNCE_MS, ge=0, description="quiet time after an edit before analysing")


def load_settings(
    start: Path,
    overrides: dict[str, Any] | None = None,
    model: type[Settings] = Settings,
    boundary: Path | None = None,
) -> tuple[Settings, list[str]]:
    """Settings (`model`) from `[tool.hptlens]` in the nearest pyproject.toml that has it, then overrides.

    Keys may use dashes or underscores. The table is shared by the CLI and the language server:
    a key of either is known (the other's keys are left out of `model`). An unknown key or an
    ill-typed value gives a warning and the default is kept for that key; nothing here raises.
    """
    warnings: list[str] = []
    values: dict[str, Any] = {}
    found = _find_config(Path(start), warnings, boundary)
    if found is not None:
        source, table = found
        table = without_user_only(table, f"{source} [tool.hptlens]", warnings)
        _merge_values(values, _valid_values(table, f"{source} [tool.hptlens]", warnings))
    if overrides:
        _merge_values(values, _valid_values(overrides, "settings", warnings))
    return model(**{name: value for name, value in values.items() if name in model.model_fields}), warnings


def _merge_values(values: dict[str, Any], new: dict[str, Any]) -> None:
    """Later layers win key by key, inside sections ([tool.hptlens.llm]) too."""
    for name, value in new.items():
        if isinstance(value, dict) and isinstance(values.get(name), dict):
            values[name] = {**values[name], **value}
        else:
            values[name] = value


def _find_config(start: Path, warnings: list[str], boundary: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    folder = Path(os.path.abspath(start))
    if not folder.is_dir():
        folder = folder.parent
    top = Path(os.path.abspath(boundary)) if boundary is not None else None
    for candidate in (folder, *folder.parents):
        if top is not None and candidate != top and top not in candidate.parents:
            break  # the language server reads nothing above its workspace folder
        table = _hptlens_table(candidate / "pyproject.toml", warnings)
        if table is not None:
            return candidate / "pyproject.toml", table
    return None


def _hptlens_table(path: Path, warnings: list[str]) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    if _toml is None:
        warnings.append(f"{path}: cannot read TOML on this Python without the 'tomli' package")
        return None
    try:
        with open(path, "rb") as handle:
            data = _toml.load(handle)
    except (OSError, ValueError) as exc:  # TOMLDecodeError is a ValueError
        warnings.append(f"{path}: cannot read: {exc}")
        return None
    table = data.get("tool", {}).get("hptlens") if isinstance(data.get("tool"), dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        warnings.append(f"{path}: [tool.hptlens] must be a table; ignored")
        return None
    return table


def _valid_values(
    table: dict[str, Any], source: str, warnings: list[str], model: type[BaseModel] = ServerSettings
) -> dict[str, Any]:
    known = model.model_fields
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = str(key).replace("-", "_")
        if name not in known:
            options = ", ".join(sorted(k.replace("_", "-") for k in known))
            warnings.append(f"{source}: unknown key '{key}' ignored (known: {options})")
            continue
        section = known[name].annotation
        if isinstance(value, dict) and isinstance(section, type) and issubclass(section, BaseModel):
            # A section such as [tool.hptlens.llm]: checked key by key, so one bad value
            # keeps the default for that key only.
            values[name] = _valid_values(value, f"{source} {key}", warnings, section)
            continue
        try:
            values[name] = getattr(model.model_validate({name: value}), name)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = "".join(f"[{part!r}]" for part in first["loc"][1:])
            warnings.append(f"{source}: invalid value for '{key}'{where}: {first['msg']}; using the default")
    return values
