"""`hptlens dataset`: labeled files -> fine-tuning conversations, splits, manifest, summary.

The folder written:

    train.jsonl, validation.jsonl, test.jsonl   {"messages": [system, user, assistant]} per line
    manifest.json                               which file went where, its parts and lines
    summary.json                                counts, tokens, cost per epoch
    hf/README.md, hf/data/<split>.jsonl         the same conversations for Hugging Face `datasets`

Everything is deterministic: the same inputs give byte-identical files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hptlens.dataset.card import write_card
from hptlens.dataset.conversations import FileConversations, build_conversations
from hptlens.dataset.examples import (
    Collected,
    DatasetError,
    Example,
    collect_corpus,
    collect_fixtures,
    default_cache,
    require_outside,
)
from hptlens.dataset.manifest import (
    MANIFEST_FILE,
    SUMMARY_FILE,
    Excluded,
    Manifest,
    ManifestFile,
    ManifestPart,
    SplitSummary,
    Summary,
    write_json,
)
from hptlens.dataset.splits import DEFAULT_FRACTIONS, DEFAULT_SEED, SPLITS, assign_by_source
from hptlens.dataset.tokens import DEFAULT_ENCODING, TokenCounter, cost_per_epoch
from hptlens.llm.prompt import PROMPT_VERSION
from hptlens.settings import Settings


@dataclass
class DatasetOptions:
    truth_dir: Path
    output: Path
    settings: Settings
    fixtures_dir: Path | None = None
    corpus: Path | None = None
    """corpus.jsonl, or the folder holding it; None: fixtures only."""
    corpus_cache: Path | None = None
    fractions: tuple[float, float, float] = DEFAULT_FRACTIONS
    seed: str = DEFAULT_SEED
    encoding: str = DEFAULT_ENCODING
    price_per_million: float | None = None


@dataclass
class Built:
    manifest: Manifest
    summary: Summary
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Entry:
    example: Example
    language: str
    conversations: FileConversations


def build_dataset(options: DatasetOptions, notify: Callable[[str], None] = lambda _: None) -> Built:
    """Make the dataset folder; DatasetError (or TruthError) when the input cannot be used."""
    if options.corpus is not None:
        require_outside(options.output, options.corpus)
    counter = TokenCounter(options.encoding)  # before any work: a missing tokenizer fails at once
    collected = _collect(options)
    for warning in collected.warnings:
        notify(f"warning: {warning}")
    entries, excluded, unreadable = _conversations(collected.examples, options.settings)
    missing = [*collected.missing, *unreadable]
    groups = assign_by_source(((e.example.source, e.example.group) for e in entries), options.fractions, options.seed)
    lines: dict[str, list[dict[str, Any]]] = {split: [] for split in SPLITS}
    rows: dict[str, list[dict[str, Any]]] = {split: [] for split in SPLITS}
    files: list[ManifestFile] = []
    summaries = {split: SplitSummary() for split in SPLITS}
    for entry in entries:
        split = groups[entry.example.group]
        files.append(_record(entry, split, lines[split], rows[split], summaries[split], counter))
    for split, part in summaries.items():
        part.groups = len({f.group for f in files if f.split == split})
        part.total_tokens = part.tokens.total
        for counts in (part.languages, part.criteria, part.sources):
            ordered = sorted(counts.items())
            counts.clear()
            counts.update(ordered)
    manifest = Manifest(
        prompt_version=PROMPT_VERSION,
        max_file_tokens=options.settings.llm.max_file_tokens,
        encoding=counter.encoding,
        seed=options.seed,
        fractions=options.fractions,
        sources=["fixture", "corpus"] if options.corpus is not None else ["fixture"],
        groups=dict(sorted(groups.items())),
        files=files,
        excluded=excluded,
        missing=missing,
    )
    summary = Summary(
        encoding=counter.encoding,
        price_per_million=options.price_per_million,
        splits=summaries,
        cost_per_epoch=cost_per_epoch(summaries["train"].total_tokens, options.price_per_million),
        excluded=len(excluded),
        missing=len(missing),
        files_with_problems=sum(1 for f in files if f.problems),
    )
    _write(options.output, manifest, summary, lines, rows)
    return Built(manifest=manifest, summary=summary, warnings=collected.warnings)


def _collect(options: DatasetOptions) -> Collected:
    collected = collect_fixtures(options.truth_dir, options.fixtures_dir)
    if options.corpus is not None:
        corpus = collect_corpus(options.corpus, options.corpus_cache or default_cache())
        collected.examples.extend(corpus.examples)
        collected.missing.extend(corpus.missing)
        collected.warnings.extend(corpus.warnings)
    return collected


def _conversations(examples: list[Example], settings: Settings) -> tuple[list[_Entry], list[Excluded], list[str]]:
    from hptlens.workspace import read_document

    entries, excluded, unreadable = [], [], []
    for example in examples:
        document, problems = read_document(example.disk, example.prompt_path, settings)
        if document is None:
            reason = "; ".join(p.message for p in problems) or "unreadable"
            unreadable.append(f"{example.key}: {reason}")
            continue
        built = build_conversations(document, example.truth, settings.llm.max_file_tokens)
        if not built.conversations:
            excluded.append(Excluded(key=example.key, source=example.source, reason=built.skipped))
            continue
        entries.append(_Entry(example=example, language=str(document.language), conversations=built))
    return entries, excluded, unreadable


def _record(
    entry: _Entry,
    split: str,
    lines: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    summary: SplitSummary,
    counter: TokenCounter,
) -> ManifestFile:
    """Add one file's conversations to its split; its manifest entry."""
    example, truth = entry.example, entry.example.truth
    parts = []
    for conversation in entry.conversations.conversations:
        part, answer = conversation.part, conversation.answer
        lines.append({"messages": conversation.messages})
        rows.append(
            {
                "messages": conversation.messages,
                "file": example.key,
                "source": example.source,
                "group": example.group,
                "language": entry.language,
                "part": part.index,
                "parts": part.total,
                "tuning_applied": answer.hyperparameter_tuning_applied,
            }
        )
        tokens = counter.conversation(conversation.messages)
        summary.tokens.add(tokens)
        summary.conversations += 1
        summary.tuning_conversations += answer.hyperparameter_tuning_applied
        parts.append(
            ManifestPart(
                index=part.index,
                total=part.total,
                first=part.first,
                last=part.last,
                line=len(lines),
                tuning_applied=answer.hyperparameter_tuning_applied,
            )
        )
    summary.negative_conversations = summary.conversations - summary.tuning_conversations
    summary.files += 1
    summary.tuning_files += truth.tuning_applied
    summary.negative_files = summary.files - summary.tuning_files
    _count(summary.languages, entry.language)
    _count(summary.sources, example.source)
    for criterion in truth.criteria:
        _count(summary.criteria, str(criterion))
    return ManifestFile(
        key=example.key,
        source=example.source,
        group=example.group,
        split=split,
        prompt_path=example.prompt_path,
        language=entry.language,
        sha256=example.sha256,
        tuning_applied=truth.tuning_applied,
        conversations=parts,
        problems=entry.conversations.problems,
    )


def _count(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def _write(
    output: Path,
    manifest: Manifest,
    summary: Summary,
    lines: dict[str, list[dict[str, Any]]],
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    if not output.parent.is_dir():
        raise DatasetError(f"cannot write {output}: folder {output.parent} does not exist")
    data = output / "hf" / "data"
    try:
        data.mkdir(parents=True, exist_ok=True)
        for split in SPLITS:
            _write_jsonl(output / f"{split}.jsonl", lines[split])
            _write_jsonl(data / f"{split}.jsonl", rows[split])
        write_json(output / MANIFEST_FILE, manifest)
        write_json(output / SUMMARY_FILE, summary)
        write_card(output / "hf" / "README.md", manifest, summary)
    except OSError as exc:
        raise DatasetError(f"cannot write the dataset to {output}: {exc.strerror or exc}") from exc


def _write_jsonl(path: Path, items: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for item in items:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
