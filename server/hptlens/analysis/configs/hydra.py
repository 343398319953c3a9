"""hydra sweepers in configs (DEHB, PBT/PB2, Optuna, Ax, nevergrad, SMAC, the basic sweeper's
`params`), and the configs a defaults list pulls in."""

from __future__ import annotations

import re

from hptlens.analysis.configs.hits import (
    AUTO,
    SWEEP,
    Context,
    Group,
    Hit,
    dimension_hit,
    entry_hit,
    names_of,
    plural,
    tuned_dimensions,
)
from hptlens.analysis.configs.overrides import override_space
from hptlens.analysis.configs.spaces import categorical, nevergrad_space, typed_space
from hptlens.analysis.configs.tree import Key, Node, items_of, plain
from hptlens.report import ConfigRef, Range, RefKind, SearchSpace

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
_OPTUNA_SAMPLERS = {
    "TPESampler": "TPE",
    "CmaEsSampler": "CMA-ES",
    "RandomSampler": "random search",
    "GridSampler": "grid search",
    "NSGAIISampler": "NSGA-II",
    "QMCSampler": "QMC",
    "GPSampler": "Gaussian process",
}


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
        (sweeper.map("params"), "params"),
        (sweeper.map("parametrization"), "parametrization"),
    ]
    ax_config = sweeper.map("ax_config")
    if ax_config is not None:
        sources.append((ax_config.map("params"), "params"))
    legacy = sweeper.map("params")
    if legacy is not None and legacy.map("parametrization") is not None:  # the nevergrad plugin before hydra 1.0
        sources.append((legacy.map("parametrization"), "parametrization"))
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
            hits += configspace_list(node, library, label)
            continue
        for key, value in node.pairs if node.is_map else []:
            dim = typed_space(value) if source == "search_space" and value.is_map else hydra_space(value)
            if dim is not None:
                hits.append(dimension_hit(key, value, key.text, dim, library, label, f"hydra.sweeper.{source}"))
    return hits, note


def _group_of(root: Node, space: Node) -> str:
    """`${search_space}` with `- search_space: ppo` in the defaults list -> 'search_space/ppo.yaml'."""
    match = re.fullmatch(r"\$\{([\w.]+)\}", str(plain(space)).strip())
    group = match.group(1) if match else None
    for ref in hydra_defaults_refs(root) if group else []:
        if ref.config_path == group:
            return f"the {ref.config_path}/{ref.config_name}.yaml config"
    return "another config"


def configspace_list(node: Node, library: str, label: str) -> list[Hit]:
    hits = []
    for item in node.items:
        if not item.is_map or item.text("name") is None:
            continue
        space = typed_space(item)
        key = item.key("name")
        if space is not None and key is not None:
            hits.append(
                dimension_hit(
                    Key(item.text("name") or "", item.line, item.column),
                    item,
                    item.text("name") or "",
                    space,
                    library,
                    label,
                    "configspace",
                )
            )
    return hits


def _hydra_method(sweeper: Node, key: str, fallback: str | None) -> tuple[str | None, Hit | None]:
    """The method the sweeper runs, and a hit for an explicit sampler/optimizer entry."""
    sampler = sweeper.entry("sampler")
    if sampler is not None and sampler[1].is_map and sampler[1].text("_target_"):
        name = (sampler[1].text("_target_") or "").rsplit(".", 1)[-1]
        method = _OPTUNA_SAMPLERS.get(name, name)
        return method, entry_hit(
            *sampler,
            kind=SWEEP,
            category=AUTO,
            library="Optuna",
            message=f"Optuna sampler {name} drives the hydra sweep",
            method=method,
            api="hydra.sweeper.sampler",
        )
    optim = sweeper.map("optim") or (sweeper.map("params") or sweeper).map("optim")
    if optim is not None and optim.text("optimizer"):
        return optim.text("optimizer"), None
    optimizer = sweeper.text("optimizer")
    if optimizer and key in ("pbt", "pb2", "hyperpbt"):
        return optimizer.upper(), None
    if key == "optuna":
        return "TPE", None  # Optuna's default sampler
    return fallback, None


def _hydra_budget(sweeper: Node) -> str | None:
    for path, unit in (
        (("n_trials",), "trials"),
        (("optim", "budget"), "evaluations"),
        (("params", "optim", "budget"), "evaluations"),
        (("ax_config", "max_trials"), "trials"),
        (("pbt_kwargs", "population_size"), "population"),
        (("total_brackets",), "brackets"),
        (("budget",), "budget"),
    ):
        node: Node | None = sweeper
        for part in path:
            node = node.get(part) if node is not None and node.is_map else None
        value = plain(node)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"population {value:g}" if unit == "population" else f"{value:g} {unit}"
    return None


_SPACE_PACKAGE = re.compile(r"#\s*@package\s+hydra\.sweeper\.(?P<path>[\w.]*(params|parametrization|search_space))\b")


def detect_hydra(root: Node, ctx: Context) -> list[Group]:
    package = _SPACE_PACKAGE.search(ctx.text[:2000])
    if package is not None:  # a config group file holding a sweeper's search space: the document is the space
        library = "Ax" if "ax_config" in package.group("path") else "Hydra"
        source = package.group("path").rsplit(".", 1)[-1]
        dims = [
            dimension_hit(key, value, key.text, dim, library, "Hydra sweeper search space", f"hydra.sweeper.{source}")
            for key, value in root.pairs
            if (dim := typed_space(value) if source == "search_space" and value.is_map else hydra_space(value))
        ]
        return [Group(dims)] if dims else []
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
        message += f" searches {plural(len(tuned_dimensions(dims)), 'hyperparameter')}"
    else:
        message += f"; {note or 'its search space is defined elsewhere (another config or the command line)'}"
    if budget:
        message += f", {budget}"
    hits = []
    block = (sweeper_key, sweeper) if sweeper_key is not None and sweeper is not None else None
    anchor = entry or block
    if anchor is not None:
        hits.append(
            entry_hit(
                anchor[0],
                anchor[1],
                kind=SWEEP,
                category=AUTO,
                library="Hydra",
                message=message,
                method=method,
                hps=names_of(dims),
                api="hydra/sweeper",
            )
        )
    if block is not None and anchor is not block:
        hits.append(
            entry_hit(
                *block,
                kind=SWEEP,
                category=AUTO,
                library=library,
                api="hydra.sweeper",
                method=method,
                message=f"Hydra {shown} sweeper settings",
            )
        )
    elif block is None and sweeper is root:  # a `@package hydra.sweeper` file: each entry is a setting
        hits += [
            entry_hit(
                k,
                v,
                kind=SWEEP,
                category=AUTO,
                library=library,
                api="hydra.sweeper",
                method=method,
                message=f"Hydra {shown} sweeper setting {k.text}",
            )
            for k, v in root.pairs
        ]
    if sampler_hit is not None:
        hits.append(sampler_hit)
    hits += _selecting_hits(root, sweeper, shown, method)
    return [Group(hits + dims, budget)]


# Defaults groups that hold a sweep's search space or sampler (besides those the sweeper interpolates).
_SPACE_GROUP = re.compile(r"(^|/)(search_?space|hparams_search|hpo|sweep(er)?)(/|$)|^/?hydra/sweeper/", re.IGNORECASE)
# Sweeper keys whose `${group}` value names the defaults group holding the space or the sampler.
_SPACE_KEYS = ("search_space", "params", "parametrization", "space", "config_space", "configspace", "sampler")
# Top-level keys naming the metric a sweep optimises (the lightning-hydra-template convention).
_OBJECTIVE_KEYS = ("optimized_metric", "optimization_metric", "optimize_metric")


def _selecting_hits(root: Node, sweeper: Node | None, shown: str, method: str | None) -> list[Hit]:
    """What else the sweep is made of: the defaults entries that select its search-space group or its
    sampler, `hydra.mode: MULTIRUN`, and the metric the sweep optimises."""
    referenced = {
        name
        for key in _SPACE_KEYS
        if sweeper is not None and sweeper is not root and (value := sweeper.get(key)) is not None
        for name in _interpolated(value)
    }
    hits = []
    defaults = root.get("defaults")
    for item in defaults.items if defaults is not None and defaults.is_seq else []:
        if not item.is_map or len(item.pairs) != 1:
            continue
        key, value = item.pairs[0]
        match = _GROUP_DEFAULT.match(key.text.strip())
        group = match.group("group").lstrip("/") if match else ""
        if not group or value.kind != "scalar" or value.value is None or _SWEEPER_ENTRY.match(key.text.strip()):
            continue
        if group in referenced or _SPACE_GROUP.search(group):
            hits.append(
                entry_hit(
                    key,
                    value,
                    kind=SWEEP,
                    category=AUTO,
                    library="Hydra",
                    api="hydra.defaults",
                    method=method,
                    message=f"selects the sweep's {group} config: {plain(value)}",
                )
            )
    hydra = root.map("hydra")
    mode = hydra.entry("mode") if hydra is not None else None
    if mode is not None and str(plain(mode[1])).upper() == "MULTIRUN":
        hits.append(
            entry_hit(
                *mode,
                kind=SWEEP,
                category=AUTO,
                library="Hydra",
                api="hydra.mode",
                method=method,
                message=f"runs the {shown} sweep by default (multirun)",
            )
        )
    for name in _OBJECTIVE_KEYS:
        objective = root.entry(name)
        if objective is not None and objective[1].kind == "scalar":
            hits.append(
                entry_hit(
                    *objective,
                    kind=SWEEP,
                    category=AUTO,
                    library="Hydra",
                    api="hydra.objective",
                    method=method,
                    message=f"the {shown} sweep optimises {plain(objective[1])}",
                )
            )
    return hits


def _interpolated(node: Node, depth: int = 0) -> set[str]:
    """Top-level names a subtree interpolates (`${search_space}`, `${search_space.x}`)."""
    found: set[str] = set()
    if node.kind == "scalar":
        if isinstance(node.value, str) and "${" in node.value:
            found.update(m.group(1) for m in re.finditer(r"\$\{([A-Za-z_][\w]*)", node.value))
        return found
    if depth > 20:
        return found
    for child in (v for _, v in node.pairs) if node.is_map else node.items:
        found |= _interpolated(child, depth + 1)
    return found


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
                refs.append(
                    _ref("hydra-defaults", match.group("group").lstrip("/"), option, key.line, key.column, value)
                )
    return refs


def _ref(kind: RefKind, path: str | None, name: str, line: int, column: int, end: Node) -> ConfigRef:
    return ConfigRef(
        kind=kind,
        config_path=path,
        config_name=name,
        line=line,
        range=Range.of(line, column, end.end_line, end.end_column),
    )


def hydra_space(value: Node) -> SearchSpace | None:
    """A hydra sweeper `params`/`parametrization` entry: override string, list or dict."""
    if value.kind == "scalar":
        return override_space(value.value) if isinstance(value.value, str) else None
    if value.is_seq:
        return categorical(items_of(value), "choice")
    return typed_space(value) or nevergrad_space(value)
