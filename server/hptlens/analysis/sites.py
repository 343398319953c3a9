"""From detector hits to report findings and sites.

Hits are grouped into sites through the program's structure: hits in one function
(or one top-level statement) belong together, and so do owners that refer to each
other by name (`study.optimize(objective)` joins the objective's search space).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter

from tree_sitter import Node, QueryCursor

from hptlens.analysis.neutral import Hit, identifiers_in, source_order
from hptlens.analysis.pyfile import PyFile, query
from hptlens.report import (
    HAND_WRITTEN,
    UNNAMED,
    Finding,
    FindingKind,
    Hyperparameter,
    Range,
    SearchSpace,
    Site,
    SpaceType,
)

_MAX_BRIDGE_DEPTH = 2


def owner_of(node: Node) -> Node:
    """The outermost function around `node` (methods count as their own), else its top-level statement."""
    owner: Node | None = None
    current = node
    while current.parent is not None:
        parent = current.parent
        if current.type == "function_definition":
            owner = current
        if parent.type == "class_definition":
            break
        if parent.type == "module" and owner is None:
            return current
        current = parent
    return owner or current


def _names_defined(owner: Node) -> list[str]:
    if owner.type == "function_definition":
        name = owner.child_by_field_name("name")
        return [name.text.decode()] if name is not None and name.text else []
    if owner.type == "decorated_definition":
        definition = owner.child_by_field_name("definition")
        return _names_defined(definition) if definition is not None else []
    statement = owner.named_children[0] if owner.type == "expression_statement" and owner.named_child_count else owner
    if statement.type == "assignment":
        left = statement.child_by_field_name("left")
        if left is not None:
            return sorted(identifiers_in(left))
    return []


class _Groups:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, key: int) -> int:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def owners_of(py: PyFile, nodes: list[Node]) -> list[Node]:
    """`owner_of` for many nodes at once, from the byte ranges of the file's definitions: walking
    parents costs a node's depth each time (and tree-sitter finds a parent from the root), so
    1,000 nested calls took minutes that way."""
    captures = QueryCursor(query("[(function_definition) (class_definition)] @d")).captures(py.root)
    definitions = sorted(captures.get("d", []), key=source_order)
    tops = py.root.named_children
    top_starts = [top.start_byte for top in tops]
    order = sorted(range(len(nodes)), key=lambda i: source_order(nodes[i]))
    owners: list[Node | None] = [None] * len(nodes)
    open_defs: list[Node] = []
    next_def = 0
    for i in order:
        node = nodes[i]
        while next_def < len(definitions) and definitions[next_def].start_byte <= node.start_byte:
            open_defs.append(definitions[next_def])
            next_def += 1
        chain = [d for d in open_defs if d.start_byte <= node.start_byte and node.end_byte <= d.end_byte]
        open_defs = [d for d in open_defs if d.end_byte > node.start_byte]
        owners[i] = _owner_in(chain, node, tops, top_starts)
    return [owner if owner is not None else owner_of(node) for owner, node in zip(owners, nodes)]


def _owner_in(chain: list[Node], node: Node, tops: list[Node], top_starts: list[int]) -> Node | None:
    """chain: the definitions around `node`, outermost first. As `owner_of`: the outermost function
    below the innermost class (a class body itself when there is none), else the top-level statement."""
    classes = [k for k, d in enumerate(chain) if d.type == "class_definition" and d.id != node.id]
    inner = chain[classes[-1] + 1 :] if classes else chain
    functions = [d for d in inner if d.type == "function_definition"]
    if functions:
        return functions[0]
    if classes:  # directly in a class: the part of it holding the node (its body, name or bases)
        return next(
            (c for c in chain[classes[-1]].children if c.start_byte <= node.start_byte and node.end_byte <= c.end_byte),
            None,
        )
    index = bisect_right(top_starts, node.start_byte) - 1
    if 0 <= index < len(tops) and tops[index].end_byte >= node.end_byte:
        return tops[index]
    return None  # not inside any top-level statement (the module itself): the slow walk decides


def group_hits(py: PyFile, hits: list[Hit]) -> list[list[int]]:
    """Indices of `hits` grouped by site, each group in source order."""
    owners = owners_of(py, [h.tree_node for h in hits])
    by_name: dict[str, int] = {}
    for owner in owners:
        for name in _names_defined(owner):
            by_name.setdefault(name, owner.id)
    groups = _Groups()
    with_hits = {o.id: o for o in owners}
    for owner in with_hits.values():
        groups.find(owner.id)
        _link(py, owner, with_hits, by_name, groups, owner.id, 0, set())
    clusters: dict[int, list[int]] = {}
    for index, owner in enumerate(owners):
        clusters.setdefault(groups.find(owner.id), []).append(index)
    return sorted(clusters.values(), key=lambda c: min(hits[i].tree_node.start_byte for i in c))


def _link(
    py: PyFile,
    owner: Node,
    with_hits: dict[int, Node],
    by_name: dict[str, int],
    groups: _Groups,
    origin: int,
    depth: int,
    visited: set[int],
) -> None:
    visited.add(owner.id)
    for name in identifiers_in(owner):
        target = by_name.get(name)
        if target is not None and target != owner.id:
            groups.union(origin, target)
            continue
        function = py.functions.get(name)
        if (
            function is not None
            and depth < _MAX_BRIDGE_DEPTH
            and function.id not in visited
            and function.id not in with_hits
        ):
            _link(py, function, with_hits, by_name, groups, origin, depth + 1, visited)


def describe_hyperparameter(hp: Hyperparameter) -> str:
    space = hp.space
    if space is None or space.type == SpaceType.UNKNOWN and not space.distribution:
        return hp.name
    if space.low is not None or space.high is not None or space.choices is not None:
        return f"{hp.name} in {space.describe()}"
    if space.values is not None:
        return f"{hp.name} over {space.describe()}"
    return f"{hp.name} ({space.describe()})"


def finding_message(hit: Hit) -> str:
    if hit.message is not None:
        return hit.message
    if hit.kind == FindingKind.SEARCH_SPACE and hit.hyperparameters:
        shown = "; ".join(describe_hyperparameter(h) for h in hit.hyperparameters)
        return f"{hit.label}: {shown}"
    message = hit.label
    extras = [x for x in (hit.method if hit.method and hit.method not in hit.label else None, hit.budget) if x]
    if extras and hit.kind != FindingKind.HAND_LOOP:
        message += f" ({', '.join(extras)})"
    return message


def make_site(site_id: str, findings: list[Finding], indices: list[int], budget: str | None) -> Site:
    members = [findings[i] for i in indices]
    libraries = Counter(f.library for f in members if f.library != HAND_WRITTEN)
    library = libraries.most_common(1)[0][0] if libraries else HAND_WRITTEN
    method = _site_method(members)
    hyperparameters = _merge_hyperparameters(members)
    # In notebooks lines count inside a cell: order by cell first, and keep the range in
    # the first cell (a Site has one cell) when a study's parts sit in several cells.
    start = min(members, key=lambda f: (f.cell or 0, f.range.start.line, f.range.start.column))
    same_cell = [f for f in members if f.cell == start.cell]
    end = max(same_cell, key=lambda f: (f.range.end.line, f.range.end.column))
    categories = sorted({f.category for f in members})
    summary = _summary(library, method, hyperparameters, budget, members)
    return Site(
        id=site_id,
        library=library,
        method=method,
        categories=categories,
        range=Range(start=start.range.start, end=end.range.end),
        cell=start.cell,
        hyperparameters=hyperparameters,
        budget=budget,
        findings=indices,
        summary=summary,
    )


def _site_method(members: list[Finding]) -> str | None:
    for kind in (
        FindingKind.SCHEDULER,
        FindingKind.SEARCH_RUN,
        FindingKind.HAND_LOOP,
        FindingKind.SEARCH_SPACE,
        FindingKind.SWEEP_CONFIG,
    ):
        methods = list(dict.fromkeys(f.method for f in members if f.kind == kind and f.method))
        if methods:
            return " + ".join(methods)
    return None


def _merge_hyperparameters(members: list[Finding]) -> list[Hyperparameter]:
    merged: dict[str, Hyperparameter] = {}
    for finding in members:
        for hp in finding.hyperparameters:
            if hp.name == UNNAMED:
                continue
            known = merged.get(hp.name)
            if (
                known is None
                or (known.space is None and hp.space is not None)
                or (known.space is not None and hp.space is not None and _richness(hp.space) > _richness(known.space))
            ):
                merged[hp.name] = hp
    return list(merged.values())


def _richness(space: SearchSpace) -> int:
    return sum(v is not None for v in (space.low, space.high, space.choices, space.values, space.step))


def _summary(
    library: str, method: str | None, hps: list[Hyperparameter], budget: str | None, members: list[Finding]
) -> str:
    if library == HAND_WRITTEN:
        loops = [f for f in members if f.kind == FindingKind.HAND_LOOP]
        if len(loops) == 1 and len(members) <= 1 + len(hps):
            return loops[0].message
        head = f"hand-written {method or 'search'}"
    else:
        head = f"{library} ({method})" if method else library
    count = len(hps)
    parts = [head, f"{count} hyperparameter{'s' if count != 1 else ''}"]
    if budget:
        parts.append(budget)
    return ", ".join(parts)


def site_budget(hits: list[Hit], indices: list[int]) -> str | None:
    ordered = sorted(indices, key=lambda i: hits[i].kind != FindingKind.SEARCH_RUN)
    return next((hits[i].budget for i in ordered if hits[i].budget), None)
