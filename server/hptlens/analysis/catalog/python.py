"""The Python rows of the catalog: one function per library family, joined in `PYTHON_APIS`."""

from __future__ import annotations

from hptlens.analysis.catalog.model import AUTO, LIB, RUN, SCHED, SPACE, Api, Shape, spec

# fmt: off
# The tables below are data, laid out as rows; the formatter would spread each row over lines.
NEVERGRAD_OPTIMIZERS = (
    "NGOpt", "NGOptRL", "NgIohTuned", "OnePlusOne", "CMA", "DiagonalCMA", "TwoPointsDE", "DE", "PSO",
    "TBPSA", "RandomSearch", "ScrHammersleySearch", "Portfolio", "BO", "Cobyla",
)

SMAC_FACADES = {
    "HyperparameterOptimizationFacade": "SMAC (random forest BO)", "BlackBoxFacade": "SMAC (GP BO)",
    "MultiFidelityFacade": "SMAC (Hyperband)", "HyperbandFacade": "SMAC (Hyperband)",
    "AlgorithmConfigurationFacade": "SMAC (algorithm configuration)", "RandomFacade": "random search",
}

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
        *_automl(),
        *_azure_ml(),
    ]


def _azure_ml() -> list[Api]:
    """Azure Machine Learning (SDK v2): sweep domains in `azure.ai.ml.sweep`, a command job's
    `.sweep(...)`, an AutoML job's `set_sweep`/`extend_search_space`, early-termination policies."""
    az, sweep, req = "Azure ML", "azure.ai.ml.sweep", ("azure.ai.ml",)
    domains = {
        "Choice": "categorical: choices", "Uniform": "float: low, high", "LogUniform": "float+log: low, high",
        "QUniform": "float: low, high, step", "QLogUniform": "float+log: low, high, step",
        "Normal": "normal: mu, sigma", "LogNormal": "normal+log: mu, sigma", "Randint": "int: high",
    }
    rows = [Api(az, f"{sweep}.{name}", SPACE, space=spec(text)) for name, text in domains.items()]
    rows += [
        Api(az, f"{sweep}.BanditPolicy", SCHED, AUTO, method="bandit early termination", alone=False),
        Api(az, f"{sweep}.MedianStoppingPolicy", SCHED, AUTO, method="median stopping", alone=False),
        Api(az, f"{sweep}.TruncationSelectionPolicy", SCHED, AUTO, method="truncation selection", alone=False),
        Api(az, f"{sweep}.BayesianSamplingAlgorithm", SCHED, AUTO, method="Bayesian sampling", alone=False),
        Api(az, ".sweep", RUN, requires=req, receiver=r"job|command|trainer|train",
            budget=("max_total_trials:trials",)),
        Api(az, ".set_sweep", RUN, requires=req, receiver=r"job"),
        Api(az, ".extend_search_space", SPACE, requires=req, receiver=r"job"),
        Api(az, "azure.ai.ml.entities.SweepJob", RUN, budget=("max_total_trials:trials",)),
    ]
    return rows


def _automl() -> list[Api]:
    """AutoML that searches models and their hyperparameters together, and Optuna's tuners
    for one model family (LightGBM's stepwise tuner, the scikit-learn search estimator)."""
    tpot, oi = "TPOT", "optuna.integration"
    return [
        Api(tpot, "tpot.TPOTEstimator", RUN, AUTO, method="genetic programming",
            budget=("generations:generations", "max_time_mins:min budget")),
        Api(tpot, "tpot.TPOTClassifier", RUN, AUTO, method="genetic programming",
            budget=("generations:generations", "max_time_mins:min budget")),
        Api(tpot, "tpot.TPOTRegressor", RUN, AUTO, method="genetic programming",
            budget=("generations:generations", "max_time_mins:min budget")),
        Api(tpot, "tpot.**.get_search_space", SPACE, LIB),
        *(Api(tpot, f"tpot.{name}().fit", RUN) for name in ("TPOTEstimator", "TPOTClassifier", "TPOTRegressor")),
        *(Api(tpot, f"tpot.**.{name}", SPACE, LIB) for name in ("SequentialPipeline", "GraphSearchPipeline")),
        Api("Optuna", f"{oi}.lightgbm.train", RUN, AUTO, method="LightGBM stepwise tuner",
            budget=("time_budget:s budget",)),
        Api("Optuna", f"{oi}.lightgbm.LightGBMTuner", RUN, AUTO, method="LightGBM stepwise tuner",
            budget=("time_budget:s budget",)),
        Api("Optuna", f"{oi}.lightgbm.LightGBMTunerCV", RUN, AUTO, method="LightGBM stepwise tuner",
            budget=("time_budget:s budget",)),
        Api("Optuna", f"{oi}.OptunaSearchCV", RUN, method="TPE", space_arg=("param_distributions", "#1"),
            space_shape=Shape.DOMAIN, budget=("n_trials:trials",)),
        Api("Optuna", "optuna_integration.lightgbm.train", RUN, AUTO, method="LightGBM stepwise tuner",
            budget=("time_budget:s budget",)),
    ]


PYTHON_APIS: tuple[Api, ...] = tuple(
    _optuna() + _hyperopt() + _ray() + _configspace_and_dehb() + _sklearn_skopt()
    + _bayesian_and_bandits() + _tuners() + _evolutionary() + _others() + _more_searches()
)
# fmt: on
