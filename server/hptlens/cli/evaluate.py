"""`hptlens eval`: score a fresh scan, or saved reports, against ground truth."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hptlens.cli.llm import add_llm_flags, eval_analyses
from hptlens.cli.options import add_settings_flags, progress_wanted, settings_of, workers_log
from hptlens.cli.output import console, to_stdout
from hptlens.cli.usage import UsageError, require_existing
from hptlens.report import FileReport
from hptlens.truth import TruthError
from hptlens.workspace import scan


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
    add_settings_flags(eval_parser)
    add_llm_flags(eval_parser, ("review", "only", "both"))
    eval_parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    truth_dir = Path(args.truth)
    if not truth_dir.is_dir():
        raise UsageError(f"truth folder not found: {truth_dir}")
    analyses: dict[str, list[FileReport]] = {}
    paths = list(args.paths)
    if not paths and not args.report:
        paths = [str(Path(os.path.abspath(truth_dir)).parent / "fixtures")]
    if args.llm and not paths:
        raise UsageError("--llm scores a fresh scan: give the PATHs to scan besides --report")
    if paths:
        require_existing(paths)
        settings = settings_of(args, Path(paths[0]))
        files = scan(paths, settings, progress=progress_wanted(args), worker_setup=workers_log(args), isolate=True)
        analyses.update(eval_analyses(files, settings, args.llm) if args.llm else {"hptlens": files})
    for report_path in args.report:
        analyses[_label(Path(report_path), analyses)] = load_report_files(Path(report_path))
    return _print_evaluation(analyses, truth_dir, args.format)


def _label(path: Path, taken: dict[str, Any]) -> str:
    """The report's file stem, or its path when that stem is already used."""
    return path.stem if path.stem not in taken else str(path)


def _print_evaluation(analyses: dict[str, list[FileReport]], truth_dir: Path, fmt: str) -> int:
    from hptlens.evaluate import EvaluationError, evaluate, render_text

    try:
        evaluation = evaluate(analyses, truth_dir)
    except TruthError as exc:  # its message names the file
        raise UsageError(f"invalid ground truth: {exc}") from exc
    except EvaluationError as exc:  # e.g. one file reported twice
        raise UsageError(f"cannot evaluate: {exc}") from exc
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
