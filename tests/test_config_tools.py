"""Configs of HPO tools run from the command line: NNI, Comet Optimizer, Guild AI, Oríon, SLM Lab."""

from __future__ import annotations

from support.configs import fixture, lines, space


def test_nni_space_and_experiments() -> None:
    space_file = fixture("tuners/nni_search_space.json")
    assert "epochs" not in space_file.hyperparameters and space_file.criteria.names() == ["auto/hand-tuning"]
    tpe = fixture("tuners/nni_config_tpe.yml")
    assert tpe.findings and "nni_search_space.json" in next(f.message for f in tpe.findings if f.api == "nni.tuner")
    evolution = fixture("tuners/nni_config_v1_evolution.yml")
    assert evolution.criteria.names() == ["auto-tuning"] and 9 not in lines(evolution)  # useAnnotation: false
    assert fixture("tuners/neg_typed_json_not_nni.json").findings == []


def test_comet_optimizer() -> None:
    report = fixture("tuners/comet_optimizer_bayes.json")
    assert report.sites[0].budget == "40 combinations" and "env_id" not in report.hyperparameters
    assert fixture("tuners/neg_comet_experiment_config.json").findings == []


def test_guild_steps_and_optimizers() -> None:
    models = fixture("tuners/guild_models.yml")
    assert models.hyperparameters == ["batch_size", "lr"] and "seed" not in models.hyperparameters
    assert space(models, "lr")["log"] is True
    assert not lines(models) & set(range(4, 18))  # the train operation's flag definitions
    assert fixture("tuners/guild_operations.yml").criteria.names() == ["auto-tuning"]
    assert fixture("tuners/neg_guild_plain_ops.yml").findings == []


def test_slm_lab_suffixed_search_keys() -> None:
    report = fixture("tuners/slm_spec_search.json")
    assert report.hyperparameters == ["lam", "lr", "time_horizon"] and report.sites[0].budget == "16 trials"
    assert fixture("tuners/neg_slm_spec_fixed.json").findings == []


def test_orion_priors_and_experiment_config() -> None:
    priors = fixture("tuners/orion_priors.yaml")
    assert {"lr", "tau", "batch_size"} <= set(priors.hyperparameters) and "gamma" not in priors.hyperparameters
    assert space(priors, "lr")["log"] is True and space(priors, "batch_size")["choices"] == [64, 128, 256]
    experiment = fixture("tuners/orion_experiment.yaml")
    assert experiment.criteria.names() == ["auto-tuning"] and experiment.sites[0].budget == "80 trials"
    assert fixture("tuners/neg_experiment_algorithm.yaml").findings == []
