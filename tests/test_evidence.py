"""A library call is tuning only when it searches: runs of one configuration and optimizers
over test functions are not (LABELING.md)."""

from __future__ import annotations

import textwrap

import pytest

from hptlens.analysis import analyze
from hptlens.documents import Document


def tuning(source: str) -> bool:
    return analyze(Document.from_text("a.py", textwrap.dedent(source))).tuning_applied


@pytest.mark.parametrize(
    "source",
    [
        # a study opened, or given a sampler, but never optimized
        "import optuna\nstudy = optuna.create_study(load_if_exists=True, sampler=optuna.samplers.TPESampler())\n",
        # tune.run and Tuner with constants only
        "from ray import tune\ntune.run('PPO', config={'env': 'CartPole-v1', 'lr': 1e-4})\n",
        "from ray import tune\ntuner = tune.Tuner('PPO', param_space={'lr': 1e-4})\ntuner.fit()\n",
        # a sweep worker
        "import wandb\nwandb.agent('team/proj/abc', function=train, count=10)\n",
        # optimizers over test functions, written directly, through helpers or a local polynomial
        """\
    import optuna
    def objective(trial):
        x = trial.suggest_float('x', -10, 10)
        return (x - 2) ** 2
    optuna.create_study().optimize(objective, n_trials=50)
    """,
        """\
    import numpy as np
    from hyperopt import fmin, hp, tpe
    def objective(x):
        f = np.poly1d([1, -2, 3])
        return f(x) * 0.5
    fmin(fn=objective, space=hp.uniform('x', -5, 5), algo=tpe.suggest, max_evals=100)
    """,
        """\
    from ray import tune
    def evaluation_fn(width, height):
        return (0.1 + width / 100) ** -1 + height * 0.1
    def easy_objective(config):
        tune.report(mean_loss=evaluation_fn(config['width'], config['height']))
    tune.run(easy_objective, config={'width': tune.uniform(0, 20), 'height': tune.uniform(-100, 100)},
             num_samples=10)
    """,
        "from bayes_opt import BayesianOptimization\n"
        "BayesianOptimization(f=lambda a, b: -a ** 2 - (b - 1) ** 2,\n"
        "                     pbounds={'a': (-2, 2), 'b': (-3, 3)}).maximize()\n",
    ],
)
def test_library_calls_that_search_nothing(source: str) -> None:
    assert not tuning(source)


@pytest.mark.parametrize(
    "source",
    [
        "import optuna\nstudy = optuna.create_study()\nstudy.optimize(objective, n_trials=100)\n",
        "from ray import tune\ntune.run('PPO', config={'env': 'CartPole-v1'}, num_samples=8)\n",
        "from ray import tune\ntune.run('PPO', config={'lr': tune.grid_search([1e-3, 1e-4])})\n",
        "import wandb\nsweep_id = wandb.sweep(get_sweep_config(), project='p')\nwandb.agent(sweep_id, train)\n",
        # the objective trains through code imported from elsewhere
        """\
    import optuna
    from project import train
    def objective(trial):
        x = trial.suggest_float('x', 0, 1)
        return train(mix=x)
    optuna.create_study().optimize(objective)
    """,
        # a stub objective over hyperparameter names is still meant as tuning
        """\
    import optuna
    def objective(trial):
        lr = trial.suggest_float('learning_rate', 1e-5, 1e-2, log=True)
        return lr
    optuna.create_study().optimize(objective)
    """,
    ],
)
def test_library_calls_that_search(source: str) -> None:
    assert tuning(source)
