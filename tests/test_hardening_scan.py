"""A scan of a hostile tree: every good file's findings and a clear entry for each bad one
(issue 11, "Done when"); a worker killed by a native crash costs only its file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile import HOSTILE_FILES, OPTUNA

from hptlens.workspace.isolation import CRASH_MESSAGE

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
