"""`hptlens eval`: score a fresh scan, or saved reports, against ground truth."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from hptlens.cli.llm import add_llm_flags, eval_analyses, model_settings
from hptlens.cli.options import add_settings_flags, progress_wanted, settings_of, workers_log
from hptlens.cli.output import console, to_stdout
from hptlens.cli.usage import UsageError, require_existing
from hptlens.report import FileReport
from hptlens.safetext import printable
from hptlens.settings import Settings
from hptlens.truth import TruthError
from hptlens.workspace import scan

if TYPE_CHECKING:
    from hptlens.evaluate import Evaluation


def add_parser(commands: Any) -> None:
    eval_parser = commands.add_parser(
        "eval",
        help="score an analysis against ground truth",
        description="Score a fresh scan of PATHs, or saved reports, against ground truth. With no "
        "PATH and no --report, the 'fixtures' folder beside the truth folder is scanned.",
        epilog="Exit status: 0 when scored; 2 for a missing truth folder, an unreadable or invalid "
        "report, or an invalid truth file.",
    )
    eval_parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to scan and score")
    eval_parser.add_argument("--truth", required=True, metavar="DIR", help="the ground_truth folder")
    eval_parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    eval_parser.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="FILE",
        help="a saved report (hptlens JSON or the seed's legacy layout) to score; repeatable, "
        "each labelled by its file name and scored side by side",
    )
    held = eval_parser.add_argument_group("held-back split of a fine-tuning dataset (hptlens dataset)")
    held.add_argument("--dataset", metavar="DIR", help="the folder `hptlens dataset` wrote")
    held.add_argument(
        "--split",
        choices=("train", "validation", "test"),
        help="score exactly that split's files, sent as its conversations were made (needs --dataset)",
    )
    held.add_argument("--fixtures", metavar="DIR", help="the labeled fixtures (default: 'fixtures' beside --truth)")
    held.add_argument(
        "--corpus-cache",
        metavar="DIR",
        help="where the corpus files of the dataset are ($HPTLENS_REALWORLD_CACHE or ~/.cache/hptlens-realworld)",
    )
    add_settings_flags(eval_parser)
    add_llm_flags(eval_parser, ("review", "only", "both"))
    eval_parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    truth_dir = Path(args.truth)
    if not truth_dir.is_dir():
        raise UsageError(f"truth folder not found: {truth_dir}")
    if args.split or args.dataset:
        return _run_split(args, truth_dir)
    analyses: dict[str, list[FileReport]] = {}
    paths = list(args.paths)
    if not paths and not args.report:
        paths = [str(Path(os.path.abspath(truth_dir)).parent / "fixtures")]
    if args.llm and not paths:
        raise UsageError("--llm scores a fresh scan: give the PATHs to scan besides --report")
    if paths:
        require_existing(paths)
        settings = settings_of(args, Path(paths[0]))
        models = model_settings(args, settings) if args.llm else []  # before the scan: a usage error costs nothing
        files = scan(paths, settings, progress=progress_wanted(args), worker_setup=workers_log(args), isolate=True)
        analyses.update(eval_analyses(files, models, args.llm) if args.llm else {"hptlens": files})
    for report_path in args.report:
        analyses[_label(Path(report_path), analyses)] = load_report_files(Path(report_path))
    return _print_evaluation(analyses, truth_dir, args.format)


def _run_split(args: argparse.Namespace, truth_dir: Path) -> int:
    """Score a dataset's held-back split: its files scanned, and sent as its conversations were."""
    from hptlens.dataset.examples import DatasetError
    from hptlens.dataset.heldout import held_out
    from hptlens.evaluate import evaluate_truths

    if not (args.split and args.dataset):
        raise UsageError("--split and --dataset go together: --dataset DIR --split test")
    if args.paths or args.report:
        raise UsageError("--split scores the dataset's own files: give no PATH or --report with it")
    try:
        held = held_out(
            Path(args.dataset),
            args.split,
            truth_dir,
            Path(args.fixtures) if args.fixtures else None,
            Path(args.corpus_cache) if args.corpus_cache else None,
        )
        for warning in held.warnings:
            print(f"hptlens: warning: {printable(warning)}", file=sys.stderr)
        settings = held.settings(settings_of(args, truth_dir))
        models = [(label, held.settings(chosen)) for label, chosen in model_settings(args, settings)]

        def scan_roots(roots: list[str], chosen: Settings) -> list[FileReport]:
            return scan(roots, chosen, progress=progress_wanted(args), worker_setup=workers_log(args), isolate=True)

        files = held.static_reports(scan_roots, settings)
    except DatasetError as exc:
        raise UsageError(str(exc)) from exc
    except TruthError as exc:
        raise UsageError(f"invalid ground truth: {exc}") from exc
    if args.llm:
        analyses = eval_analyses(files, models, args.llm, held.loader)
    else:
        analyses = {"static": files}
    evaluation = evaluate_truths(analyses, held.truths, f"{args.dataset} ({args.split} split)")
    return _print(evaluation, args.format)


def _label(path: Path, taken: dict[str, Any]) -> str:
    """The report's file stem, or its path when that stem is already used."""
    return path.stem if path.stem not in taken else str(path)


def _print_evaluation(analyses: dict[str, list[FileReport]], truth_dir: Path, fmt: str) -> int:
    from hptlens.evaluate import EvaluationError, evaluate

    try:
        evaluation = evaluate(analyses, truth_dir)
    except TruthError as exc:  # its message names the file
        raise UsageError(f"invalid ground truth: {exc}") from exc
    except EvaluationError as exc:  # e.g. one file reported twice
        raise UsageError(f"cannot evaluate: {exc}") from exc
    return _print(evaluation, fmt)


def _print(evaluation: Evaluation, fmt: str) -> int:
    from hptlens.evaluate import render_text

    if fmt == "json":
        to_stdout(lambda stream: stream.write(evaluation.model_dump_json(indent=2) + "\n"))
    else:
        to_stdout(lambda stream: render_text(evaluation, console(stream)))
    return 0


def load_report_files(path: Path) -> list[FileReport]:
    """The file reports of a saved report, in our JSON layout or the seed's legacy layout."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read report {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:  # bad JSON or bad UTF-8
        raise UsageError(f"report {path} is not valid JSON: {exc}") from exc
    from hptlens.evaluate import load_reports

    try:
        return load_reports(data)
    except ValidationError as exc:  # our layout, but not valid
        raise UsageError(f"report {path} is not a valid hptlens report: {_first_error(exc)}") from exc
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # the seed's layout, but not valid
        raise UsageError(f"report {path} is not a valid report: {exc}") from exc


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"
