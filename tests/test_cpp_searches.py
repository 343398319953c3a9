"""C++ searches found by dataflow and model selection in C++ ML libraries: names as C++ writes them,
nested grid levels, loops that set and score a hyperparameter, searches called from elsewhere,
OpenCV/Shark/Shogun/OpenNN model selection, genetic algorithms over hyperparameters."""

from __future__ import annotations

from hptlens.analysis import analyze
from hptlens.analysis.cpp import is_cpp_hyperparameter
from hptlens.analysis.cpp.file import singular
from hptlens.documents import Document
from hptlens.report import FileReport, FindingKind


def run(source: str, path: str = "example.cpp") -> FileReport:
    return analyze(Document.from_text(path, source))


def spanned(report: FileReport) -> list[int]:
    return sorted({line for f in report.findings for line in range(f.range.start.line, f.range.end.line + 1)})


def space_of(report: FileReport, name: str) -> dict:
    for finding in report.findings:
        for hp in finding.hyperparameters:
            if hp.name == name and hp.space is not None:
                return hp.space.model_dump(exclude_defaults=True)
    raise AssertionError(f"no space for {name}")


# ---- names -------------------------------------------------------------------------------------


def test_names_as_cpp_writes_them() -> None:
    assert all(
        is_cpp_hyperparameter(n)
        for n in (
            "C",
            "setC",
            "m_C",
            "eta",
            "init_eta",
            "neurons_number",
            "greedyEpsilon",
            "lambda_l2",
            "nu",
            "maxDepth",
        )
    )
    assert not any(is_cpp_hyperparameter(n) for n in ("c", "p", "k", "i", "new_state", "num_step"))
    assert singular("cRange") == "C" and singular("Cs") == "C"
    assert singular("gammaValues") == "gamma" and singular("lr_vec") == "lr"
    assert singular("learningRateValues") == "learning_rate"


def test_a_loop_in_a_lambda_reads_the_values_it_captures_and_setters_name_them() -> None:
    report = run("""#include "svm.hpp"
int main() {
  std::vector<double> cValues{0.1, 1.0, 10.0};
  auto search = [&]() {
    for (double c : cValues) {
      model.setC(c);
      double score = crossValidate(model, data, 5);
      if (score > best) best = score;
    }
  };
  search();
}
""")
    assert report.hyperparameters == ["C"]
    assert space_of(report, "C") == {"type": "grid", "values": [0.1, 1.0, 10.0]}
    assert spanned(report) == [3, 5]


def test_k_over_its_own_value_list_is_a_dimension_when_the_loop_trains() -> None:
    source = """int main() {
  const int kValues[] = {1, 3, 7};
  for (int k : kValues) {
    Knn knn(k);
    knn.fit(train);
  }
  for (int k : kValues) {
    std::cout << k << std::endl;
  }
}
"""
    report = run(source)
    assert report.hyperparameters == ["k"] and spanned(report) == [2, 3]


# ---- nested grid levels ------------------------------------------------------------------------


def test_a_level_nested_with_a_grid_is_a_dimension_when_it_reaches_the_same_call() -> None:
    report = run("""void grid(const std::vector<double>& alphas, const std::vector<double>& ks) {
  for (double alpha : alphas) {
    for (double k : ks) {
      results.push_back(score(run_detector(series, alpha, k)));
    }
    for (int rep = 0; rep < 3; ++rep) {
      repeat_timing(alpha);
    }
  }
}
""")
    assert report.hyperparameters == ["alpha", "k"]
    assert spanned(report) == [2, 3]  # the repetition loop is not a dimension


def test_perfectly_nested_float_counters_over_globals_are_a_grid() -> None:
    report = run("""double alpha, discount;
void sweep() {
  for (alpha = 0.1; alpha < 0.5; alpha += 0.1) {
    for (discount = 0.9; discount < 1.0; discount += 0.03) {
      run_sarsa(100);
    }
  }
}
""")
    assert report.hyperparameters == ["alpha", "discount"] and spanned(report) == [3, 4]


# ---- loops that set a hyperparameter, train and act on the result ----------------------------------


def test_struct_fields_set_from_counters_and_cross_validated() -> None:
    report = run("""#include "svm.h"
void grid(svm_problem* prob, svm_parameter* param) {
  double best = 0;
  for (int log2c = -5; log2c <= 15; log2c += 2) {
    param->C = pow(2.0, log2c);
    param->p = 0.1 * log2c;
    double acc = cross_validation(prob, param, 5);
    if (acc > best) best = acc;
  }
}
""")
    assert report.hyperparameters == ["C", "p"]  # p sits with C in the same parameter struct
    assert spanned(report) == [4, 5, 6]


def test_a_model_size_grown_over_epochs_is_a_search_a_decayed_rate_is_not() -> None:
    grown = run("""void select_neurons(Network& net, Trainer& trainer) {
  for (int epoch = 0; epoch < max_epochs; ++epoch) {
    neurons_number = minimum_neurons + epoch * increment;
    net.resize_hidden(neurons_number);
    const double error = trainer.train(net).validation_error;
    if (error < best_error) best_neurons = neurons_number;
  }
}
""")
    assert grown.hyperparameters == ["neurons_number"] and spanned(grown) == [2, 3, 4]
    decayed = run("""void fit(Model& model) {
  for (int epoch = 0; epoch < 100; ++epoch) {
    learning_rate *= 0.95;
    optimizer.set_lr(learning_rate);
    const double loss = train_epoch(model, optimizer);
    if (loss < best) save(model);
  }
}
""")
    assert not decayed.tuning_applied


def test_a_step_folded_into_arithmetic_is_not_a_setting() -> None:
    report = run("""void descend(Vec& w, const Data& data) {
  double alpha = 1.0;
  for (int halving = 0; halving < 20; ++halving) {
    const double trial_loss = evaluate_loss(w - alpha * grad, data);
    if (trial_loss < loss) break;
    alpha *= 0.5;
  }
}
""")
    assert not report.tuning_applied


def test_random_draws_per_trial_need_no_comparison() -> None:
    report = run("""#include <torch/torch.h>
int main() {
  for (int trial = 0; trial < 8; ++trial) {
    const double lr = std::pow(10.0, -4.0 + 2.0 * torch::rand({1}).item<double>());
    torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(lr));
    errors.push_back(train_and_evaluate(net, opt));
  }
}
""")
    loop = next(f for f in report.findings if f.kind == FindingKind.HAND_LOOP)
    assert loop.method == "random search" and report.hyperparameters == ["lr"] and spanned(report) == [3, 4]


def test_a_reference_parameter_is_named_by_what_the_callers_bind_to_it() -> None:
    report = run("""struct Settings { float eta; float momentum; };
static void refine(const Net& net, Settings& settings, float& value) {
  float best = evaluate(net, settings);
  for (int i = 0; i < 4; ++i) {
    value *= 2.0f;
    const float score = evaluate(net, settings);
    if (score <= best) { value /= 2.0f; break; }
    best = score;
  }
}
void tune(const Net& net, Settings& settings) {
  settings.eta = 0.001f;
  refine(net, settings, settings.eta);
  refine(net, settings, settings.momentum);
}
""")
    assert report.hyperparameters == ["eta", "momentum"]
    assert {4, 5, 12, 13, 14} <= set(spanned(report))


# ---- searches written elsewhere ----------------------------------------------------------------


def test_value_lists_handed_to_a_search_call_span_the_whole_call() -> None:
    report = run("""int main() {
  std::vector<double> alphas = {0.9, 0.95};
  std::vector<double> betas = {0.99, 0.999};
  auto ranked = grid_search_detector(
      series, alphas,
      betas);
}
""")
    assert report.hyperparameters == ["alpha", "beta"] and spanned(report) == [2, 3, 4, 5, 6]


def test_a_parameter_struct_handed_to_a_search_is_named_by_the_fields_read_back() -> None:
    report = run("""int main() {
  svm_parameter param = defaults();
  double rmse = grid_search(cv, &param, 5);
  printf("%g %g", param.C, param.gamma);
}
""")
    assert report.hyperparameters == ["C", "gamma"] and spanned(report) == [3]
    planner = run("""int main() {
  SearchConfig config;
  auto path = grid_search_path(map, start, goal, config);
}
""")
    assert not planner.tuning_applied


def test_candidate_configurations_handed_to_a_search() -> None:
    report = run("""auto report = GridSearchCv(folds, std::vector<Spec>{
    Spec{.max_depth = 3, .n_estimators = 100},
    Spec{.max_depth = 6, .n_estimators = 100}});
""")
    assert report.hyperparameters == ["max_depth"]  # n_estimators has one value: not searched
    assert spanned(report) == [1, 2, 3]


# ---- model selection in C++ libraries ----------------------------------------------------------


def test_opencv_train_auto_defaults_follow_the_svm_type_and_kernel() -> None:
    report = run("""#include <opencv2/ml.hpp>
void fit(cv::Ptr<cv::ml::TrainData> data) {
  auto svm = cv::ml::SVM::create();
  svm->setType(cv::ml::SVM::EPS_SVR);
  svm->setKernel(cv::ml::SVM::POLY);
  svm->trainAuto(data);
}
""")
    assert report.libraries == ["OpenCV"] and report.criteria.auto_tuning
    assert report.hyperparameters == ["C", "coef0", "degree", "gamma", "p"]
    assert not run("void f() { svm->trainAuto(data); }").tuning_applied  # no OpenCV in this file


def test_opencv_param_grids_are_the_space() -> None:
    report = run("""#include <opencv2/ml.hpp>
void fit() {
  cv::ml::ParamGrid c_grid(1, 1000, 10);
  svm->trainAuto(data, 5, c_grid, cv::ml::SVM::getDefaultGrid(cv::ml::SVM::GAMMA));
}
""")
    assert report.criteria.auto_hand_tuning and report.hyperparameters == ["C", "gamma"]
    assert space_of(report, "C") == {"type": "float", "low": 1.0, "high": 1000.0, "log": True}
    assert spanned(report) == [3, 4]


def test_shark_optimizers_tune_only_on_model_selection_objectives() -> None:
    tuned = run("""#include <shark/Algorithms/DirectSearch/GridSearch.h>
void select(CSvmTrainer<RealVector>& trainer) {
  CrossValidationError<KernelClassifier<RealVector>, unsigned int> cv(folds, &trainer, &model, &trainer, &loss);
  GridSearch grid;
  std::vector<double> lo(1), hi(1);
  std::vector<size_t> sections(1);
  // regularisation parameter C
  lo[0] = 0.1; hi[0] = 100.0; sections[0] = 7;
  grid.configure(lo, hi, sections);
  grid.step(cv);
}
""")
    assert tuned.libraries == ["Shark"] and tuned.criteria.auto_hand_tuning and tuned.hyperparameters == ["C"]
    assert spanned(tuned) == [4, 5, 6, 7, 8, 9, 10]
    benchmark = run("""#include <shark/Algorithms/DirectSearch/GridSearch.h>
void f() { benchmarks::Sphere sphere(2); GridSearch grid; grid.configure(2, -1, 1, 5); grid.step(sphere); }
""")
    assert not benchmark.tuning_applied


def test_shogun_parameter_nodes_with_values_and_the_model_selection() -> None:
    report = run("""#include <shogun/modelselection/GridSearchModelSelection.h>
void f() {
  auto* c = new CModelSelectionParameters("C1");
  c->build_values(-1.0, 3.0, R_EXP, 1.0, 10.0);
  auto* search = new CGridSearchModelSelection(cross, c);
  auto* best = search->select_model();
}
""")
    assert report.libraries == ["Shogun"] and report.hyperparameters == ["C1"]
    assert space_of(report, "C1") == {"type": "float", "low": 0.1, "high": 1000.0, "log": True}
    assert spanned(report) == [3, 4, 5, 6]


def test_opennn_neuron_selection_is_tuning_input_selection_is_not() -> None:
    neurons = run("""#include "opennn/opennn.h"
void f(TrainingStrategy& strategy) {
  ModelSelection selection(&strategy);
  GrowingNeurons* growing = static_cast<GrowingNeurons*>(selection.get_neurons_selection());
  growing->set_maximum_neurons(30);
  selection.perform_neurons_selection();
}
""")
    assert neurons.libraries == ["OpenNN"] and neurons.hyperparameters == ["neurons"]
    assert space_of(neurons, "neurons") == {"type": "int", "high": 30.0}
    inputs = run("""#include "opennn/opennn.h"
void f(TrainingStrategy& strategy) {
  ModelSelection selection(&strategy);
  selection.perform_input_selection();
}
""")
    assert not inputs.tuning_applied


# ---- genetic algorithms ------------------------------------------------------------------------


def test_a_ga_is_tuning_when_its_genes_become_hyperparameters() -> None:
    report = run("""void evolve() {
  for (int generation = 0; generation < 20; ++generation) {
    for (auto& individual : population) {
      const double learning_rate = individual.genes[0];
      individual.fitness = train_model(data, learning_rate);
    }
    select_and_mutate(population);
  }
}
""")
    assert report.criteria.auto_tuning and report.hyperparameters == ["learning_rate"]
    assert spanned(report) == [2, 4]
    routes = run("""void evolve() {
  for (int generation = 0; generation < 20; ++generation) {
    for (auto& individual : population) {
      const int city = individual.genes[0];
      individual.fitness = evaluate_route(city);
    }
  }
}
""")
    assert not routes.tuning_applied


def test_a_setting_handed_straight_to_cross_validation_needs_no_comparison() -> None:
    report = run("""#include <dlib/svm.h>
int main() {
  for (double nu = 0.00001; nu < max_nu; nu *= 5) {
    trainer.set_nu(nu);
    std::cout << cross_validate_trainer(trainer, samples, labels, 3);
  }
}
""")
    assert report.hyperparameters == ["nu"] and spanned(report) == [3, 4]


def test_opencv2_train_auto_with_svm_params_fields() -> None:
    report = run("""#include <opencv/ml.h>
int main() {
  CvSVMParams params;
  params.svm_type = CvSVM::NU_SVC;
  params.kernel_type = CvSVM::SIGMOID;
  CvSVM svm;
  svm.train_auto(data, responses, cv::Mat(), cv::Mat(), params, 10);
}
""")
    assert report.libraries == ["OpenCV"] and report.hyperparameters == ["coef0", "gamma", "nu"]


def test_resources_and_repetitions_are_not_swept_hyperparameters() -> None:
    report = run("""int main() {
  for (int threads = 1; threads <= 16; threads *= 2) {
    model.train(data, threads);
    if (timer.seconds() < best) best = timer.seconds();
  }
}
""")
    assert not report.tuning_applied


def test_shogun_objects_made_by_factories_and_declarations() -> None:
    report = run("""#include <shogun/modelselection/GridSearchModelSelection.h>
void select(Some<CCrossValidation> cross) {
  auto c1 = some<CModelSelectionParameters>("C1");
  c1->build_values(-1.0, 1.0, R_EXP);
  CModelSelectionParameters width("width");
  width.build_values(1.0, 4.0, R_LINEAR, 1.0);
  auto search = some<CGridSearchModelSelection>(cross, c1);
  auto best = search->select_model(false);
}
""")
    assert report.hyperparameters == ["C1", "width"] and spanned(report) == [3, 4, 5, 6, 7, 8]


def test_a_variable_over_its_own_numeric_list_handed_to_a_model_is_a_grid() -> None:
    report = run("""int main() {
  const std::vector<double> rates = {0.01, 0.05, 0.2};
  for (double rate : rates) {
    Booster booster(rate, 200);
    booster.fit(train);
  }
  const std::vector<std::string> images = {"a.png", "b.png"};
  for (const auto& image : images) {
    net.train(load(image));
  }
}
""")
    assert report.hyperparameters == ["rate"] and spanned(report) == [2, 3]


def test_a_value_computed_from_the_counter_and_handed_to_a_constructor() -> None:
    report = run("""int main() {
  double best = 0;
  for (int i = 0; i < 5; ++i) {
    const double learning_rate = 1e-4 * std::pow(10.0, i);
    Trainer trainer(learning_rate, 5);
    const double accuracy = trainer.train(net, data);
    if (accuracy > best) best = accuracy;
  }
}
""")
    assert report.hyperparameters == ["learning_rate"] and spanned(report) == [3, 4]
