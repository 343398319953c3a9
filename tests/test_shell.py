"""Shell sweep scripts: fixture verdicts and lines, grids, job arrays, command lines, negatives,
suppression, bad input, language detection and the quick fixes' shell rules."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from hptlens.analysis import analyze
from hptlens.documents import Document, detect_language
from hptlens.evaluate import evaluate
from hptlens.lsp.actions import ignore_file_edit, ignore_line_edit
from hptlens.report import FileReport, FindingKind, Language
from hptlens.truth import load_truth

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "shell"
TRUTH = ROOT / "ground_truth" / "shell"
SHELL_FIXTURES = sorted(p for p in FIXTURES.iterdir() if p.is_file())


def run(source: str, path: str = "sweep.sh") -> FileReport:
    return analyze(Document.from_text(path, textwrap.dedent(source)))


def grid(report: FileReport, name: str) -> list[object]:
    for site in report.sites:
        for hp in site.hyperparameters:
            if hp.name == name and hp.space is not None:
                return list(hp.space.values or hp.space.choices or [])
    raise AssertionError(f"no values for {name}: {[f.message for f in report.findings]}")


# ---- fixtures ----------------------------------------------------------------------------------


def test_fixture_set_has_positives_and_negatives() -> None:
    truths = [load_truth(TRUTH / (p.name + ".json")) for p in SHELL_FIXTURES]
    assert len(truths) >= 10 and sum(not t.tuning_applied for t in truths) >= 4
    assert {p.suffix for p in SHELL_FIXTURES} >= {".sh", ".slurm", ".sbatch"}


def test_shell_fixtures_score_perfect_verdicts_and_full_recall() -> None:
    reports = [
        analyze(Document.from_text(f"fixtures/shell/{p.name}", p.read_text(encoding="utf-8"))) for p in SHELL_FIXTURES
    ]
    totals = evaluate({"hptlens": reports}, TRUTH).analyses[0].totals
    assert totals.verdict_accuracy == 1.0
    assert totals.line_recall >= 0.95
    assert totals.line_precision >= 0.90
    assert totals.hyperparameter_recall == 1.0


# ---- what is found ---------------------------------------------------------------------------


def test_nested_loops_report_each_grid_in_one_site() -> None:
    report = run("""\
        for lr in 1e-3 3e-4; do
          for bs in 32 64 128; do
            python train.py --lr "$lr" --batch-size=$bs &
          done
        done
        """)
    assert [f.kind for f in report.findings] == [FindingKind.HAND_LOOP, FindingKind.HAND_LOOP]
    assert len(report.sites) == 1
    assert grid(report, "lr") == [0.001, 0.0003] and grid(report, "batch_size") == [32, 64, 128]
    assert report.criteria.hand_tuning and report.libraries == []


def test_values_from_arrays_strings_braces_and_seq() -> None:
    report = run("""\
        GAMMAS=(0.9 0.95 0.99)
        TAUS="0.005 0.01"
        for g in "${GAMMAS[@]}"; do python sac.py --gamma $g; done
        for t in $TAUS; do python sac.py --tau=$t; done
        for n in {1..3}; do python sac.py --n-step $n; done
        for w in $(seq 0.1 0.1 0.3); do python sac.py --weight-decay $w; done
        """)
    assert grid(report, "gamma") == [0.9, 0.95, 0.99]
    assert grid(report, "tau") == [0.005, 0.01]
    assert grid(report, "n_step") == [1, 2, 3]
    assert grid(report, "weight_decay") == [0.1, 0.2, 0.3]
    # The array a loop runs over is its space, reported with it.
    assert any(f.kind == FindingKind.SEARCH_SPACE and f.range.start.line == 1 for f in report.findings)


def test_a_value_copied_into_a_variable_still_reaches_the_run() -> None:
    report = run("""\
        for v in 0.1 0.2 0.3; do
          CLIP=$v
          python ppo.py --clip-range "$CLIP" --run-name "clip_$CLIP"
        done
        """)
    assert grid(report, "clip_range") == [0.1, 0.2, 0.3]


def test_job_array_decodes_one_index_into_several_lists() -> None:
    report = run(
        """\
        #!/bin/bash
        #PBS -J 0-5
        LRS=(1e-3 1e-4 1e-5)
        ENTS=(0.0 0.01)
        a=$(( PBS_ARRAY_INDEX / 2 ))
        b=$(( $PBS_ARRAY_INDEX % 2 ))
        python a2c.py --lr ${LRS[$a]} --ent-coef ${ENTS[$b]}
        """,
        "job.pbs",
    )
    run_hit = next(f for f in report.findings if f.kind == FindingKind.HAND_LOOP)
    assert run_hit.range.start.line == 2
    assert grid(report, "lr") == [0.001, 0.0001, 1e-05] and grid(report, "ent_coef") == [0.0, 0.01]
    assert sorted(f.range.start.line for f in report.findings if f.kind == FindingKind.SEARCH_SPACE) == [3, 4]


def test_hydra_multirun_and_gnu_parallel_command_lines() -> None:
    report = run("""\
        python train.py -m agent.lr=1e-3,1e-4 agent.gamma=0.9,0.99 seed=1,2,3
        parallel python dqn.py --lr {1} --seed {2} ::: 1e-3 1e-4 ::: 1 2 3
        """)
    hydra, parallel = report.findings
    assert hydra.library == "Hydra" and {h.name for h in hydra.hyperparameters} == {"agent.lr", "agent.gamma"}
    assert parallel.kind == FindingKind.HAND_LOOP and [h.name for h in parallel.hyperparameters] == ["lr"]


def test_sweep_launchers_start_a_library_search() -> None:
    report = run("""\
        wandb sweep sweep.yaml
        wandb agent team/project/abc123
        optuna create-study --study-name ppo --storage sqlite:///ppo.db
        """)
    assert [f.library for f in report.findings] == ["Weights & Biases", "Weights & Biases", "Optuna"]
    assert report.criteria.auto_tuning


# ---- what is not --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "for seed in 1 2 3; do python train.py --seed $seed --lr 3e-4; done\n",
        "for i in 0 1 2 3; do python train.py --seed $i --exp-name run_$i; done\n",
        "for env in CartPole-v1 Acrobot-v1; do python train.py --env $env --lr 1e-3; done\n",
        "for f in configs/*.yaml; do python train.py --config $f; done\n",
        "for gpu in 0 1; do CUDA_VISIBLE_DEVICES=$gpu python train.py --lr 1e-3 & done\n",
        "for lr in 1e-3 1e-4; do echo $lr; done\n",
        "for lr in 1e-3; do python train.py --lr $lr; done\n",
        "python train.py --lr 1e-3 --gamma 0.99\n",
        "python -m pytest tests -m slow\n",
        "SEEDS=(1 2 3)\npython train.py --seed ${SEEDS[$SLURM_ARRAY_TASK_ID]}\n",
        "for n in 1 2 4; do python bench.py --num-workers $n; done\n",
    ],
)
def test_runs_of_one_configuration_are_not_tuning(source: str) -> None:
    report = run(source)
    assert not report.tuning_applied, [f.message for f in report.findings]


# ---- suppression, bad input, detection ------------------------------------------------------------


def test_suppression_comments() -> None:
    source = "for lr in 1e-3 1e-4; do  # hpt: ignore[hand-loop]\n  python t.py --lr $lr\ndone\n"
    assert not run(source).tuning_applied
    assert not run("# hpt: ignore-file\nfor lr in 1e-3 1e-4; do python t.py --lr $lr; done\n").tuning_applied


def test_a_syntax_error_keeps_the_rest() -> None:
    report = run("""\
        for lr in 1e-3 1e-4; do python t.py --lr $lr; done
        if [ -z "$X" ; then
        """)
    assert report.tuning_applied
    assert [e.code for e in report.errors] == ["syntax-error"]


def test_language_by_suffix_and_shebang() -> None:
    for name in ("a.sh", "a.bash", "job.slurm", "job.sbatch", "job.pbs"):
        assert detect_language(name) is Language.SHELL
    assert detect_language("sweep", b"#!/usr/bin/env bash\n") is Language.SHELL
    assert detect_language("sweep", b"#!/bin/sh -e\n") is Language.SHELL
    assert detect_language("sweep", b"#!/usr/bin/env python3\n") is Language.UNKNOWN
    assert detect_language("sweep.txt", b"#!/bin/bash\n") is Language.UNKNOWN


def test_quick_fixes_keep_the_shebang_first_and_never_break_a_continuation() -> None:
    source = "#!/bin/bash\npython t.py -m \\\n  lr=1e-3,1e-4\n"
    edit = ignore_file_edit(source, "search-run", "shell")
    assert edit is not None and edit.start == (1, 0) and edit.text == "# hpt: ignore-file[search-run]\n"
    assert ignore_line_edit(source, 1, "search-run", "shell") is None
    assert ignore_line_edit(source, 2, "search-run", "shell").text.endswith("# hpt: ignore[search-run]")


def test_a_scan_finds_scripts_by_suffix_and_shebang(tmp_path) -> None:
    from hptlens.settings import Settings
    from hptlens.workspace import scan

    (tmp_path / "grid").write_text("#!/usr/bin/env bash\nfor lr in 1e-3 1e-4; do python t.py --lr $lr; done\n")
    (tmp_path / "job.slurm").write_text("#!/bin/bash\nfor g in 0.9 0.99; do srun python t.py --gamma $g; done\n")
    (tmp_path / "NOTES").write_text("for lr in 1e-3 1e-4; do python t.py --lr $lr; done\n")
    reports = {r.path.rsplit("/", 1)[-1]: r for r in scan([str(tmp_path)], Settings())}
    assert set(reports) == {"grid", "job.slurm"}
    assert all(r.language == Language.SHELL and r.tuning_applied for r in reports.values())


def test_wandb_sweep_is_linked_to_its_config_in_the_scanned_tree(tmp_path) -> None:
    from hptlens.settings import Settings
    from hptlens.workspace import scan

    (tmp_path / "sweep_ppo.yaml").write_text(
        "method: bayes\nmetric: {name: reward, goal: maximize}\nparameters:\n"
        "  lr: {min: 0.0001, max: 0.01}\n  gamma: {values: [0.9, 0.99]}\n"
    )
    (tmp_path / "launch.sh").write_text("wandb sweep --project ppo sweep_ppo.yaml\nwandb agent me/ppo/abc\n")
    (launch,) = [r for r in scan([str(tmp_path)], Settings()) if r.path.endswith("launch.sh")]
    link = next(f for f in launch.findings if f.kind == FindingKind.SWEEP_CONFIG)
    assert link.range.start.line == 1 and "sweep_ppo.yaml" in link.message
    assert {h.name for h in link.hyperparameters} == {"lr", "gamma"}
    assert set(launch.hyperparameters) >= {"lr", "gamma"}


def test_an_array_built_from_itself_is_read_without_recursing() -> None:
    # Completion scripts append to an array from its own expansion: found by the scan benchmark.
    report = run(
        'COMPREPLY=(${COMPREPLY[@]} a b)\nWORDS=("${COMPREPLY[@]}" c)\nfor w in "${WORDS[@]}"; do echo $w; done\n'
    )
    assert report.errors == [] and not report.tuning_applied
