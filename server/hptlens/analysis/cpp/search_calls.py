"""C++ calls of a hyperparameter search written elsewhere (`grid_search`, `coarse_hyper_surf`,
`tune_hyperparameters`), known by a name that says so and by what the call is handed: lists of
values (`alphas, betas`), candidate configurations (`{Spec{.lr = 0.01}, Spec{.lr = 0.1}}`) or a
hyperparameter struct (`svm_parameter*`) whose fields, read back after the call, name the
hyperparameters. A function of that name defined in the same file is judged by its body instead.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tree_sitter import Node

from hptlens.analysis.cpp.file import (
    CppFile,
    function_of,
    is_cpp_hyperparameter,
    normalized,
    plain_name,
    positional,
    singular,
    statement_of,
)
from hptlens.analysis.cpp.flow import NAMES, last_name, root_of, words_of
from hptlens.analysis.cpp.libraries import descendants
from hptlens.analysis.cpp.literals import grid_values, literal
from hptlens.analysis.cpp.setting import descendants_or_self
from hptlens.analysis.neutral import Hit, text
from hptlens.report import HAND_WRITTEN, Criterion, FindingKind, Hyperparameter, SearchSpace, SpaceType

# Types of a hyperparameter holder handed to a search written elsewhere.
# Words of a type that holds hyperparameters (`svm_parameter`, `HyperParameter`, `TrainParams`).
_HOLDER_WORDS = {
    "param",
    "params",
    "parameter",
    "parameters",
    "hyper",
    "hyperparameter",
    "hyperparameters",
    "hparam",
    "hparams",
    "hp",
    "hps",
}


_SEARCH_WORDS = {
    "search",
    "sweep",
    "surf",
    "tune",
    "tuning",
    "optimize",
    "optimise",
    "optimization",
    "opt",
    "selection",
    "select",
}


_SPACE_WORDS = {
    "grid",
    "random",
    "hyper",
    "hyperparameter",
    "hyperparameters",
    "hparam",
    "hparams",
    "hp",
    "hpo",
    "param",
    "params",
    "parameter",
    "parameters",
    "model",
}


def search_like(name: str) -> bool:
    """A function name that says it runs a hyperparameter search (not only `search` or `tune`)."""
    words = set(words_of(name))
    if "hpo" in words or {"hyperparameter", "hyperparameters", "hparams"} & words:
        return True
    return bool(words & _SEARCH_WORDS and words & _SPACE_WORDS) or ("sweep" in words and len(words) > 1)


@lru_cache(maxsize=4096)
def _search_by_name(written: bytes) -> bool:
    names = NAMES.findall(written)
    return bool(names) and search_like(names[-1].decode())


def _plural(written: str) -> str | None:
    """The hyperparameter a list's name holds values of: `alphas` -> alpha, `ks` -> k, `kLrs` -> lr."""
    named = singular(written)
    if named:
        return named
    plain = normalized(written)
    return plain[:-1] if re.fullmatch(r"[a-z]\w*s", plain) and len(plain) > 1 else None


def _candidates(argument: Node) -> list[Hyperparameter]:
    """`std::vector<Spec>{Spec{.lr = 0.01, .depth = 3}, Spec{.lr = 0.1, .depth = 3}}`: two or more
    configurations; the fields whose values differ are the hyperparameters tried."""
    lists = descendants_or_self(argument, "initializer_list")
    for entries in lists:
        configs = []
        for entry in entries.named_children:
            inner = entry.child_by_field_name("value") if entry.type == "compound_literal_expression" else entry
            if inner is None or inner.type != "initializer_list":
                break
            pairs = {
                text(p.child_by_field_name("designator")).lstrip("."): literal(p.child_by_field_name("value"))
                for p in inner.named_children
                if p.type == "initializer_pair"
            }
            if not pairs:
                break
            configs.append(pairs)
        else:
            if len(configs) < 2:
                continue
            keys = list(dict.fromkeys(k for c in configs for k in c))
            varied = [(k, grid_values([c.get(k) for c in configs])) for k in keys]
            hps = [
                Hyperparameter(name=k, space=SearchSpace(type=SpaceType.GRID, values=v))
                for k, v in varied
                if v is not None
            ]
            if any(is_cpp_hyperparameter(h.name) for h in hps):
                return hps
    return []


def _read_back(call: Node, holder: str) -> list[str]:
    """Fields of the holder the caller reads after the search (`cout << para->C`): the results."""
    function = function_of(call)
    if function is None:
        return []
    names: list[str] = []
    for node in descendants(function, "field_expression"):
        if node.start_byte < call.end_byte or root_of(node) != holder:
            continue
        parent = node.parent
        if parent is not None and (
            parent.type == "call_expression"
            and parent.child_by_field_name("function") == node
            or parent.type == "assignment_expression"
            and parent.child_by_field_name("left") == node
        ):
            continue  # a method call, or a field set rather than read
        field_name = text(node.child_by_field_name("field"))
        if field_name not in names:
            names.append(field_name)
    return names


def search_calls(cpp: CppFile) -> list[Hit]:
    """Calls of a search written elsewhere, known by a name that says so and by what it is handed."""
    hits: list[Hit] = []
    for call, function in cpp.calls:
        if function.type == "field_expression" or not _search_by_name(function.text or b""):
            continue
        name = last_name(function)
        if not search_like(name) or name in cpp.functions:
            continue  # a method of a search object, or a search defined (and judged) in this file
        hits += _search_call(cpp, call, name)
    return hits


def _search_call(cpp: CppFile, call: Node, name: str) -> list[Hit]:
    hits: list[Hit] = []
    dims: list[Hyperparameter] = []
    definitions: list[tuple[Node, Hyperparameter]] = []
    holders: list[str] = []
    for argument in positional(call):
        value, decl = cpp.resolve(argument)
        values = grid_values(literal(value))
        written = text(argument)
        if values is not None and argument.type == "identifier" and _plural(written):
            dim = Hyperparameter(
                name=_plural(written) or written, space=SearchSpace(type=SpaceType.GRID, values=values)
            )
            dims.append(dim)
            if decl is not None and decl.statement.type == "declaration":
                definitions.append((decl.statement, dim))
            continue
        candidates = _candidates(argument)
        if candidates:
            dims.extend(candidates)
            continue
        root = root_of(argument.child_by_field_name("argument") if argument.type == "pointer_expression" else argument)
        if root and root not in holders:
            read = _read_back(call, root)
            if set(words_of(plain_name(cpp.type_of_name(root, call)))) & _HOLDER_WORDS or any(
                is_cpp_hyperparameter(n) for n in read
            ):
                holders.append(root)
                dims.extend(Hyperparameter(name=n, space=SearchSpace(type=SpaceType.UNKNOWN)) for n in read)
    if not (dims or holders):
        return hits
    words = set(words_of(name))
    method = "grid search" if "grid" in words else "random search" if "random" in words else "hand-written search"
    statement = statement_of(call)
    hits.append(
        Hit(
            FindingKind.SEARCH_RUN,
            Criterion.HAND_TUNING,
            HAND_WRITTEN,
            statement,
            f"hand-written search: {name}",
            method=method,
            hyperparameters=dims,
            confidence=0.7,
        )
    )
    for definition, dim in definitions:
        hits.append(
            Hit(
                FindingKind.SEARCH_SPACE,
                Criterion.HAND_TUNING,
                HAND_WRITTEN,
                definition,
                "hand-written grid values",
                method=method,
                confidence=0.75,
                hyperparameters=[dim],
            )
        )
    return hits
