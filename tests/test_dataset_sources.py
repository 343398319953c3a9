"""`hptlens dataset` on made-up inputs: a corpus cache laid out as bench/realworld builds it, a
missing cache, and a file large enough to be sent in parts (each part with its own truth),
scored through `hptlens eval --split` against a loopback endpoint."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from conftest import LlmEnvironment
from hptlens.cli import main
from support.fake_openai import FakeOpenAI
from support.finetune import verbatim
from support.paths import FIXTURES, GROUND_TRUTH

KEY = "sk-dataset-sources-1a2b3c4d5e6f7a8b"


@pytest.fixture(autouse=True)
def environment(llm_environment: LlmEnvironment) -> None:
    llm_environment(KEY, attempts=2, cache=True)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --------------------------------------------------------------------------- corpus

# (repository, path in it, the fixture whose bytes and truth stand in for the real file)
CORPUS = [
    ("alice/rl-tuning", "src/tune.py", "python/optuna_simple.py"),
    ("alice/rl-tuning", "src/seeds.py", "python/neg_seed_loop.py"),
    ("bob/zoo", "train.py", "python/hand_grid_product.py"),
    ("bob/zoo", "configs/sweep.yaml", "configs/wandb_sweep_bayes_ppo.yaml"),
    ("carol/agents", "notebooks/search.ipynb", "notebooks/optuna_ppo_cartpole.ipynb"),
    ("carol/agents", "run.sh", "shell/nested_loops_sac_tau_gamma.sh"),
    ("dave/gone", "tune.py", "python/hyperopt_dqn_tuning.py"),  # not in the cache
]


def make_corpus(root: Path) -> tuple[Path, Path]:
    """corpus.jsonl and a cache as `realworld.py build` writes them (dave/gone left out)."""
    records, cache = [], root / "cache"
    for repo, path, fixture in CORPUS:
        data = (FIXTURES / fixture).read_bytes()
        truth = json.loads((GROUND_TRUTH / f"{fixture}.json").read_text(encoding="utf-8"))
        records.append(
            {"repo": repo, "commit": "0" * 40, "path": path, "sha256": hashlib.sha256(data).hexdigest(),
             "language": "python", "labeler": "test", "blind": True, "truth": truth}
        )  # fmt: skip
        if repo == "dave/gone":
            continue
        name = f"{repo.replace('/', '+')}/{path}"
        (cache / "files" / name).parent.mkdir(parents=True, exist_ok=True)
        (cache / "files" / name).write_bytes(data)
        (cache / "truth" / f"{name}.json").parent.mkdir(parents=True, exist_ok=True)
        (cache / "truth" / f"{name}.json").write_text(json.dumps(truth), encoding="utf-8")
    corpus = root / "realworld"
    corpus.mkdir()
    (corpus / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return corpus, cache


def test_corpus_files_come_from_the_cache_grouped_by_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], openai_server: FakeOpenAI
) -> None:
    corpus, cache = make_corpus(tmp_path)
    out = tmp_path / "out"
    code, _, err = run(
        capsys, "dataset", "--truth", str(GROUND_TRUTH), "--corpus", str(corpus), "--corpus-cache", str(cache),
        "-o", str(out), "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    assert "1 file(s) of 1 repositories are not in the cache" in err and "dave/gone" in err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    corpus_files = [f for f in manifest["files"] if f["source"] == "corpus"]
    assert {f["key"] for f in corpus_files} == {
        "alice+rl-tuning/src/tune.py", "alice+rl-tuning/src/seeds.py", "bob+zoo/train.py",
        "bob+zoo/configs/sweep.yaml", "carol+agents/notebooks/search.ipynb",
    }  # fmt: skip
    assert manifest["missing"] == ["dave+gone/tune.py: not in the cache (fetch github:dave/gone, then build)"]
    assert {e["key"] for e in manifest["excluded"] if e["source"] == "corpus"} == {"carol+agents/run.sh"}
    by_repo: dict[str, set[str]] = {}
    for entry in corpus_files:
        assert entry["group"] == "repo:" + entry["key"].split("/")[0].replace("+", "/")
        by_repo.setdefault(entry["group"], set()).add(entry["split"])
    assert all(len(splits) == 1 for splits in by_repo.values())
    tune = next(f for f in corpus_files if f["key"] == "alice+rl-tuning/src/tune.py")
    assert tune["prompt_path"] == "src/tune.py"  # the path inside its repository, as a scan of a clone sends it
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert sum(s["sources"].get("corpus", 0) for s in summary["splits"].values()) == 5

    # Every split scored through the endpoint, corpus files included, read from the cache.
    for split in ("train", "validation", "test"):
        openai_server.responder = verbatim(out, split)
        code, text, err = run(
            capsys, "eval", "--truth", str(GROUND_TRUTH), "--dataset", str(out), "--split", split,
            "--corpus-cache", str(cache), "--llm", "only", "--llm-base-url", openai_server.url, "--format", "json",
        )  # fmt: skip
        assert code == 0, err
        totals = json.loads(text)["analyses"][1]["totals"]
        # lines the review's checks move (manifest `problems`, e.g. a %%bash cell's lines, which the
        # review sees as comments) are the only ones an answer given verbatim can lose
        flagged = any(f["problems"] for f in manifest["files"] if f["split"] == split)
        assert totals["verdict_accuracy"] == 1.0 and totals["line_f1"] >= (0.99 if flagged else 1.0), split


def test_a_missing_corpus_cache_says_what_is_missing_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, _ = make_corpus(tmp_path)
    out = tmp_path / "out"
    code, _, err = run(
        capsys, "dataset", "--truth", str(GROUND_TRUTH), "--corpus", str(corpus),
        "--corpus-cache", str(tmp_path / "no-cache"), "-o", str(out),
    )  # fmt: skip
    assert code == 2
    assert "the real-world corpus cache is missing" in err and "7 files from 4 repositories" in err
    assert "realworld.py build" in err and not out.exists()


def test_a_dataset_with_corpus_files_is_not_written_into_the_work_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "checkout"
    (tree / ".git").mkdir(parents=True)
    corpus, cache = make_corpus(tree)
    code, _, err = run(
        capsys, "dataset", "--truth", str(GROUND_TRUTH), "--corpus", str(corpus), "--corpus-cache", str(cache),
        "-o", str(tree / "finetune"),
    )  # fmt: skip
    assert code == 2 and "stays outside the work tree" in err and not (tree / "finetune").exists()


def test_eval_split_names_corpus_files_it_cannot_find(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus, cache = make_corpus(tmp_path)
    out = tmp_path / "out"
    assert main(["dataset", "--truth", str(GROUND_TRUTH), "--corpus", str(corpus), "--corpus-cache", str(cache),
                 "-o", str(out), "--fractions", "0,0,1"]) == 0  # fmt: skip
    capsys.readouterr()
    shutil.rmtree(cache)
    code, _, err = run(capsys, "eval", "--truth", str(GROUND_TRUTH), "--dataset", str(out), "--split", "test",
                       "--corpus-cache", str(cache))  # fmt: skip
    assert code == 2 and "5 file(s) of the split cannot be found" in err and "--corpus-cache" in err


# --------------------------------------------------------------------------- parts


def big_file() -> tuple[str, list[int], list[str]]:
    """A long module with an Optuna space near the start and a hand-written grid near the end."""
    rows = ["import optuna", "", ""]
    rows += ["def objective(trial):", '    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)',
             '    gamma = trial.suggest_float("gamma", 0.9, 0.999)', "    return train(lr, gamma)", "", ""]  # fmt: skip
    for i in range(60):
        rows += [
            f"def helper_{i}(x):",
            f'    """Helper number {i}, padding the file."""',
            f"    return x * {i} + 1",
            "",
        ]
    rows += ["", "study = optuna.create_study()", "study.optimize(objective, n_trials=10)", ""]
    rows += ["for tau in [0.005, 0.01, 0.02]:", "    run(tau=tau)", ""]
    required = [5, 6] + [i + 1 for i, row in enumerate(rows) if row.startswith(("study.", "for tau"))]
    return "\n".join(rows), sorted(required), ["lr", "gamma", "tau"]


def test_a_large_file_goes_in_the_reviews_parts_each_with_its_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], openai_server: FakeOpenAI
) -> None:
    text, required, names = big_file()
    (tmp_path / "fixtures" / "python").mkdir(parents=True)
    (tmp_path / "fixtures" / "python" / "big.py").write_text(text, encoding="utf-8")
    (tmp_path / "ground_truth" / "python").mkdir(parents=True)
    truth = {"tuning_applied": True, "criteria": ["auto/hand-tuning", "hand-tuning"], "libraries": ["Optuna"],
             "hyperparameters": names, "lines_required": required, "lines_acceptable": [], "notes": ""}  # fmt: skip
    (tmp_path / "ground_truth" / "python" / "big.py.json").write_text(json.dumps(truth), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run(capsys, "dataset", "--truth", str(tmp_path / "ground_truth"), "-o", str(out),
                       "--max-file-tokens", "300", "--fractions", "0,0,1")  # fmt: skip
    assert code == 0, err
    chats = [json.loads(line)["messages"] for line in (out / "test.jsonl").read_text().splitlines()]
    assert len(chats) >= 3
    answers = [json.loads(chat[2]["content"]) for chat in chats]
    assert [line for a in answers for line in a["line_numbers"]] == required
    assert answers[0]["hyperparameters"] == ["lr", "gamma"] and answers[-1]["hyperparameters"] == ["tau"]
    assert any(not a["hyperparameter_tuning_applied"] for a in answers)  # a part of helpers only
    assert all("Part " in chat[1]["content"] for chat in chats)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["max_file_tokens"] == 300
    assert [p["line"] for p in manifest["files"][0]["conversations"]] == list(range(1, len(chats) + 1))

    # The review cuts the file the same way when the evaluation sends it (the manifest's size).
    openai_server.responder = verbatim(out, "test")
    code, text_out, err = run(
        capsys, "eval", "--truth", str(tmp_path / "ground_truth"), "--dataset", str(out), "--split", "test",
        "--llm", "only", "--llm-base-url", openai_server.url, "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    assert openai_server.count() == len(chats)
    scored = json.loads(text_out)["analyses"][1]["files"][0]
    assert (scored["precision"], scored["recall"], scored["hyperparameter_recall"]) == (1.0, 1.0, 1.0)
    assert scored["libraries_agree"] and scored["criteria_agree"]


# --------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "--truth", str(GROUND_TRUTH), "--split", "test"], "--split and --dataset go together"),
        (["eval", "--truth", str(GROUND_TRUTH), "--dataset", "{tmp}", "--split", "test"], "no dataset manifest"),
        (["dataset", "--truth", str(GROUND_TRUTH), "-o", "{tmp}/out", "--fractions", "0.5,0.5"], "--fractions"),
        (["dataset", "--truth", str(GROUND_TRUTH), "-o", "{tmp}/no/such/out"], "does not exist"),
        (["dataset", "--truth", "{tmp}/none", "-o", "{tmp}/out"], "truth folder not found"),
        (["dataset", "--truth", str(GROUND_TRUTH), "-o", "{tmp}/out", "--encoding", "r2d2"], "unknown encoding"),
        (
            [
                "eval",
                "--truth",
                str(GROUND_TRUTH),
                "--llm",
                "only",
                "--llm-model",
                "a",
                "--llm-model",
                "b",
                "--llm-model",
                "c",
                "--llm-base-url",
                "http://127.0.0.1:9/v1",
                "--llm-base-url",
                "http://127.0.0.1:9/v1",
            ],
            "give one for all, or one per model",
        ),  # fmt: skip
    ],
)
def test_usage_errors_say_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, *(arg.replace("{tmp}", str(tmp_path)) for arg in argv))
    assert code == 2 and message in err, err
