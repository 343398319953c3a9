"""`hptlens eval --split NAME`: score exactly the conversations a dataset held back.

The manifest names the split's files. They are scanned where the dataset found them (the
fixtures folder, the corpus cache) so that the static analysis sees the same trees as a
plain `hptlens eval`, and each file is sent to the model under the path its conversations
name, cut into the same parts (the manifest's max-file-tokens). A model that answers every
held-back conversation with its assistant turn therefore scores 1.00.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hptlens.dataset.examples import (
    DatasetError,
    default_cache,
    default_fixtures,
    file_sha256,
)
from hptlens.dataset.manifest import Manifest, ManifestFile, read_manifest
from hptlens.dataset.splits import SPLITS
from hptlens.documents import Document
from hptlens.llm.prompt import PROMPT_VERSION
from hptlens.report import FileReport
from hptlens.settings import Settings
from hptlens.truth import GroundTruth, load_truth

Scan = Callable[[list[str], Settings], list[FileReport]]


@dataclass
class HeldOut:
    """A split's files, found on disk, with their truth."""

    manifest: Manifest
    split: str
    files: list[ManifestFile]
    disks: dict[str, Path]
    truths: dict[str, tuple[GroundTruth, Path]]
    warnings: list[str] = field(default_factory=list)

    def settings(self, settings: Settings) -> Settings:
        """`settings` with the dataset's max-file-tokens, so files are cut as its conversations were."""
        llm = settings.llm.model_copy(update={"max_file_tokens": self.manifest.max_file_tokens})
        return settings.model_copy(update={"llm": llm})

    def loader(self, settings: Settings) -> Callable[[FileReport], Document | None]:
        """The document the model gets for a report of `static_reports`: named as in the dataset."""
        from hptlens.workspace import read_document

        by_key = {f.key: f for f in self.files}

        def load(report: FileReport) -> Document | None:
            entry = by_key.get(report.path)
            if entry is None:
                return None
            return read_document(self.disks[entry.key], entry.prompt_path, settings)[0]

        return load

    def static_reports(self, scan: Scan, settings: Settings) -> list[FileReport]:
        """The static analysis of the split's files (their trees scanned whole), one report per
        file, each under its dataset key (the name the truth is matched by)."""
        roots = sorted({str(_root(f, self.disks[f.key])) for f in self.files})
        wanted = {os.path.realpath(path): key for key, path in self.disks.items()}
        found: dict[str, FileReport] = {}
        for report in scan(roots, settings):
            key = wanted.get(os.path.realpath(report.path))
            if key is not None:
                found[key] = report.model_copy(update={"path": key})
        lost = [key for key in self.disks if key not in found]
        if lost:
            raise DatasetError(f"the scan did not report {len(lost)} file(s) of the split: {', '.join(lost[:5])}")
        return [found[f.key] for f in self.files]


def _root(entry: ManifestFile, disk: Path) -> Path:
    """The folder scanned for a file: the fixtures folder, or the corpus cache's files/."""
    depth = len(entry.key.split("/"))
    root = disk
    for _ in range(depth):
        root = root.parent
    return root


def held_out(
    dataset: Path,
    split: str,
    truth_dir: Path,
    fixtures_dir: Path | None = None,
    corpus_cache: Path | None = None,
) -> HeldOut:
    """The split's files and truths; DatasetError naming what is missing."""
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}: one of {', '.join(SPLITS)}")
    manifest = read_manifest(dataset)
    files = [f for f in manifest.files if f.split == split]
    if not files:
        raise DatasetError(f"the dataset {dataset} has no files in its {split} split")
    fixtures = fixtures_dir or default_fixtures(truth_dir)
    cache = corpus_cache or default_cache()
    held = HeldOut(manifest=manifest, split=split, files=files, disks={}, truths={})
    missing: list[str] = []
    for entry in files:
        if entry.source == "fixture":
            disk, truth_path = fixtures / entry.key, truth_dir / f"{entry.key}.json"
        else:
            disk, truth_path = cache / "files" / entry.key, cache / "truth" / f"{entry.key}.json"
        if not disk.is_file() or not truth_path.is_file():
            missing.append(f"{entry.key} ({disk if not disk.is_file() else truth_path})")
            continue
        held.disks[entry.key] = disk
        held.truths[entry.key] = (load_truth(truth_path), truth_path)
    if missing:
        raise DatasetError(_missing_message(missing, files, cache))
    held.warnings.extend(_staleness(held, manifest))
    return held


def _missing_message(missing: list[str], files: list[ManifestFile], cache: Path) -> str:
    text = f"{len(missing)} file(s) of the split cannot be found: {', '.join(missing[:5])}"
    if len(missing) > 5:
        text += f" and {len(missing) - 5} more"
    if any(f.source == "corpus" for f in files):
        text += (
            f". Corpus files are read from the cache {cache} (give it with --corpus-cache; build it with "
            "`python bench/realworld/realworld.py build`, see bench/realworld/README.md)"
        )
    return text


def _staleness(held: HeldOut, manifest: Manifest) -> list[str]:
    warnings = []
    changed = [f.key for f in held.files if file_sha256(held.disks[f.key]) != f.sha256]
    if changed:
        warnings.append(
            f"{len(changed)} file(s) changed since the dataset was made (their conversations no longer match "
            f"what is sent): {', '.join(changed[:5])}{' ...' if len(changed) > 5 else ''}"
        )
    if manifest.prompt_version != PROMPT_VERSION:
        warnings.append(
            f"the dataset was made with prompt version {manifest.prompt_version}, this hptlens sends version "
            f"{PROMPT_VERSION}: the prompts differ from the conversations"
        )
    return warnings
