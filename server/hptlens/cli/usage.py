"""Usage errors (exit status 2) and the argument types and checks that raise them."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Sequence


class UsageError(Exception):
    """A problem with what the user asked for: reported on stderr, exit status 2."""


def require_existing(paths: Sequence[str]) -> None:
    # lexists: a broken symlink named explicitly is scanned and reported as unreadable.
    missing = [path for path in paths if not os.path.lexists(path)]
    if missing:
        raise UsageError("no such file or directory: " + ", ".join(missing))


def variable_name(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        raise argparse.ArgumentTypeError(f"expected the name of an environment variable, not {text!r}")
    return text


def non_negative(text: str) -> int:
    value = integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def positive(text: str) -> int:
    value = integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
