"""Every report can be written in every format, whatever bytes the input held (issue 11, item 3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hptlens.cli import main
from hptlens.report import FileReport, build_report, report_json, unicode_safe
from hptlens.safetext import printable, valid_unicode

LOOP = "for lr in [0.1, 0.2]:\n    train(lr=lr)\n"
FORMATS = ("text", "json", "sarif", "legacy")


@pytest.fixture()
def hostile_names(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / os.fsdecode(b"bad\xffname.py")).write_text(LOOP, encoding="utf-8")
    (root / "esc\x1b[31mred.py").write_text(LOOP, encoding="utf-8")
    (root / "sweep.json").write_text(
        '{"method": "bayes", "parameters": {"l\\ud800r": {"min": 0.001, "max": 0.1}}}', encoding="utf-8"
    )
    (root / "sweep.yaml").write_text(
        'method: bayes\nparameters:\n  "l\\ud800r":\n    min: 0.001\n    max: 0.1\n', encoding="utf-8"
    )
    return root


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_writes_reports_with_undecodable_names(
    fmt: str, hostile_names: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = hostile_names.parent / f"report.{fmt}"
    code = main(["scan", str(hostile_names), "--format", fmt, "-o", str(out), "--jobs", "1"])
    assert code == 0, capsys.readouterr().err
    written = out.read_text(encoding="utf-8")
    assert "\x1b" not in written or fmt != "text"
    if fmt != "text":
        json.loads(written)
    if fmt == "json":
        files = {Path(f["path"]).name: f for f in json.loads(written)["files"]}
        assert set(files) == {"bad\\xffname.py", "esc\x1b[31mred.py", "sweep.json", "sweep.yaml"}
        assert all(f["findings"] for f in files.values())
        assert [e["code"] for e in files["bad\\xffname.py"]["errors"]] == ["decode-error"]
        assert "l\ufffdr" in files["sweep.json"]["hyperparameters"]
        assert any(e["code"] == "decode-error" for e in files["sweep.yaml"]["errors"])


def test_text_on_stdout_never_carries_raw_control_characters(
    hostile_names: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(hostile_names)
    assert main(["scan", ".", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "esc\\x1b[31mred.py" in out


def test_a_full_disk_on_stdout_is_a_message_not_a_traceback(hostile_names: Path) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    for fmt in FORMATS:
        with open("/dev/full", "w") as full:
            result = subprocess.run(
                [sys.executable, "-I", "-m", "hptlens", "scan", str(hostile_names), "--format", fmt],
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                timeout=60,
            )
        assert result.returncode == 1, (fmt, result.stderr)
        assert result.stderr.strip() == "hptlens: error: cannot write to standard output: No space left on device"


def test_a_stdout_that_is_not_utf8_gets_escapes(hostile_names: Path) -> None:
    (hostile_names / "unicode_λ.py").write_text(LOOP, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-I", "-m", "hptlens", "scan", str(hostile_names), "--format", "json"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    paths = [f["path"] for f in json.loads(result.stdout)["files"]]
    assert any(p.endswith("unicode_λ.py") for p in paths)


def test_unicode_safe_keeps_clean_reports_as_they_are() -> None:
    clean = FileReport(path="a.py", language="python")  # type: ignore[arg-type]
    assert unicode_safe(clean) is clean
    dirty = FileReport(path="a\udcff.py", language="python", hyperparameters=["x\ud800"])  # type: ignore[arg-type]
    fixed = unicode_safe(dirty)
    assert fixed.path == "a\\xff.py" and fixed.hyperparameters == ["x\ufffd"]
    report_json(build_report([dirty]))


def test_printable_escapes_controls_and_keeps_tabs_and_newlines() -> None:
    assert printable("a\x1b[2J\tb\nc\x7f\x9b\r") == "a\\x1b[2J\tb\nc\\x7f\\x9b\\x0d"
    assert valid_unicode("ok") == "ok"


def test_every_language_has_a_legacy_form() -> None:
    from hptlens.export.legacy import to_legacy
    from hptlens.report import Language

    reports = [FileReport(path=f"a.{language.value}", language=language) for language in Language]
    examples = to_legacy(build_report(reports))["examples"]
    assert len(examples) == len(reports) and all(example["language"] for example in examples)
