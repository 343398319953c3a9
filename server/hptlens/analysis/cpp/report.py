"""The report of one C++ file: parse, run the searches, group hits into sites, RL context."""

from __future__ import annotations

import re

from tree_sitter import Node, QueryCursor

from hptlens.analysis.assembly import assemble, syntax_errors
from hptlens.analysis.cpp.applied import AppliedSearches
from hptlens.analysis.cpp.file import CppFile, cpp_query, parse
from hptlens.analysis.cpp.genetic import GeneticSearches
from hptlens.analysis.cpp.hands import HandSearches
from hptlens.analysis.cpp.libraries import LibrarySearches
from hptlens.analysis.cpp.selection import LibrarySelections
from hptlens.analysis.neutral import ALGORITHMS, Hit, identifiers_in, source_lines, source_order, text
from hptlens.documents import Document
from hptlens.report import FileReport, RLContext
from hptlens.settings import Settings

_SUPPRESS = re.compile(r"(?://|/\*)\s*hpt:\s*ignore(?P<file>-file)?(?:\[(?P<kinds>[^\]]*)\])?")

_FRAMEWORKS = {
    "torch": "LibTorch",
    "mlpack": "mlpack",
    "dlib": "dlib",
    "ale_interface": "ALE",
    "mujoco": "MuJoCo",
    "tensorflow": "TensorFlow",
    "caffe2": "Caffe2",
}

_NAMES_QUERY = "[(type_identifier) (identifier)] @name"


# ---- sites, context, entry point ----------------------------------------------------------------


def _owner(node: Node) -> Node:
    """The outermost function around `node` (methods count as their own), else its top-level statement."""
    owner, current = None, node
    while current.parent is not None:
        if current.type == "function_definition":
            owner = current
        if current.parent.type in ("translation_unit", "declaration_list", "field_declaration_list"):
            return owner or current
        current = current.parent
    return owner or current


_CONTAINERS = ("translation_unit", "declaration_list", "field_declaration_list")
_SCOPES_QUERY = "[(function_definition) (declaration_list) (field_declaration_list)] @d"


def owners_of(cpp: CppFile, nodes: list[Node]) -> list[Node]:
    """`_owner` for many nodes at once, from the byte ranges of functions and scopes: walking
    parents costs a node's depth each time (tree-sitter finds a parent from the root), so 1,000
    nested loops took minutes that way."""
    captured = QueryCursor(cpp_query(_SCOPES_QUERY)).captures(cpp.root).get("d", [])
    scopes = sorted(captured, key=source_order)
    order = sorted(range(len(nodes)), key=lambda i: source_order(nodes[i]))
    owners: list[Node | None] = [None] * len(nodes)
    open_scopes: list[Node] = []
    following = 0
    for i in order:
        node = nodes[i]
        while following < len(scopes) and scopes[following].start_byte <= node.start_byte:
            open_scopes.append(scopes[following])
            following += 1
        open_scopes = [d for d in open_scopes if d.end_byte > node.start_byte or d.end_byte >= node.end_byte]
        chain = [d for d in open_scopes if d.start_byte <= node.start_byte and node.end_byte <= d.end_byte]
        owners[i] = _owner_in(chain, node, cpp.root)
    return [owner if owner is not None else _owner(node) for owner, node in zip(owners, nodes)]


def _owner_in(chain: list[Node], node: Node, root: Node) -> Node | None:
    """As `_owner`: the outermost function below the innermost scope around `node`, else the
    scope's child holding it. chain: functions and scopes around `node`, outermost first."""
    scopes = [k for k, d in enumerate(chain) if d.type != "function_definition" and d.id != node.id]
    inner = chain[scopes[-1] + 1 :] if scopes else chain
    functions = [d for d in inner if d.type == "function_definition"]
    if functions:
        return functions[0]
    scope = chain[scopes[-1]] if scopes else root
    return next((c for c in scope.children if c.start_byte <= node.start_byte and node.end_byte <= c.end_byte), None)


def group_cpp_hits(cpp: CppFile, hits: list[Hit]) -> list[list[int]]:
    """Hits grouped by site: one per function, joined when one function calls another's (a trial
    loop in main calling a sampler in `sample_config`)."""
    owners = owners_of(cpp, [h.tree_node for h in hits])
    by_id = {o.id: o for o in owners}
    parent: dict[int, int] = {i: i for i in by_id}

    def find(key: int) -> int:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    defined = {name: fn.id for name, fn in cpp.functions.items() if fn.id in by_id}
    for owner in by_id.values():  # a top-level `const std::vector<double> kLrs = {...};` joins its loop
        for name in _declared_names(owner):
            defined.setdefault(name, owner.id)
    for owner in by_id.values():
        for name in identifiers_in(owner):
            target = defined.get(name)
            if target is not None and target != owner.id:
                parent[find(owner.id)] = find(target)
    clusters: dict[int, list[int]] = {}
    for index, owner in enumerate(owners):
        clusters.setdefault(find(owner.id), []).append(index)
    return sorted(clusters.values(), key=lambda c: min(hits[i].tree_node.start_byte for i in c))


def _declared_names(owner: Node) -> list[str]:
    if owner.type not in ("declaration", "field_declaration"):
        return []
    names: list[str] = []
    for declarator in owner.children_by_field_name("declarator"):
        inner = declarator.child_by_field_name("declarator") if declarator.type == "init_declarator" else declarator
        while inner is not None and inner.type == "array_declarator":
            inner = inner.child_by_field_name("declarator")
        if inner is not None and inner.type in ("identifier", "field_identifier"):
            names.append(text(inner))
    return names


def cpp_context(cpp: CppFile) -> RLContext:
    frameworks = sorted({label for root, label in _FRAMEWORKS.items() if root in cpp.libraries})
    pattern = re.compile(rf"^({'|'.join(ALGORITHMS)})(?=[A-Z_]|$)")
    algorithms: set[str] = set()
    for node in QueryCursor(cpp_query(_NAMES_QUERY)).captures(cpp.root).get("name", []):
        match = pattern.match(text(node))
        if match:
            algorithms.add(match.group(1))
    return RLContext(algorithms=sorted(algorithms), frameworks=frameworks)


def analyze_cpp(document: Document, settings: Settings) -> FileReport:
    source = document.text.encode("utf-8", "surrogatepass")
    cpp = CppFile(source, parse(source))
    report = FileReport(path=document.path, language=document.language, lines=source_lines(document.text))
    report.errors += syntax_errors(cpp, document)
    hits = LibrarySearches(cpp).run() + HandSearches(cpp).run()
    hits += LibrarySelections(cpp).run() + GeneticSearches(cpp).run()
    hits += AppliedSearches(cpp, hits).run()
    if assemble(report, document, cpp, hits, settings, lambda kept: group_cpp_hits(cpp, kept), _SUPPRESS):
        report.rl_context = cpp_context(cpp)
    return report
