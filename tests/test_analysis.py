"""The Python analysis: search spaces, hand-written tuning and its look-alikes, suppression and
settings, robustness. The fixtures as a whole: tests/test_fixtures.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hptlens.analysis import analyze
from hptlens.analysis.neutral import NOT_LITERAL
from hptlens.analysis.pyfile import parse
from hptlens.analysis.spaces import literal
from hptlens.documents import Document
from hptlens.report import FileReport, Range
from hptlens.settings import Settings
from support.paths import GROUND_TRUTH

TRUTH = GROUND_TRUTH
TRUTH_FILES = sorted(TRUTH.rglob("*.json"))


def run(source: str, path: str = "example.py", settings: Settings | None = None) -> FileReport:
    return analyze(Document.from_text(path, source), settings)


def space_of(report: FileReport, name: str) -> dict:
    for finding in report.findings:
        for hp in finding.hyperparameters:
            if hp.name == name and hp.space is not None:
                return hp.space.model_dump(exclude_defaults=True)
    raise AssertionError(f"no search space for {name}: {[f.message for f in report.findings]}")


# ---- search spaces -----------------------------------------------------------------------------

OPTUNA = """
import optuna as opt

def objective(trial):
    lr = trial.suggest_float("learning_rate", 1e-5, 1e-2, log=True)
    n_steps = trial.suggest_int("n_steps", 64, 2048, step=64)
    act = trial.suggest_categorical("activation", ["tanh", "relu"])
    return lr

study = opt.create_study(sampler=opt.samplers.TPESampler(), direction="maximize")
study.optimize(objective, n_trials=100)
"""


def test_optuna_spaces_site_and_budget() -> None:
    report = run(OPTUNA)
    assert report.tuning_applied and report.libraries == ["Optuna"]
    assert report.criteria.auto_hand_tuning
    assert space_of(report, "learning_rate") == {
        "type": "float",
        "low": 1e-5,
        "high": 1e-2,
        "log": True,
        "distribution": "suggest_float",
    }
    assert space_of(report, "n_steps")["step"] == 64
    assert space_of(report, "activation")["choices"] == ["tanh", "relu"]
    assert len(report.sites) == 1
    site = report.sites[0]
    assert site.summary == "Optuna (TPE), 3 hyperparameters, 100 trials"
    assert {f.kind for f in report.findings} == {"search-space", "search-run", "scheduler"}
    message = next(
        f.message for f in report.findings if f.hyperparameters and f.hyperparameters[0].name == "learning_rate"
    )
    assert message == "Optuna search space: learning_rate in [1e-05, 0.01], log"


def test_hyperopt_log_bounds_are_converted() -> None:
    report = run(
        "import numpy as np\nfrom hyperopt import hp, fmin, tpe\n"
        "space = {'lr': hp.loguniform('lr', np.log(1e-5), np.log(1e-2)), 'g': hp.choice('g', [0.9, 0.99])}\n"
        "best = fmin(fn, space, algo=tpe.suggest, max_evals=50)\n"
    )
    assert space_of(report, "lr") == {
        "type": "float",
        "low": 1e-5,
        "high": 1e-2,
        "log": True,
        "distribution": "loguniform",
    }
    assert space_of(report, "g")["choices"] == [0.9, 0.99]
    assert any(f.method == "TPE" for f in report.findings)
    assert report.sites[0].budget == "50 evaluations"


def test_ray_tune_names_come_from_dict_keys_and_keywords() -> None:
    report = run(
        "from ray import tune\nfrom ray.tune.schedulers import PopulationBasedTraining as PBT\n"
        "pbt = PBT(hyperparam_mutations={'lr': [1e-3, 1e-4], 'clip': tune.uniform(0.1, 0.3)})\n"
        "tuner = tune.Tuner('PPO', param_space={'gamma': tune.grid_search([0.95, 0.99])},\n"
        "                   tune_config=tune.TuneConfig(scheduler=pbt, num_samples=4))\n"
        "tuner.fit()\n"
    )
    assert space_of(report, "lr")["choices"] == [1e-3, 1e-4]
    assert space_of(report, "clip") == {"type": "float", "low": 0.1, "high": 0.3, "distribution": "uniform"}
    assert space_of(report, "gamma")["values"] == [0.95, 0.99]
    assert report.criteria.auto_tuning
    assert len(report.sites) == 1 and report.sites[0].method == "PBT"
    assert report.rl_context.algorithms == ["PPO"]


def test_sklearn_param_grid_resolved_through_a_variable() -> None:
    report = run(
        "from sklearn.model_selection import GridSearchCV\n"
        "grid = {'C': [0.1, 1, 10], 'kernel': ['rbf', 'linear']}\n"
        "search = GridSearchCV(model, grid, cv=3)\nsearch.fit(X, y)\n"
    )
    assert space_of(report, "C")["values"] == [0.1, 1, 10]
    assert report.line_numbers == [2, 3, 4]


def test_wandb_sweep_parameters() -> None:
    report = run(
        "import wandb\nsweep = {'method': 'bayes', 'parameters': {\n"
        "    'lr': {'distribution': 'log_uniform_values', 'min': 1e-5, 'max': 1e-2},\n"
        "    'batch_size': {'values': [32, 64]},\n    'epochs': {'value': 10}}}\n"
        "sweep_id = wandb.sweep(sweep, project='p')\nwandb.agent(sweep_id, train, count=20)\n"
    )
    assert space_of(report, "lr")["log"] is True
    assert space_of(report, "batch_size")["choices"] == [32, 64]
    assert "epochs" not in report.hyperparameters  # a constant is not searched


# ---- hand-written tuning and its look-alikes --------------------------------------------------


def test_hand_grid_with_generated_values() -> None:
    report = run(
        "import numpy as np\nfrom stable_baselines3 import PPO\n"
        "for lr in np.logspace(-5, -2, num=4):\n    PPO('MlpPolicy', env, learning_rate=lr).learn(1000)\n"
    )
    assert report.criteria.hand_tuning
    assert space_of(report, "lr")["values"] == [1e-5, 1e-4, 1e-3, 1e-2]
    assert report.sites[0].summary == "hand-written grid over lr (4 values)"


def test_loop_variable_flowing_into_a_hyperparameter_keyword() -> None:
    report = run("for v in [0.1, 0.2]:\n    model = PPO('MlpPolicy', env, clip_range=v)\n")
    assert report.tuning_applied and report.line_numbers == [1]


def test_random_search_in_a_trial_loop() -> None:
    report = run(
        "import random\nfor trial in range(20):\n    lr = 10 ** random.uniform(-5, -2)\n"
        "    gamma = random.choice([0.95, 0.99])\n    train(lr, gamma)\n"
    )
    assert report.line_numbers == [2, 3, 4]
    assert space_of(report, "lr") == {
        "type": "float",
        "low": 1e-5,
        "high": 1e-2,
        "log": True,
        "distribution": "random.uniform",
    }


@pytest.mark.parametrize(
    "source",
    [
        "for seed in [0, 1, 2]:\n    PPO('MlpPolicy', env, seed=seed, learning_rate=3e-4).learn(1000)\n",
        "for env_id in ['CartPole-v1', 'Acrobot-v1']:\n    PPO('MlpPolicy', env_id).learn(1000)\n",
        "for episode in range(500):\n    epsilon = max(0.01, epsilon * 0.995)\n",
        "import argparse\np = argparse.ArgumentParser()\np.add_argument('--lr', type=float, default=3e-4)\n",
        "import torch\nopt = torch.optim.Adam(model.parameters(), lr=3e-4)\n",
        "def linear_schedule(v):\n    return lambda progress: progress * v\n"
        "PPO('MlpPolicy', env, learning_rate=linear_schedule(3e-4))\n",
        "for lr in [3e-4]:\n    PPO('MlpPolicy', env, learning_rate=lr)\n",
        "lr = 1e-3\nfor step in range(100):\n    lr = lr * 0.99\n",
        "import random\nfor episode in range(10):\n"
        "    if random.random() < epsilon:\n        action = random.choice(actions)\n",
    ],
    ids=[
        "seeds",
        "envs",
        "epsilon-decay",
        "argparse",
        "adam",
        "lr-schedule",
        "single-value",
        "decay-loop",
        "epsilon-greedy",
    ],
)
def test_not_tuning(source: str) -> None:
    report = run(source)
    assert report.findings == [], [f.message for f in report.findings]


# ---- suppression and settings ------------------------------------------------------------------


def test_suppression_comments() -> None:
    source = "for lr in [1e-3, 1e-4]:  # hpt: ignore\n    train(lr)\nfor gamma in [0.9, 0.99]:\n    train(gamma)\n"
    assert run(source).line_numbers == [3]
    only_other_kind = "for lr in [1e-3, 1e-4]:  # hpt: ignore[search-space]\n    train(lr)\n"
    assert run(only_other_kind).line_numbers == [1]
    matching_kind = "for lr in [1e-3, 1e-4]:  # hpt: ignore[hand-loop]\n    train(lr)\n"
    assert run(matching_kind).findings == []
    whole_file = "# hpt: ignore-file\n" + source
    assert run(whole_file).findings == []


def test_enabled_kinds_setting() -> None:
    report = run(OPTUNA, settings=Settings(enabled_kinds=["search-run"]))
    assert {f.kind for f in report.findings} == {"search-run"}


# ---- robustness ------------------------------------------------------------------------------------


def test_syntax_error_keeps_the_intact_findings() -> None:
    report = run(OPTUNA + "\ndef broken(:\n    pass\n")
    assert report.tuning_applied
    assert [e.code for e in report.errors] == ["syntax-error"]
    assert report.errors[0].line == 13
    assert report.errors[0].range == Range.of(13, 12, 13, 13) and not report.errors[0].hides_findings


def test_a_syntax_error_that_swallows_code_says_findings_may_be_missing() -> None:
    source = "import optuna\n\ndef objective(trial):\n    lr = trial.suggest_float('lr', 1e-5, 1e-2\n    gamma = 0.9\n"
    (error,) = run(source).errors
    assert error.hides_findings and error.range == Range.of(4, 5, 4, 46)
    assert error.message.startswith("invalid syntax at line 4, column 5; lines 4-5 could not be analysed")


def test_deeply_nested_code_does_not_break_analysis() -> None:
    deep_list = "[" * 3000 + "1" + "]" * 3000
    deep_sum = " + ".join(["1"] * 5000)
    deep_if = "".join("    " * i + f"if x{i}:\n" for i in range(200)) + "    " * 200 + "pass\n"
    source = f"for lr in {deep_list}:\n    train(lr)\nlr = {deep_sum}\nwhile lr > {deep_sum}:\n    lr /= 2\n{deep_if}"
    report = run(source)
    assert not [e for e in report.errors if e.code == "internal-error"]


def test_empty_and_blank_files() -> None:
    assert run("").findings == [] and run("").errors == []
    assert run("\n\n   \n").findings == []


def test_analysed_code_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    source = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\nfor lr in [1e-3, 1e-4]:\n    train(lr)\n"
    assert run(source).tuning_applied
    assert not marker.exists()


def test_columns_count_code_points() -> None:
    report = run("x = '🚀 données'; lrs = [1e-3, 1e-4]\nfor lr in lrs:\n    train(lr)\n")
    values = next(f for f in report.findings if f.kind == "search-space")
    assert values.range.start.column == 18  # 'lrs' after 17 code points, though 22 bytes


def test_reports_are_deterministic() -> None:
    first = run(OPTUNA).model_dump_json()
    assert all(run(OPTUNA).model_dump_json() == first for _ in range(3))


LITERAL_TEXTS = [
    "'lr'",
    '"gamma"',
    "''",
    "'''triple'''",
    '"""doc"""',
    "'it\\'s'",
    '"tab\\t"',
    "r'raw'",
    "b'bytes'",
    "f'{x}'",
    "u'unicode'",
    "'é'",
    "'a' 'b'",
    "0",
    "7",
    "1_000",
    "0x1F",
    "0o17",
    "0b101",
    "1e-3",
    "1E5",
    "3.",
    ".5",
    "2.5e+3",
    "1e999",
    "1j",
    "12345678901234567890123",
    "9" * 5000,
    "-1",
    "(3)",
    "[1, 'a']",
    "[1e-3, 3e-4,]",
    "(0.9, 0.99)",
    "(1,)",
    "()",
    "[]",
    "[-1, 2]",
    "[[1, 2], [3]]",
    "[1, # a comment\n 2]",
    "('a', \"b\", 'c' 'd')",
    "[1, x]",
    "[0x10, 1_0]",
]


@pytest.mark.parametrize("source", LITERAL_TEXTS)
def test_literal_values_are_the_ones_python_gives(source: str) -> None:
    """The quick paths for plain keys, numbers and flat lists or tuples of them must agree with
    ast.literal_eval, or give way to it."""
    tree = parse(f"x = {source}\n".encode())
    node = tree.root_node.named_children[0].named_children[0].child_by_field_name("right")
    try:
        expected = ast.literal_eval(source)
    except (ValueError, SyntaxError):
        expected = NOT_LITERAL
    value = literal(node)
    assert value == expected and type(value) is type(expected)
    if isinstance(expected, (list, tuple)):
        assert [type(item) for item in value] == [type(item) for item in expected]
