"""The VS Code client's list of server settings (client/server-settings.json) matches the ServerSettings model.

The node tests check client/package.json against that list; this side checks the list against the
model, so a setting added to the server and not contributed by the extension fails here.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.alias_generators import to_camel

from hptlens.report import FindingKind
from hptlens.settings import ServerSettings
from support.paths import ROOT

CLIENT = ROOT / "client"


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _camel_keys(model: type[BaseModel], prefix: str) -> list[str]:
    """Dotted LSP keys of a (nested) settings model, by alias as the server accepts them."""
    keys: list[str] = []
    for name, field in model.model_fields.items():
        key = f"{prefix}.{field.alias or to_camel(name)}"
        if _is_model(field.annotation):
            keys.extend(_camel_keys(field.annotation, key))
        else:
            keys.append(key)
    return keys


def _flatten(value: dict[str, Any], prefix: str) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, inner in value.items():
        if isinstance(inner, dict):
            flat.update(_flatten(inner, f"{prefix}.{key}"))
        else:
            flat[f"{prefix}.{key}"] = inner
    return flat


def _client_settings() -> dict[str, Any]:
    return json.loads((CLIENT / "server-settings.json").read_text(encoding="utf-8"))["settings"]


def test_client_lists_every_server_setting() -> None:
    assert sorted(_client_settings()) == sorted(_camel_keys(ServerSettings, "hptlens"))


def test_client_defaults_are_the_server_defaults() -> None:
    defaults = _flatten(ServerSettings().model_dump(mode="json", by_alias=True), "hptlens")
    assert _client_settings() == defaults


def test_camel_case_section_validates_on_the_server() -> None:
    """The section the client sends (nested, camelCase) is what the model accepts."""
    nested: dict[str, Any] = {}
    for key, value in _client_settings().items():
        *parents, leaf = key.split(".")[1:]
        target = nested
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    assert ServerSettings.model_validate(nested) == ServerSettings()


def test_contributed_kinds_and_modes_match_the_server() -> None:
    manifest = json.loads((CLIENT / "package.json").read_text(encoding="utf-8"))
    properties = manifest["contributes"]["configuration"]["properties"]
    assert properties["hptlens.enabledKinds"]["items"]["enum"] == [kind.value for kind in FindingKind]
    mode = ServerSettings.model_fields["llm"].annotation.model_fields["mode"].annotation
    assert tuple(properties["hptlens.llm.mode"]["enum"]) == mode.__args__
