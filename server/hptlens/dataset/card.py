"""The Hugging Face dataset card (hf/README.md) and the summary as text for the terminal."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from hptlens.dataset.manifest import ANSWER_SCHEMA, Manifest, Summary
from hptlens.dataset.splits import SPLITS


def _front_matter(summary: Summary, corpus: bool) -> str:
    files = [
        f"  - split: {split}\n    path: data/{split}.jsonl" for split in SPLITS if summary.splits[split].conversations
    ]
    total = sum(s.conversations for s in summary.splits.values())
    size = "n<1K" if total < 1000 else "1K<n<10K" if total < 10_000 else "10K<n<100K"
    return "\n".join(
        [
            "---",
            "pretty_name: hptlens hyperparameter-tuning detection",
            f"license: {'other' if corpus else 'mit'}",
            "language:",
            "- en",
            "task_categories:",
            "- text-generation",
            "tags:",
            "- code",
            "- hyperparameter-tuning",
            "- reinforcement-learning",
            "- structured-output",
            "size_categories:",
            f"- {size}",
            "configs:",
            "- config_name: default",
            "  data_files:",
            *files,
            "---",
        ]
    )


def _split_rows(summary: Summary) -> list[str]:
    rows = [
        "| split | files | groups | conversations | tuning / not (files) | prompt tokens | answer tokens |",
        "|---|---|---|---|---|---|---|",
    ]
    for split in SPLITS:
        s = summary.splits[split]
        rows.append(
            f"| {split} | {s.files} | {s.groups} | {s.conversations} | {s.tuning_files} / {s.negative_files} "
            f"| {s.tokens.prompt:,} | {s.tokens.answer:,} |"
        )
    return rows


def card_text(manifest: Manifest, summary: Summary) -> str:
    corpus = "corpus" in manifest.sources
    licence = (
        "The fixtures are hptlens's own (MIT). The corpus files are public code from other people's "
        "repositories, each under its own licence: `manifest.json` (one folder up) names every file's "
        "repository and path. Check those licences before you publish or share this folder."
        if corpus
        else "All files are hptlens's own fixtures (MIT)."
    )
    return "\n".join(
        [
            _front_matter(summary, corpus),
            "",
            "# hptlens: finding hyperparameter tuning in ML and RL code",
            "",
            "Chat conversations for fine-tuning a model to find hyperparameter tuning (Optuna studies, Ray Tune,",
            "hand-written grids, sweep configs, ...) in Python, notebooks, C++ and YAML/JSON configs. Each row is",
            "one request of hptlens's LLM review in its LLM-only mode, with the hand-labeled ground truth as the",
            "answer:",
            "",
            "- `messages`: the system prompt (the definition of tuning, the rules, the answer's JSON shape), the",
            "  user message (file path, language, the numbered source lines) and the assistant answer, a JSON",
            f"  object in the review's structured-output schema `{ANSWER_SCHEMA}` (filename, language,",
            "  environment, technique, hyperparameter_tuning_applied, line_numbers, hyperparameters, libraries,",
            "  specific_criteria);",
            "- `file`, `source` (fixture or corpus), `group` (the split unit), `language`;",
            f"- `part` and `parts`: files over {manifest.max_file_tokens} estimated tokens are sent in parts, as the",
            "  review sends them, each with the truth for its own lines;",
            "- `tuning_applied`: the answer's verdict for this part.",
            "",
            "## Splits",
            "",
            f"By group, so that near copies never straddle two splits: a fixture family or a repository lies in "
            f"one split only (seed `{manifest.seed}`, fractions {', '.join(map(str, manifest.fractions))} of files). "
            f"Tokens counted with `{summary.encoding}`, chat framing included.",
            "",
            *_split_rows(summary),
            "",
            "## Use",
            "",
            "```python",
            "from datasets import load_dataset",
            'data = load_dataset("path/to/this/folder")',
            'print(data["train"][0]["messages"][-1]["content"])',
            "```",
            "",
            "Score a fine-tuned model on the test split, side by side with its base model and the static",
            "analysis: `hptlens eval --truth ground_truth --dataset DATASET --split test --llm only",
            "--llm-model BASE --llm-model FINE_TUNED --llm-base-url URL`.",
            "",
            "## Sources and licence",
            "",
            licence,
            "",
            f"Prompt version {manifest.prompt_version}: conversations made with another version of hptlens's prompt "
            "do not match what that version sends.",
            "",
        ]
    )


def write_card(path: Path, manifest: Manifest, summary: Summary) -> None:
    path.write_text(card_text(manifest, summary), encoding="utf-8")


def render_summary(summary: Summary, output: Path, console: Console) -> None:
    table = Table(title=f"Dataset written to {output}", title_justify="left")
    table.add_column("")
    for split in SPLITS:
        table.add_column(split, justify="right")
    splits = [summary.splits[s] for s in SPLITS]
    rows: list[tuple[str, list[str]]] = [
        ("files", [str(s.files) for s in splits]),
        ("groups", [str(s.groups) for s in splits]),
        ("conversations", [str(s.conversations) for s in splits]),
        ("tuning / not (files)", [f"{s.tuning_files} / {s.negative_files}" for s in splits]),
        ("tuning / not (conversations)", [f"{s.tuning_conversations} / {s.negative_conversations}" for s in splits]),
        (f"prompt tokens ({summary.encoding})", [f"{s.tokens.prompt:,}" for s in splits]),
        ("answer tokens", [f"{s.tokens.answer:,}" for s in splits]),
        ("longest conversation", [f"{s.tokens.longest:,}" for s in splits]),
        ("languages", [_counts(s.languages) for s in splits]),
        ("criteria", [_counts(s.criteria) for s in splits]),
        ("sources", [_counts(s.sources) for s in splits]),
    ]
    for label, values in rows:
        table.add_row(Text(label), *(Text(v) for v in values))
    console.print(table)
    train = summary.splits["train"].total_tokens
    if summary.cost_per_epoch is not None:
        console.print(
            Text(
                f"cost per epoch: {train:,} training tokens x {summary.price_per_million:g} per million = "
                f"{summary.cost_per_epoch:.2f}"
            )
        )
    else:
        console.print(Text(f"training tokens per epoch: {train:,} (--price-per-million gives the cost)"))
    console.print(
        Text(
            f"{summary.excluded} labeled file(s) not sent by the review (manifest.json: excluded), "
            f"{summary.missing} unreadable or missing (missing), {summary.files_with_problems} with truth the "
            "review's checks would change (files[].problems)"
        )
    )


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "-"
