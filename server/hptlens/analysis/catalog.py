"""The catalog: the HPO APIs hptlens recognises, as data.

Each `Api` row says how a call is matched, what finding it makes and how to read
its search space and budget. Adding a library is adding rows (and a fixture), not
a code path.

Matching (`call`):
- a qualified name after import resolution, e.g. ``optuna.create_study``; ``**`` stands
  for any middle part (``ray.**.PopulationBasedTraining`` matches
  ``ray.tune.schedulers.pbt.PopulationBasedTraining`` and ``ray.tune.PopulationBasedTraining``);
- a method on an object made by another call, e.g. ``optuna.create_study().optimize``;
- a bare method ``.suggest_float``, for receivers whose origin is unknown (a function
  parameter): it matches when the file imports one of `requires` (if given) and the
  receiver's name matches `receiver` (if given).

Space specs (`space`, written ``spec("TYPE[+FLAG...]: ROLE, ROLE, ...")`` and parsed into a
checked `SpaceSpec`) name the positional arguments; keywords are read through `KEYWORD_ROLES`.
Types: float, int, categorical, grid, normal, auto (a bounds tuple or a choices list, decided
by the value), sampler (a `random.*` callable followed by its arguments). Flags: log (always
log scale), explog (bounds are natural logs, as in hyperopt), bool (choices True/False).

`space_arg` names where a dict- or list-shaped space is passed (keyword, or ``#N`` for
the N-th positional argument) and `space_shape` how to read it (a `Shape`).
`budget` lists ``keyword:unit`` pairs that state the search budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast, get_args

from hptlens.report import Criterion, FindingKind, StrEnum

SPACE = FindingKind.SEARCH_SPACE
RUN = FindingKind.SEARCH_RUN
SCHED = FindingKind.SCHEDULER

AUTO = Criterion.AUTO_TUNING
LIB = Criterion.AUTO_HAND_TUNING


class Shape(StrEnum):
    """How a dict- or list-shaped space argument is read: the Python shapes by spaces.dimensions
    (`PYTHON_SHAPES`), the C++ ones by cpp/libraries.py (`CPP_SHAPES`)."""

    GRID = "grid"
    """{name: [values]} (scikit-learn grids, Optuna's GridSampler), or a list of such dicts."""
    DOMAIN = "domain"
    """{name: (low, high[, prior])} or [values], or a list of such (skopt dimensions, bayes_opt)."""
    MUTATIONS = "mutations"
    """PBT's hyperparam_mutations: {name: [values] or a distribution}."""
    BOUNDS = "bounds"
    """{name: [low, high]} (PB2); in C++ the lower and upper bound vectors (dlib)."""
    AX = "ax"
    """Ax parameters: [{name, type, bounds or values}, ...]."""
    GENES = "genes"
    """pygad's gene_space: one entry per gene."""
    WANDB = "wandb"
    """A W&B sweep config: {method, parameters: {name: {values | min, max | ...}}}."""
    BOX = "box"
    """A BoTorch bounds matrix [[lows...], [highs...]]."""
    VALUES = "values"
    """C++ (mlpack's Optimize): each argument a set of values."""


SpaceKind = Literal["float", "int", "categorical", "grid", "normal", "auto", "sampler"]
SpaceFlag = Literal["log", "explog", "bool"]
Role = Literal["name", "low", "high", "step", "log", "choices", "bounds", "prior", "mu", "sigma", "sampler"]


@dataclass(frozen=True)
class SpaceSpec:
    """How a space-defining call is read: its type, flags and positional roles (see the module doc)."""

    kind: SpaceKind
    flags: frozenset[SpaceFlag]
    roles: tuple[Role, ...]


def spec(text: str) -> SpaceSpec:
    """`"TYPE[+FLAG...]: ROLE, ROLE, ..."` as a SpaceSpec; ValueError for a word it does not know."""
    head, _, tail = text.partition(":")
    kind, *flags = (part.strip() for part in head.split("+"))
    roles = tuple(role.strip() for role in tail.split(",") if role.strip())
    for words, allowed in (([kind], SpaceKind), (flags, SpaceFlag), (list(roles), Role)):
        unknown = [w for w in words if w not in get_args(allowed)]
        if unknown:
            raise ValueError(f"space spec {text!r}: unknown {', '.join(unknown)}")
    return SpaceSpec(cast(SpaceKind, kind), frozenset(cast(list[SpaceFlag], flags)), cast(tuple[Role, ...], roles))


@dataclass(frozen=True)
class Api:
    library: str
    call: str
    kind: FindingKind
    category: Criterion = LIB
    method: str | None = None
    space: SpaceSpec | None = None
    space_arg: tuple[str, ...] = ()
    space_shape: Shape | None = None
    budget: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    receiver: str | None = None
    ref: bool = False
    """Also matched when passed uncalled as an argument (hyperopt's ``algo=tpe.suggest``)."""
    alone: bool = True
    """Whether the call shows a search by itself. False for calls that also make runs of one
    configuration (`tune.run` with a fixed config, a sweep worker's `wandb.agent`, a study that
    is opened or given a sampler but never optimized): they count only beside another search
    signal in the file, or, for Ray, with more than one sample."""


# fmt: off
# The tables below are data, laid out as rows; the formatter would spread each row over lines.
KEYWORD_ROLES: dict[str, Role] = {
    "name": "name", "label": "name",
    "low": "low", "lower": "low", "min_value": "low", "a": "low",
    "high": "high", "upper": "high", "max_value": "high", "b": "high",
    "log": "log", "step": "step", "q": "step",
    "choices": "choices", "categories": "choices", "values": "choices", "options": "choices",
    "sequence": "choices", "items": "choices",
    "bounds": "bounds", "prior": "prior", "sampling": "prior",
    "mu": "mu", "mean": "mu", "sigma": "sigma", "sd": "sigma",
}

RANDOM_SAMPLERS: frozenset[str] = frozenset(
    """
    random.uniform random.randint random.choice random.random random.sample random.randrange
    random.gauss random.lognormvariate random.loguniform random.expovariate random.betavariate
    numpy.random.uniform numpy.random.randint numpy.random.choice numpy.random.random
    numpy.random.rand numpy.random.normal numpy.random.lognormal numpy.random.loguniform
    torch.rand torch.randint
    """.split()
)
# Methods of a random generator object (np.random.default_rng(), random.Random()).
RANDOM_METHODS: frozenset[str] = frozenset(
    "uniform integers randint choice random normal lognormal loguniform rand".split()
)
RANDOM_RECEIVERS = r"^(rng|random_state|np_random|rs|generator|gen|random)$"

VALUE_GENERATORS: frozenset[str] = frozenset(
    """
    numpy.linspace numpy.logspace numpy.geomspace numpy.arange torch.linspace torch.logspace
    torch.arange itertools.product range
    """.split()
)

NEVERGRAD_OPTIMIZERS = (
    "NGOpt", "NGOptRL", "NgIohTuned", "OnePlusOne", "CMA", "DiagonalCMA", "TwoPointsDE", "DE", "PSO",
    "TBPSA", "RandomSearch", "ScrHammersleySearch", "Portfolio", "BO", "Cobyla",
)

SMAC_FACADES = {
    "HyperparameterOptimizationFacade": "SMAC (random forest BO)", "BlackBoxFacade": "SMAC (GP BO)",
    "MultiFidelityFacade": "SMAC (Hyperband)", "HyperbandFacade": "SMAC (Hyperband)",
    "AlgorithmConfigurationFacade": "SMAC (algorithm configuration)", "RandomFacade": "random search",
}

# Keywords of a search call that name its scheduler or algorithm with a string (FLAML's scheduler="asha").
SCHEDULER_KEYWORDS = ("scheduler", "search_alg", "sampler", "algo", "method", "search_optimization",
                      "sampler_method", "pruner_method")
# Such strings that name an HPO method driving the search (auto-tuning); others keep the call's criterion.
AUTO_METHOD_NAMES = frozenset({"asha", "hyperband", "bohb", "pbt", "pb2", "bayes", "bayesopt", "cfo", "blendsearch",
                               "cmaes", "dehb", "smac", "hebo"})
# Words inside a config's method name (`bayesianoptimization`, `adaptive_asha`, `PBTTuner`, `gp`) that
# name an HPO method driving the search; matched on the name lower-cased with separators removed.
AUTO_METHOD_WORDS = AUTO_METHOD_NAMES | frozenset({"halving", "evolution", "genetic", "gaussian", "gptuner", "metis",
                                                   "dngo", "pso", "oneplusone", "ngopt", "differential", "vizier"})
AUTO_METHOD_EXACT = frozenset({"gp", "bo", "es", "cma", "de", "ga", "ucb", "forest", "gbrt", "smbo"})

# Config keys (the last dotted part) whose values are never tuned hyperparameters: a sweep over only
# these repeats one configuration over seeds, environments or data.
NOT_TUNED_KEYS: frozenset[str] = frozenset(
    """
    seed seeds random_seed rng_seed env env_id env_name envs environment environments game games task tasks
    level levels map scenario dataset datasets data data_dir dataset_name run run_id repeat repeats repetition
    trial_id fold folds split
    """.split()
)

# Libraries whose explicit search spaces make "auto/hand-tuning" even when their run is auto-tuning.
AUTO_HAND_LIBRARIES = frozenset({"Optuna", "hyperopt", "Ray Tune", "scikit-learn", "scikit-optimize", "keras-tuner",
                                 "nevergrad", "ConfigSpace", "Ax", "bayes_opt", "DeepHyper", "Weights & Biases",
                                 "FLAML", "Syne Tune", "SMAC"})

# Calls that name config files another file may define a sweep in (hydra) or that load tuned
# hyperparameters (rl-zoo): matched by these names, resolved in links.py.
CONFIG_CALL_NAMES = frozenset(
    "main initialize initialize_config_dir compose safe_load load full_load unsafe_load".split()
)

# Hand-written evolutionary search: a loop calling these on a population is a GA.
GENETIC_OPERATORS = r"(crossover|mutat|breed|recombin|reproduc)"


def _optuna() -> list[Api]:
    rows = [
        Api("Optuna", "optuna.create_study", RUN, method="TPE", budget=("n_trials:trials",), alone=False),
        Api("Optuna", "optuna.create_study().optimize", RUN, budget=("n_trials:trials", "timeout:s timeout")),
        Api("Optuna", ".optimize", RUN, requires=("optuna",), receiver=r"study",
            budget=("n_trials:trials", "timeout:s timeout")),
        # load_study alone only reads a finished study; a worker that optimizes it is a search.
        Api("Optuna", "optuna.load_study().optimize", RUN, budget=("n_trials:trials", "timeout:s timeout")),
        Api("Optuna", "optuna.**.TPESampler", SCHED, method="TPE", alone=False),
        Api("Optuna", "optuna.**.CmaEsSampler", SCHED, AUTO, method="CMA-ES", alone=False),
        Api("Optuna", "optuna.**.RandomSampler", SCHED, method="random search", alone=False),
        Api("Optuna", "optuna.**.GridSampler", SCHED, method="grid search", space_arg=("search_space", "#0"),
            space_shape=Shape.GRID),
        Api("Optuna", "optuna.**.NSGAIISampler", SCHED, AUTO, method="NSGA-II", alone=False),
        Api("Optuna", "optuna.**.NSGAIIISampler", SCHED, AUTO, method="NSGA-III", alone=False),
        Api("Optuna", "optuna.**.QMCSampler", SCHED, method="quasi-Monte Carlo", alone=False),
        Api("Optuna", "optuna.**.GPSampler", SCHED, AUTO, method="Bayesian optimisation (GP)", alone=False),
        Api("Optuna", "optuna.**.BruteForceSampler", SCHED, method="brute force", alone=False),
        Api("Optuna", "optuna.**.MedianPruner", SCHED, method="median pruning", alone=False),
        Api("Optuna", "optuna.**.PercentilePruner", SCHED, method="percentile pruning", alone=False),
        Api("Optuna", "optuna.**.HyperbandPruner", SCHED, AUTO, method="Hyperband", alone=False),
        Api("Optuna", "optuna.**.SuccessiveHalvingPruner", SCHED, AUTO, method="successive halving", alone=False),
        Api("Optuna", "optuna.**.ThresholdPruner", SCHED, method="threshold pruning", alone=False),
        Api("Optuna", "optuna.**.PatientPruner", SCHED, method="patient pruning", alone=False),
        Api("Optuna", "optuna.**.WilcoxonPruner", SCHED, method="Wilcoxon pruning", alone=False),
        Api("Optuna", "optuna.**.FloatDistribution", SPACE, space=spec("float: low, high")),
        Api("Optuna", "optuna.**.IntDistribution", SPACE, space=spec("int: low, high")),
        Api("Optuna", "optuna.**.CategoricalDistribution", SPACE, space=spec("categorical: choices")),
    ]
    suggest = {
        "suggest_float": "float: name, low, high",
        "suggest_int": "int: name, low, high",
        "suggest_categorical": "categorical: name, choices",
        "suggest_uniform": "float: name, low, high",
        "suggest_loguniform": "float+log: name, low, high",
        "suggest_discrete_uniform": "float: name, low, high, step",
    }
    for method, text in suggest.items():
        rows.append(Api("Optuna", f".{method}", SPACE, space=spec(text), receiver=r"trial"))
    return rows


def _hyperopt() -> list[Api]:
    hp = {
        "uniform": "float: name, low, high",
        "quniform": "float: name, low, high, step",
        "loguniform": "float+explog: name, low, high",
        "qloguniform": "float+explog: name, low, high, step",
        "normal": "normal: name, mu, sigma",
        "qnormal": "normal: name, mu, sigma, step",
        "lognormal": "normal+log: name, mu, sigma",
        "qlognormal": "normal+log: name, mu, sigma, step",
        "randint": "int: name, high",
        "uniformint": "int: name, low, high",
        "choice": "categorical: name, choices",
        "pchoice": "categorical: name, choices",
    }
    rows = [Api("hyperopt", f"hyperopt.hp.{fn}", SPACE, space=spec(text)) for fn, text in hp.items()]
    rows += [
        Api("hyperopt", "hyperopt.fmin", RUN, budget=("max_evals:evaluations",)),
        Api("hyperopt", "hyperopt.Trials", RUN),
        Api("hyperopt", "hyperopt.tpe.suggest", SCHED, method="TPE", ref=True),
        Api("hyperopt", "hyperopt.rand.suggest", SCHED, method="random search", ref=True),
        Api("hyperopt", "hyperopt.atpe.suggest", SCHED, method="adaptive TPE", ref=True),
        Api("hyperopt", "hyperopt.anneal.suggest", SCHED, method="simulated annealing", ref=True),
    ]
    return rows


_TUNE_SPACES = {
    "uniform": "float: low, high",
    "quniform": "float: low, high, step",
    "loguniform": "float+log: low, high",
    "qloguniform": "float+log: low, high, step",
    "randn": "normal: mu, sigma",
    "qrandn": "normal: mu, sigma, step",
    "randint": "int: low, high",
    "qrandint": "int: low, high, step",
    "lograndint": "int+log: low, high",
    "qlograndint": "int+log: low, high, step",
    "choice": "categorical: choices",
    "grid_search": "grid: choices",
    "sample_from": "categorical: choices",
}


def _ray() -> list[Api]:
    rows = [Api("Ray Tune", f"ray.tune.{fn}", SPACE, space=spec(text)) for fn, text in _TUNE_SPACES.items()]
    budget = ("num_samples:samples",)
    rows += [
        Api("Ray Tune", "ray.tune.Tuner", RUN, alone=False),
        Api("Ray Tune", "ray.tune.Tuner().fit", RUN, alone=False),
        Api("Ray Tune", ".fit", RUN, requires=("ray.tune",), receiver=r"tuner", alone=False),
        Api("Ray Tune", "ray.tune.TuneConfig", SCHED, budget=budget, alone=False),
        Api("Ray Tune", "ray.tune.run", RUN, budget=budget, alone=False),
        Api("Ray Tune", "ray.tune.run_experiments", RUN, alone=False),
        Api("Ray Tune", "ray.**.PopulationBasedTraining", SCHED, AUTO, method="PBT",
            space_arg=("hyperparam_mutations",), space_shape=Shape.MUTATIONS),
        Api("Ray Tune", "ray.**.PopulationBasedTrainingReplay", SCHED, AUTO, method="PBT replay"),
        Api("Ray Tune", "ray.**.PB2", SCHED, AUTO, method="PB2",
            space_arg=("hyperparam_bounds",), space_shape=Shape.BOUNDS),
        Api("Ray Tune", "ray.**.ASHAScheduler", SCHED, AUTO, method="ASHA"),
        Api("Ray Tune", "ray.**.AsyncHyperBandScheduler", SCHED, AUTO, method="ASHA"),
        Api("Ray Tune", "ray.**.HyperBandScheduler", SCHED, AUTO, method="Hyperband"),
        Api("Ray Tune", "ray.**.HyperBandForBOHB", SCHED, AUTO, method="BOHB"),
        Api("Ray Tune", "ray.**.MedianStoppingRule", SCHED, method="median stopping"),
        Api("Ray Tune", "ray.**.TuneBOHB", SCHED, AUTO, method="BOHB"),
        Api("Ray Tune", "ray.**.OptunaSearch", SCHED, method="Optuna TPE"),
        Api("Ray Tune", "ray.**.HyperOptSearch", SCHED, method="hyperopt TPE"),
        Api("Ray Tune", "ray.**.BayesOptSearch", SCHED, AUTO, method="Bayesian optimisation"),
        Api("Ray Tune", "ray.**.AxSearch", SCHED, AUTO, method="Bayesian optimisation (Ax)"),
        Api("Ray Tune", "ray.**.NevergradSearch", SCHED, method="nevergrad"),
        Api("Ray Tune", "ray.**.HEBOSearch", SCHED, AUTO, method="Bayesian optimisation (HEBO)"),
        Api("Ray Tune", "ray.**.BasicVariantGenerator", SCHED, method="grid/random search"),
    ]
    return rows


def _configspace_and_dehb() -> list[Api]:
    cs = "ConfigSpace"
    return [
        Api(cs, "ConfigSpace.**.UniformFloatHyperparameter", SPACE, space=spec("float: name, low, high")),
        Api(cs, "ConfigSpace.**.UniformIntegerHyperparameter", SPACE, space=spec("int: name, low, high")),
        Api(cs, "ConfigSpace.**.NormalFloatHyperparameter", SPACE, space=spec("normal: name, mu, sigma")),
        Api(cs, "ConfigSpace.**.NormalIntegerHyperparameter", SPACE, space=spec("normal: name, mu, sigma")),
        Api(cs, "ConfigSpace.**.BetaFloatHyperparameter", SPACE, space=spec("float: name")),
        Api(cs, "ConfigSpace.**.CategoricalHyperparameter", SPACE, space=spec("categorical: name, choices")),
        Api(cs, "ConfigSpace.**.OrdinalHyperparameter", SPACE, space=spec("categorical: name, choices")),
        Api(cs, "ConfigSpace.Float", SPACE, space=spec("float: name, bounds")),
        Api(cs, "ConfigSpace.Integer", SPACE, space=spec("int: name, bounds")),
        Api(cs, "ConfigSpace.Categorical", SPACE, space=spec("categorical: name, choices")),
        Api(cs, "ConfigSpace.Normal", SPACE, space=spec("normal: mu, sigma")),
        Api(cs, "ConfigSpace.ConfigurationSpace", SPACE, space_arg=("space", "#0"), space_shape=Shape.DOMAIN),
        Api("DEHB", "dehb.DEHB", RUN, AUTO, method="DEHB"),
        Api("DEHB", "dehb.DEHB().run", RUN, AUTO, method="DEHB",
            budget=("fevals:function evaluations", "brackets:brackets", "total_cost:s budget")),
        Api("DEHB", ".run", RUN, AUTO, method="DEHB", requires=("dehb",), receiver=r"dehb",
            budget=("fevals:function evaluations", "brackets:brackets", "total_cost:s budget")),
    ]


def _sklearn_skopt() -> list[Api]:
    sk, so = "scikit-learn", "scikit-optimize"
    fit_budget = ("n_iter:iterations",)
    return [
        Api(sk, "sklearn.**.GridSearchCV", RUN, method="grid search", space_arg=("param_grid", "#1"),
            space_shape=Shape.GRID),
        Api(sk, "sklearn.**.RandomizedSearchCV", RUN, method="random search",
            space_arg=("param_distributions", "#1"), space_shape=Shape.GRID, budget=fit_budget),
        Api(sk, "sklearn.**.HalvingGridSearchCV", RUN, AUTO, method="successive halving (grid)",
            space_arg=("param_grid", "#1"), space_shape=Shape.GRID),
        Api(sk, "sklearn.**.HalvingRandomSearchCV", RUN, AUTO, method="successive halving (random)",
            space_arg=("param_distributions", "#1"), space_shape=Shape.GRID),
        Api(sk, "sklearn.**.ParameterGrid", RUN, method="grid search", space_arg=("param_grid", "#0"),
            space_shape=Shape.GRID),
        Api(sk, "sklearn.**.ParameterSampler", RUN, method="random search",
            space_arg=("param_distributions", "#0"), space_shape=Shape.GRID, budget=("n_iter:samples",)),
        Api(sk, "sklearn.**.GridSearchCV().fit", RUN),
        Api(sk, "sklearn.**.RandomizedSearchCV().fit", RUN),
        Api(sk, "sklearn.**.HalvingGridSearchCV().fit", RUN),
        Api(sk, "sklearn.**.HalvingRandomSearchCV().fit", RUN),
        Api(so, "skopt.**.Real", SPACE, space=spec("float: low, high, prior")),
        Api(so, "skopt.**.Integer", SPACE, space=spec("int: low, high, prior")),
        Api(so, "skopt.**.Categorical", SPACE, space=spec("categorical: choices")),
        Api(so, "skopt.gp_minimize", RUN, AUTO, method="Bayesian optimisation (GP)",
            space_arg=("dimensions", "#1"), space_shape=Shape.DOMAIN, budget=("n_calls:calls",)),
        Api(so, "skopt.forest_minimize", RUN, AUTO, method="Bayesian optimisation (random forest)",
            space_arg=("dimensions", "#1"), space_shape=Shape.DOMAIN, budget=("n_calls:calls",)),
        Api(so, "skopt.gbrt_minimize", RUN, AUTO, method="Bayesian optimisation (GBRT)",
            space_arg=("dimensions", "#1"), space_shape=Shape.DOMAIN, budget=("n_calls:calls",)),
        Api(so, "skopt.dummy_minimize", RUN, method="random search",
            space_arg=("dimensions", "#1"), space_shape=Shape.DOMAIN, budget=("n_calls:calls",)),
        Api(so, "skopt.BayesSearchCV", RUN, AUTO, method="Bayesian optimisation",
            space_arg=("search_spaces", "#1"), space_shape=Shape.DOMAIN, budget=fit_budget),
        Api(so, "skopt.BayesSearchCV().fit", RUN),
        Api(so, "skopt.Optimizer", RUN, AUTO, method="Bayesian optimisation",
            space_arg=("dimensions", "#0"), space_shape=Shape.DOMAIN),
    ]


def _bayesian_and_bandits() -> list[Api]:
    return [
        Api("bayes_opt", "bayes_opt.BayesianOptimization", RUN, AUTO, method="Bayesian optimisation",
            space_arg=("pbounds",), space_shape=Shape.DOMAIN),
        Api("bayes_opt", "bayes_opt.BayesianOptimization().maximize", RUN, AUTO,
            budget=("n_iter:iterations",)),
        Api("bayes_opt", ".maximize", RUN, AUTO, requires=("bayes_opt",), receiver=r"opt|bo|optimizer",
            budget=("n_iter:iterations",)),
        Api("bayes_opt", "bayes_opt.BayesianOptimization().suggest", RUN, AUTO),
        Api("bayes_opt", "bayes_opt.UtilityFunction", SCHED, AUTO, method="acquisition function"),
        Api("bayes_opt", "bayes_opt.**.UpperConfidenceBound", SCHED, AUTO, method="upper confidence bound"),
        Api("bayes_opt", "bayes_opt.**.ExpectedImprovement", SCHED, AUTO, method="expected improvement"),
        Api("bayes_opt", "bayes_opt.**.ProbabilityOfImprovement", SCHED, AUTO,
            method="probability of improvement"),
        Api("BoTorch", "botorch.**.SingleTaskGP", SCHED, AUTO, method="Bayesian optimisation (GP)"),
        Api("BoTorch", "botorch.**.MixedSingleTaskGP", SCHED, AUTO, method="Bayesian optimisation (GP)"),
        Api("BoTorch", "botorch.**.ExpectedImprovement", SCHED, AUTO, method="expected improvement"),
        Api("BoTorch", "botorch.**.LogExpectedImprovement", SCHED, AUTO, method="expected improvement"),
        Api("BoTorch", "botorch.**.qExpectedImprovement", SCHED, AUTO, method="expected improvement"),
        Api("BoTorch", "botorch.**.qLogExpectedImprovement", SCHED, AUTO, method="expected improvement"),
        Api("BoTorch", "botorch.**.qNoisyExpectedImprovement", SCHED, AUTO, method="expected improvement"),
        Api("BoTorch", "botorch.**.UpperConfidenceBound", SCHED, AUTO, method="upper confidence bound"),
        Api("BoTorch", "botorch.**.qUpperConfidenceBound", SCHED, AUTO, method="upper confidence bound"),
        Api("BoTorch", "botorch.**.ProbabilityOfImprovement", SCHED, AUTO, method="probability of improvement"),
        Api("BoTorch", "botorch.**.optimize_acqf", RUN, AUTO, method="Bayesian optimisation",
            space_arg=("bounds",), space_shape=Shape.BOX),
        Api("Ax", "ax.**.AxClient", RUN, AUTO, method="Bayesian optimisation (Ax)"),
        Api("Ax", "ax.**.AxClient().create_experiment", RUN, AUTO, space_arg=("parameters",),
            space_shape=Shape.AX),
        Api("Ax", ".create_experiment", RUN, AUTO, requires=("ax",), receiver=r"ax|client",
            space_arg=("parameters",), space_shape=Shape.AX),
        Api("Ax", "ax.**.AxClient().get_next_trial", RUN, AUTO),
        Api("Ax", ".get_next_trial", RUN, AUTO, requires=("ax",), receiver=r"ax|client"),
        Api("Ax", "ax.**.managed_loop.optimize", RUN, AUTO, method="Bayesian optimisation (Ax)",
            space_arg=("parameters",), space_shape=Shape.AX, budget=("total_trials:trials",)),
        Api("Ax", "ax.optimize", RUN, AUTO, method="Bayesian optimisation (Ax)",
            space_arg=("parameters",), space_shape=Shape.AX, budget=("total_trials:trials",)),
        Api("Ax", "ax.**.Client().configure_experiment", RUN, AUTO, space_arg=("parameters",), space_shape=Shape.AX),
        Api("Ax", "ax.**.RangeParameterConfig", SPACE, AUTO, space=spec("float: name, bounds")),
        Api("Ax", "ax.**.ChoiceParameterConfig", SPACE, AUTO, space=spec("categorical: name, choices")),
    ]


def _tuners() -> list[Api]:
    kt = "keras-tuner"
    req = ("keras_tuner", "kerastuner")
    rows = [
        Api(kt, ".Float", SPACE, space=spec("float: name, low, high, step, prior"), receiver=r"^hp$"),
        Api(kt, ".Int", SPACE, space=spec("int: name, low, high, step, prior"), receiver=r"^hp$"),
        Api(kt, ".Choice", SPACE, space=spec("categorical: name, choices"), receiver=r"^hp$"),
        Api(kt, ".Boolean", SPACE, space=spec("categorical+bool: name"), receiver=r"^hp$"),
        Api(kt, ".search", RUN, requires=req, receiver=r"tuner", budget=("epochs:epochs",)),
    ]
    for module in ("keras_tuner", "kerastuner"):
        rows += [
            Api(kt, f"{module}.**.Hyperband", RUN, AUTO, method="Hyperband", budget=("max_epochs:max epochs",)),
            Api(kt, f"{module}.**.RandomSearch", RUN, method="random search", budget=("max_trials:trials",)),
            Api(kt, f"{module}.**.BayesianOptimization", RUN, AUTO, method="Bayesian optimisation",
                budget=("max_trials:trials",)),
            Api(kt, f"{module}.**.GridSearch", RUN, method="grid search", budget=("max_trials:trials",)),
            Api(kt, f"{module}.**.Hyperband().search", RUN),
            Api(kt, f"{module}.**.RandomSearch().search", RUN),
            Api(kt, f"{module}.**.BayesianOptimization().search", RUN),
            Api(kt, f"{module}.**.GridSearch().search", RUN),
        ]
    return rows


def _evolutionary() -> list[Api]:
    ng = "nevergrad"
    rows = [
        Api(ng, "nevergrad.p.Log", SPACE, space=spec("float+log: low, high")),
        Api(ng, "nevergrad.p.Scalar", SPACE, space=spec("float: low, high")),
        Api(ng, "nevergrad.p.Choice", SPACE, space=spec("categorical: choices")),
        Api(ng, "nevergrad.p.TransitionChoice", SPACE, space=spec("categorical: choices")),
        Api(ng, ".minimize", RUN, AUTO, requires=("nevergrad",), receiver=r"opt"),
        Api(ng, ".ask", RUN, AUTO, requires=("nevergrad",), receiver=r"opt"),
    ]
    evolutionary = ("OnePlusOne", "TwoPointsDE", "DE", "PSO", "TBPSA")
    for name in NEVERGRAD_OPTIMIZERS:
        method = "CMA-ES" if "CMA" in name else "evolutionary" if name in evolutionary else name
        rows += [
            Api(ng, f"nevergrad.optimizers.{name}", RUN, AUTO, method=method, budget=("budget:evaluations",)),
            Api(ng, f"nevergrad.optimizers.{name}().minimize", RUN, AUTO),
            Api(ng, f"nevergrad.optimizers.{name}().ask", RUN, AUTO),
        ]
    rows += [
        Api("DEAP", "deap.algorithms.eaSimple", RUN, AUTO, method="genetic algorithm",
            budget=("ngen:generations",)),
        Api("DEAP", "deap.algorithms.eaMuPlusLambda", RUN, AUTO, method="evolution strategy (mu+lambda)",
            budget=("ngen:generations",)),
        Api("DEAP", "deap.algorithms.eaMuCommaLambda", RUN, AUTO, method="evolution strategy (mu,lambda)",
            budget=("ngen:generations",)),
        Api("DEAP", "deap.algorithms.eaGenerateUpdate", RUN, AUTO, method="CMA-ES", budget=("ngen:generations",)),
        Api("DEAP", "deap.base.Toolbox().register", SPACE, AUTO, space=spec("sampler: name, sampler, low, high")),
        Api("DEAP", ".register", SPACE, AUTO, space=spec("sampler: name, sampler, low, high"), requires=("deap",),
            receiver=r"toolbox"),
        Api("pygad", "pygad.GA", RUN, AUTO, method="genetic algorithm", space_arg=("gene_space",),
            space_shape=Shape.GENES, budget=("num_generations:generations",)),
        Api("pygad", "pygad.GA().run", RUN, AUTO),
        Api("pycma", "cma.CMAEvolutionStrategy", RUN, AUTO, method="CMA-ES"),
        Api("pycma", "cma.CMAEvolutionStrategy().ask", RUN, AUTO),
        Api("pycma", "cma.fmin", RUN, AUTO, method="CMA-ES"),
        Api("pycma", "cma.fmin2", RUN, AUTO, method="CMA-ES"),
        Api("pycma", ".ask", RUN, AUTO, requires=("cma",), receiver=r"^es$"),
    ]
    return rows


def _others() -> list[Api]:
    wb, dh = "Weights & Biases", "DeepHyper"
    rows = [
        Api(wb, "wandb.sweep", RUN, space_arg=("sweep", "#0"), space_shape=Shape.WANDB),
        Api(wb, "wandb.agent", RUN, budget=("count:runs",), alone=False),
        Api(dh, "deephyper.**.HpProblem().add_hyperparameter", SPACE, space=spec("auto: bounds, name")),
        Api(dh, ".add_hyperparameter", SPACE, space=spec("auto: bounds, name"), requires=("deephyper",),
            receiver=r"problem"),
        Api(dh, "deephyper.**.CBO", RUN, AUTO, method="Bayesian optimisation (CBO)"),
        Api(dh, "deephyper.**.AMBS", RUN, AUTO, method="Bayesian optimisation (AMBS)"),
        Api(dh, "deephyper.**.RandomSearch", RUN, method="random search"),
        Api(dh, "deephyper.**.RegularizedEvolution", RUN, AUTO, method="regularized evolution"),
        Api(dh, "deephyper.**.CBO().search", RUN, AUTO, budget=("max_evals:evaluations",)),
        Api(dh, ".search", RUN, AUTO, requires=("deephyper",), receiver=r"search|cbo",
            budget=("max_evals:evaluations",)),
        Api("FLAML", "flaml.tune.run", RUN, budget=("num_samples:samples",)),
        Api("SMAC", ".optimize", RUN, AUTO, requires=("smac",), receiver=r"smac"),
        Api("SMAC", ".ask", RUN, AUTO, requires=("smac",), receiver=r"smac"),
        Api("SMAC", "smac.**.Hyperband", SCHED, AUTO, method="Hyperband"),
        Api("SMAC", "smac.**.SuccessiveHalving", SCHED, AUTO, method="successive halving"),
        Api("Syne Tune", "syne_tune.Tuner", RUN),
        Api("Syne Tune", "syne_tune.Tuner().run", RUN),
        Api("Syne Tune", "syne_tune.**.ASHA", SCHED, AUTO, method="ASHA"),
        Api("Syne Tune", "syne_tune.**.HyperbandScheduler", SCHED, AUTO, method="Hyperband"),
        Api("Syne Tune", "syne_tune.**.BayesianOptimization", SCHED, AUTO, method="Bayesian optimisation"),
        Api("Syne Tune", "syne_tune.**.RandomSearch", SCHED, method="random search"),
        Api("Syne Tune", "syne_tune.**.BOHB", SCHED, AUTO, method="BOHB"),
        Api("Syne Tune", "syne_tune.**.PopulationBasedTraining", SCHED, AUTO, method="PBT"),
        Api("Syne Tune", "syne_tune.**.FIFOScheduler", SCHED, method="FIFO"),
    ]
    for facade, method in SMAC_FACADES.items():
        category = LIB if facade == "RandomFacade" else AUTO
        rows += [
            Api("SMAC", f"smac.**.{facade}", RUN, category, method=method),
            Api("SMAC", f"smac.**.{facade}().optimize", RUN, category),
            Api("SMAC", f"smac.**.{facade}().ask", RUN, category),
        ]
    syne = {"uniform": "float: low, high", "loguniform": "float+log: low, high", "randint": "int: low, high",
            "lograndint": "int+log: low, high", "choice": "categorical: choices", "finrange": "grid: low, high",
            "logfinrange": "grid+log: low, high"}
    rows += [Api("Syne Tune", f"syne_tune.config_space.{fn}", SPACE, space=spec(text)) for fn, text in syne.items()]
    rows += [Api("FLAML", f"flaml.tune.{fn}", SPACE, space=spec(text)) for fn, text in _TUNE_SPACES.items()]
    return rows


def _more_searches() -> list[Api]:
    """Libraries and entry points met in real projects beyond the seeds' list."""
    ts, hb, nni, zoo, hf = "tune-sklearn", "HpBandSter", "NNI", "rl-zoo", "Hugging Face Trainer"
    return [
        Api(ts, "tune_sklearn.TuneSearchCV", RUN, method="random search", space_arg=("param_distributions", "#1"),
            space_shape=Shape.GRID, budget=("n_trials:trials",)),
        Api(ts, "tune_sklearn.TuneGridSearchCV", RUN, method="grid search", space_arg=("param_grid", "#1"),
            space_shape=Shape.GRID),
        Api(ts, "tune_sklearn.TuneSearchCV().fit", RUN),
        Api(ts, "tune_sklearn.TuneGridSearchCV().fit", RUN),
        Api("scikit-learn", "sklearn.**.validation_curve", RUN, method="validation curve"),
        Api(hb, "hpbandster.**.BOHB", RUN, AUTO, method="BOHB"),
        Api(hb, "hpbandster.**.HyperBand", RUN, AUTO, method="Hyperband"),
        Api(hb, "hpbandster.**.H2BO", RUN, AUTO, method="H2BO"),
        Api(hb, "hpbandster.**.RandomSearch", RUN, method="random search"),
        Api(hb, ".run", RUN, AUTO, requires=("hpbandster",), receiver=r"bohb|hyperband|optimizer|opt|hb",
            budget=("n_iterations:iterations",)),
        Api("ConfigSpace", ".add_hyperparameter", SPACE, requires=("ConfigSpace",)),
        Api("ConfigSpace", ".add_hyperparameters", SPACE, requires=("ConfigSpace",)),
        Api("ConfigSpace", ".add_condition", SPACE, requires=("ConfigSpace",)),
        Api("ConfigSpace", ".add_conditions", SPACE, requires=("ConfigSpace",)),
        Api("SMAC", "smac.**.Scenario", RUN, AUTO, method="SMAC", alone=False),
        Api("SMAC", "smac.**.SMAC", RUN, AUTO, method="SMAC"),
        Api("SMAC", "smac.**.SMAC4HPO", RUN, AUTO, method="SMAC (random forest BO)"),
        Api("SMAC", "smac.**.SMAC4BB", RUN, AUTO, method="SMAC (GP BO)"),
        Api("SMAC", "smac.**.SMAC4AC", RUN, AUTO, method="SMAC (algorithm configuration)"),
        Api("SMAC", "smac.**.SMAC4MF", RUN, AUTO, method="SMAC (Hyperband)"),
        Api(nni, "nni.experiment.Experiment", RUN, method="NNI experiment", alone=False),
        Api(nni, "nni.experiment.Experiment().run", RUN),
        Api(nni, ".run", RUN, requires=("nni",), receiver=r"experiment|exp"),
        Api(zoo, "rl_zoo3.**.optimize_hyperparameters", RUN, AUTO, method="Optuna (rl-zoo)",
            budget=("n_trials:trials",)),
        Api(zoo, "utils.hyperparams_opt.optimize_hyperparameters", RUN, AUTO, method="Optuna (rl-zoo)",
            budget=("n_trials:trials",)),
        Api(hf, ".hyperparameter_search", RUN, method="Optuna or Ray Tune", requires=("transformers",),
            receiver=r"trainer", budget=("n_trials:trials",)),
    ]


PYTHON_APIS: tuple[Api, ...] = tuple(
    _optuna() + _hyperopt() + _ray() + _configspace_and_dehb() + _sklearn_skopt()
    + _bayesian_and_bandits() + _tuners() + _evolutionary() + _others() + _more_searches()
)

def last_name(call: str) -> str:
    """The name a call pattern ends with: what the detector looks candidates up by."""
    tail = call.rsplit(".", 1)[-1]
    return tail.removesuffix("()")


# ---- C++ ------------------------------------------------------------------------------------
# C++ rows follow the same conventions with `::`: ``**`` stands for any middle namespaces, and
# ``Type().Method`` is a method called on an object declared with that type. A name may be written
# without its namespaces when the file uses the library (`#include <dlib/...>`, `using namespace
# mlpack;`); `requires` names that library. ``#*`` in `space_arg` makes every positional argument
# one dimension (mlpack's Optimize(lambdas, alphas)); ``#1``/``#2`` name the lower and upper
# bound vectors (dlib). A C++ `budget` entry names a wrapper call among the arguments
# (`max_function_calls(50)`), since C++ has no keyword arguments.

# The optimizer of an mlpack HyperParameterTuner (its 4th template argument, or Optimize<...>'s):
# name -> (method, criterion). GridSearch is mlpack's default.
MLPACK_TUNER_OPTIMIZERS: dict[str, tuple[str, Criterion]] = {
    "GridSearch": ("grid search", LIB),
    "GradientDescent": ("gradient descent", AUTO),
    "L_BFGS": ("L-BFGS", AUTO),
    "SA": ("simulated annealing", AUTO),
    "CNE": ("neuro-evolution", AUTO),
    "CMAES": ("CMA-ES", AUTO),
    "DE": ("differential evolution", AUTO),
}

# <random> distributions a hand-written random search samples hyperparameters from:
# template name -> space type (float, int, normal, bool, index = an index into a list of choices).
CPP_DISTRIBUTIONS: dict[str, str] = {
    "uniform_real_distribution": "float",
    "uniform_int_distribution": "int",
    "normal_distribution": "normal",
    "lognormal_distribution": "normal",
    "exponential_distribution": "float",
    "bernoulli_distribution": "bool",
    "discrete_distribution": "index",
}
# C calls that return a random number (old-style random search: `lr = lo + (hi - lo) * drand48()`).
CPP_RANDOM_CALLS: frozenset[str] = frozenset({"rand", "std::rand", "drand48", "erand48", "random"})


def _cpp() -> list[Api]:
    ml, dl = "mlpack", "dlib"
    dlib_budget = ("max_function_calls:function calls",)
    dlib_method = "global optimisation (LIPO + trust region)"
    return [
        Api(ml, "mlpack::**::HyperParameterTuner", RUN, method="grid search", requires=("mlpack",)),
        Api(ml, "mlpack::**::HyperParameterTuner().Optimize", RUN, method="grid search", space_arg=("#*",),
            space_shape=Shape.VALUES, requires=("mlpack",)),
        Api(dl, "dlib::find_min_global", RUN, AUTO, method=dlib_method, space_arg=("#1", "#2"),
            space_shape=Shape.BOUNDS, budget=dlib_budget, requires=("dlib",)),
        Api(dl, "dlib::find_max_global", RUN, AUTO, method=dlib_method, space_arg=("#1", "#2"),
            space_shape=Shape.BOUNDS, budget=dlib_budget, requires=("dlib",)),
        Api(dl, "dlib::global_function_search", RUN, AUTO, method=dlib_method, requires=("dlib",)),
        Api(dl, "dlib::function_spec", SPACE, LIB, space_arg=("#0", "#1"), space_shape=Shape.BOUNDS,
            requires=("dlib",)),
    ]


CPP_APIS: tuple[Api, ...] = tuple(_cpp())


# ---- C++ model selection in ML libraries (cpp_selection.py) ---------------------------------------
# These searches are set up over several statements (an optimizer object, its grid, the objective it
# steps on), so each library is a small table of names read by one detector.


@dataclass(frozen=True)
class Selection:
    """One library's model selection: the names that make it up and how it is labelled."""

    library: str
    roots: tuple[str, ...]
    """Include roots or namespaces that say the file uses the library (`#include <shark/...>`)."""
    method: str
    category: Criterion


# OpenCV ml::SVM::trainAuto: k-fold grid search over the SVM's parameters. Its grid arguments come in
# this order after the fold count; a grid not given is the default one for that parameter, and only
# the parameters the SVM type and kernel use are searched.
OPENCV_TRAIN_AUTO = Selection("OpenCV", ("opencv2", "opencv", "cv"), "grid search (k-fold, trainAuto)", AUTO)
OPENCV_SVM_GRIDS: tuple[str, ...] = ("C", "gamma", "p", "nu", "coef0", "degree")
OPENCV_GRID_IDS: dict[str, str] = {
    "C": "C", "GAMMA": "gamma", "P": "p", "NU": "nu", "COEF": "coef0", "DEGREE": "degree",
}
OPENCV_SVM_TYPES: dict[str, tuple[str, ...]] = {
    "C_SVC": ("C",), "NU_SVC": ("nu",), "ONE_CLASS": ("nu",), "EPS_SVR": ("C", "p"), "NU_SVR": ("C", "nu"),
}
OPENCV_SVM_KERNELS: dict[str, tuple[str, ...]] = {
    "LINEAR": (), "POLY": ("gamma", "coef0", "degree"), "RBF": ("gamma",), "SIGMOID": ("gamma", "coef0"),
    "CHI2": ("gamma",), "INTER": (),
}
OPENCV_PARAM_GRIDS: frozenset[str] = frozenset({"ParamGrid", "CvParamGrid", "getDefaultGrid", "getDefaultGridPtr",
                                                 "get_default_grid"})
# The methods that run it (OpenCV 3+, and CvSVM in OpenCV 2), and how the SVM's type and kernel are
# chosen: a setter, or a field of CvSVMParams (`params.svm_type = CvSVM::NU_SVC`).
OPENCV_TRAIN_AUTO_METHODS: frozenset[str] = frozenset({"trainAuto", "train_auto"})
OPENCV_SVM_CHOICES: dict[str, tuple[str, ...]] = {
    "type": ("setType", "svm_type"), "kernel": ("setKernel", "kernel_type"),
}

# Shark: a direct-search or gradient optimizer stepped on a model-selection objective (the error of
# a trainer under cross-validation, leave-one-out, a margin bound, a likelihood) searches the
# trainer's and kernel's hyperparameters; the same optimizers stepped on a test function do not.
SHARK = Selection("Shark", ("shark",), "grid search", LIB)
SHARK_SELECTION_OBJECTIVES: frozenset[str] = frozenset({
    "CrossValidationError", "LooError", "LooErrorCSvm", "RadiusMarginQuotient", "SvmLogisticInterpretation",
    "NegativeGaussianProcessEvidence", "KernelTargetAlignment", "NegativeAUC",
})
SHARK_GRID_OPTIMIZERS: frozenset[str] = frozenset({"GridSearch", "NestedGridSearch", "PointSearch"})
SHARK_GRID_METHODS: frozenset[str] = frozenset({"configure"})
# The hyperparameters a kernel or trainer exposes to model selection, in the order of its parameter
# vector (a searched point holds the kernel's, then the trainer's).
SHARK_MODEL_PARAMETERS: dict[str, tuple[str, ...]] = {
    "GaussianRbfKernel": ("gamma",), "ARDKernelUnconstrained": ("gamma",), "PolynomialKernel": ("degree", "offset"),
    "CSvmTrainer": ("C",), "LinearCSvmTrainer": ("C",), "EpsilonSvmTrainer": ("C", "epsilon"),
    "LooErrorCSvm": ("C",), "RegularizationNetworkTrainer": ("gamma",), "KernelSGDTrainer": ("C",),
}
SHARK_STEPS: frozenset[str] = frozenset({"step", "init"})

# Shogun: a tree of ModelSelectionParameters (named nodes, `build_values(min, max, R_EXP, ...)`)
# handed to a model selection that cross-validates every combination.
SHOGUN = Selection("Shogun", ("shogun",), "grid search", LIB)
SHOGUN_PARAMETER_NODES: frozenset[str] = frozenset({"ModelSelectionParameters", "CModelSelectionParameters"})
SHOGUN_VALUE_METHODS: frozenset[str] = frozenset({"build_values", "set_values"})
SHOGUN_SELECTIONS: dict[str, tuple[str, Criterion]] = {
    "GridSearchModelSelection": ("grid search", LIB), "CGridSearchModelSelection": ("grid search", LIB),
    "RandomSearchModelSelection": ("random search", LIB), "CRandomSearchModelSelection": ("random search", LIB),
    "GradientModelSelection": ("gradient-based model selection", AUTO),
    "CGradientModelSelection": ("gradient-based model selection", AUTO),
}
SHOGUN_RUN_METHODS: frozenset[str] = frozenset({"select_model"})
SHOGUN_SCALES: dict[str, bool] = {"R_EXP": True, "R_LOG": True, "R_LINEAR": False}

# OpenNN: ModelSelection grows the hidden layer (GrowingNeurons; IncrementalOrder in older releases)
# and keeps the size with the least selection error. Input selection (growing inputs, the genetic
# algorithm over input masks) chooses features, which is not hyperparameter tuning.
OPENNN = Selection("OpenNN", ("opennn", "OpenNN"), "growing neurons", LIB)
OPENNN_RUNS: frozenset[str] = frozenset({"perform_neurons_selection", "perform_order_selection"})
OPENNN_METHODS: frozenset[str] = frozenset({"set_neurons_selection", "set_neurons_selection_method",
                                            "set_order_selection_method", "set_order_selection_type"})
OPENNN_OWNER = "ModelSelection"
# Setters of the searched range: method -> the role of its argument in the neurons dimension.
OPENNN_RANGE: dict[str, str] = {
    "set_minimum_neurons": "low", "set_maximum_neurons": "high", "set_neurons_increment": "step",
    "set_minimum_order": "low", "set_maximum_order": "high", "set_step": "step",
}
OPENNN_SETTINGS: frozenset[str] = frozenset({"set_trials_number", "set_maximum_time", "set_maximum_epochs_number",
                                             "set_maximum_selection_failures", "set_selection_error_goal"})
# fmt: on
