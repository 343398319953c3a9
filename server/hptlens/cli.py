"""The `hptlens` command: scan, eval, schema.

Exit status: 0 when the command ran (whatever was found), 2 for usage errors (bad
flags, a PATH that does not exist, an unreadable or invalid report or truth file, an
output folder that does not exist), 1 for an unexpected failure while writing output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

import argparse
import json
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from hptlens import __version__
from hptlens.report import FileReport, Report, build_report, report_json, report_schema
from hptlens.safetext import printable
from hptlens.settings import Settings, load_settings, user_llm_settings
from hptlens.truth import TruthError, truth_schema
from hptlens.workspace import scan

FORMATS = ("text", "json", "sarif", "legacy")
REPORT_SCHEMA_FILE = "hpt-report.schema.json"
TRUTH_SCHEMA_FILE = "ground-truth.schema.json"


class UsageError(Exception):
    """A problem with what the user asked for: reported on stderr, exit status 2."""


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hptlens",
        description="Find hyperparameter tuning in RL/ML code and report it.",
        epilog="Exit status: 0 when the command ran, whatever was found; 2 for usage errors.",
    )
    parser.add_argument("--version", action="version", version=f"hptlens {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_scan(commands)
    _add_eval(commands)
    _add_schema(commands)
    _add_serve(commands)
    return parser


def _add_scan(commands: Any) -> None:
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
        type=_non_negative,
        default=0,
        metavar="N",
        help="processes to use: 0 = automatic (default), 1 = serial in this process (a native crash then ends "
        "the scan: the other values analyse in worker processes, where it costs only its file)",
    )
    _add_settings_flags(scan_parser)
    _add_llm_flags(scan_parser, ("off", "review", "only"))
    scan_parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    scan_parser.set_defaults(handler=_run_scan)


def _add_settings_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="gitignore-style pattern of paths to skip, added to [tool.hptlens] exclude (repeatable)",
    )
    parser.add_argument(
        "--max-file-bytes", type=_positive, metavar="N", help="skip files larger than N bytes (a too-large error)"
    )
    parser.add_argument(
        "--follow-outside-links",
        action="store_true",
        help="follow symbolic links that lead out of the scanned folder (default: report them "
        "as outside-root and skip them)",
    )


def _add_eval(commands: Any) -> None:
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
    _add_settings_flags(eval_parser)
    _add_llm_flags(eval_parser, ("review", "only", "both"))
    eval_parser.set_defaults(handler=_run_eval)


def _add_schema(commands: Any) -> None:
    schema_parser = commands.add_parser(
        "schema", help="print the JSON Schema of the report", description="Print or write the JSON Schemas."
    )
    which = schema_parser.add_mutually_exclusive_group()
    which.add_argument("--truth", action="store_true", help="print the ground-truth schema instead")
    which.add_argument(
        "--write",
        metavar="DIR",
        help=f"write both schemas to DIR/{REPORT_SCHEMA_FILE} and DIR/{TRUTH_SCHEMA_FILE}",
    )
    schema_parser.set_defaults(handler=_run_schema)


def _add_serve(commands: Any) -> None:
    serve_parser = commands.add_parser(
        "serve",
        help="run the language server",
        description="Run the hptlens language server (LSP): on stdio by default, or on TCP.",
    )
    transport = serve_parser.add_mutually_exclusive_group()
    transport.add_argument("--stdio", action="store_true", help="talk LSP on stdin/stdout (the default)")
    transport.add_argument("--tcp", metavar="HOST:PORT", type=_host_port, help="listen on a TCP address instead")
    serve_parser.set_defaults(handler=_run_serve)


def _host_port(text: str) -> str:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, such as 127.0.0.1:2087, not {text!r}")
    host = host.strip("[]") or "127.0.0.1"
    if not _loopback(host):
        raise argparse.ArgumentTypeError(f"the language server listens on loopback only (127.0.0.1, ::1), not {host}")
    return f"{host}:{port}"


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _run_serve(args: argparse.Namespace) -> int:
    from hptlens.lsp.server import serve

    serve(tcp=args.tcp)
    return 0


def _variable_name(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        raise argparse.ArgumentTypeError(f"expected the name of an environment variable, not {text!r}")
    return text


def _non_negative(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _positive(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


# --------------------------------------------------------------------------- logging


class _BriefHandler(logging.Handler):
    """One 'hptlens: level: message' line per record on the current stderr.

    A failing file is already an errors entry in the report, so a traceback on the
    terminal is noise unless asked for (verbose). stderr is looked up at each record
    so that a replaced sys.stderr (tests, redirection) is honoured.
    """

    def __init__(self, verbose: bool) -> None:
        super().__init__(logging.WARNING)
        self.verbose = verbose

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self._text(record) + "\n")
        except Exception:
            self.handleError(record)

    def _text(self, record: logging.LogRecord) -> str:
        text = f"hptlens: {record.levelname.lower()}: {printable(record.getMessage())}"
        error = record.exc_info[1] if record.exc_info else None
        if error is None:
            return text
        if self.verbose:
            return text + "\n" + "".join(traceback.format_exception(error)).rstrip()
        first = (str(error).splitlines() or [""])[0]
        return f"{text} ({type(error).__name__}: {first})"


def install_log_handler(verbose: bool = False) -> None:
    """Show hptlens warnings on stderr, one line each (tracebacks only when verbose)."""
    logger = logging.getLogger("hptlens")
    for handler in logger.handlers:
        if isinstance(handler, _BriefHandler):
            handler.verbose = verbose
            return
    logger.addHandler(_BriefHandler(verbose))


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits for --help, --version and bad flags
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        parser.print_usage(sys.stderr)
        print("hptlens: error: a command is required (scan, eval, schema or serve)", file=sys.stderr)
        return 2
    install_log_handler(verbose=getattr(args, "verbose", False))
    _tolerant_streams()
    try:
        return int(args.handler(args))
    except UsageError as exc:
        print(f"hptlens: error: {printable(str(exc))}", file=sys.stderr)
        return 2
    except OutputError as exc:
        _silence_stdout()
        print(f"hptlens: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `hptlens scan . | head`: the reader left, nothing to report
        _silence_stdout()
        return 1
    except KeyboardInterrupt:
        print("hptlens: interrupted", file=sys.stderr)
        return 130


class OutputError(Exception):
    """Standard output cannot take the report (a full disk, a closed device): exit status 1."""


def _tolerant_streams() -> None:
    # A terminal or pipe that is not UTF-8 gets escapes instead of a UnicodeEncodeError (in
    # JSON, `\\uXXXX` escapes are still valid JSON).
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


def _to_stdout(write: Callable[[TextIO], object]) -> None:
    """Write to stdout and flush, so that a full disk is an OutputError here, not a traceback at exit."""
    try:
        write(sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write to standard output: {exc.strerror or exc}") from None


def _silence_stdout() -> None:
    # Python flushes stdout at exit; point it at devnull so that flush cannot fail again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


# --------------------------------------------------------------------------- scan


def _run_scan(args: argparse.Namespace) -> int:
    _require_existing(args.paths)
    output = Path(args.output) if args.output else None
    if output is not None:
        _require_writable(output)
    settings = _settings(args, Path(args.paths[0]))
    files = scan(
        args.paths,
        settings,
        jobs=args.jobs,
        progress=_progress_wanted(args),
        worker_setup=_workers_log(args),
        isolate=args.jobs != 1,
    )  # --jobs 1: serial in this process, for debugging
    if args.llm != "off":
        files = _run_llm(files, settings, [args.llm])[args.llm].reports
    report = build_report(files)
    if output is None:
        _to_stdout(lambda stream: _write_report(report, args.format, args.verbose, stream))
        return 0
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            _write_report(report, args.format, args.verbose, handle)
    except OSError as exc:
        print(f"hptlens: error: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(_summary_line(report, args.format, output), file=sys.stderr)
    return 0


def _require_existing(paths: Sequence[str]) -> None:
    # lexists: a broken symlink named explicitly is scanned and reported as unreadable.
    missing = [path for path in paths if not os.path.lexists(path)]
    if missing:
        raise UsageError("no such file or directory: " + ", ".join(missing))


def _require_writable(output: Path) -> None:
    parent = output.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {output}: folder {parent} does not exist")
    if output.is_dir():
        raise UsageError(f"cannot write {output}: it is a folder")


def _settings(args: argparse.Namespace, start: Path) -> Settings:
    settings, warnings = load_settings(start)
    user_llm = user_llm_settings(warnings) if getattr(args, "llm", None) not in (None, "off") else {}
    for warning in warnings:
        print(f"hptlens: warning: {printable(warning)}", file=sys.stderr)
    updates: dict[str, Any] = {}
    if args.exclude:
        updates["exclude"] = [*settings.exclude, *args.exclude]
    if args.max_file_bytes is not None:
        updates["max_file_bytes"] = args.max_file_bytes
    if getattr(args, "follow_outside_links", False):
        updates["follow_outside_links"] = True
    updates.update(_llm_updates(args, settings, user_llm))
    return Settings.model_validate({**settings.model_dump(), **updates}) if updates else settings


def _workers_log(args: argparse.Namespace) -> partial[None]:
    """Worker processes of a scan show their warnings as this process does."""
    return partial(install_log_handler, verbose=bool(getattr(args, "verbose", False)))


def _progress_wanted(args: argparse.Namespace) -> bool:
    # scan() itself shows the bar only for more than workspace.PROGRESS_MIN_FILES files.
    return not getattr(args, "no_progress", False) and _is_tty(sys.stderr)


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _console(stream: TextIO) -> Console:
    """A terminal gets colour at its own width; a pipe or file gets plain text wide enough
    that paths stay on one line (rich would otherwise assume 80 columns)."""
    from rich.console import Console

    if stream.isatty():
        return Console(file=stream)
    return Console(file=stream, no_color=True, width=160, soft_wrap=False)


def _write_report(report: Report, fmt: str, verbose: bool, stream: TextIO) -> None:
    if fmt == "text":
        from hptlens.export.text import render_report

        render_report(report, _console(stream), verbose=verbose)
    elif fmt == "json":
        stream.write(report_json(report))
    else:
        stream.write(_dumps(_export(report, fmt)))


def _export(report: Report, fmt: str) -> dict[str, Any]:
    if fmt == "sarif":
        from hptlens.export.sarif import to_sarif

        return to_sarif(report)
    from hptlens.export.legacy import to_legacy

    return to_legacy(report)


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _summary_line(report: Report, fmt: str, output: Path) -> str:
    summary = report.summary
    return (
        f"hptlens: wrote {fmt} report to {output}: {summary.files} files, "
        f"{summary.files_with_tuning} with tuning, {summary.findings} findings, "
        f"{summary.files_with_errors} with errors"
    )


# --------------------------------------------------------------------------- eval


def _run_eval(args: argparse.Namespace) -> int:
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
        _require_existing(paths)
        settings = _settings(args, Path(paths[0]))
        files = scan(paths, settings, progress=_progress_wanted(args), worker_setup=_workers_log(args), isolate=True)
        analyses.update(_eval_analyses(files, settings, args.llm) if args.llm else {"hptlens": files})
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
        _to_stdout(lambda stream: stream.write(evaluation.model_dump_json(indent=2) + "\n"))
    else:
        _to_stdout(lambda stream: render_text(evaluation, _console(stream)))
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


# --------------------------------------------------------------------------- llm


def _add_llm_flags(parser: argparse.ArgumentParser, modes: tuple[str, ...]) -> None:
    # Only --llm sends anything: a pyproject's llm.mode does not switch the CLI on.
    parser.add_argument(
        "--llm",
        choices=modes,
        default="off" if "off" in modes else None,
        help="LLM analysis through an OpenAI-compatible endpoint: "
        + (
            "review = the model checks and extends the static findings, only = the model alone "
            "(the seed's setup); off (default) sends nothing"
            if "off" in modes
            else "score the static scan (static), the model alone (llm, with 'only'), the merged review "
            "(merged, with 'review'), or all three ('both')"
        ),
    )
    parser.add_argument(
        "--llm-model",
        metavar="NAME",
        help="model name (default: model in the [llm] table of your user config, or gpt-4o-mini)",
    )
    parser.add_argument(
        "--llm-base-url", metavar="URL", help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (Ollama)"
    )
    parser.add_argument(
        "--llm-api-key-env",
        metavar="NAME",
        type=_variable_name,
        help="environment variable holding the API key (default: OPENAI_API_KEY)",
    )
    parser.add_argument("--no-cache", action="store_true", help="ask the model again instead of reusing cached answers")


def _llm_updates(args: argparse.Namespace, settings: Settings, user: dict[str, Any]) -> dict[str, Any]:
    """The user's config file, then the flags; a project's pyproject never sets the endpoint,
    model or key variable (load_settings drops them)."""
    changes: dict[str, Any] = dict(user)
    if getattr(args, "llm_api_key_env", None):
        changes["api_key_env"] = args.llm_api_key_env
    if getattr(args, "llm_model", None):
        changes["model"] = args.llm_model
    if getattr(args, "llm_base_url", None):
        changes["base_url"] = args.llm_base_url
    if getattr(args, "no_cache", False):
        changes["cache"] = False
    return {"llm": {**settings.llm.model_dump(), **changes}} if changes else {}


def _run_llm(files: list[FileReport], settings: Settings, modes: list[str]) -> dict[str, Any]:
    """BatchResults by mode; notes, warnings and token usage go to stderr."""
    from hptlens.llm import LlmSetupError, run_llm

    try:
        return run_llm(files, settings, modes, lambda line: print(f"hptlens: {printable(line)}", file=sys.stderr))
    except LlmSetupError as exc:
        raise UsageError(f"LLM analysis: {exc} (a local server needs no key: --llm-base-url URL)") from exc


def _eval_analyses(files: list[FileReport], settings: Settings, choice: str) -> dict[str, list[FileReport]]:
    from hptlens.llm import scoring_reports

    modes = {"review": ["review"], "only": ["only"], "both": ["only", "review"]}[choice]
    results = _run_llm(files, settings, modes)
    analyses = {"static": files}
    if "only" in results:
        analyses["llm"] = scoring_reports(results["only"], "only")
    if "review" in results:
        analyses["merged"] = results["review"].reports
    return analyses


# --------------------------------------------------------------------------- schema


def _run_schema(args: argparse.Namespace) -> int:
    if args.write:
        folder = Path(args.write)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / REPORT_SCHEMA_FILE).write_text(_dumps(report_schema()), encoding="utf-8")
            (folder / TRUTH_SCHEMA_FILE).write_text(_dumps(truth_schema()), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write schemas to {folder}: {exc.strerror or exc}") from exc
        print(f"hptlens: wrote {folder / REPORT_SCHEMA_FILE} and {folder / TRUTH_SCHEMA_FILE}", file=sys.stderr)
        return 0
    _to_stdout(lambda stream: stream.write(_dumps(truth_schema() if args.truth else report_schema())))
    return 0
