"""How config findings cover a search (LABELING.md: the block is the finding, without the
blank lines between its entries), which criteria they carry, and what a grid over seeds or
environments alone is not; the one walk of a document."""

from __future__ import annotations

import pytest

from hptlens.analysis.configs.hits import is_not_tuned, method_category
from hptlens.analysis.configs.tree import build_index, load
from hptlens.report import Criterion
from support.configs import fixture, lines, run


@pytest.mark.parametrize(
    ("method", "auto"),
    [
        ("bayesianoptimization", True),
        ("adaptive_asha", True),
        ("PBTTuner", True),
        ("BOHB", True),
        ("gp", True),
        ("Evolution", True),
        ("Hyperband", True),
        ("forest", True),
        ("random", False),
        ("grid", False),
        ("RANDOM_SEARCH", False),
        ("TPE", False),
        (None, False),
        ("GridSearch", False),
    ],
)
def test_method_category(method: str | None, auto: bool) -> None:
    assert (method_category(method) == Criterion.AUTO_TUNING) is auto


@pytest.mark.parametrize(
    ("name", "untuned"),
    [
        ("seed", True),
        ("train.seed", True),
        ("env_seed", True),
        ("env.id", True),
        ("env-id", True),
        ("dataset", True),
        ("lr", False),
        ("k", False),
        ("agent.gamma", False),
        ("model.name", False),
        ("environment", True),
    ],
)
def test_seeds_environments_and_datasets_are_not_tuned(name: str, untuned: bool) -> None:
    assert is_not_tuned(name) is untuned


def test_hydra_sweep_covers_its_block_and_what_selects_it_but_not_blank_lines() -> None:
    report = fixture("hydra_blocks/ppo_optuna_search.yaml")
    covered = lines(report)
    assert {7, 8, 11, 14, 16, 17, 20, 21, 24, 26, 28, 29, 30, 32, 33, 34, 36} <= covered
    assert not covered & {1, 2, 5, 9, 12, 15, 18, 22, 25, 27, 31, 35}  # blank lines, commented-out param
    continued = [f for f in report.findings if f.message.endswith("(continued)")]
    assert continued and all(not f.hyperparameters for f in continued)
    first = next(f for f in report.findings if f.range.start.line == 20)
    assert first.range.start.column == 5  # a stretch starts where its first entry is indented


def test_hydra_search_space_group_is_selected_not_the_algorithm_group() -> None:
    report = fixture("hydra_blocks/smac_search_space_group.yaml")
    assert 5 in lines(report) and 4 not in lines(report)


def test_hydra_space_package_file() -> None:
    report = fixture("hydra_blocks/sweeper_params_group.yaml")
    assert report.hyperparameters == ["trainer.batch_size", "trainer.lr"]
    assert fixture("hydra_blocks/neg_train_hparams_search_null.yaml").findings == []


def test_grids_over_seeds_and_environments_alone_are_not_searches() -> None:
    assert fixture("neg_wandb_seed_sweep.yaml").findings == []
    assert fixture("neg_rllib_env_grid.yaml").findings == []
    mixed = fixture("rllib_env_and_lr_grid.yaml")
    assert mixed.hyperparameters == ["lr"] and "1 hyperparameter" in mixed.findings[0].message


def test_wandb_sweep_nested_in_a_project_config() -> None:
    report = run(
        "project: x\nwandb:\n  sweep:\n    method: random\n    parameters:\n      lr: {min: 0.001, max: 0.1}\n"
    )
    assert report.hyperparameters == ["lr"] and report.findings[0].method == "random search"


def test_one_walk_indexes_entries_owners_and_lists_of_mappings() -> None:
    root = load("a:\n  b: {grid_search: [1, 2]}\n  runs:\n    - {x: 1}\n    - {x: 2}\nc: 3\n").roots[0]
    found = build_index(root)
    grid = found.entries("grid_search")[0]
    assert (grid.top, found.owner[id(grid.parent)].key.text) == (0, "b")
    assert [key.text for key, _ in found.map_lists if key is not None] == ["runs"]
    assert found.entries("c")[0].top == 1


def test_comments_that_trip_the_round_trip_loader_still_load() -> None:
    text = '---\nname: "x"\n\non: # a trailing comment\n  status\n\njobs:\n  a:\n    runs-on: linux\n'
    report = run(text, "workflow.yml")
    assert report.errors == []


def test_each_document_of_a_file_gets_its_own_nodes() -> None:
    """Node ids of a finished document are reused by the next one: no memo may outlive its document."""
    docs = [
        f"doc: {n}\n" + "\n".join(f"k{i}:\n  a: [{i}, {n}]\n  b: {{c: x{i}}}" for i in range(20)) + "\n"
        for n in range(30)
    ]
    roots = load("---\n".join(docs)).roots
    assert [root.get("doc").value for root in roots if root.is_map] == list(range(30))
    starts = [1]
    for doc in docs[:-1]:
        starts.append(starts[-1] + doc.count("\n") + 1)
    assert [root.line for root in roots] == starts
