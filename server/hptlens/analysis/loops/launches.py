"""Loop variables written into a launched run (`subprocess.run(["python", "train.py", "--lr", str(lr)])`):
the argument name the run sees them under, and whether that argument is tuned."""

from __future__ import annotations

import re
from typing import Any

from tree_sitter import Node

from hptlens.analysis.neutral import argument_key, is_hyperparameter, is_not_tuned_argument, text


def tuned_argument(key: str, values: list[Any] | None) -> bool:
    """A launched run's argument given the loop's values: tuned when named as a hyperparameter,
    or when it takes several numbers and names nothing that picks the run (seed, env, device)."""
    if is_not_tuned_argument(key):
        return False
    if is_hyperparameter(key):
        return True
    numbers = [v for v in values or [] if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return len(numbers) >= 2 and len(numbers) == len(values or [])


_LAUNCHES = re.compile(
    r"subprocess|os\.system|os\.popen|Popen|check_call|check_output|\bsbatch\b|\bsrun\b"
    r"|\bpython3?\b|\.py\b|\bshlex\b"
)


def launch_keys(body: Node, names: list[str]) -> dict[str, str]:
    """Loop variables written into a command line or override (`["--lr", str(lr)]`,
    f"--lr={lr}", f"lr={lr}"), each with the argument name it is given under."""
    written = text(body)
    found: dict[str, str] = {}
    if not _LAUNCHES.search(written):
        return found  # `label=f"window={w}"` is a plot label, not a run's argument
    for name in names:
        if name not in written:
            continue
        variable = re.escape(name)
        flag = re.search(
            rf"-{{1,2}}([A-Za-z_][\w.\-]*)(?:\s*=\s*|\s+|['\"]\s*[,+]\s*)"
            rf"(?:(?:str|repr|float|int)\(\s*)?\{{?\s*{variable}\b",
            written,
        )
        override = flag or re.search(rf"(?<![\w.\-])([A-Za-z_][\w.]*)=\{{\s*{variable}\b", written)
        if override is not None:
            found[name] = argument_key(override.group(1))
    return found
