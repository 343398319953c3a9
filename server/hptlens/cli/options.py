"""What scan and eval share: the settings flags, the settings they make, progress and worker logs."""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hptlens.cli.llm import llm_updates
from hptlens.cli.logs import install_log_handler
from hptlens.cli.output import is_tty
from hptlens.cli.usage import UsageError, positive
from hptlens.safetext import printable
from hptlens.settings import Settings, load_settings, user_llm_settings


def add_settings_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="gitignore-style pattern of paths to skip, added to [tool.hptlens] exclude (repeatable)",
    )
    parser.add_argument(
        "--max-file-bytes", type=positive, metavar="N", help="skip files larger than N bytes (a too-large error)"
    )
    parser.add_argument(
        "--follow-outside-links",
        action="store_true",
        help="follow symbolic links that lead out of the scanned folder (default: report them "
        "as outside-root and skip them)",
    )


def settings_of(args: argparse.Namespace, start: Path) -> Settings:
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
    updates.update(llm_updates(args, settings, user_llm))
    return Settings.model_validate({**settings.model_dump(), **updates}) if updates else settings


def workers_log(args: argparse.Namespace) -> partial[None]:
    """Worker processes of a scan show their warnings as this process does."""
    return partial(install_log_handler, verbose=bool(getattr(args, "verbose", False)))


if TYPE_CHECKING:
    from hptlens.workspace.onray import RayExecutor


def ray_executor(address: str, announce: bool) -> RayExecutor:
    """`--ray ADDRESS` of scan and inventory scan: the cluster joined (or started), printed on
    stderr when `announce`; a usage error when Ray is missing or the cluster cannot be reached."""
    from hptlens.workspace.onray import RayExecutor, RayUnavailable, cluster_summary

    try:
        executor = RayExecutor(address)
    except RayUnavailable as exc:
        raise UsageError(str(exc)) from exc
    if announce:
        print(f"hptlens: {cluster_summary()}", file=sys.stderr)
    return executor


def progress_wanted(args: argparse.Namespace) -> bool:
    # scan() itself shows the bar only for more than workspace.PROGRESS_MIN_FILES files.
    return not getattr(args, "no_progress", False) and is_tty(sys.stderr)
