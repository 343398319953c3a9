"""The real-world corpus: rebuild it from git mirrors, check it, and score hptlens on it.

    python bench/realworld/realworld.py build   # cache the pinned files, say which mirrors are missing
    python bench/realworld/realworld.py check   # validate the records (no mirrors needed)
    python bench/realworld/realworld.py repos   # the repositories to fetch, one `github:OWNER/NAME` a line
    python bench/realworld/realworld.py score   # build, then scan + score (make realworld)

`corpus.jsonl` beside this file holds one record per real public file: the repository, the
commit (40 hex), the path, the file's sha256, its language, who labeled it and whether blind,
and its ground truth (the schema of ground_truth/). The sources themselves never enter the
work tree: `build` reads each blob from a local git mirror (`fetch github:OWNER/NAME` brings
one to $HPTLENS_MIRRORS, default /work/.mirror), checks its hash, and writes it with its truth
under a cache folder outside the repository ($HPTLENS_REALWORLD_CACHE, default
~/.cache/hptlens-realworld). `score` scans that cache with `hptlens eval` and prints the
figures in total, per language and per criterion, then every wrong verdict and every file
with line recall under 0.8. It is a benchmark, not a test: CI has no mirrors.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus.jsonl"
RESERVED = HERE / "reserved.txt"
ROOT = HERE.parent.parent
LANGUAGES = ("python", "notebook", "cpp", "config", "shell")
CRITERIA = ("auto-tuning", "auto/hand-tuning", "hand-tuning", "parameterization")
TRUTH_FIELDS = {"tuning_applied", "criteria", "libraries", "hyperparameters", "lines_required",
                "lines_acceptable", "notes"}
LOW_RECALL = 0.8


class CorpusError(Exception):
    """A record that cannot be used as it stands."""


# --------------------------------------------------------------------------- records


def load_records(path: Path = CORPUS) -> list[dict[str, Any]]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except ValueError as exc:
                raise CorpusError(f"{path.name}:{number}: {exc}") from exc
    return records


def reserved_repositories() -> set[str]:
    lines = RESERVED.read_text(encoding="utf-8").splitlines()
    return {line.strip().lower() for line in lines if line.strip() and not line.startswith("#")}


def record_problems(record: dict[str, Any], reserved: set[str]) -> list[str]:
    """What is wrong with one record, before any mirror is read."""
    where = f"{record.get('repo')}:{record.get('path')}"
    problems = []
    if not re.fullmatch(r"[0-9a-f]{40}", str(record.get("commit", ""))):
        problems.append("commit is not 40 hex digits")
    if not re.fullmatch(r"[0-9a-f]{64}", str(record.get("sha256", ""))):
        problems.append("sha256 is not 64 hex digits")
    if str(record.get("repo", "")).lower() in reserved:
        problems.append("repository is reserved for the independent evaluation")
    if record.get("language") not in LANGUAGES:
        problems.append(f"language {record.get('language')!r} is not one of {LANGUAGES}")
    truth = record.get("truth") or {}
    if set(truth) != TRUTH_FIELDS:
        problems.append(f"truth fields {sorted(truth)} differ from {sorted(TRUTH_FIELDS)}")
    elif truth["tuning_applied"] != bool(truth["lines_required"]):
        problems.append("a tuning verdict needs required lines, and only a tuning verdict has them")
    elif set(truth["criteria"]) - set(CRITERIA):
        problems.append(f"unknown criteria {sorted(set(truth['criteria']) - set(CRITERIA))}")
    return [f"{where}: {p}" for p in problems]


def check(records: list[dict[str, Any]]) -> list[str]:
    reserved = reserved_repositories()
    problems = [p for r in records for p in record_problems(r, reserved)]
    seen = Counter((r.get("repo"), r.get("path")) for r in records)
    problems += [f"{repo}:{path}: listed {n} times" for (repo, path), n in seen.items() if n > 1]
    return problems


def describe(records: list[dict[str, Any]]) -> str:
    repos = {r["repo"] for r in records}
    positives = sum(r["truth"]["tuning_applied"] for r in records)
    blind = sum(bool(r.get("blind")) for r in records)
    languages = Counter(r["language"] for r in records)
    per_language = ", ".join(f"{lang} {languages[lang]}" for lang in LANGUAGES if languages[lang])
    return (f"{len(records)} files from {len(repos)} repositories ({per_language}); "
            f"{positives} tuning, {len(records) - positives} not; {blind} labeled blind")


# --------------------------------------------------------------------------- mirrors and cache


def mirror_dir(mirrors: Path, repo: str) -> Path | None:
    base = mirrors / repo.replace("/", "+")
    for candidate in (base / "repo" / ".git", base / "repo", base):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def read_blob(git_dir: Path, commit: str, path: str) -> bytes | None:
    done = subprocess.run(["git", "--git-dir", str(git_dir), "cat-file", "blob", f"{commit}:{path}"],
                          capture_output=True)
    return done.stdout if done.returncode == 0 else None


def lines_outside(record: dict[str, Any], data: bytes) -> list[object]:
    """The truth's line references that do not exist in the file (cells count for notebooks)."""
    text = data.decode("utf-8", "replace")
    refs = [*record["truth"]["lines_required"], *record["truth"]["lines_acceptable"]]
    if record["language"] == "notebook":
        try:
            cells = json.loads(text).get("cells") or []
        except ValueError:
            return refs
        sizes = [len(("".join(c.get("source") or []) if isinstance(c.get("source"), list)
                      else str(c.get("source") or "")).split("\n")) for c in cells]
        bad = []
        for ref in refs:
            cell, _, line = str(ref).partition(":")
            if not (cell.isdigit() and line.isdigit() and int(cell) < len(sizes) and 1 <= int(line) <= sizes[int(cell)]):
                bad.append(ref)
        return bad
    count = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return [ref for ref in refs if not (isinstance(ref, int) and 1 <= ref <= count)]


def cache_name(record: dict[str, Any]) -> str:
    """The file's path inside the cache: one folder per repository keeps paths unique."""
    return f"{record['repo'].replace('/', '+')}/{record['path']}"


def build(records: list[dict[str, Any]], mirrors: Path, cache: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Write every file whose mirror is here; the records built and the problems met."""
    files, truth = cache / "files", cache / "truth"
    for folder in (files, truth):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    built, problems, missing = [], [], set()
    for record in records:
        git_dir = mirror_dir(mirrors, record["repo"])
        if git_dir is None:
            missing.add(record["repo"])
            continue
        data = read_blob(git_dir, record["commit"], record["path"])
        where = f"{record['repo']}:{record['path']}"
        if data is None:
            problems.append(f"{where}: commit {record['commit'][:12]} or the path is not in the mirror")
            continue
        if hashlib.sha256(data).hexdigest() != record["sha256"]:
            problems.append(f"{where}: sha256 differs from the record")
            continue
        outside = lines_outside(record, data)
        if outside:
            problems.append(f"{where}: lines not in the file: {', '.join(map(str, outside[:8]))}")
            continue
        name = cache_name(record)
        (files / name).parent.mkdir(parents=True, exist_ok=True)
        (files / name).write_bytes(data)
        (truth / f"{name}.json").parent.mkdir(parents=True, exist_ok=True)
        (truth / f"{name}.json").write_text(json.dumps(record["truth"], indent=2) + "\n", encoding="utf-8")
        built.append(record)
    problems += [f"missing mirror: fetch github:{repo}" for repo in sorted(missing)]
    return built, problems


# --------------------------------------------------------------------------- scoring


def run_eval(hptlens: str, cache: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        # The cache has no .gitignore of its own; run from a neutral folder so none above applies.
        done = subprocess.run([hptlens, "eval", "--truth", str(cache / "truth"), "--format", "json",
                               str(cache / "files")], capture_output=True, text=True, cwd=scratch)
    if done.returncode != 0:
        raise CorpusError(f"hptlens eval failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout)["analyses"][0]


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 1.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def figures(scores: Iterable[dict[str, Any]]) -> dict[str, float]:
    scores = list(scores)
    tp = sum(s["truth_tuning"] and s["predicted_tuning"] for s in scores)
    fp = sum(not s["truth_tuning"] and s["predicted_tuning"] for s in scores)
    fn = sum(s["truth_tuning"] and not s["predicted_tuning"] for s in scores)
    correct = sum(s["verdict_correct"] for s in scores)
    lp = _ratio(sum(s["lines_correct"] for s in scores), sum(s["lines_reported"] for s in scores))
    lr = _ratio(sum(s["lines_found"] for s in scores), sum(s["lines_required"] for s in scores))
    hp = _ratio(sum(len(s["hyperparameters_found"]) for s in scores),
                sum(len(s["hyperparameters_expected"]) for s in scores))
    vp, vr = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return {"files": len(scores), "accuracy": _ratio(correct, len(scores)), "verdict_precision": vp,
            "verdict_recall": vr, "false_positives": fp, "false_negatives": fn, "line_precision": lp,
            "line_recall": lr, "line_f1": _f1(lp, lr), "hp_recall": hp}


def breakdown(scores: list[dict[str, Any]], records: dict[str, dict[str, Any]]) -> dict[str, Any]:
    by_language: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_criterion: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for score in scores:
        record = records[score["file"]]
        by_language[record["language"]].append(score)
        for criterion in record["truth"]["criteria"]:
            by_criterion[criterion].append(score)
    criteria = {}
    for criterion in CRITERIA:
        members = by_criterion.get(criterion, [])
        claimed = [s for s in scores if criterion in s["criteria_reported"]]
        agree = sum(criterion in s["criteria_reported"] for s in members)
        criteria[criterion] = {**figures(members), "criterion_recall": _ratio(agree, len(members)),
                               "criterion_precision": _ratio(agree, len(claimed))}
    return {"total": figures(scores),
            "languages": {lang: figures(by_language[lang]) for lang in LANGUAGES if by_language[lang]},
            "criteria": criteria}


def faults(scores: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    wrong = [s for s in scores if not s["verdict_correct"]]
    low = [s for s in scores if s["verdict_correct"] and s["truth_tuning"] and s["recall"] < LOW_RECALL]
    return {"wrong_verdicts": wrong, "low_recall": low}


# --------------------------------------------------------------------------- output


def _row(name: str, f: dict[str, float]) -> str:
    return (f"{name:<18}{f['files']:>6}{f['accuracy']:>8.3f}{f['verdict_precision']:>8.3f}"
            f"{f['verdict_recall']:>8.3f}{f['false_positives']:>5}{f['false_negatives']:>5}"
            f"{f['line_precision']:>8.3f}{f['line_recall']:>8.3f}{f['line_f1']:>8.3f}{f['hp_recall']:>8.3f}")


def render(result: dict[str, Any]) -> str:
    header = (f"{'':<18}{'files':>6}{'acc':>8}{'v.prec':>8}{'v.rec':>8}{'FP':>5}{'FN':>5}"
              f"{'l.prec':>8}{'l.rec':>8}{'l.F1':>8}{'hp.rec':>8}")
    out = [result["corpus"], "", header, _row("total", result["total"])]
    out += [_row(lang, f) for lang, f in result["languages"].items()]
    out += ["", f"{'criterion':<18}{'files':>6}{'found':>8}{'c.rec':>8}{'c.prec':>8}{'l.rec':>8}"]
    for name, f in result["criteria"].items():
        out.append(f"{name:<18}{f['files']:>6}{f['verdict_recall']:>8.3f}{f['criterion_recall']:>8.3f}"
                   f"{f['criterion_precision']:>8.3f}{f['line_recall']:>8.3f}")
    out += ["", f"wrong verdicts ({len(result['wrong_verdicts'])}):"]
    for s in result["wrong_verdicts"]:
        kind = "false positive" if s["predicted_tuning"] else "missed"
        out.append(f"  {kind:<15}{s['file']}  (truth: {', '.join(s['criteria_expected']) or 'no tuning'})")
    out += ["", f"tuning files with line recall under {LOW_RECALL} ({len(result['low_recall'])}):"]
    for s in result["low_recall"]:
        missing = ", ".join(map(str, s["missing_lines"][:12])) + (" ..." if len(s["missing_lines"]) > 12 else "")
        out.append(f"  {s['recall']:.2f}  {s['file']}  missing {missing}")
    return "\n".join(out)


def default_cache() -> Path:
    env = os.environ.get("HPTLENS_REALWORLD_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hptlens-realworld"


def _outside_work_tree(cache: Path) -> Path:
    cache = cache.resolve()
    if cache == ROOT or ROOT in cache.parents:
        raise CorpusError(f"the cache {cache} must stay outside the work tree {ROOT}")
    return cache


def _report_build(built: list[dict[str, Any]], problems: list[str], wanted: int, cache: Path) -> int:
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"built {len(built)} of {wanted} files into {cache}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("build", "check", "repos", "score"))
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the records (JSON lines)")
    parser.add_argument("--mirrors", type=Path, default=Path(os.environ.get("HPTLENS_MIRRORS", "/work/.mirror")))
    parser.add_argument("--cache", type=Path, default=default_cache())
    parser.add_argument("--hptlens", default=str(ROOT / ".venv" / "bin" / "hptlens"))
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the result as JSON")
    args = parser.parse_args(argv)
    try:
        records = load_records(args.corpus)
        problems = check(records)
        if args.command == "repos":
            print("\n".join(f"github:{repo}" for repo in sorted({r["repo"] for r in records}, key=str.lower)))
            return 0
        if problems or args.command == "check":
            print("\n".join(problems) or describe(records))
            return 1 if problems else 0
        cache = _outside_work_tree(args.cache)
        if args.command == "build":
            return _report_build(*build(records, args.mirrors, cache), len(records), cache)
        # Each score builds its own copy: two runs at once must not rewrite each other's files.
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache, prefix="score-") as scratch:
            built, problems = build(records, args.mirrors, Path(scratch))
            if _report_build(built, problems, len(records), Path(scratch)) and not built:
                return 1
            analysis = run_eval(args.hptlens, Path(scratch))
    except CorpusError as exc:
        print(f"realworld: {exc}", file=sys.stderr)
        return 2
    by_name = {cache_name(r): r for r in built}
    result = {"corpus": describe(built), **breakdown(analysis["files"], by_name), **faults(analysis["files"])}
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
