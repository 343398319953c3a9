"""`hptlens dataset` over the shipped fixtures, and `hptlens eval --split` against a loopback endpoint.

The dataset is checked line by line against the chat format and the review's response schema,
its splits against the grouping rule, its Hugging Face folder by loading it with `datasets`;
then a real HTTP server on 127.0.0.1, reached through the real openai client, answers every
request whose (system, user) messages are a held-back conversation with that conversation's
assistant turn, and `hptlens eval --split test` must score it 1.00: the data and the scorer agree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import LlmEnvironment
from hptlens.cli import main
from hptlens.dataset.splits import SPLITS, assign
from hptlens.dataset.tokens import TokenCounter
from hptlens.llm.answers import SeedAnswer, parse_answer, strict_schema
from hptlens.llm.prompt import ONLY_SYSTEM
from support.fake_openai import ChatRequest, FakeOpenAI, Reply
from support.finetune import conversations, verbatim
from support.paths import GROUND_TRUTH

KEY = "sk-dataset-test-5e6f7a8b9c0d1e2f3a4b"


@pytest.fixture(autouse=True)
def environment(llm_environment: LlmEnvironment) -> None:
    llm_environment(KEY, attempts=2, cache=True)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def manifest(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`hptlens dataset --truth ground_truth -o DIR` once for the module."""
    folder = tmp_path_factory.mktemp("dataset") / "out"
    assert main(["dataset", "--truth", str(GROUND_TRUTH), "-o", str(folder), "--price-per-million", "25"]) == 0
    return folder


# --------------------------------------------------------------------------- the lines


def test_every_line_is_a_chat_conversation_whose_answer_fits_the_review_schema(dataset: Path) -> None:
    schema = strict_schema(SeedAnswer)
    counted = 0
    for split in SPLITS:
        for raw in (dataset / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            line = json.loads(raw)
            assert list(line) == ["messages"]
            chat = line["messages"]
            assert [m["role"] for m in chat] == ["system", "user", "assistant"]
            assert all(set(m) == {"role", "content"} and isinstance(m["content"], str) for m in chat)
            assert chat[0]["content"] == ONLY_SYSTEM
            assert chat[1]["content"].startswith("File: fixtures/")
            answer = json.loads(chat[2]["content"])
            jsonschema.validate(answer, schema)
            parsed, dropped = parse_answer(chat[2]["content"], SeedAnswer)
            assert dropped == 0 and parsed.model_dump(mode="json") == answer
            assert answer["hyperparameter_tuning_applied"] == bool(answer["line_numbers"])
            counted += 1
    files = manifest(dataset)["files"]
    assert counted == sum(len(f["conversations"]) for f in files) > 250


def test_the_prompt_names_fixtures_without_the_prefixes_that_give_their_label_away(dataset: Path) -> None:
    paths = {f["key"]: f["prompt_path"] for f in manifest(dataset)["files"]}
    assert paths["python/neg_seed_loop.py"] == "fixtures/python/seed_loop.py"
    assert paths["python/heldout_neg_bandit_arms.py"] == "fixtures/python/bandit_arms.py"
    assert paths["python/optuna_simple.py"] == "fixtures/python/optuna_simple.py"
    assert not any("neg_" in path.rsplit("/", 1)[1] for path in paths.values())


def test_answers_carry_the_truth(dataset: Path) -> None:
    files = {f["key"]: f for f in manifest(dataset)["files"]}
    entry = files["python/optuna_simple.py"]
    chat = conversations(dataset, entry["split"])[entry["conversations"][0]["line"] - 1]
    truth = json.loads((GROUND_TRUTH / "python/optuna_simple.py.json").read_text(encoding="utf-8"))
    answer = json.loads(chat[2]["content"])
    assert answer["hyperparameter_tuning_applied"] is True
    assert answer["line_numbers"] == sorted(truth["lines_required"])
    assert answer["hyperparameters"] == truth["hyperparameters"]
    assert answer["libraries"] == ["Optuna"] and answer["specific_criteria"] == ["auto/hand-tuning"]
    assert answer["filename"] == "fixtures/python/optuna_simple.py" and answer["language"] == "Python"
    # A notebook's "CELL:LINE" truth becomes lines of the code cells as the prompt numbers them.
    notebook = files["notebooks/optuna_ppo_cartpole.ipynb"]
    chat = conversations(dataset, notebook["split"])[notebook["conversations"][0]["line"] - 1]
    numbered = {
        int(row.split(" | ")[0]): row.split(" | ", 1)[1]
        for row in chat[1]["content"].split("\n")
        if " | " in row and row.split(" | ")[0].strip().isdigit()
    }
    lines = json.loads(chat[2]["content"])["line_numbers"]
    assert len(lines) == 9 and any("suggest" in numbered[n] for n in lines)


def test_shell_scripts_are_left_out_as_the_review_does_not_send_them(dataset: Path) -> None:
    excluded = {e["key"]: e["reason"] for e in manifest(dataset)["excluded"]}
    assert excluded["shell/neg_seed_loop.sh"] == "the LLM review does not send shell files"
    assert all(key.startswith("shell/") for key in excluded)


# --------------------------------------------------------------------------- splits


def test_no_fixture_family_lies_in_two_splits(dataset: Path) -> None:
    data = manifest(dataset)
    split_of: dict[str, set[str]] = {}
    for entry in data["files"]:
        split_of.setdefault(entry["group"], set()).add(entry["split"])
        assert data["groups"][entry["group"]] == entry["split"]
    assert all(len(splits) == 1 for splits in split_of.values())
    groups = {f["key"]: f["group"] for f in data["files"]}
    assert groups["python/dehb_configspace_ppo.py"] == groups["python/dehb_configspace_sb3.py"]
    hydra = {g for key, g in groups.items() if key.startswith("hydra/dehb_pendulum/")}
    assert hydra == {"fixture:hydra/dehb_pendulum"}
    counts = {split: sum(1 for f in data["files"] if f["split"] == split) for split in SPLITS}
    assert counts["train"] > counts["validation"] > 0 and counts["test"] > 0


def test_the_split_is_deterministic_and_the_output_byte_identical(dataset: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert main(["dataset", "--truth", str(GROUND_TRUTH), "-o", str(again), "--price-per-million", "25"]) == 0
    for name in [*(f"{s}.jsonl" for s in SPLITS), "manifest.json", "summary.json", "hf/README.md"]:
        assert (again / name).read_bytes() == (dataset / name).read_bytes(), name


def test_groups_are_assigned_whole_in_proportion() -> None:
    groups = {f"g{i}": 1 + i % 3 for i in range(60)}
    out = assign(groups, (0.8, 0.1, 0.1), "seed")
    sizes = {s: sum(n for g, n in groups.items() if out[g] == s) for s in SPLITS}
    total = sum(groups.values())
    assert abs(sizes["train"] - 0.8 * total) <= 3 and sizes["validation"] > 0 and sizes["test"] > 0
    assert assign(groups, (0.8, 0.1, 0.1), "seed") == out
    assert assign(groups, (0.8, 0.1, 0.1), "other") != out


# --------------------------------------------------------------------------- summary and HF folder


def test_summary_counts_real_tokens_and_the_cost_per_epoch(dataset: Path, capsys: pytest.CaptureFixture[str]) -> None:
    counter = TokenCounter("o200k_base")
    assert counter.count("hello world") == 2  # a real BPE, not characters / 4
    summary = json.loads((dataset / "summary.json").read_text(encoding="utf-8"))
    train = summary["splits"]["train"]
    chats = conversations(dataset, "train")
    assert train["conversations"] == len(chats)
    assert train["tokens"]["answer"] == sum(3 + counter.count(c[2]["content"]) for c in chats)
    assert train["total_tokens"] == train["tokens"]["prompt"] + train["tokens"]["answer"]
    assert summary["cost_per_epoch"] == pytest.approx(train["total_tokens"] * 25 / 1_000_000, abs=1e-4)
    assert train["tuning_files"] + train["negative_files"] == train["files"]
    assert set(train["languages"]) <= {"python", "notebook", "cpp", "yaml", "json"}


def test_the_hugging_face_folder_loads_with_datasets(dataset: Path) -> None:
    datasets = pytest.importorskip("datasets")
    loaded = datasets.load_dataset(str(dataset / "hf"), cache_dir=str(dataset / "hf-cache"))  # no shared cache
    for split in SPLITS:
        assert loaded[split].num_rows == len(conversations(dataset, split))
    row = loaded["test"][0]
    assert row["messages"] == conversations(dataset, "test")[0]
    assert {"file", "source", "group", "language", "part", "parts", "tuning_applied"} <= set(row)
    card = (dataset / "hf" / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n") and "path: data/test.jsonl" in card and "hpt_seed_layout" in card


# --------------------------------------------------------------------------- eval --split


def test_the_test_conversations_answered_verbatim_score_one(
    dataset: Path, openai_server: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    openai_server.responder = verbatim(dataset, "test")
    code, out, err = run(
        capsys, "eval", "--truth", str(GROUND_TRUTH), "--dataset", str(dataset), "--split", "test",
        "--llm", "only", "--llm-model", "fine-tuned", "--llm-base-url", openai_server.url, "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    test_files = [f for f in manifest(dataset)["files"] if f["split"] == "test"]
    assert openai_server.count() == sum(len(f["conversations"]) for f in test_files)
    result = json.loads(out)
    names = [a["name"] for a in result["analyses"]]
    assert names == ["static", "llm"]
    llm = result["analyses"][1]
    totals = llm["totals"]
    assert totals["files"] == len(test_files) and totals["missing_reports"] == 0
    for metric in ("verdict_accuracy", "line_precision", "line_recall", "line_f1", "criteria_agreement"):
        assert totals[metric] == 1.0, metric
    problems = {f["key"]: f["problems"] for f in test_files}
    for scored in llm["files"]:
        if not any("not written in the code" in p for p in problems[scored["file"]]):
            assert scored["hyperparameter_recall"] == 1.0, scored["file"]
    # the only warnings allowed: truth names the review drops as not in the code (listed above)
    flagged = {f for f, found in problems.items() if any("not written in the code" in p for p in found)}
    warned = [line for line in err.splitlines() if "warning" in line]
    assert all(any(f in line for f in flagged) and "not in the source" in line for line in warned), warned


def test_two_models_side_by_side_with_the_static_analysis(
    dataset: Path, openai_server: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    fine_tuned = verbatim(dataset, "test")

    def respond(request: ChatRequest) -> Reply:
        if request.body.get("model") == "fine-tuned":
            return fine_tuned(request)
        return Reply.json(
            {"hyperparameter_tuning_applied": False, "line_numbers": []}
        )  # a base model that finds nothing

    openai_server.responder = respond
    code, out, err = run(
        capsys, "eval", "--truth", str(GROUND_TRUTH), "--dataset", str(dataset), "--split", "test",
        "--llm", "only", "--llm-model", "base", "--llm-model", "fine-tuned", "--llm-base-url", openai_server.url,
    )  # fmt: skip
    assert code == 0, err
    totals = out[out.index("Totals") :]
    header = next(line for line in totals.splitlines() if "Metric" in line)
    assert header.index("static") < header.index("llm:base") < header.index("llm:fine-tuned")
    accuracy = next(line for line in totals.splitlines() if "verdict accuracy" in line)
    assert accuracy.rstrip(" │|").endswith("1.00")
