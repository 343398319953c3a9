"""Analysis cost against the parse, counted in instructions: a ratio a busy machine cannot blur.

Wall and CPU seconds on a shared 2-core machine move by tens of percent with the neighbours'
load; valgrind's callgrind counts the instructions a process executes, which do not. Each
pass runs in its own process under callgrind over the same Python corpus (the virtual
environment's site-packages, sorted, up to --min-lines): `load` reads the files and warms
hptlens (imports, the lazy catalog), `parse` adds a tree-sitter parse of every file, and
`analysis` adds the whole analysis instead. The parse costs parse - load instructions, the
analysis analysis - load; their ratio is the figure bench_scan.py times in seconds.

`--against REV` measures a git revision of this repository the same way (checked out into a
temporary worktree, run with this interpreter), so a change can be judged by the ratio before
and after: issue 10 asks that the ratio stays within 10% of its value before that work.

    .venv/bin/python bench/bench_instructions.py                    # this tree
    .venv/bin/python bench/bench_instructions.py --against 72e1345^ # and a revision, same corpus
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_COLLECTED = re.compile(rb"Collected : (\d+)")
_WARM = "import optuna\nfor lr in [1e-3, 1e-4]:\n    train(lr=lr)\n"


def corpus(min_lines: int) -> list[tuple[str, str]]:
    """Site-packages .py files in sorted order until min_lines lines, hptlens itself left out."""
    files: list[tuple[str, str]] = []
    lines = 0
    for path in sorted(Path(sysconfig.get_paths()["purelib"]).rglob("*.py")):
        if "hptlens" in path.parts or path.name.startswith("__editable__"):
            continue
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        files.append((str(path), text))
        lines += text.count("\n") + 1
        if lines >= min_lines:
            break
    return files


def run_pass(mode: str, min_lines: int) -> None:
    """One pass in this process (what callgrind counts): load, parse or analysis."""
    from hptlens.analysis import analyze
    from hptlens.analysis.pyfile import parse
    from hptlens.documents import Document
    from hptlens.settings import Settings

    files = corpus(min_lines)
    settings = Settings()
    analyze(Document.from_text("warm.py", _WARM), settings)
    if mode == "parse":
        for _, text in files:
            parse(text.encode("utf-8"))
    elif mode == "analysis":
        for path, text in files:
            analyze(Document.from_text(path, text), settings)


def count(server: Path, mode: str, min_lines: int) -> int:
    """Instructions callgrind counts for one pass, with `server` first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(server)}
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    command += [__file__, "--pass", mode, "--min-lines", str(min_lines)]
    done = subprocess.run(command, env=env, capture_output=True, cwd=tempfile.gettempdir())
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"callgrind pass '{mode}' failed ({done.returncode}): {done.stderr[-600:].decode()}")
    return int(found.group(1))


def ratio(server: Path, min_lines: int) -> tuple[int, int, float]:
    """(parse instructions, analysis instructions, analysis / parse) for one source tree."""
    load, parsed, analysed = (count(server, mode, min_lines) for mode in ("load", "parse", "analysis"))
    return parsed - load, analysed - load, (analysed - load) / (parsed - load)


def worktree(rev: str, into: Path) -> Path:
    command = ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(into), rev]
    subprocess.run(command, check=True, capture_output=True)
    return into / "server"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-lines", type=int, default=60_000, help="corpus size in lines (default 60,000)")
    parser.add_argument("--against", metavar="REV", help="also measure this git revision")
    parser.add_argument("--pass", dest="mode", choices=("load", "parse", "analysis"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.mode:
        run_pass(args.mode, args.min_lines)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian package valgrind): nothing measured")
        return 1
    files = corpus(args.min_lines)
    print(f"corpus  {len(files)} files, {sum(t.count(chr(10)) + 1 for _, t in files):,} lines of site-packages")
    rows = [("this tree", ROOT / "server")]
    with tempfile.TemporaryDirectory() as scratch:
        if args.against:
            rows.append((args.against, worktree(args.against, Path(scratch) / "rev")))
        try:
            results = [(name, *ratio(server, args.min_lines)) for name, server in rows]
        finally:
            if args.against:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(Path(scratch) / "rev")])
    print(f"{'tree':<16}{'parse instr.':>16}{'analysis instr.':>18}{'ratio':>8}")
    for name, parsed, analysed, r in results:
        print(f"{name:<16}{parsed:>16,}{analysed:>18,}{r:>7.3f}x")
    if len(results) == 2:
        print(f"change  {results[0][3] / results[1][3] - 1:+.1%} in the ratio against {args.against}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
