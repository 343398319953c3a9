"""Shell command-line detectors: launchers of a library's search and sweeps written on one line.

- `wandb sweep`/`wandb agent`, `optuna create-study`, `ray submit` (also inside another command's
  string, `sbatch --wrap "..."`); `wandb sweep FILE` records FILE for the workspace to link;
- Optuna study workers: a Python script launched with `--study-name S` (the distributed form);
- rl-baselines3-zoo's `train.py --algo ... -optimize` (an Optuna search);
- GNU parallel over `:::` value groups, and hydra `-m`/`--multirun` overrides with several values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node

from hptlens.analysis.configs import override_space
from hptlens.analysis.neutral import Hit, argument_key, text
from hptlens.analysis.shell.file import ShellFile, unquote
from hptlens.analysis.shell.flow import (
    KEYED,
    grid,
    hand_grid,
    is_not_hyperparameter,
    is_number,
    is_shell_hyperparameter,
)
from hptlens.report import Criterion, FindingKind, Hyperparameter

_SWEEP_LAUNCHERS = {
    ("wandb", "sweep"): ("Weights & Biases", "W&B sweep", Criterion.AUTO_TUNING),
    ("wandb", "agent"): ("Weights & Biases", "W&B sweep agent", Criterion.AUTO_TUNING),
    ("optuna", "create-study"): ("Optuna", "Optuna study", Criterion.AUTO_TUNING),
    ("optuna", "study"): ("Optuna", "Optuna study", Criterion.AUTO_TUNING),
    ("ray", "submit"): ("Ray Tune", "Ray cluster job", Criterion.AUTO_TUNING),
}


@dataclass
class CommandSearches:
    sh: ShellFile
    hits: list[Hit] = field(default_factory=list)
    launched: list[tuple[Node, str]] = field(default_factory=list)
    """(command, config file) of `wandb sweep FILE` lines."""

    def run(self) -> list[Hit]:
        self._command_lines()
        return self.hits

    def _command_lines(self) -> None:
        for command in self.sh.nodes.get("command", []):
            if not _MAY_LAUNCH.search(command.text or b""):
                continue
            words = [
                text(w)
                for w in (command.child_by_field_name("name"), *command.children_by_field_name("argument"))
                if w is not None
            ]
            if not words:
                continue
            program = words[0].rsplit("/", 1)[-1]
            launcher = _SWEEP_LAUNCHERS.get((program, words[1] if len(words) > 1 else ""))
            if launcher is None:
                launcher = _wrapped_launcher(words)
            if launcher is not None:
                self._sweep_file(command, words)
                library, label, category = launcher
                self.hits.append(_started(command, category, library, f"{label} started", None, 0.8))
            elif _zoo_optimize(program, words):
                label = "rl-zoo hyperparameter optimisation started"
                self.hits.append(_started(command, Criterion.AUTO_TUNING, "rl-zoo", label, "Optuna (rl-zoo)", 0.85))
            elif _optuna_worker(program, words) and _repeated(command):
                label = "Optuna study worker started"
                self.hits.append(_started(command, Criterion.AUTO_TUNING, "Optuna", label, None, 0.7))
            elif program == "parallel" and ":::" in words:
                self._parallel(command, words)
            elif _multirun_flag(program, words):
                self._multirun(command, words)

    def _sweep_file(self, command: Node, words: list[str]) -> None:
        """`wandb sweep sweep.yaml`: the config it launches, for the workspace to link."""
        if words[:2] != ["wandb", "sweep"] and not (
            len(words) > 1 and words[0].endswith("/wandb") and words[1] == "sweep"
        ):
            return
        file = next(
            (
                unquote(w)
                for w in words[2:]
                if not w.startswith("-") and unquote(w).endswith((".yaml", ".yml", ".json"))
            ),
            None,
        )
        if file is not None:
            self.launched.append((command, file))

    def _parallel(self, command: Node, words: list[str]) -> None:
        """GNU parallel: `parallel python train.py --lr {1} --gamma {2} ::: 1e-3 1e-4 ::: 0.9 0.99`."""
        first = words.index(":::")
        template, groups = [unquote(w) for w in words[1:first]], _value_groups(words[first:])
        hps = []
        for number, values in enumerate(groups, start=1):
            slot = {f"{{{number}}}"} | ({"{}"} if len(groups) == 1 else set())
            key = next((_key_of_word(template, i) for i, w in enumerate(template) if any(m in w for m in slot)), None)
            if (
                key
                and len(values) >= 2
                and not is_not_hyperparameter(key)
                and (is_shell_hyperparameter(key) or all(is_number(v) for v in values))
            ):
                hps.append(grid(key, values))
        if hps:
            names = ", ".join(h.name for h in hps)
            self.hits.append(hand_grid(command, f"GNU parallel grid over {names}", hps))

    def _multirun(self, command: Node, words: list[str]) -> None:
        hps = []
        for word in words[1:]:
            match = KEYED.match(unquote(word))
            if match and "$" not in word:
                space = override_space(unquote(word)[match.end() :])
                # a config path, named as written (`agent.lr`), as the config files' sweeps are
                if space is not None and not is_not_hyperparameter(argument_key(match.group(1))):
                    hps.append(Hyperparameter(name=match.group(1), space=space))
        if hps:
            self.hits.append(
                Hit(
                    kind=FindingKind.SEARCH_RUN,
                    category=Criterion.AUTO_TUNING,
                    library="Hydra",
                    node=command,
                    label=f"hydra multirun over {', '.join(h.name for h in hps)}",
                    method="basic sweeper",
                    hyperparameters=hps,
                    confidence=0.85,
                )
            )


_MAY_LAUNCH = re.compile(rb"wandb|optuna|ray|optimize|:::|-m|MULTIRUN|study")
"""Every command the branches of `_command_lines` take holds one of these: the rest are skipped
before their words are read (most of a script's commands)."""
_WRAPPED = re.compile(r"\b(wandb)\s+(sweep|agent)\b|\b(optuna)\s+(create-study|study)\b")


def _wrapped_launcher(words: list[str]) -> tuple[str, str, Criterion] | None:
    """A launcher inside another command's string (`sbatch --wrap "srun wandb agent ID"`)."""
    for word in words[1:]:
        match = _WRAPPED.search(word)
        if match:
            program, verb = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
            return _SWEEP_LAUNCHERS.get((program, verb))
    return None


_ZOO_OPTIMIZE = frozenset({"-optimize", "--optimize", "--optimize-hyperparameters"})
_ZOO_TRAIN = re.compile(r"(?:^|/)train\.py$|^rl_zoo3(?:\.train)?$")


def _zoo_optimize(program: str, words: list[str]) -> bool:
    """`python train.py --algo ppo --env X -optimize` (rl-baselines3-zoo): an Optuna search."""
    return (
        (program.startswith("python") or program == "rl_zoo3")
        and any(w in _ZOO_OPTIMIZE for w in words)
        and any(_ZOO_TRAIN.search(unquote(w)) for w in words[:3])
        and "--algo" in words
    )


def _started(
    command: Node, category: Criterion, library: str, label: str, method: str | None, confidence: float
) -> Hit:
    """A command line that starts a library's search."""
    return Hit(
        kind=FindingKind.SEARCH_RUN,
        category=category,
        library=library,
        node=command,
        label=label,
        method=method,
        confidence=confidence,
    )


_STUDY_FLAGS = ("--study-name", "--study_name", "--optuna-study", "--optuna_study")


def _optuna_worker(program: str, words: list[str]) -> bool:
    """`python tune.py --study-name S &` (several times, or in a loop): workers of one shared
    Optuna study, the distributed form of `study.optimize` (each process runs trials of S)."""
    return (program.startswith("python") or program.endswith(".py")) and any(
        w in _STUDY_FLAGS or w.startswith(tuple(f + "=" for f in _STUDY_FLAGS)) for w in words[1:]
    )


def _repeated(command: Node) -> bool:
    """Run more than once: in a loop, or sent to the background (`cmd &`, several workers at a
    time); a single foreground run with a study name may as well only read the study."""
    statement = (
        command.parent if command.parent is not None and command.parent.type == "redirected_statement" else command
    )
    following = statement.next_sibling
    if following is not None and following.type == "&":
        return True
    current = statement.parent
    while current is not None:
        if current.type in ("for_statement", "c_style_for_statement", "while_statement"):
            return True
        current = current.parent
    return False


def _multirun_flag(program: str, words: list[str]) -> bool:
    """hydra's `-m`/`--multirun`; `python -m module` names a module, not a sweep."""
    flags = [i for i, w in enumerate(words) if w in ("-m", "--multirun", "hydra.mode=MULTIRUN")]
    return any(not (i == 1 and words[i] == "-m" and program.startswith("python")) for i in flags)


def _value_groups(words: list[str]) -> list[list[str]]:
    groups: list[list[str]] = []
    for word in words:
        if word in (":::", "::::"):
            groups.append([])
        elif groups:
            groups[-1].append(unquote(word))
    return groups


def _key_of_word(template: list[str], index: int) -> str | None:
    """The argument name of template[index], written `--lr={1}`, `lr={1}` or `--lr {1}`."""
    match = KEYED.match(template[index])
    if match:
        return argument_key(match.group(1))
    if index > 0 and template[index - 1].startswith("-"):
        return argument_key(template[index - 1])
    return None
