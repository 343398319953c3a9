"""Configs of HPO tools run from the command line: NNI search spaces and experiments, Comet
Optimizer configs, Guild AI files (batch steps over flag value lists, optimizers).

- NNI search space (`search_space.json`): `{"lr": {"_type": "loguniform", "_value": [1e-5, 0.1]}}`;
  an NNI experiment (v2 `tuner`/`advisor`/`assessor` with `searchSpaceFile` or an inline
  `searchSpace`, trial budgets; v1 `builtinTunerName`, `searchSpacePath`, `maxTrialNum`).
- Comet Optimizer: `algorithm` (bayes, random, grid), `parameters` with typed specs, `spec` (metric,
  objective, maxCombo), `trials`.
- Guild AI: an operation whose `steps` run another operation with flag value lists (`[a, b]`) or
  search functions (`logspace[-5:-1:5]`, `loguniform[1e-5:1e-1]`, `range[1:5]`), or name an
  `optimizer`; operations that declare `optimizers`.
"""

from __future__ import annotations

import re

from hptlens.analysis.configs.hits import (
    LIB,
    SWEEP,
    Context,
    Group,
    Hit,
    dimension_hit,
    entry_hit,
    header_hit,
    method_category,
    names_of,
    plural,
    setting_hits,
    tuned_dimensions,
)
from hptlens.analysis.configs.overrides import prior_space
from hptlens.analysis.configs.params import param_space
from hptlens.analysis.configs.spaces import bounded, categorical, primitive
from hptlens.analysis.configs.tree import Key, Node, items_of, plain
from hptlens.report import SearchSpace, SpaceType

# --------------------------------------------------------------------------- NNI

NNI_TYPES = frozenset(
    {
        "choice",
        "randint",
        "uniform",
        "quniform",
        "loguniform",
        "qloguniform",
        "normal",
        "qnormal",
        "lognormal",
        "qlognormal",
        "layer_choice",
        "input_choice",
        "mutable_layer",
    }
)
_NNI_SPACE_FILES = ("searchSpaceFile", "searchSpacePath", "search_space_file", "searchSpace", "search_space")
_NNI_SETTINGS = (
    *_NNI_SPACE_FILES,
    "trialConcurrency",
    "maxTrialNumber",
    "maxTrialNum",
    "max_trial_number",
    "maxExperimentDuration",
    "maxExecDuration",
    "maxTrialDuration",
    "assessor",
)
_NNI_TRIAL_KEYS = frozenset(
    {
        "trialCommand",
        "trial",
        "trainingService",
        "trainingServicePlatform",
        "trial_command",
        "training_service",
        *_NNI_SPACE_FILES,
    }
)
_NNI_NAME_FIELDS = ("name", "builtinTunerName", "builtinAdvisorName", "className", "class_name")


def nni_dimensions(space: Node | None) -> list[Hit]:
    """Entries of an NNI search space: `name: {_type, _value}`."""
    hits = []
    for key, spec in space.pairs if space is not None and space.is_map else []:
        kind = spec.text("_type") if spec.is_map else None
        if kind in NNI_TYPES:
            dim = param_space(spec)
            if dim is not None:
                hits.append(dimension_hit(key, spec, key.text, dim, "NNI", "NNI search space", "nni.search_space"))
    return hits


def detect_nni(root: Node, ctx: Context) -> list[Group]:
    tuner = next((root.entry(k) for k in ("tuner", "advisor") if root.map(k) is not None), None)
    if tuner is None or not _NNI_TRIAL_KEYS & set(root.index):
        dims = nni_dimensions(root)  # a search-space file
        return [Group(dims)] if tuned_dimensions(dims) else []
    inline = next((root.map(k) for k in ("searchSpace", "search_space") if root.map(k) is not None), None)
    dims = nni_dimensions(inline)
    method = next((tuner[1].text(k) for k in _NNI_NAME_FIELDS if tuner[1].text(k)), None)
    category = method_category(method)
    budget = next(
        (
            f"{plain(root.get(k))} trials"
            for k in ("maxTrialNumber", "maxTrialNum", "max_trial_number")
            if isinstance(plain(root.get(k)), int)
        ),
        None,
    )
    message = (
        f"NNI experiment: {tuner[0].text} {method or 'custom'}"
        + (
            f" over {plural(len(tuned_dimensions(dims)), 'hyperparameter')}"
            if dims
            else f", search space in {plain(_space_file(root)) or 'the trial code'}"
        )
        + (f", {budget}" if budget else "")
    )
    run = entry_hit(
        *tuner,
        kind=SWEEP,
        category=category,
        library="NNI",
        method=method,
        api=f"nni.{tuner[0].text}",
        hps=names_of(dims),
        message=message,
    )
    settings = setting_hits(
        root,
        _NNI_SETTINGS,
        library="NNI",
        label="NNI experiment",
        category=category,
        api="nni.experiment",
        method=method,
    )
    annotation = root.get("useAnnotation")
    if annotation is not None and annotation.value is True:
        settings += setting_hits(
            root,
            ("useAnnotation",),
            library="NNI",
            label="NNI experiment (space in the trial code's annotations)",
            category=category,
            api="nni.experiment",
            method=method,
        )
    return [Group([run, *settings, *dims], budget)]


def _space_file(root: Node) -> Node | None:
    return next((node for k in _NNI_SPACE_FILES if (node := root.get(k)) is not None and node.kind == "scalar"), None)


# --------------------------------------------------------------------------- Comet

_COMET_ALGORITHMS = {"bayes": "Bayesian optimisation", "random": "random search", "grid": "grid search"}
_COMET_TYPES = frozenset({"integer", "float", "double", "real", "discrete", "categorical"})


def detect_comet(root: Node, ctx: Context) -> list[Group]:
    algorithm = root.entry("algorithm")
    space = root.entry("parameters")
    if algorithm is None or plain(algorithm[1]) not in _COMET_ALGORITHMS or space is None or not space[1].is_map:
        return []
    parameters = space[1]
    typed = [(k, v) for k, v in parameters.pairs if v.is_map and (v.text("type") or "").lower() in _COMET_TYPES]
    if not typed or (root.get("spec") is None and len(typed) * 2 < len(parameters.pairs)):
        return []
    dims = [
        dimension_hit(key, spec, key.text, dim, "Comet", "Comet Optimizer parameter", "comet.optimizer")
        for key, spec in typed
        if (dim := param_space(spec)) is not None
    ]
    if not tuned_dimensions(dims):
        return []
    name = str(plain(algorithm[1]))
    category = method_category(name)
    spec = root.map("spec")
    budget = (
        f"{plain(spec.get('maxCombo'))} combinations"
        if spec is not None and isinstance(plain(spec.get("maxCombo")), int) and plain(spec.get("maxCombo"))
        else None
    )
    run = entry_hit(
        *algorithm,
        kind=SWEEP,
        category=category,
        library="Comet",
        method=_COMET_ALGORITHMS[name],
        api="comet.optimizer",
        hps=names_of(dims),
        message=f"Comet Optimizer ({name}) over {plural(len(tuned_dimensions(dims)), 'hyperparameter')}",
    )
    settings = setting_hits(
        root, ("spec", "trials"), library="Comet", label="Comet Optimizer", category=category, api="comet.optimizer"
    )
    settings.append(
        header_hit(
            ctx, space[0], category=LIB, library="Comet", api="comet.optimizer", message="Comet Optimizer search space"
        )
    )
    return [Group([run, *settings, *dims], budget)]


# --------------------------------------------------------------------------- Guild AI

# `logspace[-9:3:13]`, `loguniform[1e-9:1e3]`, `range[1:5]`, `uniform[0:1]`, `[1:10]` (a slice: uniform)
_GUILD_FUNCTION = re.compile(r"^\s*(?P<name>[a-z_]*)\[(?P<args>[^\[\]]*)\]\s*$")
_GUILD_SEARCH_KEYS = ("optimizer", "optimizers", "max-trials", "maximize", "minimize")


def guild_space(value: Node) -> SearchSpace | None:
    """A Guild flag value that stands for several runs: a list, or a search function."""
    if value.is_seq:
        items = items_of(value) or []
        return categorical(items, "list") if len(set(map(str, items))) > 1 else None
    text = value.value if value.kind == "scalar" else None
    match = _GUILD_FUNCTION.match(text) if isinstance(text, str) else None
    if match is None or ":" not in match.group("args"):
        return None
    name = match.group("name") or "uniform"
    args = [primitive(a.strip()) for a in match.group("args").split(":")]
    low, high = args[0], args[1] if len(args) > 1 else None
    step = args[2] if len(args) > 2 else None
    if name == "logspace":  # exponents of 10, `step` points
        return bounded(_ten(low), _ten(high), log=True, integer=False, distribution=name)
    if name in ("linspace", "uniform", "loguniform"):
        return bounded(low, high, log=name == "loguniform", integer=False, distribution=name)
    if name == "range":
        return bounded(low, high, step=step if step is not None else 1, distribution=name)
    return None


def _ten(value: object) -> float | None:
    return 10.0**value if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 300 else None


def detect_guild(root: Node, ctx: Context) -> list[Group]:
    groups = []
    for op_key, op in _guild_operations(root):
        steps = op.get("steps")
        step_dims: list[Hit] = []
        methods = []
        for step in steps.items if steps is not None and steps.is_seq else []:
            if not step.is_map or step.get("run") is None:
                continue
            flags = step.map("flags")
            for key, value in flags.pairs if flags is not None else []:
                space = guild_space(value)
                if space is not None:
                    step_dims.append(
                        dimension_hit(key, value, key.text, space, "Guild AI", "Guild batch flag", "guild.steps.flags")
                    )
            methods += [str(plain(step.get(k))) for k in ("optimizer",) if step.text(k)]
        op_methods = [str(plain(op.get("optimizer")))] if op.text("optimizer") else []
        declared = op.get("optimizers")
        if declared is not None:
            op_methods += (
                [key.text for key, _ in declared.pairs]
                if declared.is_map
                else [str(v) for v in items_of(declared) or []]
            )
        methods += op_methods
        if not tuned_dimensions(step_dims) and not methods:
            continue
        method = methods[0] if methods else None
        category = method_category(method) if method else LIB
        shown = f" with the {', '.join(dict.fromkeys(methods))} optimizer" if methods else ""
        message = f"Guild operation '{op_key.text}' runs a search{shown}" + (
            f" over {plural(len(tuned_dimensions(step_dims)), 'flag')}" if step_dims else ""
        )
        run = entry_hit(
            op_key,
            op,
            kind=SWEEP,
            category=category,
            library="Guild AI",
            method=method or "grid search",
            api="guild.operation",
            hps=names_of(step_dims),
            message=message,
        )
        groups.append(Group([run, *step_dims]))
    return groups


def _guild_operations(root: Node) -> list[tuple[Key, Node]]:
    """Operations of a Guild file: a list of model definitions (`- model: ...\n  operations: ...`)
    or the operation-only form (top-level operation names)."""
    if root.is_seq:
        ops = []
        for item in root.items:
            operations = item.map("operations") if item.is_map else None  # `- model: x` or an anonymous model
            ops += operations.pairs if operations is not None else []
        return ops
    return [(key, value) for key, value in root.pairs if value.is_map and _looks_like_operation(value)]


def _looks_like_operation(op: Node) -> bool:
    keys = set(op.index)
    return bool(
        keys & {"main", "exec", "steps", "flags-import", "flags-dest", "optimizers", "output-scalars"}
    ) and not keys & {"image", "services", "jobs", "runs-on", "apiVersion"}


# --------------------------------------------------------------------------- suffixed search keys (SLM Lab)

# SLM Lab's spec `search` block names each searched key with its sampler: `lr__uniform: [1e-4, 1e-2]`,
# `gamma__choice: [0.9, 0.99]`, `batch_size__grid_search: [32, 64]` (sampled through Ray Tune).
SUFFIX_KINDS = frozenset(
    {
        "choice",
        "grid_search",
        "uniform",
        "quniform",
        "loguniform",
        "qloguniform",
        "randn",
        "qrandn",
        "randint",
        "qrandint",
        "lograndint",
        "qlograndint",
        "normal",
    }
)
_SUFFIXED = re.compile(r"^(?P<name>\w+?)__(?P<kind>[a-z_]+)$")


def detect_suffixed(root: Node, ctx: Context) -> list[Group]:
    by_top: dict[int, list[Hit]] = {}
    for name, entries in ctx.index.by_key.items():
        match = _SUFFIXED.match(name) if "__" in name else None
        if match is None or match.group("kind") not in SUFFIX_KINDS:
            continue
        for entry in entries:
            space = _suffix_space(match.group("kind"), entry.value)
            if space is not None:
                by_top.setdefault(entry.top, []).append(
                    dimension_hit(
                        entry.key,
                        entry.value,
                        match.group("name"),
                        space,
                        "SLM Lab",
                        "SLM Lab search",
                        f"slm.search.{match.group('kind')}",
                    )
                )
    groups = []
    for top, dims in sorted(by_top.items()):
        if not tuned_dimensions(dims):
            continue
        dims.sort(key=lambda h: h.start)
        first = dims[0].start[0] + 1
        hits: list[Hit] = []
        for entry in ctx.index.entries("search"):
            if entry.top == top and entry.value.is_map and entry.key.line <= first <= entry.value.end_line:
                hits.append(
                    header_hit(
                        ctx,
                        entry.key,
                        category=LIB,
                        library="SLM Lab",
                        api="slm.search",
                        method="random search",
                        hps=names_of(dims),
                        message=f"SLM Lab search over {plural(len(tuned_dimensions(dims)), 'hyperparameter')}",
                    )
                )
        budget = None
        for entry in ctx.index.entries("max_trial"):
            if entry.top == top and isinstance(plain(entry.value), int):
                budget = f"{plain(entry.value)} trials"
                hits.append(
                    entry_hit(
                        entry.key,
                        entry.value,
                        kind=SWEEP,
                        category=LIB,
                        library="SLM Lab",
                        api="slm.meta.max_trial",
                        message=f"SLM Lab search budget: {budget}",
                    )
                )
        groups.append(Group([*hits, *dims], budget))
    return groups


def _suffix_space(kind: str, value: Node) -> SearchSpace | None:
    items = items_of(value)
    if not items:
        return None
    if kind in ("choice", "grid_search"):
        return categorical(items, kind) if len(set(map(str, items))) > 1 else None
    if len(items) < 2:
        return None
    if kind in ("normal", "randn", "qrandn"):
        return SearchSpace(type=SpaceType.FLOAT, distribution=kind)
    integer = "randint" in kind
    return bounded(
        items[0],
        items[1],
        log=kind.startswith(("log", "qlog")),
        integer=integer,
        step=items[2] if kind.startswith("q") and len(items) > 2 else None,
        distribution=kind,
    )


# --------------------------------------------------------------------------- Oríon

_ORION_PRIOR = "orion~"
_ORION_SETTINGS = ("max_trials", "max_broken", "working_dir", "strategy", "worker_trials")


def detect_orion(root: Node, ctx: Context) -> list[Group]:
    """Oríon: a config whose values are priors (`lr: 'orion~loguniform(1e-5, 1.0)'`), and Oríon's own
    experiment config (`experiment: {algorithms: ..., max_trials: ...}`)."""
    dims: list[Hit] = []
    if _ORION_PRIOR in ctx.text:
        for entries in ctx.index.by_key.values():
            for entry in entries:
                value = entry.value.value if entry.value.kind == "scalar" else None
                if isinstance(value, str) and value.strip().startswith(_ORION_PRIOR):
                    space = prior_space(value.strip()[len(_ORION_PRIOR) :])
                    if space is not None:
                        dims.append(
                            dimension_hit(
                                entry.key, entry.value, entry.key.text, space, "Oríon", "Oríon prior", "orion.prior"
                            )
                        )
    experiment = root.map("experiment")
    algorithms = (
        experiment.entry("algorithms") if experiment is not None and experiment.get("max_trials") is not None else None
    )  # `experiment.algorithm: ppo` is another thing
    hits: list[Hit] = []
    budget = None
    if experiment is not None and algorithms is not None:
        named = algorithms[1]
        method = named.pairs[0][0].text if named.is_map and named.pairs else str(plain(named))
        trials = plain(experiment.get("max_trials"))
        budget = f"{trials} trials" if isinstance(trials, int) else None
        category = method_category(method)
        hits.append(
            entry_hit(
                *algorithms,
                kind=SWEEP,
                category=category,
                library="Oríon",
                method=method,
                api="orion.experiment",
                hps=names_of(dims),
                message=f"Oríon experiment ({method})" + (f", {budget}" if budget else ""),
            )
        )
        hits += setting_hits(
            experiment,
            _ORION_SETTINGS,
            library="Oríon",
            label="Oríon experiment",
            category=category,
            api="orion.experiment",
            method=method,
        )
    if not hits and not tuned_dimensions(dims):
        return []
    dims.sort(key=lambda h: h.start)
    return [Group([*hits, *dims], budget)]
