"""Modules stay small: no module under server/hptlens is over 600 lines (DESIGN.md, issue 9).

A module that grows past the limit holds more than one concern; split it by what it holds
rather than raising the limit.
"""

from __future__ import annotations

from pathlib import Path

from support.paths import ROOT

MAX_LINES = 600
PACKAGE = ROOT / "server" / "hptlens"


def line_count(path: Path) -> int:
    """Lines as `wc -l` counts them (newline characters)."""
    return path.read_bytes().count(b"\n")


def oversized(root: Path, limit: int = MAX_LINES) -> list[str]:
    """`path: lines` for every Python module under root over the limit, largest first."""
    sizes = [(line_count(path), path) for path in root.rglob("*.py")]
    return [
        f"{path.relative_to(root).as_posix()}: {lines}" for lines, path in sorted(sizes, reverse=True) if lines > limit
    ]


def test_no_module_over_the_limit() -> None:
    offenders = oversized(PACKAGE)
    assert not offenders, f"modules over {MAX_LINES} lines (split them by what they hold): " + ", ".join(offenders)


def test_the_gate_names_an_oversized_module(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "big.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (tmp_path / "pkg" / "small.py").write_text("x = 1\n" * MAX_LINES)
    (tmp_path / "notes.txt").write_text("x\n" * (MAX_LINES + 5))
    assert oversized(tmp_path) == [f"pkg/big.py: {MAX_LINES + 1}"]


def test_the_package_is_found() -> None:
    assert (PACKAGE / "__init__.py").is_file()
    assert len(list(PACKAGE.rglob("*.py"))) > 50
