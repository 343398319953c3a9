"""A scan of a hostile tree: every good file's findings and a clear entry for each bad one
(issue 11, "Done when"); a worker killed by a native crash costs only its file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hptlens.workspace.isolation import CRASH_MESSAGE
from support.hostile import HOSTILE_FILES, OPTUNA

CRASH = "native-crash-here"


def hostile_tree(root: Path, good: int = 60) -> None:
    for i in range(good):
        (root / "good").mkdir(exist_ok=True)
        (root / "good" / f"tune_{i:02}.py").write_text(OPTUNA, encoding="utf-8")
    (root / "bad").mkdir()
    for name, data in HOSTILE_FILES.items():
        (root / "bad" / name).write_bytes(data)
    (root / "bad" / f"{CRASH}.py").write_text(OPTUNA, encoding="utf-8")
    (root / "bad" / "binary.py").write_bytes(b"\x00\x01" * 100)
    (root / "bad" / "loop").symlink_to(root / "bad")
    os.mkfifo(root / "bad" / "fifo.py")


def scan(root: Path, *flags: str) -> tuple[int, dict[str, dict], str]:
    env = {**os.environ, "HPTLENS_TEST_CRASH_MARKER": CRASH}
    result = subprocess.run(
        [sys.executable, "-m", "hptlens", "scan", ".", "--format", "json", *flags],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    files = {f["path"]: f for f in json.loads(result.stdout)["files"]} if result.stdout else {}
    return result.returncode, files, result.stderr


@pytest.mark.parametrize("jobs", ["0", "2"])
def test_a_hostile_tree_scans_with_every_good_finding(tmp_path: Path, jobs: str) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    hostile_tree(tmp_path)
    code, files, err = scan(tmp_path, "--jobs", jobs)
    assert code == 0, err
    good = [f for path, f in files.items() if path.startswith("good/")]
    assert len(good) == 60 and all(len(f["findings"]) == 3 and not f["errors"] for f in good)
    crashed = files[f"bad/{CRASH}.py"]
    assert [e["message"] for e in crashed["errors"]] == [CRASH_MESSAGE]
    codes = {path: [e["code"] for e in f["errors"]] for path, f in files.items() if path.startswith("bad/")}
    assert codes["bad/deep_defs.py"] == ["too-deep"]
    assert codes["bad/deep_json.ipynb"] == ["malformed"]
    assert codes["bad/binary.py"] == ["binary"] and codes["bad/fifo.py"] == ["unreadable"]
    assert codes["bad/loop"] == ["symlink-loop"]
    assert "decode-error" in codes["bad/surrogate_cell.ipynb"] and "decode-error" in codes["bad/bad_utf8.py"]
    for name in ("surrogate.py", "surrogate_cell.ipynb", "huge_int.py", "cr_only.yaml", "bad_utf8.py"):
        assert files[f"bad/{name}"]["findings"], name
    assert all(c != ["internal-error"] for path, c in codes.items() if CRASH not in path), codes


def test_links_out_of_the_root_are_reported_not_followed(tmp_path: Path) -> None:
    from hptlens.settings import Settings
    from hptlens.workspace import scan as scan_tree

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("for lr in [0.1, 0.2]:\n    train(lr=lr)\n", encoding="utf-8")
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "tune.py").write_text(OPTUNA, encoding="utf-8")
    (root / "file_link.py").symlink_to(outside / "secret.py")
    (root / "folder_link").symlink_to(outside)
    (root / "etc").symlink_to("/etc")
    (root / "sub" / "inside_link.py").symlink_to(root / "tune.py")
    reports = {Path(r.path).relative_to(root).as_posix(): r for r in scan_tree([root], Settings())}
    codes = {path: [e.code for e in r.errors] for path, r in reports.items()}
    assert codes["file_link.py"] == codes["folder_link"] == codes["etc"] == ["outside-root"]
    assert reports["sub/inside_link.py"].findings and reports["tune.py"].findings
    assert not any("secret" in path or path.startswith("etc/") for path in reports)
    followed = {
        Path(r.path).relative_to(root).as_posix() for r in scan_tree([root], Settings(follow_outside_links=True))
    }
    assert {"file_link.py", "folder_link/secret.py"} <= followed


def test_the_cli_option_follows_links_out_of_the_root(tmp_path: Path) -> None:
    (tmp_path / "outside.py").write_text("for lr in [0.1, 0.2]:\n    train(lr=lr)\n", encoding="utf-8")
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "link.py").symlink_to(tmp_path / "outside.py")
    _, files, _ = scan(tmp_path / "root")
    assert [e["code"] for e in files["link.py"]["errors"]] == ["outside-root"]
    _, files, _ = scan(tmp_path / "root", "--follow-outside-links")
    assert files["link.py"]["findings"] and not files["link.py"]["errors"]
