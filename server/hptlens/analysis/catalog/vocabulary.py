"""Names the detectors match besides catalog rows: the keywords of space calls, random samplers
and value generators, words that name HPO methods, and keys that are never tuned."""

from __future__ import annotations

from hptlens.analysis.catalog.model import Role

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

# How the names of a project's own domain classes end (`RangeParam`, `ChoiceParameter`, `LogUniform`):
# calls so named are the candidates of the own-domain-classes detector (analysis/spaceclasses.py).
DOMAIN_CLASS_SUFFIXES = (b"Param", b"Parameter", b"Domain", b"Range", b"Choice", b"Uniform", b"Categorical")

# Calls that show or format a value (printing, logging, string formatting, plotting): a loop whose
# variable only reaches these runs nothing with it (`plt.plot(x, alpha=alpha)`, `"{}".format(eps)`).
SHOWING_CALLS: frozenset[str] = frozenset(
    """print pprint format str repr display display_images imshow show plot scatter bar barh hist stem pie
    fill_between errorbar axhline axvline boxplot violinplot contour contourf pcolormesh heatmap lineplot
    scatterplot barplot title set_title suptitle xlabel ylabel set_xlabel set_ylabel legend label annotate
    savefig info debug warning warn error log write echo""".split()
)

# Hand-written evolutionary search: a loop calling these on a population is a GA.
GENETIC_OPERATORS = r"(crossover|mutat|breed|recombin|reproduc)"
# fmt: on
