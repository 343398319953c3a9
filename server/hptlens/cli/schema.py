"""`hptlens schema`: print or write the JSON Schemas of the report and the ground truth."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hptlens.cli.output import dumps, to_stdout
from hptlens.cli.usage import UsageError
from hptlens.report import report_schema
from hptlens.truth import truth_schema

REPORT_SCHEMA_FILE = "hpt-report.schema.json"
TRUTH_SCHEMA_FILE = "ground-truth.schema.json"


def add_parser(commands: Any) -> None:
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
    schema_parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.write:
        folder = Path(args.write)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / REPORT_SCHEMA_FILE).write_text(dumps(report_schema()), encoding="utf-8")
            (folder / TRUTH_SCHEMA_FILE).write_text(dumps(truth_schema()), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write schemas to {folder}: {exc.strerror or exc}") from exc
        print(f"hptlens: wrote {folder / REPORT_SCHEMA_FILE} and {folder / TRUTH_SCHEMA_FILE}", file=sys.stderr)
        return 0
    to_stdout(lambda stream: stream.write(dumps(truth_schema() if args.truth else report_schema())))
    return 0
