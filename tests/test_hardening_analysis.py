"""Regressions for inputs that crashed the analysis (issue 11, items 1, 2 and 6).

Native crashes are run in a fresh interpreter: a segfault there fails one test, not the run.
"""

from __future__ import annotations

import json

import pytest
from lsprotocol import types as lsp

from hptlens.analysis import analyze
from hptlens.analysis.pyfile import MAX_INDENT_LEVELS, indent_levels
from hptlens.documents import Document, read_notebook, replace_surrogates
from hptlens.lsp import convert
from hptlens.lsp.convert import Layout, Part, split_lines
from hptlens.report import build_report, report_json
from support.hostile import HOSTILE_FILES, OPTUNA, deep_defs, deep_notebook, notebook, run_isolated


def _analyze(path: str, text: str):  # type: ignore[no-untyped-def]
    return analyze(Document.from_text(path, text))


# --------------------------------------------------------------------------- item 1: surrogates


def test_a_lone_surrogate_is_replaced_with_positions_kept() -> None:
    text = OPTUNA.replace('"lr"', '"l\ud800r"')
    report = _analyze("tune.py", text)
    clean = _analyze("tune.py", OPTUNA.replace('"lr"', '"l\ufffdr"'))
    assert [f.range for f in report.findings] == [f.range for f in clean.findings] and report.findings
    assert report.errors[0].code == "decode-error" and report.errors[0].line == 5
    assert "replaced by U+FFFD" in report.errors[0].message
    report_json(build_report([report]))  # serialisable


def test_replacing_surrogates_keeps_every_unit_of_position() -> None:
    text = "a\ud800b\n\udfffc"
    cleaned, count, first = replace_surrogates(text)
    assert (cleaned, count, first) == ("a\ufffdb\n\ufffdc", 2, 1)
    assert len(cleaned) == len(text)
    assert len(cleaned.encode("utf-16-le")) == len(text.encode("utf-16-le", "surrogatepass"))
    assert len(cleaned.encode("utf-8")) == len(text.encode("utf-8", "surrogatepass"))


def test_a_surrogate_from_a_notebook_json_escape_is_reported_in_its_cell() -> None:
    raw = notebook("x = 1\n", OPTUNA.replace('"lr"', '"lr\ud800"'))
    assert "\\ud800" in raw
    report = analyze(read_notebook("nb.ipynb", raw))
    assert report.findings and all(f.cell == 1 for f in report.findings)
    warning = next(e for e in report.errors if e.code == "decode-error")
    assert (warning.cell, warning.line) == (1, 5)


def test_the_surrogate_crash_does_not_kill_the_interpreter() -> None:
    result = run_isolated(
        "from hptlens.analysis import analyze\nfrom hptlens.documents import Document\n"
        f"r = analyze(Document.from_text('a.py', {OPTUNA.replace('lr', 'l' + chr(0xD800) + 'r')!r}))\n"
        "print(len(r.findings), [e.code for e in r.errors])"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] != "0" and "internal-error" not in result.stdout


# --------------------------------------------------------------------------- item 1: deep nesting


@pytest.mark.parametrize("indent", [" ", "\t"])
def test_deeply_nested_defs_are_refused_before_the_parser_overruns(indent: str) -> None:
    result = run_isolated(
        "from hptlens.analysis import analyze\nfrom hptlens.documents import Document\n"
        f"r = analyze(Document.from_text('a.py', {deep_defs(600, indent)!r}))\n"
        "print([e.code for e in r.errors])"
    )
    assert result.returncode == 0, result.stderr
    assert "too-deep" in result.stdout


def test_nesting_below_the_limit_is_analysed() -> None:
    report = _analyze("a.py", deep_defs(300))
    assert report.findings and not report.errors


def test_indent_levels_count_as_the_scanner_does() -> None:
    assert indent_levels(b"a\n b\n  c\n b\n\n   d\n") == 2
    assert indent_levels(b"a\n b\n  c\n   d\n") == 3
    assert indent_levels(b"\tx\n         y\n") == 2  # tab = 8 columns, then 9
    assert indent_levels(deep_defs(MAX_INDENT_LEVELS + 5).encode()) > MAX_INDENT_LEVELS


# --------------------------------------------------------------------------- item 2: numbers


@pytest.mark.parametrize(
    "bound",
    [
        str(10**400),
        "9" * 5000,
        "10 ** 400",
        "1e999",
        "0 ** -1",
        "(-8) ** 0.5",
        "10 ** 400 * 10 ** 400 * 10 ** 400 * 10 ** 400",
    ],
)
def test_numbers_no_float_holds_keep_the_findings(bound: str) -> None:
    text = f"import optuna\ndef objective(trial):\n    n = trial.suggest_int('n', 1, {bound})\n"
    report = _analyze("a.py", text)
    assert [f.kind for f in report.findings] == ["search-space"] and not report.errors
    assert report.findings[0].hyperparameters[0].space.high is None
    json.loads(report_json(build_report([report])))


def test_huge_integers_in_choices_are_kept_as_text() -> None:
    text = (
        f"import optuna\ndef objective(trial):\n    n = trial.suggest_categorical('n', [1, {10**30}, {'7' * 5000}])\n"
    )
    report = _analyze("a.py", text)
    choices = report.findings[0].hyperparameters[0].space.choices
    assert choices[0] == 1 and choices[1] == str(10**30) and isinstance(choices[2], str)


def test_zero_to_a_negative_power_in_a_sampled_exponent() -> None:
    text = "import random\nfor trial in range(20):\n    lr = 0 ** random.uniform(-4, -1)\n    train(lr=lr)\n"
    report = _analyze("a.py", text)
    assert not [e for e in report.errors if e.code == "internal-error"]


def test_a_tiny_step_does_not_crash_the_hover() -> None:
    text = "import optuna\ndef objective(trial):\n    n = trial.suggest_int('n', 5, 30, step=5e-324)\n"
    report = _analyze("a.py", text)
    layout = Layout({None: Part("file:///a.py", split_lines(text))}, "utf-16")
    hover = convert.hover(report, layout, "file:///a.py", lsp.Position(line=2, character=8))
    assert hover is not None and "| – |" in hover.contents.value  # type: ignore[union-attr]


def test_every_hostile_file_analyses_without_an_internal_error() -> None:
    for name, data in HOSTILE_FILES.items():
        if name.endswith(".ipynb"):
            continue  # notebooks: below and in the scan test
        result = run_isolated(
            "from hptlens.analysis import analyze\nfrom hptlens.documents import Document\n"
            f"r = analyze(Document.from_text({name!r}, {data.decode('utf-8', 'replace')!r}))\n"
            "print([e.code for e in r.errors])"
        )
        assert result.returncode == 0, (name, result.stderr)
        assert "internal-error" not in result.stdout, (name, result.stdout)


# --------------------------------------------------------------------------- item 6: deep notebooks


def test_a_deeply_nested_notebook_is_malformed_not_an_internal_error() -> None:
    report = analyze(Document(path="deep.ipynb", text=deep_notebook(), language="notebook"))  # type: ignore[arg-type]
    assert [e.code for e in report.errors] == ["malformed"]
    assert "nested too deeply" in report.errors[0].message


# --------------------------------------------------------------------------- item 4: line endings


@pytest.mark.parametrize("name", ["tune.py", "sweep.yaml"])
def test_lone_cr_crlf_and_lf_give_the_same_report(name: str) -> None:
    text = OPTUNA if name.endswith(".py") else HOSTILE_FILES["cr_only.yaml"].decode().replace("\r", "\n")
    reports = [_analyze(name, text.replace("\n", nl)) for nl in ("\n", "\r\n", "\r")]
    shapes = [[(f.kind, f.range) for f in r.findings] for r in reports]
    assert shapes[0] and shapes[0] == shapes[1] == shapes[2]
    assert all(not r.errors for r in reports)


def test_ranges_are_clamped_inside_the_document_and_cell() -> None:
    from hptlens.analysis import clamp_ranges
    from hptlens.documents import notebook_document
    from hptlens.report import Finding, Range

    document = notebook_document("nb.ipynb", [(0, "code", "x = 1\ny = 2"), (1, "code", "z")])
    report = _analyze("a.py", "")
    loop = {"kind": "hand-loop", "category": "hand-tuning", "library": "x", "message": "m"}
    report.findings = [
        Finding.model_validate({**loop, "cell": 0, "range": Range.of(2, 3, 9, 40)}),
        Finding.model_validate({**loop, "cell": 1, "range": Range.of(1, 2, 1, 1)}),
    ]
    clamp_ranges(report, document)
    assert report.findings[0].range == Range.of(2, 3, 2, 6)
    assert report.findings[1].range == Range.of(1, 2, 1, 2)


# --------------------------------------------------------------------------- C++ literals


@pytest.mark.parametrize(
    "bounds,base",
    [
        (f"({10**400}, -{10**400})", "10.0"),
        ("(-3.0, 1e999)", "10.0"),
        ("(300.0, 400.0)", "10.0"),
        ("(-3.0, -1.0)", "-8.0"),
        ("(1.0, 2.0)", "1e300"),
    ],
)
def test_cpp_bounds_no_float_holds_keep_the_findings(bounds: str, base: str) -> None:
    from pathlib import Path

    source = (Path(__file__).resolve().parents[1] / "fixtures" / "cpp" / "random_search_ppo.cpp").read_text()
    assert "log_lr(-5.0, -3.0)" in source and "std::pow(10.0" in source
    text = source.replace("log_lr(-5.0, -3.0)", f"log_lr{bounds}").replace("std::pow(10.0", f"std::pow({base}")
    report = _analyze("a.cpp", text)
    assert len(report.findings) == len(_analyze("a.cpp", source).findings) and not report.errors
    json.loads(report_json(build_report([report])))


def test_cpp_grids_with_huge_and_infinite_values() -> None:
    product = "*".join([str(10**400)] * 12)
    text = f"int main() {{\n  for (double lr : {{{product}, 2.0, 1e999, 5e-324}}) {{\n    train(lr);\n  }}\n}}\n"
    report = _analyze("a.cpp", text)
    assert not report.errors
    json.loads(report_json(build_report([report])))
    text = f"int main() {{\n  for (double lr = 1.0; lr < {10**400}; lr *= 10) {{\n    train(lr);\n  }}\n}}\n"
    assert not _analyze("a.cpp", text).errors
