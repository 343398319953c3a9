"""Hand-written sweeps in config files (lists of runs, grids a launcher crosses, batch files) and
ML-Agents trainer configs (parameterization)."""

from __future__ import annotations

import pytest

from support.configs import fixture, lines, run


def test_hand_written_run_lists() -> None:
    report = fixture("runs/sweep_runs.json")
    assert report.hyperparameters == ["agent.lr", "agent.tau"]  # the seed varies too but is no hyperparameter
    assert report.criteria.names() == ["hand-tuning"] and lines(report) >= {3, 6, 10, 14, 22}
    assert fixture("runs/experiments_list.yaml").hyperparameters == ["hidden_size", "learning_rate"]


@pytest.mark.parametrize(
    "name",
    [
        "runs/neg_seed_runs.json",
        "runs/neg_curriculum_stages.yaml",
        "runs/neg_model_portfolio.json",
        "tuners/neg_ansible_tasks.yml",
    ],
)
def test_lists_that_are_not_runs(name: str) -> None:
    assert fixture(name).findings == []


def test_flat_runs_need_hyperparameter_names() -> None:
    assert run("runs:\n  - {lr: 0.1, batch_size: 8}\n  - {lr: 0.01, batch_size: 8}\n").hyperparameters == ["lr"]
    assert run("runs:\n  - {host: a, port: 1}\n  - {host: b, port: 2}\n").findings == []
    assert run("stages:\n  - {lr: 0.1}\n  - {lr: 0.01}\n").findings == []  # not named as runs


def test_hand_written_grids() -> None:
    grid = fixture("runs/launcher_grid.yaml")
    assert grid.hyperparameters == ["gamma", "learning_rate"] and grid.sites[0].budget == "6 combinations"
    assert fixture("runs/meta_parameters.json").hyperparameters == ["alpha", "lambda"]
    assert fixture("runs/neg_gridworld_env.yaml").findings == []


def test_grid_keys_need_hyperparameter_names_unless_they_name_a_grid() -> None:
    assert run("sweep:\n  lr: [0.1, 0.01]\n").hyperparameters == ["lr"]
    assert run("sweep:\n  widths: [1, 2]\n").findings == []
    assert run("param_grid:\n  widths: [1, 2]\n").hyperparameters == ["widths"]


def test_a_json_batch_file_is_read_though_it_names_no_marker() -> None:
    report = run('[\n  {"lr": 0.01, "batch_size": 32},\n  {"lr": 0.001, "batch_size": 64}\n]\n', "trials.json")
    assert report.hyperparameters == ["batch_size", "lr"] and report.criteria.names() == ["hand-tuning"]


def test_ml_agents_trainer_configs() -> None:
    old = fixture("mlagents/trainer_config.yaml")
    assert old.criteria.names() == ["parameterization"] and "trainer" not in old.hyperparameters
    new = fixture("mlagents/behaviors.yaml")
    assert [f.range.start.line for f in new.findings] == [3, 16] and "learning_rate" in new.hyperparameters
    assert fixture("mlagents/neg_single_behavior_randomized.yaml").findings == []


def test_guild_batch_file_is_a_list_of_runs() -> None:
    batch = fixture("tuners/guild_batch_trials.yml")
    assert batch.criteria.names() == ["hand-tuning"] and batch.libraries == []
    assert batch.hyperparameters == ["batch_size", "dropout", "lr"]
