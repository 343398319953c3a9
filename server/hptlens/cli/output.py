"""Writing to standard output: failures that become exit status 1, consoles, JSON text."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from rich.console import Console


class OutputError(Exception):
    """Standard output cannot take the report (a full disk, a closed device): exit status 1."""


def tolerant_streams() -> None:
    # A terminal or pipe that is not UTF-8 gets escapes instead of a UnicodeEncodeError (in
    # JSON, `\\uXXXX` escapes are still valid JSON).
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


def to_stdout(write: Callable[[TextIO], object]) -> None:
    """Write to stdout and flush, so that a full disk is an OutputError here, not a traceback at exit."""
    try:
        write(sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write to standard output: {exc.strerror or exc}") from None


def silence_stdout() -> None:
    # Python flushes stdout at exit; point it at devnull so that flush cannot fail again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def console(stream: TextIO) -> Console:
    """A terminal gets colour at its own width; a pipe or file gets plain text wide enough
    that paths stay on one line (rich would otherwise assume 80 columns)."""
    from rich.console import Console

    if stream.isatty():
        return Console(file=stream)
    return Console(file=stream, no_color=True, width=160, soft_wrap=False)


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
