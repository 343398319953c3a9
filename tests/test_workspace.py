"""The workspace layer on real files: discovery, ignore rules, safe reading, scanning.

Every bad-input case goes through `scan`, which must never raise.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from hptlens.documents import Document
from hptlens.report import FileReport, Language, build_report, report_json
from hptlens.settings import DEFAULT_MAX_FILE_BYTES, Settings
from hptlens.workspace import discover, display_path, load_document, read_document, scan
from hptlens.workspace.scanning import EditorView, ScanCancelled
from support.files import write

TUNING = """import optuna


def objective(trial):
    lr = trial.suggest_float("lr", 1e-5, 1e-2, log=True)
    return lr


study = optuna.create_study()
study.optimize(objective, n_trials=20)
"""


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder that is also the working folder, so display paths are relative."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def paths_of(reports: list[FileReport]) -> list[str]:
    return [report.path for report in reports]


def by_path(reports: list[FileReport]) -> dict[str, FileReport]:
    return {report.path: report for report in reports}


def codes(report: FileReport) -> list[str]:
    return [error.code for error in report.errors]


def discovered(paths: list[Path | str], settings: Settings | None = None) -> list[str]:
    return [display for _, display in discover([Path(p) for p in paths], settings or Settings())]


# --------------------------------------------------------------------------- discovery


def test_discover_walks_sorted_and_keeps_known_languages(workdir: Path) -> None:
    for name in ["b.py", "a.py", "notes.txt", "sub/c.yaml", "sub/d.cpp", "sub/e.h", "conf.json", "nb.ipynb"]:
        write(workdir / name)
    assert discovered(["."]) == ["a.py", "b.py", "conf.json", "nb.ipynb", "sub/c.yaml", "sub/d.cpp", "sub/e.h"]


def test_display_path_is_absolute_outside_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "project" / "a.py")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert discovered([tmp_path / "project"]) == [(tmp_path / "project" / "a.py").as_posix()]
    assert display_path(tmp_path / "elsewhere" / "x.py") == "x.py"


def test_explicit_file_with_unknown_suffix_gets_an_error(workdir: Path) -> None:
    write(workdir / "notes.txt")
    (report,) = scan(["notes.txt"], Settings())
    assert report.path == "notes.txt"
    assert codes(report) == ["unreadable"]
    assert "not a supported file type" in report.errors[0].message


def test_explicit_file_is_scanned_even_if_ignored(workdir: Path) -> None:
    write(workdir / ".gitignore", "*.py\n")
    write(workdir / "a.py")
    assert discovered(["."]) == []
    assert discovered(["a.py"]) == ["a.py"]


def test_file_named_twice_is_analysed_once(workdir: Path) -> None:
    write(workdir / "a.py")
    assert paths_of(scan(["a.py", ".", "a.py"], Settings())) == ["a.py"]


def test_missing_path_gives_an_error_entry(workdir: Path) -> None:
    write(workdir / "a.py")
    reports = by_path(scan(["a.py", "missing.py"], Settings()))
    assert codes(reports["missing.py"]) == ["unreadable"]
    assert "a.py" in reports


# --------------------------------------------------------------------------- ignore rules


def test_gitignore_root_and_nested(workdir: Path) -> None:
    write(workdir / ".gitignore", "ignored/\n*.gen.py\n")
    write(workdir / "sub" / ".gitignore", "secret.py\n!keep.gen.py\n")
    for name in ["a.py", "secret.py", "x.gen.py", "ignored/b.py", "sub/secret.py", "sub/keep.gen.py", "sub/c.py"]:
        write(workdir / name)
    assert discovered(["."]) == ["a.py", "secret.py", "sub/c.py", "sub/keep.gen.py"]


def test_gitignore_above_the_scanned_folder_inside_a_repository(workdir: Path) -> None:
    (workdir / ".git").mkdir()
    write(workdir / ".gitignore", "generated/\n")
    write(workdir / "src" / "generated" / "a.py")
    write(workdir / "src" / "b.py")
    assert discovered(["src"]) == ["src/b.py"]


def test_folder_ignored_by_the_repository_is_scanned_when_named(workdir: Path) -> None:
    (workdir / ".git").mkdir()
    write(workdir / ".gitignore", ".venv/\n")
    write(workdir / ".venv" / "lib" / "site-packages" / "pkg" / "a.py")
    assert discovered([".venv/lib/site-packages"]) == [".venv/lib/site-packages/pkg/a.py"]


def test_exclude_setting(workdir: Path) -> None:
    for name in ["a.py", "generated/b.py", "proto/c_pb2.py", "proto/d.py"]:
        write(workdir / name)
    settings = Settings(exclude=["generated/", "*_pb2.py"])
    assert discovered(["."], settings) == ["a.py", "proto/d.py"]


def test_default_skips(workdir: Path) -> None:
    write(workdir / "keep.py")
    for folder in [
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        "node_modules",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        "build",
        "dist",
        "pkg.egg-info",
    ]:
        write(workdir / folder / "x.py")
    assert discovered(["."]) == ["keep.py"]


def test_virtual_environment_skipped_whatever_its_name(workdir: Path) -> None:
    write(workdir / "main.py")
    write(workdir / "my-env" / "pyvenv.cfg", "home = /usr/bin\n")
    write(workdir / "my-env" / "lib" / "site-packages" / "lib.py")
    assert discovered(["."]) == ["main.py"]


def test_explicitly_named_venv_and_build_folders_are_scanned(workdir: Path) -> None:
    write(workdir / "my-env" / "pyvenv.cfg", "home = /usr/bin\n")
    write(workdir / "my-env" / "lib" / "site-packages" / "lib.py")
    write(workdir / "build" / "gen.py")
    assert discovered(["my-env/lib/site-packages"]) == ["my-env/lib/site-packages/lib.py"]
    assert discovered(["my-env"]) == ["my-env/lib/site-packages/lib.py"]
    assert discovered(["build"]) == ["build/gen.py"]


# --------------------------------------------------------------------------- symlinks


def test_symlinked_folder_outside_is_followed_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "outside" / "lib.py")
    write(tmp_path / "project" / "main.py")
    write(tmp_path / "project" / "pkg" / "mod.py")
    os.symlink(tmp_path / "outside", tmp_path / "project" / "linked")
    os.symlink(tmp_path / "project" / "pkg", tmp_path / "project" / "alias")
    monkeypatch.chdir(tmp_path / "project")
    assert discovered(["."]) == ["main.py", "pkg/mod.py"]  # alias: the same folder, scanned once
    assert discovered(["."], Settings(follow_outside_links=True)) == ["main.py", "pkg/mod.py", "linked/lib.py"]


def test_symlink_loop_is_reported_not_followed(workdir: Path) -> None:
    write(workdir / "pkg" / "a.py")
    os.symlink(workdir / "pkg", workdir / "pkg" / "loop")
    reports = by_path(scan(["."], Settings()))
    assert sorted(reports) == ["pkg/a.py", "pkg/loop"]
    assert codes(reports["pkg/loop"]) == ["symlink-loop"]
    assert "loop" in reports["pkg/loop"].errors[0].message


def test_symlink_to_a_folder_already_scanned_is_not_scanned_twice(workdir: Path) -> None:
    write(workdir / "real" / "a.py")
    os.symlink(workdir / "real", workdir / "alias")  # sorts before "real"
    reports = by_path(scan(["."], Settings()))
    assert sorted(reports) == ["alias", "real/a.py"]
    assert codes(reports["alias"]) == ["symlink-loop"]


def test_broken_symlink_is_unreadable(workdir: Path) -> None:
    write(workdir / "a.py")
    os.symlink(workdir / "gone.py", workdir / "link.py")
    reports = by_path(scan(["."], Settings()))
    assert codes(reports["link.py"]) == ["unreadable"]
    assert "broken symbolic link" in reports["link.py"].errors[0].message
    assert "a.py" in reports


# --------------------------------------------------------------------------- bad input


def test_invalid_utf8_is_analysed_with_a_decode_error(workdir: Path) -> None:
    write(workdir / "bad.py", TUNING.encode() + b"name = '\xff\xfe'\n")
    (report,) = scan(["bad.py"], Settings())
    decode = [error for error in report.errors if error.code == "decode-error"]
    assert len(decode) == 1
    assert decode[0].line == TUNING.count("\n") + 1
    assert f"byte {len(TUNING.encode()) + 8}" in decode[0].message
    document, _ = read_document(workdir / "bad.py", "bad.py", Settings())
    assert document is not None and "\ufffd" in document.text


def test_invalid_utf8_still_reports_findings(workdir: Path) -> None:
    write(workdir / "bad.py", TUNING.encode() + b"name = '\xff\xfe'\n")
    (report,) = scan(["bad.py"], Settings())
    assert codes(report) == ["decode-error"]
    assert report.tuning_applied
    assert report.findings


def test_utf8_bom_is_stripped(workdir: Path) -> None:
    write(workdir / "bom.py", b"\xef\xbb\xbfx = 1\n")
    document = load_document(workdir / "bom.py", "bom.py", Settings())
    assert isinstance(document, Document)
    assert document.text == "x = 1\n"


def test_empty_file(workdir: Path) -> None:
    write(workdir / "empty.py", "")
    (report,) = scan(["."], Settings())
    assert report.path == "empty.py"
    assert report.language == "python"
    assert report.errors == []
    assert not report.tuning_applied


def test_huge_file_is_too_large_without_being_read(workdir: Path) -> None:
    # Sparse: 20 MB of NUL bytes on paper. Had the content been read, the verdict would be
    # "binary"; "too-large" shows the size was judged from stat alone.
    with open(workdir / "huge.py", "wb") as handle:
        handle.truncate(20 * 1024 * 1024)
    assert DEFAULT_MAX_FILE_BYTES < 20 * 1024 * 1024
    (report,) = scan(["."], Settings())
    assert report.path == "huge.py"
    assert codes(report) == ["too-large"]
    assert "20971520 bytes" in report.errors[0].message


def test_max_file_bytes_setting(workdir: Path) -> None:
    write(workdir / "a.py", "x = 12345\n")
    (report,) = scan(["a.py"], Settings(max_file_bytes=5))
    assert codes(report) == ["too-large"]


def test_binary_file(workdir: Path) -> None:
    write(workdir / "blob.py", b"\x7fELF\x02\x01\x00\x00" + bytes(range(256)))
    (report,) = scan(["."], Settings())
    assert codes(report) == ["binary"]


def test_fifo_is_never_opened(workdir: Path) -> None:
    os.mkfifo(workdir / "x.py")
    result: list[list[FileReport]] = []
    # Opening a FIFO with no writer blocks forever; run in a thread so a bug fails instead of hanging.
    worker = threading.Thread(target=lambda: result.append(scan(["."], Settings())), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert result, "scan blocked on a FIFO"
    (report,) = result[0]
    assert report.path == "x.py"
    assert codes(report) == ["unreadable"]
    assert "FIFO" in report.errors[0].message


def test_folder_named_like_a_source_file(workdir: Path) -> None:
    write(workdir / "y.py" / "inner.py")
    loaded = load_document(workdir / "y.py", "y.py", Settings())
    assert isinstance(loaded, FileReport)
    assert codes(loaded) == ["unreadable"]
    # Walked, it is just a folder.
    assert paths_of(scan(["."], Settings())) == ["y.py/inner.py"]


def test_exception_in_analysis_costs_one_file(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hptlens.analysis as analysis

    def boom(document: Document, settings: Settings | None = None) -> FileReport:
        if document.path == "bad.py":
            raise RuntimeError("detector bug")
        return FileReport(path=document.path, language=document.language)

    monkeypatch.setattr(analysis, "analyze", boom, raising=False)
    write(workdir / "bad.py")
    write(workdir / "good.py")
    reports = by_path(scan(["."], Settings(), jobs=1))
    assert codes(reports["bad.py"]) == ["internal-error"]
    assert "detector bug" in reports["bad.py"].errors[0].message
    assert codes(reports["good.py"]) == []


# --------------------------------------------------------------------------- scanning


def test_scan_is_deterministic(workdir: Path) -> None:
    write(workdir / "tune.py", TUNING)
    write(workdir / "pkg" / "plain.py", "print('hi')\n")
    write(workdir / "pkg" / "bad.py", b"\xff\n")
    first = report_json(build_report(scan(["."], Settings())))
    second = report_json(build_report(scan(["."], Settings())))
    assert first == second


def test_parallel_scan_matches_serial(workdir: Path) -> None:
    for index in range(60):
        write(workdir / f"m{index:02}.py", TUNING if index % 3 == 0 else f"x = {index}\n")
    serial = scan(["."], Settings(), jobs=1)
    parallel = scan(["."], Settings(), jobs=2)
    assert report_json(build_report(parallel)) == report_json(build_report(serial))
    assert len(serial) == 60


def test_progress_bar_does_not_disturb_the_scan(workdir: Path) -> None:
    for index in range(25):
        write(workdir / f"m{index:02}.py")
    assert len(scan(["."], Settings(), jobs=1, progress=True)) == 25


def test_scan_reads_settings_from_pyproject(workdir: Path) -> None:
    write(workdir / "pyproject.toml", '[tool.hptlens]\nexclude = ["generated/"]\n')
    write(workdir / "a.py")
    write(workdir / "generated" / "b.py")
    assert paths_of(scan(["."])) == ["a.py"]


# --------------------------------------------------------------------------- discovery edge cases


def test_build_folder_that_is_a_package_is_kept(workdir: Path) -> None:
    write(workdir / "pkg" / "operations" / "build" / "__init__.py")
    write(workdir / "pkg" / "operations" / "build" / "wheel.py")
    write(workdir / "build" / "lib" / "pkg" / "copy.py")
    assert discovered(["."]) == ["pkg/operations/build/__init__.py", "pkg/operations/build/wheel.py"]


def test_exclude_relative_to_the_working_folder(workdir: Path) -> None:
    write(workdir / "fixtures" / "keep" / "a.py")
    write(workdir / "fixtures" / "skip" / "b.py")
    settings = Settings(exclude=["fixtures/skip/"])
    assert discovered(["fixtures"], settings) == ["fixtures/keep/a.py"]
    assert discovered(["."], settings) == ["fixtures/keep/a.py"]


# --------------------------------------------------------------------------- the editor's view


def test_an_editor_scan_uses_open_buffers_and_folder_relative_paths(tmp_path: Path) -> None:
    # The export's scan: the working folder is elsewhere, an open buffer differs from the disk.
    folder = tmp_path / "ws"
    write(folder / "tune.py", TUNING)
    write(folder / "plain.py", "x = 1\n")
    write(folder / "hpt-report.json", "{}\n")
    buffer = Document(path="ignored", text="x = 2\n", language=Language.PYTHON)
    done: list[tuple[int, int]] = []
    view = EditorView(
        buffers={str(folder / "tune.py"): buffer},
        relative_to=str(folder),
        skip=frozenset({str(folder / "hpt-report.json")}),
        progress=lambda n, total: done.append((n, total)),
    )
    reports = scan([folder], Settings(), editor=view)
    assert paths_of(reports) == ["plain.py", "tune.py"]
    assert not by_path(reports)["tune.py"].tuning_applied  # the buffer's text, not the file's
    assert done[-1] == (2, 2)


def test_an_editor_scan_stops_when_cancelled(tmp_path: Path) -> None:
    for i in range(3):
        write(tmp_path / f"m{i}.py", TUNING)
    with pytest.raises(ScanCancelled):
        scan([tmp_path], Settings(), editor=EditorView(cancelled=lambda: True))
