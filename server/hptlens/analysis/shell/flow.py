"""Shell dataflow: where a variable's value reaches a launched command, and which hyperparameter it is.

A value counts when it reaches an argument of a command that launches a run (not `echo`, `mkdir`,
`cp` ...): named (`--lr "$v"`, `lr=$v`, `--hyperparams lr:$v`) or by position. The name it is
tuned as comes from the arguments it reaches, else from the variable's own (singular) name;
seeds, environments, devices and files are never hyperparameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from hptlens.analysis.neutral import PLURAL_SUFFIXES, Hit, argument_key, is_hyperparameter, is_not_tuned_argument, text
from hptlens.analysis.shell.file import ShellFile, scalar_of
from hptlens.report import HAND_WRITTEN, Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType

# Commands that never launch a run: what flows into them is printed, moved or tested.
_NOT_LAUNCHES = frozenset(
    """echo printf mkdir cd cp mv rm ls cat sleep wait touch tee export local
declare readonly read test [ [[ let unset shift source . basename dirname date grep sed awk cut tr
sort uniq head tail wc seq true false exit return eval set trap kill chmod ln find xargs""".split()
)
KEYED = re.compile(r"^[-+~]*([A-Za-z_][\w.\-]*)=")
_ZOO_KEYED = re.compile(r"([A-Za-z_][\w.]*):")
"""The zoo's `--hyperparams learning_rate:$lr` overrides."""


@dataclass
class Use:
    key: str | None
    """The argument's name (`--lr 3`, `lr=3`, `--model.lr=3` -> lr), or None if unnamed."""
    command: Node


def _references(node: Node, name: str) -> Iterator[Node]:
    """Expansions of `name` inside node (`$lr`, `${lr}`, `${LRS[$lr]}` counts the index too)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if (
            current.type == "variable_name"
            and text(current) == name
            and current.parent is not None
            and current.parent.type
            in ("simple_expansion", "expansion", "subscript", "arithmetic_expansion", "binary_expression")
        ):
            yield current
        stack.extend(current.named_children)


def command_of(node: Node) -> tuple[Node, Node] | None:
    """The command a reference is an argument of, and that argument."""
    argument, current = node, node.parent
    while current is not None and current.type not in ("command", "variable_assignment", "do_group", "program"):
        argument, current = current, current.parent
    if current is None or current.type != "command":
        return None
    return current, argument


def launches(command: Node) -> bool:
    name = command.child_by_field_name("name")
    return name is not None and text(name).rsplit("/", 1)[-1] not in _NOT_LAUNCHES


def key_of(command: Node, argument: Node) -> str | None:
    arguments = command.children_by_field_name("argument")
    index = next((i for i, a in enumerate(arguments) if a.id == argument.id), -1)
    zoo = any(text(a) in ("--hyperparams", "-params") for a in arguments[:index])
    match = KEYED.match(text(argument)) or (_ZOO_KEYED.match(text(argument)) if zoo else None)
    if match:
        return argument_key(match.group(1))
    if index > 0 and text(arguments[index - 1]).startswith("-"):
        return argument_key(text(arguments[index - 1]))
    return None


def uses_of(sh: ShellFile, scope: Node, name: str, depth: int = 0) -> list[Use]:
    """Where a variable's value reaches a launched command, following `X=$name` copies."""
    uses: list[Use] = []
    for reference in _references(scope, name):
        assign = enclosing_of(reference, "variable_assignment")
        if assign is not None and enclosing_of(assign, "command") is None and depth < 3:
            copy = text(assign.child_by_field_name("name"))
            if copy and copy != name:
                uses += [Use(u.key or argument_key(copy), u.command) for u in uses_of(sh, scope, copy, depth + 1)]
            continue
        found = command_of(reference)
        if found is not None and launches(found[0]):
            uses.append(Use(key_of(*found), found[0]))
    return uses


def enclosing_of(node: Node, node_type: str) -> Node | None:
    current = node.parent
    while current is not None and current.type != node_type:
        current = current.parent
    return current


def tuned_name(variable: str, uses: list[Use], values: list[str]) -> str | None:
    """The hyperparameter a variable is, judged by the arguments it reaches, else by its name.

    A named argument that takes several numbers in turn is tuned whatever its name (`--policy-noise`),
    unless it names a seed, an environment, a device or the like."""
    if not uses:
        return None
    keys = [u.key for u in uses if u.key]
    kept = [k for k in keys if not is_not_hyperparameter(k)]  # `--seed "$v"`, `--log-dir runs/$v`
    numeric = all(is_number(v) for v in values)
    tuned = next((k for k in kept if is_shell_hyperparameter(k)), None) or (kept[0] if kept and numeric else None)
    if tuned or kept:
        return tuned
    singular = _singular(variable)
    if is_not_hyperparameter(singular):
        return None
    if is_shell_hyperparameter(singular):
        return singular  # `lr` that only names its run (`--run-id lr$lr`) is still the value tried
    # Handed to a launched job by position (`sbatch job.slurm $alr`): several numbers are a sweep.
    return variable if numeric and any(u.key is None for u in uses) else None


def is_shell_hyperparameter(name: str) -> bool:
    return is_hyperparameter(name) or is_hyperparameter(name.lower())


def is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def is_not_hyperparameter(name: str) -> bool:
    return is_not_tuned_argument(name) or is_not_tuned_argument(_singular(name))


def _singular(name: str) -> str:
    for suffix in PLURAL_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def grid(name: str, words: list[str]) -> Hyperparameter:
    return Hyperparameter(name=name, space=SearchSpace(type=SpaceType.GRID, values=[scalar_of(w) for w in words]))


def hand_grid(node: Node, label: str, hps: list[Hyperparameter]) -> Hit:
    """A hand-written grid: a loop, a job array or a parallel command over value lists."""
    return Hit(
        kind=FindingKind.HAND_LOOP,
        category=Criterion.HAND_TUNING,
        library=HAND_WRITTEN,
        node=node,
        label=label,
        method="grid",
        hyperparameters=hps,
        confidence=0.8,
    )
