"""The labeled files a dataset is made of: the fixtures and, optionally, the real-world corpus.

Fixtures. Every ground-truth file `ground_truth/T.json` labels `fixtures/T` (the folder beside
the truth folder, as `hptlens eval` assumes). Their family, the unit that never straddles two
splits, is the project folder for files of one project (`hydra/<case>/...`, `configs/<group>/...`:
a path three or more levels deep), else the first two words of the file name without the
`heldout_` and `neg_` prefixes (`dehb_configspace_ppo.py` and `dehb_configspace_sb3.py` are one
family, across languages). The path sent to the model drops those prefixes too: a fixture
called `neg_seed_loop.py` would hand the label to the model in its name.

Corpus. `bench/realworld/corpus.jsonl` pins real public files by repository, commit, path and
sha256; their sources stay outside the work tree, in the cache that
`bench/realworld/realworld.py build` writes (`files/OWNER+NAME/PATH`). A file's group is its
repository, and the path sent is its path inside the repository, as a scan of a clone would
send it. Files missing from the cache, or whose bytes differ from the record, are named.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from hptlens.truth import GroundTruth, TruthError

Source = Literal["fixture", "corpus"]
_LABEL_PREFIXES = ("heldout_", "neg_")
CACHE_ENV = "HPTLENS_REALWORLD_CACHE"


class DatasetError(Exception):
    """Input the dataset cannot be made from; the message says what to do."""


@dataclass(frozen=True)
class Example:
    """One labeled file."""

    key: str
    """Unique name: the truth name for fixtures (`python/a.py`), `OWNER+NAME/PATH` for the corpus."""
    source: Source
    group: str
    """The split unit: `fixture:<family>` or `repo:<owner/name>`."""
    disk: Path
    prompt_path: str
    """The path the prompt names (`File: ...`)."""
    truth: GroundTruth
    sha256: str
    """Of the file's bytes, so that a later evaluation can tell a changed file."""


@dataclass
class Collected:
    examples: list[Example] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """Labeled files that could not be read, each with the reason."""
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- fixtures


def strip_label(name: str) -> str:
    """A fixture file name without the prefixes that give its label away."""
    stripped = True
    while stripped:
        stripped = False
        for prefix in _LABEL_PREFIXES:
            if name.startswith(prefix) and len(name) > len(prefix):
                name, stripped = name[len(prefix) :], True
    return name


def fixture_family(key: str) -> str:
    parts = key.split("/")
    if len(parts) >= 3:
        return "/".join(parts[:2])
    stem = strip_label(parts[-1]).split(".")[0]
    words = [w for w in re.split(r"[_\-]+", stem.lower()) if w]
    return "_".join(words[:2]) or stem


def _prompt_paths(keys: list[str]) -> dict[str, str]:
    """`fixtures/<folder>/<name without label prefixes>`, unless two fixtures would then share one."""
    wanted = {}
    for key in keys:
        folder, _, name = key.rpartition("/")
        wanted[key] = "fixtures/" + (f"{folder}/" if folder else "") + strip_label(name)
    taken: dict[str, int] = {}
    for path in wanted.values():
        taken[path] = taken.get(path, 0) + 1
    return {key: path if taken[path] == 1 else f"fixtures/{key}" for key, path in wanted.items()}


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def collect_fixtures(truth_dir: Path, fixtures_dir: Path | None = None) -> Collected:
    """Every ground-truth file with its fixture; TruthError for an invalid truth file."""
    from hptlens.evaluate import load_truth_dir

    root = fixtures_dir or default_fixtures(truth_dir)
    if not root.is_dir():
        raise DatasetError(f"fixtures folder not found: {root} (give it with --fixtures)")
    truths = load_truth_dir(truth_dir)
    prompt_paths = _prompt_paths(list(truths))
    collected = Collected()
    for key, (truth, _) in truths.items():
        disk = root / key
        if not disk.is_file():
            collected.missing.append(f"{key}: no fixture file {disk}")
            continue
        collected.examples.append(
            Example(
                key=key,
                source="fixture",
                group=f"fixture:{fixture_family(key)}",
                disk=disk,
                prompt_path=prompt_paths[key],
                truth=truth,
                sha256=file_sha256(disk),
            )
        )
    return collected


def default_fixtures(truth_dir: Path) -> Path:
    return Path(os.path.abspath(truth_dir)).parent / "fixtures"


# --------------------------------------------------------------------------- corpus


class CorpusRecord(BaseModel):
    """One record of corpus.jsonl (the fields used here)."""

    model_config = ConfigDict(extra="ignore")

    repo: str
    commit: str
    path: str
    sha256: str
    language: str
    truth: GroundTruth

    @property
    def key(self) -> str:
        return f"{self.repo.replace('/', '+')}/{self.path}"


def default_cache() -> Path:
    """$HPTLENS_REALWORLD_CACHE, else ~/.cache/hptlens-realworld (as bench/realworld/realworld.py)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hptlens-realworld"


def load_corpus(corpus: Path) -> list[CorpusRecord]:
    """The records of corpus.jsonl (`corpus` is that file or the folder holding it)."""
    path = corpus / "corpus.jsonl" if corpus.is_dir() else corpus
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"cannot read the corpus records {path}: {exc.strerror or exc}") from exc
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(CorpusRecord.model_validate(json.loads(line)))
        except (ValueError, ValidationError) as exc:
            raise TruthError(f"{path}:{number}: {exc}") from exc
    return records


def _cache_problem(cache: Path, records: list[CorpusRecord]) -> str | None:
    files = cache / "files"
    if files.is_dir() and any(files.iterdir()):
        return None
    repos = len({r.repo for r in records})
    return (
        f"the real-world corpus cache is missing: {files} does not exist or is empty, so none of its "
        f"{len(records)} files from {repos} repositories can be read. Build it with `python "
        f"bench/realworld/realworld.py build --cache {cache}` (it needs the git mirrors that "
        "`realworld.py repos` lists; see bench/realworld/README.md), or give its folder with --corpus-cache"
    )


def work_tree(path: Path) -> Path | None:
    """The git work tree holding `path` (a folder with a .git), or None."""
    for folder in [path.resolve(), *path.resolve().parents]:
        if (folder / ".git").exists():
            return folder
    return None


def require_outside(output: Path, corpus: Path) -> None:
    """The corpus's files are other people's code that stays out of the work tree holding its
    records (bench/realworld/README.md); a dataset holds them, so it is written elsewhere."""
    tree = work_tree(corpus)
    target = output.resolve()
    if tree is not None and (target == tree or tree in target.parents):
        raise DatasetError(
            f"the dataset would hold the corpus's files, third-party code that stays outside the work tree "
            f"{tree} (bench/realworld/README.md): give -o a folder outside it"
        )


def collect_corpus(corpus: Path, cache: Path) -> Collected:
    """Every corpus record whose file is in the cache; DatasetError when the cache is absent."""
    records = load_corpus(corpus)
    problem = _cache_problem(cache, records)
    if problem is not None:
        raise DatasetError(problem)
    collected = Collected()
    absent: dict[str, int] = {}
    for record in records:
        disk = cache / "files" / record.key
        if not disk.is_file():
            absent[record.repo] = absent.get(record.repo, 0) + 1
            collected.missing.append(f"{record.key}: not in the cache (fetch github:{record.repo}, then build)")
            continue
        digest = file_sha256(disk)
        if digest != record.sha256:
            collected.missing.append(f"{record.key}: its bytes in the cache differ from the record's sha256")
            continue
        collected.examples.append(
            Example(
                key=record.key,
                source="corpus",
                group=f"repo:{record.repo.lower()}",
                disk=disk,
                prompt_path=record.path,
                truth=record.truth,
                sha256=digest,
            )
        )
    if absent:
        names = ", ".join(f"{repo} ({n})" for repo, n in sorted(absent.items())[:10])
        more = f" and {len(absent) - 10} more" if len(absent) > 10 else ""
        collected.warnings.append(
            f"corpus: {sum(absent.values())} file(s) of {len(absent)} repositories are not in the cache "
            f"{cache} and are left out: {names}{more}"
        )
    return collected
