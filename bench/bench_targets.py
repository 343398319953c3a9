"""Issue 13's speed targets, each measured and printed with its figure (not a test).

    python bench/bench_targets.py              # every target (several minutes)
    python bench/bench_targets.py --quick      # smaller sizes and fewer runs, to try it out
    python bench/bench_targets.py --only size,startup

Parts (each a function below, each printed as `target | figure | verdict`):
  size     analysis time per line of a large file (1M lines) against a small one (10k), for a
           tuning-dense file and a plain one, each also against the parse-only floor, and the
           memory the analysis needs beyond the syntax tree; CPU seconds in a fresh process
  folder   whole-process `hptlens scan --jobs 1` of the standard library's top-level modules
           against a whole-process tree-sitter parse of the same files (the floor), and the peers
           that are installed (ruff, ast-grep, Semgrep; each skipped with a note when absent)
  jobs     `--jobs 2` against `--jobs 1` on a large corpus, and the automatic mode against one
           job on that corpus and on the fixtures
  startup  `hptlens scan` of one small file, and `hptlens serve` answering `initialize`
  editor   didChange -> diagnostics latency on tuning-dense documents (see bench_lsp.py), and the
           server's memory with many documents open
  configs  YAML and JSON config analysis, lines per CPU second

Whole processes are timed from outside (wall clock, and the child's own CPU time from wait4); pairs
run in turn and each figure is the median of the runs. The machine's load moves absolute figures:
ratios measured in one run are the figures to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HPTLENS = str(BIN / "hptlens") if (BIN / "hptlens").exists() else shutil.which("hptlens") or "hptlens"
DENSE_FIXTURES = ("optuna_rlzoo_ppo.py", "ray_pbt_rllib_ppo.py", "hyperopt_dqn_tuning.py", "hand_grid_nested.py")
ROWS: list[tuple[str, str, str]] = []


def row(target: str, figure: str, met: bool | None) -> None:
    verdict = "met" if met else "NOT met" if met is not None else ""
    ROWS.append((target, figure, verdict))
    print(f"  {target:<58} {figure:<44} {verdict}", flush=True)


def note(text: str) -> None:
    ROWS.append((text, "", ""))
    print(f"  {text}", flush=True)


# ---------------------------------------------------------------------- whole processes


def run_once(command: list[str]) -> tuple[float, float]:
    """(wall s, CPU s of the child and what it waited for) of one run; output thrown away."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def paired(commands: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) of each command, the commands run in turn after one warm-up each."""
    for command in commands.values():
        run_once(command)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(run_once(command))
    return {
        name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
        for name, values in samples.items()
    }


def lines_of(paths: list[Path]) -> int:
    return sum(p.read_bytes().count(b"\n") for p in paths)


def copy_corpus(source: list[Path], target: Path) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for index, path in enumerate(source):
        destination = target / f"m{index:05d}_{path.name}"
        shutil.copyfile(path, destination)
        copied.append(destination)
    return copied


FLOOR = """
import sys, tree_sitter_python
from pathlib import Path
from tree_sitter import Language, Parser
parser = Parser(Language(tree_sitter_python.language()))
for path in sorted(Path(sys.argv[1]).rglob("*.py")):
    parser.parse(path.read_bytes())
"""
"""The parse-only floor as a whole process: read and parse every file, nothing else."""


# ---------------------------------------------------------------------- size scaling

SIZE_RUN = """
import json, resource, sys, time
from hptlens.analysis import analyze
from hptlens.analysis.pyfile import parse
from hptlens.documents import Document
text = sys.stdin.read()
source = text.encode()
start = time.process_time(); tree = parse(source); parse_s = time.process_time() - start
with_tree = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
del tree
start = time.process_time()
report = analyze(Document.from_text("big.py", text))
analysis_s = time.process_time() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps([parse_s, analysis_s, (peak - with_tree) / 1024, len(report.findings)]))
"""


def repeated(unit: str, lines: int) -> str:
    """`unit` repeated and cut to exactly `lines` lines."""
    copies = lines // max(1, unit.count("\n")) + 1
    return "\n".join((unit * copies).split("\n")[:lines]) + "\n"


def measure_size(text: str) -> tuple[float, float, float, int]:
    done = subprocess.run(
        [sys.executable, "-c", SIZE_RUN], input=text, capture_output=True, text=True, check=True, timeout=7200
    )
    parse_s, analysis_s, beyond_mib, findings = json.loads(done.stdout)
    return parse_s, analysis_s, beyond_mib, findings


def size_targets(small: int, large: int) -> None:
    print(f"size scaling ({small:,} vs {large:,} lines, CPU s in a fresh process):", flush=True)
    shapes = {
        "tuning-dense": "".join((ROOT / "fixtures" / "python" / f).read_text() + "\n" for f in DENSE_FIXTURES),
        "plain (argparse.py)": Path(sysconfig.get_paths()["stdlib"], "argparse.py").read_text(),
    }
    for name, unit in shapes.items():
        p1, a1, _, f1 = measure_size(repeated(unit, small))
        p2, a2, beyond, f2 = measure_size(repeated(unit, large))
        per_line = (a2 / large) / (a1 / small)
        note(
            f"{name}: {small:,} lines {a1:.2f} s (parse {p1:.2f} s, {f1} findings); "
            f"{large:,} lines {a2:.2f} s (parse {p2:.2f} s, {f2} findings)"
        )
        row(f"{name}: time per line, large / small <= 1.5", f"{per_line:.2f}", per_line <= 1.5)
        row(f"{name}: large file analysis / parse floor <= 3", f"{a2 / p2:.2f}", a2 / p2 <= 3)
        row(f"{name}: memory beyond the tree at {large:,} lines < 200 MiB", f"{beyond:.0f} MiB", beyond < 200)


# ---------------------------------------------------------------------- folder scan


def peer_commands(folder: Path, rules: Path) -> tuple[dict[str, list[str]], list[str]]:
    found: dict[str, list[str]] = {}
    missing = []
    ruff = str(BIN / "ruff") if (BIN / "ruff").exists() else shutil.which("ruff")
    if ruff:
        found["ruff --select ALL"] = [ruff, "check", "--select", "ALL", "--no-cache", "--exit-zero", "-q", str(folder)]
    else:
        missing.append("ruff")
    ast_grep = shutil.which("ast-grep")
    if ast_grep:
        found["ast-grep"] = [ast_grep, "scan", "--rule", str(rules / "ast-grep.yml"), str(folder)]
    else:
        missing.append("ast-grep")
    semgrep = shutil.which("semgrep")
    if semgrep:
        found["semgrep"] = [semgrep, "--config", str(rules / "semgrep.yml"), "--metrics", "off", "-q", str(folder)]
    else:
        missing.append("semgrep")
    return found, missing


AST_GREP_RULE = """id: hpt-suggest
language: python
severity: info
message: hyperparameter search space
rule:
  any:
    - pattern: $T.suggest_float($$$)
    - pattern: $T.suggest_int($$$)
    - pattern: $T.suggest_categorical($$$)
    - pattern: tune.grid_search($$$)
    - pattern: GridSearchCV($$$)
"""
SEMGREP_RULE = """rules:
  - id: hpt-suggest
    languages: [python]
    severity: INFO
    message: hyperparameter search space
    pattern-either:
      - pattern: $T.suggest_float(...)
      - pattern: $T.suggest_int(...)
      - pattern: $T.suggest_categorical(...)
      - pattern: tune.grid_search(...)
      - pattern: GridSearchCV(...)
"""


def folder_targets(work: Path, runs: int) -> None:
    stdlib = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
    folder = work / "stdlib"
    files = copy_corpus(stdlib, folder)
    lines = lines_of(files)
    rules = work / "rules"
    rules.mkdir()
    (rules / "ast-grep.yml").write_text(AST_GREP_RULE)
    (rules / "semgrep.yml").write_text(SEMGREP_RULE)
    print(
        f"folder scan, whole process, one job ({len(files)} stdlib modules, {lines:,} lines, {runs} runs):", flush=True
    )
    peers, missing = peer_commands(folder, rules)
    commands = {
        "floor": [sys.executable, "-c", FLOOR, str(folder)],
        "hptlens": [HPTLENS, "scan", "--jobs", "1", "--format", "json", "-o", os.devnull, str(folder)],
        **peers,
    }
    medians = paired(commands, runs)
    for name, (wall, cpu) in medians.items():
        note(
            f"{name}: {wall:.2f} s wall, {cpu:.2f} s CPU, {lines / wall:,.0f} lines/s, "
            f"{wall / medians['floor'][0]:.2f}x the floor"
        )
    ratio = medians["hptlens"][0] / medians["floor"][0]
    row("hptlens / parse-only floor <= 1.5", f"{ratio:.2f}", ratio <= 1.5)
    speed = lines / medians["hptlens"][1]
    row(">= 250k lines/s on an idle core (lines / CPU s)", f"{speed:,.0f} lines/s", speed >= 250_000)
    if "semgrep" in medians:
        times = medians["semgrep"][0] / medians["hptlens"][0]
        row(">= 10x Semgrep's speed", f"{times:.1f}x", times >= 10)
    for name in missing:
        note(f"{name}: not installed here, skipped")


# ---------------------------------------------------------------------- jobs


def jobs_targets(work: Path, corpus_lines: int, runs: int) -> None:
    site = Path(sysconfig.get_paths()["purelib"])
    chosen: list[Path] = []
    total = 0
    for path in sorted(site.rglob("*.py")):
        if total >= corpus_lines:
            break
        if "hptlens" in path.parts or not path.is_file():
            continue
        chosen.append(path)
        total += path.read_bytes().count(b"\n")
    folder = work / "corpus"
    copy_corpus(chosen, folder)
    print(
        f"parallel scan ({len(chosen)} site-packages files, {total:,} lines, {runs} runs, "
        f"{len(os.sched_getaffinity(0))} cores):",
        flush=True,
    )

    def scan(jobs: int, target: Path) -> list[str]:
        return [
            HPTLENS,
            "scan",
            "--jobs",
            str(jobs),
            "--format",
            "json",
            "-o",
            os.devnull,
            "--no-progress",
            str(target),
        ]

    medians = paired({"1 job": scan(1, folder), "2 jobs": scan(2, folder), "auto": scan(0, folder)}, runs)
    for name, (wall, cpu) in medians.items():
        note(f"{name}: {wall:.2f} s wall, {cpu:.2f} s CPU")
    speedup = medians["1 job"][0] / medians["2 jobs"][0]
    row("2 jobs >= 1.8x one job (large corpus)", f"{speedup:.2f}x", speedup >= 1.8)
    auto = medians["auto"][0] / medians["1 job"][0]
    row("automatic mode / one job <= 1 (large corpus)", f"{auto:.2f}", auto <= 1.0)
    fixtures = paired({"1 job": scan(1, ROOT / "fixtures"), "auto": scan(0, ROOT / "fixtures")}, runs * 2)
    small = fixtures["auto"][0] / fixtures["1 job"][0]
    row("automatic mode / one job <= 1 (the fixtures)", f"{small:.2f}", small <= 1.0)


# ---------------------------------------------------------------------- start-up


def initialize_time() -> float:
    """Seconds from starting `hptlens serve` to its answer to `initialize` (stdio, JSON-RPC)."""
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "rootUri": None, "capabilities": {}},
        }
    ).encode()
    started = time.perf_counter()
    process = subprocess.Popen(
        [HPTLENS, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    process.stdin.flush()
    length = 0
    while line := process.stdout.readline().strip():
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    process.stdout.read(length)
    elapsed = time.perf_counter() - started
    process.kill()
    process.wait()
    return elapsed


def startup_targets(work: Path, runs: int) -> None:
    small = work / "small.py"
    small.write_text((ROOT / "fixtures" / "python" / "optuna_simple.py").read_text())
    print(f"start-up ({runs} runs):", flush=True)
    commands = {"python -c pass": [sys.executable, "-c", "pass"], "hptlens scan": [HPTLENS, "scan", str(small)]}
    ruff = BIN / "ruff"
    if ruff.exists():
        commands["ruff check"] = [str(ruff), "check", "--no-cache", "--exit-zero", "-q", str(small)]
    medians = paired(commands, runs)
    for name, (wall, cpu) in medians.items():
        note(f"{name} (one small file): {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU")
    scan_ms = medians["hptlens scan"][0] * 1000
    row("`hptlens scan` of one small file <= 80 ms", f"{scan_ms:.0f} ms", scan_ms <= 80)
    initialize_time()
    serve_ms = statistics.median(initialize_time() for _ in range(runs)) * 1000
    row("`hptlens serve` answers initialize <= 250 ms", f"{serve_ms:.0f} ms", serve_ms <= 250)


# ---------------------------------------------------------------------- editor


def editor_targets(edits: int, documents: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_lsp

    print(f"editor (debounce 0; {edits} edits at 3,000 lines, {max(5, edits // 10)} at 30,000):", flush=True)
    results = asyncio.run(bench_lsp.dense_run(edits, documents))
    for latency, target in ((results.dense_3k, 25.0), (results.dense_30k, 100.0)):
        row(
            f"{latency.what}: p95 <= {target:g} ms",
            f"p95 {latency.p95_ms:.0f} ms (p50 {latency.p50_ms:.0f})",
            latency.p95_ms <= target,
        )
    row(f"{documents} open documents < 150 MiB", f"peak RSS {results.peak_rss_mib:.0f} MiB", results.peak_rss_mib < 150)


# ---------------------------------------------------------------------- configs

ZOO = """{env}:
  n_envs: 8
  policy: 'MlpPolicy'
  n_timesteps: !!float 1e6
  learning_rate: lin_3e-4
  batch_size: 256
  n_steps: 512
  gamma: 0.99
  gae_lambda: 0.95
  ent_coef: 0.0
  policy_kwargs: "dict(net_arch=[64, 64])"
"""


PIPELINE = """  - name: step-{i}
    image: registry.example.com/team/trainer:{i}
    command: ["python", "train.py", "--config", "configs/run{i}.yaml"]
    env:
      - name: WORKERS
        value: "4"
    resources:
      limits: {{cpu: 2, memory: 4Gi}}
"""


def configs_targets(lines: int) -> None:
    """A tuning-dense YAML (rl-zoo hyperparameters: every block a finding), a plain YAML with no
    tuning (a pipeline of steps) and a JSON file of rl-zoo entries, each composed and analysed."""
    from hptlens.analysis import analyze
    from hptlens.analysis.configs.report import CONFIG_MAX_BYTES
    from hptlens.documents import Document

    blocks = lines // ZOO.count("\n") + 1
    yaml_text = "".join(ZOO.format(env=f"Env{i}-v1") for i in range(blocks))
    steps = min(lines // PIPELINE.count("\n") + 1, (CONFIG_MAX_BYTES - 4096) // len(PIPELINE.format(i=10**6)))
    plain_text = "steps:\n" + "".join(PIPELINE.format(i=i) for i in range(steps))  # under the size limit
    entries = {
        f"Env{i}-v1": {"n_timesteps": 1e6, "n_envs": 8, "learning_rate": 3e-4, "batch_size": 256, "gamma": 0.99}
        for i in range(blocks // 2)
    }
    json_text = json.dumps(entries, indent=2)
    print("configs (lines per CPU second, in this process):", flush=True)
    for name, path, text in (
        ("YAML, tuning-dense", "hyperparams/ppo.yml", yaml_text),
        ("YAML, plain", "ci/pipeline.yaml", plain_text),
        ("JSON", "hyperparams/ppo.json", json_text),
    ):
        count = text.count("\n")
        start = time.process_time()
        report = analyze(Document.from_text(path, text))
        seconds = time.process_time() - start
        too_large = any(error.code == "too-large" for error in report.errors)
        size = " (over the size limit: not analysed)" if too_large else ""
        note(f"{name}: {count:,} lines, {seconds:.2f} s, {len(report.findings)} findings{size}")
        met = count / seconds >= 100_000 and not too_large
        row(f"{name} configs >= 100k lines/s", f"{count / seconds:,.0f} lines/s", met)


# ---------------------------------------------------------------------- main

PARTS: dict[str, Callable[[argparse.Namespace, Path], None]] = {
    "size": lambda a, w: size_targets(a.small, a.large),
    "folder": lambda a, w: folder_targets(w, a.runs),
    "jobs": lambda a, w: jobs_targets(w, a.corpus_lines, a.runs),
    "startup": lambda a, w: startup_targets(w, a.runs * 2 + 1),
    "editor": lambda a, w: editor_targets(a.edits, a.documents),
    "configs": lambda a, w: configs_targets(a.config_lines),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer runs")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts ({', '.join(PARTS)})")
    parser.add_argument("--runs", type=int, default=3, help="runs of each whole-process command (default 3)")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--corpus-lines", type=int, default=1_000_000)
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--config-lines", type=int, default=50_000)
    args = parser.parse_args(argv)
    if args.quick:
        args.large, args.corpus_lines, args.runs, args.edits, args.documents = 100_000, 200_000, 1, 10, 100
    print(f"hptlens speed targets (issue 13); {len(os.sched_getaffinity(0))} cores, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="hptlens-targets-") as folder:
        for name in args.only.split(","):
            PARTS[name.strip()](args, Path(folder))
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
