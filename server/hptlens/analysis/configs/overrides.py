"""hydra's override grammar: `choice(...)`, `range(...)`, `interval(...)`, `tag(log, ...)`, `a,b,c`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hptlens.analysis.configs.spaces import bounded, categorical, is_int, primitive
from hptlens.report import SearchSpace, SpaceType

_TOKEN = re.compile(
    r"""\s*(?:(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?P<punct>[(),\[\]{}=:])"""
    r"""|(?P<word>[^\s(),\[\]{}=:'"]+))"""
)


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
        return primitive(token)

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
            if (
                self.pos + 1 < len(self.tokens)
                and self.tokens[self.pos + 1][1] == "="
                and self.tokens[self.pos][0] == "word"
            ):
                keyword = self.take()[1]
                self.take("=")
                call.kwargs[keyword] = self.value()
            else:
                call.args.append(self.value())
            if self.peek() == ",":
                self.take(",")
        self.take(")")
        return call


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
        return (
            _call_space(inner_call)
            if isinstance(inner_call, _Call)
            else categorical([v for v in call.args if not isinstance(v, _Call)], name)
        )
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
        return bounded(start, stop, step=step, integer=is_int(start, stop, step), distribution="range")
    if name == "interval":
        args = [*call.args, None, None][:2]
        return bounded(
            call.kwargs.get("start", args[0]), call.kwargs.get("end", args[1]), integer=False, distribution="interval"
        )
    if name == "glob":
        return categorical(None, "glob")
    return None


def prior_space(text: str) -> SearchSpace | None:
    """An Oríon prior (`uniform(0, 1)`, `loguniform(1e-5, 1, discrete=True)`, `choices([a, b])`,
    `normal(0, 1)`, `fidelity(1, 100, base=4)`), or None."""
    try:
        parser = _OverrideParser(text)
        call = parser.value()
    except (ValueError, IndexError):
        return None
    if not isinstance(call, _Call) or parser.peek() is not None:
        return None
    args = [*call.args, None, None][:2]
    low, high = call.kwargs.get("low", args[0]), call.kwargs.get("high", args[1])
    discrete = call.kwargs.get("discrete") is True
    if call.name in ("uniform", "loguniform", "reciprocal"):
        return bounded(low, high, log=call.name != "uniform", integer=discrete or None, distribution=call.name)
    if call.name in ("normal", "gaussian"):
        return SearchSpace(type=SpaceType.FLOAT, distribution=call.name)
    if call.name == "choices":
        options = call.args[0] if len(call.args) == 1 and isinstance(call.args[0], list) else call.args
        return (
            categorical([str(o) if isinstance(o, (list, _Call)) else o for o in options], "choices")
            if len(options) > 1
            else None
        )
    if call.name == "fidelity":
        return bounded(low, high, integer=is_int(low, high), distribution="fidelity")
    return None
