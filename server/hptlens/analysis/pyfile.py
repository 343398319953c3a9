"""One parsed Python program and the facts detectors ask of it.

Imports, aliases, assignments and name resolution are computed lazily, so a file
without any tuning pays for little more than the parse and one query.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import cache, cached_property

import tree_sitter_python
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

from hptlens.analysis.catalog.model import last_name
from hptlens.analysis.catalog.python import PYTHON_APIS
from hptlens.analysis.catalog.vocabulary import (
    CONFIG_CALL_NAMES,
    DOMAIN_CLASS_SUFFIXES,
    RANDOM_METHODS,
    RANDOM_SAMPLERS,
)
from hptlens.analysis.neutral import child_field, enclosing, source_order, text
from hptlens.analysis.spaces import literal

PY_LANGUAGE = Language(tree_sitter_python.language())

_FUNCTION_TYPES = frozenset({"function_definition", "lambda"})
_SCOPE_TYPES = frozenset({"function_definition", "class_definition", "module"})
_MAX_RESOLVE_DEPTH = 4
_ANY_SCOPE = -1
"""The scope key under which every binding of a name is kept (node ids are addresses, never -1)."""


@cache
def query(source: str) -> Query:
    """Compiled queries; only fixed query texts go through here, so the cache stays small."""
    return Query(PY_LANGUAGE, source)


@cache
def _call_groups() -> dict[str, frozenset[str]]:
    """Call candidates by what asks for them, keyed by the name the call ends with."""
    return {
        "catalog_call": frozenset(last_name(api.call) for api in PYTHON_APIS),
        "random_call": frozenset({s.rsplit(".", 1)[-1] for s in RANDOM_SAMPLERS} | set(RANDOM_METHODS)),
        "config_call": CONFIG_CALL_NAMES,
    }


@cache
def _program_query() -> Query:
    """Every candidate the detectors need, in one query: each query walks the whole tree, so
    one walk instead of one per detector keeps analysis close to the parse's cost. Calls come as
    the names they end with, filtered here by their bytes: a `#match?` predicate over the same
    names doubled the query's cost (py-tree-sitter runs it per captured name)."""
    return query(
        """
        (import_statement) @import
        (import_from_statement) @import_from
        (call function: [(identifier) @call_name (attribute attribute: (identifier) @call_name)])
        (for_statement) @for
        (for_in_clause) @for
        (while_statement) @while
        (assignment left: [(identifier) (attribute)] right: (_)) @assignment
        (function_definition) @function
        """
    )


_METHOD_CALLS = """
(call function: (attribute object: (identifier) @receiver attribute: (identifier))
      (#any-of? @receiver "self" "cls")) @call
"""

MAX_INDENT_LEVELS = 480
"""tree-sitter-python's scanner keeps its indentation stack in a fixed 1 KiB state buffer
and overruns it (a segfault) at about 510 nested blocks; deeper files are not parsed."""
_DEEP_LINES = tuple(re.compile(rb"%s[ \t\f]{%d}" % (end, MAX_INDENT_LEVELS // 8)) for end in (b"\n", b"\r"))
"""A line indented this far (tabs count 8) could sit that deep: only then are levels counted.
Found after its line break, a literal the regex engine skips to (`^` with MULTILINE tries every
byte: 4x slower); the first line cannot be deep, as each level takes a line."""


class TooDeep(ValueError):
    """A source the native parser cannot take safely; the message says why."""


def parse(source: bytes) -> Tree:
    """The syntax tree; TooDeep for sources past the parser's known native limits."""
    after_lf, after_cr = _DEEP_LINES
    if after_lf.search(source) or (b"\r" in source and after_cr.search(source)):
        levels = indent_levels(source)
        if levels >= MAX_INDENT_LEVELS:
            raise TooDeep(
                f"{levels} nested indentation levels, more than the {MAX_INDENT_LEVELS} "
                "tree-sitter-python parses safely; not analysed"
            )
    return Parser(PY_LANGUAGE).parse(source)


def indent_levels(source: bytes) -> int:
    """The deepest indentation stack the scanner could build, measured as it measures (tab 8,
    form feed 0); brackets, strings and comments are not skipped, so this is an upper bound."""
    stack = [0]
    deepest = 0
    for line in source.splitlines():
        width = _indent_width(line)
        if width is None:
            continue
        while width < stack[-1]:
            stack.pop()
        if width > stack[-1]:
            stack.append(width)
            deepest = max(deepest, len(stack) - 1)
    return deepest


def _indent_width(line: bytes) -> int | None:
    width = 0
    for byte in line:
        if byte == 0x20:
            width += 1
        elif byte == 0x09:
            width += 8
        elif byte == 0x0C:
            width = 0
        else:
            return width
    return None  # blank


class PyFile:
    def __init__(self, source: bytes, tree: Tree) -> None:
        self.source = source
        self.tree = tree
        self.root = tree.root_node
        self._fields: dict[str, dict[int, Node]] = {}
        self._bindings: dict[str, dict[int | None, _Bindings]] = {}

    @cached_property
    def nodes(self) -> dict[str, list[Node]]:
        """Candidate nodes by kind (see `_program_query`), in source order."""
        captures = QueryCursor(_program_query()).captures(self.root)
        wanted = _call_name_bytes()
        named, domains = [], []
        for name in captures.pop("call_name", []):
            written = name.text or b""
            if written in wanted:
                named.append(name)
            elif written.endswith(DOMAIN_CLASS_SUFFIXES):
                domains.append(name)
        calls = [_call_of(n) for n in named]
        captures["domain_call"] = [_call_of(n) for n in domains]
        for kind, names in _call_groups().items():
            captures[kind] = [c for n, c in zip(named, calls) if text(n) in names]
        return {kind: sorted(nodes, key=source_order) for kind, nodes in captures.items()}

    def candidates(self, kind: str) -> list[Node]:
        return self.nodes.get(kind, [])

    @cached_property
    def plain_calls(self) -> dict[str, list[Node]]:
        """Calls of a bare name, by that name: rarer questions (calls of a local function,
        of an import alias) ask this, so it is only computed when asked."""
        return self._calls_by_name("(call function: (identifier) @f) @call")

    @cached_property
    def method_calls(self) -> dict[str, list[Node]]:
        """Calls of the file's own methods (`self.mutate(...)`, `cls.build(...)`), by method name."""
        return self._calls_by_name(_METHOD_CALLS)

    def _calls_by_name(self, source: str) -> dict[str, list[Node]]:
        """The `@call` captures of a query by the name they call (a bare name, or the attribute
        of `x.name`), each list in source order: callers take the first."""
        table: dict[str, list[Node]] = {}
        for node in sorted(QueryCursor(query(source)).captures(self.root).get("call", []), key=source_order):
            function = node.child_by_field_name("function")
            if function is not None and function.type == "attribute":
                function = function.child_by_field_name("attribute")
            table.setdefault(text(function), []).append(node)
        return table

    # ---- imports --------------------------------------------------------------------

    @cached_property
    def _imports(self) -> tuple[dict[str, str], list[str], set[str]]:
        aliases: dict[str, str] = {}
        stars: list[str] = []
        modules: set[str] = set()
        for node in self.candidates("import"):
            for child in node.named_children:
                if child.type == "dotted_name":
                    full = text(child)
                    modules.add(full)
                    aliases.setdefault(full.split(".")[0], full.split(".")[0])
                elif child.type == "aliased_import":
                    full = text(child.child_by_field_name("name"))
                    modules.add(full)
                    aliases[text(child.child_by_field_name("alias"))] = full
        for node in self.candidates("import_from"):
            module_node = node.child_by_field_name("module_name")
            module = text(module_node)
            if module.startswith("."):
                continue  # relative imports name project code, never an HPO library
            modules.add(module)
            for child in node.named_children:
                if child == module_node:
                    continue
                if child.type == "wildcard_import":
                    stars.append(module)
                elif child.type == "dotted_name":
                    name = text(child)
                    aliases[name] = f"{module}.{name}"
                    modules.add(f"{module}.{name}")
                elif child.type == "aliased_import":
                    name = text(child.child_by_field_name("name"))
                    aliases[text(child.child_by_field_name("alias"))] = f"{module}.{name}"
                    modules.add(f"{module}.{name}")
        return aliases, stars, modules

    @property
    def aliases(self) -> dict[str, str]:
        return self._imports[0]

    @property
    def modules(self) -> set[str]:
        return self._imports[2]

    def imports_any(self, prefixes: tuple[str, ...]) -> bool:
        return any(m == p or m.startswith(p + ".") for m in self.modules for p in prefixes)

    # ---- assignments and resolution ---------------------------------------------------

    @cached_property
    def assignments(self) -> dict[str, list[Node]]:
        """Target text -> assignment nodes, in source order (`x`, `self.x`, annotated too)."""
        table: dict[str, list[Node]] = {}
        for node in self.candidates("assignment"):
            table.setdefault(text(node.child_by_field_name("left")), []).append(node)
        return table

    def _scopes(self, name: str) -> dict[int | None, _Bindings]:
        """`name`'s assignments by the id of their scope (and all under _ANY_SCOPE), each in
        source order: resolution asks for the last binding before a node in a scope, which is
        then a bisection, not a pass over every assignment of the name (that made large files
        quadratic). Built per name on first ask: finding a scope climbs parents, which costs."""
        table = self._bindings.get(name)
        if table is None:
            table = self._bindings[name] = {_ANY_SCOPE: _Bindings()}
            for node in self.assignments.get(name, []):
                scope = enclosing(node, _SCOPE_TYPES)
                table.setdefault(scope.id if scope is not None else None, _Bindings()).add(node)
                table[_ANY_SCOPE].add(node)
        return table

    def _class_fields(self, name: str) -> dict[int, Node]:
        """Id of the block holding the statement -> the first assignment of `name` there; per
        name, on first ask (finding a node's parent costs a descent from the root)."""
        fields = self._fields.get(name)
        if fields is None:
            fields = self._fields[name] = {}
            for node in self.assignments.get(name, []):
                statement = node.parent
                if statement is not None and statement.parent is not None:
                    fields.setdefault(statement.parent.id, node)
        return fields

    def assigned_value(self, name: str, before: Node) -> Node | None:
        """The value last assigned to `name` before `before`, preferring the same scope;
        `self.x` also finds a class-level `x = ...` (dataclass fields included)."""
        candidates = self.assignments.get(name)
        if not candidates and name.startswith("self.") and name.count(".") == 1:
            return self._class_attribute(name[len("self.") :], before)
        if not candidates:
            return None
        if len(candidates) == 1:  # whatever the scopes, the rules below all choose it
            return candidates[0].child_by_field_name("right")
        at = before.start_byte
        scope = enclosing(before, _SCOPE_TYPES)
        scopes = self._scopes(name)
        same_scope = scopes.get(scope.id if scope is not None else None)
        # The same scope's last binding wins; else a module-level one (functions often read module
        # constants defined below them); else the last earlier binding anywhere.
        chosen = same_scope.last_before(at) if same_scope is not None else None
        if chosen is None:
            module_level = scopes.get(self.root.id)
            if module_level is not None:
                chosen = module_level.last_before(at) or module_level.nodes[-1]
            else:
                chosen = scopes[_ANY_SCOPE].last_before(at) or candidates[-1]
        return chosen.child_by_field_name("right")

    def _class_attribute(self, name: str, inside: Node) -> Node | None:
        cls = enclosing(inside, frozenset({"class_definition"}))
        body = cls.child_by_field_name("body") if cls is not None else None
        if body is None:
            return None
        node = self._class_fields(name).get(body.id)
        return _unwrap_field(node.child_by_field_name("right")) if node is not None else None

    def resolve(self, node: Node, depth: int = 0) -> Node:
        """Follow `x` (or `self.x`) to the literal/call last assigned to it."""
        while node.type in ("identifier", "attribute") and depth < _MAX_RESOLVE_DEPTH:
            value = self.assigned_value(text(node), node)
            if value is None or value.type in ("identifier", "attribute") and text(value) == text(node):
                return node
            node, depth = value, depth + 1
        return node

    def qualify(self, node: Node, depth: int = 0) -> str:
        """Dotted name of an expression with imports resolved: `tune.choice` -> `ray.tune.choice`;
        a variable assigned from a call becomes `<callee>()`."""
        if depth > _MAX_RESOLVE_DEPTH:
            return text(node)
        if node.type == "call":
            return self.qualify(child_field(node, "function"), depth + 1)
        if node.type == "attribute":
            value = self.assigned_value(text(node), node)
            if value is not None and value.type == "call":
                return f"{self.qualify(value, depth + 1)}()"  # `self.ga = pygad.GA(...)`
            obj = child_field(node, "object")
            attr = text(node.child_by_field_name("attribute"))
            if obj.type == "call":
                return f"{self.qualify(obj, depth + 1)}().{attr}"
            if obj.type in ("identifier", "attribute"):
                base = self.qualify(obj, depth + 1)
                return f"{base}.{attr}"
            return f"?.{attr}"
        if node.type == "identifier":
            name = text(node)
            if name in self.aliases:
                return self.aliases[name]
            value = self.assigned_value(name, node)
            if value is not None and value.type == "call":
                return f"{self.qualify(value, depth + 1)}()"
            return name
        return text(node)

    # ---- structure ------------------------------------------------------------------

    @cached_property
    def functions(self) -> dict[str, Node]:
        """Function name -> definition (the last one wins, as at run time)."""
        return {text(node.child_by_field_name("name")): node for node in self.candidates("function")}

    def line_text(self, row: int) -> str:
        return self.lines[row] if 0 <= row < len(self.lines) else ""

    @cached_property
    def lines(self) -> list[str]:
        return self.source.decode("utf-8", "replace").split("\n")


class _Bindings:
    """Assignments in source order with their start bytes, for bisection."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.nodes: list[Node] = []

    def add(self, node: Node) -> None:
        self.starts.append(node.start_byte)
        self.nodes.append(node)

    def last_before(self, at: int) -> Node | None:
        index = bisect_left(self.starts, at)
        return self.nodes[index - 1] if index else None


@cache
def _call_name_bytes() -> frozenset[bytes]:
    return frozenset(name.encode() for name in set().union(*_call_groups().values()))


def _call_of(name: Node) -> Node:
    """The call a `call_name` capture names: `f(...)` or `x.f(...)`."""
    parent = name.parent
    call = parent.parent if parent is not None and parent.type == "attribute" else parent
    if call is None:
        raise ValueError("a call name outside its call")
    return call


def _unwrap_field(value: Node | None) -> Node | None:
    """`field(default_factory=lambda: {...})` / `field(default=...)` -> the default expression."""
    if value is None or value.type != "call" or not text(value.child_by_field_name("function")).endswith("field"):
        return value
    arguments = value.child_by_field_name("arguments")
    for child in arguments.named_children if arguments is not None else []:
        if child.type == "keyword_argument" and text(child.child_by_field_name("name")) in (
            "default",
            "default_factory",
        ):
            inner = child.child_by_field_name("value")
            if inner is not None and inner.type == "lambda":
                return inner.child_by_field_name("body")
            return inner
    return value


def name_from_context(node: Node) -> str | None:
    """The name a value is bound to: dict key, keyword, assignment target, subscript key."""
    parent = node.parent
    while parent is not None and (
        parent.type == "parenthesized_expression"
        or parent.type == "attribute"
        and parent.parent is not None
        and parent.parent.type == "call"
    ):
        # `ng.p.Scalar(...).set_integer_casting()`: the chain's outer call carries the name
        outer = parent if parent.type == "parenthesized_expression" else parent.parent
        assert outer is not None  # the loop condition checked it
        node, parent = outer, outer.parent
    if parent is None:
        return None
    if parent.type == "pair":
        key = literal(parent.child_by_field_name("key"))
        return key if isinstance(key, str) else text(parent.child_by_field_name("key")) or None
    if parent.type == "keyword_argument":
        return text(parent.child_by_field_name("name")) or None
    if parent.type == "assignment" and parent.child_by_field_name("right") == node:
        return target_name(parent.child_by_field_name("left"))
    return None


def target_name(target: Node | None) -> str | None:
    """`lr` -> lr, `self.lr` / `args.lr` -> lr, `cfg["lr"]` -> lr."""
    if target is None:
        return None
    if target.type == "identifier":
        return text(target)
    if target.type == "attribute":
        return text(target.child_by_field_name("attribute"))
    if target.type == "subscript":
        key = literal(target.child_by_field_name("subscript"))
        return key if isinstance(key, str) else None
    return None
