"""Hostile inputs shared by the hardening tests: each one crashed or misled hptlens once.

Every entry is (file name, bytes); `run_isolated` runs Python code in a fresh interpreter,
so a native crash (a segfault in tree-sitter) fails one test instead of the whole session.
"""

from __future__ import annotations

import json
import subprocess
import sys

from support.paths import ROOT as REPO

OPTUNA = (
    "import optuna\n\n\ndef objective(trial):\n"
    '    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)\n'
    "    return lr\n\n\n"
    "study = optuna.create_study()\nstudy.optimize(objective, n_trials=3)\n"
)


def deep_defs(levels: int, indent: str = " ") -> str:
    """`levels` nested one-space-indented defs with a search space at the bottom."""
    body = "".join(indent * i + f"def f{i}(trial):\n" for i in range(levels))
    return "import optuna\n" + body + indent * levels + 'x = trial.suggest_float("lr", 0.1, 0.2)\n'


def notebook(*cells: str, **extra: object) -> str:
    doc = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": c} for c in cells
        ],
    }
    doc.update(extra)
    return json.dumps(doc)


def deep_notebook(depth: int = 100_000) -> str:
    return '{"nbformat": 4, "nbformat_minor": 5, "metadata": {"x": ' + "[" * depth + "]" * depth + '}, "cells": []}'


HOSTILE_FILES: dict[str, bytes] = {
    "surrogate.py": OPTUNA.replace('"lr"', '"lr\\ud800"').encode("utf-8"),  # an escape: valid UTF-8 on disk
    "surrogate_cell.ipynb": notebook(OPTUNA.replace('"lr"', '"lr\ud800"')).encode("ascii"),  # \ud800 in JSON
    "deep_defs.py": deep_defs(600).encode("ascii"),
    "deep_json.ipynb": deep_notebook().encode("ascii"),
    "huge_int.py": (
        "import optuna\ndef objective(trial):\n"
        f"    n = trial.suggest_int('n', 1, {10**400})\n"
        f"    m = trial.suggest_int('m', 1, {'9' * 5000})\n"
        "    z = trial.suggest_float('z', 0 ** -1, 1)\n"
        "    for lr in range(5, 30, 5e-324):\n        train(lr=lr)\n"
    ).encode("ascii"),
    "bad_utf8.py": b"lr_values = [0.1, 0.2]\nname = '\xff\xfe'\nfor lr in lr_values:\n    train(lr=lr)\n",
    "cr_only.yaml": b"program: train.py\rmethod: bayes\rparameters:\r  lr:\r    min: 0.0001\r    max: 0.1\r",
}


def run_isolated(code: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter (isolated mode, so the test's folder is not importable)."""
    return subprocess.run(
        [sys.executable, "-I", "-"], input=code, capture_output=True, text=True, timeout=timeout, cwd=REPO
    )
