"""`hptlens scan --llm` and `hptlens eval --llm` in-process against the loopback test openai_server.

The eval test prepares the server's answers from the ground truth ("the model returns
the required lines plus one wrong line"), so the side-by-side table shows real
differences between the static analysis, the model alone and the merged review.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import LlmEnvironment
from hptlens.cli import main
from support.fake_openai import ChatRequest, FakeOpenAI, Reply
from support.paths import ROOT

KEY = "sk-cli-test-0c1d2e3f4a5b6c7d8e9f"

TUNE = """import optuna
import random


def objective(trial):
    lr = trial.suggest_float("lr", 1e-5, 1e-2, log=True)
    clip = random.choice([0.1, 0.2])
    return lr * clip


study = optuna.create_study()
study.optimize(objective, n_trials=20)
"""


@pytest.fixture(autouse=True)
def environment(llm_environment: LlmEnvironment) -> None:
    llm_environment(KEY, attempts=2, cache=True)


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "tune.py").write_text(TUNE, encoding="utf-8")
    (tmp_path / "src" / "plain.py").write_text("print('hello')\n", encoding="utf-8")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def reviewer(request: ChatRequest) -> Reply:
    """Confirms every static finding and adds the `clip = random.choice(...)` line."""
    additions = [
        {
            "line": n,
            "kind": "hand-loop",
            "category": "hand-tuning",
            "library": "",
            "method": "grid",
            "hyperparameters": ["clip"],
            "explanation": "",
            "confidence": 0.6,
        }
        for n, text in request.source_lines.items()
        if text.strip().startswith("clip =")
    ]
    return Reply.json(
        {
            "tuning_applied": bool(request.findings),
            "verdicts": [{"id": f, "verdict": "confirm", "reason": ""} for f in request.findings],
            "additions": additions,
        }
    )


# --------------------------------------------------------------------------- scan


def test_scan_llm_review_end_to_end(
    capsys: pytest.CaptureFixture[str], project: Path, openai_server: FakeOpenAI
) -> None:
    openai_server.responder = reviewer
    argv = [
        "scan",
        "src",
        "--llm",
        "review",
        "--llm-base-url",
        openai_server.url,
        "--llm-model",
        "test-model",
        "--format",
        "json",
        "-o",
        "report.json",
    ]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert openai_server.count() == 2 and openai_server.requests[0].body["model"] == "test-model"
    report = json.loads((project / "report.json").read_text(encoding="utf-8"))
    tune = next(f for f in report["files"] if f["path"] == "src/tune.py")
    sources = {f["range"]["start"]["line"]: f["source"] for f in tune["findings"]}
    assert sources[7] == "llm" and {s for n, s in sources.items() if n != 7} == {"both"}
    assert 7 in tune["line_numbers"] and tune["criteria"]["hand_tuning"]
    plain = next(f for f in report["files"] if f["path"] == "src/plain.py")
    assert plain["findings"] == [] and not plain["tuning_applied"]
    assert f"hptlens: LLM review: 2 file(s), model test-model at {openai_server.url}/" in err
    usage = re.search(
        r"LLM review: 2 file\(s\) reviewed, 0 without a usable answer; 2 request\(s\), 0 from cache; "
        r"tokens: (\d+) prompt \+ (\d+) completion = (\d+)",
        err,
    )
    assert usage is not None and int(usage[1]) > 0 and int(usage[3]) == int(usage[1]) + int(usage[2])

    # A second scan of unchanged files is answered by the cache: no request, no tokens.
    code, _, err = run(capsys, *argv)
    assert code == 0 and openai_server.count() == 2
    assert "2 request(s)" not in err and "0 request(s), 2 from cache; tokens: 0 prompt + 0 completion = 0" in err
    assert json.loads((project / "report.json").read_text(encoding="utf-8")) == report

    code, _, err = run(capsys, *argv, "--no-cache")
    assert code == 0 and openai_server.count() == 4 and "(no cache)" in err


def test_scan_llm_only_text_output(
    capsys: pytest.CaptureFixture[str], project: Path, openai_server: FakeOpenAI
) -> None:
    openai_server.responder = lambda r: Reply.json(
        {
            "filename": r.path,
            "language": "Python",
            "environment": "",
            "technique": "",
            "hyperparameter_tuning_applied": r.path.endswith("tune.py"),
            "line_numbers": [6, 12] if r.path.endswith("tune.py") else [1],
            "hyperparameters": ["lr"],
            "libraries": ["optuna"],
            "specific_criteria": ["auto/hand-tuning"],
        }
    )
    code, out, err = run(
        capsys, "scan", "src", "--llm", "only", "--llm-base-url", openai_server.url, "--format", "json"
    )
    assert code == 0, err
    files = {f["path"]: f for f in json.loads(out)["files"]}
    assert [(f["range"]["start"]["line"], f["source"]) for f in files["src/tune.py"]["findings"]] == [
        (6, "llm"),
        (12, "llm"),
    ]
    assert files["src/plain.py"]["findings"] == []
    assert "src/plain.py: LLM answer: 1 line(s) dropped because the model also said there is no tuning" in err


def test_scan_sends_nothing_without_the_flag(
    capsys: pytest.CaptureFixture[str], project: Path, openai_server: FakeOpenAI
) -> None:
    (project / "pyproject.toml").write_text(
        f'[tool.hptlens.llm]\nmode = "review"\nbase-url = "{openai_server.url}"\n', encoding="utf-8"
    )
    code, out, err = run(capsys, "scan", "src", "--format", "json")
    assert code == 0 and openai_server.count() == 0 and "LLM" not in err
    assert all(f["source"] == "static" for file in json.loads(out)["files"] for f in file["findings"])


def test_pyproject_llm_settings_apply_when_switched_on(
    capsys: pytest.CaptureFixture[str],
    project: Path,
    openai_server: FakeOpenAI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The project tunes how (parts, cache); only the user's config says where and to which model."""
    user = tmp_path / "user-config.toml"
    user.write_text(f'[llm]\nbase-url = "{openai_server.url}"\nmodel = "from-user-config"\n', encoding="utf-8")
    monkeypatch.setenv("HPTLENS_CONFIG", str(user))
    (project / "pyproject.toml").write_text(
        '[tool.hptlens.llm]\nbase-url = "http://127.0.0.1:9/v1"\nmodel = "from-pyproject"\nmax-file-tokens = 150\n'
        "cache = false\n",
        encoding="utf-8",
    )
    openai_server.responder = reviewer
    code, _, err = run(capsys, "scan", "src/tune.py", "--llm", "review")
    assert code == 0, err
    assert openai_server.count() == 1 and openai_server.requests[0].body["model"] == "from-user-config"
    assert "model from-user-config" in err and "(no cache)" in err
    assert "llm.base-url ignored: the endpoint, model and key variable come only from your own settings" in err
    assert "llm.model ignored" in err


def test_scan_without_a_key_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    code, out, err = run(capsys, "scan", "src", "--llm", "review")
    assert code == 2 and out == ""
    assert "hptlens: error: LLM analysis: no API key: the environment variable OPENAI_API_KEY is not set" in err


def test_scan_with_a_failing_endpoint_keeps_the_static_report_and_the_key_secret(
    capsys: pytest.CaptureFixture[str], project: Path, openai_server: FakeOpenAI
) -> None:
    openai_server.responder = lambda r: Reply(
        status=401, error=f"Incorrect API key provided: {r.headers['authorization']}"
    )
    code, out, err = run(
        capsys,
        "scan",
        "src",
        "--llm",
        "review",
        "--llm-base-url",
        openai_server.url,
        "--format",
        "json",
        "-o",
        "report.json",
    )
    assert code == 0
    written = (project / "report.json").read_text(encoding="utf-8")
    report = json.loads(written)
    tune = next(f for f in report["files"] if f["path"] == "src/tune.py")
    assert {f["source"] for f in tune["findings"]} == {"static"} and len(tune["findings"]) == 3
    assert (
        tune["errors"][0]["code"] == "llm-error" and "authentication failed (HTTP 401)" in tune["errors"][0]["message"]
    )
    assert "hptlens: warning: src/tune.py: LLM review failed: authentication failed (HTTP 401)" in err
    assert "2 without a usable answer" in err
    for text in (out, err, written, *(p.read_text(encoding="utf-8") for p in project.rglob("*") if p.is_file())):
        assert KEY not in text


def test_scan_rejects_a_bad_llm_mode(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    code, _, err = run(capsys, "scan", "src", "--llm", "everything")
    assert code == 2 and "invalid choice: 'everything'" in err


# --------------------------------------------------------------------------- eval


def _truths() -> dict[str, dict[str, Any]]:
    root = ROOT / "ground_truth"
    return {
        p.relative_to(root).as_posix()[: -len(".json")]: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(root.rglob("*.json"))
    }


def _global(request: ChatRequest, ref: int | str) -> int:
    if isinstance(ref, int):
        return ref
    cell, _, line = ref.partition(":")
    return request.cell_starts[int(cell)] + int(line) - 1


_PLAIN_STATEMENT = re.compile(r"^\s*[A-Za-z_][\w.\[\]\"']*\s*[:=]")


def prepared_answers(truths: dict[str, dict[str, Any]]) -> Any:
    """The test server's model: it knows the truth's required lines and adds one wrong line;
    on every third file without tuning it also mistakes something for tuning."""
    negatives = sorted(name for name, truth in truths.items() if not truth["tuning_applied"])
    fooled = set(negatives[::3])

    def answer(request: ChatRequest) -> Reply:
        name = max((n for n in truths if request.path.endswith(n)), key=len)
        truth = truths[name]
        fine = {_global(request, r) for r in truth["lines_required"] + truth["lines_acceptable"]}
        wrong = next(
            (n for n, text in sorted(request.source_lines.items()) if n not in fine and _PLAIN_STATEMENT.match(text)),
            None,
        )
        required = sorted(_global(request, r) for r in truth["lines_required"])
        tuning = truth["tuning_applied"] or name in fooled
        extra = [wrong] if wrong is not None and tuning else []
        if request.mode == "only":
            return Reply.json(
                {
                    "filename": request.path,
                    "language": "",
                    "environment": "",
                    "technique": "",
                    "hyperparameter_tuning_applied": tuning,
                    "line_numbers": required + extra,
                    "hyperparameters": truth["hyperparameters"],
                    "libraries": truth["libraries"],
                    "specific_criteria": truth["criteria"] or ["hand-tuning"],
                }
            )
        additions = [
            {
                "line": n,
                "kind": "hand-loop",
                "category": "hand-tuning",
                "library": "",
                "method": "",
                "hyperparameters": [],
                "explanation": "",
                "confidence": 0.5,
            }
            for n in extra
        ]
        return Reply.json(
            {
                "tuning_applied": tuning,
                "verdicts": [{"id": f, "verdict": "confirm", "reason": ""} for f in request.findings],
                "additions": additions,
            }
        )

    return answer


def test_eval_llm_both_prints_static_llm_and_merged_side_by_side(
    capsys: pytest.CaptureFixture[str], openai_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    truths = _truths()
    openai_server.responder = prepared_answers(truths)
    code, out, err = run(
        capsys,
        "eval",
        "--truth",
        "ground_truth",
        "--llm",
        "both",
        "--llm-base-url",
        openai_server.url,
        "--format",
        "json",
    )
    assert code == 0, err
    sent = openai_server.count()
    assert sent >= len(truths)  # every reviewable fixture, once per mode
    evaluation = json.loads(out)
    scores = {a["name"]: a["totals"] for a in evaluation["analyses"]}
    assert list(scores) == ["static", "llm", "merged"]
    static, llm, merged = scores["static"], scores["llm"], scores["merged"]
    assert static["files"] == llm["files"] == merged["files"] == len(truths)
    # The model alone: the required lines are there, but so are wrong ones and a few wrong verdicts.
    assert llm["line_recall"] >= 0.9 and llm["line_precision"] < static["line_precision"]
    assert llm["verdict"]["false_positive"] > 0
    # Merged: the model cannot delete static findings, so what static found stays; validation
    # drops the wrong lines that are plain constants, so fewer files are mistaken than by the model alone.
    assert merged["verdict"]["true_positive"] >= static["verdict"]["true_positive"]
    assert merged["verdict"]["false_positive"] < llm["verdict"]["false_positive"]
    assert merged["line_recall"] >= static["line_recall"] and merged["line_precision"] < static["line_precision"]
    assert "LLM only:" in err and "LLM review:" in err and "tokens:" in err

    # The text table, answered from the cache this time.
    code, out, err = run(
        capsys, "eval", "--truth", "ground_truth", "--llm", "both", "--llm-base-url", openai_server.url
    )
    assert code == 0 and openai_server.count() == sent
    totals = out[out.index("Totals") :]
    header = next(row for row in totals.split("\n") if "Metric" in row)
    assert re.search(r"Metric\W+static\W+llm\W+merged", header)
    row = next(r for r in totals.split("\n") if "line precision" in r)
    values = re.findall(r"\d\.\d\d", row)
    assert len(values) == 3 and values[0] == f"{static['line_precision']:.2f}"


def test_eval_llm_review_alone_has_static_and_merged(
    capsys: pytest.CaptureFixture[str], openai_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    openai_server.responder = prepared_answers(_truths())
    code, out, err = run(
        capsys,
        "eval",
        "--truth",
        "ground_truth",
        "fixtures/python/hand_grid_lr_cartpole.py",
        "--llm",
        "review",
        "--llm-base-url",
        openai_server.url,
        "--format",
        "json",
    )
    assert code == 0, err
    names = [a["name"] for a in json.loads(out)["analyses"]]
    assert names == ["static", "merged"] and openai_server.count() == 1


def test_eval_scores_a_saved_llm_answer_in_the_seed_layout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    truth = _truths()["python/hand_grid_lr_cartpole.py"]
    answer = {
        "examples": [
            {
                "filename": "fixtures/python/hand_grid_lr_cartpole.py",
                "language": "Python",
                "environment": "Python script",
                "technique": "grid search",
                "hyperparameter_tuning_applied": True,
                "line_numbers": [*truth["lines_required"], 14],
                "hyperparameters": ["lr"],
                "libraries": [],
                "specific_criteria": ["hand-tuning"],
            }
        ]
    }
    saved = tmp_path / "gpt35.json"
    saved.write_text(json.dumps(answer), encoding="utf-8")
    code, out, err = run(capsys, "eval", "--truth", "ground_truth", "--report", str(saved), "--format", "json")
    assert code == 0, err
    analysis = json.loads(out)["analyses"][0]
    assert analysis["name"] == "gpt35"
    scored = next(f for f in analysis["files"] if f["file"] == "python/hand_grid_lr_cartpole.py")
    assert scored["lines_found"] == len(truth["lines_required"]) and scored["unexpected_lines"] == [14]
    assert scored["verdict_correct"] and scored["hyperparameters_found"] == ["lr"]


def test_eval_llm_needs_a_scan(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    saved = tmp_path / "saved.json"
    saved.write_text('{"examples": []}', encoding="utf-8")
    code, _, err = run(capsys, "eval", "--truth", "ground_truth", "--report", str(saved), "--llm", "only")
    assert code == 2 and "--llm scores a fresh scan" in err
