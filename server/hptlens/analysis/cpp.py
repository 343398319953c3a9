"""C++ analysis on tree-sitter-cpp: `analyze_cpp(document, settings) -> FileReport`.

Detectors, all driven by tree-sitter queries (the C engine finds candidates; Python only
checks them):
- library searches from the catalog's `CPP_APIS`: mlpack's HyperParameterTuner and its
  Optimize calls (each argument a set of values), dlib's find_min_global/find_max_global
  (lower/upper bound vectors, dimension names from the objective's parameters);
- hand-written grids: range-for over two or more literal values (inline, or an array/vector
  declared apart), index loops reading such an array with the loop counter
  (`double lrs[] = {...}; ... lrs[i]`), counter sweeps (`for (lr = 1e-4; lr <= 1e-2; lr *= 10)`);
- hand-written random search: a `<random>` distribution (or `rand()`) sampled into a
  hyperparameter-named variable inside a trial loop.
The vocabulary (hyperparameter names, loop variables that are never tuned) is Python's, shared
through catalog.py and `is_hyperparameter`; C++ spellings (`kLearningRate`, `batchSize`, `lr_`)
are normalised first. Findings are assembled into a report by the language-neutral
`assemble` of python.py, with `// hpt: ignore` comments.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Any

import tree_sitter_cpp
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

from hptlens.analysis.catalog import (
    CPP_APIS,
    CPP_DISTRIBUTIONS,
    CPP_RANDOM_CALLS,
    MLPACK_TUNER_OPTIMIZERS,
    NOT_HYPERPARAMETERS,
    PLURAL_SUFFIXES,
    Api,
)
from hptlens.analysis.context import ALGORITHMS
from hptlens.analysis.loops import is_hyperparameter
from hptlens.analysis.pyfile import Hit, identifiers_in
from hptlens.analysis.assembly import assemble, syntax_errors
from hptlens.analysis.spaces import NOT_LITERAL, number, scalar, text
from hptlens.documents import Document
from hptlens.report import Criterion, FileReport, FindingKind, Hyperparameter, RLContext, SearchSpace, SpaceType
from hptlens.settings import Settings

CPP_LANGUAGE = Language(tree_sitter_cpp.language())

HAND = "hand-written"
_SUPPRESS = re.compile(r"(?://|/\*)\s*hpt:\s*ignore(?P<file>-file)?(?:\[(?P<kinds>[^\]]*)\])?")
_MAX_DEPTH = 40  # literal nesting and resolution chains: bounded so odd input cannot recurse deeply
_MAX_RESOLVE = 4
_MAX_SWEEP = 20  # a counter loop with more values than this is a schedule (epsilon decay), not a sweep
_LOOPS = frozenset({"for_statement", "for_range_loop", "while_statement", "do_statement"})
_FUNCTIONS = frozenset({"function_definition", "lambda_expression"})
# Loops that run inside one training run (their variable, bound or iterable says so): sampling in
# them is exploration noise, domain randomisation or minibatch drawing, not a random-search trial.
_TIME_LOOP = re.compile(r"^(ep|t|done|i_episode)$|episode|step|frame|epoch|update|rollout|batch|dim|action|"
                        r"horizon|transition|env|state|obs|buffer|memory")
_CASTS = re.compile(r"(cast|^(float|double|int|int64_t|int32_t|size_t|long|unsigned))(<[^>]*>)?$")
_WRAPPERS = re.compile(r"(pow|exp|exp2|round|lround|floor|ceil|cast)(<[^>]*>)?$")
_FRAMEWORKS = {"torch": "LibTorch", "mlpack": "mlpack", "dlib": "dlib", "ale_interface": "ALE",
               "mujoco": "MuJoCo", "tensorflow": "TensorFlow", "caffe2": "Caffe2"}

_DECL_QUERY = """
(declaration type: (_) @type
  declarator: [(init_declarator declarator: [(identifier) @name
                                             (array_declarator declarator: (identifier) @name)
                                             (reference_declarator (identifier) @name)]
                                 value: (_) @value)
               (identifier) @name
               (function_declarator declarator: (identifier) @name) @vexing]) @decl
(field_declaration type: (_) @type
  declarator: [(field_identifier) @name (array_declarator declarator: (field_identifier) @name)]
  default_value: (_)? @value) @decl
(parameter_declaration type: (_) @type
  declarator: [(identifier) @name (reference_declarator (identifier) @name)]) @decl
"""
_CALL_QUERY = "(call_expression function: (_) @function) @call"
_RANGE_FOR_QUERY = "(for_range_loop declarator: (_) @target right: (_) @iter) @loop"
_FOR_QUERY = "(for_statement) @loop"
_SUBSCRIPT_QUERY = """
(subscript_expression argument: (_) @array indices: (subscript_argument_list . (identifier) @index .)) @sub
"""
_FLOW_QUERY = """
(assignment_expression left: [(identifier) @key (field_expression field: (field_identifier) @key)
                              (subscript_expression indices: (subscript_argument_list (string_literal) @key))]
                       right: (_) @value) @flow
(init_declarator declarator: (identifier) @key value: (_) @value) @flow
(initializer_pair designator: (field_designator (field_identifier) @key) value: (_) @value) @flow
(call_expression function: (field_expression field: (field_identifier) @key)
                 arguments: (argument_list . (_) @value .)) @flow
"""
_INCLUDE_QUERY = "(preproc_include path: (_) @path) (using_declaration) @using"
_NAMES_QUERY = "[(type_identifier) (identifier)] @name"


@cache
def cpp_query(source: str) -> Query:
    return Query(CPP_LANGUAGE, source)


@lru_cache(maxsize=256)
def _named_calls_query(names: tuple[str, ...]) -> Query:
    """Calls of these variables (distribution objects): built per file, cached."""
    quoted = " ".join(f'"{n}"' for n in names)
    return Query(CPP_LANGUAGE, f"(call_expression function: (identifier) @f (#any-of? @f {quoted})) @call")


@lru_cache(maxsize=256)
def _function_calls_query(name: str) -> Query:
    """Calls of a function or method by its name (`sample(rng)`, `this->sample(rng)`): cached per name."""
    return Query(CPP_LANGUAGE, f'(call_expression function: [(identifier) (field_expression field: (_))] @f '
                               f'(#match? @f "(^|[.>:]){name}$")) @call')


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
            if "vexing" in match and _function_of(statement) is None:
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
        scope = _function_of(at)
        same = [d for d in candidates if d.statement.start_byte <= at.start_byte
                and _same(_function_of(d.statement), scope)]
        if same:
            return same[-1]
        outer = [d for d in candidates if _function_of(d.statement) is None]
        before = [d for d in outer if d.statement.start_byte <= at.start_byte]
        return (before or outer or [None])[-1]

    def resolve(self, node: Node) -> tuple[Node, Decl | None]:
        """Follow a name (`lrs`, `this->lrs_`, `Config::kLrs`) to the value it was declared with."""
        found: Decl | None = None
        for _ in range(_MAX_RESOLVE):
            name = _reference_name(node)
            decl = self.declared(name, node) if name else None
            if decl is None or decl.value is None:
                break
            node, found = decl.value, decl
        return node, found

    @cached_property
    def structs(self) -> dict[str, list[str]]:
        """Struct/class name -> its data members in declaration order (to read `{3e-4, 0.99}`)."""
        table: dict[str, list[str]] = {}
        for _, match in QueryCursor(cpp_query(_STRUCT_QUERY)).matches(self.root):
            fields: list[str] = []
            for member in match["body"][0].named_children:
                if member.type == "field_declaration" and member.child_by_field_name("declarator") is not None:
                    declarator = member.child_by_field_name("declarator")
                    if declarator.type in ("field_identifier", "init_declarator"):
                        fields.append(text(declarator.child_by_field_name("declarator") or declarator))
            table.setdefault(text(match["name"][0]), fields)
        return table

    def struct_fields(self, name: str) -> list[str]:
        return self.structs.get(name, [])

    def type_of(self, node: Node) -> str:
        """The declared type of a variable, template arguments dropped ('' when unknown)."""
        name = _reference_name(node)
        decl = self.declared(name, node) if name else None
        if decl is None:
            return ""
        if decl.type is not None and text(decl.type) != "auto":
            return _plain(text(decl.type))
        if decl.value is not None and decl.value.type in ("call_expression", "compound_literal_expression"):
            head = decl.value.child_by_field_name("function") or decl.value.child_by_field_name("type")
            return _plain(text(head))
        return ""

    @cached_property
    def libraries(self) -> set[str]:
        """Root names of included headers and used namespaces: 'dlib', 'mlpack', 'torch'."""
        found: set[str] = set()
        captures = QueryCursor(cpp_query(_INCLUDE_QUERY)).captures(self.root)
        for node in captures.get("path", []):
            path = text(node).strip('<>"')
            found.add(re.split(r"[/.]", path, maxsplit=1)[0])
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
            table[_plain(text(match["n"][0])).rsplit("::", 1)[-1]] = match["f"][0]
        return table

    @cached_property
    def prototypes(self) -> dict[str, Node]:
        """Declared-only functions (`double f(double x, double y);`): their parameters still name things."""
        cursor = QueryCursor(cpp_query("(declaration declarator: (function_declarator declarator: (identifier) @n)) @f"))
        return {text(m["n"][0]): m["f"][0] for _, m in cursor.matches(self.root) if _function_of(m["f"][0]) is None}


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


def is_cpp_hyperparameter(name: str | None) -> bool:
    if not name:
        return False
    plain = normalized(name)
    return plain not in NOT_HYPERPARAMETERS and is_hyperparameter(plain)


def _singular(name: str) -> str | None:
    """`kLearningRates` -> learning_rate, `lrs` -> lr: the hyperparameter a plural names."""
    plain = normalized(name)
    for suffix in PLURAL_SUFFIXES:
        if plain.endswith(suffix) and is_cpp_hyperparameter(plain[: -len(suffix)]):
            return plain[: -len(suffix)]
    return None


def _plain(written: str) -> str:
    """A type or function name without template arguments and spaces."""
    previous = None
    written = re.sub(r"\s+", "", written)
    while previous != written:
        previous, written = written, re.sub(r"<[^<>]*>", "", written)
    return written.lstrip(":")


def _reference_name(node: Node) -> str | None:
    if node.type in ("identifier", "field_identifier"):
        return text(node)
    if node.type == "field_expression" and text(node.child_by_field_name("argument")) == "this":
        return text(node.child_by_field_name("field"))
    if node.type == "qualified_identifier":
        return text(node).rsplit("::", 1)[-1]
    return None


def literal(node: Node | None, depth: int = 0) -> Any:
    """The value of a C++ literal expression (numbers, strings, bools, brace lists), or NOT_LITERAL."""
    if node is None or depth > _MAX_DEPTH:
        return NOT_LITERAL
    kind = node.type
    if kind == "number_literal":
        return _number(text(node))
    if kind in ("true", "false"):
        return kind == "true"
    if kind == "string_literal":
        return "".join(text(c) for c in node.named_children if c.type == "string_content")
    if kind == "char_literal":
        return text(node)[1:-1]
    if kind == "concatenated_string":
        parts = [literal(c, depth + 1) for c in node.named_children]
        return "".join(parts) if all(isinstance(p, str) for p in parts) else NOT_LITERAL
    if kind in ("parenthesized_expression", "compound_literal_expression"):
        inner = node.child_by_field_name("value") if kind == "compound_literal_expression" else \
            (node.named_children[0] if node.named_child_count == 1 else None)
        return literal(inner, depth + 1)
    if kind == "unary_expression":
        value = literal(node.child_by_field_name("argument"), depth + 1)
        op = text(node.child_by_field_name("operator"))
        return -value if op == "-" and _is_num(value) else value if op == "+" and _is_num(value) else NOT_LITERAL
    if kind == "binary_expression":
        return _arithmetic(node, depth)
    if kind == "initializer_list":
        return _brace_list(node, depth)
    if kind == "call_expression":
        return _math_call(node, depth)
    return NOT_LITERAL


_MATH: dict[str, Callable[..., float]] = {
    "log": math.log, "log10": math.log10, "log2": math.log2, "exp": math.exp, "sqrt": math.sqrt,
    "pow": lambda base, exponent: base**exponent if abs(exponent) <= 400 and abs(base) <= 1e6 else math.nan,
}


def _math_call(node: Node, depth: int) -> Any:
    """`std::log(1e-5)`, `std::pow(10.0, -3)` on literal numbers (bounds written that way)."""
    name = _plain(text(node.child_by_field_name("function")))
    function = _MATH.get(name.removeprefix("std::"))
    args = [literal(a, depth + 1) for a in _positional(node)]
    if function is None or not args or not all(_is_num(a) for a in args):
        return NOT_LITERAL
    try:
        value = function(*args)
    except (ArithmeticError, ValueError, TypeError):
        return NOT_LITERAL
    return value if isinstance(value, float) and math.isfinite(value) else NOT_LITERAL


def _brace_list(node: Node, depth: int) -> Any:
    children = [c for c in node.named_children if c.type != "comment"]
    if children and all(c.type == "initializer_pair" for c in children):
        pairs = {text(c.child_by_field_name("designator")).lstrip("."): literal(c.child_by_field_name("value"), depth + 1)
                 for c in children}
        return NOT_LITERAL if any(v is NOT_LITERAL for v in pairs.values()) else pairs
    items = [literal(c, depth + 1) for c in children]
    return NOT_LITERAL if any(v is NOT_LITERAL for v in items) else items


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(source: str) -> Any:
    """`1e-3f`, `64u`, `1'000`, `0x40`, `-5.0`: C++ number spellings to Python numbers."""
    source = source.replace("'", "").lower()
    try:
        if source.lstrip("+-").startswith(("0x", "0b")) and "." not in source and "p" not in source:
            return int(source.rstrip("ul"), 0)
        stripped = source.rstrip("ulzf") if not source.lstrip("+-").startswith("0x") else source
        if re.fullmatch(r"[+-]?\d+", stripped):
            return int(stripped)
        return float(stripped)
    except ValueError:
        return NOT_LITERAL


def _arithmetic(node: Node, depth: int) -> Any:
    left = literal(node.child_by_field_name("left"), depth + 1)
    right = literal(node.child_by_field_name("right"), depth + 1)
    if not (_is_num(left) and _is_num(right)):
        return NOT_LITERAL
    op = text(node.child_by_field_name("operator"))
    try:
        result = {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
                  "/": lambda: left / right}.get(op)
        return result() if result is not None else NOT_LITERAL
    except (ArithmeticError, ValueError):
        return NOT_LITERAL


def _values(value: Any) -> list[Any] | None:
    """A brace list of two or more distinct scalars (a grid dimension), else None."""
    if not isinstance(value, list) or len(value) < 2:
        return None
    if any(isinstance(v, (list, dict)) for v in value):
        return None
    items = [scalar(v) for v in value]
    return items if len(set(map(repr, items))) >= 2 else None


# ---- tree helpers ----------------------------------------------------------------------------------


def _same(a: Node | None, b: Node | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a.id == b.id)


def _function_of(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type not in _FUNCTIONS:
        parent = parent.parent
    return parent


def _enclosing_loop(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type not in _FUNCTIONS:
        if parent.type in _LOOPS:
            return parent
        parent = parent.parent
    return None


def _statement_of(node: Node) -> Node:
    """The declaration or expression statement holding `node` (a designated `.lr = x` stays itself)."""
    current = node
    while current.parent is not None and current.type not in (
            "declaration", "expression_statement", "field_declaration", "return_statement", "initializer_pair"):
        current = current.parent
    return current if current.parent is not None else node


def _target_names(target: Node) -> list[str]:
    if target.type == "identifier":
        return [text(target)]
    if target.type in ("reference_declarator", "pointer_declarator", "structured_binding_declarator"):
        names: list[str] = []
        for child in target.named_children:
            names += _target_names(child)
        return names
    return []


def _positional(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    return [c for c in arguments.named_children if c.type != "comment"] if arguments is not None else []


def _root_identifier(node: Node) -> str | None:
    """The variable an expression reads: `lr`, `(float)lr`, `static_cast<float>(lr)`, `cfg.lr`."""
    for _ in range(_MAX_RESOLVE + 2):
        if node.type == "identifier":
            return text(node)
        if node.type in ("cast_expression", "parenthesized_expression"):
            node = node.child_by_field_name("value") or node.named_children[-1]
        elif node.type == "call_expression" and "cast" in text(node.child_by_field_name("function")):
            args = _positional(node)
            if len(args) != 1:
                return None
            node = args[0]
        elif node.type == "field_expression":
            node = node.child_by_field_name("argument")
        else:
            return None
    return None


def _flows(body: Node, names: list[str]) -> set[str]:
    """Loop variables handed on as a hyperparameter: `opts.lr = x`, `.lr(x)`, `{.gamma = x}`, `double lr = x`."""
    wanted, found = set(names), set()
    cursor = QueryCursor(cpp_query(_FLOW_QUERY))
    cursor.set_byte_range(body.start_byte, body.end_byte)
    for _, match in cursor.matches(body):
        key, value = match["key"][0], match["value"][0]
        key_name = literal(key) if key.type == "string_literal" else text(key)
        if isinstance(key_name, str) and is_cpp_hyperparameter(key_name):
            root = _root_identifier(value)
            if root in wanted:
                found.add(root)
    return found


def _grid_hps(dims: list[tuple[str, list[Any] | None]]) -> list[Hyperparameter]:
    return [Hyperparameter(name=n, space=SearchSpace(type=SpaceType.GRID, values=v)) for n, v in dims]


# ---- library searches (catalog rows) ------------------------------------------------------------


@cache
def _api_index() -> dict[str, list[Api]]:
    table: dict[str, list[Api]] = {}
    for api in CPP_APIS:
        table.setdefault(_short(api), []).append(api)
    return table


def _short(api: Api) -> str:
    """The name a C++ row's call ends with: `HyperParameterTuner().Optimize` -> Optimize."""
    return api.call.rsplit("::", 1)[-1].rsplit(".", 1)[-1].removesuffix("()")


def _name_matches(cpp: CppFile, written: str, pattern: str, requires: tuple[str, ...]) -> bool:
    """`find_min_global` (with the library in use), `dlib::find_min_global`, `mlpack::hpt::HyperParameterTuner`."""
    parts, want = _plain(written).split("::"), pattern.split("::")
    if parts[-1] != want[-1]:
        return False
    uses = not requires or any(r in cpp.libraries for r in requires)
    if len(parts) == 1:
        return uses
    regex = re.escape(pattern).replace(r"::\*\*::", r"::(?:\w+::)*")
    return bool(re.fullmatch(regex, "::".join(parts))) or (uses and "**" in want)


class LibrarySearches:
    def __init__(self, cpp: CppFile) -> None:
        self.cpp = cpp
        self.hits: list[Hit] = []

    def run(self) -> list[Hit]:
        index = _api_index()
        for _, match in QueryCursor(cpp_query(_CALL_QUERY)).matches(self.cpp.root):
            call, function = match["call"][0], match["function"][0]
            head = function.child_by_field_name("field") if function.type == "field_expression" else function
            name = _plain(text(head.child_by_field_name("name") if head is not None and head.type == "template_method"
                               else head)).rsplit("::", 1)[-1]
            for api in index.get(name, ()):
                if self._matches(api, function):
                    self._hits_for(api, call, function)
                    break
        self._declared_objects(index)
        return self.hits

    def _matches(self, api: Api, function: Node) -> bool:
        if "()." in api.call:
            if function.type != "field_expression":
                return False
            owner = api.call.split("().", 1)[0]
            receiver_type = self.cpp.type_of(function.child_by_field_name("argument"))
            return bool(receiver_type) and _name_matches(self.cpp, receiver_type, owner, api.requires)
        return function.type != "field_expression" and _name_matches(self.cpp, text(function), api.call, api.requires)

    def _declared_objects(self, index: dict[str, list[Api]]) -> None:
        """`HyperParameterTuner<...> hpt(0.2, X, y);`: constructed by a declaration, not a call."""
        for decls in self.cpp.declarations.values():
            for decl in decls:
                if decl.type is None or decl.statement.type != "declaration":
                    continue
                written = _plain(text(decl.type))
                for api in index.get(written.rsplit("::", 1)[-1], ()):
                    if "()." not in api.call and _name_matches(self.cpp, written, api.call, api.requires):
                        self._run_hit(api, decl.statement, self._tuner_method(api, decl.type))

    def _hits_for(self, api: Api, call: Node, function: Node) -> None:
        if api.space_shape == "values":
            self._mlpack_optimize(api, call, function)
        elif api.space_shape == "bounds" and api.kind == FindingKind.SEARCH_RUN:
            self._dlib_global(api, call)
        elif api.space_shape == "bounds":
            self._bound_spaces(api, _positional(call)[:2], [])
        else:
            self._run_hit(api, call, None)

    def _run_hit(self, api: Api, node: Node, method: tuple[str, Criterion] | None, budget: str | None = None) -> Hit:
        label, category = method or (api.method, api.category)
        hit = Hit(api.kind, category, api.library, node, f"{api.library} search: {_short(api)}",
                  method=label, api=api.call, confidence=0.95, budget=budget)
        self.hits.append(hit)
        return hit

    # -- mlpack ---------------------------------------------------------------------------------

    def _tuner_method(self, api: Api, type_node: Node | None) -> tuple[str, Criterion] | None:
        """The optimizer named by the tuner's 4th template argument (GridSearch by default)."""
        if api.library != "mlpack" or type_node is None:
            return None
        arguments = next((n for n in _descendants(type_node, "template_argument_list")), None)
        args = [c for c in arguments.named_children] if arguments is not None else []
        optimizer = _plain(text(args[3])).rsplit("::", 1)[-1] if len(args) > 3 else "GridSearch"
        return MLPACK_TUNER_OPTIMIZERS.get(optimizer, (optimizer, Criterion.AUTO_TUNING))

    def _mlpack_optimize(self, api: Api, call: Node, function: Node) -> None:
        field = function.child_by_field_name("field")
        arguments = field.child_by_field_name("arguments") if field is not None else None
        method: tuple[str, Criterion] | None = None
        if arguments is not None and arguments.named_child_count:
            optimizer = _plain(text(arguments.named_children[0])).rsplit("::", 1)[-1]
            method = MLPACK_TUNER_OPTIMIZERS.get(optimizer, (optimizer, Criterion.AUTO_TUNING))
        else:
            receiver = function.child_by_field_name("argument")
            decl = self.cpp.declared(_reference_name(receiver) or "", receiver) if receiver is not None else None
            method = self._tuner_method(api, decl.type if decl is not None else None)
        run = self._run_hit(api, call, method)
        tuned = [a for a in _positional(call) if not _is_fixed(a)]
        targets = _tie_targets(call)
        for position, argument in enumerate(tuned):
            name = text(argument) if argument.type == "identifier" else \
                (_unbest(targets[position]) if position < len(targets) else "?")
            value, decl = self.cpp.resolve(argument)
            values = _values(literal(value))
            space = SearchSpace(type=SpaceType.GRID, values=values) if values is not None else \
                SearchSpace(type=SpaceType.FLOAT if _is_num(literal(value)) else SpaceType.UNKNOWN)
            hp = Hyperparameter(name=name, space=space)
            run.hyperparameters.append(hp)
            where = decl.statement if decl is not None else argument
            self.hits.append(Hit(FindingKind.SEARCH_SPACE, Criterion.AUTO_HAND_TUNING, api.library, where,
                                 f"{api.library} search space", method=run.method, api=api.call, confidence=0.9,
                                 hyperparameters=[hp]))

    # -- dlib ------------------------------------------------------------------------------------

    def _dlib_global(self, api: Api, call: Node) -> None:
        args = _positional(call)
        if args and "thread_pool" in self.cpp.type_of(args[0]):
            args = args[1:]
        if len(args) < 3:
            return
        names = self._objective_names(args[0])
        if names is not None and not any(is_cpp_hyperparameter(n) for n in names if n):
            return  # a global optimiser over something else (a test function, a controller's gains)
        kinds = literal(self.cpp.resolve(args[3])[0]) if len(args) > 3 else None
        run = self._run_hit(api, call, None, budget=_call_budget(api, args))
        run.confidence = 0.95 if names else 0.7
        run.hyperparameters = self._bound_spaces(api, args[1:3], names or [], kinds if isinstance(kinds, list) else None)

    def _bound_spaces(self, api: Api, bounds: list[Node], names: list[str | None],
                      integer: list[Any] | None = None) -> list[Hyperparameter]:
        """One search-space finding per bound vector (lower, upper), each carrying every dimension."""
        resolved = [self.cpp.resolve(b) for b in bounds]
        values = [literal(v) for v, _ in resolved]
        lows, highs = (_as_list(values[0]), _as_list(values[1])) if len(values) == 2 else (None, None)
        count = max(len(lows or []), len(highs or []), len(names))
        hps = []
        for i in range(count):
            is_int = bool(integer[i]) if integer and i < len(integer) else False
            space = SearchSpace(type=SpaceType.INT if is_int else SpaceType.FLOAT,
                                low=number(lows[i]) if lows and i < len(lows) else None,
                                high=number(highs[i]) if highs and i < len(highs) else None)
            hps.append(Hyperparameter(name=(names[i] if i < len(names) else None) or "?", space=space))
        rows_seen: set[int] = set()
        for bound, (_, decl) in zip(bounds, resolved):
            where = decl.statement if decl is not None else bound
            if where.start_point[0] in rows_seen:
                continue
            rows_seen.add(where.start_point[0])
            self.hits.append(Hit(FindingKind.SEARCH_SPACE, Criterion.AUTO_HAND_TUNING, api.library, where,
                                 f"{api.library} search space (bounds)", method=api.method, api=api.call,
                                 confidence=0.9, hyperparameters=list(hps)))
        return hps

    def _objective_names(self, objective: Node) -> list[str | None] | None:
        """Names of the dimensions: the objective's parameters, or for one vector parameter the
        variables its elements are read into (`const double lr = x(0);`). None when unknown."""
        value, _ = self.cpp.resolve(objective)
        if value.type == "identifier":
            value = self.cpp.functions.get(text(value)) or self.cpp.prototypes.get(text(value)) or value
        params = [c for c in _descendants(value, "parameter_list")][:1]
        if not params:
            return None
        declared = [p for p in params[0].named_children if p.type in ("parameter_declaration",
                                                                        "optional_parameter_declaration")]
        names = [next(iter(_target_names(p.child_by_field_name("declarator"))), None)
                 if p.child_by_field_name("declarator") is not None else None for p in declared]
        if len(names) == 1 and names[0] and re.search(r"matrix|vector|column", text(declared[0])):
            body = value.child_by_field_name("body")
            return _element_names(body, names[0]) if body is not None else None
        return names


def _is_fixed(argument: Node) -> bool:
    """mlpack's `Fixed(value)` marks a hyperparameter that is not searched."""
    return argument.type == "call_expression" and \
        _plain(text(argument.child_by_field_name("function"))).endswith("Fixed")


def _element_names(body: Node, vector: str) -> list[str | None] | None:
    """`double lr = x(0); cfg.gamma = x(1);` -> ['lr', 'gamma']."""
    by_index: dict[int, str] = {}
    cursor = QueryCursor(cpp_query(_FLOW_QUERY))
    cursor.set_byte_range(body.start_byte, body.end_byte)
    for _, match in cursor.matches(body):
        key, value = match["key"][0], match["value"][0]
        for element in [value, *_descendants(value, "call_expression"), *_descendants(value, "subscript_expression")]:
            index = _element_index(element, vector)
            if index is not None and key.type != "string_literal":
                by_index.setdefault(index, text(key))
                break
    if not by_index:
        return None
    return [by_index.get(i) for i in range(max(by_index) + 1)]


def _element_index(node: Node, vector: str) -> int | None:
    if node.type == "call_expression" and text(node.child_by_field_name("function")) == vector:
        args = _positional(node)
    elif node.type == "subscript_expression" and text(node.child_by_field_name("argument")) == vector:
        indices = node.child_by_field_name("indices")
        args = list(indices.named_children) if indices is not None else []
    else:
        return None
    index = literal(args[0]) if len(args) == 1 else None
    return index if isinstance(index, int) and not isinstance(index, bool) else None


def _as_list(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return value
    return [value] if _is_num(value) else None


def _call_budget(api: Api, args: list[Node]) -> str | None:
    for entry in api.budget:
        wrapper, _, unit = entry.partition(":")
        for arg in args:
            if arg.type == "call_expression" and _plain(text(arg.child_by_field_name("function"))).endswith(wrapper):
                inner = _positional(arg)
                value = number(literal(inner[0])) if inner else None
                return f"{value:g} {unit}" if value is not None else f"{text(inner[0]) if inner else '?'} {unit}"
    return None


def _tie_targets(call: Node) -> list[str]:
    """`std::tie(bestLambda, bestAlpha) = hpt.Optimize(...)` / `auto [a, b] = ...` -> the names."""
    parent = call.parent
    if parent is None:
        return []
    if parent.type == "assignment_expression" and parent.child_by_field_name("right") == call:
        left = parent.child_by_field_name("left")
        return [text(a) for a in _positional(left)] if left is not None and left.type == "call_expression" else []
    if parent.type == "init_declarator":
        declarator = parent.child_by_field_name("declarator")
        return _target_names(declarator) if declarator is not None else []
    return []


def _unbest(name: str) -> str:
    stripped = re.sub(r"^best_?", "", name)
    return (stripped[:1].lower() + stripped[1:]) if stripped else name


def _descendants(node: Node, node_type: str) -> list[Node]:
    cursor = QueryCursor(cpp_query(f"({node_type}) @n"))
    cursor.set_byte_range(node.start_byte, node.end_byte)
    return [n for n in cursor.captures(node).get("n", []) if n.id != node.id]


# ---- hand-written grids and random search ---------------------------------------------------------


class HandSearches:
    def __init__(self, cpp: CppFile) -> None:
        self.cpp = cpp
        self.hits: list[Hit] = []
        self._loops: dict[int, Hit] = {}

    def run(self) -> list[Hit]:
        for _, match in QueryCursor(cpp_query(_RANGE_FOR_QUERY)).matches(self.cpp.root):
            self._range_loop(match["loop"][0], match["target"][0], match["iter"][0])
        for _, match in QueryCursor(cpp_query(_FOR_QUERY)).matches(self.cpp.root):
            loop = match["loop"][0]
            if not self._counter_sweep(loop):
                self._indexed_grid(loop)
        self._random_search()
        return self.hits

    # -- range-for: `for (double lr : {1e-3, 3e-4})`, `for (auto [lr, bs] : grid)` -----------------

    def _range_loop(self, loop: Node, target: Node, iterable: Node) -> None:
        names = _target_names(target)
        if not names or all(normalized(n) in NOT_HYPERPARAMETERS for n in names):
            return
        value, decl = self.cpp.resolve(iterable)
        fields = self.cpp.struct_fields(_element_type(decl.type)) if decl is not None and decl.type else []
        dims = _dimensions(_named_by_fields(literal(value), fields), names)
        if dims is None and literal(value) is NOT_LITERAL:
            singular = _singular(text(iterable).rsplit(".", 1)[-1].rsplit(">", 1)[-1])
            if len(names) == 1 and singular and is_cpp_hyperparameter(names[0]):
                dims = [(names[0], None)]  # values come from elsewhere (an argument, a file)
            else:
                return
        if dims is None:
            return
        body = loop.child_by_field_name("body")
        if body is not None and _carried(body, lambda n: n.type == "identifier" and text(n) in names):
            return
        flows = _flows(body, [n for n, _ in dims]) if body is not None else set()
        tuned = [(n, v) for n, v in dims if normalized(n) not in NOT_HYPERPARAMETERS
                 and (is_cpp_hyperparameter(n) or n in flows)]
        if not tuned:
            return
        listed = literal(value)  # one configuration per element, whatever its shape
        size = f" ({len(listed)} values)" if isinstance(listed, list) else ""
        self._add_loop(loop, f"hand-written grid over {', '.join(n for n, _ in tuned)}{size}", tuned)
        if decl is not None:
            self._values_definition(decl.statement, tuned)

    # -- index loops: `for (int i = 0; i < 3; ++i) { double lr = lrs[i]; ... }` -----------------------

    def _indexed_grid(self, loop: Node) -> None:
        counter = _counter(loop)
        body = loop.child_by_field_name("body")
        if counter is None or body is None or is_cpp_hyperparameter(counter):
            return  # a hyperparameter-named counter is a sweep (see _counter_sweep)
        cursor = QueryCursor(cpp_query(_SUBSCRIPT_QUERY))
        cursor.set_byte_range(body.start_byte, body.end_byte)
        reads: dict[str, list[Node]] = {}  # array text -> its `array[counter]` reads in this loop
        for _, match in cursor.matches(body):
            owner = _owning_counter_loop(match["sub"][0], counter)
            if text(match["index"][0]) == counter and owner is not None and owner.id == loop.id:
                reads.setdefault(text(match["array"][0]), []).append(match["sub"][0])
        dims: list[tuple[str, list[Any] | None]] = []
        definitions: list[tuple[Node, str, list[Any]]] = []
        for array_text, subscripts in reads.items():
            array = subscripts[0].child_by_field_name("argument")
            value, decl = self.cpp.resolve(array)
            values = _values(literal(value))
            name = _element_name(array_text, subscripts)
            if values is None or name is None or any(n == name for n, _ in dims) or _carried(
                    body, lambda n: n.type == "subscript_expression" and any(n.id == s.id for s in subscripts)):
                continue
            dims.append((name, values))
            if decl is not None:
                definitions.append((decl.statement, name, values))
        if dims:  # arrays read with one index are zipped: as many configurations as the longest
            size = max(len(v or []) for _, v in dims)
            self._add_loop(loop, f"hand-written grid over {', '.join(n for n, _ in dims)} ({size} values)", dims)
            for statement, name, values in definitions:
                self._values_definition(statement, [(name, values)])

    # -- counter sweeps: `for (double lr = 1e-4; lr <= 1e-2; lr *= 10)` --------------------------------

    def _counter_sweep(self, loop: Node) -> bool:
        counter = _counter(loop)
        if counter is None or not is_cpp_hyperparameter(counter):
            return False
        values = _sweep_values(self.cpp, loop, counter)
        if values is None or not 2 <= len(values) <= _MAX_SWEEP:
            return False  # hundreds of steps: a decay schedule inside one run
        self._add_loop(loop, f"hand-written sweep over {counter} ({len(values)} values)", [(counter, values)])
        return True

    # -- random search ------------------------------------------------------------------------

    def _random_search(self) -> None:
        for call, space, declaration in self._samples():
            bound = _binding(call)
            if bound is None:
                continue
            name, statement, wrapper = bound
            if not is_cpp_hyperparameter(name):
                continue
            loop = self._trial_loop(statement)
            if loop is None:
                continue
            space = _transformed(self.cpp, space, call, wrapper)
            hp = Hyperparameter(name=name, space=space)
            self.hits.append(Hit(FindingKind.SEARCH_SPACE, Criterion.HAND_TUNING, HAND, statement,
                                 "hand-written random sampling", method="random search", confidence=0.8,
                                 hyperparameters=[hp]))
            if declaration is not None and declaration.start_point[0] != statement.start_point[0]:
                self.hits.append(Hit(FindingKind.SEARCH_SPACE, Criterion.HAND_TUNING, HAND, declaration,
                                     "hand-written sampling distribution", method="random search",
                                     confidence=0.8, hyperparameters=[hp]))
            existing = self._loops.get(loop.id)
            if existing is None:
                existing = self._add_loop(loop, "hand-written random search", [], method="random search")
            if all(h.name != name for h in existing.hyperparameters):
                existing.hyperparameters.append(hp)

    def _samples(self) -> list[tuple[Node, SearchSpace, Node | None]]:
        """(sampling call, its distribution's space, the distribution's declaration if apart)."""
        found: list[tuple[Node, SearchSpace, Node | None]] = []
        distributions: dict[str, list[Decl]] = {}
        for name, decls in self.cpp.declarations.items():
            kept = [d for d in decls if d.type is not None and _distribution(text(d.type))]
            if kept:
                distributions[name] = kept
        if distributions:
            query = _named_calls_query(tuple(sorted(distributions)))
            for _, match in QueryCursor(query).matches(self.cpp.root):
                call = match["call"][0]
                decl = self.cpp.declared(text(match["f"][0]), call)
                if decl is not None and decl.type is not None and _distribution(text(decl.type)):
                    found.append((call, _distribution_space(text(decl.type), decl.value), decl.statement))
        for _, match in QueryCursor(cpp_query(_CALL_QUERY)).matches(self.cpp.root):
            call, function = match["call"][0], match["function"][0]
            if function.type in ("call_expression", "compound_literal_expression"):
                head = function.child_by_field_name("function") or function.child_by_field_name("type")
                kind = _distribution(text(head))
                if kind:  # a temporary: std::uniform_real_distribution<double>(1e-5, 1e-2)(rng)
                    arguments = function.child_by_field_name("arguments") or function.child_by_field_name("value")
                    found.append((call, _distribution_space(text(head), arguments), None))
            elif _plain(text(function)) in CPP_RANDOM_CALLS:
                found.append((call, SearchSpace(type=SpaceType.FLOAT, distribution=_plain(text(function))), None))
        return found

    def _trial_loop(self, statement: Node) -> Node | None:
        """The loop that repeats the sampling: around it, or around a call of its function; a loop
        over episodes or steps means sampling within one run, not trials."""
        loop = _enclosing_loop(statement)
        if loop is None:
            function = _function_of(statement)
            declarator = function.child_by_field_name("declarator") if function is not None else None
            inner = declarator.child_by_field_name("declarator") if declarator is not None else None
            name = _plain(text(inner)).rsplit("::", 1)[-1] if inner is not None else ""
            if not name or function is None or function.type != "function_definition":
                return None
            loop = next((found for call in self._calls_named(name) if (found := _enclosing_loop(call))), None)
        if loop is None or any(_TIME_LOOP.search(normalized(n)) for n in _loop_names(loop)):
            return None
        return loop

    def _calls_named(self, name: str) -> list[Node]:
        if not re.fullmatch(r"\w+", name):
            return []
        return [m["call"][0] for _, m in QueryCursor(_function_calls_query(name)).matches(self.cpp.root)]

    # -- shared ---------------------------------------------------------------------------------

    def _add_loop(self, loop: Node, label: str, dims: list[tuple[str, list[Any] | None]],
                  method: str = "grid search") -> Hit:
        if loop.id in self._loops:
            return self._loops[loop.id]
        confident = any(is_cpp_hyperparameter(n) for n, _ in dims) or method == "random search"
        hit = Hit(FindingKind.HAND_LOOP, Criterion.HAND_TUNING, HAND, loop, label, method=method,
                  hyperparameters=_grid_hps(dims), confidence=0.85 if confident else 0.75)
        self._loops[loop.id] = hit
        self.hits.append(hit)
        return hit

    def _values_definition(self, statement: Node, dims: list[tuple[str, list[Any] | None]]) -> None:
        """`std::vector<double> lrs = {...};` declared apart from its loop: the space itself."""
        self.hits.append(Hit(FindingKind.SEARCH_SPACE, Criterion.HAND_TUNING, HAND, statement,
                             "hand-written grid values", method="grid search", confidence=0.8,
                             hyperparameters=_grid_hps(dims)))


_STRUCT_QUERY = "[(struct_specifier name: (type_identifier) @name body: (field_declaration_list) @body)" \
    " (class_specifier name: (type_identifier) @name body: (field_declaration_list) @body)]"
_ELEMENT_TYPE = re.compile(r"<\s*(?:const\s+)?(?:[A-Za-z_]\w*::)*([A-Za-z_]\w*)\s*(?:,[^<>]*)?>\s*$")


def _element_type(type_node: Node) -> str:
    """`std::vector<Config>` / `std::array<Config, 4>` -> 'Config' ('' for anything else)."""
    match = _ELEMENT_TYPE.search(text(type_node))
    return match.group(1) if match else ""


def _named_by_fields(value: Any, fields: list[str]) -> Any:
    """`{{3e-4, 0.99}, {.lr = 1e-3, .gamma = 0.95}}` with `struct Config {double lr; double gamma;}`:
    positional entries get the struct's member names, so each entry reads as a config."""
    if not fields or not isinstance(value, list) or not any(isinstance(v, list) for v in value):
        return value
    named = []
    for entry in value:
        if isinstance(entry, list) and len(entry) <= len(fields):
            named.append(dict(zip(fields, entry)))
        elif isinstance(entry, dict):
            named.append(entry)
        else:
            return value
    return named


def _dimensions(value: Any, names: list[str]) -> list[tuple[str, list[Any] | None]] | None:
    """(name, values) per loop variable for a brace list, or None when it is not a set of values."""
    if not isinstance(value, list) or len(value) < 2:
        return None
    if all(isinstance(v, dict) for v in value) and len(names) == 1:  # {{.lr = 1e-3, .gamma = 0.99}, ...}
        keys = list(dict.fromkeys(k for v in value for k in v if is_cpp_hyperparameter(k)))
        dims = [(k, _values([d.get(k) for d in value])) for k in keys]
        return [(k, v) for k, v in dims if v is not None] or None
    if len(names) == 1:
        values = _values(value)
        return [(names[0], values)] if values is not None else None
    if all(isinstance(v, list) and len(v) == len(names) for v in value):
        dims = [(n, _values([row[i] for row in value])) for i, n in enumerate(names)]
        return dims if any(v is not None for _, v in dims) else None
    return None


def _counter(loop: Node) -> str | None:
    """The variable a classic for loop declares or assigns in its initializer."""
    initializer = loop.child_by_field_name("initializer")
    if initializer is None:
        return None
    if initializer.type == "declaration":
        declarator = initializer.child_by_field_name("declarator")
        target = declarator.child_by_field_name("declarator") if declarator is not None and \
            declarator.type == "init_declarator" else declarator
        return text(target) if target is not None and target.type == "identifier" else None
    if initializer.type == "assignment_expression":
        left = initializer.child_by_field_name("left")
        return text(left) if left is not None and left.type == "identifier" else None
    return None


def _loop_names(loop: Node) -> list[str]:
    """Names a loop iterates or tests: its variable(s) and the words of its bound or iterable."""
    if loop.type == "for_range_loop":
        target, iterable = loop.child_by_field_name("declarator"), loop.child_by_field_name("right")
        return (_target_names(target) if target is not None else []) + \
            (sorted(identifiers_in(iterable)) if iterable is not None else [])
    counter = _counter(loop) if loop.type == "for_statement" else None
    condition = loop.child_by_field_name("condition")
    return ([counter] if counter else []) + (sorted(identifiers_in(condition)) if condition is not None else [])


def _element_name(array: str, subscripts: list[Node]) -> str | None:
    """The hyperparameter an array's elements are: the name they are bound to (`double lr = lrs[i]`),
    else what the array's plural name says (`kLearningRates` -> learning_rate); None when neither
    is a hyperparameter (`in_features = layer_sizes[i]`)."""
    bound = [b for b in (_bound_name(s) for s in subscripts) if b]
    if bound:
        return next((b for b in bound if is_cpp_hyperparameter(b)), None)
    return _singular(array)


def _carried(body: Node, is_element: Callable[[Node], bool]) -> bool:
    """`in_features = width;` as a plain statement of the loop body: each value feeds the next
    iteration (stacking layers), so the values make one architecture, not alternatives."""
    for statement in body.named_children:
        expression = statement.named_children[0] if statement.type == "expression_statement" and \
            statement.named_child_count else None
        if expression is None or expression.type != "assignment_expression" or \
                text(expression.child_by_field_name("operator")) != "=":
            continue
        left, right = expression.child_by_field_name("left"), expression.child_by_field_name("right")
        if left is not None and left.type == "identifier" and right is not None and is_element(right):
            return True
    return False


def _owning_counter_loop(node: Node, counter: str) -> Node | None:
    """The innermost enclosing for loop that declares `counter` (inner loops may reuse `i`)."""
    loop = _enclosing_loop(node)
    while loop is not None and not (loop.type == "for_statement" and _counter(loop) == counter):
        loop = _enclosing_loop(loop)
    return loop


def _bound_name(node: Node) -> str | None:
    """The name a value is given: `double lr = v`, `cfg.lr = v`, `.lr(v)`, `{.lr = v}`, through casts."""
    current = node
    for _ in range(4):
        parent = current.parent
        if parent is None:
            return None
        if parent.type == "init_declarator" and parent.child_by_field_name("value") == current:
            return _reference_name(parent.child_by_field_name("declarator")) or None
        if parent.type == "assignment_expression" and parent.child_by_field_name("right") == current:
            left = parent.child_by_field_name("left")
            if left is not None and left.type == "field_expression":
                return text(left.child_by_field_name("field"))
            if left is not None and left.type == "subscript_expression":
                key = literal(left.child_by_field_name("indices").named_children[0]) \
                    if left.child_by_field_name("indices") is not None and \
                    left.child_by_field_name("indices").named_child_count else None
                return key if isinstance(key, str) else None
            return text(left) if left is not None and left.type == "identifier" else None
        if parent.type == "initializer_pair":
            return text(parent.child_by_field_name("designator")).lstrip(".") or None
        if parent.type == "argument_list" and parent.parent is not None:
            function = parent.parent.child_by_field_name("function")
            if function is not None and function.type == "field_expression" and len(_positional(parent.parent)) == 1:
                return _setter(text(function.child_by_field_name("field")))
            if function is None or not _CASTS.search(text(function)):
                return None
            current = parent.parent  # static_cast<int>(v), float(v)
            continue
        if parent.type not in ("cast_expression", "parenthesized_expression"):
            return None
        current = parent
    return None


def _setter(method: str) -> str:
    """`set_learning_rate` -> learning_rate, `setGamma` -> gamma, `lr` (a builder method) -> lr."""
    match = re.match(r"set_?([A-Za-z]\w*)$", method)
    if match is None or not (method.startswith("set_") or method[3:4].isupper()):
        return method
    name = match.group(1)
    return name[:1].lower() + name[1:]


def _sweep_values(cpp: CppFile, loop: Node, counter: str) -> list[Any] | None:
    """The values a counter loop steps through, when start, bound and step are literal."""
    initializer, condition, update = (loop.child_by_field_name(f) for f in ("initializer", "condition", "update"))
    if initializer is None or condition is None or update is None:
        return None
    declarator = initializer.child_by_field_name("declarator")
    start = _numeric(cpp, declarator.child_by_field_name("value") if declarator is not None
                     else initializer.child_by_field_name("right"))
    if condition.type != "binary_expression" or text(condition.child_by_field_name("left")) != counter:
        return None
    op, bound = text(condition.child_by_field_name("operator")), _numeric(cpp, condition.child_by_field_name("right"))
    step = _step(cpp, update, counter)
    if start is None or bound is None or step is None:
        return None
    return _generate(start, bound, op, step)


def _numeric(cpp: CppFile, node: Node | None) -> float | None:
    if node is None:
        return None
    value, _ = cpp.resolve(node)
    result = literal(value)
    return float(result) if _is_num(result) else None


def _step(cpp: CppFile, update: Node, counter: str) -> tuple[str, float] | None:
    """`lr *= 10` -> ('*', 10); `++bs` -> ('+', 1); `lr = lr * 2` -> ('*', 2)."""
    if update.type == "update_expression" and text(update.child_by_field_name("argument")) == counter:
        return ("+", 1.0) if "++" in text(update) else ("-", 1.0)
    if update.type != "assignment_expression" or text(update.child_by_field_name("left")) != counter:
        return None
    op = text(update.child_by_field_name("operator"))
    right = update.child_by_field_name("right")
    if op in ("*=", "/=", "+=", "-="):
        amount = _numeric(cpp, right)
        return (op[0], amount) if amount is not None else None
    if op == "=" and right is not None and right.type == "binary_expression" and \
            text(right.child_by_field_name("left")) == counter:
        amount = _numeric(cpp, right.child_by_field_name("right"))
        inner = text(right.child_by_field_name("operator"))
        return (inner, amount) if amount is not None and inner in "*/+-" else None
    return None


def _generate(start: float, bound: float, op: str, step: tuple[str, float]) -> list[Any] | None:
    kind, amount = step
    apply = {"*": lambda v: v * amount, "/": lambda v: v / amount if amount else v,
             "+": lambda v: v + amount, "-": lambda v: v - amount}[kind]
    holds = {"<": lambda v: v < bound, "<=": lambda v: v <= bound * (1 + 1e-9),
             ">": lambda v: v > bound, ">=": lambda v: v >= bound * (1 - 1e-9), "!=": lambda v: v != bound}.get(op)
    if holds is None:
        return None
    values: list[Any] = []
    current = start
    while holds(current):
        values.append(int(current) if float(current).is_integer() and abs(current) >= 1 else float(f"{current:.6g}"))
        following = apply(current)
        if len(values) > _MAX_SWEEP or following == current:
            return values if following != current else None
        current = following
    return values


def _distribution(written: str) -> str | None:
    """The space type of a `<random>` distribution type name, else None."""
    return CPP_DISTRIBUTIONS.get(_plain(written).rsplit("::", 1)[-1])


def _distribution_space(written: str, arguments: Node | None) -> SearchSpace:
    kind = _distribution(written) or "float"
    args = [literal(a) for a in arguments.named_children] if arguments is not None else []
    name = "std::" + _plain(written).rsplit("::", 1)[-1]
    if kind == "bool":
        return SearchSpace(type=SpaceType.CATEGORICAL, choices=[False, True], distribution=name)
    if kind in ("normal", "index"):
        return SearchSpace(type=SpaceType.FLOAT if kind == "normal" else SpaceType.INT, distribution=name)
    low = number(args[0]) if args else (0.0 if kind == "float" else None)
    high = number(args[1]) if len(args) > 1 else (1.0 if kind == "float" and not args else None)
    return SearchSpace(type=SpaceType.INT if kind == "int" else SpaceType.FLOAT, low=low, high=high, distribution=name)


def _binding(call: Node) -> tuple[str, Node, Node | None] | None:
    """What a sampled value is bound to: (name, statement, the wrapper it went through:
    `std::pow(10, ...)`, `choices[...]`), or None when it is compared or discarded."""
    node, wrapper = call, None
    for _ in range(8):
        parent = node.parent
        if parent is None:
            return None
        if parent.type == "subscript_argument_list" and parent.parent is not None:
            wrapper, node = parent.parent, parent.parent
            continue
        if parent.type == "argument_list" and parent.parent is not None and \
                _WRAPPERS.search(text(parent.parent.child_by_field_name("function"))):
            wrapper = wrapper or parent.parent
            node = parent.parent
            continue
        if parent.type in ("init_declarator", "assignment_expression", "initializer_pair", "argument_list"):
            name = _bound_name(node)
            return (name, _statement_of(node), wrapper) if name else None
        if parent.type not in ("binary_expression", "parenthesized_expression", "cast_expression", "unary_expression"):
            return None
        node = parent
    return None


def _transformed(cpp: CppFile, space: SearchSpace, call: Node, wrapper: Node | None) -> SearchSpace:
    """Space seen through its wrapper: `std::pow(10, U(-5, -2))` is log-uniform in [1e-5, 1e-2];
    `sizes[pick(rng)]` picks among the listed sizes."""
    if wrapper is None:
        return space
    if wrapper.type == "subscript_expression":
        value, _ = cpp.resolve(wrapper.child_by_field_name("argument"))
        items = literal(value)
        choices = [scalar(v) for v in items] if isinstance(items, list) and not any(
            isinstance(v, (list, dict)) for v in items) else None
        return SearchSpace(type=SpaceType.CATEGORICAL, choices=choices, distribution=space.distribution)
    function = text(wrapper.child_by_field_name("function"))
    args = _positional(wrapper)
    base = number(literal(args[0])) if function.endswith("pow") and len(args) == 2 else \
        2.0 if function.endswith("exp2") else math.e if function.endswith("exp") else None
    if base and space.low is not None and space.high is not None and max(abs(space.low), abs(space.high)) <= 400:
        low, high = (float(f"{base**bound:.12g}") for bound in (space.low, space.high))  # exp(log(x)) noise
        return space.model_copy(update={"low": low, "high": high, "log": True})
    return space


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


def group_cpp_hits(cpp: CppFile, hits: list[Hit]) -> list[list[int]]:
    """Hits grouped by site: one per function, joined when one function calls another's (a trial
    loop in main calling a sampler in `sample_config`)."""
    owners = [_owner(h.node) for h in hits]
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
    return sorted(clusters.values(), key=lambda c: min(hits[i].node.start_byte for i in c))


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
    report = FileReport(path=document.path, language=document.language, lines=len(cpp.lines) if source else 0)
    report.errors += syntax_errors(cpp, document)
    hits = LibrarySearches(cpp).run() + HandSearches(cpp).run()
    if assemble(report, document, cpp, hits, settings, lambda kept: group_cpp_hits(cpp, kept), _SUPPRESS):
        report.rl_context = cpp_context(cpp)
    return report


__all__ = ["CppFile", "analyze_cpp", "is_cpp_hyperparameter", "literal", "normalized"]
