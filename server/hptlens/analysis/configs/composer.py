"""libyaml's composer with YAML 1.2's scalar rules: the fast path of `tree.load`.

PyYAML's C loader (libyaml) composes about 20x faster than ruamel.yaml's pure-Python composer,
and composing is nearly all of a config's analysis. It speaks YAML 1.1, where `yes`, `on` and
`0777` and sexagesimal `1:30` are booleans and numbers and `1e-3` is a string; the analysis reads
YAML 1.2, as ruamel does. Only scalar resolution differs between the two for the nodes the tree
keeps (composition never constructs objects, in either), so the loader here drops 1.1's implicit
rules for 1.2's: booleans true/false, nulls `~`/null/empty, integers (binary, octal, decimal,
hexadecimal, underscores allowed), floats (a dot or an exponent, `.inf`, `.nan`) and the `<<`
merge key, each written as ruamel reads them for 1.2.

`compose_fast` answers None wherever the two could differ in more than speed: a syntax error
(ruamel composes again, so the message and the documents before the error are its own), a
`%YAML` directive (which may ask for 1.1), line breaks that 1.1 counts and 1.2 does not (NEL,
LS, PS: the line numbers would differ), text that cannot be encoded, or PyYAML without libyaml.
"""

from __future__ import annotations

import re
from typing import Any

try:
    import yaml

    _BASE: Any = yaml.CSafeLoader  # the C parser and composer, with the safe (non-constructing) resolver
except (ImportError, AttributeError):  # PyYAML without libyaml: ruamel composes everything
    yaml = None  # type: ignore[assignment]
    _BASE = None

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_FLOAT = re.compile(
    r"""^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
    |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.VERBOSE,
)
_INT = re.compile(r"^(?:[-+]?0b[01_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$")
_MERGE = re.compile(r"^<<$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_RULES = (
    ("tag:yaml.org,2002:bool", _BOOL, "tTfF"),
    ("tag:yaml.org,2002:float", _FLOAT, "-+0123456789."),
    ("tag:yaml.org,2002:int", _INT, "-+0123456789"),
    ("tag:yaml.org,2002:merge", _MERGE, "<"),
    ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""]),
)
"""(tag, rule, first characters) in the order they are tried, as ruamel tries them for 1.2."""

_RUAMEL_ONLY = re.compile(r"^%YAML|[\x85\u2028\u2029]", re.MULTILINE)


def _loader() -> Any:
    by_first: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for tag, rule, firsts in _RULES:
        for first in firsts:
            by_first.setdefault(first, []).append((tag, rule))
    scalar, sequence = yaml.nodes.ScalarNode, yaml.nodes.SequenceNode

    class Yaml12Loader(_BASE):
        """The C loader with 1.2's rules, resolved as PyYAML's resolver would with no path
        resolvers (none are registered): the resolver is the Python part of composing."""

        def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
            if kind is scalar:
                if implicit[0]:
                    for tag, rule in by_first.get(value[:1], ()):
                        if rule.match(value):
                            return tag
                return "tag:yaml.org,2002:str"
            return "tag:yaml.org,2002:seq" if kind is sequence else "tag:yaml.org,2002:map"

        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass

    return Yaml12Loader


_LOADER = _loader() if _BASE is not None else None


def compose_fast(text: str, limit: int) -> list[Any] | None:
    """Up to `limit` composed documents (None for an empty one), or None when ruamel must compose."""
    if _LOADER is None or _RUAMEL_ONLY.search(text):
        return None
    documents: list[Any] = []
    try:
        for document in yaml.compose_all(text, Loader=_LOADER):
            documents.append(document)
            if len(documents) >= limit:
                break
    except (yaml.YAMLError, UnicodeError, RecursionError, MemoryError):
        return None
    return documents
