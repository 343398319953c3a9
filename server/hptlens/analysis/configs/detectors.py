"""Config detectors beside hydra's: ConfigSpace files, W&B sweeps, Ray Tune/RLlib experiments,
Polyaxon `matrix` (v1) and `hptuning` (v0), rl-baselines3-zoo tuned hyperparameters."""

from __future__ import annotations

import posixpath
import re

from hptlens.analysis.configs.hits import (
    LIB,
    PARAM,
    SWEEP,
    TUNED,
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
from hptlens.analysis.configs.hydra import configspace_list
from hptlens.analysis.configs.spaces import (
    CONFIGSPACE_TYPES,
    POLYAXON_V0_FIELDS,
    polyaxon_space,
    typed_space,
    wandb_space,
)
from hptlens.analysis.configs.tree import Key, Node, items_of, plain
from hptlens.analysis.neutral import Span
from hptlens.report import Hyperparameter, JsonScalar, SearchSpace, SpaceType


def detect_configspace(root: Node, ctx: Context) -> list[Group]:
    """A standalone search space in ConfigSpace's YAML/JSON form (a hydra `search_space` group file)."""
    space = root.get("hyperparameters")
    label = "ConfigSpace search space"
    if root.get("searcher") is not None:
        return []  # a Determined experiment: its typed hyperparameters are read there
    if space is not None and space.is_seq:
        dims = configspace_list(space, "ConfigSpace", label)
    elif space is not None and space.is_map:
        dims = [
            dimension_hit(key, value, key.text, dim, "ConfigSpace", label, "configspace")
            for key, value in space.pairs
            if value.is_map
            and (value.text("type") or "") in CONFIGSPACE_TYPES
            and (dim := typed_space(value)) is not None
        ]
    else:
        return []
    return [Group(dims)] if dims else []


# --------------------------------------------------------------------------- W&B

_WANDB_METHODS = {"bayes": "Bayesian optimisation", "grid": "grid search", "random": "random search"}


_WANDB_SETTINGS = ("program", "command", "metric", "run_cap")


def detect_wandb(root: Node, ctx: Context) -> list[Group]:
    groups = []
    candidates = list({id(e.parent): e.parent for e in ctx.index.entries("method")}.values())  # at any depth
    for node in candidates:
        method = node.text("method") or ""
        parameters = node.map("parameters")
        method_entry = node.entry("method")
        if method not in _WANDB_METHODS or parameters is None or method_entry is None:
            continue
        headers: list[tuple[Key, Key | None]] = []
        dims = _wandb_dimensions(parameters, headers)
        if not tuned_dimensions(dims):
            continue  # every parameter fixed, or only seeds repeated: one configuration, not a sweep
        metric = node.map("metric")
        goal = f", {metric.text('goal') or 'optimise'} {metric.text('name')}" if metric and metric.text("name") else ""
        category = method_category(method)
        hits = [
            entry_hit(
                *method_entry,
                kind=SWEEP,
                category=category,
                library="Weights & Biases",
                method=_WANDB_METHODS[method],
                api="wandb.sweep-config",
                hps=names_of(dims),
                message=f"W&B sweep ({method}) over {plural(len(tuned_dimensions(dims)), 'parameter')}{goal}",
            )
        ]
        hits += setting_hits(
            node,
            _WANDB_SETTINGS,
            library="Weights & Biases",
            label="W&B sweep",
            category=category,
            api="wandb.sweep-config",
            method=_WANDB_METHODS[method],
        )
        space_key = node.key("parameters")
        for key, until in [(space_key, None), *headers] if space_key is not None else []:
            hits.append(
                header_hit(
                    ctx,
                    key,
                    until=until,
                    category=LIB,
                    library="Weights & Biases",
                    api="wandb.sweep-config",
                    message=f"W&B sweep search space: {key.text}",
                )
            )
        early = node.map("early_terminate")
        early_key = node.key("early_terminate")
        if early is not None and early_key is not None:
            kind = early.text("type") or "early termination"
            hits.append(
                entry_hit(
                    early_key,
                    early,
                    kind=SWEEP,
                    category=method_category(kind),
                    library="Weights & Biases",
                    method=kind.capitalize() if kind == "hyperband" else kind,
                    api="wandb.early_terminate",
                    message=f"W&B sweep early termination: {kind}",
                )
            )
        cap = plain(node.get("run_cap"))
        groups.append(Group(hits + dims, f"{cap} runs" if isinstance(cap, int) else None))
    return groups


def _wandb_dimensions(parameters: Node, headers: list[tuple[Key, Key | None]], depth: int = 0) -> list[Hit]:
    """The searched parameters, nested ones too; `headers` collects the nested blocks' key lines."""
    hits = []
    for key, spec in parameters.pairs:
        nested = spec.map("parameters") if spec.is_map else None
        if nested is not None and depth < 5:
            inner = _wandb_dimensions(nested, headers, depth + 1)
            if inner:
                headers.append((key, spec.key("parameters")))
            hits += inner
            continue
        space = wandb_space(spec)
        if space is not None:
            hits.append(
                dimension_hit(
                    key, spec, key.text, space, "Weights & Biases", "W&B sweep parameter", "wandb.sweep-config"
                )
            )
    return hits


# --------------------------------------------------------------------------- Ray Tune / RLlib


def detect_ray(root: Node, ctx: Context) -> list[Group]:
    """`key: {grid_search: [...]}` entries, grouped by the top-level experiment they sit in. A grid
    over environments or seeds alone repeats one configuration: not a search."""
    groups: list[Group] = []
    by_top: dict[int, list[Hit]] = {}
    for entry in ctx.index.entries("grid_search"):
        holder = ctx.index.owner.get(id(entry.parent))
        if not entry.value.is_seq or len(entry.parent.pairs) != 1 or holder is None:
            continue
        dim = _grid_hit(holder.key, entry.parent)
        if holder.parent is root:
            if tuned_dimensions([dim]):
                groups.append(Group([dim]))
        else:
            by_top.setdefault(entry.top, []).append(dim)
    for top, dims in sorted(by_top.items()):
        if not tuned_dimensions(dims) or not root.is_map:
            continue
        top_key, top_value = root.pairs[top]
        algorithm = top_value.text("run") if top_value.is_map else None
        samples = plain(top_value.get("num_samples")) if top_value.is_map else None
        budget = f"{samples} samples" if isinstance(samples, int) and not isinstance(samples, bool) else None
        what = f" ({algorithm})" if algorithm else ""
        run = header_hit(
            ctx,
            top_key,
            category=LIB,
            library="Ray Tune",
            api="ray.tune.experiment",
            method="grid search",
            hps=names_of(dims),
            message=f"Ray Tune experiment '{top_key.text}'{what} grid-searches "
            f"{plural(len(tuned_dimensions(dims)), 'hyperparameter')}" + (f", {budget}" if budget else ""),
        )
        settings = (
            setting_hits(
                top_value,
                ("num_samples",),
                library="Ray Tune",
                label="Ray Tune experiment",
                category=LIB,
                api="ray.tune.experiment",
            )
            if top_value.is_map
            else []
        )
        groups.append(Group([run, *settings, *dims], budget))
        _ray_context(top_value, ctx)
    return sorted(groups, key=lambda g: g.hits[0].start)


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

_POLYAXON_MATRIX = {
    "grid": "grid search",
    "random": "random search",
    "hyperband": "Hyperband",
    "bayes": "Bayesian optimisation",
    "hyperopt": "hyperopt",
    "iterative": "iterative",
    "mapping": "mapping",
}
_POLYAXON_V0_ALGORITHMS = {
    "grid_search": "grid search",
    "random_search": "random search",
    "hyperband": "Hyperband",
    "bo": "Bayesian optimisation",
}


def detect_polyaxon(root: Node, ctx: Context) -> list[Group]:
    matrix = root.entry("matrix")
    if matrix is not None and matrix[1].is_map and (matrix[1].text("kind") or "") in _POLYAXON_MATRIX:
        return [_polyaxon_v1(matrix)]
    hptuning = root.entry("hptuning")
    if hptuning is not None and hptuning[1].is_map and hptuning[1].map("matrix") is not None:
        return [_polyaxon_v0(hptuning)]
    return []


def _polyaxon_v1(section: tuple[Key, Node]) -> Group:
    """The matrix block is the finding: its kind, concurrency, budget and parameters."""
    matrix = section[1]
    kind = matrix.text("kind") or "grid"
    dims: list[Hit] = []
    params = matrix.map("params")
    for key, spec in params.pairs if params is not None else []:
        space = polyaxon_space(spec.text("kind") or "", spec.get("value")) if spec.is_map else None
        if space is not None:
            dims.append(
                dimension_hit(key, spec, key.text, space, "Polyaxon", "Polyaxon matrix parameter", "polyaxon.matrix")
            )
    values = matrix.get("values")
    if kind == "mapping" and values is not None and values.is_seq:
        dims += _mapping_dimensions(values)
    runs = next((plain(matrix.get(k)) for k in ("numRuns", "maxIterations", "num_runs") if matrix.get(k)), None)
    budget = f"{runs} runs" if isinstance(runs, int) and not isinstance(runs, bool) else None
    message = f"Polyaxon matrix ({kind}) over {plural(len(tuned_dimensions(dims)), 'parameter')}" + (
        f", {budget}" if budget else ""
    )
    run = entry_hit(
        *section,
        kind=SWEEP,
        category=method_category(kind),
        library="Polyaxon",
        method=_POLYAXON_MATRIX[kind],
        api="polyaxon.matrix",
        hps=names_of(dims),
        message=message,
    )
    return Group([run, *dims], budget)


def _mapping_dimensions(values: Node) -> list[Hit]:
    seen: dict[str, tuple[Key, list[JsonScalar]]] = {}
    for item in values.items:
        for key, value in item.pairs if item.is_map else []:
            seen.setdefault(key.text, (key, []))[1].append(plain(value))
    hits = []
    for name, (key, found) in seen.items():
        message = f"Polyaxon mapping parameter {name}: {len(found)} values"
        hp = Hyperparameter(name=name, space=SearchSpace(type=SpaceType.GRID, values=found))
        hits.append(
            Hit(
                SWEEP,
                LIB,
                "Polyaxon",
                Span(key.line, key.column, key.line, key.column + len(key.text)),
                message,
                api="polyaxon.matrix",
                hyperparameters=[hp],
                message=message,
            )
        )
    return hits


def _polyaxon_v0(section: tuple[Key, Node]) -> Group:
    hptuning = section[1]
    matrix = hptuning.map("matrix")
    dims = []
    for key, spec in matrix.pairs if matrix is not None else []:
        field_name = next((k for k, _ in spec.pairs if k.text in POLYAXON_V0_FIELDS), None) if spec.is_map else None
        if field_name is None:
            continue
        space = polyaxon_space(POLYAXON_V0_FIELDS[field_name.text], spec.get(field_name.text))
        if space is not None:
            dims.append(
                dimension_hit(
                    key, spec, key.text, space, "Polyaxon", "Polyaxon hptuning parameter", "polyaxon.hptuning"
                )
            )
    algorithm = next((k for k in _POLYAXON_V0_ALGORITHMS if hptuning.get(k) is not None), None)
    settings = hptuning.map(algorithm) if algorithm else None
    runs = plain(settings.get("n_experiments")) if settings is not None else None
    budget = f"{runs} experiments" if isinstance(runs, int) and not isinstance(runs, bool) else None
    method = _POLYAXON_V0_ALGORITHMS[algorithm] if algorithm else "grid search"
    message = f"Polyaxon hptuning ({method}) over {plural(len(tuned_dimensions(dims)), 'parameter')}" + (
        f", {budget}" if budget else ""
    )
    run = entry_hit(
        *section,
        kind=SWEEP,
        category=method_category(method),
        library="Polyaxon",
        method=method,
        api="polyaxon.hptuning",
        hps=names_of(dims),
        message=message,
    )
    return Group([run, *dims], budget)


# --------------------------------------------------------------------------- rl-baselines3-zoo

_ENV_ID = re.compile(r"^([\w.\-]+/)?[A-Z][\w\-]*-v\d+$|^atari$|NoFrameskip|Bullet|^dm_control")
_ZOO_MARKERS = frozenset({"n_timesteps", "policy"})
_NOT_HYPERPARAMETERS = frozenset(
    {"env_wrapper", "callback", "vec_env_wrapper", "eval_env_wrapper", "env_kwargs", "eval_env_kwargs"}
)
_ZOO_ALGORITHMS = {
    "ppo": "PPO",
    "a2c": "A2C",
    "dqn": "DQN",
    "sac": "SAC",
    "td3": "TD3",
    "ddpg": "DDPG",
    "trpo": "TRPO",
    "ars": "ARS",
    "qrdqn": "QRDQN",
    "tqc": "TQC",
    "her": "HER",
    "ppo_lstm": "RecurrentPPO",
    "crossq": "CrossQ",
}


def detect_zoo(root: Node, ctx: Context) -> list[Group]:
    blocks = [(key, value) for key, value in root.pairs if value.is_map and _ZOO_MARKERS & set(value.index)]
    if not blocks:
        return []
    in_folder = "hyperparams" in ctx.path.replace("\\", "/").split("/")[:-1]
    env_like = sum(bool(_ENV_ID.search(key.text)) for key, _ in root.pairs)
    if not in_folder and (env_like * 2 < len(root.pairs) or not any("n_timesteps" in v.index for _, v in blocks)):
        return []
    stem = posixpath.splitext(posixpath.basename(ctx.path))[0].lower()
    algorithm = _ZOO_ALGORITHMS.get(stem)
    groups = []
    environments = set(ctx.rl.environments)
    for key, block in blocks:
        hps = [
            Hyperparameter(name=name.text, space=SearchSpace(values=[plain(value)], distribution="tuned value"))
            for name, value in block.pairs
            if name.text not in _NOT_HYPERPARAMETERS
        ]
        shown = ", ".join(f"{hp.name}={_short(_tuned_value(hp))}" for hp in hps[:6])
        more = f", ... ({len(hps)} in all)" if len(hps) > 6 else ""
        message = f"tuned {algorithm + ' ' if algorithm else ''}hyperparameters for {key.text}: {shown}{more}"
        groups.append(
            Group(
                [
                    entry_hit(
                        key,
                        block,
                        kind=TUNED,
                        category=PARAM,
                        library="RL Baselines3 Zoo",
                        message=message,
                        hps=hps,
                        api="rl_zoo3.hyperparams",
                    )
                ]
            )
        )
        if _ENV_ID.search(key.text) and key.text != "atari":
            environments.add(key.text)
    ctx.rl.environments = sorted(environments)  # once: sorting per block made large files quadratic
    ctx.rl.frameworks = sorted({*ctx.rl.frameworks, "RL Baselines3 Zoo", "Stable-Baselines3"})
    if algorithm:
        ctx.rl.algorithms = sorted({*ctx.rl.algorithms, algorithm})
    return groups


def _short(value: JsonScalar) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --------------------------------------------------------------------------- ML-Agents

# Trainer settings of Unity ML-Agents (`trainer_config.yaml` before 0.18, `behaviors:` files after).
_MLAGENTS_KEYS = frozenset(
    {
        "batch_size",
        "buffer_size",
        "beta",
        "epsilon",
        "lambd",
        "num_epoch",
        "time_horizon",
        "max_steps",
        "hidden_units",
        "num_layers",
        "learning_rate",
        "summary_freq",
        "use_recurrent",
        "sequence_length",
        "memory_size",
        "normalize",
        "curiosity_strength",
    }
)
_MLAGENTS_BOOKKEEPING = frozenset(
    {
        "trainer",
        "trainer_type",
        "summary_freq",
        "keep_checkpoints",
        "checkpoint_interval",
        "threaded",
        "init_path",
        "even_checkpoints",
    }
)
_MLAGENTS_SECTIONS = ("hyperparameters", "network_settings")


def detect_mlagents(root: Node, ctx: Context) -> list[Group]:
    """Trainer settings per behavior (brain): one tuned block for each environment's agent. A file with a
    single behavior is one training config; a table of them is parameterization, as rl-zoo files are."""
    behaviors = root.map("behaviors")
    if behaviors is not None:
        blocks = [(k, v) for k, v in behaviors.pairs if v.is_map and v.get("trainer_type") is not None]
    else:
        default = root.map("default")
        if default is None or not (default.get("trainer") is not None or len(_MLAGENTS_KEYS & set(default.index)) >= 4):
            return []
        blocks = [(k, v) for k, v in root.pairs if v.is_map and (k.text == "default" or _MLAGENTS_KEYS & set(v.index))]
    if len(blocks) < 2:
        return []
    groups = []
    for key, block in blocks:
        values = [(name, value) for name, value in block.pairs if name.text not in _MLAGENTS_BOOKKEEPING]
        for section in _MLAGENTS_SECTIONS:
            inner = block.map(section)
            values = [(n, v) for n, v in values if n.text != section] + (inner.pairs if inner is not None else [])
        hps = [
            Hyperparameter(name=name.text, space=SearchSpace(values=[plain(value)], distribution="tuned value"))
            for name, value in values
            if value.kind == "scalar"
        ]
        shown = ", ".join(f"{hp.name}={_short(_tuned_value(hp))}" for hp in hps[:6])
        more = f", ... ({len(hps)} in all)" if len(hps) > 6 else ""
        groups.append(
            Group(
                [
                    entry_hit(
                        key,
                        block,
                        kind=TUNED,
                        category=PARAM,
                        library="ML-Agents",
                        message=f"tuned trainer settings for {key.text}: {shown}{more}",
                        hps=hps,
                        api="mlagents.trainer_config",
                    )
                ]
            )
        )
    ctx.rl.frameworks = sorted({*ctx.rl.frameworks, "ML-Agents"})
    return groups


def _tuned_value(hp: Hyperparameter) -> JsonScalar:
    return (hp.space.values or [None])[0] if hp.space is not None else None
