"""`hptlens dataset`: fine-tuning conversations from the ground truth (hptlens.dataset)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hptlens.cli.output import console, to_stdout
from hptlens.cli.usage import UsageError, positive
from hptlens.safetext import printable
from hptlens.settings import Settings, load_settings
from hptlens.truth import TruthError


def add_parser(commands: Any) -> None:
    from hptlens.dataset.splits import DEFAULT_SEED
    from hptlens.dataset.tokens import DEFAULT_ENCODING

    parser = commands.add_parser(
        "dataset",
        help="write fine-tuning data from the ground truth",
        description="Write chat fine-tuning data (OpenAI-compatible JSONL, and a Hugging Face datasets folder): "
        "for each labeled file the request the LLM review sends in its LLM-only mode, with the ground truth as "
        "the answer; split by fixture family or repository into train, validation and test, with a manifest "
        "and a summary (tokens, cost per epoch).",
        epilog="Exit status: 0 when written; 2 for a missing or invalid truth folder, a corpus cache that is "
        "not there, or a missing tokenizer.",
    )
    parser.add_argument("--truth", required=True, metavar="DIR", help="the ground_truth folder")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="the folder to write (created)")
    parser.add_argument("--fixtures", metavar="DIR", help="the labeled fixtures (default: 'fixtures' beside --truth)")
    parser.add_argument(
        "--corpus", metavar="PATH", help="also the real-world corpus: its corpus.jsonl or the folder holding it"
    )
    parser.add_argument(
        "--corpus-cache",
        metavar="DIR",
        help="where the corpus files are ($HPTLENS_REALWORLD_CACHE or ~/.cache/hptlens-realworld; "
        "`bench/realworld/realworld.py build` writes it)",
    )
    parser.add_argument(
        "--fractions", default="0.8,0.1,0.1", metavar="T,V,T", help="shares of train, validation, test (of files)"
    )
    parser.add_argument("--seed", default=DEFAULT_SEED, help=f"split seed (default: {DEFAULT_SEED})")
    parser.add_argument(
        "--encoding", default=DEFAULT_ENCODING, help=f"tokenizer encoding for the counts (default: {DEFAULT_ENCODING})"
    )
    parser.add_argument(
        "--price-per-million", type=_price, metavar="PRICE", help="training price per million tokens, for the cost"
    )
    parser.add_argument(
        "--max-file-tokens", type=positive, metavar="N", help="files larger than this go in parts (default: settings)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="how to print the summary")
    parser.set_defaults(handler=run)


def _price(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value:g}")
    return value


def _settings(truth_dir: Path, max_file_tokens: int | None) -> Settings:
    settings, warnings = load_settings(truth_dir)
    for warning in warnings:
        print(f"hptlens: warning: {printable(warning)}", file=sys.stderr)
    if max_file_tokens is None:
        return settings
    llm = settings.llm.model_copy(update={"max_file_tokens": max_file_tokens})
    return settings.model_copy(update={"llm": llm})


def run(args: argparse.Namespace) -> int:
    from hptlens.dataset.build import DatasetOptions, build_dataset
    from hptlens.dataset.card import render_summary
    from hptlens.dataset.examples import DatasetError
    from hptlens.dataset.splits import parse_fractions
    from hptlens.dataset.tokens import TokenizerMissing

    truth_dir = Path(args.truth)
    if not truth_dir.is_dir():
        raise UsageError(f"truth folder not found: {truth_dir}")
    try:
        fractions = parse_fractions(args.fractions)
    except ValueError as exc:
        raise UsageError(f"--fractions: {exc}") from exc
    options = DatasetOptions(
        truth_dir=truth_dir,
        output=Path(args.output),
        settings=_settings(truth_dir, args.max_file_tokens),
        fixtures_dir=Path(args.fixtures) if args.fixtures else None,
        corpus=Path(args.corpus) if args.corpus else None,
        corpus_cache=Path(args.corpus_cache) if args.corpus_cache else None,
        fractions=fractions,
        seed=args.seed,
        encoding=args.encoding,
        price_per_million=args.price_per_million,
    )
    try:
        built = build_dataset(options, lambda line: print(f"hptlens: {printable(line)}", file=sys.stderr))
    except (DatasetError, TokenizerMissing) as exc:
        raise UsageError(str(exc)) from exc
    except TruthError as exc:
        raise UsageError(f"invalid ground truth: {exc}") from exc
    if args.format == "json":
        to_stdout(lambda stream: stream.write(built.summary.model_dump_json(indent=2) + "\n"))
    else:
        to_stdout(lambda stream: render_summary(built.summary, options.output, console(stream)))
    return 0
