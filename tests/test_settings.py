"""Settings from `[tool.hptlens]` in the nearest pyproject.toml: keys with dashes or underscores,
bad values and unknown keys warned about with the default kept, layers of overrides."""

from __future__ import annotations

from pathlib import Path

from hptlens.settings import DEFAULT_MAX_FILE_BYTES, Settings, load_settings
from support.files import write


def test_load_settings_dashes_and_underscores(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.hptlens]\nmax-file-bytes = 1000\nenabled_kinds = ["search-space"]\nexclude = ["x/"]\n',
    )
    settings, warnings = load_settings(tmp_path)
    assert warnings == []
    assert settings.max_file_bytes == 1000
    assert settings.exclude == ["x/"]
    assert [str(getattr(kind, "value", kind)) for kind in settings.enabled_kinds] == ["search-space"]


def test_load_settings_bad_values_warn_and_keep_defaults(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.hptlens]\nmax-file-bytes = "big"\nexclude = ["gen/"]\ncolour = true\nenabled-kinds = ["no-such-kind"]\n',
    )
    (tmp_path / "src").mkdir()
    settings, warnings = load_settings(tmp_path / "src")
    assert settings.max_file_bytes == DEFAULT_MAX_FILE_BYTES
    assert settings.enabled_kinds == Settings().enabled_kinds
    assert settings.exclude == ["gen/"]
    assert len(warnings) == 3
    assert any("max-file-bytes" in warning for warning in warnings)
    assert any("colour" in warning and "unknown" in warning for warning in warnings)
    assert any("enabled-kinds" in warning for warning in warnings)


def test_load_settings_nearest_pyproject_with_the_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.hptlens]\nmax-file-bytes = 77\n")
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "sub"\n')
    write(tmp_path / "sub" / "deeper" / "pyproject.toml", "[tool.hptlens]\nmax-file-bytes = 88\n")
    assert load_settings(tmp_path / "sub")[0].max_file_bytes == 77
    assert load_settings(tmp_path / "sub" / "deeper" / "a.py")[0].max_file_bytes == 88


def test_load_settings_invalid_toml_warns(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.hptlens\nexclude = \n")
    settings, warnings = load_settings(tmp_path)
    assert settings == Settings()
    assert len(warnings) == 1 and "pyproject.toml" in warnings[0]


def test_load_settings_overrides(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.hptlens]\nmax-file-bytes = 77\n")
    settings, warnings = load_settings(tmp_path, {"max-file-bytes": 99, "exclude": 3})
    assert settings.max_file_bytes == 99
    assert settings.exclude == []
    assert len(warnings) == 1 and "exclude" in warnings[0]
