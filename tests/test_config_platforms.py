"""HPO job specs of cloud and cluster platforms (Google Cloud AI Platform / Vertex AI, Azure ML,
SageMaker, Katib, Determined, SigOpt and Ax experiment files) and the one parameter-spec reader."""

from __future__ import annotations

import pytest

from hptlens.analysis.configs.params import param_space
from support.configs import fixture, lines, space, spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "{parameterName: lr, type: DOUBLE, minValue: 0.001, maxValue: 0.1, scaleType: UNIT_LOG_SCALE}",
            {"type": "float", "low": 0.001, "high": 0.1, "log": True},
        ),
        ("{parameterName: d, type: INTEGER, minValue: 2, maxValue: 10}", {"type": "int", "low": 2, "high": 10}),
        ("{parameterName: b, type: DISCRETE, discreteValues: [32, 64]}", {"type": "categorical", "choices": [32, 64]}),
        (
            "{parameterId: lr, doubleValueSpec: {minValue: 0.1, maxValue: 0.5}}",
            {"type": "float", "low": 0.1, "high": 0.5},
        ),
        (
            "{name: lr, parameterType: double, feasibleSpace: {min: '1e-5', max: '1e-3', distribution: logUniform}}",
            {"type": "float", "low": 1e-5, "high": 1e-3, "log": True},
        ),
        (
            "{name: k, parameterType: int, feasibleSpace: {min: '8', max: '32', step: '8'}}",
            {"type": "int", "low": 8, "high": 32, "step": 8},
        ),
        (
            "{name: o, parameterType: categorical, feasibleSpace: {list: [adam, sgd]}}",
            {"type": "categorical", "choices": ["adam", "sgd"]},
        ),
        ("{type: choice, values: [a, b]}", {"type": "categorical", "choices": ["a", "b"]}),
        ("{_type: quniform, _value: [0.0, 1.0, 0.25]}", {"type": "float", "low": 0.0, "high": 1.0, "step": 0.25}),
        ("{type: integer, min: 1, max: 4, scalingType: uniform}", {"type": "int", "low": 1, "high": 4}),
        (
            "{name: lr, type: double, bounds: {min: 0.01, max: 0.1}, transformation: log}",
            {"type": "float", "low": 0.01, "high": 0.1, "log": True},
        ),
    ],
)
def test_parameter_specs_of_every_format_read_alike(text: str, expected: dict) -> None:
    found = param_space(spec(text))
    assert found is not None
    assert expected.items() <= found.model_dump(exclude_defaults=True).items()


def test_bounds_given_as_exponents_are_converted() -> None:
    azure = param_space(spec("{type: loguniform, min_value: -9.21, max_value: -2.3}"), dialect="azure")
    assert azure is not None and azure.log and azure.low == pytest.approx(1e-4, rel=1e-2)
    determined = param_space(spec("{type: log, base: 10, minval: -5, maxval: -2}"), dialect="determined")
    assert determined is not None and (determined.low, determined.high) == (pytest.approx(1e-5), pytest.approx(1e-2))


def test_sagemaker_ranges_take_their_type_from_the_list_they_sit_in() -> None:
    found = param_space(spec('{"Name": "depth", "MinValue": "3", "MaxValue": "9"}'), type_hint="integer")
    assert found is not None and found.model_dump(exclude_defaults=True)["type"] == "int"


@pytest.mark.parametrize(
    "text",
    [
        "{type: const, val: 0.1}",
        "{type: choice, values: [7]}",
        "{_type: choice, _value: [1]}",
        "{parameterName: x, type: DOUBLE, minValue: 0.5, maxValue: 0.5}",
        "{type: fixed, value: 3}",
        "{name: lr}",
    ],
)
def test_fixed_values_are_no_dimension(text: str) -> None:
    assert param_space(spec(text)) is None


def test_a_choice_between_settings_dicts_keeps_them_apart() -> None:
    found = param_space(
        spec('{"_type": "choice", "_value": [{"opt": "adam", "lr": 0.001}, {"opt": "sgd", "lr": 0.1}]}')
    )
    assert found is not None and found.choices == ["opt=adam, lr=0.001", "opt=sgd, lr=0.1"]


def test_google_ai_platform_block_is_the_finding() -> None:
    report = fixture("platforms/gcp_ai_platform_hptuning.yaml")
    run = report.findings[0]
    assert (run.range.start.line, run.range.end.line, run.method) == (7, 30, "random search")
    assert report.sites[0].budget == "24 trials"
    assert space(report, "learning_rate")["log"] is True and space(report, "replay_size")["type"] == "int"
    assert report.criteria.names() == ["auto/hand-tuning"]


def test_vertex_study_spec_and_trial_counts() -> None:
    report = fixture("platforms/vertex_hptuning_job.yaml")
    assert report.libraries == ["Vertex AI"]
    assert {4, 5, 6} <= lines(report) and 31 not in lines(report)  # trialJobSpec is not the search
    assert space(report, "batch_size")["choices"] == [128, 256, 512]


def test_azure_sweep_job_pipeline_step_and_automl() -> None:
    job = fixture("platforms/azureml_sweep_job.yml")
    assert job.findings[0].method == "Bayesian optimisation" and "auto-tuning" in job.criteria.names()
    assert "seed" not in job.hyperparameters  # a single choice
    assert 9 not in lines(job)  # the trial's command only passes the values on
    step = fixture("platforms/azureml_pipeline_sweep_step.yml")
    assert step.hyperparameters == ["learning_rate", "max_depth"] and not lines(step) & set(range(1, 13))
    automl = fixture("platforms/azureml_automl_image_sweep.yml")
    assert automl.hyperparameters == ["learning_rate", "model_name", "number_of_epochs"]
    assert fixture("platforms/neg_azureml_command_job.yml").findings == []


def test_sagemaker_tuning_job_request() -> None:
    report = fixture("platforms/sagemaker_tuning_job.json")
    assert report.findings[0].method == "Bayesian optimisation" and report.sites[0].budget == "40 training jobs"
    assert space(report, "eta")["log"] is True
    assert not lines(report) & set(range(21, 30))  # the training job definition
    assert fixture("platforms/neg_sagemaker_training_job.json").findings == []


def test_katib_experiment_and_studyjob() -> None:
    report = fixture("platforms/katib_experiment_tpe.yaml")
    assert report.libraries == ["Katib"] and report.sites[0].method == "TPE"
    assert "frame_skip" not in report.hyperparameters
    assert not lines(report) & set(range(43, 67))  # the trial template
    old = fixture("platforms/katib_studyjob_v1alpha1.yaml")
    assert old.hyperparameters == ["--hidden-units", "--lr"] and old.sites[0].method == "random search"
    assert fixture("platforms/neg_kubeflow_pytorchjob.yaml").findings == []


def test_determined_searchers() -> None:
    report = fixture("platforms/determined_adaptive_asha.yaml")
    assert report.hyperparameters == ["dropout", "kind", "learning_rate", "n_filters"]  # nested by their own name
    assert space(report, "learning_rate")["low"] == pytest.approx(1e-5)
    assert "weight_decay" not in report.hyperparameters
    assert fixture("platforms/neg_determined_single.yaml").findings == []


def test_sigopt_and_ax_parameter_lists() -> None:
    sigopt = fixture("platforms/sigopt_experiment.yml")
    assert sigopt.libraries == ["SigOpt"] and space(sigopt, "learning_rate")["log"] is True
    assert "mean_return" in next(f.message for f in sigopt.findings if "metrics" in f.message)
    ax = fixture("platforms/ax_service_config.json")
    assert ax.libraries == ["Ax"] and "env" not in ax.hyperparameters and ax.sites[0].budget == "30 trials"
    assert fixture("platforms/neg_openapi_parameters.yaml").findings == []
