"""Cross-file links between Python code and config files.

The Python side (pure, per file): which configs a file names (`@hydra.main(config_path=...,
config_name=...)`, `hydra.initialize(...)` + `hydra.compose(...)`) as `ConfigRef`s, and
rl-baselines3-zoo style code that loads a `hyperparams/<algo>.yml` and applies it to a
model (a `tuned-config` finding: parameterization).

The linking itself (`link_configs`, after a scan's per-file analysis) is also pure: each
reference is resolved to a scanned config report by its path (no file is read), and a config
that defines a sweep makes the decorator or compose call a tuning finding of the Python file.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator

from tree_sitter import Node, QueryCursor

from hptlens.analysis.assembly import HASH_SUPPRESS, node_position
from hptlens.analysis.neutral import ALGORITHMS, NOT_LITERAL, Hit, enclosing, identifiers_in, text
from hptlens.analysis.pyfile import PyFile, query
from hptlens.analysis.sites import make_site
from hptlens.analysis.spaces import call_arguments, literal
from hptlens.documents import Document
from hptlens.report import ConfigRef, Criterion, FileReport, Finding, FindingKind, Hyperparameter, RefKind
from hptlens.settings import Settings

HYDRA_ENTRY_KINDS = frozenset({"hydra-main", "hydra-compose"})
_ENTRY_NAMES = {"hydra-main": "@hydra.main", "hydra-compose": "hydra.compose", "sweep-launch": "wandb sweep"}
LINK_API = "hydra.config-link"

_HYDRA_MAIN = frozenset({"hydra.main"})
_HYDRA_INITIALIZE = frozenset(
    {
        "hydra.initialize",
        "hydra.experimental.initialize",
        "hydra.initialize_config_dir",
        "hydra.experimental.initialize_config_dir",
    }
)
_HYDRA_COMPOSE = frozenset({"hydra.compose", "hydra.experimental.compose"})
_YAML_LOADS = frozenset(
    {
        "yaml.safe_load",
        "yaml.load",
        "yaml.full_load",
        "yaml.unsafe_load",
        "omegaconf.OmegaConf.load",
        "ruamel.yaml.YAML().load",
    }
)
_UPDATES = (
    "(call function: (attribute object: (identifier) @r attribute: (identifier) @m)"
    ' arguments: (argument_list) @a (#eq? @m "update"))'
)
_HYPERPARAMS_FILE = re.compile(r"hyperparams", re.IGNORECASE)
_YAML_FILE = re.compile(r"\.ya?ml\b|\byml\b|\byaml\b", re.IGNORECASE)
_ALGORITHM_NAMES = frozenset(ALGORITHMS)
_MAX_ROUNDS = 5
_UNKNOWN = object()


# --------------------------------------------------------------------------- references


def _calls(py: PyFile) -> Iterator[tuple[Node, str]]:
    """(call, qualified callee) for every call whose name might be a hydra or YAML-load call."""
    for call in py.candidates("config_call"):
        function = call.child_by_field_name("function")
        if function is not None:
            yield call, py.qualify(function)


def _string(py: PyFile, node: Node | None) -> object:
    """A str, None (the literal None), or _UNKNOWN when the value is not a literal."""
    if node is None:
        return _UNKNOWN
    value = literal(py.resolve(node))
    return value if value is None or isinstance(value, str) else _UNKNOWN


def _argument(call: Node, keyword: str, position: int) -> tuple[bool, Node | None]:
    positional, keywords = call_arguments(call)
    if keyword in keywords:
        return True, keywords[keyword]
    if len(positional) > position:
        return True, positional[position]
    return False, None


def config_references(py: PyFile, document: Document, loads: list[tuple[Node, str]]) -> list[ConfigRef]:
    """The hydra configs and hyperparameter files this Python file names."""
    refs: list[ConfigRef] = []
    initializers: list[tuple[int, object]] = []
    composes: list[Node] = []
    for call, qualified in sorted(_calls(py), key=lambda c: c[0].start_byte):
        if qualified in _HYDRA_MAIN and call.parent is not None and call.parent.type == "decorator":
            ref = _main_ref(py, document, call)
            if ref is not None:
                refs.append(ref)
        elif qualified in _HYDRA_INITIALIZE:
            keyword = "config_dir" if qualified.endswith("config_dir") else "config_path"
            given, node = _argument(call, keyword, 0)
            initializers.append((call.start_byte, _string(py, node) if given else None))
        elif qualified in _HYDRA_COMPOSE:
            composes.append(call)
    for call in composes:
        before = [path for start, path in initializers if start < call.start_byte]
        path = before[-1] if before else None
        given, node = _argument(call, "config_name", 0)
        name = _string(py, node) if given else _UNKNOWN
        if isinstance(name, str) and (path is None or isinstance(path, str)) and not _suppressed(py, call):
            refs.append(_ref(py, document, "hydra-compose", path, name, call))
    for call, path in loads:
        refs.append(_ref(py, document, "hyperparams", None, path, call))
    return sorted(refs, key=lambda r: (r.line, r.kind))


def _main_ref(py: PyFile, document: Document, call: Node) -> ConfigRef | None:
    decorator = call.parent
    if decorator is None:
        return None
    given_path, path_node = _argument(call, "config_path", 0)
    given_name, name_node = _argument(call, "config_name", 1)
    path = _string(py, path_node) if given_path else "."  # omitted: the script's folder (hydra 1.1 behaviour)
    name = _string(py, name_node) if given_name else None
    if not isinstance(path, str) or not isinstance(name, str) or _suppressed(py, decorator):
        return None  # config_path=None (no config folder), or not literal: nothing to resolve
    return _ref(py, document, "hydra-main", path, name, decorator)


def _suppressed(py: PyFile, node: Node) -> bool:
    """A line-level `# hpt: ignore` (any kinds) on the line; `ignore-file` is not line-level."""
    match = HASH_SUPPRESS.search(py.line_text(node.start_point[0]))
    return match is not None and not match.group("file")


def _ref(py: PyFile, document: Document, kind: RefKind, path: str | None, name: str, node: Node) -> ConfigRef:
    rng, cell = node_position(document, py, node)
    line = node.start_point[0] + 1
    return ConfigRef(kind=kind, config_path=path, config_name=name, line=line, range=rng, cell=cell)


# --------------------------------------------------------------------------- rl-zoo style loads


def config_load_hits(loads: list[tuple[Node, str]]) -> list[Hit]:
    """`yaml.safe_load(open("hyperparams/ppo.yml"))[env_id]` whose result reaches a model: parameterization."""
    hits = []
    for call, path in loads:
        hits.append(
            Hit(
                kind=FindingKind.TUNED_CONFIG,
                category=Criterion.PARAMETERIZATION,
                library="RL Baselines3 Zoo",
                node=call,
                api="rl_zoo3.hyperparams-load",
                confidence=0.8,
                label=f"loads tuned hyperparameters from {path} and applies them to the model",
            )
        )
    return hits


def hyperparams_loads(py: PyFile) -> list[tuple[Node, str]]:
    """(load call, file shown) for each rl-zoo hyperparams YAML loaded and applied to a model; both the
    finding and the reference are made from this one pass."""
    found = []
    for call, qualified in _calls(py):
        if qualified not in _YAML_LOADS:
            continue
        source = _load_source(py, call, qualified)
        shown = _path_text(py, source) if source is not None else ""
        if _HYPERPARAMS_FILE.search(shown) and _YAML_FILE.search(shown) and _applied(py, call):
            found.append((call, _short_path(source, shown)))
    return sorted(found, key=lambda f: f[0].start_byte)


def _load_source(py: PyFile, call: Node, qualified: str) -> Node | None:
    """The expression naming the file a load reads: the path itself, or what an opened handle opened."""
    given, argument = _argument(call, "stream", 0)
    if not given or argument is None:
        return None
    if qualified.endswith("OmegaConf.load"):
        return argument
    if argument.type == "identifier":
        opened = _with_target(py, argument) or py.resolve(argument)
        argument = opened
    if argument.type == "call":
        function = argument.child_by_field_name("function")
        name = text(function).rsplit(".", 1)[-1]
        if name == "open" and function is not None and function.type == "identifier":
            given, path = _argument(argument, "file", 0)
            return path
        if name in ("open", "read_text") and function is not None and function.type == "attribute":
            return function.child_by_field_name("object")  # Path(...).open() / .read_text()
    return argument


def _with_target(py: PyFile, name: Node) -> Node | None:
    """`with open(p) as f:` -> the `open(p)` call bound to `f` (the last such binding before `name`)."""
    best = None
    for _, match in QueryCursor(query("(as_pattern (call) @v alias: (as_pattern_target (identifier) @a))")).matches(
        py.root
    ):
        alias, value = match["a"][0], match["v"][0]
        if text(alias) == text(name) and alias.start_byte < name.start_byte:
            best = value
    return best


def _path_text(py: PyFile, node: Node) -> str:
    """The path expression's text plus what its variables were assigned (one level)."""
    parts = [text(node)]
    for name in sorted(identifiers_in(node)):
        value = py.assigned_value(name, node)
        if value is not None:
            parts.append(text(value))
    return " ".join(parts)[:2000]


def _short_path(node: Node | None, shown: str) -> str:
    """The file as a reader knows it: the literal path, or `hyperparams/<file>` from the pieces."""
    value = literal(node) if node is not None else NOT_LITERAL
    if isinstance(value, str):
        return value
    fragments = re.findall(r"[\"']([^\"'\n]*)[\"']", shown)
    whole = next((f for f in fragments if _HYPERPARAMS_FILE.search(f) and _YAML_FILE.search(f)), None)
    if whole is not None:
        return whole
    name = next((f for f in fragments if _YAML_FILE.search(f)), None)
    return f"hyperparams/{posixpath.basename(name)}" if name else "a hyperparams file"


def _applied(py: PyFile, call: Node) -> bool:
    """Whether what the load returns reaches a model: `**kwargs` into a call, or an RL algorithm's arguments."""
    derived = _seeds(call)
    if not derived:
        return False
    for _ in range(_MAX_ROUNDS):
        grown = set(derived)
        for target, assignments in py.assignments.items():
            rights = [right for a in assignments if (right := a.child_by_field_name("right")) is not None]
            if "." not in target and any(identifiers_in(right) & derived for right in rights):
                grown.add(target)
        for update in _updates(py):
            receiver, argument = update
            if identifiers_in(argument) & derived:
                grown.add(receiver)
        grown |= {function for function, value in _returns(py) if identifiers_in(value) & derived}
        if grown == derived:
            break
        derived = grown
    return _splatted(py, derived) or _passed_to_algorithm(py, derived)


def _seeds(call: Node) -> set[str]:
    node = call
    while node.parent is not None and node.parent.type in (
        "subscript",
        "parenthesized_expression",
        "call",
        "argument_list",
        "attribute",
    ):
        node = node.parent
    parent = node.parent
    if parent is not None and parent.type == "assignment":
        left = parent.child_by_field_name("left")
        return {text(left)} if left is not None and left.type == "identifier" else set()
    if parent is not None and parent.type == "return_statement":
        function: Node | None = parent
        while function is not None and function.type != "function_definition":
            function = function.parent
        name = function.child_by_field_name("name") if function is not None else None
        return {text(name)} if name is not None else set()
    return set()


def _returns(py: PyFile) -> Iterator[tuple[str, Node]]:
    """(function name, returned value) for each `return` in a named function: what a function
    returns flows to its callers (`return hyperparams[env_id]`, then `Hyperparams(**load(...))`)."""
    for node in QueryCursor(query("(return_statement (_) @v)")).captures(py.root).get("v", []):
        function = enclosing(node, frozenset({"function_definition"}))
        name = function.child_by_field_name("name") if function is not None else None
        if name is not None:
            yield text(name), node


def _updates(py: PyFile) -> Iterator[tuple[str, Node]]:
    for _, match in QueryCursor(query(_UPDATES)).matches(py.root):
        yield text(match["r"][0]), match["a"][0]


def _splatted(py: PyFile, derived: set[str]) -> bool:
    captures = QueryCursor(query("(argument_list (dictionary_splat) @s)")).captures(py.root)
    return any(identifiers_in(splat) & derived for splat in captures.get("s", []))


def _passed_to_algorithm(py: PyFile, derived: set[str]) -> bool:
    for _, match in QueryCursor(query("(call function: (_) @f arguments: (argument_list) @a) @c")).matches(py.root):
        name = text(match["f"][0]).rsplit(".", 1)[-1]
        if (name in _ALGORITHM_NAMES or "ALGOS" in text(match["f"][0])) and identifiers_in(match["a"][0]) & derived:
            return True
    return False


# --------------------------------------------------------------------------- resolving and linking


def config_candidates(ref: ConfigRef, from_path: str) -> list[str]:
    """Paths (joined onto the referring file's folder, '/'-separated) where `ref`'s config may be."""
    if ref.config_name is None:
        return []
    folder = posixpath.dirname(from_path.replace("\\", "/"))
    base = posixpath.join(folder, ref.config_path or ".")
    name = ref.config_name
    names = [name] if name.endswith((".yaml", ".yml", ".json")) else [name + ".yaml", name + ".yml"]
    return [posixpath.normpath(posixpath.join(base, n)) for n in names]


def defaults_candidates(config: FileReport) -> list[str]:
    """Configs a primary config pulls in through its defaults list (one level)."""
    out: list[str] = []
    for ref in config.config_refs:
        if ref.kind == "hydra-defaults":
            out += config_candidates(ref, config.path)
    return out


def sweeps(config: FileReport) -> bool:
    return any(f.kind == FindingKind.SWEEP_CONFIG for f in config.findings)


def sweep_targets(primary: FileReport, pulled: list[FileReport]) -> list[FileReport]:
    """The configs that make a hydra run a sweep: the one naming a sweeper first, then those adding
    search space (a `search_space/ppo.yaml` group file); [] if no sweeper is named anywhere."""
    candidates = [c for c in [primary, *pulled] if sweeps(c)]
    with_sweeper = [c for c in candidates if any(f.api == "hydra/sweeper" for f in c.findings)]
    if not with_sweeper:
        return []
    return [with_sweeper[0], *[c for c in candidates if c is not with_sweeper[0]]]


def link_report(report: FileReport, links: list[tuple[ConfigRef, FileReport, list[FileReport]]]) -> FileReport:
    """`report` with one sweep-config finding (and site) per (reference, primary config, sweeping configs):
    `configs[0]` names the sweeper (the primary itself, or one its defaults pull in), the rest add search space."""
    findings = list(report.findings)
    sites = list(report.sites)
    known = {(f.range.start.line, f.cell) for f in findings if f.api == LINK_API}
    lines = []
    for ref, primary, configs in links:
        if not configs or (ref.range.start.line, ref.cell) in known:
            continue
        site_id = f"S{len(sites) + 1}"
        findings.append(_link_finding(ref, primary, configs, report.path, site_id))
        sites.append(make_site(site_id, findings, [len(findings) - 1], _budget(configs[0])))
        lines.append(ref.line)
        known.add((ref.range.start.line, ref.cell))
    if len(findings) == len(report.findings):
        return report
    linked = report.model_copy(update={"findings": findings, "sites": sites})
    linked.summarize(lines)
    return linked


def link_configs(reports: list[FileReport], settings: Settings | None = None) -> list[FileReport]:
    """Cross-file links, after the per-file analysis: a `@hydra.main`/`hydra.compose` whose config
    (relative to the Python file's folder, or one its defaults list pulls in) is in the scan and
    defines a sweep becomes a tuning finding at the decorator or compose call.

    Only scanned configs count: the link step matches paths and reads no file.
    """
    if settings is not None and FindingKind.SWEEP_CONFIG not in settings.enabled_kinds:
        return reports
    by_path = {_link_key(r.path): r for r in reports}
    if not any(sweeps(r) for r in reports):
        return reports
    linked = []
    for report in reports:
        links = []
        for ref in report.config_refs:
            if ref.kind not in _ENTRY_NAMES:
                continue
            primary = next(
                (by_path[k] for c in config_candidates(ref, report.path) if (k := _link_key(c)) in by_path), None
            )
            if primary is None:
                continue
            if ref.kind == "sweep-launch":  # the launched file is the whole sweep (W&B), no defaults list
                targets = [primary] if sweeps(primary) else []
            else:
                pulled = [by_path[k] for c in defaults_candidates(primary) if (k := _link_key(c)) in by_path]
                targets = sweep_targets(primary, pulled)
            if targets:
                links.append((ref, primary, targets))
        linked.append(link_report(report, links) if links else report)
    return linked


def _link_key(path: str) -> str:
    return os.path.normcase(os.path.normpath(os.path.abspath(path)))


def _link_finding(
    ref: ConfigRef, primary: FileReport, configs: list[FileReport], from_path: str, site_id: str
) -> Finding:
    folder = posixpath.dirname(from_path) or "."
    shown = posixpath.relpath(primary.path, folder)
    sweep = [f for c in configs for f in c.findings if f.kind == FindingKind.SWEEP_CONFIG]
    methods = list(dict.fromkeys(f.method for f in sweep if f.method))
    names: dict[str, Hyperparameter] = {}
    for finding in sweep:
        for hp in finding.hyperparameters:
            names.setdefault(hp.name, hp)
    sweeper = next((f.message for f in sweep if f.api == "hydra/sweeper"), None)
    what = _ENTRY_NAMES[ref.kind]
    message = f"{what} runs {shown}, which defines a sweep"
    if configs[0] is not primary:
        message = f"{what} runs {shown}, whose defaults pull in a sweep ({posixpath.relpath(configs[0].path, folder)})"
    message += f": {sweeper}" if sweeper else ""
    if names and (sweeper is None or " searches " not in sweeper):
        message += f" ({len(names)} hyperparameter{'s' if len(names) != 1 else ''} in the search space)"
    library = "Hydra" if ref.kind in HYDRA_ENTRY_KINDS else next((f.library for f in sweep), "Hydra")
    return Finding(
        kind=FindingKind.SWEEP_CONFIG,
        category=Criterion.AUTO_TUNING,
        library=library,
        method=" + ".join(methods) or None,
        message=message,
        range=ref.range,
        cell=ref.cell,
        hyperparameters=list(names.values()),
        confidence=0.85,
        site=site_id,
        api=LINK_API,
    )


def _budget(config: FileReport) -> str | None:
    return next((s.budget for s in config.sites if s.budget), None)


__all__ = [
    "HYDRA_ENTRY_KINDS",
    "config_candidates",
    "config_references",
    "defaults_candidates",
    "config_load_hits",
    "hyperparams_loads",
    "link_configs",
    "link_report",
    "sweep_targets",
    "sweeps",
]
