"""C++ analysis: fixture verdicts and lines, search spaces, precision rules, suppression, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hptlens.analysis import analyze
from hptlens.analysis.cpp import analyze_cpp, literal, normalized, parse
from hptlens.documents import Document
from hptlens.report import FileReport, FindingKind, Language, report_json
from hptlens.settings import Settings
from hptlens.truth import load_truth
from support.paths import FIXTURES as ALL_FIXTURES
from support.paths import GROUND_TRUTH

FIXTURES = ALL_FIXTURES / "cpp"
TRUTH = GROUND_TRUTH / "cpp"
CPP_FIXTURES = sorted(p for p in FIXTURES.iterdir() if p.is_file())


def run(source: str, path: str = "example.cpp", settings: Settings | None = None) -> FileReport:
    return analyze(Document.from_text(path, source), settings)


def space_of(report: FileReport, name: str) -> dict:
    """The richest space reported for `name` (a site merges its findings' spaces)."""
    for site in report.sites:
        for hp in site.hyperparameters:
            if hp.name == name and hp.space is not None:
                return hp.space.model_dump(exclude_defaults=True)
    raise AssertionError(f"no search space for {name}: {[f.message for f in report.findings]}")


def lines(report: FileReport) -> list[int]:
    return sorted({f.range.start.line for f in report.findings})


def spanned_lines(report: FileReport) -> list[int]:
    """Every line the findings span: a multi-line statement counts on each of its lines, as eval counts."""
    return sorted({line for f in report.findings for line in range(f.range.start.line, f.range.end.line + 1)})


# ---- fixtures ----------------------------------------------------------------------------------


def test_fixture_set_is_large_enough() -> None:
    truths = [load_truth(TRUTH / (p.name + ".json")) for p in CPP_FIXTURES]
    assert len(truths) >= 8
    assert sum(not t.tuning_applied for t in truths) >= 4
    assert {p.suffix for p in CPP_FIXTURES} >= {".cpp", ".hpp", ".h", ".cc", ".cxx"}


@pytest.mark.parametrize("fixture", CPP_FIXTURES, ids=lambda p: p.name)
def test_fixture_matches_ground_truth(fixture: Path) -> None:
    truth = load_truth(TRUTH / (fixture.name + ".json"))
    report = run(fixture.read_text(encoding="utf-8"), f"fixtures/cpp/{fixture.name}")
    assert report.language == Language.CPP
    assert report.tuning_applied == truth.tuning_applied
    if not truth.tuning_applied:
        assert report.findings == [] and report.sites == []
        return
    found = set(spanned_lines(report))
    assert set(truth.lines_required) <= found, f"missing {sorted(set(truth.lines_required) - found)}"
    assert found <= set(truth.lines_required) | set(truth.lines_acceptable), "unexpected lines"
    assert set(truth.hyperparameters) <= set(report.hyperparameters)
    assert report.libraries == sorted(truth.libraries)
    assert set(report.criteria.names()) == {str(c.value if hasattr(c, "value") else c) for c in truth.criteria}


# ---- search spaces -----------------------------------------------------------------------------


def test_grid_values_from_a_vector_declared_apart() -> None:
    report = run((FIXTURES / "grid_lr_libtorch_dqn.cpp").read_text())
    assert space_of(report, "lr") == {"type": "grid", "values": [1e-4, 5e-4, 1e-3]}
    assert report.sites[0].summary == "hand-written grid over lr (3 values)"


def test_index_loops_over_c_arrays_are_a_nested_grid() -> None:
    report = run((FIXTURES / "nested_grid_gamma_batch.cpp").read_text())
    assert space_of(report, "gamma")["values"] == [0.95, 0.98, 0.99]
    assert space_of(report, "batch_size")["values"] == [32, 64, 128]
    assert [f.kind for f in report.findings].count(FindingKind.HAND_LOOP) == 2
    assert len(report.sites) == 1


def test_random_search_spaces() -> None:
    report = run((FIXTURES / "random_search_ppo.cpp").read_text())
    assert space_of(report, "lr") == {
        "type": "float",
        "low": 1e-5,
        "high": 1e-3,
        "log": True,
        "distribution": "std::uniform_real_distribution",
    }
    assert space_of(report, "clip_param")["low"] == 0.1 and space_of(report, "clip_param")["high"] == 0.3
    assert space_of(report, "num_epochs")["type"] == "int"
    assert space_of(report, "batch_size") == {
        "type": "categorical",
        "choices": [32, 64, 128, 256],
        "distribution": "std::uniform_int_distribution",
    }
    assert "action_noise" not in report.hyperparameters  # sampled per rollout step: exploration noise


def test_mlpack_tuner_grid_skips_fixed_arguments() -> None:
    report = run((FIXTURES / "mlpack_hpt_lars_value.cpp").read_text())
    assert report.hyperparameters == ["lambda1Grid", "lambda2Grid"]
    assert space_of(report, "lambda1Grid") == {"type": "grid", "values": [0.0, 0.001, 0.01, 0.1]}
    assert report.sites[0].method == "grid search"
    assert report.criteria.names() == ["auto/hand-tuning"]


def test_mlpack_optimizer_template_argument_sets_the_method() -> None:
    source = """#include <mlpack.hpp>
void tune(const arma::mat& X, const arma::Row<size_t>& y) {
  mlpack::HyperParameterTuner<mlpack::LogisticRegression<>, mlpack::Accuracy, mlpack::SimpleCV,
                              ens::GradientDescent> hpt(0.2, X, y);
  double lambda;
  std::tie(lambda) = hpt.Optimize(0.5);
  auto [stepSize] = other.Optimize<ens::GridSearch>(std::vector<double>{0.1, 0.01});
}
"""
    report = run(source)
    assert report.criteria.auto_tuning and report.libraries == ["mlpack"]
    methods = {f.method for f in report.findings if f.kind == FindingKind.SEARCH_RUN}
    assert methods == {"gradient descent"}  # `other` is not a tuner: its Optimize is not matched
    assert "lambda" in report.hyperparameters


def test_dlib_bounds_integer_flags_and_budget() -> None:
    source = """#include <dlib/global_optimization.h>
int main() {
  dlib::thread_pool pool(4);
  const dlib::matrix<double, 0, 1> lower = {1e-5, 16}, upper = {1e-2, 256};
  auto best = dlib::find_max_global(pool, [&](double learning_rate, double batch_size) {
    return train(learning_rate, static_cast<int>(batch_size));
  }, lower, upper, std::vector<bool>{false, true}, dlib::max_function_calls(30));
}
"""
    report = run(source)
    assert report.libraries == ["dlib"] and report.criteria.auto_tuning and report.criteria.auto_hand_tuning
    assert space_of(report, "learning_rate") == {"type": "float", "low": 1e-5, "high": 1e-2}
    assert space_of(report, "batch_size") == {"type": "int", "low": 16, "high": 256}
    assert report.sites[0].budget == "30 function calls"
    assert lines(report) == [4, 5]


def test_dlib_vector_objective_names_come_from_its_elements() -> None:
    source = """#include <dlib/global_optimization.h>
using namespace dlib;
auto r = find_min_global([](const matrix<double, 0, 1>& x) {
  const double lr = x(0);
  config.gamma = x(1);
  return run(lr, config);
}, {1e-5, 0.9}, {1e-2, 0.999}, max_function_calls(20));
"""
    report = run(source)
    assert report.hyperparameters == ["gamma", "lr"]
    assert space_of(report, "gamma") == {"type": "float", "low": 0.9, "high": 0.999}


def test_counter_sweep_and_structured_binding_in_a_header() -> None:
    report = run((FIXTURES / "ddpg_sweep.hpp").read_text(), "include/ddpg_sweep.hpp")
    assert report.language == Language.CPP
    assert space_of(report, "batch_size")["values"] == [64, 128, 256]
    assert space_of(report, "actor_lr")["values"] == [1e-4, 3e-4, 1e-3]
    assert space_of(report, "tau")["values"] == [0.005, 0.005, 0.01]  # zipped with actor_lr


@pytest.mark.parametrize("suffix", [".h", ".hpp", ".hh", ".cc", ".cxx"])
def test_headers_and_other_suffixes_are_cpp(suffix: str) -> None:
    report = run(
        "inline void sweep() {\n  for (double gamma : {0.9, 0.99}) { train(gamma); }\n}\n", f"include/sweep{suffix}"
    )
    assert report.language == Language.CPP and report.tuning_applied and lines(report) == [2]


def test_designated_initializer_configs() -> None:
    report = run((FIXTURES / "a2c_config_list.cc").read_text())
    assert space_of(report, "ent_coef")["values"] == [0.01, 0.0, 0.02]
    assert set(report.hyperparameters) == {"lr", "gamma", "ent_coef", "n_steps"}


def test_random_search_in_a_sampler_called_from_the_trial_loop() -> None:
    source = """#include <random>
#include <cmath>
Config sample(std::mt19937& rng) {
  std::uniform_real_distribution<double> log_lr(std::log(1e-5), std::log(1e-2));
  Config c;
  c.learning_rate = std::exp(log_lr(rng));
  c.use_sde = std::bernoulli_distribution(0.5)(rng);
  return c;
}
int main() {
  std::mt19937 rng(0);
  for (int t = 0; t < 3; ++t) {}
  for (int i = 0; i < kTrials; ++i) { run(sample(rng)); }
}
"""
    report = run(source)
    assert lines(report) == [4, 6, 7, 13]  # not the `t` loop on line 12
    assert space_of(report, "learning_rate") == {
        "type": "float",
        "low": 1e-5,
        "high": 1e-2,
        "log": True,
        "distribution": "std::uniform_real_distribution",
    }
    assert space_of(report, "use_sde")["choices"] == [False, True]
    assert len(report.sites) == 1


def test_index_loop_through_a_setter_and_a_plural_array() -> None:
    source = """void f(Agent& agent) {
  static constexpr float kLearningRates[] = {1e-3f, 3e-4f};
  for (int i = 0; i < 2; ++i) { agent.set_learning_rate(kLearningRates[i]); agent.learn(); }
  const double kTaus[] = {0.005, 0.01};
  for (int i = 0; i < 2; ++i) { train(kTaus[i]); }
}
"""
    report = run(source)
    assert report.hyperparameters == ["learning_rate", "tau"]
    assert lines(report) == [2, 3, 4, 5]


# ---- precision: not tuning ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        # fixed const hyperparameters and an epsilon decay over episodes
        "constexpr double kLr = 1e-3;\nvoid f() { double epsilon = 1.0;\n"
        "  for (int episode = 0; episode < 500; ++episode) { epsilon = std::max(0.05, epsilon * 0.99); } }\n",
        # a for loop whose counter decays epsilon: hundreds of values, a schedule
        "void f() { for (double epsilon = 1.0; epsilon > 0.01; epsilon *= 0.995) { run_episode(epsilon); } }\n",
        # seeds and environments
        "void f() { for (int seed : {0, 1, 2}) { torch::manual_seed(seed); train(3e-4); } }\n",
        'void f() { for (const auto& env_id : {"CartPole-v1", "Acrobot-v1"}) { train(env_id); } }\n',
        # one value is a setting, and a repeated value is not a grid
        "void f() { for (double lr : {1e-3}) { train(lr); } }\n",
        "void f() { for (int hidden_size : {128, 128}) { add_layer(hidden_size); } }\n",
        # replay batch sampling and per-step noise bound to hyperparameter-like names
        "void f(std::mt19937& g) { std::uniform_int_distribution<size_t> d(0, 99);\n"
        "  for (int64_t i = 0; i < batch_size; ++i) { const size_t tau = d(g); use(tau); } }\n",
        "void f(std::mt19937& g) { std::normal_distribution<double> n(0, 1);\n"
        "  for (int step = 0; step < 1000; ++step) { const double action_noise = n(g); act(action_noise); } }\n",
        # epsilon-greedy: the draw is compared, not bound
        "void f(std::mt19937& g) { std::uniform_real_distribution<double> coin(0, 1);\n"
        "  for (int t = 0; t < 10; ++t) { if (coin(g) < epsilon) { explore(); } } }\n",
        # stacking layers from a list of widths
        "void f() { int64_t in = 4; const std::vector<int64_t> layer_sizes = {128, 64};\n"
        "  for (size_t i = 0; i < layer_sizes.size(); ++i) { add(in, layer_sizes[i]); in = layer_sizes[i]; } }\n",
        # dlib over a test function
        "#include <dlib/global_optimization.h>\ndouble f(double x, double y);\n"
        "auto r = dlib::find_min_global(f, {-1.0, -1.0}, {1.0, 1.0}, dlib::max_function_calls(50));\n",
        # an mlpack-like name without mlpack
        "void f() { auto r = tuner.Optimize(lambdas); }\n",
    ],
    ids=[
        "const-and-epsilon",
        "epsilon-counter",
        "seeds",
        "envs",
        "single-value",
        "repeated-value",
        "batch-sampling",
        "step-noise",
        "epsilon-greedy",
        "layer-widths",
        "dlib-test-function",
        "no-mlpack",
    ],
)
def test_not_tuning(source: str) -> None:
    report = run(source)
    assert not report.tuning_applied, [f.message for f in report.findings]
    assert report.findings == []


# ---- suppression, settings, determinism --------------------------------------------------------

GRID = """void f() {
  const std::vector<double> lrs = {1e-3, 3e-4};
  for (double lr : lrs) {  // hpt: ignore[hand-loop]
    train(lr);
  }
}
"""


def test_suppression_comment_for_one_kind() -> None:
    report = run(GRID)
    assert lines(report) == [2]
    assert [f.kind for f in report.findings] == [FindingKind.SEARCH_SPACE]


def test_suppression_comment_for_all_kinds_and_block_comments() -> None:
    assert not run(
        GRID.replace("// hpt: ignore[hand-loop]", "// hpt: ignore").replace(
            "= {1e-3, 3e-4};", "= {1e-3, 3e-4};  /* hpt: ignore */"
        )
    ).tuning_applied
    assert not run("// hpt: ignore-file\n" + GRID).tuning_applied
    assert run(GRID.replace("// hpt: ignore[hand-loop]", "# hpt: ignore")).findings  # not a C++ comment


def test_enabled_kinds_setting_filters() -> None:
    report = run(GRID.replace("  // hpt: ignore[hand-loop]", ""), settings=Settings(enabled_kinds=["hand-loop"]))
    assert [f.kind for f in report.findings] == [FindingKind.HAND_LOOP]


def test_report_is_deterministic() -> None:
    source = (FIXTURES / "random_search_ppo.cpp").read_text()
    first, second = run(source), run(source)
    assert first.model_dump_json() == second.model_dump_json()
    assert json.loads(first.model_dump_json())["language"] == "cpp"


def test_rl_context_of_a_cpp_file() -> None:
    report = run((FIXTURES / "dlib_find_min_global_sac.cpp").read_text())
    assert report.rl_context.frameworks == ["LibTorch", "dlib"]


# ---- bad input ---------------------------------------------------------------------------------


def test_syntax_error_gives_partial_results() -> None:
    report = run((FIXTURES / "syntax_error_partial.cpp").read_text(), "fixtures/cpp/syntax_error_partial.cpp")
    assert report.tuning_applied and lines(report) == [13, 16]
    assert [e.code for e in report.errors] == ["syntax-error"]
    assert report.errors[0].line == 8


def test_unterminated_block_keeps_earlier_findings() -> None:
    report = run("void f() {\n  for (double gamma : {0.9, 0.99}) { train(gamma); }\n  int x = (;\n")
    assert lines(report) == [2] and report.errors and report.errors[0].code == "syntax-error"


@pytest.mark.parametrize("source", ["", "\n\n", "   \t  ", "// only a comment\n"])
def test_empty_files(source: str) -> None:
    report = run(source)
    assert not report.tuning_applied and report.findings == [] and report.errors == []


def test_deeply_nested_code() -> None:
    depth = 200
    source = "int main() {\n" + "for (double lr : {0.1, 0.2}) {\n" * depth + "train(lr);\n" + "}\n" * depth + "}\n"
    report = run(source)
    assert report.errors == [] and len(lines(report)) == depth
    brackets = "int x = " + "(" * 3000 + "1" + ")" * 3000 + ";\nauto v = " + "{" * 3000 + "1" + "}" * 3000 + ";\n"
    report = run(brackets + "void f() { for (double lr : v) { train(lr); } }\n")
    assert all(e.code == "syntax-error" for e in report.errors)  # no internal error
    assert not report.tuning_applied


def test_binary_like_and_odd_text_never_crash() -> None:
    for source in [
        "\x00\x01\x02 for (",
        "for (double lr : {0.1, 0.2}) {}\r\n" * 3,
        "\ufeffint main() {}",
        'void f() { for (double lr : {1e-3, 3e-4}) { log("λ → ü"); } }  // ünïcode',
    ]:
        report = run(source)
        assert not any(e.code == "internal-error" for e in report.errors)
    report = run('void f() { const char* s = "λλλ"; for (double lr : {1e-3, 3e-4}) {} }\n')
    assert report.findings[0].range.start.column == 35  # code points, not UTF-8 bytes (38)


def test_analyze_cpp_directly_and_literals() -> None:
    report = analyze_cpp(Document.from_text("x.cpp", "int main() { return 0; }\n"), Settings())
    assert report.lines == 2 and not report.tuning_applied  # as Python counts
    tree = parse(b'auto v = {1e-3f, 64u, 1\'000, 0x10, -5.0, true, "adam", 2 * 3};')
    values = tree.root_node.children[0].child_by_field_name("declarator").child_by_field_name("value")
    assert literal(values) == [0.001, 64, 1000, 16, -5.0, True, "adam", 6]
    assert [normalized(n) for n in ("kLearningRate", "batchSize", "m_gamma", "lr_", "setTau")] == [
        "learning_rate",
        "batch_size",
        "gamma",
        "lr",
        "tau",
    ]


def test_report_json_of_a_cpp_scan_is_valid() -> None:
    from hptlens.report import build_report

    reports = [run(p.read_text(), f"fixtures/cpp/{p.name}") for p in CPP_FIXTURES]
    data = json.loads(report_json(build_report(reports)))
    assert data["summary"]["files"] == len(CPP_FIXTURES)
    expected: dict[str, int] = {}
    for path in CPP_FIXTURES:
        for library in load_truth(TRUTH / f"{path.name}.json").libraries:
            expected[library] = expected.get(library, 0) + 1
    assert data["summary"]["by_library"] == expected
