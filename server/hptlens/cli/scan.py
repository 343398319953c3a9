"""`hptlens scan`: analyse files and folders and write the report in one of four formats."""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import Executor
from pathlib import Path
from typing import Any, TextIO

from hptlens.cli.llm import add_llm_flags, llm_results
from hptlens.cli.options import add_settings_flags, progress_wanted, ray_executor, settings_of, workers_log
from hptlens.cli.output import console, dumps, to_stdout
from hptlens.cli.usage import UsageError, non_negative, require_existing
from hptlens.report import Report, build_report, report_json
from hptlens.workspace import scan
from hptlens.workspace.scanning import BatchRunner

FORMATS = ("text", "json", "sarif", "legacy", "html")


def add_parser(commands: Any) -> None:
    scan_parser = commands.add_parser(
        "scan",
        help="analyse files and folders",
        description="Analyse files and folders for hyperparameter tuning.",
        epilog="Exit status: 0 when the scan ran, whatever was found (files that cannot be read "
        "get an entry in their report's errors); 2 for usage errors, such as a PATH that does "
        "not exist (nothing is scanned then) or an -o folder that does not exist.",
    )
    scan_parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to scan")
    scan_parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    scan_parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    scan_parser.add_argument("--verbose", action="store_true", help="text format: show every finding in detail")
    scan_parser.add_argument(
        "--jobs",
        type=non_negative,
        default=0,
        metavar="N",
        help="processes to use: 0 = automatic (default), 1 = serial in this process (a native crash then ends "
        "the scan: the other values analyse in worker processes, where it costs only its file)",
    )
    scan_parser.add_argument(
        "--ray",
        metavar="auto|local|ADDRESS",
        help="analyse the files in batches as Ray tasks (pip install 'hptlens[ray]'): auto joins the cluster on "
        "this machine or starts one, local starts one of its own, ADDRESS names a cluster",
    )
    add_settings_flags(scan_parser)
    add_llm_flags(scan_parser, ("off", "review", "only"))
    scan_parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    scan_parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    require_existing(args.paths)
    output = Path(args.output) if args.output else None
    if output is not None:
        _require_writable(output)
    settings = settings_of(args, Path(args.paths[0]))
    executor, runner = _ray_runner(args.ray, not args.no_progress)
    try:
        files = scan(
            args.paths,
            settings,
            jobs=args.jobs,
            progress=progress_wanted(args),
            worker_setup=workers_log(args),
            isolate=args.jobs != 1,
            runner=runner,
        )  # --jobs 1: serial in this process, for debugging
    finally:
        if executor is not None:
            executor.shutdown()
    if args.llm != "off":
        files = llm_results(files, settings, [args.llm])[args.llm].reports
    report = build_report(files)
    if output is None:
        to_stdout(lambda stream: _write_report(report, args.format, args.verbose, stream, Path.cwd()))
        return 0
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            _write_report(report, args.format, args.verbose, handle, output.absolute().parent)
    except OSError as exc:
        print(f"hptlens: error: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(_summary_line(report, args.format, output), file=sys.stderr)
    return 0


def _ray_runner(address: str | None, announce: bool) -> tuple[Executor | None, BatchRunner | None]:
    if address is None:
        return None, None
    from hptlens.workspace.onray import batch_runner

    executor = ray_executor(address, announce)
    return executor, batch_runner(executor)


def _require_writable(output: Path) -> None:
    parent = output.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {output}: folder {parent} does not exist")
    if output.is_dir():
        raise UsageError(f"cannot write {output}: it is a folder")


def _write_report(report: Report, fmt: str, verbose: bool, stream: TextIO, base: Path) -> None:
    """`base`: the folder the report goes to (the HTML report's links to files are relative to it)."""
    if fmt == "html":
        from hptlens.export.html import scan_html

        stream.write(scan_html(report, base))
    elif fmt == "text":
        from hptlens.export.text import render_report

        render_report(report, console(stream), verbose=verbose)
    elif fmt == "json":
        stream.write(report_json(report))
    else:
        stream.write(dumps(_export(report, fmt)))


def _export(report: Report, fmt: str) -> dict[str, Any]:
    if fmt == "sarif":
        from hptlens.export.sarif import to_sarif

        return to_sarif(report)
    from hptlens.export.legacy import to_legacy

    return to_legacy(report)


def _summary_line(report: Report, fmt: str, output: Path) -> str:
    summary = report.summary
    return (
        f"hptlens: wrote {fmt} report to {output}: {summary.files} files, "
        f"{summary.files_with_tuning} with tuning, {summary.findings} findings, "
        f"{summary.files_with_errors} with errors"
    )
