"""YAML/JSON config analysis: every sweep family, rl-zoo parameterization, negatives, positions, bad input."""

from __future__ import annotations

import time

import pytest

from hptlens.analysis import analyze
from hptlens.analysis.configs import CONFIG_MAX_BYTES, MAX_DEPTH, load, override_space
from hptlens.documents import Document
from hptlens.report import FileReport, FindingKind, SpaceType
from hptlens.settings import Settings
from hptlens.workspace import scan
from support.paths import ROOT

CONFIGS = ROOT / "fixtures" / "configs"


def run(text: str, path: str = "conf.yaml", settings: Settings | None = None) -> FileReport:
    return analyze(Document.from_text(path, text), settings)


def fixture(name: str) -> FileReport:
    path = CONFIGS / name
    return analyze(Document.from_text(f"fixtures/configs/{name}", path.read_text(encoding="utf-8")))


def space(report: FileReport, name: str) -> dict:
    for finding in report.findings:
        for hp in finding.hyperparameters:
            if hp.name == name and hp.space is not None and finding.api != "hydra/sweeper":
                return hp.space.model_dump(exclude_defaults=True)
    raise AssertionError(f"no dimension {name}: {[f.message for f in report.findings]}")


def dimension(report: FileReport, name: str):
    """The finding of one searched dimension (the method/sweeper finding lists them all)."""
    return [f for f in report.findings if [h.name for h in f.hyperparameters] == [name]][-1]


def lines(report: FileReport) -> list[int]:
    return [f.range.start.line for f in report.findings]


# --------------------------------------------------------------------------- families


def test_hydra_dehb_inline_configspace_space() -> None:
    report = fixture("hydra_dehb_ppo_pendulum.yaml")
    assert report.libraries == ["DEHB", "Hydra"]
    assert report.criteria.names() == ["auto-tuning", "auto/hand-tuning"]  # the sweeper, and its explicit space
    sweeper = report.findings[0]
    assert (sweeper.range.start.line, sweeper.method, sweeper.api) == (4, "DEHB", "hydra/sweeper")
    assert "searches 5 hyperparameters" in sweeper.message and "4 brackets" in sweeper.message
    assert space(report, "algorithm.model_kwargs.learning_rate") == {
        "type": "float",
        "low": 1e-6,
        "high": 1e-2,
        "log": True,
        "distribution": "uniform_float",
    }
    assert space(report, "algorithm.model_kwargs.batch_size")["choices"] == [32, 64, 128, 256]
    assert space(report, "algorithm.model_kwargs.n_epochs")["type"] == "int"
    assert len(report.sites) == 1 and report.sites[0].method == "DEHB"


def test_hydra_optuna_override_grammar_params_and_sampler() -> None:
    report = fixture("hydra_optuna_sac_hparams_search.yaml")
    assert report.libraries == ["Hydra", "Optuna"]
    sampler = next(f for f in report.findings if f.api == "hydra.sweeper.sampler")
    assert (sampler.range.start.line, sampler.method) == (18, "TPE")
    assert space(report, "agent.learning_rate") == {
        "type": "float",
        "low": 1e-5,
        "high": 3e-3,
        "log": True,
        "distribution": "interval",
    }
    assert space(report, "agent.train_freq") == {"type": "int", "low": 1, "high": 9, "step": 2, "distribution": "range"}
    assert space(report, "agent.net_width")["type"] == "int"
    assert "env.id" not in report.hyperparameters  # a fixed value in params is not a dimension
    assert report.sites[0].budget == "40 trials"


def test_hydra_optuna_legacy_typed_search_space_defaults_to_tpe() -> None:
    report = fixture("hydra_optuna_legacy_dqn.yaml")
    assert report.findings[0].method == "TPE"
    assert space(report, "dqn.target_update_interval") == {
        "type": "int",
        "low": 100,
        "high": 10000,
        "step": 100,
        "distribution": "int",
    }
    assert space(report, "dqn.batch_size")["choices"] == [32, 64, 128]


def test_hydra_basic_sweeper_params() -> None:
    report = fixture("hydra_basic_sweep_a2c.yaml")
    assert report.libraries == ["Hydra"]
    assert report.findings[0].method == "grid search"
    assert lines(report) == [15, 16, 18, 19, 20]  # MULTIRUN mode, the sweeper block, its three sweeps
    assert space(report, "a2c.learning_rate")["choices"] == [0.0007, 0.0003, 0.0001]
    assert "seed" not in report.hyperparameters


@pytest.mark.parametrize(
    ("name", "method", "budget"),
    [
        ("hydra_pbt_sac_mountaincar.yaml", "PBT", "population 8"),
        ("hydra_pb2_dqn_cartpole.yaml", "PB2", "population 4"),
    ],
)
def test_hydra_population_based_sweepers(name: str, method: str, budget: str) -> None:
    report = fixture(name)
    assert report.libraries == ["Hydra"]
    assert report.findings[0].method == method
    assert report.sites[0].budget == budget
    assert len([f for f in report.findings if f.api != "hydra/sweeper"]) >= 3


def test_hydra_ax_and_nevergrad_sweepers() -> None:
    ax = fixture("hydra_ax_ppo_lunar.yaml")
    assert ax.libraries == ["Ax", "Hydra"]
    assert space(ax, "ppo.learning_rate") == {
        "type": "float",
        "low": 1e-5,
        "high": 0.003,
        "log": True,
        "distribution": "range",
    }
    assert space(ax, "ppo.n_epochs")["type"] == "int"
    assert "ppo.policy" not in ax.hyperparameters  # type: fixed
    ng = fixture("hydra_nevergrad_td3.yaml")
    assert ng.libraries == ["Hydra", "nevergrad"]
    assert ng.findings[0].method == "NGOpt"
    assert space(ng, "td3.batch_size")["type"] == "int"
    assert space(ng, "td3.activation")["choices"] == ["relu", "tanh"]


def test_hydra_sweeper_config_group_file() -> None:
    report = run(
        "# @package hydra.sweeper\n_target_: hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper\n"
        "n_trials: 10\nparams:\n  lr: interval(0.001, 0.1)\n"
    )
    assert report.libraries == ["Optuna"]
    assert lines(report) == [2, 3, 4, 5]  # the document is the sweeper: each entry is one of its settings


def test_hydra_sweeper_without_search_space_in_the_file() -> None:
    report = run(
        "defaults:\n  - search_space: ppo\n  - override hydra/sweeper: DEHB\n"
        "hydra:\n  sweeper:\n    search_space: ${search_space}\n"
    )
    assert lines(report) == [2, 3, 5]  # the group holding the space, the sweeper it selects, the sweeper block
    sweeper = next(f for f in report.findings if f.api == "hydra/sweeper")
    assert "search_space/ppo.yaml" in sweeper.message


def test_wandb_sweeps_yaml_and_json() -> None:
    bayes = fixture("wandb_sweep_bayes_ppo.yaml")
    assert bayes.libraries == ["Weights & Biases"]
    assert lines(bayes) == [3, 5, 6, 9, 10, 14, 15, 19, 21, 25, 34]  # program, method, metric, cap, early stop,
    # the space's header and its four dimensions, the command each run is started with
    assert bayes.sites[0].method == "Bayesian optimisation + Hyperband"
    assert space(bayes, "learning_rate")["log"] is True
    assert space(bayes, "ent_coef")["step"] == 0.005
    assert "total_timesteps" not in bayes.hyperparameters
    grid = fixture("wandb_sweep_grid_dqn.yaml")
    assert grid.findings[0].method == "grid search"
    assert grid.hyperparameters == ["batch-size", "learning-rate", "target-network-frequency"]
    random = fixture("wandb_sweep_random_sac.json")
    assert random.language == "json"
    assert lines(random) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert space(random, "batch-size")["type"] == "int"
    assert random.sites[0].budget == "40 runs"


def test_wandb_log_uniform_takes_natural_log_bounds() -> None:
    report = run("method: random\nparameters:\n  lr:\n    distribution: log_uniform\n    min: -9.21\n    max: -4.61\n")
    dim = space(report, "lr")
    assert dim["log"] is True and dim["low"] == pytest.approx(1e-4, rel=1e-2)


def test_ray_tune_grid_search_experiment() -> None:
    report = fixture("rllib_cartpole_ppo_grid.yaml")
    assert report.libraries == ["Ray Tune"]
    assert lines(report) == [2, 5, 12, 14, 20]  # the experiment, num_samples, three grids
    assert report.findings[0].method == "grid search" and "(PPO)" in report.findings[0].message
    assert space(report, "lr") == {"type": "grid", "values": [0.003, 0.001, 0.0003], "distribution": "grid_search"}
    assert space(report, "fcnet_hiddens")["values"] == ["[64, 64]", "[256, 256]"]
    assert report.rl_context.algorithms == ["PPO"] and report.rl_context.environments == ["CartPole-v1"]


def test_polyaxon_v1_matrix_and_v0_hptuning() -> None:
    v1 = fixture("polyaxon_v1_hyperband_ppo.yaml")
    assert v1.libraries == ["Polyaxon"]
    assert (v1.findings[0].range.start.line, v1.findings[0].method) == (5, "Hyperband")  # the matrix block
    assert space(v1, "learning_rate")["log"] is True
    assert space(v1, "clip_range") == {"type": "float", "low": 0.1, "high": 0.4, "distribution": "uniform"}
    assert space(v1, "n_epochs")["step"] == 3
    v0 = fixture("polyaxon_v0_hptuning_dqn.yaml")
    assert (v0.findings[0].range.start.line, v0.findings[0].method) == (4, "random search")  # the hptuning block
    assert v0.sites[0].budget == "24 experiments"
    assert space(v0, "target_update") == {"type": "int", "low": 500, "high": 5000, "step": 500, "distribution": "range"}


def test_polyaxon_mapping_matrix() -> None:
    report = run("matrix:\n  kind: mapping\n  values:\n    - {lr: 0.1, gamma: 0.9}\n    - {lr: 0.01, gamma: 0.99}\n")
    assert report.hyperparameters == ["gamma", "lr"]
    assert space(report, "lr")["values"] == [0.1, 0.01]


def test_standalone_configspace_space_yaml_and_json_list_form() -> None:
    report = fixture("search_space/sac.yaml")
    assert report.libraries == ["ConfigSpace"]
    assert lines(report) == [3, 8, 11]  # the constant is not searched
    json_form = run(
        '{"hyperparameters": [\n {"name": "lr", "type": "uniform_float", "lower": 1e-5, "upper": 0.1,'
        ' "log": true},\n {"name": "depth", "type": "uniform_int", "lower": 1, "upper": 5}\n]}',
        "space.json",
    )
    assert lines(json_form) == [2, 3]
    assert space(json_form, "lr")["log"] is True


def test_rl_zoo_hyperparams_with_anchors_and_merge_keys() -> None:
    report = fixture("hyperparams/ppo.yml")
    assert report.criteria.names() == ["parameterization"]
    assert report.libraries == ["RL Baselines3 Zoo"]
    assert lines(report) == [2, 18, 31, 43, 62, 66]
    assert all(f.kind == FindingKind.TUNED_CONFIG for f in report.findings)
    assert len(report.sites) == 6
    ant = next(f for f in report.findings if f.range.start.line == 62)
    values = {hp.name: hp.space.values for hp in ant.hyperparameters if hp.space}
    assert values["learning_rate"] == [2e-5]  # its own key wins over the merged default
    assert values["n_envs"] == [16]  # merged from the anchor, not expanded into the text
    assert "env_wrapper" not in report.hyperparameters
    assert report.rl_context.algorithms == ["PPO"]
    assert "CartPole-v1" in report.rl_context.environments


def test_rl_zoo_outside_a_hyperparams_folder_needs_env_ids() -> None:
    text = "CartPole-v1:\n  n_timesteps: 1e5\n  policy: MlpPolicy\n  learning_rate: 0.001\n"
    assert run(text, "tuned/ppo.yml").tuning_applied
    assert not run("model:\n  n_timesteps: 1e5\n  policy: MlpPolicy\n", "train.yml").tuning_applied


# --------------------------------------------------------------------------- negatives


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("neg_*")))
def test_negative_fixtures_give_nothing(name: str) -> None:
    report = fixture(name)
    assert report.findings == [] and report.errors == [] and not report.tuning_applied


@pytest.mark.parametrize(
    "text",
    [
        "defaults:\n  - override hydra/sweeper: basic\n",  # the basic sweeper with nothing to sweep
        "hydra:\n  sweeper:\n    params:\n      seed: 3\n",  # only fixed values
        "method: grid\nparameters:\n  lr:\n    value: 0.1\n",  # W&B sweep of constants
        "config:\n  lr:\n    grid_search: not-a-list\n",
        "matrix:\n  os: [ubuntu, macos]\n",  # CI matrix
        "hptuning:\n  concurrency: 2\n",
    ],
)
def test_near_misses_give_nothing(text: str) -> None:
    assert run(text).findings == []


@pytest.mark.parametrize("path", ["package.json", "ground_truth/x.py.json", "schema/hpt-report.schema.json"])
def test_tooling_json_is_not_a_config(path: str) -> None:
    text = '{"name": "x", "hyperparameters": ["lr"], "properties": {"parameters": {"type": "object"}}}'
    report = run(text, path)
    assert report.findings == [] and report.errors == []


def test_repository_json_and_schema_files_give_empty_reports() -> None:
    reports = scan([ROOT / "ground_truth", ROOT / "schema"], jobs=1)
    assert reports and all(r.findings == [] and r.errors == [] for r in reports)


# --------------------------------------------------------------------------- positions


def test_positions_span_key_to_value_end() -> None:
    text = "method: bayes\nparameters:\n  lr:\n    min: 0.001\n    max: 0.1\n\n  gamma: {values: [0.9, 0.99]}\n"
    report = run(text)
    lr = dimension(report, "lr")
    assert (lr.range.start.line, lr.range.start.column) == (3, 3)
    assert (lr.range.end.line, lr.range.end.column) == (5, 13)  # ends on its last line, not the blank one
    gamma = dimension(report, "gamma")
    assert (gamma.range.start.line, gamma.range.start.column, gamma.range.end.line) == (7, 3, 7)
    assert report.line_numbers == [1, 2, 3, 7]


def test_json_positions_and_unicode_columns() -> None:
    text = (
        '{\n  "méthode": 1,\n  "method": "grid",\n'
        '  "parameters": {"lr": {"values": [1, 2]}, "γ": {"values": [3, 4]}}\n}'
    )
    report = run(text, "sweep.json")
    assert lines(report) == [3, 4, 4, 4]
    gamma = dimension(report, "γ")
    assert gamma.range.start.column == text.split("\n")[3].index('"γ"') + 1


def test_multi_document_yaml() -> None:
    report = run("a: 1\n---\nmethod: random\nparameters:\n  lr: {min: 0.1, max: 0.2}\n---\n- x\n")
    assert lines(report) == [3, 4, 5]


def test_suppression_comments_and_enabled_kinds() -> None:
    text = "method: grid\nparameters:\n  lr: {values: [1, 2]}  # hpt: ignore\n  gamma: {values: [3, 4]}\n"
    assert lines(run(text)) == [1, 2, 4]
    assert run("# hpt: ignore-file\n" + text).findings == []
    assert run(text, settings=Settings(enabled_kinds=[FindingKind.TUNED_CONFIG])).findings == []


def test_reports_are_deterministic() -> None:
    text = (CONFIGS / "hyperparams" / "ppo.yml").read_text()
    first = run(text, "hyperparams/ppo.yml").model_dump_json()
    assert all(run(text, "hyperparams/ppo.yml").model_dump_json() == first for _ in range(3))


# --------------------------------------------------------------------------- override grammar


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("choice(a, 'b c', 3)", {"type": "categorical", "choices": ["a", "b c", 3], "distribution": "choice"}),
        ("range(1, 10, step=3)", {"type": "int", "low": 1, "high": 10, "step": 3, "distribution": "range"}),
        ("range(0.5,2.5,0.5)", {"type": "float", "low": 0.5, "high": 2.5, "step": 0.5, "distribution": "range"}),
        ("interval(0, 1)", {"type": "float", "low": 0, "high": 1, "distribution": "interval"}),
        ("int(interval(4, 16))", {"type": "int", "low": 4, "high": 16, "distribution": "interval"}),
        (
            "tag(log, interval(1e-4, 1e-1))",
            {"type": "float", "low": 1e-4, "high": 0.1, "log": True, "distribution": "interval"},
        ),
        ("shuffle(choice(1, 2))", {"type": "categorical", "choices": [1, 2], "distribution": "choice"}),
        ("adam,sgd", {"type": "categorical", "choices": ["adam", "sgd"], "distribution": "choice"}),
        ("[1,2],[3]", {"type": "categorical", "choices": ["[1, 2]", "[3]"], "distribution": "choice"}),
    ],
)
def test_override_grammar(text: str, expected: dict) -> None:
    result = override_space(text)
    assert result is not None and result.model_dump(exclude_defaults=True) == expected


@pytest.mark.parametrize(
    "text", ["0.001", "adam", "${oc.env:LR}", "choice(1, 2", "interval(0, 1) trailing", "f(", "unknown(1, 2)", ""]
)
def test_override_grammar_fixed_or_invalid(text: str) -> None:
    assert override_space(text) is None


# --------------------------------------------------------------------------- bad input


def test_malformed_yaml_is_an_error_with_its_line() -> None:
    report = run("method: bayes\nparameters:\n  lr: {values: [1, 2\n  x: 3\n")
    assert report.findings == []
    assert [(e.code, e.line) for e in report.errors] == [("malformed", 4)]
    assert "invalid YAML at line 4" in report.errors[0].message


def test_malformed_json_names_json() -> None:
    report = run('{"method": "grid", "parameters": {"lr": {"values": [1, 2]}', "sweep.json")
    assert report.errors[0].code == "malformed" and report.errors[0].message.startswith("invalid JSON")


def test_billion_laughs_is_not_expanded() -> None:
    text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    previous = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ", ".join(f"*{previous}" for _ in range(9)) + "]\n"
        previous = name
    text += "method: grid\nparameters:\n  lr:\n    values: *i\n"
    started = time.perf_counter()
    report = run(text)
    assert time.perf_counter() - started < 2.0
    assert report.errors[0].code == "malformed" and "billion laughs" in report.errors[0].message
    assert lines(report) == [10, 11, 12]  # the sweep itself is still read
    assert space(report, "lr")["choices"][0] == "[9 items]"  # an aliased list is shown, not expanded


def test_recursive_alias_is_reported() -> None:
    report = run("a: &a\n  b: *a\nmethod: grid\nparameters:\n  lr: {values: [1, 2]}\n")
    assert "recursive YAML alias" in report.errors[0].message
    assert lines(report) == [3, 4, 5]


def test_duplicate_keys_are_reported_and_the_later_value_used() -> None:
    report = run("method: grid\nparameters:\n  lr: {values: [1, 2]}\n  lr: {values: [3, 4]}\n")
    assert [(e.code, e.line) for e in report.errors] == [("malformed", 4)]
    assert "first at line 3" in report.errors[0].message
    assert space(report, "lr")["choices"] == [3, 4]


def test_many_duplicate_keys_are_summarised() -> None:
    report = run("".join(f"k: {i}\n" for i in range(50)))
    assert len(report.errors) == 6 and report.errors[-1].message == "44 more duplicate keys"


def test_non_mapping_top_level() -> None:
    scalar = run("just a sentence, not a config\n")
    assert [e.code for e in scalar.errors] == ["malformed"] and "not a mapping" in scalar.errors[0].message
    listing = run("- name: install\n  apt: {name: nginx}\n")  # an ansible-style list: data, not an error
    assert listing.errors == [] and listing.findings == []
    assert run("[1, 2, 3]", "data.json").errors == []


def test_binary_junk_and_control_characters() -> None:
    report = run("method: grid\nparameters: \x01\x02\x03\n")
    assert report.errors[0].code == "malformed" and "#x0001" in report.errors[0].message
    assert report.errors[0].line == 2


def test_deep_nesting_fails_fast() -> None:
    started = time.perf_counter()
    flow = run("a: " + "[" * 5000 + "]" * 5000 + "\n")
    block = run("".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 20)))
    assert time.perf_counter() - started < 2.0
    assert "nested deeper" in flow.errors[0].message and "nested deeper" in block.errors[0].message


def test_huge_config_is_reported_not_parsed() -> None:
    text = "method: grid\nparameters:\n" + "".join(f"  p{i}: {{values: [1, 2]}}\n" for i in range(60_000))
    assert len(text) > CONFIG_MAX_BYTES
    started = time.perf_counter()
    report = run(text)
    assert time.perf_counter() - started < 1.0
    assert [e.code for e in report.errors] == ["too-large"] and report.findings == []


def test_unsafe_tags_are_never_constructed() -> None:
    report = run(
        "method: grid\nparameters:\n  lr: !!python/object/apply:os.system ['echo hi']\n  gamma: {values: [0.9, 0.99]}\n"
    )
    assert lines(report) == [1, 2, 4]


def test_empty_and_comment_only_files() -> None:
    assert run("").errors == [] and run("# nothing here\n").errors == [] and run("---\n...\n").errors == []


def test_load_never_raises_on_garbage() -> None:
    for text in ["\ufeff{", ": : :", "&a *a", "!!binary AAA", "? ? ?", "a: b: c", "'unterminated", "{]"]:
        loaded = load(text)
        assert isinstance(loaded.errors, list)


def test_scan_of_config_fixtures_has_no_errors() -> None:
    reports = scan([CONFIGS], jobs=1)
    assert len(reports) >= 20
    assert all(r.errors == [] for r in reports)
    assert sum(r.tuning_applied for r in reports) >= 15
    assert {r.language for r in reports} >= {"yaml", "json", "python"}
    assert SpaceType.GRID.value == "grid"
