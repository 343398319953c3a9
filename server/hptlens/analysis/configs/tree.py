"""The YAML/JSON tree: text composed (never constructed) into `Node`s with positions.

No tag can build an object, an alias stays one shared node (a "billion laughs" file is never
expanded), and every key keeps its position. JSON goes through the same path (JSON is YAML 1.2
flow syntax). Problems become `malformed` errors, never exceptions.

libyaml's composer (PyYAML's C loader, with YAML 1.2's scalar rules: `composer.py`) reads the
text, 20x faster than ruamel.yaml's pure-Python one; ruamel composes what libyaml cannot give
the same answer for (an error, whose message and partial result are ruamel's, a `%YAML`
directive, line breaks YAML 1.1 counts and 1.2 does not) and is the reference a test compares
libyaml's trees with.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from hptlens.analysis.configs.composer import compose_fast
from hptlens.report import FileError, JsonScalar

MAX_EXPANDED_NODES = 100_000
"""Aliases that would expand a document beyond this many nodes are reported (not expanded)."""
MAX_DEPTH = 100
MAX_DUPLICATE_ERRORS = 5
MAX_DOCUMENTS = 50


@dataclass(eq=False, slots=True)
class Key:
    text: str
    line: int
    column: int


@dataclass(eq=False, slots=True)
class Node:
    """A composed YAML/JSON node with 1-based positions; aliases share one Node."""

    kind: str  # "map", "seq" or "scalar"
    line: int
    column: int
    end_line: int
    end_column: int
    value: JsonScalar = None
    pairs: list[tuple[Key, Node]] = field(default_factory=list)
    items: list[Node] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)

    @property
    def is_map(self) -> bool:
        return self.kind == "map"

    @property
    def is_seq(self) -> bool:
        return self.kind == "seq"

    def get(self, name: str) -> Node | None:
        i = self.index.get(name)
        return self.pairs[i][1] if i is not None else None

    def key(self, name: str) -> Key | None:
        i = self.index.get(name)
        return self.pairs[i][0] if i is not None else None

    def entry(self, name: str) -> tuple[Key, Node] | None:
        i = self.index.get(name)
        return self.pairs[i] if i is not None else None

    def map(self, name: str) -> Node | None:
        value = self.get(name)
        return value if value is not None and value.is_map else None

    def text(self, name: str) -> str | None:
        """The scalar under `name` as text (numbers too), else None."""
        value = self.get(name)
        if value is None or value.kind != "scalar" or value.value is None:
            return None
        return str(value.value)


@dataclass
class Loaded:
    roots: list[Node]
    errors: list[FileError]


class _TooDeep(Exception):
    pass


class _Builder:
    """Composed nodes (libyaml's or ruamel's, which have the same shape) -> Nodes; memoised by
    identity, so an alias is converted once."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.memo: dict[int, Node] = {}
        self.aliased = False
        self.errors: list[FileError] = []
        self.duplicates = 0

    def build(self, raw: Any, depth: int = 0) -> Node:
        known = self.memo.get(id(raw))
        if known is not None:
            self.aliased = True
            return known
        if depth > MAX_DEPTH:
            raise _TooDeep(raw.start_mark.line + 1)
        end_line, end_column = self._end(raw)
        node = Node(
            kind="scalar",
            line=raw.start_mark.line + 1,
            column=raw.start_mark.column + 1,
            end_line=end_line,
            end_column=end_column,
        )
        self.memo[id(raw)] = node  # before the children: a recursive alias finds it
        if raw.id == "mapping":
            node.kind = "map"
            self._fill_map(node, raw, depth)
        elif raw.id == "sequence":
            node.kind = "seq"
            node.items = [self.build(item, depth + 1) for item in raw.value]
        else:
            node.value = _scalar(raw)
        return node

    def _duplicate(self, key: Key, first: Key) -> None:
        self.duplicates += 1
        if self.duplicates <= MAX_DUPLICATE_ERRORS:  # one per key would flood a generated file's report
            self.errors.append(
                FileError(
                    code="malformed",
                    line=key.line,
                    message=f"duplicate key '{key.text}' at line {key.line} (first at line {first.line}); "
                    "the later value is used",
                )
            )

    def finish(self) -> list[FileError]:
        extra = self.duplicates - MAX_DUPLICATE_ERRORS
        if extra > 0:
            return [*self.errors, FileError(code="malformed", message=f"{extra} more duplicate keys")]
        return self.errors

    def _end(self, raw: Any) -> tuple[int, int]:
        line, column = raw.end_mark.line + 1, raw.end_mark.column + 1
        # A block ends where the next token starts (maybe lines later): show it ending at
        # the end of its own last line, skipping blank and comment-only lines.
        first = raw.start_mark.line + 1
        if line > first and not self._text(line)[: column - 1].strip():
            line -= 1
            while line > first and self._text(line).strip()[:1] in ("", "#"):
                line -= 1
            column = len(self._text(line).rstrip()) + 1
        return line, column

    def _text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def _fill_map(self, node: Node, raw: Any, depth: int) -> None:
        merges: list[Node] = []
        for raw_key, raw_value in raw.value:
            if raw_key.tag == "tag:yaml.org,2002:merge":
                merges.append(self.build(raw_value, depth + 1))
                continue
            key = Key(text=_key_text(raw_key), line=raw_key.start_mark.line + 1, column=raw_key.start_mark.column + 1)
            value = self.build(raw_value, depth + 1)
            if key.text in node.index:
                self._duplicate(key, node.pairs[node.index[key.text]][0])
                node.pairs[node.index[key.text]] = (key, value)
                continue
            node.index[key.text] = len(node.pairs)
            node.pairs.append((key, value))
        for merged in merges:  # `<<: *defaults` or `<<: [*a, *b]`: own keys win
            for source in merged.items if merged.is_seq else [merged]:
                for key, value in source.pairs if source.is_map else []:
                    if key.text not in node.index:
                        node.index[key.text] = len(node.pairs)
                        node.pairs.append((key, value))


def _key_text(raw: Any) -> str:
    if raw.id == "scalar":
        return str(raw.value)
    return "<complex key>"


_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)")


def _scalar(raw: Any) -> JsonScalar:
    text = str(raw.value)
    if getattr(raw, "style", None) in ("'", '"', "|", ">"):
        return text
    tag = str(raw.tag or "")
    try:
        if tag.endswith(":int"):
            return int(text.replace("_", ""), 0) if not _INT.fullmatch(text) else int(text.replace("_", ""))
        if tag.endswith(":float"):
            value = float(text.replace("_", ""))
            return value if math.isfinite(value) else text
    except ValueError:
        return text
    if tag.endswith(":bool"):
        return text.lower() in ("true", "yes", "on", "y")
    if tag.endswith(":null"):
        return None
    return text


_FLOW_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|[\[\]{}]')


def _flow_depth_line(text: str) -> int | None:
    """The line where `[`/`{` nesting passes MAX_DEPTH, else None. Checked before composing:
    ruamel's scanner slows down quadratically on deep flow nesting before it overflows the stack."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth = 0
    for match in _FLOW_TOKEN.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return text.count("\n", 0, match.start()) + 1
        elif token in "]}":
            depth = max(0, depth - 1)
    return None


def load(text: str, kind: str = "YAML") -> Loaded:
    """Compose every document of `text` (`kind` names the format in messages); problems become
    `malformed` errors, never exceptions."""
    deep = _flow_depth_line(text)
    if deep is not None:
        return Loaded([], [_too_deep(deep)])
    lines = text.split("\n")
    builder = _Builder(lines)
    roots: list[Node] = []
    try:
        for count, raw in enumerate(_compose_all(text)):
            if count >= MAX_DOCUMENTS:
                builder.errors.append(
                    FileError(
                        code="malformed",
                        message=f"more than {MAX_DOCUMENTS} YAML documents; the rest were not analysed",
                    )
                )
                break
            if raw is not None:
                builder.memo.clear()  # anchors are per document, and a finished document's node ids are reused
                roots.append(builder.build(raw))
    except _TooDeep as exc:
        return Loaded(roots, [*builder.finish(), _too_deep(int(str(exc.args[0])))])
    except RecursionError:
        return Loaded(roots, [*builder.finish(), _too_deep(None)])
    except ReaderError as exc:  # control characters, binary junk
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        return Loaded(
            roots,
            [
                *builder.finish(),
                FileError(
                    code="malformed",
                    line=line,
                    message=f"not {kind} text: unacceptable character #x{_code(exc.character):04x} at line {line}",
                ),
            ],
        )
    except MarkedYAMLError as exc:
        return Loaded(roots, [*builder.finish(), _marked(exc, kind)])
    except YAMLError as exc:
        return Loaded(roots, [*builder.finish(), FileError(code="malformed", message=f"invalid {kind}: {exc}")])
    errors = builder.finish()
    if builder.aliased:
        errors += _expansion_errors(roots)
    return Loaded(roots, errors)


def _compose_all(text: str) -> Iterator[Any]:
    """libyaml's documents, or ruamel's where libyaml has no answer the same as ruamel's."""
    fast = compose_fast(text, MAX_DOCUMENTS + 1)
    if fast is not None:
        return iter(fast)
    # The safe composer: it builds the same nodes as the round-trip one without tracking comments
    # (whose bookkeeping raises NotImplementedError on some comment layouts).
    return iter(YAML(typ="safe", pure=True).compose_all(text))


def _code(character: object) -> int:
    return character if isinstance(character, int) else ord(str(character)[:1] or "\0")


def _too_deep(line: int | None) -> FileError:
    return FileError(
        code="malformed", line=line, message=f"nested deeper than {MAX_DEPTH} levels; not analysed as a config"
    )


def _marked(exc: MarkedYAMLError, kind: str) -> FileError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
    where = f" at line {line}, column {mark.column + 1}" if mark is not None else ""
    return FileError(code="malformed", line=line, message=f"invalid {kind}{where}: {problem or 'syntax error'}")


def _expansion_errors(roots: list[Node]) -> list[FileError]:
    """The size the aliases would expand to, counted without expanding; cycles are reported."""
    sizes: dict[int, int] = {}
    state: dict[int, int] = {}  # 1 visiting, 2 done
    for root in roots:
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                total = 1 + sum(sizes[id(c)] for c in _children(node))
                sizes[id(node)] = min(total, MAX_EXPANDED_NODES + 1)
                state[id(node)] = 2
                continue
            if state.get(id(node)) == 2:
                continue
            if state.get(id(node)) == 1:
                return [
                    FileError(
                        code="malformed",
                        line=node.line,
                        message="recursive YAML alias (a node contains itself); it was not expanded",
                    )
                ]
            state[id(node)] = 1
            stack.append((node, True))
            stack.extend((c, False) for c in _children(node) if state.get(id(c)) != 2)
        if sizes.get(id(root), 0) > MAX_EXPANDED_NODES:
            return [
                FileError(
                    code="malformed",
                    line=root.line,
                    message=f"YAML aliases would expand this document to more than "
                    f"{MAX_EXPANDED_NODES} nodes (a 'billion laughs' pattern); "
                    "they were not expanded",
                )
            ]
    return []


def _children(node: Node) -> Iterator[Node]:
    if node.is_map:
        yield from (value for _, value in node.pairs)
    elif node.is_seq:
        yield from node.items


def walk(root: Node) -> Iterator[tuple[Node, Key, Node]]:
    """(parent map, key, value) for every pair under root, each shared node visited once."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.is_map:
            for key, value in node.pairs:
                yield node, key, value
        stack.extend(reversed(list(_children(node))))


@dataclass(slots=True)
class Entry:
    """One `key: value` pair met by the walk, with the top-level entry (or item) it sits in."""

    parent: Node
    key: Key
    value: Node
    top: int


@dataclass
class Index:
    """The one walk of a document: its entries by key, and its lists of mappings."""

    by_key: dict[str, list[Entry]] = field(default_factory=dict)
    map_lists: list[tuple[Key | None, Node]] = field(default_factory=list)
    owner: dict[int, Entry] = field(default_factory=dict)
    """The entry whose value a node is (by identity), for nodes that are a mapping's value."""

    def add(self, entry: Entry) -> None:
        self.by_key.setdefault(entry.key.text, []).append(entry)
        self.owner.setdefault(id(entry.value), entry)

    def entries(self, *names: str) -> list[Entry]:
        return [entry for name in names for entry in self.by_key.get(name, ())]


def build_index(root: Node) -> Index:
    """Walk `root` once (each shared node once): every entry by its key, and every sequence of two
    or more mappings with the key that holds it (None for a top-level list)."""
    found = Index()
    seen: set[int] = {id(root)}
    tops = root.pairs if root.is_map else [(None, item) for item in root.items]
    stack: list[tuple[Key | None, Node, int]] = [(key, value, top) for top, (key, value) in enumerate(tops)]
    if root.is_map:
        for top, (key, value) in enumerate(root.pairs):
            found.add(Entry(root, key, value, top))
    elif sum(item.is_map for item in root.items) >= 2:
        found.map_lists.append((None, root))
    stack.reverse()
    while stack:
        holder, node, top = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.is_map:
            for key, value in node.pairs:
                found.add(Entry(node, key, value, top))
            stack.extend((key, value, top) for key, value in reversed(node.pairs))
        elif node.is_seq:
            if holder is not None and sum(item.is_map for item in node.items) >= 2:
                found.map_lists.append((holder, node))
            stack.extend((None, item, top) for item in reversed(node.items))
    return found


# --------------------------------------------------------------------------- values


def plain(node: Node | None) -> JsonScalar:
    """A scalar's value; a collection as short text (never expanded)."""
    if node is None:
        return None
    if node.kind == "scalar":
        return node.value
    if node.is_seq and len(node.items) <= 8 and all(item.kind == "scalar" for item in node.items):
        return "[" + ", ".join(str(item.value) for item in node.items) + "]"
    return f"[{len(node.items)} items]" if node.is_seq else f"{{{len(node.pairs)} keys}}"


def items_of(node: Node | None) -> list[JsonScalar] | None:
    return [plain(item) for item in node.items] if node is not None and node.is_seq else None
