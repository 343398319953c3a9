"""The `hptlens` command, called in-process through `main` (plus one real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from hptlens import __version__
from hptlens.cli import main
from hptlens.report import report_schema
from hptlens.truth import truth_schema
from support.files import write

TUNING = """import optuna


def objective(trial):
    lr = trial.suggest_float("lr", 1e-5, 1e-2, log=True)
    return lr


study = optuna.create_study()
study.optimize(objective, n_trials=20)
"""


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small project that is also the working folder."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "src" / "tune.py", TUNING)
    write(tmp_path / "src" / "plain.py", "print('hello')\n")
    write(tmp_path / "src" / "config.yaml", "lr: 0.001\n")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def dumped(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


# --------------------------------------------------------------------------- basics


def test_version_in_a_subprocess() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hptlens", "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"hptlens {__version__}"


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys)
    assert code == 2
    assert "command" in err


def test_bad_flags_are_usage_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "scan", "src", "--jobs", "-1")[0] == 2
    assert run(capsys, "scan", "src", "--format", "xml")[0] == 2
    assert run(capsys, "scan", "src", "--max-file-bytes", "0")[0] == 2


# --------------------------------------------------------------------------- scan


def test_scan_text_is_the_default(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "scan", "src")
    assert code == 0
    assert out.strip()


def test_scan_json_validates_against_the_schema(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "scan", "src", "--format", "json")
    assert code == 0
    data = json.loads(out)
    jsonschema.validate(data, report_schema(), cls=jsonschema.Draft202012Validator)
    assert [entry["path"] for entry in data["files"]] == ["src/config.yaml", "src/plain.py", "src/tune.py"]


def test_scan_json_is_deterministic(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys, "scan", "src", "--format", "json")[1]
    second = run(capsys, "scan", "src", "--format", "json", "--jobs", "1")[1]
    assert first == second


def test_scan_sarif(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "scan", "src", "--format", "sarif")
    assert code == 0
    assert json.loads(out)["version"] == "2.1.0"


def test_scan_legacy(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "scan", "src", "--format", "legacy")
    assert code == 0
    assert "examples" in json.loads(out)
    assert out == dumped(json.loads(out))


def test_scan_with_bad_files_still_exits_zero(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "src" / "bad.py").write_bytes(b"\x00\x01binary")
    code, out, _ = run(capsys, "scan", "src", "--format", "json")
    assert code == 0
    files = {entry["path"]: entry for entry in json.loads(out)["files"]}
    assert [error["code"] for error in files["src/bad.py"]["errors"]] == ["binary"]


def test_output_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "scan", "src", "--format", "json", "-o", "report.json")
    assert code == 0
    assert out == ""
    data = json.loads((project / "report.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, report_schema(), cls=jsonschema.Draft202012Validator)
    assert "report.json" in err and "3 files" in err
    assert len(err.strip().splitlines()) == 1


def test_output_file_in_text_format(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "scan", "src", "-o", "report.txt")
    assert code == 0 and out == ""
    assert (project / "report.txt").read_text(encoding="utf-8").strip()


def test_output_folder_must_exist(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "scan", "src", "-o", "no/such/folder/report.json")
    assert code == 2
    assert out == ""
    assert "does not exist" in err
    assert not (project / "no").exists()


def test_nonexistent_path_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "scan", "src", "missing.py", "--format", "json")
    assert code == 2
    assert out == ""
    assert "missing.py" in err


def test_exclude_and_max_file_bytes_flags(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "scan",
        "src",
        "--format",
        "json",
        "--exclude",
        "*.yaml",
        "--exclude",
        "plain.py",
        "--max-file-bytes",
        "10",
    )
    assert code == 0
    files = json.loads(out)["files"]
    assert [entry["path"] for entry in files] == ["src/tune.py"]
    assert [error["code"] for error in files[0]["errors"]] == ["too-large"]


def test_pyproject_bad_value_gives_a_warning(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "pyproject.toml", '[tool.hptlens]\nmax-file-bytes = "lots"\nexclude = ["*.yaml"]\n')
    code, out, err = run(capsys, "scan", "src", "--format", "json")
    assert code == 0
    assert "warning" in err and "max-file-bytes" in err
    assert [entry["path"] for entry in json.loads(out)["files"]] == ["src/plain.py", "src/tune.py"]


# --------------------------------------------------------------------------- schema


def test_schema_prints_the_report_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    assert out == dumped(report_schema())


def test_schema_truth(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema", "--truth")
    assert code == 0
    assert out == dumped(truth_schema())


def test_schema_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "schema"
    code, out, _ = run(capsys, "schema", "--write", str(target))
    assert code == 0 and out == ""
    assert (target / "hpt-report.schema.json").read_text(encoding="utf-8") == dumped(report_schema())
    assert (target / "ground-truth.schema.json").read_text(encoding="utf-8") == dumped(truth_schema())


# --------------------------------------------------------------------------- eval


@pytest.fixture()
def benchmark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """fixtures/ and ground_truth/ side by side, as in the repository."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "fixtures" / "python" / "tune.py", TUNING)
    write(tmp_path / "fixtures" / "python" / "plain.py", "print('hello')\n")
    write(
        tmp_path / "ground_truth" / "python" / "tune.py.json",
        json.dumps({"tuning_applied": True, "criteria": ["auto-tuning"], "libraries": ["Optuna"]}),
    )
    write(tmp_path / "ground_truth" / "python" / "plain.py.json", json.dumps({"tuning_applied": False}))
    return tmp_path


def test_eval_scans_the_fixtures_beside_the_truth(benchmark: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", "--truth", "ground_truth", "--format", "json")
    assert code == 0
    assert json.loads(out)


def test_eval_text(benchmark: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", "--truth", "ground_truth", "fixtures")
    assert code == 0
    assert out.strip()


def test_eval_saved_reports_side_by_side(benchmark: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "scan", "fixtures", "--format", "json", "-o", "ours.json")[0] == 0
    assert run(capsys, "scan", "fixtures", "--format", "legacy", "-o", "seed.json")[0] == 0
    code, out, err = run(
        capsys, "eval", "--truth", "ground_truth", "--report", "ours.json", "--report", "seed.json", "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out)
    assert "ours" in out and "seed" in out


def test_eval_missing_truth_folder(benchmark: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "eval", "--truth", "no_truth_here")
    assert code == 2
    assert "no_truth_here" in err


def test_eval_unreadable_report(benchmark: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "eval", "--truth", "ground_truth", "--report", "gone.json")
    assert code == 2
    assert "gone.json" in err


def test_eval_report_that_is_not_json(benchmark: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(benchmark / "broken.json", "{not json")
    code, _, err = run(capsys, "eval", "--truth", "ground_truth", "--report", "broken.json")
    assert code == 2
    assert "broken.json" in err and "JSON" in err


def test_eval_report_with_the_wrong_shape(benchmark: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(benchmark / "odd.json", json.dumps({"files": 3}))
    code, _, err = run(capsys, "eval", "--truth", "ground_truth", "--report", "odd.json")
    assert code == 2
    assert "odd.json" in err


def test_eval_invalid_truth_file_is_named(benchmark: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(benchmark / "ground_truth" / "python" / "plain.py.json", json.dumps({"tuning_applied": "maybe"}))
    code, _, err = run(capsys, "eval", "--truth", "ground_truth", "--format", "json")
    assert code == 2
    assert "plain.py.json" in err


def test_eval_invalid_legacy_report(benchmark: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(benchmark / "seed.json", json.dumps({"examples": [{"filename": 3, "hyperparameter_tuning_applied": 1}]}))
    code, _, err = run(capsys, "eval", "--truth", "ground_truth", "--report", "seed.json")
    assert code == 2
    assert "seed.json" in err


def test_eval_empty_truth_folder(benchmark: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (benchmark / "empty_truth").mkdir()
    code, _, err = run(capsys, "eval", "--truth", "empty_truth", "fixtures")
    assert code == 2
    assert "empty_truth" in err


def test_analysis_crash_is_one_line_on_stderr(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import hptlens.analysis as analysis

    def boom(document: object, settings: object = None) -> None:
        raise RuntimeError("detector bug")

    monkeypatch.setattr(analysis, "analyze", boom, raising=False)
    code, out, err = run(capsys, "scan", "src/plain.py", "--format", "json", "--jobs", "1")
    assert code == 0
    (entry,) = json.loads(out)["files"]
    assert [error["code"] for error in entry["errors"]] == ["internal-error"]
    assert "src/plain.py" in err and "detector bug" in err
    assert "Traceback" not in err
    code, _, err = run(capsys, "scan", "src/plain.py", "--verbose", "--jobs", "1")
    assert code == 0
    assert "Traceback" in err
