"""The `hptlens` command: scan, eval, dataset, schema, serve, inventory (one module per subcommand).

Exit status: 0 when the command ran (whatever was found), 2 for usage errors (bad
flags, a PATH that does not exist, an unreadable or invalid report or truth file, an
output folder that does not exist), 1 for an unexpected failure while writing output.
"""

from __future__ import annotations

import argparse
import sys

from hptlens import __version__
from hptlens.cli import dataset, evaluate, inventory, scan, schema, serve
from hptlens.cli.logs import install_log_handler
from hptlens.cli.output import OutputError, silence_stdout, tolerant_streams
from hptlens.cli.usage import UsageError
from hptlens.safetext import printable

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hptlens",
        description="Find hyperparameter tuning in RL/ML code and report it.",
        epilog="Exit status: 0 when the command ran, whatever was found; 2 for usage errors.",
    )
    parser.add_argument("--version", action="version", version=f"hptlens {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    scan.add_parser(commands)
    evaluate.add_parser(commands)
    dataset.add_parser(commands)
    schema.add_parser(commands)
    inventory.add_parser(commands)
    serve.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits for --help, --version and bad flags
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(
            "hptlens: error: a command is required (scan, eval, dataset, schema, serve or inventory)", file=sys.stderr
        )
        return 2
    install_log_handler(verbose=getattr(args, "verbose", False))
    tolerant_streams()
    try:
        return int(args.handler(args))
    except UsageError as exc:
        print(f"hptlens: error: {printable(str(exc))}", file=sys.stderr)
        return 2
    except OutputError as exc:
        silence_stdout()
        print(f"hptlens: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `hptlens scan . | head`: the reader left, nothing to report
        silence_stdout()
        return 1
    except KeyboardInterrupt:
        print("hptlens: interrupted", file=sys.stderr)
        return 130
