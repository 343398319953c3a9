"""YAML and JSON configs: searches defined in config files, and files of tuned values.

`sweep-config` (auto-tuning): hydra sweepers (DEHB, PBT/PB2, Optuna, Ax, nevergrad, SMAC,
the basic sweeper's `params`), standalone ConfigSpace search spaces, W&B sweep files, Ray
Tune/RLlib experiments with `grid_search`, Polyaxon `matrix` (v1) and `hptuning` (v0).
`tuned-config` (parameterization): rl-baselines3-zoo style `hyperparams/*.yml`, env ids
mapping to hyperparameter blocks.

The text is *composed*, never constructed, by ruamel.yaml: no tag can build an object, an
alias stays one shared node (a "billion laughs" file is never expanded), and every key
keeps its position. JSON goes through the same path (JSON is YAML 1.2 flow syntax).
"""

from __future__ import annotations

import math
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml import nodes as ynodes
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from hptlens.analysis.assembly import HASH_SUPPRESS
from hptlens.analysis.sites import describe_hyperparameter, make_site
from hptlens.documents import Document
from hptlens.report import (
    ConfigRef,
    Criteria,
    Criterion,
    FileError,
    FileReport,
    Finding,
    FindingKind,
    Hyperparameter,
    JsonScalar,
    Language,
    Range,
    RLContext,
    SearchSpace,
    SpaceType,
)
from hptlens.settings import Settings

CONFIG_MAX_BYTES = 1024 * 1024
"""ruamel composes about 0.25 MB/s; a sweep config is a few KiB, a bigger file is data."""
MAX_EXPANDED_NODES = 100_000
"""Aliases that would expand a document beyond this many nodes are reported (not expanded)."""
MAX_DEPTH = 100
MAX_DUPLICATE_ERRORS = 5
MAX_DOCUMENTS = 50

# A JSON file is only composed when it mentions one of these: most JSON in a repository is
# data or tooling (package.json, schemas, ground truth), and composing it is slow.
_JSON_MARKERS = re.compile(
    r'"(sweeper|grid_search|parameters|matrix|hptuning|n_timesteps|hyperparameters|defaults)"')

SWEEP = FindingKind.SWEEP_CONFIG
TUNED = FindingKind.TUNED_CONFIG
AUTO = Criterion.AUTO_TUNING
PARAM = Criterion.PARAMETERIZATION


# --------------------------------------------------------------------------- the tree


@dataclass(eq=False)
class Key:
    text: str
    line: int
    column: int


@dataclass(eq=False)
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
    """ruamel nodes -> Nodes; memoised by identity, so an alias is converted once."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.memo: dict[int, Node] = {}
        self.aliased = False
        self.errors: list[FileError] = []
        self.duplicates = 0

    def build(self, raw: ynodes.Node, depth: int = 0) -> Node:
        known = self.memo.get(id(raw))
        if known is not None:
            self.aliased = True
            return known
        if depth > MAX_DEPTH:
            raise _TooDeep(raw.start_mark.line + 1)
        end_line, end_column = self._end(raw)
        node = Node(kind="scalar", line=raw.start_mark.line + 1, column=raw.start_mark.column + 1,
                    end_line=end_line, end_column=end_column)
        self.memo[id(raw)] = node  # before the children: a recursive alias finds it
        if isinstance(raw, ynodes.MappingNode):
            node.kind = "map"
            self._fill_map(node, raw, depth)
        elif isinstance(raw, ynodes.SequenceNode):
            node.kind = "seq"
            node.items = [self.build(item, depth + 1) for item in raw.value]
        else:
            node.value = _scalar(raw)
        return node

    def _duplicate(self, key: Key, first: Key) -> None:
        self.duplicates += 1
        if self.duplicates <= MAX_DUPLICATE_ERRORS:  # one per key would flood a generated file's report
            self.errors.append(FileError(
                code="malformed", line=key.line,
                message=f"duplicate key '{key.text}' at line {key.line} (first at line {first.line}); "
                        "the later value is used"))

    def finish(self) -> list[FileError]:
        extra = self.duplicates - MAX_DUPLICATE_ERRORS
        if extra > 0:
            return [*self.errors, FileError(code="malformed", message=f"{extra} more duplicate keys")]
        return self.errors

    def _end(self, raw: ynodes.Node) -> tuple[int, int]:
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

    def _fill_map(self, node: Node, raw: ynodes.MappingNode, depth: int) -> None:
        merges: list[Node] = []
        for raw_key, raw_value in raw.value:
            if raw_key.tag == "tag:yaml.org,2002:merge":
                merges.append(self.build(raw_value, depth + 1))
                continue
            key = Key(text=_key_text(raw_key), line=raw_key.start_mark.line + 1,
                      column=raw_key.start_mark.column + 1)
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


def _key_text(raw: ynodes.Node) -> str:
    if isinstance(raw, ynodes.ScalarNode):
        return str(raw.value)
    return "<complex key>"


_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)")


def _scalar(raw: ynodes.Node) -> JsonScalar:
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
        for count, raw in enumerate(YAML(typ="rt", pure=True).compose_all(text)):
            if count >= MAX_DOCUMENTS:
                builder.errors.append(FileError(code="malformed", message=f"more than {MAX_DOCUMENTS} "
                                                "YAML documents; the rest were not analysed"))
                break
            if raw is not None:
                roots.append(builder.build(raw))
    except _TooDeep as exc:
        return Loaded(roots, [*builder.finish(), _too_deep(int(str(exc.args[0])))])
    except RecursionError:
        return Loaded(roots, [*builder.finish(), _too_deep(None)])
    except ReaderError as exc:  # control characters, binary junk
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        return Loaded(roots, [*builder.finish(), FileError(
            code="malformed", line=line,
            message=f"not {kind} text: unacceptable character #x{_code(exc.character):04x} at line {line}")])
    except MarkedYAMLError as exc:
        return Loaded(roots, [*builder.finish(), _marked(exc, kind)])
    except YAMLError as exc:
        return Loaded(roots, [*builder.finish(), FileError(code="malformed", message=f"invalid {kind}: {exc}")])
    errors = builder.finish()
    if builder.aliased:
        errors += _expansion_errors(roots)
    return Loaded(roots, errors)


def _code(character: object) -> int:
    return character if isinstance(character, int) else ord(str(character)[:1] or "\0")


def _too_deep(line: int | None) -> FileError:
    return FileError(code="malformed", line=line,
                     message=f"nested deeper than {MAX_DEPTH} levels; not analysed as a config")


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
                return [FileError(code="malformed", line=node.line,
                                  message="recursive YAML alias (a node contains itself); it was not expanded")]
            state[id(node)] = 1
            stack.append((node, True))
            stack.extend((c, False) for c in _children(node) if state.get(id(c)) != 2)
        if sizes.get(id(root), 0) > MAX_EXPANDED_NODES:
            return [FileError(code="malformed", line=root.line,
                              message=f"YAML aliases would expand this document to more than "
                                      f"{MAX_EXPANDED_NODES} nodes (a 'billion laughs' pattern); "
                                      "they were not expanded")]
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


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            parsed = float(value.replace("_", ""))
        except ValueError:
            return None
        return parsed if math.isfinite(parsed) else None
    return None


def _is_int(*values: Any) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(isinstance(v, int) and not isinstance(v, bool) for v in present)


def _flag(node: Node | None) -> bool:
    return node is not None and node.value is True


def bounded(low: Any, high: Any, *, log: bool = False, step: Any = None, integer: bool | None = None,
            distribution: str | None = None) -> SearchSpace:
    if integer is None:
        integer = _is_int(low, high)
    return SearchSpace(type=SpaceType.INT if integer else SpaceType.FLOAT, low=number(low), high=number(high),
                       log=log, step=number(step), distribution=distribution)


def categorical(choices: list[JsonScalar] | None, distribution: str | None = None) -> SearchSpace:
    return SearchSpace(type=SpaceType.CATEGORICAL, choices=choices, distribution=distribution)


# ---- hydra's override grammar: choice(...), range(...), interval(...), tag(log, ...), a,b,c

_TOKEN = re.compile(r"""\s*(?:(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?P<punct>[(),\[\]{}=:])"""
                    r"""|(?P<word>[^\s(),\[\]{}=:'"]+))""")


@dataclass
class _Call:
    name: str
    args: list[Any]
    kwargs: dict[str, Any]


class _OverrideParser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                if text[pos:].strip():
                    raise ValueError("unexpected character")
                break
            pos = match.end()
            kind = match.lastgroup or "word"
            self.tokens.append((kind, match.group(kind)))
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise ValueError("unexpected end")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise ValueError(f"expected {expected}")
        self.pos += 1
        return token

    def sweep(self) -> list[Any]:
        values = [self.value()]
        while self.peek() == ",":
            self.take(",")
            values.append(self.value())
        if self.pos != len(self.tokens):
            raise ValueError("trailing text")
        return values

    def value(self) -> Any:
        kind, token = self.take()
        if kind == "str":
            return token[1:-1]
        if token == "[":
            return self._sequence("]")
        if token == "{":
            self._sequence("}")
            return "{...}"
        if kind == "word" and self.peek() == "(":
            self.take("(")
            return self._call(token)
        if kind != "word":
            raise ValueError(f"unexpected {token}")
        return _primitive(token)

    def _sequence(self, close: str) -> list[Any]:
        out: list[Any] = []
        while self.peek() != close:
            out.append(self.value())
            if self.peek() == ":":  # dict entry: keep the value
                self.take(":")
                out[-1] = self.value()
            if self.peek() == ",":
                self.take(",")
        self.take(close)
        return out

    def _call(self, name: str) -> _Call:
        call = _Call(name, [], {})
        while self.peek() != ")":
            if self.pos + 1 < len(self.tokens) and self.tokens[self.pos + 1][1] == "=" \
                    and self.tokens[self.pos][0] == "word":
                keyword = self.take()[1]
                self.take("=")
                call.kwargs[keyword] = self.value()
            else:
                call.args.append(self.value())
            if self.peek() == ",":
                self.take(",")
        self.take(")")
        return call


def _primitive(token: str) -> JsonScalar:
    lowered = token.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if re.fullmatch(r"[-+]?\d+", token):
        return int(token)
    value = number(token)
    return value if value is not None and re.fullmatch(r"[-+]?[\d.]+(e[-+]?\d+)?", lowered) else token


def override_space(text: str) -> SearchSpace | None:
    """The domain of a hydra sweep override (`choice(a,b)`, `range(1,5)`, `a,b,c`), or None if fixed."""
    if not any(c in text for c in "(,") or "${" in text:
        return None
    try:
        values = _OverrideParser(text).sweep()
    except (ValueError, IndexError):
        return None
    if len(values) > 1:
        return categorical([v if not isinstance(v, (list, _Call)) else str(v) for v in values], "choice")
    return _call_space(values[0]) if isinstance(values[0], _Call) else None


def _call_space(call: _Call) -> SearchSpace | None:
    name = call.name
    if name in ("int", "float") and call.args and isinstance(call.args[0], _Call):
        inner = _call_space(call.args[0])
        if inner is not None and inner.type in (SpaceType.INT, SpaceType.FLOAT):
            inner.type = SpaceType.INT if name == "int" else SpaceType.FLOAT
        return inner
    if name in ("shuffle", "sort", "str", "bool") and call.args:
        inner_call = call.args[-1]
        return _call_space(inner_call) if isinstance(inner_call, _Call) else \
            categorical([v for v in call.args if not isinstance(v, _Call)], name)
    if name == "tag" and call.args and isinstance(call.args[-1], _Call):
        inner = _call_space(call.args[-1])
        if inner is not None and "log" in [str(t) for t in call.args[:-1]]:
            inner.log = True
        return inner
    if name == "choice":
        return categorical([v if not isinstance(v, (list, _Call)) else str(v) for v in call.args], "choice")
    if name == "range":
        args = [*call.args, None, None, None][:3]
        start = call.kwargs.get("start", args[0])
        stop = call.kwargs.get("stop", args[1])
        step = call.kwargs.get("step", args[2] if args[2] is not None else 1)
        return bounded(start, stop, step=step, integer=_is_int(start, stop, step), distribution="range")
    if name == "interval":
        args = [*call.args, None, None][:2]
        return bounded(call.kwargs.get("start", args[0]), call.kwargs.get("end", args[1]), integer=False,
                       distribution="interval")
    if name == "glob":
        return categorical(None, "glob")
    return None


# ---- mapping-shaped dimensions of the various formats

_CONFIGSPACE_TYPES = frozenset({"uniform_float", "uniform_int", "normal_float", "normal_int", "beta_float",
                                "beta_int", "categorical", "ordinal", "constant"})
_TYPED = _CONFIGSPACE_TYPES | {"float", "int", "range", "choice", "fixed", "integer"}


def typed_space(spec: Node) -> SearchSpace | None:
    """`{type: ..., ...}`: ConfigSpace, hydra-optuna 1.1 `search_space`, Ax `parameters`."""
    kind = (spec.text("type") or "").lower()
    if kind in ("constant", "fixed") or kind not in _TYPED:
        return None
    if kind in ("categorical", "choice", "ordinal"):
        choices = items_of(spec.get("choices")) or items_of(spec.get("values")) or items_of(spec.get("sequence"))
        return categorical(choices, kind)
    if kind.startswith(("normal", "beta")):
        return SearchSpace(type=SpaceType.INT if kind.endswith("int") else SpaceType.FLOAT, distribution=kind,
                           low=number(plain(spec.get("lower"))), high=number(plain(spec.get("upper"))),
                           log=_flag(spec.get("log")))
    low, high = plain(spec.get("low")), plain(spec.get("high"))
    if low is None and high is None:
        low, high = plain(spec.get("lower")), plain(spec.get("upper"))
    bounds = items_of(spec.get("bounds"))
    if bounds is not None and len(bounds) == 2:
        low, high = bounds
    integer = kind in ("int", "uniform_int", "integer") or spec.text("value_type") == "int" or (
        kind == "range" and _is_int(low, high))
    log = _flag(spec.get("log")) or _flag(spec.get("log_scale"))
    step = plain(spec.get("step")) if spec.get("step") is not None else plain(spec.get("q"))
    return bounded(low, high, log=log, step=step, integer=integer, distribution=kind)


def nevergrad_space(spec: Node) -> SearchSpace | None:
    """`{lower, upper, log, integer}` or `{init, step, log}` (hydra-nevergrad's parametrization)."""
    if spec.get("lower") is None and spec.get("upper") is None and spec.get("init") is None:
        return None
    integer = _flag(spec.get("integer"))
    return bounded(plain(spec.get("lower")), plain(spec.get("upper")), log=_flag(spec.get("log")),
                   step=plain(spec.get("step")), integer=integer or None, distribution="nevergrad scalar")


def hydra_space(value: Node) -> SearchSpace | None:
    """A hydra sweeper `params`/`parametrization` entry: override string, list or dict."""
    if value.kind == "scalar":
        return override_space(value.value) if isinstance(value.value, str) else None
    if value.is_seq:
        return categorical(items_of(value), "choice")
    return typed_space(value) or nevergrad_space(value)


def wandb_space(spec: Node) -> SearchSpace | None:
    if not spec.is_map:
        return None
    distribution = spec.text("distribution")
    if spec.get("values") is not None:
        space = categorical(items_of(spec.get("values")), distribution)
    elif spec.get("min") is not None or spec.get("max") is not None:
        low, high = plain(spec.get("min")), plain(spec.get("max"))
        if distribution == "log_uniform" and number(low) is not None and number(high) is not None:
            low, high = math.exp(number(low) or 0.0), math.exp(number(high) or 0.0)  # natural-log bounds
        integer = _is_int(low, high) or bool(distribution and "int" in distribution)
        space = bounded(low, high, log=bool(distribution and "log" in distribution), step=plain(spec.get("q")),
                        integer=integer, distribution=distribution)
    elif spec.get("mu") is not None or spec.get("sigma") is not None:
        space = SearchSpace(type=SpaceType.FLOAT, distribution=distribution or "normal")
    else:
        return None  # {value: x} is a constant
    return space


_POLYAXON_KINDS = frozenset({"choice", "pchoice", "range", "linspace", "logspace", "geomspace", "uniform",
                             "quniform", "loguniform", "qloguniform", "normal", "qnormal", "lognormal",
                             "qlognormal", "daterange", "datetimerange"})
_POLYAXON_V0 = {"values": "choice", "pvalues": "pchoice", **{k: k for k in _POLYAXON_KINDS}}


def polyaxon_space(kind: str, value: Node | None) -> SearchSpace | None:
    if value is None:
        return None
    if kind == "choice":
        return categorical(items_of(value), kind)
    if kind == "pchoice":
        pairs = value.items if value.is_seq else []
        return categorical([plain(p.items[0]) if p.is_seq and p.items else plain(p) for p in pairs], kind)
    if kind in ("daterange", "datetimerange"):
        return categorical(None, kind)
    numbers = _polyaxon_numbers(value)
    first = numbers[0] if numbers else None
    second = numbers[1] if len(numbers) > 1 else None
    third = numbers[2] if len(numbers) > 2 else None
    if kind in ("normal", "qnormal", "lognormal", "qlognormal"):
        return SearchSpace(type=SpaceType.FLOAT, distribution=kind, log=kind.startswith(("log", "qlog")))
    if kind == "range":
        return bounded(first, second, step=third, integer=_is_int(first, second, third), distribution=kind)
    log = kind in ("logspace", "geomspace", "loguniform", "qloguniform")
    step = third if kind in ("quniform", "qloguniform") else None
    return bounded(first, second, log=log, step=step, integer=False, distribution=kind)


def _polyaxon_numbers(value: Node) -> list[Any]:
    """`0.01:0.1:5`, `[0.01, 0.1, 5]` or `{start/low, stop/high, num/step/q}`."""
    if value.kind == "scalar" and isinstance(value.value, str):
        parts = value.value.split(":")
        return [_primitive(p.strip()) for p in parts]
    if value.is_seq:
        return [plain(item) for item in value.items]
    if value.is_map:
        names = (("start", "low", "min"), ("stop", "high", "max"), ("num", "step", "q"))
        return [next((plain(value.get(n)) for n in group if value.get(n) is not None), None) for group in names]
    return []


# --------------------------------------------------------------------------- hits


@dataclass
class Hit:
    kind: FindingKind
    category: Criterion
    library: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    method: str | None = None
    hyperparameters: list[Hyperparameter] = field(default_factory=list)
    api: str | None = None
    confidence: float = 0.9


@dataclass
class Group:
    """The hits of one search (one site)."""

    hits: list[Hit] = field(default_factory=list)
    budget: str | None = None


@dataclass
class Context:
    path: str
    text: str
    refs: list[ConfigRef] = field(default_factory=list)
    rl: RLContext = field(default_factory=RLContext)


def entry_hit(key: Key, value: Node, *, kind: FindingKind, category: Criterion, library: str, message: str,
              method: str | None = None, hps: list[Hyperparameter] | None = None, api: str | None = None,
              confidence: float = 0.9) -> Hit:
    """A hit spanning `key: value`."""
    return Hit(kind=kind, category=category, library=library, line=key.line, column=key.column,
               end_line=value.end_line, end_column=value.end_column, message=message, method=method,
               hyperparameters=hps or [], api=api, confidence=confidence)


def dimension_hit(key: Key, value: Node, name: str, space: SearchSpace, library: str, label: str,
                  api: str) -> Hit:
    hp = Hyperparameter(name=name, space=space)
    return entry_hit(key, value, kind=SWEEP, category=AUTO, library=library, api=api, hps=[hp],
                     message=f"{label}: {describe_hyperparameter(hp)}", method=None)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _names(hits: list[Hit]) -> list[Hyperparameter]:
    return [hp for hit in hits for hp in hit.hyperparameters]


# --------------------------------------------------------------------------- hydra

# sweeper (lower-cased, as in `hydra/sweeper: X` or the class name) -> (library, method)
_SWEEPERS: dict[str, tuple[str, str | None]] = {
    "dehb": ("DEHB", "DEHB"),
    "pbt": ("Hydra", "PBT"),
    "pb2": ("Hydra", "PB2"),
    "bgt": ("Hydra", "BGT"),
    "optuna": ("Optuna", None),
    "ax": ("Ax", "Bayesian optimisation"),
    "nevergrad": ("nevergrad", None),
    "smac": ("SMAC", "SMAC"),
    "hypersmac": ("SMAC", "SMAC"),
    "hyperpbt": ("Hydra", "PBT"),
    "hyperrs": ("Hydra", "random search"),
    "hebo": ("Hydra", "HEBO"),
    "basic": ("Hydra", "grid search"),
    "basicsweeper": ("Hydra", "grid search"),
}
_SWEEPER_ENTRY = re.compile(r"^(override\s+)?/?hydra/sweeper$")
_OPTUNA_SAMPLERS = {"TPESampler": "TPE", "CmaEsSampler": "CMA-ES", "RandomSampler": "random search",
                    "GridSampler": "grid search", "NSGAIISampler": "NSGA-II", "QMCSampler": "QMC",
                    "GPSampler": "Gaussian process"}


def _sweeper_key(name: str) -> str:
    lowered = name.lower().rsplit(".", 1)[-1]
    lowered = lowered.removesuffix("sweeper") if lowered != "sweeper" else lowered
    if lowered in _SWEEPERS:
        return lowered
    for key in ("dehb", "pb2", "pbt", "bgt", "optuna", "nevergrad", "smac", "hebo", "basic"):
        if key in lowered:
            return key
    return "ax" if lowered.startswith("ax") else lowered


def _defaults_entry(root: Node, pattern: re.Pattern[str]) -> tuple[Key, Node] | None:
    defaults = root.get("defaults")
    for item in defaults.items if defaults is not None and defaults.is_seq else []:
        if item.is_map and len(item.pairs) == 1 and pattern.match(item.pairs[0][0].text.strip()):
            return item.pairs[0]
    return None


def _resolve(root: Node, value: Node | None) -> Node | None:
    """`${search_space}` / `${a.b}` -> the node at that absolute path of the same document."""
    if value is None or value.kind != "scalar" or not isinstance(value.value, str):
        return value
    match = re.fullmatch(r"\$\{([A-Za-z_][\w.]*)\}", value.value.strip())
    if match is None:
        return value
    node: Node | None = root
    for part in match.group(1).split("."):
        node = node.get(part) if node is not None and node.is_map else None
    return node


def _sweeper_node(root: Node, ctx: Context) -> tuple[Key | None, Node | None]:
    hydra = root.map("hydra")
    if hydra is not None and hydra.map("sweeper") is not None:
        return hydra.key("sweeper"), hydra.map("sweeper")
    if re.search(r"#\s*@package\s+hydra\.sweeper\b", ctx.text[:2000]):
        return None, root  # a sweeper config group file: the document is the sweeper node
    return None, None


def _hydra_dimensions(root: Node, sweeper: Node, library: str) -> tuple[list[Hit], str | None]:
    label = "Hydra sweeper" if library == "Hydra" else f"Hydra {library} sweeper"
    hits: list[Hit] = []
    sources: list[tuple[Node | None, str]] = [
        (sweeper.map("params"), "params"), (sweeper.map("parametrization"), "parametrization")]
    ax_config = sweeper.map("ax_config")
    if ax_config is not None:
        sources.append((ax_config.map("params"), "params"))
    note = None
    space = sweeper.get("search_space")
    resolved = _resolve(root, space)
    if resolved is not None and resolved.is_map:
        inner = resolved.get("hyperparameters")
        sources.append((inner if inner is not None else resolved, "search_space"))
    elif space is not None:
        note = f"its search space {plain(space)} comes from {_group_of(root, space)}"
    for node, source in sources:
        if node is None:
            continue
        if node.is_seq:  # ConfigSpace JSON-like list of {name, type, ...}
            hits += _configspace_list(node, library, label)
            continue
        for key, value in node.pairs if node.is_map else []:
            dim = typed_space(value) if source == "search_space" and value.is_map else hydra_space(value)
            if dim is not None:
                hits.append(dimension_hit(key, value, key.text, dim, library, label, f"hydra.sweeper.{source}"))
    return hits, note


def _group_of(root: Node, space: Node) -> str:
    """`${search_space}` with `- search_space: ppo` in the defaults list -> 'search_space/ppo.yaml'."""
    match = re.fullmatch(r"\$\{([\w.]+)\}", str(plain(space)).strip())
    for ref in hydra_defaults_refs(root) if match else []:
        if ref.config_path == match.group(1):  # type: ignore[union-attr]
            return f"the {ref.config_path}/{ref.config_name}.yaml config"
    return "another config"


def _configspace_list(node: Node, library: str, label: str) -> list[Hit]:
    hits = []
    for item in node.items:
        if not item.is_map or item.text("name") is None:
            continue
        space = typed_space(item)
        key = item.key("name")
        if space is not None and key is not None:
            hits.append(dimension_hit(Key(item.text("name") or "", item.line, item.column), item,
                                      item.text("name") or "", space, library, label, "configspace"))
    return hits


def _hydra_method(sweeper: Node, key: str, fallback: str | None) -> tuple[str | None, Hit | None]:
    """The method the sweeper runs, and a hit for an explicit sampler/optimizer entry."""
    sampler = sweeper.entry("sampler")
    if sampler is not None and sampler[1].is_map and sampler[1].text("_target_"):
        name = (sampler[1].text("_target_") or "").rsplit(".", 1)[-1]
        method = _OPTUNA_SAMPLERS.get(name, name)
        return method, entry_hit(*sampler, kind=SWEEP, category=AUTO, library="Optuna",
                                 message=f"Optuna sampler {name} drives the hydra sweep", method=method,
                                 api="hydra.sweeper.sampler")
    optim = sweeper.map("optim")
    if optim is not None and optim.text("optimizer"):
        return optim.text("optimizer"), None
    optimizer = sweeper.text("optimizer")
    if optimizer and key in ("pbt", "pb2", "hyperpbt"):
        return optimizer.upper(), None
    if key == "optuna":
        return "TPE", None  # Optuna's default sampler
    return fallback, None


def _hydra_budget(sweeper: Node) -> str | None:
    for path, unit in ((("n_trials",), "trials"), (("optim", "budget"), "evaluations"),
                       (("ax_config", "max_trials"), "trials"), (("pbt_kwargs", "population_size"), "population"),
                       (("total_brackets",), "brackets"), (("budget",), "budget")):
        node: Node | None = sweeper
        for part in path:
            node = node.get(part) if node is not None and node.is_map else None
        value = plain(node)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"population {value:g}" if unit == "population" else f"{value:g} {unit}"
    return None


def detect_hydra(root: Node, ctx: Context) -> list[Group]:
    entry = _defaults_entry(root, _SWEEPER_ENTRY)
    sweeper_key, sweeper = _sweeper_node(root, ctx)
    target = sweeper.text("_target_") if sweeper is not None else None
    name = str(plain(entry[1])) if entry is not None and entry[1].kind == "scalar" else target
    if name is None and sweeper is None:
        return []
    key = _sweeper_key(name or "basic")
    library, method = _SWEEPERS.get(key, ("Hydra", name))
    dims, note = _hydra_dimensions(root, sweeper, library) if sweeper is not None else ([], None)
    if not dims and (name is None or key == "basic"):
        return []  # no sweeper named and nothing searched, or the basic sweeper with nothing to sweep
    method, sampler_hit = _hydra_method(sweeper, key, method) if sweeper is not None else (method, None)
    budget = _hydra_budget(sweeper) if sweeper is not None else None
    shown = name.rsplit(".", 1)[-1] if name else "basic"
    message = f"Hydra {shown} sweeper" + (f" ({method})" if method and method.lower() != shown.lower() else "")
    if dims:
        message += f" searches {_plural(len(dims), 'hyperparameter')}"
    else:
        message += f"; {note or 'its search space is defined elsewhere (another config or the command line)'}"
    if budget:
        message += f", {budget}"
    hits = []
    anchor = entry or ((sweeper_key, sweeper) if sweeper_key is not None and sweeper is not None else None)
    if anchor is not None:
        hits.append(entry_hit(anchor[0], anchor[1], kind=SWEEP, category=AUTO, library="Hydra", message=message,
                              method=method, hps=_names(dims), api="hydra/sweeper"))
    if sampler_hit is not None:
        hits.append(sampler_hit)
    return [Group(hits + dims, budget)]


_GROUP_DEFAULT = re.compile(r"^(?:(?:override|optional)\s+)*(?P<group>/?[\w.\-/]+?)(?:@[\w.\-]+)?$")


def hydra_defaults_refs(root: Node) -> list[ConfigRef]:
    """The configs a hydra defaults list pulls in (`- group: option`, `- other_config`)."""
    defaults = root.get("defaults")
    refs: list[ConfigRef] = []
    for item in defaults.items if defaults is not None and defaults.is_seq else []:
        if item.kind == "scalar" and isinstance(item.value, str) and item.value != "_self_":
            refs.append(_ref("hydra-defaults", None, item.value, item.line, item.column, item))
        elif item.is_map and len(item.pairs) == 1:
            key, value = item.pairs[0]
            match = _GROUP_DEFAULT.match(key.text.strip())
            option = plain(value)
            if match and isinstance(option, str) and not match.group("group").lstrip("/").startswith("hydra/"):
                refs.append(_ref("hydra-defaults", match.group("group").lstrip("/"), option, key.line, key.column,
                                 value))
    return refs


def _ref(kind: str, path: str | None, name: str, line: int, column: int, end: Node) -> ConfigRef:
    return ConfigRef(kind=kind, config_path=path, config_name=name, line=line,  # type: ignore[arg-type]
                     range=Range.of(line, column, end.end_line, end.end_column))


# --------------------------------------------------------------------------- ConfigSpace files


def detect_configspace(root: Node, ctx: Context) -> list[Group]:
    """A standalone search space in ConfigSpace's YAML/JSON form (a hydra `search_space` group file)."""
    space = root.get("hyperparameters")
    label = "ConfigSpace search space"
    if space is not None and space.is_seq:
        dims = _configspace_list(space, "ConfigSpace", label)
    elif space is not None and space.is_map:
        dims = [dimension_hit(key, value, key.text, dim, "ConfigSpace", label, "configspace")
                for key, value in space.pairs
                if value.is_map and (value.text("type") or "") in _CONFIGSPACE_TYPES
                and (dim := typed_space(value)) is not None]
    else:
        return []
    return [Group(dims)] if dims else []


# --------------------------------------------------------------------------- W&B

_WANDB_METHODS = {"bayes": "Bayesian optimisation", "grid": "grid search", "random": "random search"}


def detect_wandb(root: Node, ctx: Context) -> list[Group]:
    groups = []
    candidates = [root] + [value for _, value in root.pairs if value.is_map]
    for node in candidates:
        method = node.text("method") or ""
        parameters = node.map("parameters")
        method_entry = node.entry("method")
        if method not in _WANDB_METHODS or parameters is None or method_entry is None:
            continue
        dims = _wandb_dimensions(parameters)
        if not dims:
            continue  # every parameter fixed: one configuration, not a sweep
        metric = node.map("metric")
        goal = f", {metric.text('goal') or 'optimise'} {metric.text('name')}" if metric and metric.text("name") \
            else ""
        hits = [entry_hit(*method_entry, kind=SWEEP, category=AUTO,
                          library="Weights & Biases", method=_WANDB_METHODS[method], api="wandb.sweep-config",
                          hps=_names(dims), message=f"W&B sweep ({method}) over "
                                                    f"{_plural(len(dims), 'parameter')}{goal}")]
        early = node.map("early_terminate")
        early_key = node.key("early_terminate")
        if early is not None and early_key is not None:
            kind = early.text("type") or "early termination"
            hits.append(entry_hit(early_key, early, kind=SWEEP, category=AUTO, library="Weights & Biases",
                                  method=kind.capitalize() if kind == "hyperband" else kind,
                                  api="wandb.early_terminate", message=f"W&B sweep early termination: {kind}"))
        cap = plain(node.get("run_cap"))
        groups.append(Group(hits + dims, f"{cap} runs" if isinstance(cap, int) else None))
    return groups


def _wandb_dimensions(parameters: Node, depth: int = 0) -> list[Hit]:
    hits = []
    for key, spec in parameters.pairs:
        nested = spec.map("parameters") if spec.is_map else None
        if nested is not None and depth < 5:
            hits += _wandb_dimensions(nested, depth + 1)
            continue
        space = wandb_space(spec)
        if space is not None:
            hits.append(dimension_hit(key, spec, key.text, space, "Weights & Biases", "W&B sweep parameter",
                                      "wandb.sweep-config"))
    return hits


# --------------------------------------------------------------------------- Ray Tune / RLlib


def detect_ray(root: Node, ctx: Context) -> list[Group]:
    """`key: {grid_search: [...]}` entries, grouped by the top-level experiment they sit in."""
    groups: list[Group] = []
    for top_key, top_value in root.pairs:
        if _is_grid(top_value):
            groups.append(Group([_grid_hit(top_key, top_value)]))
            continue
        dims = [_grid_hit(key, value) for _, key, value in walk(top_value) if _is_grid(value)]
        if not dims:
            continue
        algorithm = top_value.text("run") if top_value.is_map else None
        samples = plain(top_value.get("num_samples")) if top_value.is_map else None
        budget = f"{samples} samples" if isinstance(samples, int) and not isinstance(samples, bool) else None
        what = f" ({algorithm})" if algorithm else ""
        run = entry_hit(top_key, top_value, kind=SWEEP, category=AUTO, library="Ray Tune", method="grid search",
                        api="ray.tune.experiment", hps=_names(dims),
                        message=f"Ray Tune experiment '{top_key.text}'{what} grid-searches "
                                f"{_plural(len(dims), 'hyperparameter')}" + (f", {budget}" if budget else ""))
        groups.append(Group([run, *dims], budget))
        _ray_context(top_value, ctx)
    return groups


def _is_grid(value: Node) -> bool:
    grid = value.get("grid_search") if value.is_map else None
    return grid is not None and grid.is_seq and len(value.pairs) == 1


def _grid_hit(key: Key, value: Node) -> Hit:
    values = items_of(value.get("grid_search"))
    space = SearchSpace(type=SpaceType.GRID, values=values, distribution="grid_search")
    return dimension_hit(key, value, key.text, space, "Ray Tune", "Ray Tune grid_search", "ray.tune.grid_search")


def _ray_context(experiment: Node, ctx: Context) -> None:
    run, env = experiment.text("run"), experiment.text("env")
    config = experiment.map("config")
    env = env or (config.text("env") if config is not None else None)
    ctx.rl.frameworks = sorted({*ctx.rl.frameworks, "RLlib"})
    if run:
        ctx.rl.algorithms = sorted({*ctx.rl.algorithms, run})
    if env:
        ctx.rl.environments = sorted({*ctx.rl.environments, env})


# --------------------------------------------------------------------------- Polyaxon

_POLYAXON_MATRIX = {"grid": "grid search", "random": "random search", "hyperband": "Hyperband",
                    "bayes": "Bayesian optimisation", "hyperopt": "hyperopt", "iterative": "iterative",
                    "mapping": "mapping"}
_POLYAXON_V0_ALGORITHMS = {"grid_search": "grid search", "random_search": "random search",
                           "hyperband": "Hyperband", "bo": "Bayesian optimisation"}


def detect_polyaxon(root: Node, ctx: Context) -> list[Group]:
    matrix = root.map("matrix")
    if matrix is not None and (matrix.text("kind") or "") in _POLYAXON_MATRIX:
        return [_polyaxon_v1(matrix)]
    hptuning = root.entry("hptuning")
    if hptuning is not None and hptuning[1].is_map and hptuning[1].map("matrix") is not None:
        return [_polyaxon_v0(hptuning)]
    return []


def _polyaxon_v1(matrix: Node) -> Group:
    kind = matrix.text("kind") or "grid"
    dims: list[Hit] = []
    params = matrix.map("params")
    for key, spec in params.pairs if params is not None else []:
        space = polyaxon_space(spec.text("kind") or "", spec.get("value")) if spec.is_map else None
        if space is not None:
            dims.append(dimension_hit(key, spec, key.text, space, "Polyaxon", "Polyaxon matrix parameter",
                                      "polyaxon.matrix"))
    values = matrix.get("values")
    if kind == "mapping" and values is not None and values.is_seq:
        dims += _mapping_dimensions(values)
    runs = next((plain(matrix.get(k)) for k in ("numRuns", "maxIterations", "num_runs") if matrix.get(k)), None)
    budget = f"{runs} runs" if isinstance(runs, int) and not isinstance(runs, bool) else None
    anchor = matrix.entry("kind") or (Key("matrix", matrix.line, matrix.column), matrix)
    message = f"Polyaxon matrix ({kind}) over {_plural(len(dims), 'parameter')}" + (f", {budget}" if budget else "")
    run = entry_hit(*anchor, kind=SWEEP, category=AUTO, library="Polyaxon",
                    method=_POLYAXON_MATRIX[kind], api="polyaxon.matrix", hps=_names(dims), message=message)
    return Group([run, *dims], budget)


def _mapping_dimensions(values: Node) -> list[Hit]:
    seen: dict[str, tuple[Key, list[JsonScalar]]] = {}
    for item in values.items:
        for key, value in item.pairs if item.is_map else []:
            seen.setdefault(key.text, (key, []))[1].append(plain(value))
    return [Hit(kind=SWEEP, category=AUTO, library="Polyaxon", line=key.line, column=key.column,
                end_line=key.line, end_column=key.column + len(key.text), api="polyaxon.matrix",
                hyperparameters=[Hyperparameter(name=name, space=SearchSpace(type=SpaceType.GRID, values=found))],
                message=f"Polyaxon mapping parameter {name}: {len(found)} values")
            for name, (key, found) in seen.items()]


def _polyaxon_v0(section: tuple[Key, Node]) -> Group:
    hptuning = section[1]
    matrix = hptuning.map("matrix")
    dims = []
    for key, spec in matrix.pairs if matrix is not None else []:
        field_name = next((k for k, _ in spec.pairs if k.text in _POLYAXON_V0), None) if spec.is_map else None
        if field_name is None:
            continue
        space = polyaxon_space(_POLYAXON_V0[field_name.text], spec.get(field_name.text))
        if space is not None:
            dims.append(dimension_hit(key, spec, key.text, space, "Polyaxon", "Polyaxon hptuning parameter",
                                      "polyaxon.hptuning"))
    algorithm = next((k for k in _POLYAXON_V0_ALGORITHMS if hptuning.get(k) is not None), None)
    anchor = (hptuning.entry(algorithm) if algorithm else None) or section
    settings = hptuning.map(algorithm) if algorithm else None
    runs = plain(settings.get("n_experiments")) if settings is not None else None
    budget = f"{runs} experiments" if isinstance(runs, int) and not isinstance(runs, bool) else None
    method = _POLYAXON_V0_ALGORITHMS[algorithm] if algorithm else "grid search"
    message = f"Polyaxon hptuning ({method}) over {_plural(len(dims), 'parameter')}" + \
        (f", {budget}" if budget else "")
    run = entry_hit(*anchor, kind=SWEEP, category=AUTO, library="Polyaxon", method=method,
                    api="polyaxon.hptuning", hps=_names(dims), message=message)
    return Group([run, *dims], budget)


# --------------------------------------------------------------------------- rl-baselines3-zoo

_ENV_ID = re.compile(r"^([\w.\-]+/)?[A-Z][\w\-]*-v\d+$|^atari$|NoFrameskip|Bullet|^dm_control")
_ZOO_MARKERS = frozenset({"n_timesteps", "policy"})
_NOT_HYPERPARAMETERS = frozenset({"env_wrapper", "callback", "vec_env_wrapper", "eval_env_wrapper", "env_kwargs",
                                  "eval_env_kwargs"})
_ZOO_ALGORITHMS = {"ppo": "PPO", "a2c": "A2C", "dqn": "DQN", "sac": "SAC", "td3": "TD3", "ddpg": "DDPG",
                   "trpo": "TRPO", "ars": "ARS", "qrdqn": "QRDQN", "tqc": "TQC", "her": "HER",
                   "ppo_lstm": "RecurrentPPO", "crossq": "CrossQ"}


def detect_zoo(root: Node, ctx: Context) -> list[Group]:
    blocks = [(key, value) for key, value in root.pairs
              if value.is_map and _ZOO_MARKERS & set(value.index)]
    if not blocks:
        return []
    in_folder = "hyperparams" in ctx.path.replace("\\", "/").split("/")[:-1]
    env_like = sum(bool(_ENV_ID.search(key.text)) for key, _ in root.pairs)
    if not in_folder and (env_like * 2 < len(root.pairs) or not any("n_timesteps" in v.index for _, v in blocks)):
        return []
    stem = posixpath.splitext(posixpath.basename(ctx.path))[0].lower()
    algorithm = _ZOO_ALGORITHMS.get(stem)
    groups = []
    for key, block in blocks:
        hps = [Hyperparameter(name=name.text, space=SearchSpace(values=[plain(value)], distribution="tuned value"))
               for name, value in block.pairs if name.text not in _NOT_HYPERPARAMETERS]
        shown = ", ".join(f"{hp.name}={_short((hp.space.values or [None])[0])}" for hp in hps[:6])
        more = f", ... ({len(hps)} in all)" if len(hps) > 6 else ""
        message = f"tuned {algorithm + ' ' if algorithm else ''}hyperparameters for {key.text}: {shown}{more}"
        groups.append(Group([entry_hit(key, block, kind=TUNED, category=PARAM, library="RL Baselines3 Zoo",
                                       message=message, hps=hps, api="rl_zoo3.hyperparams")]))
        if _ENV_ID.search(key.text) and key.text != "atari":
            ctx.rl.environments = sorted({*ctx.rl.environments, key.text})
    ctx.rl.frameworks = sorted({*ctx.rl.frameworks, "RL Baselines3 Zoo", "Stable-Baselines3"})
    if algorithm:
        ctx.rl.algorithms = sorted({*ctx.rl.algorithms, algorithm})
    return groups


def _short(value: JsonScalar) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --------------------------------------------------------------------------- the report

DETECTORS = (detect_hydra, detect_configspace, detect_wandb, detect_polyaxon, detect_ray, detect_zoo)


def analyze_config(document: Document, settings: Settings) -> FileReport:
    """Findings of one YAML or JSON document. Never raises for bad input: errors are entries."""
    text = document.text
    report = FileReport(path=document.path, language=document.language, lines=_line_count(text))
    size = len(text.encode("utf-8", "surrogatepass"))
    if document.language == Language.JSON and not _JSON_MARKERS.search(text):
        return report  # data or tooling JSON: nothing a config detector looks for
    if size > CONFIG_MAX_BYTES:
        report.errors.append(FileError(code="too-large", message=f"config file of {size} bytes is over the "
                                       f"{CONFIG_MAX_BYTES}-byte limit for YAML/JSON analysis; not analysed"))
        return report
    loaded = load(text, "JSON" if document.language == Language.JSON else "YAML")
    report.errors += loaded.errors
    ctx = Context(path=document.path, text=text)
    groups: list[Group] = []
    for root in loaded.roots:
        if not root.is_map:
            if document.language == Language.YAML and root.kind == "scalar" and root.value is not None:
                report.errors.append(FileError(code="malformed", line=root.line, message=(
                    "the YAML document is a single scalar, not a mapping: not a config")))
            continue  # a top-level list is data (ansible, JSON arrays): nothing to look for
        ctx.refs += hydra_defaults_refs(root)
        for detect in DETECTORS:
            groups += detect(root, ctx)
    report.config_refs = ctx.refs
    _fill(report, _filter(groups, text, settings))
    if report.tuning_applied:
        report.rl_context = ctx.rl
    return report


def _filter(groups: list[Group], text: str, settings: Settings) -> list[Group]:
    """Enabled kinds only, and `# hpt: ignore[...]` comments honoured (the same syntax as in Python)."""
    enabled = {str(getattr(k, "value", k)) for k in settings.enabled_kinds}
    ignored: dict[int, set[str] | None] = {}
    if "hpt:" in text:
        for row, line in enumerate(text.split("\n"), start=1):
            match = HASH_SUPPRESS.search(line)
            if match is not None:
                kinds = {k.strip() for k in match.group("kinds").split(",")} if match.group("kinds") else None
                ignored[0 if match.group("file") else row] = kinds
    seen: set[tuple[int, int, str]] = set()
    kept: list[Group] = []
    for group in groups:
        hits = []
        for hit in group.hits:
            kind = str(getattr(hit.kind, "value", hit.kind))
            position = (hit.line, hit.column, kind)
            if kind not in enabled or position in seen or any(
                    row in ignored and (ignored[row] is None or kind in (ignored[row] or ())) for row in (hit.line, 0)):
                continue
            seen.add(position)
            hits.append(hit)
        if hits:
            kept.append(Group(hits, group.budget))
    return kept


def _fill(report: FileReport, groups: list[Group]) -> None:
    if not groups:
        return
    findings: list[Finding] = []
    for number, group in enumerate(sorted(groups, key=lambda g: min(h.line for h in g.hits)), start=1):
        site_id = f"S{number}"
        indices = []
        for hit in sorted(group.hits, key=lambda h: (h.line, h.column)):
            indices.append(len(findings))
            findings.append(Finding(kind=hit.kind, category=hit.category, library=hit.library, method=hit.method,
                                    message=hit.message, range=Range.of(hit.line, hit.column, hit.end_line,
                                                                        hit.end_column),
                                    hyperparameters=hit.hyperparameters, confidence=hit.confidence, api=hit.api,
                                    site=site_id))
        report.sites.append(make_site(site_id, findings, indices, group.budget))
    report.findings = findings
    report.tuning_applied = True
    report.criteria = Criteria.of({f.category for f in findings})
    report.libraries = sorted({f.library for f in findings})
    report.hyperparameters = sorted({h.name for f in findings for h in f.hyperparameters})
    report.line_numbers = sorted({f.range.start.line for f in findings})


def _line_count(text: str) -> int:
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


__all__ = ["analyze_config", "load", "override_space"]
