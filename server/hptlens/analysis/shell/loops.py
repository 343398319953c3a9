"""Shell loop and job-array detectors: hand-written grids over value lists.

- `for lr in 1e-3 1e-4` / `for lr in "${LRS[@]}"` / `for i in {1..5}` whose variable reaches a
  launched command as a hyperparameter (the list's assignment is its search space);
- index loops `for ((i=0; i<${#LRS[@]}; i++))` reading `${LRS[$i]}`;
- Slurm/PBS/LSF/SGE job arrays whose index picks values from lists (`${LRS[$SLURM_ARRAY_TASK_ID]}`),
  anchored on the `#SBATCH --array` directive when there is one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node

from hptlens.analysis.neutral import Hit, text
from hptlens.analysis.shell.file import MAX_VALUES, ShellFile, descendants, unquote, words_of
from hptlens.analysis.shell.flow import (
    Use,
    command_of,
    enclosing_of,
    grid,
    hand_grid,
    key_of,
    launches,
    tuned_name,
    uses_of,
)
from hptlens.report import HAND_WRITTEN, Criterion, FindingKind, Hyperparameter

_ARRAY_INDEX = ("SLURM_ARRAY_TASK_ID", "PBS_ARRAY_INDEX", "PBS_ARRAYID", "LSB_JOBINDEX", "SGE_TASK_ID")
_ARRAY_DIRECTIVE = re.compile(
    r"^#\s*(?:SBATCH\s+(?:--array[=\s]|-a\s)|PBS\s+-[Jt]\s|BSUB\s+-J\s+\S*\[|\$\s+-t\s)", re.IGNORECASE
)


@dataclass
class LoopSearches:
    sh: ShellFile
    hits: list[Hit] = field(default_factory=list)

    def run(self) -> list[Hit]:
        self._for_loops()
        self._job_arrays()
        return self.hits

    def _for_loops(self) -> None:
        for loop in self.sh.nodes.get("for", []):
            variable = loop.child_by_field_name("variable")
            items = loop.children_by_field_name("value")
            body = loop.child_by_field_name("body")
            if variable is None or body is None or not items:
                continue
            words = [w for item in items for w in words_of(self.sh.values, item)]
            if len(words) < 2 or len(words) > MAX_VALUES:
                continue
            name = tuned_name(text(variable), uses_of(self.sh, body, text(variable)), words)
            if name:
                self._loop_hit(loop, [grid(name, words)], self._value_source(items))
        for loop in self.sh.nodes.get("cfor", []):
            self._indexed_loop(loop)

    def _value_source(self, items: list[Node]) -> Node | None:
        """The assignment of the list a loop runs over (`for lr in "${LRS[@]}"`)."""
        for item in items:
            for reference in descendants(item, "variable_name"):
                known = self.sh.values.get(text(reference))
                if known:
                    return known[0]
        return None

    def _indexed_loop(self, loop: Node) -> None:
        """`for ((i=0; i<${#LRS[@]}; i++)); do ... ${LRS[$i]} ...`: the loop runs over LRS."""
        body = loop.child_by_field_name("body")
        initializer = loop.child_by_field_name("initializer")
        if body is None or initializer is None:
            return
        counter = text(initializer.child_by_field_name("name"))
        dimensions = self._lookups(body, {counter})
        if dimensions:
            self._loop_hit(loop, [hp for hp, _ in dimensions], None)
            self._space_hits(dimensions)

    def _loop_hit(self, loop: Node, hps: list[Hyperparameter], source: Node | None) -> None:
        names = ", ".join(h.name for h in hps)
        count = len(hps[0].space.values or []) if len(hps) == 1 and hps[0].space else None
        label = f"hand-written grid over {names}" + (f" ({count} values)" if count else "")
        self.hits.append(hand_grid(loop, label, hps))
        if source is not None:
            self.hits.append(_value_list(source, hps))

    def _lookups(self, scope: Node, indices: set[str]) -> list[tuple[Hyperparameter, Node]]:
        """Value lists indexed by one of `indices` inside scope, each with its tuned name."""
        found: list[tuple[Hyperparameter, Node]] = []
        seen: set[str] = set()
        for subscript in self.sh.inside("subscript", scope):
            array = text(subscript.child_by_field_name("name"))
            index = subscript.child_by_field_name("index")
            known = self.sh.values.get(array)
            if not known or array in seen or index is None:
                continue
            if not ({text(v) for v in descendants(index, "variable_name")} | {text(index)}) & indices:
                continue
            expansion = subscript.parent
            name = self._lookup_name(array, known[1], expansion)
            if name:
                seen.add(array)
                found.append((grid(name, known[1]), known[0]))
        return found

    def _lookup_name(self, array: str, values: list[str], expansion: Node | None) -> str | None:
        if expansion is None:
            return None
        assign = enclosing_of(expansion, "variable_assignment")
        if assign is not None and enclosing_of(assign, "command") is None:
            copy = text(assign.child_by_field_name("name"))
            uses = uses_of(self.sh, self.sh.root, copy)
            return tuned_name(copy, uses, values) or tuned_name(array, uses, values)
        found = command_of(expansion)
        if found is None or not launches(found[0]):
            return None
        return tuned_name(array, [Use(key_of(*found), found[0])], values)

    def _cases(self, indices: set[str]) -> list[tuple[Hyperparameter, Node]]:
        """`case $SLURM_ARRAY_TASK_ID in 1) size=s ;; 2) size=m ;; esac`: each index sets a value;
        a variable set to several values that reaches the launched run is a dimension (one entry
        per assignment, each its value's definition)."""
        found: list[tuple[Hyperparameter, Node]] = []
        for case in self.sh.nodes.get("case", []):
            subject = case.child_by_field_name("value")
            if subject is None or not {text(v) for v in descendants(subject, "variable_name")} & indices:
                continue
            assigned: dict[str, list[tuple[str, Node]]] = {}
            for item in case.named_children:
                for assign in item.named_children if item.type == "case_item" else []:
                    name, value = assign.child_by_field_name("name"), assign.child_by_field_name("value")
                    if assign.type == "variable_assignment" and name is not None and value is not None:
                        assigned.setdefault(text(name), []).append((unquote(text(value)), assign))
            for variable, settings in assigned.items():
                values = list(dict.fromkeys(word for word, _ in settings))
                tuned = len(values) >= 2 and tuned_name(variable, uses_of(self.sh, self.sh.root, variable), values)
                if tuned:
                    hp = grid(tuned, values)
                    found += [(hp, assign) for _, assign in settings]
        return found

    def _space_hits(self, dimensions: list[tuple[Hyperparameter, Node]]) -> None:
        for hp, source in dimensions:
            self.hits.append(_value_list(source, [hp]))

    def _job_arrays(self) -> None:
        indices = set(_ARRAY_INDEX)
        for assign in self.sh.nodes.get("assign", []):
            value = assign.child_by_field_name("value")
            # Only a value whose text names an index can read one: the walk below is the cost.
            if value is None or not any(i in text(value) for i in indices):
                continue
            if {text(v) for v in descendants(value, "variable_name")} & indices:
                indices.add(text(assign.child_by_field_name("name")))
        dimensions = self._lookups(self.sh.root, indices)
        dimensions += self._cases(indices)
        if not dimensions:
            return
        directive = next((c for c in self.sh.nodes.get("comment", []) if _ARRAY_DIRECTIVE.match(text(c))), None)
        anchor = directive or min((source for _, source in dimensions), key=lambda n: n.start_byte)
        hps = list({id(hp): hp for hp, _ in dimensions}.values())  # a case sets one value per entry
        names = ", ".join(hp.name for hp in hps)
        self.hits.append(hand_grid(anchor, f"job array over {names}", hps))
        self._space_hits(dimensions)


def _value_list(node: Node, hps: list[Hyperparameter]) -> Hit:
    """The assignment of a list a grid takes its values from."""
    return Hit(
        kind=FindingKind.SEARCH_SPACE,
        category=Criterion.HAND_TUNING,
        library=HAND_WRITTEN,
        node=node,
        label="value list",
        hyperparameters=hps,
        confidence=0.8,
    )
