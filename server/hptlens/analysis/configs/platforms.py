"""Hyperparameter-tuning job specs of cloud and cluster ML platforms.

- Google Cloud AI Platform training input `hyperparameters` (`params`, `goal`, `maxTrials`...) and
  Vertex AI `studySpec` (`parameters`, `metrics`, `algorithm`) with the job's trial counts;
- Azure ML `type: sweep` jobs, standalone or as a pipeline step (`search_space`, `sampling_algorithm`,
  `objective`, `limits`, `early_termination`);
- AWS SageMaker `HyperParameterTuningJobConfig` (`ParameterRanges`, `Strategy`, `ResourceLimits`);
- Kubeflow Katib `Experiment` (`parameters` with `feasibleSpace`, `algorithm`, `objective`, trial counts);
- Determined experiment configs whose `searcher` is not `single`, over typed `hyperparameters`.

LABELING.md: the search's settings, budgets and every search-space entry are the finding; the trial
template, the code and the fixed inputs are not.
"""

from __future__ import annotations

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
from hptlens.analysis.configs.params import param_name, param_space
from hptlens.analysis.configs.tree import Key, Node, plain

# method values as written (lower-cased) -> how a report names them
METHODS: dict[str, str] = {
    "grid_search": "grid search",
    "grid": "grid search",
    "random_search": "random search",
    "random": "random search",
    "bayesian": "Bayesian optimisation",
    "bayesianoptimization": "Bayesian optimisation",
    "algorithm_unspecified": "Bayesian optimisation (default)",
    "hyperband": "Hyperband",
    "tpe": "TPE",
    "multivariate-tpe": "multivariate TPE",
    "cmaes": "CMA-ES",
    "sobol": "Sobol",
    "pbt": "PBT",
    "adaptive_asha": "ASHA",
    "async_halving": "successive halving",
    "adaptive": "adaptive (ASHA)",
    "adaptive_simple": "adaptive (ASHA)",
    "custom": "custom searcher",
    "enas": "ENAS",
    "darts": "DARTS",
}


def _method(value: Node | None) -> str | None:
    """A method named by a scalar or by a `{type: ...}`/`{name: ...}` map."""
    if value is None:
        return None
    if value.is_map:
        value = value.get("type") or value.get("name") or value.get("algorithmName")
    shown = plain(value) if value is not None and value.kind == "scalar" else None
    return str(shown) if shown is not None else None


def _label(method: str | None) -> str | None:
    return METHODS.get(method.lower(), method) if method else None


def _group(run: Hit, dims: list[Hit], settings: list[Hit], budget: str | None) -> Group:
    return Group([run, *settings, *dims], budget)


def _run_message(what: str, method: str | None, dims: list[Hit], budget: str | None) -> str:
    text = what + (f" ({method})" if method else "")
    text += (
        f" over {plural(len(tuned_dimensions(dims)), 'hyperparameter')}"
        if dims
        else "; its search space is defined elsewhere"
    )
    return text + (f", {budget}" if budget else "")


def _budget(node: Node | None, fields: tuple[tuple[str, str], ...]) -> str | None:
    for name, unit in fields:
        value = plain(node.get(name)) if node is not None and node.is_map else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"{value:g} {unit}"
        if isinstance(value, str) and value.strip().isdigit():
            return f"{value.strip()} {unit}"
    return None


def _list_dims(
    params: Node | None, library: str, label: str, api: str, *, type_hint: str | None = None, dialect: str | None = None
) -> list[Hit]:
    """Dimensions from a list of named specs (`- name: lr, ...`)."""
    hits = []
    for item in params.items if params is not None and params.is_seq else []:
        name = param_name(item)
        space = param_space(item, type_hint=type_hint, dialect=dialect) if name is not None else None
        if name is not None and space is not None:
            hits.append(dimension_hit(Key(name, item.line, item.column), item, name, space, library, label, api))
    return hits


def _map_dims(params: Node | None, library: str, label: str, api: str, *, dialect: str | None = None) -> list[Hit]:
    """Dimensions from a map of specs (`lr: {type: uniform, ...}`)."""
    hits = []
    for key, spec in params.pairs if params is not None and params.is_map else []:
        space = param_space(spec, dialect=dialect)
        if space is not None:
            hits.append(dimension_hit(key, spec, key.text, space, library, label, api))
    return hits


# --------------------------------------------------------------------------- Google Cloud


_VERTEX_JOB_SETTINGS = (
    "maxTrialCount",
    "parallelTrialCount",
    "maxFailedTrialCount",
    "max_trial_count",
    "parallel_trial_count",
    "max_failed_trial_count",
)


def detect_google(root: Node, ctx: Context) -> list[Group]:
    groups = []
    for entry in ctx.index.entries("hyperparameters"):
        spec = entry.value
        params = spec.get("params") if spec.is_map else None
        if params is None or not params.is_seq or not any(param_name(i) for i in params.items):
            continue
        dims = _list_dims(params, "Google Cloud AI Platform", "AI Platform parameter", "gcp.hyperparameters")
        if not tuned_dimensions(dims):
            continue
        method = _method(spec.get("algorithm"))
        budget = _budget(spec, (("maxTrials", "trials"),))
        run = entry_hit(
            entry.key,
            spec,
            kind=SWEEP,
            category=method_category(method),
            library="Google Cloud AI Platform",
            method=_label(method) or "Bayesian optimisation (default)",
            api="gcp.hyperparameters",
            hps=names_of(dims),
            message=_run_message("AI Platform hyperparameter tuning", _label(method), dims, budget),
        )
        groups.append(_group(run, dims, [], budget))
    for entry in ctx.index.entries("studySpec", "study_spec"):
        spec = entry.value
        if not spec.is_map:
            continue
        dims = _list_dims(spec.get("parameters"), "Vertex AI", "Vertex AI study parameter", "vertex.studySpec")
        if not tuned_dimensions(dims):
            continue
        method = _method(spec.get("algorithm"))
        job = entry.parent
        budget = _budget(job, (("maxTrialCount", "trials"), ("max_trial_count", "trials")))
        run = entry_hit(
            entry.key,
            spec,
            kind=SWEEP,
            category=method_category(method),
            library="Vertex AI",
            method=_label(method) or "Bayesian optimisation (default)",
            api="vertex.studySpec",
            hps=names_of(dims),
            message=_run_message("Vertex AI study", _label(method), dims, budget),
        )
        settings = setting_hits(
            job,
            _VERTEX_JOB_SETTINGS,
            library="Vertex AI",
            label="Vertex AI tuning job",
            category=LIB,
            api="vertex.hyperparameterTuningJob",
        )
        groups.append(_group(run, dims, settings, budget))
    return groups


# --------------------------------------------------------------------------- Azure ML

_AZURE_SETTINGS = ("objective", "limits", "early_termination")
_AZURE_AUTOML_SETTINGS = ("sweep", "limits", "primary_metric")


def detect_azure(root: Node, ctx: Context) -> list[Group]:
    """`type: sweep` at the top of a job file or on a pipeline's step; AutoML jobs whose `sweep`
    samples an explicit `search_space` (a list of subspaces)."""
    groups = []
    jobs = root.map("jobs")
    candidates = [root, *(value for _, value in (jobs.pairs if jobs is not None else []) if value.is_map)]
    for job in candidates:
        kind = job.entry("type")
        space = job.entry("search_space")
        if kind is None or space is None:
            continue
        if plain(kind[1]) == "sweep" and space[1].is_map:
            group = _azure_sweep(ctx, job, kind, space)
        elif plain(kind[1]) == "automl" and space[1].is_seq and job.map("sweep") is not None:
            group = _azure_automl(ctx, job, kind, space)
        else:
            group = None
        if group is not None:
            groups.append(group)
    return groups


def _azure_sweep(ctx: Context, job: Node, kind: tuple[Key, Node], space: tuple[Key, Node]) -> Group | None:
    dims = _map_dims(space[1], "Azure ML", "Azure ML search space", "azureml.sweep.search_space", dialect="azure")
    if not tuned_dimensions(dims):
        return None
    sampling = job.entry("sampling_algorithm")
    method = _method(sampling[1]) if sampling is not None else None
    budget = _budget(job.map("limits"), (("max_total_trials", "trials"),))
    category = method_category(method)
    run = entry_hit(
        *kind,
        kind=SWEEP,
        category=category,
        library="Azure ML",
        method=_label(method),
        api="azureml.sweep",
        hps=names_of(dims),
        message=_run_message("Azure ML sweep job", _label(method), dims, budget),
    )
    settings = setting_hits(
        job,
        ("sampling_algorithm", *_AZURE_SETTINGS),
        library="Azure ML",
        label="Azure ML sweep",
        category=category,
        api="azureml.sweep",
        method=_label(method),
    )
    settings.append(
        header_hit(
            ctx,
            space[0],
            category=LIB,
            library="Azure ML",
            api="azureml.sweep.search_space",
            message="Azure ML sweep search space",
        )
    )
    trial = job.entry("trial")
    if trial is not None and trial[1].kind == "scalar":  # the component each trial runs
        settings += setting_hits(
            job, ("trial",), library="Azure ML", label="Azure ML sweep", category=LIB, api="azureml.sweep"
        )
    return _group(run, dims, settings, budget)


def _azure_automl(ctx: Context, job: Node, kind: tuple[Key, Node], space: tuple[Key, Node]) -> Group | None:
    """`search_space: [{model_name: {type: choice, ...}, learning_rate: {...}}, ...]` under an AutoML `sweep`."""
    dims = [
        hit
        for subspace in space[1].items
        if subspace.is_map
        for hit in _map_dims(
            subspace, "Azure ML", "Azure ML AutoML search space", "azureml.automl.search_space", dialect="azure"
        )
    ]
    if not tuned_dimensions(dims):
        return None
    sweep = job.map("sweep")
    method = _method(sweep.get("sampling_algorithm")) if sweep is not None else None
    budget = _budget(job.map("limits"), (("max_trials", "trials"),))
    category = method_category(method)
    task = job.text("task")
    run = entry_hit(
        *kind,
        kind=SWEEP,
        category=category,
        library="Azure ML",
        method=_label(method),
        api="azureml.automl",
        hps=names_of(dims),
        message=_run_message(f"Azure ML AutoML {task or ''} sweep".replace("  ", " "), _label(method), dims, budget),
    )
    settings = setting_hits(
        job,
        _AZURE_AUTOML_SETTINGS,
        library="Azure ML",
        label="Azure ML AutoML",
        category=category,
        api="azureml.automl",
        method=_label(method),
    )
    settings.append(
        header_hit(
            ctx,
            space[0],
            category=LIB,
            library="Azure ML",
            api="azureml.automl.search_space",
            message="Azure ML AutoML search space",
        )
    )
    return _group(run, dims, settings, budget)


# --------------------------------------------------------------------------- SageMaker

_SAGEMAKER_RANGES = {
    "IntegerParameterRanges": "integer",
    "ContinuousParameterRanges": "continuous",
    "CategoricalParameterRanges": "categorical",
}


def detect_sagemaker(root: Node, ctx: Context) -> list[Group]:
    groups = []
    for entry in ctx.index.entries("HyperParameterTuningJobConfig"):
        config = entry.value
        ranges = config.map("ParameterRanges") if config.is_map else None
        if ranges is None:
            continue
        dims: list[Hit] = []
        for field, type_hint in _SAGEMAKER_RANGES.items():
            dims += _list_dims(
                ranges.get(field),
                "SageMaker",
                "SageMaker parameter range",
                "sagemaker.ParameterRanges",
                type_hint=type_hint,
            )
        if not tuned_dimensions(dims):
            continue
        method = _method(config.get("Strategy"))
        budget = _budget(config.map("ResourceLimits"), (("MaxNumberOfTrainingJobs", "training jobs"),))
        run = entry_hit(
            entry.key,
            config,
            kind=SWEEP,
            category=method_category(method),
            library="SageMaker",
            method=_label(method) or "Bayesian optimisation (default)",
            api="sagemaker.HyperParameterTuningJobConfig",
            hps=names_of(dims),
            message=_run_message("SageMaker hyperparameter tuning job", _label(method), dims, budget),
        )
        groups.append(_group(run, dims, [], budget))
    return groups


# --------------------------------------------------------------------------- Katib

_KATIB_SETTINGS = (
    "objective",
    "earlyStopping",
    "parallelTrialCount",
    "maxTrialCount",
    "maxFailedTrialCount",
    "nasConfig",
    "resumePolicy",
    # v1alpha1 StudyJob
    "optimizationtype",
    "objectivevaluename",
    "optimizationgoal",
    "metricsnames",
    "suggestionSpec",
    "earlyStoppingSpec",
)
_KATIB_KINDS = frozenset({"Experiment", "StudyJob"})


def detect_katib(root: Node, ctx: Context) -> list[Group]:
    """A Katib `Experiment` (v1alpha3 and later) or a v1alpha1 `StudyJob`."""
    kind = root.entry("kind")
    api_version = root.text("apiVersion") or ""
    spec = root.map("spec")
    if kind is None or plain(kind[1]) not in _KATIB_KINDS or "kubeflow.org" not in api_version or spec is None:
        return []
    space = spec.entry("parameters") or spec.entry("parameterconfigs")
    dims = _list_dims(space[1] if space is not None else None, "Katib", "Katib parameter", "katib.parameters")
    if not tuned_dimensions(dims) and spec.get("nasConfig") is None:
        return []
    algorithm = spec.entry("algorithm")
    suggestion = spec.map("suggestionSpec")
    method = (
        _method(algorithm[1])
        if algorithm is not None
        else (suggestion.text("suggestionAlgorithm") if suggestion is not None else None)
    )
    category = method_category(method)
    budget = _budget(spec, (("maxTrialCount", "trials"),)) or _budget(suggestion, (("requestNumber", "trials"),))
    message = _run_message(f"Katib {plain(kind[1])}", _label(method), dims, budget)
    anchor = algorithm or spec.entry("suggestionSpec") or kind
    run = entry_hit(
        *anchor,
        kind=SWEEP,
        category=category,
        library="Katib",
        method=_label(method),
        api="katib.Experiment",
        hps=names_of(dims),
        message=message,
    )
    settings = (
        []
        if anchor is kind
        else [
            entry_hit(
                *kind,
                kind=SWEEP,
                category=category,
                library="Katib",
                api="katib.Experiment",
                method=_label(method),
                message=f"Katib {plain(kind[1])}: a hyperparameter search run by Katib",
            )
        ]
    )
    settings += setting_hits(
        spec,
        tuple(k for k in _KATIB_SETTINGS if k != anchor[0].text),
        library="Katib",
        label="Katib experiment",
        category=category,
        api="katib.Experiment",
        method=_label(method),
    )
    if space is not None:
        settings.append(
            header_hit(
                ctx, space[0], category=LIB, library="Katib", api="katib.parameters", message="Katib search space"
            )
        )
    return [_group(run, dims, settings, budget)]


# --------------------------------------------------------------------------- Determined

_DETERMINED_TYPES = frozenset({"int", "double", "log", "categorical"})
_DETERMINED_MAX_DEPTH = 6


def detect_determined(root: Node, ctx: Context) -> list[Group]:
    searcher = root.entry("searcher")
    hyperparameters = root.map("hyperparameters")
    if searcher is None or not searcher[1].is_map or hyperparameters is None:
        return []
    method = searcher[1].text("name")
    if not method or method == "single":
        return []  # one trial with the configured values
    dims = _determined_dims(hyperparameters, 0)
    if not tuned_dimensions(dims) and method != "custom":
        return []
    category = method_category(method)
    budget = _budget(searcher[1], (("max_trials", "trials"),))
    run = entry_hit(
        *searcher,
        kind=SWEEP,
        category=category,
        library="Determined",
        method=_label(method),
        api="determined.searcher",
        hps=names_of(dims),
        message=_run_message(f"Determined searcher '{method}'", _label(method), dims, budget),
    )
    return [Group([run, *dims], budget)]


def _determined_dims(node: Node, depth: int) -> list[Hit]:
    """Typed hyperparameters (`{type: int, minval, maxval}`...), nested ones too, by the name they are written with."""
    hits = []
    for key, value in node.pairs:
        if not value.is_map:
            continue
        kind = (value.text("type") or "").lower()
        if kind in _DETERMINED_TYPES:
            space = param_space(value, dialect="determined")
            if space is not None:
                hits.append(
                    dimension_hit(
                        key,
                        value,
                        key.text,
                        space,
                        "Determined",
                        "Determined hyperparameter",
                        "determined.hyperparameters",
                    )
                )
        elif not kind and depth < _DETERMINED_MAX_DEPTH:
            hits += _determined_dims(value, depth + 1)
    return hits


# --------------------------------------------------------------------------- SigOpt / Ax service configs

_OBJECTIVE_KEYS = ("metrics", "metric", "objective", "objectives", "objective_name", "optimization_config")
_BUDGET_KEYS = (
    ("observation_budget", "observations"),
    ("budget", "observations"),
    ("max_trials", "trials"),
    ("num_trials", "trials"),
    ("total_trials", "trials"),
    ("n_trials", "trials"),
)
_SIGOPT_KEYS = frozenset({"observation_budget", "parallel_bandwidth", "budget", "linear_constraints", "conditionals"})


def detect_parameter_list(root: Node, ctx: Context) -> list[Group]:
    """A top-level `parameters` list of named specs with an objective or a budget beside it: SigOpt
    experiments (`bounds`, `categorical_values`, `observation_budget`) and Ax service configs
    (`type: range`, `bounds: [lo, hi]`, `objectives`)."""
    space = root.entry("parameters")
    if space is None or not space[1].is_seq or root.get("kind") is not None:
        return []  # (a Katib `spec.parameters` list sits under `spec`, a Polyaxon file has a `kind`)
    objective = next((root.entry(k) for k in _OBJECTIVE_KEYS if root.get(k) is not None), None)
    budget_key = next((k for k, _ in _BUDGET_KEYS if root.get(k) is not None), None)
    if objective is None and budget_key is None:
        return []
    dims = _list_dims(space[1], "parameters", "parameter", "config.parameters")
    if not tuned_dimensions(dims):
        return []
    boxed = any(item.map("bounds") is not None for item in space[1].items if item.is_map)
    library = "SigOpt" if boxed or _SIGOPT_KEYS & set(root.index) else "Ax"
    for hit in dims:
        hit.library = library
        hit.label = hit.message = (hit.message or hit.label).replace("parameter:", f"{library} parameter:", 1)
    budget = _budget(root, _BUDGET_KEYS)
    run = header_hit(
        ctx,
        space[0],
        category=LIB,
        library=library,
        api=f"{library.lower()}.experiment",
        hps=names_of(dims),
        message=_run_message(f"{library} experiment", None, dims, budget),
    )
    settings = setting_hits(
        root,
        (
            *_OBJECTIVE_KEYS,
            *(k for k, _ in _BUDGET_KEYS),
            "parallel_bandwidth",
            "parameter_constraints",
            "linear_constraints",
        ),
        library=library,
        label=f"{library} experiment",
        category=LIB,
        api=f"{library.lower()}.experiment",
    )
    return [_group(run, dims, settings, budget)]
