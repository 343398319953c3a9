"""One parsed C++ file and what detectors ask of it: declarations and their values, types, structs,
included libraries, functions; C++ spellings of names; tree helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Any

import tree_sitter_cpp
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

from hptlens.analysis.neutral import (
    CPP_NOT_HYPERPARAMETERS,
    CPP_PLURAL_SUFFIXES,
    ML_HYPERPARAMETER_NAMES,
    PLURAL_SUFFIXES,
    is_hyperparameter,
    source_order,
    text,
)

CPP_LANGUAGE = Language(tree_sitter_cpp.language())

MAX_RESOLVE = 4

LOOPS = frozenset({"for_statement", "for_range_loop", "while_statement", "do_statement"})
FUNCTIONS = frozenset({"function_definition", "lambda_expression"})

_DECL_QUERY = """
(declaration type: (_) @type
  declarator: [(init_declarator declarator: [(identifier) @name
                                             (array_declarator declarator: (identifier) @name)
                                             (reference_declarator (identifier) @name)
                                             (pointer_declarator declarator: (identifier) @name)]
                                 value: (_) @value)
               (identifier) @name
               (pointer_declarator declarator: (identifier) @name)
               (function_declarator declarator: (identifier) @name) @vexing
               (pointer_declarator declarator: (function_declarator declarator: (identifier) @name)) @vexing]) @decl
(field_declaration type: (_) @type
  declarator: [(field_identifier) @name (array_declarator declarator: (field_identifier) @name)
               (pointer_declarator declarator: (field_identifier) @name)]
  default_value: (_)? @value) @decl
(parameter_declaration type: (_) @type
  declarator: [(identifier) @name (reference_declarator (identifier) @name)
               (pointer_declarator declarator: (identifier) @name)]) @decl
"""
CALL_QUERY = "(call_expression function: (_) @function) @call"
_LOOP_QUERY = "[(for_statement) (for_range_loop) (while_statement) (do_statement)] @loop"

FLOW_QUERY = """
(assignment_expression left: [(identifier) @key (field_expression field: (field_identifier) @key)
                              (subscript_expression indices: (subscript_argument_list (string_literal) @key))]
                       right: (_) @value) @flow
(init_declarator declarator: (identifier) @key value: (_) @value) @flow
(initializer_pair designator: (field_designator (field_identifier) @key) value: (_) @value) @flow
(call_expression function: (field_expression field: (field_identifier) @key)
                 arguments: (argument_list . (_) @value .)) @flow
"""
_INCLUDE_QUERY = "(preproc_include path: (_) @path) (using_declaration) @using"

STRUCT_QUERY = (
    "[(struct_specifier name: (type_identifier) @name body: (field_declaration_list) @body)"
    " (class_specifier name: (type_identifier) @name body: (field_declaration_list) @body)]"
)


@cache
def cpp_query(source: str) -> Query:
    return Query(CPP_LANGUAGE, source)


@lru_cache(maxsize=256)
def named_calls_query(names: tuple[str, ...]) -> Query:
    """Calls of these variables (distribution objects): built per file, cached."""
    quoted = " ".join(f'"{n}"' for n in names)
    return Query(CPP_LANGUAGE, f"(call_expression function: (identifier) @f (#any-of? @f {quoted})) @call")


@dataclass(frozen=True)
class Decl:
    """A declared name: its statement, type node and initial value (None when it has none)."""

    name: str
    statement: Node
    type: Node | None
    value: Node | None


# ---- the parsed file -------------------------------------------------------------------------


class CppFile:
    def __init__(self, source: bytes, tree: Tree) -> None:
        self.source = source
        self.tree = tree
        self.root = tree.root_node
        self.memo: dict[str, Any] = {}
        """What detectors derive once per file and share (indexes of calls, training calls)."""

    @cached_property
    def lines(self) -> list[str]:
        return self.source.decode("utf-8", "replace").split("\n")

    def line_text(self, row: int) -> str:
        return self.lines[row] if 0 <= row < len(self.lines) else ""

    @cached_property
    def declarations(self) -> dict[str, list[Decl]]:
        table: dict[str, list[Decl]] = {}
        for _, match in QueryCursor(cpp_query(_DECL_QUERY)).matches(self.root):
            name, statement = text(match["name"][0]), match["decl"][0]
            if "vexing" in match and function_of(statement) is None:
                continue  # a prototype; inside a function, `Tuner<...> hpt(a, b);` constructs an object
            value = match["value"][0] if "value" in match else None
            type_node = match["type"][0] if "type" in match else None
            table.setdefault(name, []).append(Decl(name, statement, type_node, value))
        for decls in table.values():
            decls.sort(key=lambda d: d.statement.start_byte)
        return table

    def declared(self, name: str, at: Node) -> Decl | None:
        """The declaration `name` refers to at `at`: the last one before it in the same function,
        else one outside any function (globals, members)."""
        candidates = self.declarations.get(name, [])
        scope = function_of(at)
        while scope is not None:  # a lambda sees what its enclosing functions declared before it
            same = [
                d
                for d in candidates
                if d.statement.start_byte <= at.start_byte and _same(function_of(d.statement), scope)
            ]
            if same:
                return same[-1]
            scope = function_of(scope)
        outer = [d for d in candidates if function_of(d.statement) is None]
        before = [d for d in outer if d.statement.start_byte <= at.start_byte]
        found = before or outer
        return found[-1] if found else None

    def resolve(self, node: Node) -> tuple[Node, Decl | None]:
        """Follow a name (`lrs`, `this->lrs_`, `Config::kLrs`) to the value it was declared with."""
        found: Decl | None = None
        for _ in range(MAX_RESOLVE):
            name = reference_name(node)
            decl = self.declared(name, node) if name else None
            if decl is None or decl.value is None:
                break
            node, found = decl.value, decl
        return node, found

    @cached_property
    def structs(self) -> dict[str, list[str]]:
        """Struct/class name -> its data members in declaration order (to read `{3e-4, 0.99}`)."""
        table: dict[str, list[str]] = {}
        for _, match in QueryCursor(cpp_query(STRUCT_QUERY)).matches(self.root):
            fields: list[str] = []
            for member in match["body"][0].named_children:
                declarator = member.child_by_field_name("declarator")
                if member.type == "field_declaration" and declarator is not None:
                    if declarator.type in ("field_identifier", "init_declarator"):
                        fields.append(text(declarator.child_by_field_name("declarator") or declarator))
            table.setdefault(text(match["name"][0]), fields)
        return table

    def struct_fields(self, name: str) -> list[str]:
        return self.structs.get(name, [])

    def type_of(self, node: Node) -> str:
        """The declared type of a variable, template arguments dropped ('' when unknown)."""
        name = reference_name(node)
        decl = self.declared(name, node) if name else None
        if decl is None:
            return ""
        if decl.type is not None and text(decl.type) != "auto":
            return plain_name(text(decl.type))
        if decl.value is not None and decl.value.type in ("call_expression", "compound_literal_expression"):
            head = decl.value.child_by_field_name("function") or decl.value.child_by_field_name("type")
            return plain_name(text(head))
        return ""

    def type_of_name(self, name: str, at: Node) -> str:
        """The declared type of `name` where `at` reads it, as written ('' when unknown)."""
        decl = self.declared(name, at)
        return text(decl.type) if decl is not None and decl.type is not None else ""

    @cached_property
    def calls(self) -> list[tuple[Node, Node]]:
        """Every call and its function, in source order: one query, read by every detector."""
        found = [(m["call"][0], m["function"][0]) for _, m in QueryCursor(cpp_query(CALL_QUERY)).matches(self.root)]
        return sorted(found, key=lambda pair: source_order(pair[0]))

    @cached_property
    def loops(self) -> list[Node]:
        """Every loop (for, range-for, while, do), in source order."""
        found = QueryCursor(cpp_query(_LOOP_QUERY)).captures(self.root).get("loop", [])
        return sorted(found, key=source_order)

    def calls_named(self, name: str) -> list[Node]:
        """Calls of a function or method by its name (`sample(rng)`, `this->sample(rng)`, `ns::sample()`)."""
        pattern = re.compile(r"(^|[.>:])" + re.escape(name) + r"$")
        return [
            call
            for call, function in self.calls
            if function.type in ("identifier", "field_expression", "qualified_identifier")
            and pattern.search(text(function))
        ]

    @cached_property
    def libraries(self) -> set[str]:
        """Root names of included headers and used namespaces: 'dlib', 'mlpack', 'torch'."""
        found: set[str] = set()
        captures = QueryCursor(cpp_query(_INCLUDE_QUERY)).captures(self.root)
        for node in captures.get("path", []):
            path = text(node).strip('<>"')
            parts = [p for p in path.split("/") if p not in (".", "..", "")]  # "../../opennn/x.h" -> opennn
            if parts:
                found.add(re.split(r"[/.]", "/".join(parts), maxsplit=1)[0])
        for node in captures.get("using", []):
            match = re.search(r"using\s+(?:namespace\s+)?:*(\w+)", text(node))
            if match:
                found.add(match.group(1))
        return found

    @cached_property
    def functions(self) -> dict[str, Node]:
        """Function name (last part of `Class::name`) -> definition."""
        table: dict[str, Node] = {}
        cursor = QueryCursor(cpp_query("(function_definition declarator: (function_declarator declarator: (_) @n)) @f"))
        for _, match in cursor.matches(self.root):
            table[plain_name(text(match["n"][0])).rsplit("::", 1)[-1]] = match["f"][0]
        return table

    @cached_property
    def prototypes(self) -> dict[str, Node]:
        """Declared-only functions (`double f(double x, double y);`): their parameters still name things."""
        cursor = QueryCursor(
            cpp_query("(declaration declarator: (function_declarator declarator: (identifier) @n)) @f")
        )
        return {text(m["n"][0]): m["f"][0] for _, m in cursor.matches(self.root) if function_of(m["f"][0]) is None}


def parse(source: bytes) -> Tree:
    return Parser(CPP_LANGUAGE).parse(source)


# ---- names and literals ------------------------------------------------------------------------


def normalized(name: str) -> str:
    """C++ spellings to the shared vocabulary: kLearningRate, learningRate, m_lr, lr_ -> snake case."""
    name = name.strip("_")
    if name.startswith("m_"):
        name = name[2:]
    if re.match(r"k[A-Z]", name):
        name = name[1:]
    if re.match(r"set(_|[A-Z])", name):  # setter methods: set_learning_rate(v), setGamma(v)
        name = name[3:].lstrip("_")
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


_AFFIXES = re.compile(
    r"^(init|initial|start|default|base|cur|current|new|trial|candidate|greedy)_|"
    r"_(number|num|count|value|val|param|parameter)$"
)


def is_cpp_hyperparameter(name: str | None) -> bool:
    """`learningRate`, `kGamma`, `m_lr`, `setC`, `init_eta`, `neurons_number`: a hyperparameter
    of RL/ML code or of a classic ML model, as C++ spells it."""
    if not name:
        return False
    if _written(name) in _CASED:
        return True
    plain = normalized(name)
    if plain in CPP_NOT_HYPERPARAMETERS:
        return False
    if is_hyperparameter(plain) or plain in ML_HYPERPARAMETER_NAMES:
        return True
    bare = _AFFIXES.sub("", plain)
    return (
        bare != plain
        and bare not in CPP_NOT_HYPERPARAMETERS
        and len(bare) > 1
        and (is_hyperparameter(bare) or bare in ML_HYPERPARAMETER_NAMES)
    )


_CASED = frozenset(n for n in ML_HYPERPARAMETER_NAMES if len(n) == 1 and n.isupper())
_PLURALS = sorted(set(PLURAL_SUFFIXES + CPP_PLURAL_SUFFIXES), key=lambda s: (-len(s), s))  # longest first


def _written(name: str) -> str:
    """A name as written, without C++ decoration: `m_C` -> C, `setC` -> C, `kC` -> C."""
    name = name.strip("_").removeprefix("m_")
    match = re.match(r"(?:set_?|k)([A-Z]\w*)$", name)
    return match.group(1) if match else name


def singular(name: str) -> str | None:
    """`kLearningRates` -> learning_rate, `lrs` -> lr, `cRange` -> C: the hyperparameter a plural names."""
    written = _written(name)
    for suffix in ("s", "Range", "Values", "Vals", "List", "Grid", "_range", "_values", "_vals", "_list"):
        if written.endswith(suffix) and written[: -len(suffix)].upper() in _CASED:
            return written[: -len(suffix)].upper()
    plain = normalized(name)
    for suffix in _PLURALS:
        if plain.endswith(suffix) and is_cpp_hyperparameter(plain[: -len(suffix)]):
            return plain[: -len(suffix)]
    return None


def plain_name(written: str) -> str:
    """A type or function name without template arguments and spaces."""
    previous = None
    written = re.sub(r"\s+", "", written)
    while previous != written:
        previous, written = written, re.sub(r"<[^<>]*>", "", written)
    return written.lstrip(":")


def reference_name(node: Node) -> str | None:
    if node.type in ("identifier", "field_identifier"):
        return text(node)
    if node.type == "field_expression" and text(node.child_by_field_name("argument")) == "this":
        return text(node.child_by_field_name("field"))
    if node.type == "qualified_identifier":
        return text(node).rsplit("::", 1)[-1]
    return None


# ---- tree helpers ----------------------------------------------------------------------------------


def _same(a: Node | None, b: Node | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a.id == b.id)


def function_of(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type not in FUNCTIONS:
        parent = parent.parent
    return parent


def enclosing_loop(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type not in FUNCTIONS:
        if parent.type in LOOPS:
            return parent
        parent = parent.parent
    return None


def statement_of(node: Node) -> Node:
    """The declaration or expression statement holding `node` (a designated `.lr = x` stays itself)."""
    current = node
    while current.parent is not None and current.type not in (
        "declaration",
        "expression_statement",
        "field_declaration",
        "return_statement",
        "initializer_pair",
    ):
        current = current.parent
    return current if current.parent is not None else node


def target_names(target: Node) -> list[str]:
    if target.type == "identifier":
        return [text(target)]
    if target.type in ("reference_declarator", "pointer_declarator", "structured_binding_declarator"):
        names: list[str] = []
        for child in target.named_children:
            names += target_names(child)
        return names
    return []


def positional(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    return [c for c in arguments.named_children if c.type != "comment"] if arguments is not None else []
