"""C++ hand-written genetic algorithms over hyperparameters.

A GA is tuning when what it evolves becomes a model's or a training run's hyperparameters: inside a
loop over generations, genes are decoded into hyperparameter-named variables
(`layers[j + 1] = chromosomes[i].getElement(j)`, `learningRate = genome[k]`, `double lr = ind.lr`)
and a model is trained with them. A GA over routes, test-function inputs or feature masks decodes
into nothing of the kind and is left alone. Found:
- the generation loop (what runs the search),
- each decoding statement, with the loop that does nothing but decode around it,
- where the first population's genes are drawn (`value = random_int(lo, hi)` stored into a
  chromosome), an if/else that draws each gene its own way taken whole (the gene table).
"""

from __future__ import annotations

import re
from functools import cache

from tree_sitter import Node, Query, QueryCursor

from hptlens.analysis.cpp.file import (
    FUNCTIONS,
    CppFile,
    cpp_query,
    enclosing_loop,
    function_of,
    is_cpp_hyperparameter,
    normalized,
    statement_of,
    target_names,
)
from hptlens.analysis.cpp.flow import calls_index, draws, in_body, root_of, trains, words_of
from hptlens.analysis.cpp.libraries import descendants
from hptlens.analysis.cpp.loops import loop_names
from hptlens.analysis.cpp.sampling import distribution
from hptlens.analysis.neutral import CPP_NOT_HYPERPARAMETERS, Hit, identifiers_in, text
from hptlens.report import HAND_WRITTEN, Criterion, FindingKind, Hyperparameter

_GENERATION_TEXT = re.compile(rb"(?i)gen")
_SET_QUERY = """
(assignment_expression left: (_) @target right: (_) @value) @set
(init_declarator declarator: (_) @target value: (_) @value) @set
"""
_GENERATIONS = {"gen", "gens", "generation", "generations", "ngen", "ngenerations"}
_GENOME = re.compile(r"(?i)chromo|genom|genes?($|_|[A-Z])|individual|dna")
_POPULATION = re.compile(r"(?i)population|^pop$|individuals|chromosomes|genomes|offspring")


@cache
def _query(source: str) -> Query:
    return cpp_query(source)


class GeneticSearches:
    def __init__(self, cpp: CppFile) -> None:
        self.cpp = cpp
        self.hits: list[Hit] = []

    def run(self) -> list[Hit]:
        for loop in self.cpp.loops:
            if (
                _GENERATION_TEXT.search(_header(loop))
                and _is_generation_loop(loop)
                and not _inside_generation_loop(loop)
            ):
                self._generation(loop)
        return self.hits

    def _generation(self, loop: Node) -> None:
        body = loop.child_by_field_name("body")
        if body is None or not trains(self.cpp, body, loop):
            return
        members = _members(body, loop)
        decoded: list[tuple[str, Node]] = []
        cursor = QueryCursor(_query(_SET_QUERY))
        cursor.set_byte_range(body.start_byte, body.end_byte)
        for _, match in cursor.matches(body):
            node, target, value = match["set"][0], match["target"][0], match["value"][0]
            if not in_body(node, loop) or not _reads_genome(value, members):
                continue
            name = root_of(target) if target.type != "init_declarator" else None
            if name is None and target.type in ("identifier", "pointer_declarator", "reference_declarator"):
                names = target_names(target)
                name = names[0] if names else None
            if (
                name
                and not _GENOME.search(name)
                and not _POPULATION.search(name)
                and normalized(name) not in CPP_NOT_HYPERPARAMETERS
                and not _in_loop_header(node)
            ):
                decoded.append((name, statement_of(node)))
        if not any(is_cpp_hyperparameter(n) for n, _ in decoded):
            return  # genes become routes, inputs or masks: not hyperparameters
        used = [(n, s) for n, s in decoded if _read_elsewhere(body, n, s)]
        if not any(is_cpp_hyperparameter(n) for n, _ in used):
            return
        hps = [Hyperparameter(name=n) for n in dict.fromkeys(n for n, _ in used)]
        self.hits.append(
            Hit(
                FindingKind.HAND_LOOP,
                Criterion.AUTO_TUNING,
                HAND_WRITTEN,
                loop,
                "hand-written genetic algorithm over " + ", ".join(h.name for h in hps),
                method="genetic algorithm",
                hyperparameters=hps,
                confidence=0.8,
            )
        )
        by_name = {h.name: h for h in hps}
        seen: set[int] = set()
        for name, statement in used:
            decoding = [n for n in (statement, _decoding_loop(statement, loop)) if n is not None]
            for node in decoding:
                if node.id not in seen:
                    seen.add(node.id)
                    self.hits.append(
                        Hit(
                            FindingKind.SEARCH_SPACE,
                            Criterion.AUTO_TUNING,
                            HAND_WRITTEN,
                            node,
                            "hand-written gene decoding",
                            method="genetic algorithm",
                            hyperparameters=[by_name[name]],
                            confidence=0.75,
                        )
                    )
        for table in self._gene_tables(loop):
            if table.id not in seen:
                seen.add(table.id)
                self.hits.append(
                    Hit(
                        FindingKind.SEARCH_SPACE,
                        Criterion.AUTO_TUNING,
                        HAND_WRITTEN,
                        table,
                        "hand-written gene ranges",
                        method="genetic algorithm",
                        hyperparameters=list(hps),
                        confidence=0.7,
                    )
                )

    def _gene_tables(self, generation: Node) -> list[Node]:
        """Where genes are first drawn: a random draw stored into a chromosome, in this file."""
        found: list[Node] = []
        for call, function in self.cpp.calls:
            if function.type != "field_expression" or not _GENOME.search(
                text(function.child_by_field_name("argument"))
            ):
                continue
            method = text(function.child_by_field_name("field"))
            if not re.match(r"(?i)set|push|insert|emplace|assign", method):
                continue
            loop = enclosing_loop(call)
            arguments = call.child_by_field_name("arguments")
            if arguments is None or _contains(generation, call):
                continue
            if self._draws_here(arguments):  # ind.genes.push_back(width(rng))
                found.append(statement_of(call))
                found += self._distributions(arguments)
                continue
            if loop is not None:  # value = random_int(lo, hi); ... chromosome.setElement(j, value)
                found += [_branches(s, loop) for s in _drawn_into(self.cpp, loop, identifiers_in(arguments))]
        return list({n.id: n for n in found}.values())

    def _draws_here(self, arguments: Node) -> bool:
        return draws(self.cpp, arguments) or bool(self._distributions(arguments))

    def _distributions(self, node: Node) -> list[Node]:
        """Declarations of the `<random>` distributions called in `node`
        (`width(rng)` -> `std::uniform_int_distribution<int> width(16, 512);`)."""
        found: list[Node] = []
        for call in calls_index(self.cpp).nodes(node):
            function = call.child_by_field_name("function")
            decl = (
                self.cpp.declared(text(function), call)
                if function is not None and function.type == "identifier"
                else None
            )
            if decl is not None and decl.type is not None and distribution(text(decl.type)):
                found.append(decl.statement)
        return found


def _in_loop_header(node: Node) -> bool:
    """`for (size_t i = pop.size() / 2; ...)`: a counter started from the population, not a gene."""
    parent = node.parent
    while parent is not None and parent.type in ("declaration", "init_declarator"):
        parent = parent.parent
    initializer = (
        parent.child_by_field_name("initializer") if parent is not None and parent.type == "for_statement" else None
    )
    return initializer is not None and initializer.start_byte <= node.start_byte < initializer.end_byte


def _header(loop: Node) -> bytes:
    body = loop.child_by_field_name("body")
    source = loop.text or b""
    if loop.type == "do_statement":
        return source[-200:]
    return source[: body.start_byte - loop.start_byte] if body is not None else source


def _is_generation_loop(loop: Node) -> bool:
    return any(set(words_of(n)) & _GENERATIONS for n in loop_names(loop))


def _inside_generation_loop(loop: Node) -> bool:
    outer = enclosing_loop(loop)
    while outer is not None:
        if _is_generation_loop(outer):
            return True
        outer = enclosing_loop(outer)
    return False


def _members(body: Node, loop: Node) -> set[str]:
    """Names that hold one member of the population inside the generation loop (`for (auto& ind : pop)`)."""
    names: set[str] = set()
    for inner in descendants(body, "for_range_loop"):
        right = inner.child_by_field_name("right")
        target = inner.child_by_field_name("declarator")
        if right is not None and target is not None and _POPULATION.search(text(right)) and in_body(inner, loop):
            names.update(target_names(target))
    return names


def _reads_genome(value: Node, members: set[str]) -> bool:
    words = identifiers_in(value)
    return any(_GENOME.search(w) or _POPULATION.search(w) for w in words) or bool(words & members)


def _read_elsewhere(body: Node, name: str, statement: Node) -> bool:
    """The decoded value is read by another statement of the generation loop (a network built,
    a trainer configured with it)."""
    for node in descendants(body, "identifier"):
        if text(node) == name and not _contains(statement, node) and function_of(node) == function_of(statement):
            return True
    return False


def _decoding_loop(statement: Node, generation: Node) -> Node | None:
    """`for (j...) layers[j + 1] = chromosome.getElement(j);`: a loop that only decodes."""
    loop = enclosing_loop(statement)
    if loop is None or loop.id == generation.id or loop.type != "for_statement":
        return None
    body = loop.child_by_field_name("body")
    statements = (
        [c for c in body.named_children if c.type != "comment"]
        if body is not None and body.type == "compound_statement"
        else [body]
        if body is not None
        else []
    )
    return loop if len(statements) == 1 and statements[0].id == statement.id else None


def _drawn_into(cpp: CppFile, loop: Node, values: set[str]) -> list[Node]:
    """Statements of the loop that draw one of `values` at random (`value = random_int(lo, hi)`)."""
    body = loop.child_by_field_name("body")
    if body is None:
        return []
    found: list[Node] = []
    cursor = QueryCursor(_query(_SET_QUERY))
    cursor.set_byte_range(body.start_byte, body.end_byte)
    for _, match in cursor.matches(body):
        target = match["target"][0]
        names = target_names(target) if target.type != "field_expression" else []
        name = root_of(target) or (names[0] if names else None)
        if name in values and draws(cpp, match["value"][0]) and in_body(match["set"][0], loop):
            found.append(statement_of(match["set"][0]))
    return found


def _branches(statement: Node, loop: Node) -> Node:
    """A draw inside an if/else chain stands for the whole chain (one gene range per branch)."""
    current, top = statement, None
    while current.parent is not None and current.parent.id != loop.id and current.parent.type not in FUNCTIONS:
        current = current.parent
        if current.type == "if_statement":
            top = current
    return top if top is not None and top.child_by_field_name("alternative") is not None else statement


def _contains(outer: Node, inner: Node) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte


__all__ = ["GeneticSearches"]
