"""Writing test files."""

from __future__ import annotations

from pathlib import Path


def write(path: Path, content: str | bytes = "x = 1\n") -> Path:
    """Write `content` at `path`, making its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path
