"""Shell analysis: sweep scripts that launch one training run per hyperparameter value.

RL research often tunes from bash or a cluster scheduler rather than from Python: a loop
that starts `python train.py --lr "$lr"` per value, a Slurm/PBS/LSF job array whose index
picks values from lists, a hydra `--multirun` command line with comma-separated values, or
the `wandb sweep`/`wandb agent` and `optuna` commands that start a library's search. A loop
counts when it runs over two or more values and its variable reaches a launched command's
argument named as a hyperparameter (`--lr`, `lr=`, `+model.gamma=`), or is itself named as
one; seeds, environments and files are never hyperparameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

import tree_sitter_bash
from tree_sitter import Language as TsLanguage
from tree_sitter import Node, Parser, Query, QueryCursor, Tree

from hptlens.analysis.assembly import assemble, node_position, syntax_errors
from hptlens.analysis.configs import override_space
from hptlens.analysis.neutral import PLURAL_SUFFIXES, Hit, argument_key, is_hyperparameter, is_not_tuned_argument
from hptlens.documents import Document
from hptlens.report import ConfigRef, Criterion, FileReport, FindingKind, Hyperparameter, SearchSpace, SpaceType
from hptlens.settings import Settings

HAND = "hand-written"
_MAX_VALUES = 1000
_ARRAY_INDEX = ("SLURM_ARRAY_TASK_ID", "PBS_ARRAY_INDEX", "PBS_ARRAYID", "LSB_JOBINDEX", "SGE_TASK_ID")
_ARRAY_DIRECTIVE = re.compile(
    r"^#\s*(?:SBATCH\s+(?:--array[=\s]|-a\s)|PBS\s+-[Jt]\s|BSUB\s+-J\s+\S*\[|\$\s+-t\s)", re.IGNORECASE
)
# Commands that never launch a run: what flows into them is printed, moved or tested.
_NOT_LAUNCHES = frozenset(
    """echo printf mkdir cd cp mv rm ls cat sleep wait touch tee export local
declare readonly read test [ [[ let unset shift source . basename dirname date grep sed awk cut tr
sort uniq head tail wc seq true false exit return eval set trap kill chmod ln find xargs""".split()
)
_SWEEP_LAUNCHERS = {
    ("wandb", "sweep"): ("Weights & Biases", "W&B sweep", Criterion.AUTO_TUNING),
    ("wandb", "agent"): ("Weights & Biases", "W&B sweep agent", Criterion.AUTO_TUNING),
    ("optuna", "create-study"): ("Optuna", "Optuna study", Criterion.AUTO_TUNING),
    ("optuna", "study"): ("Optuna", "Optuna study", Criterion.AUTO_TUNING),
    ("ray", "submit"): ("Ray Tune", "Ray cluster job", Criterion.AUTO_TUNING),
}
_QUERY = """
(for_statement) @for
(c_style_for_statement) @cfor
(variable_assignment) @assign
(command) @command
(comment) @comment
"""


@cache
def _language() -> TsLanguage:
    return TsLanguage(tree_sitter_bash.language())


@cache
def _query() -> Query:
    return Query(_language(), _QUERY)


def parse(source: bytes) -> Tree:
    return Parser(_language()).parse(source)


def _text(node: Node | None) -> str:
    return "" if node is None or node.text is None else node.text.decode("utf-8", "replace")


class ShellFile:
    """A parsed shell script: its candidate nodes and its variables' values."""

    def __init__(self, source: bytes, tree: Tree) -> None:
        self.source = source
        self.tree = tree
        self.root = tree.root_node

    @cached_property
    def lines(self) -> list[str]:
        return self.source.decode("utf-8", "replace").split("\n")

    def line_text(self, row: int) -> str:
        return self.lines[row] if 0 <= row < len(self.lines) else ""

    @cached_property
    def nodes(self) -> dict[str, list[Node]]:
        captures = QueryCursor(_query()).captures(self.root)
        return {kind: sorted(nodes, key=lambda n: n.start_byte) for kind, nodes in captures.items()}

    @cached_property
    def values(self) -> dict[str, tuple[Node, list[str]]]:
        """Variables holding several words (`LRS=(1e-3 1e-4)`, `LRS="1e-3 1e-4"`), by name."""
        found: dict[str, tuple[Node, list[str]]] = {}
        for assign in self.nodes.get("assign", []):
            name, value = assign.child_by_field_name("name"), assign.child_by_field_name("value")
            if name is None or value is None:
                continue
            if value.type == "array":  # entries commented out inside (...) are not values
                # Expanded through the lists assigned before this one: `A=(${A[@]} x)` must not recurse.
                words = [w for c in value.named_children if c.type != "comment" for w in _words(found, c)]
            elif value.type in ("string", "raw_string"):
                words = _unquote(_text(value)).split()
            else:
                continue
            if len(words) >= 2:
                found[_text(name)] = (_statement(assign), words)
        return found


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text


def _statement(node: Node) -> Node:
    """An assignment shown with its `declare`/`export`/`local` keyword."""
    parent = node.parent
    return parent if parent is not None and parent.type == "declaration_command" else node


_BRACE = re.compile(r"\{([^{}]*)\}")


def _words(known: Mapping[str, tuple[Node, list[str]]], node: Node) -> list[str]:
    """The values one `for` item stands for; [] for what cannot be known (globs, `$(ls)`)."""
    written = _text(node)
    if node.type in ("string", "raw_string") and "$" not in written:
        return [_unquote(written)]
    expanded = _expansion_values(known, node)
    if expanded is not None:
        return expanded
    if node.type == "command_substitution":
        return _seq(node)
    if any(c in written for c in "*?$`") or "/" in written:
        return []  # globs, other expansions and paths: files, not values
    brace = _BRACE.fullmatch(written)
    if brace:
        return _brace(brace.group(1))
    return [written]


def _expansion_values(known_lists: Mapping[str, tuple[Node, list[str]]], node: Node) -> list[str] | None:
    """`$LRS`, `${LRS}`, `"${LRS[@]}"`: the words of a variable that holds several."""
    target = node.named_children[0] if node.type == "string" and node.named_child_count == 1 else node
    if target.type not in ("simple_expansion", "expansion"):
        return None
    inner = target.named_children[0] if target.named_child_count else None
    if inner is not None and inner.type == "subscript":
        if _text(inner.child_by_field_name("index")) not in ("@", "*"):
            return None
        inner = inner.child_by_field_name("name")
    known = known_lists.get(_text(inner))
    return list(known[1]) if known else []


def _brace(body: str) -> list[str]:
    if "," in body:
        return [part for part in body.split(",")]
    match = re.fullmatch(r"(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?", body)
    if not match:
        return []
    start, stop, step = int(match[1]), int(match[2]), abs(int(match[3] or 1)) or 1
    step = step if stop >= start else -step
    count = abs(stop - start) // abs(step) + 1
    return [str(start + i * step) for i in range(min(count, _MAX_VALUES))]


def _seq(node: Node) -> list[str]:
    """`$(seq LAST)`, `$(seq FIRST LAST)`, `$(seq FIRST STEP LAST)` with numbers written out."""
    parts = _text(node)[2:-1].split() if _text(node).startswith("$(") else _text(node).strip("`").split()
    if not parts or parts[0] != "seq" or not 2 <= len(parts) <= 4:
        return []
    try:
        numbers = [float(p) for p in parts[1:]]
    except ValueError:
        return []
    first, step, last = (
        (1.0, 1.0, numbers[0])
        if len(numbers) == 1
        else (numbers[0], 1.0, numbers[1])
        if len(numbers) == 2
        else tuple(numbers)
    )
    if step == 0 or (last - first) / step < 0 or (last - first) / step >= _MAX_VALUES:
        return []
    count = int(round((last - first) / step, 9)) + 1
    integral = all(float(n).is_integer() for n in numbers)
    return [str(int(first + i * step)) if integral else repr(round(first + i * step, 12)) for i in range(count)]


def _scalar(word: str) -> Any:
    try:
        number = float(word)
    except ValueError:
        return word
    return int(number) if number.is_integer() and re.fullmatch(r"[-+]?\d+", word) else number


# --------------------------------------------------------------------------- flow


@dataclass
class _Use:
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
            and _text(current) == name
            and current.parent is not None
            and current.parent.type
            in ("simple_expansion", "expansion", "subscript", "arithmetic_expansion", "binary_expression")
        ):
            yield current
        stack.extend(current.named_children)


def _command_of(node: Node) -> tuple[Node, Node] | None:
    """The command a reference is an argument of, and that argument."""
    argument, current = node, node.parent
    while current is not None and current.type not in ("command", "variable_assignment", "do_group", "program"):
        argument, current = current, current.parent
    if current is None or current.type != "command":
        return None
    return current, argument


def _launches(command: Node) -> bool:
    name = command.child_by_field_name("name")
    return name is not None and _text(name).rsplit("/", 1)[-1] not in _NOT_LAUNCHES


_KEYED = re.compile(r"^[-+~]*([A-Za-z_][\w.\-]*)=")


def _key_of(command: Node, argument: Node) -> str | None:
    arguments = command.children_by_field_name("argument")
    index = next((i for i, a in enumerate(arguments) if a.id == argument.id), -1)
    zoo = any(_text(a) in ("--hyperparams", "-params") for a in arguments[:index])
    match = _KEYED.match(_text(argument)) or (_ZOO_KEYED.match(_text(argument)) if zoo else None)
    if match:
        return argument_key(match.group(1))
    if index > 0 and _text(arguments[index - 1]).startswith("-"):
        return argument_key(_text(arguments[index - 1]))
    return None


def _uses(sh: ShellFile, scope: Node, name: str, depth: int = 0) -> list[_Use]:
    """Where a variable's value reaches a launched command, following `X=$name` copies."""
    uses: list[_Use] = []
    for reference in _references(scope, name):
        assign = _enclosing(reference, "variable_assignment")
        if assign is not None and _enclosing(assign, "command") is None and depth < 3:
            copy = _text(assign.child_by_field_name("name"))
            if copy and copy != name:
                uses += [_Use(u.key or argument_key(copy), u.command) for u in _uses(sh, scope, copy, depth + 1)]
            continue
        found = _command_of(reference)
        if found is not None and _launches(found[0]):
            uses.append(_Use(_key_of(*found), found[0]))
    return uses


def _enclosing(node: Node, node_type: str) -> Node | None:
    current = node.parent
    while current is not None and current.type != node_type:
        current = current.parent
    return current


def _tuned_name(variable: str, uses: list[_Use], values: list[str]) -> str | None:
    """The hyperparameter a variable is, judged by the arguments it reaches, else by its name.

    A named argument that takes several numbers in turn is tuned whatever its name (`--policy-noise`),
    unless it names a seed, an environment, a device or the like."""
    if not uses:
        return None
    keys = [u.key for u in uses if u.key]
    kept = [k for k in keys if not _is_not_hyperparameter(k)]  # `--seed "$v"`, `--log-dir runs/$v`
    numeric = all(_is_number(v) for v in values)
    tuned = next((k for k in kept if _is_hyperparameter(k)), None) or (kept[0] if kept and numeric else None)
    if tuned or kept:
        return tuned
    singular = _singular(variable)
    if _is_not_hyperparameter(singular):
        return None
    if _is_hyperparameter(singular):
        return singular  # `lr` that only names its run (`--run-id lr$lr`) is still the value tried
    # Handed to a launched job by position (`sbatch job.slurm $alr`): several numbers are a sweep.
    return variable if numeric and any(u.key is None for u in uses) else None


def _is_hyperparameter(name: str) -> bool:
    return is_hyperparameter(name) or is_hyperparameter(name.lower())


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def _is_not_hyperparameter(name: str) -> bool:
    return is_not_tuned_argument(name) or is_not_tuned_argument(_singular(name))


def _singular(name: str) -> str:
    for suffix in PLURAL_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _grid(name: str, words: list[str]) -> Hyperparameter:
    return Hyperparameter(name=name, space=SearchSpace(type=SpaceType.GRID, values=[_scalar(w) for w in words]))


# --------------------------------------------------------------------------- detectors


@dataclass
class ShellSearches:
    sh: ShellFile
    hits: list[Hit] = field(default_factory=list)
    launched: list[tuple[Node, str]] = field(default_factory=list)
    """(command, config file) of `wandb sweep FILE` lines."""

    def run(self) -> list[Hit]:
        self._for_loops()
        self._job_arrays()
        self._command_lines()
        return self.hits

    def _for_loops(self) -> None:
        for loop in self.sh.nodes.get("for", []):
            variable = loop.child_by_field_name("variable")
            items = loop.children_by_field_name("value")
            body = loop.child_by_field_name("body")
            if variable is None or body is None or not items:
                continue
            words = [w for item in items for w in _words(self.sh.values, item)]
            if len(words) < 2 or len(words) > _MAX_VALUES:
                continue
            name = _tuned_name(_text(variable), _uses(self.sh, body, _text(variable)), words)
            if name:
                self._loop_hit(loop, [_grid(name, words)], self._value_source(items))
        for loop in self.sh.nodes.get("cfor", []):
            self._indexed_loop(loop)

    def _value_source(self, items: list[Node]) -> Node | None:
        """The assignment of the list a loop runs over (`for lr in "${LRS[@]}"`)."""
        for item in items:
            for reference in _descendants(item, "variable_name"):
                known = self.sh.values.get(_text(reference))
                if known:
                    return known[0]
        return None

    def _indexed_loop(self, loop: Node) -> None:
        """`for ((i=0; i<${#LRS[@]}; i++)); do ... ${LRS[$i]} ...`: the loop runs over LRS."""
        body = loop.child_by_field_name("body")
        initializer = loop.child_by_field_name("initializer")
        if body is None or initializer is None:
            return
        counter = _text(initializer.child_by_field_name("name"))
        dimensions = self._lookups(body, {counter})
        if dimensions:
            self._loop_hit(loop, [hp for hp, _ in dimensions], None)
            self._space_hits(dimensions)

    def _loop_hit(self, loop: Node, hps: list[Hyperparameter], source: Node | None) -> None:
        names = ", ".join(h.name for h in hps)
        count = len(hps[0].space.values or []) if len(hps) == 1 and hps[0].space else None
        label = f"hand-written grid over {names}" + (f" ({count} values)" if count else "")
        self.hits.append(_hand_grid(loop, label, hps))
        if source is not None:
            self.hits.append(_value_list(source, hps))

    def _lookups(self, scope: Node, indices: set[str]) -> list[tuple[Hyperparameter, Node]]:
        """Value lists indexed by one of `indices` inside scope, each with its tuned name."""
        found: list[tuple[Hyperparameter, Node]] = []
        seen: set[str] = set()
        for subscript in _descendants(scope, "subscript"):
            array = _text(subscript.child_by_field_name("name"))
            index = subscript.child_by_field_name("index")
            known = self.sh.values.get(array)
            if not known or array in seen or index is None:
                continue
            if not ({_text(v) for v in _descendants(index, "variable_name")} | {_text(index)}) & indices:
                continue
            expansion = subscript.parent
            name = self._lookup_name(array, known[1], expansion)
            if name:
                seen.add(array)
                found.append((_grid(name, known[1]), known[0]))
        return found

    def _lookup_name(self, array: str, values: list[str], expansion: Node | None) -> str | None:
        if expansion is None:
            return None
        assign = _enclosing(expansion, "variable_assignment")
        if assign is not None and _enclosing(assign, "command") is None:
            copy = _text(assign.child_by_field_name("name"))
            uses = _uses(self.sh, self.sh.root, copy)
            return _tuned_name(copy, uses, values) or _tuned_name(array, uses, values)
        found = _command_of(expansion)
        if found is None or not _launches(found[0]):
            return None
        return _tuned_name(array, [_Use(_key_of(*found), found[0])], values)

    def _space_hits(self, dimensions: list[tuple[Hyperparameter, Node]]) -> None:
        for hp, source in dimensions:
            self.hits.append(_value_list(source, [hp]))

    def _job_arrays(self) -> None:
        indices = set(_ARRAY_INDEX)
        for assign in self.sh.nodes.get("assign", []):
            value = assign.child_by_field_name("value")
            if value is not None and {_text(v) for v in _descendants(value, "variable_name")} & indices:
                indices.add(_text(assign.child_by_field_name("name")))
        dimensions = self._lookups(self.sh.root, indices)
        if not dimensions:
            return
        directive = next((c for c in self.sh.nodes.get("comment", []) if _ARRAY_DIRECTIVE.match(_text(c))), None)
        anchor = directive or min((source for _, source in dimensions), key=lambda n: n.start_byte)
        names = ", ".join(hp.name for hp, _ in dimensions)
        self.hits.append(_hand_grid(anchor, f"job array over {names}", [hp for hp, _ in dimensions]))
        self._space_hits(dimensions)

    def _command_lines(self) -> None:
        for command in self.sh.nodes.get("command", []):
            words = [
                _text(w)
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
                self.hits.append(
                    Hit(
                        kind=FindingKind.SEARCH_RUN,
                        category=category,
                        library=library,
                        node=command,
                        label=f"{label} started",
                        method=None,
                        confidence=0.8,
                    )
                )
            elif _zoo_optimize(program, words):
                self.hits.append(
                    Hit(
                        kind=FindingKind.SEARCH_RUN,
                        category=Criterion.AUTO_TUNING,
                        library="rl-zoo",
                        node=command,
                        label="rl-zoo hyperparameter optimisation started",
                        method="Optuna (rl-zoo)",
                        confidence=0.85,
                    )
                )
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
                _unquote(w)
                for w in words[2:]
                if not w.startswith("-") and _unquote(w).endswith((".yaml", ".yml", ".json"))
            ),
            None,
        )
        if file is not None:
            self.launched.append((command, file))

    def _parallel(self, command: Node, words: list[str]) -> None:
        """GNU parallel: `parallel python train.py --lr {1} --gamma {2} ::: 1e-3 1e-4 ::: 0.9 0.99`."""
        first = words.index(":::")
        template, groups = [_unquote(w) for w in words[1:first]], _value_groups(words[first:])
        hps = []
        for number, values in enumerate(groups, start=1):
            slot = {f"{{{number}}}"} | ({"{}"} if len(groups) == 1 else set())
            key = next((_key_of_word(template, i) for i, w in enumerate(template) if any(m in w for m in slot)), None)
            if (
                key
                and len(values) >= 2
                and not _is_not_hyperparameter(key)
                and (_is_hyperparameter(key) or all(_is_number(v) for v in values))
            ):
                hps.append(_grid(key, values))
        if hps:
            names = ", ".join(h.name for h in hps)
            self.hits.append(_hand_grid(command, f"GNU parallel grid over {names}", hps))

    def _multirun(self, command: Node, words: list[str]) -> None:
        hps = []
        for word in words[1:]:
            match = _KEYED.match(_unquote(word))
            if match and "$" not in word:
                space = override_space(_unquote(word)[match.end() :])
                # a config path, named as written (`agent.lr`), as the config files' sweeps are
                if space is not None and not _is_not_hyperparameter(argument_key(match.group(1))):
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


_WRAPPED = re.compile(r"\b(wandb)\s+(sweep|agent)\b|\b(optuna)\s+(create-study|study)\b")


def _wrapped_launcher(words: list[str]) -> tuple[str, str, Criterion] | None:
    """A launcher inside another command's string (`sbatch --wrap "srun wandb agent ID"`)."""
    for word in words[1:]:
        match = _WRAPPED.search(word)
        if match:
            program, verb = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
            return _SWEEP_LAUNCHERS.get((program, verb))
    return None


_ZOO_KEYED = re.compile(r"([A-Za-z_][\w.]*):")
"""The zoo's `--hyperparams learning_rate:$lr` overrides."""
_ZOO_OPTIMIZE = frozenset({"-optimize", "--optimize", "--optimize-hyperparameters"})
_ZOO_TRAIN = re.compile(r"(?:^|/)train\.py$|^rl_zoo3(?:\.train)?$")


def _zoo_optimize(program: str, words: list[str]) -> bool:
    """`python train.py --algo ppo --env X -optimize` (rl-baselines3-zoo): an Optuna search."""
    return (
        (program.startswith("python") or program == "rl_zoo3")
        and any(w in _ZOO_OPTIMIZE for w in words)
        and any(_ZOO_TRAIN.search(_unquote(w)) for w in words[:3])
        and "--algo" in words
    )


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
            groups[-1].append(_unquote(word))
    return groups


def _key_of_word(template: list[str], index: int) -> str | None:
    """The argument name of template[index], written `--lr={1}`, `lr={1}` or `--lr {1}`."""
    match = _KEYED.match(template[index])
    if match:
        return argument_key(match.group(1))
    if index > 0 and template[index - 1].startswith("-"):
        return argument_key(template[index - 1])
    return None


def _hand_grid(node: Node, label: str, hps: list[Hyperparameter]) -> Hit:
    """A hand-written grid: a loop, a job array or a parallel command over value lists."""
    return Hit(
        kind=FindingKind.HAND_LOOP,
        category=Criterion.HAND_TUNING,
        library=HAND,
        node=node,
        label=label,
        method="grid",
        hyperparameters=hps,
        confidence=0.8,
    )


def _value_list(node: Node, hps: list[Hyperparameter]) -> Hit:
    """The assignment of a list a grid takes its values from."""
    return Hit(
        kind=FindingKind.SEARCH_SPACE,
        category=Criterion.HAND_TUNING,
        library=HAND,
        node=node,
        label="value list",
        hyperparameters=hps,
        confidence=0.8,
    )


def _descendants(node: Node, node_type: str) -> list[Node]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if current.type == node_type:
            found.append(current)
        stack.extend(current.named_children)
    return sorted(found, key=lambda n: n.start_byte)


# --------------------------------------------------------------------------- report


def group_shell_hits(hits: list[Hit]) -> list[list[int]]:
    """One site per outermost searching loop (its value lists with it), and per job array or command."""
    loops = sorted((h for h in hits if h.kind == FindingKind.HAND_LOOP), key=lambda h: h.tree_node.start_byte)

    def outermost(node: Node) -> Node:
        return next(
            (
                h.tree_node
                for h in loops
                if h.tree_node.start_byte <= node.start_byte and node.end_byte <= h.tree_node.end_byte
            ),
            node,
        )

    def owner(hit: Hit) -> Node:
        if hit.kind == FindingKind.SEARCH_SPACE:
            names = {h.name for h in hit.hyperparameters}
            user = next((h for h in loops if names & {p.name for p in h.hyperparameters}), None)
            if user is not None:
                return outermost(user.tree_node)
        return outermost(hit.tree_node)

    groups: dict[int, list[int]] = {}
    for index, hit in enumerate(hits):
        groups.setdefault(owner(hit).id, []).append(index)
    return sorted(groups.values(), key=lambda group: min(hits[i].tree_node.start_byte for i in group))


def analyze_shell(document: Document, settings: Settings) -> FileReport:
    source = document.text.encode("utf-8", "surrogatepass")
    sh = ShellFile(source, parse(source))
    report = FileReport(path=document.path, language=document.language, lines=len(sh.lines) if source else 0)
    report.errors += syntax_errors(sh, document)
    searches = ShellSearches(sh)
    assemble(report, document, sh, searches.run(), settings, group_shell_hits)
    for command, file in searches.launched:
        rng, _ = node_position(document, sh, command)
        report.config_refs.append(ConfigRef(kind="sweep-launch", config_name=file, line=rng.start.line, range=rng))
    return report
