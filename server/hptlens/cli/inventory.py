"""`hptlens inventory`: add projects, scan them into SQLite, report across them, query read-only."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from hptlens.cli.options import add_settings_flags, ray_executor, settings_of
from hptlens.cli.output import to_stdout
from hptlens.cli.usage import UsageError, non_negative
from hptlens.safetext import printable

REPORT_FORMATS = ("text", "json", "csv", "html")


def add_parser(commands: Any) -> None:
    inventory = commands.add_parser(
        "inventory",
        help="keep many projects in an SQLite inventory and report across them",
        description="Keep many projects (folders, git repositories) in an SQLite inventory, scan them "
        "incrementally and report how they tune hyperparameters.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=os.environ.get("HPTLENS_INVENTORY", "hpt-inventory.sqlite"),
        metavar="FILE",
        help="the inventory database (default: $HPTLENS_INVENTORY or ./hpt-inventory.sqlite); git "
        "sources are cloned into FILE.clones/ beside it",
    )
    actions = inventory.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", parents=[common], help="add folders, git URLs or files listing them")
    add.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="a folder, a git URL (cloned with --depth 1), or a text file listing sources one a line",
    )
    add.set_defaults(handler=run_add)
    scan = actions.add_parser("scan", parents=[common], help="scan what changed since the last scan")
    scan.add_argument(
        "--jobs", type=non_negative, default=0, metavar="N", help="worker processes: 0 = one per CPU, 1 = here"
    )
    scan.add_argument(
        "--ray",
        metavar="auto|local|ADDRESS",
        help="run the per-project analysis as Ray tasks (pip install 'hptlens[ray]'): auto joins the cluster "
        "on this machine or starts one, local starts one of its own, ADDRESS names a cluster",
    )
    scan.add_argument("--no-progress", action="store_true", help="print no line per project on stderr")
    add_settings_flags(scan)
    scan.set_defaults(handler=run_scan)
    report = actions.add_parser("report", parents=[common], help="which projects tune, how, and over which spaces")
    report.add_argument("--format", choices=REPORT_FORMATS, default="text", help="output format (default: text)")
    report.add_argument("--table", choices=("projects", "hyperparameters"), default="projects", help="csv: which table")
    report.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    report.set_defaults(handler=run_report)
    sql = actions.add_parser("sql", parents=[common], help="run a read-only SQL query")
    sql.add_argument("statement", metavar="SQL", help='e.g. "SELECT name, files FROM projects"')
    sql.add_argument("--format", choices=("text", "csv", "json"), default="text", help="output format")
    sql.set_defaults(handler=run_sql)


def _database(args: argparse.Namespace, must_exist: bool = True) -> Path:
    path = Path(args.db)
    if must_exist and not path.is_file():
        raise UsageError(f"no inventory at {path} (create one with `hptlens inventory add SOURCE...`)")
    if not path.parent.is_dir():
        raise UsageError(f"cannot create {path}: folder {path.parent} does not exist")
    return path


def run_add(args: argparse.Namespace) -> int:
    from hptlens.inventory.sources import classify, read_list
    from hptlens.inventory.store import Store

    sources: list[str] = []
    for source in args.sources:
        kind, _ = classify(source)
        if kind == "git":
            sources.append(source)
        elif os.path.isdir(source):
            sources.append(source)
        elif os.path.isfile(source):
            try:
                sources += read_list(Path(source))
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"cannot read the list {source}: {exc}") from exc
        else:
            raise UsageError(f"not a folder, a git URL or a list file: {source}")
    with Store(_database(args, must_exist=False)) as store:
        added = 0
        for source in sources:
            project = store.add(source)
            if project is None:
                print(f"hptlens: already in the inventory: {printable(source)}", file=sys.stderr)
            else:
                added += 1
        total = len(store.projects())
    print(f"hptlens: added {added} projects ({total} in the inventory {args.db})", file=sys.stderr)
    return 0


def run_scan(args: argparse.Namespace) -> int:
    from hptlens.inventory.models import Project
    from hptlens.inventory.scan import local_executor, scan_inventory
    from hptlens.inventory.store import Store

    settings = settings_of(args, Path.cwd())

    def progress(done: int, total: int, project: Project, what: str) -> None:
        if not args.no_progress:
            print(f"[{done}/{total}] {printable(project.name)}: {printable(what)}", file=sys.stderr, flush=True)

    if args.ray:
        from hptlens.workspace.onray import cluster_cpus

        executor: Executor = ray_executor(args.ray, not args.no_progress)
        in_flight = 2 * cluster_cpus()
    else:
        executor = local_executor(args.jobs)
        in_flight = 1 if args.jobs == 1 else 2 * (args.jobs or os.cpu_count() or 1)
    with Store(_database(args)) as store, executor:
        outcome = scan_inventory(store, settings, executor, progress, in_flight)
    print(
        f"hptlens: {outcome.projects} projects: {outcome.scanned} scanned, {outcome.unchanged} unchanged, "
        f"{outcome.failed} failed; {outcome.files} files ({outcome.files_analysed} analysed) "
        f"in {outcome.seconds:.1f} s",
        file=sys.stderr,
    )
    return 0


def run_report(args: argparse.Namespace) -> int:
    from hptlens.inventory import report as inventory_report
    from hptlens.inventory.sql import open_readonly

    connection = open_readonly(_database(args))
    try:
        built = inventory_report.build(connection)
        if args.format == "html":
            from hptlens.export.html import inventory_html

            text = inventory_html(built)
        elif args.format == "json":
            text = inventory_report.render_json(built)
        elif args.format == "csv":
            text = inventory_report.render_csv(built, args.table)
        else:
            text = inventory_report.render_text(built)
    finally:
        connection.close()
    if args.output is None:
        to_stdout(lambda stream: stream.write(text))
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        print(f"hptlens: error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"hptlens: wrote {args.format} inventory report to {args.output}", file=sys.stderr)
    return 0


def run_sql(args: argparse.Namespace) -> int:
    from hptlens.inventory.sql import QueryError, query

    try:
        columns, rows = query(_database(args), args.statement)
    except QueryError as exc:
        raise UsageError(f"query failed: {exc}") from exc

    def write(stream: Any) -> None:
        if args.format == "json":
            stream.write(json.dumps([dict(zip(columns, _plain(row))) for row in rows], indent=2) + "\n")
        elif args.format == "csv":
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(_plain(row) for row in rows)
        else:
            stream.write("\t".join(columns) + "\n")
            stream.write("".join("\t".join("" if v is None else str(v) for v in _plain(row)) + "\n" for row in rows))

    to_stdout(write)
    return 0


def _plain(row: tuple[Any, ...]) -> list[Any]:
    """Blobs (the stored reports) are shown as their size, not as bytes."""
    return [f"<{len(v)} bytes>" if isinstance(v, bytes) else v for v in row]
