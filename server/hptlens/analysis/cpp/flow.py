"""Dataflow helpers for C++ searches: the file's calls, training calls and settings indexed by
byte range (one tree walk per file, whatever number of loops ask), roots of lvalues, what a
call's name says (it trains or scores a model, it draws at random), and the names loop variables
are handed on as (`opts.lr = x`, `svm.setC(x)`)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import cache, lru_cache

from tree_sitter import Node, Query, QueryCursor

from hptlens.analysis.cpp.file import (
    FLOW_QUERY,
    FUNCTIONS,
    MAX_RESOLVE,
    CppFile,
    cpp_query,
    is_cpp_hyperparameter,
    plain_name,
    positional,
)
from hptlens.analysis.cpp.literals import literal
from hptlens.analysis.cpp.sampling import setter_name
from hptlens.analysis.neutral import TRAINING_RECEIVERS, TRAINING_WORDS, child_field, source_order, text


@cache
def _query(source: str) -> Query:
    return cpp_query(source)


class Index:
    """One query's matches (or the file's calls) over the whole file, looked up by byte range:
    one walk per file, however many loops ask."""

    def __init__(self, items: list[tuple[Node, dict[str, list[Node]]]], ordered: bool = False) -> None:
        self._items = items if ordered else sorted(items, key=lambda item: source_order(item[0]))
        self._starts = [node.start_byte for node, _ in self._items]

    @classmethod
    def of_query(cls, root: Node, source: str, key: str, ranges: list[Node] | None = None) -> Index:
        """The query's matches in the whole file, or only inside `ranges` (outermost nodes)."""
        if ranges is None:
            return cls([(m[key][0], m) for _, m in QueryCursor(_query(source)).matches(root)])
        items = []
        for node in ranges:
            cursor = QueryCursor(_query(source))
            cursor.set_byte_range(node.start_byte, node.end_byte)
            items += [(m[key][0], m) for _, m in cursor.matches(node)]
        return cls(items)

    def within(self, node: Node, end: int | None = None) -> list[dict[str, list[Node]]]:
        """Matches whose node lies in `node` (or in node.start .. `end`)."""
        stop = node.end_byte if end is None else end
        low, high = bisect_left(self._starts, node.start_byte), bisect_right(self._starts, stop)
        return [match for item, match in self._items[low:high] if item.end_byte <= stop]

    def nodes(self, node: Node, end: int | None = None) -> list[Node]:
        stop = node.end_byte if end is None else end
        low, high = bisect_left(self._starts, node.start_byte), bisect_right(self._starts, stop)
        return [item for item, _ in self._items[low:high] if item.end_byte <= stop]


def words_of(name: str) -> list[str]:
    """`coarse_hyper_surf` -> coarse, hyper, surf; `GridSearch` -> grid, search."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return [w for w in re.split(r"[_\W]+", spaced.lower()) if w]


def last_name(function: Node) -> str:
    if function.type == "field_expression":
        return text(function.child_by_field_name("field"))
    if function.type == "template_function":
        function = function.child_by_field_name("name") or function
    return plain_name(text(function)).rsplit("::", 1)[-1]


def root_of(node: Node | None) -> str | None:
    """The variable an lvalue belongs to: `para->C` -> para, `hy.init_eta` -> hy, `this->cfg.lr` -> cfg."""
    while node is not None and node.type in (
        "field_expression",
        "subscript_expression",
        "pointer_expression",
        "parenthesized_expression",
    ):
        inner = node.child_by_field_name("argument") or (node.named_children[0] if node.named_child_count else None)
        if inner is not None and inner.type == "this" and node.type == "field_expression":
            return text(node.child_by_field_name("field"))
        node = inner
    return text(node) if node is not None and node.type == "identifier" else None


def in_body(node: Node, loop: Node) -> bool:
    """Inside the loop, not inside a lambda or function defined within it."""
    current = node.parent
    while current is not None and current.id != loop.id:
        if current.type in FUNCTIONS:
            return False
        current = current.parent
    return current is not None


NAMES = re.compile(rb"[A-Za-z_]\w*")


@lru_cache(maxsize=4096)
def _trains_by_name(written: bytes, method: bool) -> bool:
    """`trainer.train`, `cv.run`, `test_eval_accuracies`, `model->fit`: the callee's last name has a
    training word, or a method's receiver is a validator or trainer."""
    names = NAMES.findall(written.split(b"<", 1)[0] if b"(" not in written else written)
    if not names:
        return False
    if set(words_of(names[-1].decode())) & TRAINING_WORDS:
        return True
    return method and bool(set(words_of(names[0].decode())) & TRAINING_RECEIVERS)


def outermost(nodes: list[Node]) -> list[Node]:
    """The nodes not inside another of them (nodes in source order, outer first)."""
    kept: list[Node] = []
    for node in nodes:
        if not kept or node.start_byte >= kept[-1].end_byte:
            kept.append(node)
    return kept


def calls_index(cpp: CppFile) -> Index:
    return _indexes(cpp)[0]


def training_calls(cpp: CppFile) -> Index:
    """Calls that train or score a model: named so (`train`, `fit`, `cross_validate`,
    `test_eval_accuracies`), or methods of a validator (`cv.run(...)`)."""
    return _indexes(cpp)[1]


def _indexes(cpp: CppFile) -> tuple[Index, Index]:
    """The file's calls and its training calls, indexed once per parsed file."""
    cached = cpp.memo.get("call indexes")
    if cached is not None:
        return cached
    training: list[tuple[Node, dict[str, list[Node]]]] = []
    for call, function in cpp.calls:
        written = function.text or b""
        if _trains_by_name(written, function.type == "field_expression"):
            training.append((call, {}))
    built = (Index([(call, {}) for call, _ in cpp.calls], ordered=True), Index(training, ordered=True))
    cpp.memo["call indexes"] = built
    return built


def trains(cpp: CppFile, body: Node | None, loop: Node) -> bool:
    """The loop trains or scores a model (see `training_calls`)."""
    return body is not None and any(in_body(call, loop) for call in training_calls(cpp).nodes(body))


def draws(cpp: CppFile, value: Node) -> bool:
    """The value is drawn at random (`rand()`, `dist(rng)`, `torch::randint(...)`, `random_int(lo, hi)`)."""
    functions = [c.child_by_field_name("function") for c in calls_index(cpp).nodes(value)]
    return any(_DRAW.search(last_name(f)) for f in functions if f is not None)


_DRAW = re.compile(r"(?i)rand|uniform|sample|distribution")


def _root_identifier(node: Node) -> str | None:
    """The variable an expression reads: `lr`, `(float)lr`, `static_cast<float>(lr)`, `cfg.lr`."""
    for _ in range(MAX_RESOLVE + 2):
        if node.type == "identifier":
            return text(node)
        if node.type in ("cast_expression", "parenthesized_expression"):
            node = node.child_by_field_name("value") or node.named_children[-1]
        elif node.type == "call_expression" and "cast" in text(node.child_by_field_name("function")):
            args = positional(node)
            if len(args) != 1:
                return None
            node = args[0]
        elif node.type == "field_expression":
            node = child_field(node, "argument")
        else:
            return None
    return None


def handed_on_as(body: Node, names: list[str]) -> dict[str, str]:
    """Loop variables handed on as a hyperparameter, with the name they are handed on as:
    `opts.lr = x`, `.lr(x)`, `svm.setC(x)` (-> C), `{.gamma = x}`, `double lr = x`."""
    wanted, found = set(names), {}
    cursor = QueryCursor(cpp_query(FLOW_QUERY))
    cursor.set_byte_range(body.start_byte, body.end_byte)
    for _, match in cursor.matches(body):
        key, value = match["key"][0], match["value"][0]
        key_name = literal(key) if key.type == "string_literal" else text(key)
        if isinstance(key_name, str) and is_cpp_hyperparameter(key_name):
            root = _root_identifier(value)
            if root is not None and root in wanted and root not in found:
                found[root] = (
                    setter_name(key_name)
                    if key.type == "field_identifier"
                    and key.parent is not None
                    and key.parent.parent is not None
                    and key.parent.parent.type == "call_expression"
                    else key_name
                )
    return found
