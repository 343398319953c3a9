"""The language server's settings layers: editor settings by camelCase key, initializationOptions,
folder settings and pyproject, warnings once, exclude globs. The VS Code client's list of them:
tests/test_client_settings.py."""

from __future__ import annotations

from pathlib import Path

from hptlens.lsp.config import SettingsStore, editor_layer, is_excluded
from hptlens.settings import ServerSettings, Settings


def test_editor_layer_accepts_camel_case_and_warns_on_bad_values():
    warnings: list[str] = []
    layer = editor_layer(
        {
            "hptlens": {
                "enabledKinds": ["hand-loop"],
                "debounceMs": -1,
                "bogus": 1,
                "trace": {},
                "llm": {"baseUrl": "http://x", "mode": "sometimes"},
            }
        },
        "test",
        warnings,
    )
    assert layer == {"enabled_kinds": ["hand-loop"], "llm": {"base_url": "http://x"}}
    assert len(warnings) == 3
    assert any("hptlens.debounceMs" in w for w in warnings) and any("hptlens.llm.mode" in w for w in warnings)
    assert any("hptlens.bogus" in w for w in warnings)  # `trace` is the client's own: no warning
    assert editor_layer("nonsense", "test", warnings) == {}


def test_layers_initialization_options_then_folder_then_pyproject(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.hptlens]\nmax-file-bytes = 99\n\n[tool.hptlens.llm]\nmodel = "m"\n')
    store = SettingsStore()
    store.set_init_options({"debounceMs": 7, "maxFileBytes": 5, "llm": {"mode": "review"}})
    store.set_folder_config("file:///ws", {"debounceMs": 9, "llm": {"model": "editor"}})
    settings = store.settings_for(str(tmp_path), "file:///ws")
    assert (settings.debounce_ms, settings.max_file_bytes) == (9, 99)
    assert (settings.llm.mode, settings.llm.model) == ("review", "editor")  # the model is never the project's
    assert store.settings_for(None, "") == ServerSettings(debounce_ms=7, max_file_bytes=5, llm={"mode": "review"})
    assert [w.split(": ", 1)[1][:15] for w in store.take_warnings()] == ["llm.model ignor"]
    assert store.take_warnings() == []


def test_warnings_are_shown_once_until_settings_change():
    store = SettingsStore()
    store.set_folder_config("", {"debounceMs": "soon"})
    assert len(store.take_warnings()) == 1
    store.set_folder_config("", {"debounceMs": "soon"})
    assert store.take_warnings() == []
    store.invalidate()
    store.set_folder_config("", {"debounceMs": "soon"})
    assert len(store.take_warnings()) == 1


def test_exclude_globs():
    settings = Settings(exclude=["generated/", "*_pb2.py"])
    assert is_excluded(settings, "generated/a.py") and is_excluded(settings, "x/y_pb2.py")
    assert not is_excluded(settings, "src/a.py") and not is_excluded(settings, None)
