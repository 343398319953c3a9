"""Scan throughput benchmark: hptlens analysis vs. a tree-sitter parse-only floor.

Reads a corpus of real Python files into memory once (site-packages of the running
interpreter by default), then times, interleaved and single-threaded,
  floor:    `pyfile.parse` of every file (what any tree-sitter tool must pay), and
  analysis: `analyze(Document.from_text(path, text))` of every file (the whole core),
and reports lines/s for both, their ratio, peak memory, and what the analysis found.

Run:  .venv/bin/python bench/bench_scan.py [--repeat 5] [--show-findings] [--json]
See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import resource
import statistics
import sys
import sysconfig
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from hptlens.analysis import analyze
from hptlens.analysis.pyfile import parse
from hptlens.analysis.shell.file import parse as parse_shell
from hptlens.documents import Document
from hptlens.report import FileReport
from hptlens.settings import Settings

TARGET_LINES_PER_S = 100_000
TARGET_RATIO = 2.0


# ---- results (the --json output) --------------------------------------------------------


class CorpusInfo(BaseModel):
    root: str
    files: int
    lines: int
    bytes: int
    skipped_undecodable: int = 0


class PassStats(BaseModel):
    wall_s: list[float] = Field(description="wall time of each repeat, in order")
    cpu_s: list[float] = Field(description="process CPU time of each repeat")
    median_s: float
    min_s: float
    max_s: float
    median_cpu_s: float
    lines_per_s: float = Field(description="corpus lines / median wall time")
    lines_per_cpu_s: float = Field(description="corpus lines / median CPU time")


class FindingRow(BaseModel):
    path: str
    line: int
    kind: str
    library: str
    confidence: float
    message: str


class SlowFile(BaseModel):
    path: str
    lines: int
    parse_ms: float
    analysis_ms: float
    ratio: float


class FindingsInfo(BaseModel):
    files_with_findings: int
    findings: int
    by_kind: dict[str, int]
    by_library: dict[str, int]
    syntax_error_files: int
    internal_errors: list[str] = Field(description="'path: message' of every internal-error entry")
    top: list[FindingRow] = Field(default_factory=list)


class Memory(BaseModel):
    rss_after_load_mib: float = Field(description="peak RSS once the corpus is in memory")
    peak_rss_mib: float = Field(description="peak RSS of the process after all passes")
    tracemalloc_peak_mib: float | None = Field(
        default=None, description="Python-heap peak of one analysis pass (tree-sitter's C heap not included)"
    )


class BenchResult(BaseModel):
    python: str
    cpu_affinity: list[int] | None
    repeat: int
    corpus: CorpusInfo
    parse: PassStats
    analysis: PassStats
    ratio_median: float = Field(description="median over repeats of analysis time / parse time")
    ratio_min: float
    ratio_max: float
    meets_throughput_target: bool
    meets_ratio_target: bool
    memory: Memory
    findings: FindingsInfo
    slowest: list[SlowFile] = Field(default_factory=list)


# ---- corpus -----------------------------------------------------------------------------


def line_count(text: str) -> int:
    """Counted as the analysis counts them: a last line without newline still counts."""
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


SHELL_ROOTS = (
    Path(__file__).resolve().parent.parent / "fixtures" / "shell",
    Path("/usr/share"),
    Path("/usr/lib"),
    Path("/etc"),
)
"""Shell scripts join the corpus from the shell fixtures and, where present, the system's own scripts."""


def load_corpus(
    root: Path, min_lines: int, pattern: str = "*.py", roots: tuple[Path, ...] = ()
) -> tuple[list[tuple[str, str]], CorpusInfo]:
    """(relative path, text) pairs in sorted path order until `min_lines` are reached.

    min_lines <= 0 takes every file. Undecodable files are skipped (and counted): the
    benchmark is about analysis speed, not about decode errors.
    """
    found = [p for r in (root, *roots) if r.is_dir() for p in _glob(r, pattern)]
    paths = sorted(p for p in found if p.is_file())
    files: list[tuple[str, str]] = []
    lines = size = skipped = 0
    for path in paths:
        if 0 < min_lines <= lines:
            break
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            skipped += 1
            continue
        files.append((path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix(), text))
        lines += line_count(text)
        size += len(data)
    info = CorpusInfo(root=str(root), files=len(files), lines=lines, bytes=size, skipped_undecodable=skipped)
    return files, info


def _glob(root: Path, pattern: str) -> list[Path]:
    try:
        return list(root.rglob(pattern))
    except OSError:
        return []


# ---- the two passes ---------------------------------------------------------------------


def parse_pass(files: list[tuple[str, str]]) -> None:
    # Encoding is included because the analysis has to do it too (it gets a str).
    for path, text in files:
        (parse_shell if path.endswith(".sh") else parse)(text.encode("utf-8", "surrogatepass"))


def analysis_pass(files: list[tuple[str, str]], settings: Settings) -> list[FileReport]:
    return [analyze(Document.from_text(path, text), settings) for path, text in files]


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) seconds of one call; garbage of earlier passes is collected first."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def pass_stats(wall: list[float], cpu: list[float], lines: int) -> PassStats:
    median, median_cpu = statistics.median(wall), statistics.median(cpu)
    return PassStats(
        wall_s=[round(w, 4) for w in wall],
        cpu_s=[round(c, 4) for c in cpu],
        median_s=median,
        min_s=min(wall),
        max_s=max(wall),
        median_cpu_s=median_cpu,
        lines_per_s=lines / median,
        lines_per_cpu_s=lines / median_cpu,
    )


def run_passes(files: list[tuple[str, str]], settings: Settings, repeat: int) -> tuple[list[float], ...]:
    """Interleaved floor/analysis repeats after one untimed warm-up of each."""
    parse_pass(files)
    analysis_pass(files, settings)
    pw: list[float] = []
    pc: list[float] = []
    aw: list[float] = []
    ac: list[float] = []
    for _ in range(repeat):
        wall, cpu = timed(lambda: parse_pass(files))
        pw.append(wall)
        pc.append(cpu)
        wall, cpu = timed(lambda: analysis_pass(files, settings))
        aw.append(wall)
        ac.append(cpu)
    return pw, pc, aw, ac


# ---- findings, slow files, memory, profile ---------------------------------------------


def summarize_findings(reports: list[FileReport], top: int) -> FindingsInfo:
    rows: list[FindingRow] = []
    kinds: Counter[str] = Counter()
    libraries: Counter[str] = Counter()
    internal: list[str] = []
    syntax = 0
    for report in reports:
        for error in report.errors:
            if error.code == "internal-error":
                internal.append(f"{report.path}: {error.message}")
        syntax += any(e.code == "syntax-error" for e in report.errors)
        for finding in report.findings:
            kind = str(getattr(finding.kind, "value", finding.kind))
            kinds[kind] += 1
            libraries[finding.library] += 1
            rows.append(
                FindingRow(
                    path=report.path,
                    line=finding.range.start.line,
                    kind=kind,
                    library=finding.library,
                    confidence=finding.confidence,
                    message=finding.message,
                )
            )
    # "Top" = most confident first, so the reviewer sees what the tool is surest of.
    rows.sort(key=lambda r: (-r.confidence, r.path, r.line))
    return FindingsInfo(
        files_with_findings=sum(1 for r in reports if r.findings),
        findings=len(rows),
        by_kind=dict(kinds.most_common()),
        by_library=dict(libraries.most_common()),
        syntax_error_files=syntax,
        internal_errors=internal,
        top=rows[:top],
    )


def slowest_files(files: list[tuple[str, str]], settings: Settings, count: int) -> list[SlowFile]:
    """Per-file timing (one extra, separate pass), ranked by analysis time beyond the parse."""
    rows: list[SlowFile] = []
    for path, text in files:
        start = time.perf_counter()
        (parse_shell if path.endswith(".sh") else parse)(text.encode("utf-8", "surrogatepass"))
        middle = time.perf_counter()
        analyze(Document.from_text(path, text), settings)
        end = time.perf_counter()
        p, a = (middle - start) * 1000, (end - middle) * 1000
        rows.append(SlowFile(path=path, lines=line_count(text), parse_ms=p, analysis_ms=a, ratio=a / max(p, 1e-6)))
    rows.sort(key=lambda r: r.analysis_ms - r.parse_ms, reverse=True)
    return rows[:count]


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def tracemalloc_peak_mib(files: list[tuple[str, str]], settings: Settings) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        analysis_pass(files, settings)
        return tracemalloc.get_traced_memory()[1] / (1024 * 1024)
    finally:
        tracemalloc.stop()


def profile_text(files: list[tuple[str, str]], settings: Settings, top: int) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(analysis_pass, files, settings)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# ---- output -----------------------------------------------------------------------------


def render(result: BenchResult, show_findings: bool) -> str:
    c, p, a = result.corpus, result.parse, result.analysis
    out = [
        f"corpus      {c.root}",
        f"            {c.files:,} files, {c.lines:,} lines, {c.bytes / 1e6:.1f} MB"
        + (f" ({c.skipped_undecodable} undecodable skipped)" if c.skipped_undecodable else ""),
        f"python      {result.python}; CPU affinity {result.cpu_affinity}; repeats {result.repeat}",
        "",
        f"{'pass':<10} {'median s':>9} {'min s':>8} {'max s':>8} {'cpu s':>8} {'lines/s':>11} {'lines/cpu-s':>12}",
    ]
    for name, s in (("parse", p), ("analysis", a)):
        out.append(
            f"{name:<10} {s.median_s:>9.3f} {s.min_s:>8.3f} {s.max_s:>8.3f} {s.median_cpu_s:>8.3f}"
            f" {s.lines_per_s:>11,.0f} {s.lines_per_cpu_s:>12,.0f}"
        )
    ok = {True: "ok", False: "MISSED"}
    out += [
        "",
        f"ratio analysis/parse  median {result.ratio_median:.2f}x (min {result.ratio_min:.2f}, "
        f"max {result.ratio_max:.2f})   target <= {TARGET_RATIO:.0f}x: {ok[result.meets_ratio_target]}",
        f"analysis throughput   {a.lines_per_s:,.0f} lines/s   target >= {TARGET_LINES_PER_S:,}: "
        f"{ok[result.meets_throughput_target]}",
        f"memory                peak RSS {result.memory.peak_rss_mib:.0f} MiB "
        f"(corpus loaded: {result.memory.rss_after_load_mib:.0f} MiB)"
        + (
            f"; tracemalloc peak of one analysis pass {result.memory.tracemalloc_peak_mib:.1f} MiB"
            if result.memory.tracemalloc_peak_mib is not None
            else ""
        ),
    ]
    out += render_findings(result.findings, show_findings)
    if result.slowest:
        out += ["", "files with the most analysis time beyond the parse (one separate pass):"]
        for s in result.slowest:
            out.append(
                f"  {s.analysis_ms:8.1f} ms analysis {s.parse_ms:7.1f} ms parse ({s.ratio:5.1f}x) "
                f"{s.lines:>6} lines  {s.path}"
            )
    return "\n".join(out)


def render_findings(f: FindingsInfo, show: bool) -> list[str]:
    out = [
        "",
        f"findings              {f.findings} in {f.files_with_findings} files; by kind {f.by_kind}",
        f"                      by library {f.by_library}",
        f"syntax-error files    {f.syntax_error_files}",
        f"internal errors       {len(f.internal_errors)}",
    ]
    out += [f"  {line}" for line in f.internal_errors]
    if show and f.top:
        out += ["", f"top {len(f.top)} findings (most confident first):"]
        out += [f"  {r.path}:{r.line}  {r.kind}  [{r.library}, {r.confidence:.2f}]  {r.message}" for r in f.top]
    return out


# ---- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--corpus",
        type=Path,
        default=Path(sysconfig.get_paths()["purelib"]),
        help="folder whose *.py files form the corpus (default: this interpreter's site-packages)",
    )
    ap.add_argument(
        "--min-lines",
        type=int,
        default=200_000,
        help="take files in sorted path order until this many lines (0: all files)",
    )
    ap.add_argument(
        "--shell-lines",
        type=int,
        default=10_000,
        help="also take shell scripts (the shell fixtures, then the system's) up to this many lines (0: none)",
    )
    ap.add_argument("--repeat", type=int, default=5, help="timed repeats of each pass (default 5)")
    ap.add_argument("--show-findings", action="store_true", help="list the top findings for review")
    ap.add_argument("--top", type=int, default=20, help="how many findings --show-findings lists")
    ap.add_argument("--slowest", type=int, default=5, help="list the N slowest files (0: skip the extra pass)")
    ap.add_argument("--tracemalloc", action="store_true", help="measure the Python-heap peak of one analysis pass")
    ap.add_argument("--profile", action="store_true", help="cProfile one analysis pass (top 25 by cumtime)")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be >= 1")
    if not args.corpus.is_dir():
        ap.error(f"--corpus {args.corpus} is not a directory")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Settings()
    files, corpus = load_corpus(args.corpus, args.min_lines)
    if args.shell_lines:
        shell, shell_info = load_corpus(Path("/nonexistent"), args.shell_lines, "*.sh", SHELL_ROOTS)
        files += shell
        corpus.files += shell_info.files
        corpus.lines += shell_info.lines
        corpus.bytes += shell_info.bytes
    if not files:
        print(f"no decodable .py files under {args.corpus}", file=sys.stderr)
        return 0
    rss_loaded = peak_rss_mib()
    pw, pc, aw, ac = run_passes(files, settings, args.repeat)
    reports = analysis_pass(files, settings)
    ratios = [a / p for a, p in zip(aw, pw)]
    parse_stats, analysis_stats = pass_stats(pw, pc, corpus.lines), pass_stats(aw, ac, corpus.lines)
    peak = peak_rss_mib()  # before the optional diagnostics, which may allocate more
    result = BenchResult(
        python=sys.version.split()[0],
        cpu_affinity=sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        repeat=args.repeat,
        corpus=corpus,
        parse=parse_stats,
        analysis=analysis_stats,
        ratio_median=statistics.median(ratios),
        ratio_min=min(ratios),
        ratio_max=max(ratios),
        meets_throughput_target=analysis_stats.lines_per_s >= TARGET_LINES_PER_S,
        meets_ratio_target=statistics.median(ratios) <= TARGET_RATIO,
        memory=Memory(rss_after_load_mib=rss_loaded, peak_rss_mib=peak),
        findings=summarize_findings(reports, args.top),
        slowest=slowest_files(files, settings, args.slowest) if args.slowest > 0 else [],
    )
    if args.tracemalloc:
        result.memory.tracemalloc_peak_mib = tracemalloc_peak_mib(files, settings)
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        print(render(result, args.show_findings))
    if args.profile:
        print("\n" + profile_text(files, settings, 25), file=sys.stderr if args.json else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
