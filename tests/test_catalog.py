"""The catalog is typed data: every row's space spec parses into known words, and every space
shape a row names is one the analysis of its language reads."""

from __future__ import annotations

from typing import get_args

import pytest

from hptlens.analysis.catalog.cpp import CPP_APIS
from hptlens.analysis.catalog.model import Role, Shape, SpaceKind, SpaceSpec, spec
from hptlens.analysis.catalog.python import PYTHON_APIS
from hptlens.analysis.catalog.vocabulary import KEYWORD_ROLES
from hptlens.analysis.cpp.libraries import CPP_SHAPES
from hptlens.analysis.spaces import PYTHON_SHAPES


def test_every_row_space_is_a_parsed_spec() -> None:
    rows = [api for api in (*PYTHON_APIS, *CPP_APIS) if api.space is not None]
    assert rows
    for api in rows:
        assert isinstance(api.space, SpaceSpec), api.call
        assert api.space.kind in get_args(SpaceKind), api.call
        assert len(set(api.space.roles)) == len(api.space.roles), api.call


def test_every_space_kind_is_used() -> None:
    used = {api.space.kind for api in PYTHON_APIS if api.space is not None}
    assert used == set(get_args(SpaceKind))


@pytest.mark.parametrize("text", ["floaty: low, high", "float+loud: low", "int: low, top", "categorical: choice"])
def test_a_spec_with_an_unknown_word_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="unknown"):
        spec(text)


def test_a_spec_reads_type_flags_and_roles() -> None:
    assert spec("float+explog: name, low, high, step") == SpaceSpec(
        "float", frozenset({"explog"}), ("name", "low", "high", "step")
    )


def test_keyword_roles_are_roles() -> None:
    assert set(KEYWORD_ROLES.values()) <= set(get_args(Role))


def test_every_shape_a_row_names_is_handled_for_its_language() -> None:
    assert {api.space_shape for api in PYTHON_APIS if api.space_shape is not None} <= PYTHON_SHAPES
    assert {api.space_shape for api in CPP_APIS if api.space_shape is not None} <= CPP_SHAPES


def test_every_shape_is_handled_somewhere() -> None:
    assert PYTHON_SHAPES | CPP_SHAPES == set(Shape)


def test_rows_with_a_space_argument_say_how_to_read_it() -> None:
    for api in (*PYTHON_APIS, *CPP_APIS):
        if api.space_arg:
            assert api.space_shape is not None, api.call
