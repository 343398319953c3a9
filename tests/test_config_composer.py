"""The YAML/JSON tree's two composers: libyaml (the fast path, with YAML 1.2's scalar rules) gives
the trees ruamel gives, and ruamel composes what libyaml cannot answer the same way."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hptlens.analysis.configs import composer, tree
from support.paths import FIXTURES

SCALARS = """\
plain: word
yes_word: yes
no_word: no
on_word: on
off_word: off
true_word: true
false_word: False
tilde: ~
null_word: null
empty:
exponent: 1e-3
exponent_no_dot: 3e5
float: 0.99
leading_dot: .5
infinity: -.inf
not_a_number: .nan
integer: 256
underscores: 1_000_000
octal_12: 0o17
octal_11: 017
hex: 0x1F
binary: 0b101
sexagesimal: 1:30
quoted_number: "1e-3"
single_quoted: '42'
block: |
  text
tagged_float: !!float 1e6
tagged_str: !!str 3
date: 2024-01-01
merge_source: &base {lr: 0.001, gamma: 0.99}
merged:
  <<: *base
  gamma: 0.95
list: [1, 2.5, "three", null, true]
"""


def _dump(node: tree.Node) -> Any:
    """What the detectors read of a tree: kinds, values with their types, keys and starts. An
    empty value's place is left out (`test_an_empty_value_sits_on_its_key_line`)."""
    if node.kind == "scalar" and node.value is None and (node.line, node.column) == (node.end_line, node.end_column):
        return ("empty",)
    value = "nan" if isinstance(node.value, float) and math.isnan(node.value) else node.value
    own = (node.kind, node.line, node.column, value, type(node.value).__name__)
    if node.is_map:
        return (*own, [(key.text, key.line, key.column, _dump(child)) for key, child in node.pairs])
    if node.is_seq:
        return (*own, [_dump(item) for item in node.items])
    return own


def _by_ruamel(text: str, kind: str = "YAML") -> tree.Loaded:
    original = tree.compose_fast
    tree.compose_fast = lambda text, limit: None  # type: ignore[assignment]
    try:
        return tree.load(text, kind)
    finally:
        tree.compose_fast = original  # type: ignore[assignment]


def _config_fixtures() -> Iterator[Path]:
    for pattern in ("*.yaml", "*.yml", "*.json"):
        yield from sorted(FIXTURES.rglob(pattern))


def test_libyaml_is_there_to_take_the_fast_path() -> None:
    assert composer.compose_fast("a: 1\n", 2) is not None


def test_scalars_are_read_by_yaml_1_2_rules_as_ruamel_reads_them() -> None:
    fast, slow = tree.load(SCALARS), _by_ruamel(SCALARS)
    assert [_dump(r) for r in fast.roots] == [_dump(r) for r in slow.roots]
    values = {key.text: node.value for key, node in fast.roots[0].pairs}
    assert values["yes_word"] == "yes" and values["on_word"] == "on"  # booleans only in YAML 1.1
    assert values["exponent"] == 0.001 and values["exponent_no_dot"] == 300000.0  # strings in YAML 1.1
    assert values["octal_11"] == "017" and values["sexagesimal"] == "1:30"
    assert values["false_word"] is False and values["empty"] is None and values["underscores"] == 1_000_000
    merged = fast.roots[0].get("merged")
    assert merged is not None and merged.text("lr") == "0.001" and merged.text("gamma") == "0.95"


@pytest.mark.parametrize("path", list(_config_fixtures()), ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_every_config_fixture_composes_to_ruamels_tree(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    kind = "JSON" if path.suffix == ".json" else "YAML"
    fast, slow = tree.load(text, kind), _by_ruamel(text, kind)
    assert [_dump(r) for r in fast.roots] == [_dump(r) for r in slow.roots]
    assert [e.message for e in fast.errors] == [e.message for e in slow.errors]


@pytest.mark.parametrize(
    "text",
    [
        "a: [1, 2\nb: 3\n",  # a syntax error: ruamel's message and partial result
        "%YAML 1.1\n---\nflag: yes\n",  # a directive may ask for 1.1
        "a: 1\x85b: 2\n",  # NEL: a line break in YAML 1.1, not in 1.2
        'bad: "\\ud800"\n',  # a lone surrogate escape
        "a: 1\n\x07b: 2\n",  # a control character
    ],
)
def test_what_libyaml_cannot_answer_as_ruamel_goes_to_ruamel(text: str) -> None:
    assert composer.compose_fast(text, 2) is None
    fast, slow = tree.load(text), _by_ruamel(text)
    assert [_dump(r) for r in fast.roots] == [_dump(r) for r in slow.roots]
    assert [(e.line, e.message) for e in fast.errors] == [(e.line, e.message) for e in slow.errors]


def test_an_empty_value_sits_on_its_key_line() -> None:
    """libyaml places an empty value right after its key; ruamel placed it at the next token."""
    loaded = tree.load("search:\n  lr:\n  gamma: 0.9\n")
    lr = loaded.roots[0].get("search")
    assert lr is not None
    empty = lr.get("lr")
    assert empty is not None and (empty.line, empty.column) == (2, 6)
