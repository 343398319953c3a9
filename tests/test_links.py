"""Cross-file links: hydra entry points whose configs sweep, and rl-zoo style hyperparameter loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from hptlens.analysis import analyze
from hptlens.analysis.links import LINK_API, config_candidates, link_configs
from hptlens.documents import Document, notebook_document
from hptlens.report import ConfigRef, FileReport, FindingKind, Range
from hptlens.settings import Settings
from hptlens.workspace import scan
from support.paths import FIXTURES

SWEEP_CONFIG = """\
defaults:
  - override hydra/sweeper: optuna
hydra:
  sweeper:
    n_trials: 20
    params:
      lr: tag(log, interval(1e-5, 1e-2))
      gamma: choice(0.95, 0.99)
"""
PLAIN_CONFIG = "lr: 0.001\ngamma: 0.99\nhydra:\n  run:\n    dir: outputs\n"
APP = """\
import hydra
from omegaconf import DictConfig


@hydra.main(version_base=None, config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float:
    return 0.0
"""


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def report_for(reports: list[FileReport], suffix: str) -> FileReport:
    return next(r for r in reports if r.path.endswith(suffix))


def linked(report: FileReport) -> list:
    return [f for f in report.findings if f.api == LINK_API]


# --------------------------------------------------------------------------- the fixtures


def test_seed_b1_dehb_entry_point_is_tuning(fixture_scan: list[FileReport]) -> None:
    report = report_for(fixture_scan, "hydra/dehb_pendulum/train_ppo_dehb.py")
    assert report.tuning_applied and report.criteria.names() == ["auto-tuning"]
    assert report.line_numbers == [38] and report.libraries == ["Hydra"]
    finding = linked(report)[0]
    assert finding.kind == FindingKind.SWEEP_CONFIG and finding.method == "DEHB"
    assert "configs/ppo_pendulum_dehb.yaml" in finding.message and "DEHB" in finding.message
    # the search space comes from the search_space/ppo.yaml group the config's defaults pull in
    assert "algorithm.model_kwargs.learning_rate" in report.hyperparameters
    assert report.sites[-1].findings == [len(report.findings) - 1]


def test_sweep_pulled_in_through_the_defaults_list(fixture_scan: list[FileReport]) -> None:
    report = report_for(fixture_scan, "hydra/optuna_defaults/train_sac.py")
    finding = linked(report)[0]
    assert finding.range.start.line == 23 and finding.range.end.line == 27  # the whole decorator
    assert "conf/train.yaml" in finding.message and "hparams_search/sac_optuna.yaml" in finding.message
    assert report.hyperparameters == ["agent.batch_size", "agent.learning_rate", "agent.tau"]
    assert report.sites[0].budget == "24 trials"


def test_compose_api_is_linked_at_the_compose_call(fixture_scan: list[FileReport]) -> None:
    report = report_for(fixture_scan, "hydra/compose_grid/launch_grid.py")
    assert [f.range.start.line for f in report.findings] == [35]
    assert report.config_refs[0].kind == "hydra-compose" and report.config_refs[0].config_path == "conf"


def test_entry_point_without_a_sweep_is_not_tuning(fixture_scan: list[FileReport]) -> None:
    report = report_for(fixture_scan, "hydra/plain_train/train_dqn.py")
    assert not report.tuning_applied and report.findings == []
    assert [(r.kind, r.config_path, r.config_name) for r in report.config_refs] == [("hydra-main", "conf", "config")]


def test_zoo_loader_fixture_is_parameterization(fixture_scan: list[FileReport]) -> None:
    report = report_for(fixture_scan, "configs/train_zoo_hyperparams.py")
    assert report.criteria.names() == ["parameterization"] and report.line_numbers == [41]
    assert report.config_refs[0].kind == "hyperparams"
    assert report.config_refs[0].config_name == "hyperparams/ppo.yml"


# --------------------------------------------------------------------------- tmp folders


def test_link_in_a_tmp_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"app.py": APP, "conf/config.yaml": SWEEP_CONFIG})
    monkeypatch.chdir(tmp_path)
    reports = scan(["."], jobs=1)
    app = report_for(reports, "app.py")
    assert app.line_numbers == [5] and app.libraries == ["Hydra"]
    assert app.hyperparameters == ["gamma", "lr"]
    assert linked(app)[0].method == "TPE"


def test_absolute_scan_paths_link_too(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP, "conf/config.yaml": SWEEP_CONFIG})
    assert report_for(scan([tmp_path], jobs=1), "app.py").tuning_applied


def test_config_must_be_in_the_scan(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP, "conf/config.yaml": SWEEP_CONFIG})
    reports = scan([tmp_path / "app.py"], jobs=1)
    assert not reports[0].tuning_applied  # the link step reads no file: only scanned configs count


def test_plain_config_gives_no_link(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP, "conf/config.yaml": PLAIN_CONFIG, "other.yaml": SWEEP_CONFIG})
    reports = scan([tmp_path], jobs=1)
    assert not report_for(reports, "app.py").tuning_applied
    assert report_for(reports, "other.yaml").tuning_applied


@pytest.mark.parametrize(
    ("decorator", "config"),
    [
        ('@hydra.main(config_path="../cfg", config_name="sweep.yaml")', "cfg/sweep.yaml"),
        ('@hydra.main("settings", "sweep")', "src/settings/sweep.yaml"),
        (
            '@hydra.main(config_name="sweep")',
            "src/sweep.yaml",
        ),  # hydra 1.1: config_path defaults to the script's folder
        ('@main(config_path=CONF, config_name="sweep")', "src/conf/sweep.yml"),
    ],
)
def test_config_path_forms(tmp_path: Path, decorator: str, config: str) -> None:
    app = f'import hydra\nfrom hydra import main\nCONF = "conf"\n\n\n{decorator}\ndef run(cfg):\n    return 0\n'
    write(tmp_path, {"src/app.py": app, config: SWEEP_CONFIG})
    report = report_for(scan([tmp_path], jobs=1), "app.py")
    assert report.line_numbers == [6], [r.model_dump() for r in report.config_refs]


def test_config_path_none_or_not_literal_is_not_resolved(tmp_path: Path) -> None:
    for index, args in enumerate(
        ['config_path=None, config_name="config"', 'config_path=os.environ["CONF"], config_name="config"']
    ):
        folder = tmp_path / str(index)
        write(
            folder,
            {
                "app.py": f"import os\nimport hydra\n\n@hydra.main({args})\ndef run(cfg):\n    pass\n",
                "config.yaml": SWEEP_CONFIG,
                "conf/config.yaml": SWEEP_CONFIG,
            },
        )
        report = report_for(scan([folder], jobs=1), "app.py")
        assert report.config_refs == [] and not report.tuning_applied


def test_initialize_and_compose(tmp_path: Path) -> None:
    script = (
        "from hydra import compose, initialize\n\n"
        "with initialize(version_base=None, config_path='conf'):\n"
        "    first = compose(config_name='plain')\n"
        "    second = compose('config', overrides=['lr=0.1'])\n"
    )
    write(tmp_path, {"run.py": script, "conf/config.yaml": SWEEP_CONFIG, "conf/plain.yaml": PLAIN_CONFIG})
    report = report_for(scan([tmp_path], jobs=1), "run.py")
    assert [(r.kind, r.config_path, r.config_name, r.line) for r in report.config_refs] == [
        ("hydra-compose", "conf", "plain", 4),
        ("hydra-compose", "conf", "config", 5),
    ]
    assert report.line_numbers == [5]


def test_suppressed_decorator_and_disabled_kind(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app.py": APP.replace('config_name="config")', 'config_name="config")  # hpt: ignore'),
            "conf/config.yaml": SWEEP_CONFIG,
        },
    )
    assert not report_for(scan([tmp_path], jobs=1), "app.py").tuning_applied
    write(tmp_path, {"app.py": APP})
    settings = Settings(enabled_kinds=[FindingKind.SEARCH_SPACE])
    assert not report_for(scan([tmp_path], settings, jobs=1), "app.py").tuning_applied


def test_link_step_is_idempotent_and_keeps_python_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = APP + "\nfor lr in [0.1, 0.01]:\n    model = train(learning_rate=lr)\n"
    write(tmp_path, {"app.py": app, "conf/config.yaml": SWEEP_CONFIG})
    monkeypatch.chdir(tmp_path)
    reports = scan(["."], jobs=1)
    app_report = report_for(reports, "app.py")
    again = report_for(link_configs(reports), "app.py")
    assert again == app_report
    assert set(app_report.criteria.names()) == {"auto-tuning", "hand-tuning"}
    assert len(app_report.sites) == 2 and app_report.line_numbers == [5, 9]


def test_pooled_scan_links_like_a_serial_one(tmp_path: Path) -> None:
    files = {f"app{i}.py": APP for i in range(3)}
    write(tmp_path, {**files, "conf/config.yaml": SWEEP_CONFIG})
    serial = scan([tmp_path], jobs=1)
    pooled = scan([tmp_path], jobs=2)
    assert [r.model_dump() for r in pooled] == [r.model_dump() for r in serial]
    assert sum(r.tuning_applied for r in pooled) == 4


def test_config_candidates() -> None:
    ref = ConfigRef(kind="hydra-main", config_path="../conf", config_name="exp/run", line=1, range=Range.of(1, 1, 1, 2))
    assert config_candidates(ref, "proj/src/app.py") == ["proj/conf/exp/run.yaml", "proj/conf/exp/run.yml"]
    assert config_candidates(ref.model_copy(update={"config_name": None}), "app.py") == []


def test_notebook_refs_carry_their_cell() -> None:
    document = notebook_document(
        "nb.ipynb",
        [
            (0, "markdown", "# tuning"),
            (1, "code", "from hydra import compose, initialize"),
            (2, "code", "initialize(config_path='conf')\ncfg = compose(config_name='config')"),
        ],
    )
    report = analyze(document)
    ref = report.config_refs[0]
    assert (ref.cell, ref.range.start.line, ref.line) == (2, 2, 3)


# --------------------------------------------------------------------------- rl-zoo style loads


def analyze_py(source: str) -> FileReport:
    return analyze(Document.from_text("train.py", source))


ZOO_LOAD = """\
import yaml
from stable_baselines3 import SAC


def load_hyperparams(algo, env_id):
    with open(f"hyperparams/{algo}.yml") as f:
        return yaml.safe_load(f)[env_id]


def main():
    params = load_hyperparams("sac", "Pendulum-v1")
    kwargs = {}
    kwargs.update(params)
    model = SAC("MlpPolicy", "Pendulum-v1", **kwargs)
    model.learn(10_000)
"""


def test_zoo_load_through_a_helper_and_update() -> None:
    report = analyze_py(ZOO_LOAD)
    assert report.line_numbers == [7] and report.criteria.names() == ["parameterization"]
    finding = report.findings[0]
    assert finding.kind == FindingKind.TUNED_CONFIG and "hyperparams/{algo}.yml" in finding.message


def test_omegaconf_load_passed_to_an_algorithm() -> None:
    source = (
        "from omegaconf import OmegaConf\nfrom stable_baselines3 import PPO\n\n"
        "hp = OmegaConf.load('hyperparams/ppo.yaml')['CartPole-v1']\n"
        "model = PPO(policy=hp.policy, env='CartPole-v1', learning_rate=hp.learning_rate)\n"
    )
    assert analyze_py(source).line_numbers == [4]


@pytest.mark.parametrize(
    "source",
    [
        # loaded but never applied to a model
        "import yaml\nwith open('hyperparams/ppo.yml') as f:\n    hp = yaml.safe_load(f)\nprint(sorted(hp))\n",
        # applied, but not a hyperparameter file
        "import yaml\nfrom stable_baselines3 import PPO\nwith open('config/logging.yml') as f:\n"
        "    cfg = yaml.safe_load(f)\nmodel = PPO('MlpPolicy', 'CartPole-v1', **cfg)\n",
        # a hyperparams JSON is not the zoo's YAML
        "import json\nfrom stable_baselines3 import PPO\nhp = json.load(open('hyperparams/ppo.json'))\n"
        "model = PPO(**hp)\n",
    ],
)
def test_zoo_load_negatives(source: str) -> None:
    report = analyze_py(source)
    assert report.findings == [] and report.config_refs == []


@pytest.mark.parametrize(
    "script, tuned",
    [
        ("dehb_pendulum/train_ppo_dehb.py", True),
        ("optuna_defaults/train_sac.py", True),
        ("compose_grid/launch_grid.py", True),
        ("plain_train/train_dqn.py", False),
    ],
)
def test_one_document_links_to_the_configs_beside_it(script: str, tuned: bool) -> None:
    """The editor's path: one file, its hydra configs read from disk next to it."""
    from hptlens.settings import Settings
    from hptlens.workspace import analyze_file, link_configs_on_disk

    path = FIXTURES / "hydra" / script
    alone = analyze_file(path, "train.py", Settings())
    linked = link_configs_on_disk(alone, path)
    assert linked.path == "train.py"
    assert linked.tuning_applied is tuned
    assert any(f.kind == "sweep-config" and f.library == "Hydra" for f in linked.findings) is tuned


def test_reference_columns_count_code_points_like_findings() -> None:
    source = 'import hydra\nhydra.initialize(config_path="conf")\né = 1; cfg = hydra.compose(config_name="grid")\n'
    report = analyze(Document.from_text("launch.py", source))
    [ref] = [r for r in report.config_refs if r.kind == "hydra-compose"]
    assert (ref.line, ref.range.start.column) == (3, 14)  # 13 code points before it, 14 bytes
