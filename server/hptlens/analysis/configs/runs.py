"""Hand-written sweeps in config files: a list of runs, each overriding some values of a base config,
and grids (a hyperparameter -> value-list mapping a custom launcher crosses).

    runs:                       # or experiments, trials, sweep, variants...
      - name: small-lr
        overrides: {optim.lr: 0.0001, train.seed: 0}
      - name: large-lr
        overrides: {optim.lr: 0.001, train.seed: 1}

A list qualifies when its runs set the same keys to different values and at least one of those
keys is a hyperparameter (not a seed, an environment or a dataset). Runs given as flat mappings
(a Guild batch file, a `runs:` list of flag sets) also need hyperparameter names among what varies,
so that lists of stages, services, tasks or matrix entries stay what they are.
"""

from __future__ import annotations

import re

from hptlens.analysis.configs.hits import HAND, Context, Group, Hit, header_hit, is_not_tuned, plural, span_hit
from hptlens.analysis.configs.tree import Key, Node, plain
from hptlens.analysis.neutral import HYPERPARAMETER_NAMES, Span, is_hyperparameter
from hptlens.report import HAND_WRITTEN, Hyperparameter, JsonScalar, SearchSpace, SpaceType

# Keys of one run that hold its values: `overrides` says so in any list; the others (a portfolio of
# configurations, a list of models with their hyperparameters) only in a list named as runs.
STRONG_OVERRIDE_KEYS = ("overrides", "override")
WEAK_OVERRIDE_KEYS = (
    "hparams",
    "hyperparameters",
    "hyper_parameters",
    "hyperparams",
    "params",
    "parameters",
    "config",
    "args",
    "flags",
    "kwargs",
    "settings",
    "cfg",
)
RUN_LIST_KEYS = frozenset(
    {
        "runs",
        "experiments",
        "trials",
        "sweep",
        "sweeps",
        "configs",
        "configurations",
        "variants",
        "grid",
        "candidates",
        "settings",
        "ablations",
        "combinations",
    }
)
_MIN_RUNS = 2
_NOT_VALUES = frozenset(
    {
        "name",
        "id",
        "tag",
        "tags",
        "label",
        "description",
        "desc",
        "notes",
        "comment",
        "bump",
        "output",
        "out",
        "dir",
        "path",
        "log_dir",
        "output_dir",
        "save_dir",
        "group",
        "title",
    }
)


def _normal(name: str) -> str:
    return re.split(r"[./]", name.strip())[-1].replace("-", "_")


def _scalars(node: Node) -> bool:
    """A mapping of plain values: what a run sets."""
    return (
        node.is_map
        and bool(node.pairs)
        and all(v.kind == "scalar" or (v.is_seq and len(v.items) <= 8) for _, v in node.pairs)
    )


def _overrides(item: Node) -> tuple[Key | None, Node] | None:
    """Where one run states its values: an override sub-mapping, or the run itself when flat."""
    if not item.is_map:
        return None
    for name in STRONG_OVERRIDE_KEYS + WEAK_OVERRIDE_KEYS:
        entry = item.entry(name)
        if entry is not None and _scalars(entry[1]):
            return entry
    return (None, item) if _scalars(item) else None


def detect_runs(root: Node, ctx: Context) -> list[Group]:
    groups = []
    for holder, seq in ctx.index.map_lists:
        runs = [(item, found) for item in seq.items if (found := _overrides(item)) is not None]
        if len(runs) < _MIN_RUNS or len(runs) * 2 < len(seq.items):
            continue
        nested = [found for _, found in runs if found[0] is not None]
        strong = any(found[0].text in STRONG_OVERRIDE_KEYS for found in nested if found[0] is not None)
        in_run_list = holder is not None and holder.text.lower() in RUN_LIST_KEYS
        if len(nested) >= _MIN_RUNS:
            if not (strong or in_run_list):
                continue
        elif not (in_run_list or holder is None):
            continue
        varied = _varied([found[1] for _, found in runs])
        tuned = {name: values for name, values in varied.items() if not is_not_tuned(name)}
        if not tuned:
            continue
        if len(nested) < _MIN_RUNS and not any(
            _normal(n) in HYPERPARAMETER_NAMES or _normal(n).lower() in HYPERPARAMETER_NAMES for n in tuned
        ):
            continue  # flat mappings: only hyperparameter names make them runs
        groups.append(_group(ctx, holder, runs, tuned))
    return groups


def _varied(settings: list[Node]) -> dict[str, list[JsonScalar]]:
    """Keys the runs set to more than one value (a key some runs leave out varies too)."""
    seen: dict[str, list[JsonScalar]] = {}
    for node in settings:
        for key, value in node.pairs:
            if key.text.lower() not in _NOT_VALUES:
                seen.setdefault(key.text, []).append(plain(value))
    varied = {}
    for name, values in seen.items():
        distinct = list(dict.fromkeys(map(_hashable, values)))
        if len(distinct) > 1 or len(values) < len(settings):
            varied[name] = distinct
    return varied


def _hashable(value: JsonScalar) -> JsonScalar:
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def _group(
    ctx: Context,
    holder: Key | None,
    runs: list[tuple[Node, tuple[Key | None, Node]]],
    tuned: dict[str, list[JsonScalar]],
) -> Group:
    hps = [
        Hyperparameter(
            name=name, space=SearchSpace(type=SpaceType.GRID, values=values, distribution="hand-written runs")
        )
        for name, values in tuned.items()
    ]
    summary = f"hand-written sweep: {plural(len(runs), 'run')} varying {', '.join(tuned)}"
    hits: list[Hit] = []
    if holder is not None:
        hits.append(
            header_hit(
                ctx,
                holder,
                category=HAND,
                library=HAND_WRITTEN,
                message=summary,
                method="hand-written runs",
                hps=hps,
                api="config.runs",
            )
        )
    for number, (item, (key, settings)) in enumerate(runs, start=1):
        shown = ", ".join(f"{k.text}={plain(v)}" for k, v in settings.pairs if k.text in tuned)
        name = plain(item.get("name")) or plain(item.get("id")) or f"run {number}"
        message = f"{name}: {shown}" if shown else f"{name}: repeats the base values"
        first = holder is None and number == 1  # a list of runs alone: its first run carries the sweep
        if first:
            message = f"{summary}; {message}"
        span = (
            Span(key.line, key.column, settings.end_line, settings.end_column)
            if key is not None
            else Span(item.line, item.column, item.end_line, item.end_column)
        )
        hits.append(
            span_hit(
                span,
                category=HAND,
                library=HAND_WRITTEN,
                message=message,
                api="config.runs",
                method="hand-written runs" if first else None,
                hps=hps if first else None,
            )
        )
    return Group(hits, f"{len(runs)} runs")


# --------------------------------------------------------------------------- hand-written grids

# Keys (lower-cased, separators dropped) of a mapping from hyperparameter names to the value lists a
# custom launcher crosses: `grid: {lr: [...], gamma: [...]}`, `metaParameters: {...}`, `param_grid: ...`.
# The strong ones say so; the others also need hyperparameter names among what they vary, since a
# list is often one value (`hidden_sizes: [64, 64]`).
STRONG_GRID_KEYS = frozenset(
    {
        "metaparameters",
        "paramgrid",
        "parametergrid",
        "paramsgrid",
        "hyperparametergrid",
        "hparamgrid",
        "hpgrid",
        "sweepparams",
        "sweepparameters",
        "gridparams",
        "gridparameters",
        "searchgrid",
        "sweepgrid",
        "hyperparametersweep",
        "hparamsweep",
    }
)
WEAK_GRID_KEYS = frozenset(
    {
        "grid",
        "sweep",
        "sweeps",
        "searchspace",
        "search",
        "tune",
        "tuning",
        "hpsearch",
        "hparamsearch",
        "hyperparametersearch",
        "variants",
        "ablation",
    }
)


def detect_grids(root: Node, ctx: Context) -> list[Group]:
    groups = []
    for name, entries in ctx.index.by_key.items():
        word = re.sub(r"[^a-z]", "", name.lower())
        if word not in STRONG_GRID_KEYS and word not in WEAK_GRID_KEYS:
            continue
        for entry in entries:
            grid = entry.value
            if not grid.is_map:
                continue
            dims = [
                (key, value, values)
                for key, value in grid.pairs
                if (values := _grid_values(value)) is not None and not is_not_tuned(key.text)
            ]
            if not dims or (
                word not in STRONG_GRID_KEYS and not any(is_hyperparameter(_normal(k.text)) for k, _, _ in dims)
            ):
                continue
            hps = [
                Hyperparameter(
                    name=key.text,
                    space=SearchSpace(type=SpaceType.GRID, values=values, distribution="hand-written grid"),
                )
                for key, _, values in dims
            ]
            combinations = 1
            for _, _, values in dims:
                combinations *= len(values)
            header = header_hit(
                ctx,
                entry.key,
                category=HAND,
                library=HAND_WRITTEN,
                api="config.grid",
                method="grid search",
                hps=hps,
                message=f"hand-written grid over {plural(len(dims), 'hyperparameter')} ({combinations} combinations)",
            )
            cells = [
                span_hit(
                    Span(key.line, key.column, value.end_line, value.end_column),
                    category=HAND,
                    library=HAND_WRITTEN,
                    api="config.grid",
                    message=f"grid values of {key.text}: {len(values)} values",
                )
                for key, value, values in dims
            ]
            groups.append(Group([header, *cells], f"{combinations} combinations"))
    return groups


def _grid_values(value: Node) -> list[JsonScalar] | None:
    """The values a grid entry lists (two or more distinct scalars), else None."""
    if not value.is_seq or not 2 <= len(value.items) <= 1000 or any(i.kind != "scalar" for i in value.items):
        return None
    values = [plain(item) for item in value.items]
    return values if len(set(map(str, values))) > 1 else None
