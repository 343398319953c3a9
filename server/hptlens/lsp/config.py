"""Layered settings for the language server.

Layers, each overriding the one before it, key by key:
  1. `initializationOptions` (either the settings object itself or `{"hptlens": {...}}`),
  2. `workspace/configuration`, section `hptlens`, per workspace folder (re-read on
     `workspace/didChangeConfiguration`),
  3. `[tool.hptlens]` in the nearest `pyproject.toml` (what `hptlens scan` reads too), so the
     editor and the command line agree, and editor defaults never mask the project's choices.
Keys may be camelCase (LSP, VS Code), snake_case or kebab-case. An unknown key or an
ill-typed value gives a warning and that key keeps its default; nothing here raises.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pathspec import GitIgnoreSpec
from pydantic import BaseModel, ValidationError

from hptlens.settings import ServerSettings, Settings, load_settings

SECTION = "hptlens"
CLIENT_KEYS = frozenset(
    {
        "trace",
        "server",
        "serverPath",
        "serverArgs",
        "interpreter",
        "path",
        "executable",
        "enable",
        "enabled",
        "showNotifications",
        "logLevel",
        "tcpToken",
    }
)
"""Top-level keys an editor extension keeps for itself (how to start the server, tracing):
silently ignored by the server instead of warned about."""

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake(key: str) -> str:
    return _CAMEL.sub(r"_\1", str(key)).replace("-", "_").lower()


def editor_layer(raw: Any, source: str, warnings: list[str]) -> dict[str, Any]:
    """The valid keys of one editor settings object, by python name; warnings for the rest."""
    if raw is None:
        return {}
    if isinstance(raw, dict) and isinstance(raw.get(SECTION), dict):
        raw = raw[SECTION]
    if not isinstance(raw, dict):
        warnings.append(f"{source}: settings must be an object, got {type(raw).__name__}; using the defaults")
        return {}
    return _valid(ServerSettings, raw, "", source, warnings)


def _valid(
    model: type[BaseModel], raw: dict[str, Any], prefix: str, source: str, warnings: list[str]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = snake(key)
        field = model.model_fields.get(name)
        if field is None:
            if not (prefix == "" and key in CLIENT_KEYS):
                warnings.append(f"{source}: unknown setting '{SECTION}.{prefix}{key}' ignored")
            continue
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel) and isinstance(value, dict):
            values[name] = _valid(nested, value, f"{prefix}{key}.", source, warnings)
            continue
        try:
            values[name] = getattr(model.model_validate({name: value}), name)
        except ValidationError as exc:
            first = exc.errors()[0]
            warnings.append(f"{source}: invalid value for '{SECTION}.{prefix}{key}': {first['msg']}; using the default")
    return values


def merge(*layers: dict[str, Any]) -> dict[str, Any]:
    """Later layers win key by key; nested objects (llm) merge the same way."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = merge(merged[key], value)
            else:
                merged[key] = value
    return merged


def build(layers: list[dict[str, Any]], warnings: list[str]) -> ServerSettings:
    try:
        return ServerSettings.model_validate(merge(*layers))
    except ValidationError as exc:  # each key was valid alone; keep the defaults if not together
        warnings.append(f"settings rejected ({exc.errors()[0]['msg']}); using the defaults")
        return ServerSettings()


class SettingsStore:
    """Settings per document: editor layers per workspace folder, pyproject per folder on disk.

    Results are cached; `invalidate()` after a configuration change or a saved pyproject.toml.
    `take_warnings()` returns each distinct warning once, so a bad value is shown once, not
    on every keystroke.
    """

    def __init__(self) -> None:
        self.init_options: dict[str, Any] = {}
        self.folder_config: dict[str, dict[str, Any]] = {}
        self._init_warnings: list[str] = []
        self._folder_warnings: dict[str, list[str]] = {}
        self._pyproject: dict[str, tuple[dict[str, Any], list[str]]] = {}
        self._cache: dict[tuple[str | None, str | None], ServerSettings] = {}
        self._pending: list[str] = []
        self._shown: set[str] = set()

    def set_init_options(self, raw: Any) -> None:
        self._init_warnings = []
        self.init_options = editor_layer(raw, "initializationOptions", self._init_warnings)
        self._pending += self._init_warnings
        self.invalidate()

    def set_folder_config(self, folder: str, raw: Any) -> None:
        warnings: list[str] = []
        self.folder_config[folder] = editor_layer(raw, "workspace settings", warnings)
        self._folder_warnings[folder] = warnings
        self._pending += warnings
        self._cache.clear()

    def invalidate(self) -> None:
        self._pyproject.clear()
        self._cache.clear()
        self._shown.clear()  # after a change, a still-bad value deserves a new warning

    def settings_for(self, directory: str | None, folder: str | None, boundary: str | None = None) -> ServerSettings:
        """Settings for a document in `directory` (None: no file, or one outside the workspace)
        under workspace `folder`; pyproject.toml files above `boundary` are not read."""
        key = (directory, folder)
        if key not in self._cache:
            warnings: list[str] = []
            # "" holds the settings of no folder: what a push-style client sends with
            # didChangeConfiguration (Neovim 0.7), or the global scope; folders refine them.
            layers = [self.init_options, self.folder_config.get("", {})]
            if folder:
                layers.append(self.folder_config.get(folder, {}))
            if directory is not None:
                layers.append(self._project_layer(directory, boundary))
            self._cache[key] = build(layers, warnings)
            self._pending += warnings
        return self._cache[key]

    def _project_layer(self, directory: str, boundary: str | None) -> dict[str, Any]:
        if directory not in self._pyproject:
            settings, warnings = load_settings(
                Path(directory), model=ServerSettings, boundary=Path(boundary) if boundary else None
            )
            self._pyproject[directory] = (settings.model_dump(exclude_unset=True), warnings)
            self._pending += warnings
        return self._pyproject[directory][0]

    def take_warnings(self) -> list[str]:
        fresh = [w for w in dict.fromkeys(self._pending) if w not in self._shown]
        self._shown.update(fresh)
        self._pending = []
        return fresh


def dynamic_registrations(capability: Callable[[str], Any]) -> list[lsp.Registration]:
    """What to register once initialized, as far as the client allows dynamic registration: the
    configuration section, and a watcher on pyproject.toml (its `[tool.hptlens]` is a layer)."""
    registrations = []
    if capability("workspace.did_change_configuration.dynamic_registration"):
        options = lsp.DidChangeConfigurationRegistrationOptions(section=SECTION)
        registrations.append(
            lsp.Registration(
                id=str(uuid.uuid4()), method=lsp.WORKSPACE_DID_CHANGE_CONFIGURATION, register_options=options
            )
        )
    if capability("workspace.did_change_watched_files.dynamic_registration"):
        watchers = [lsp.FileSystemWatcher(glob_pattern="**/pyproject.toml")]
        registrations.append(
            lsp.Registration(
                id=str(uuid.uuid4()),
                method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=lsp.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
            )
        )
    return registrations


def is_excluded(settings: Settings, relative: str | None) -> bool:
    """Whether a document at this workspace-relative path matches an exclude glob."""
    if not relative or not settings.exclude:
        return False
    try:
        return GitIgnoreSpec.from_lines(settings.exclude).match_file(relative)
    except ValueError:
        return False
