"""C++ model selection in ML libraries (read by cpp/selection/): one table of names per library."""

from __future__ import annotations

from dataclasses import dataclass

from hptlens.analysis.catalog.model import AUTO, LIB
from hptlens.report import Criterion

# fmt: off
# The tables below are data, laid out as rows; the formatter would spread each row over lines.
# ---- C++ model selection in ML libraries (cpp/selection/) -----------------------------------------
# These searches are set up over several statements (an optimizer object, its grid, the objective it
# steps on), so each library is a small table of names read by one detector.


@dataclass(frozen=True)
class Selection:
    """One library's model selection: the names that make it up and how it is labelled."""

    library: str
    roots: tuple[str, ...]
    """Include roots or namespaces that say the file uses the library (`#include <shark/...>`)."""
    method: str
    category: Criterion


# OpenCV ml::SVM::trainAuto: k-fold grid search over the SVM's parameters. Its grid arguments come in
# this order after the fold count; a grid not given is the default one for that parameter, and only
# the parameters the SVM type and kernel use are searched.
OPENCV_TRAIN_AUTO = Selection("OpenCV", ("opencv2", "opencv", "cv"), "grid search (k-fold, trainAuto)", AUTO)
OPENCV_SVM_GRIDS: tuple[str, ...] = ("C", "gamma", "p", "nu", "coef0", "degree")
OPENCV_GRID_IDS: dict[str, str] = {
    "C": "C", "GAMMA": "gamma", "P": "p", "NU": "nu", "COEF": "coef0", "DEGREE": "degree",
}
OPENCV_SVM_TYPES: dict[str, tuple[str, ...]] = {
    "C_SVC": ("C",), "NU_SVC": ("nu",), "ONE_CLASS": ("nu",), "EPS_SVR": ("C", "p"), "NU_SVR": ("C", "nu"),
}
OPENCV_SVM_KERNELS: dict[str, tuple[str, ...]] = {
    "LINEAR": (), "POLY": ("gamma", "coef0", "degree"), "RBF": ("gamma",), "SIGMOID": ("gamma", "coef0"),
    "CHI2": ("gamma",), "INTER": (),
}
OPENCV_PARAM_GRIDS: frozenset[str] = frozenset({"ParamGrid", "CvParamGrid", "getDefaultGrid", "getDefaultGridPtr",
                                                 "get_default_grid"})
# The methods that run it (OpenCV 3+, and CvSVM in OpenCV 2), and how the SVM's type and kernel are
# chosen: a setter, or a field of CvSVMParams (`params.svm_type = CvSVM::NU_SVC`).
OPENCV_TRAIN_AUTO_METHODS: frozenset[str] = frozenset({"trainAuto", "train_auto"})
OPENCV_SVM_CHOICES: dict[str, tuple[str, ...]] = {
    "type": ("setType", "svm_type"), "kernel": ("setKernel", "kernel_type"),
}

# Shark: a direct-search or gradient optimizer stepped on a model-selection objective (the error of
# a trainer under cross-validation, leave-one-out, a margin bound, a likelihood) searches the
# trainer's and kernel's hyperparameters; the same optimizers stepped on a test function do not.
SHARK = Selection("Shark", ("shark",), "grid search", LIB)
SHARK_SELECTION_OBJECTIVES: frozenset[str] = frozenset({
    "CrossValidationError", "LooError", "LooErrorCSvm", "RadiusMarginQuotient", "SvmLogisticInterpretation",
    "NegativeGaussianProcessEvidence", "KernelTargetAlignment", "NegativeAUC",
})
SHARK_GRID_OPTIMIZERS: frozenset[str] = frozenset({"GridSearch", "NestedGridSearch", "PointSearch"})
SHARK_GRID_METHODS: frozenset[str] = frozenset({"configure"})
# The hyperparameters a kernel or trainer exposes to model selection, in the order of its parameter
# vector (a searched point holds the kernel's, then the trainer's).
SHARK_MODEL_PARAMETERS: dict[str, tuple[str, ...]] = {
    "GaussianRbfKernel": ("gamma",), "ARDKernelUnconstrained": ("gamma",), "PolynomialKernel": ("degree", "offset"),
    "CSvmTrainer": ("C",), "LinearCSvmTrainer": ("C",), "EpsilonSvmTrainer": ("C", "epsilon"),
    "LooErrorCSvm": ("C",), "RegularizationNetworkTrainer": ("gamma",), "KernelSGDTrainer": ("C",),
}
SHARK_STEPS: frozenset[str] = frozenset({"step", "init"})

# Shogun: a tree of ModelSelectionParameters (named nodes, `build_values(min, max, R_EXP, ...)`)
# handed to a model selection that cross-validates every combination.
SHOGUN = Selection("Shogun", ("shogun",), "grid search", LIB)
SHOGUN_PARAMETER_NODES: frozenset[str] = frozenset({"ModelSelectionParameters", "CModelSelectionParameters"})
SHOGUN_VALUE_METHODS: frozenset[str] = frozenset({"build_values", "set_values"})
SHOGUN_SELECTIONS: dict[str, tuple[str, Criterion]] = {
    "GridSearchModelSelection": ("grid search", LIB), "CGridSearchModelSelection": ("grid search", LIB),
    "RandomSearchModelSelection": ("random search", LIB), "CRandomSearchModelSelection": ("random search", LIB),
    "GradientModelSelection": ("gradient-based model selection", AUTO),
    "CGradientModelSelection": ("gradient-based model selection", AUTO),
}
SHOGUN_RUN_METHODS: frozenset[str] = frozenset({"select_model"})
SHOGUN_SCALES: dict[str, bool] = {"R_EXP": True, "R_LOG": True, "R_LINEAR": False}

# OpenNN: ModelSelection grows the hidden layer (GrowingNeurons; IncrementalOrder in older releases)
# and keeps the size with the least selection error. Input selection (growing inputs, the genetic
# algorithm over input masks) chooses features, which is not hyperparameter tuning.
OPENNN = Selection("OpenNN", ("opennn", "OpenNN"), "growing neurons", LIB)
OPENNN_RUNS: frozenset[str] = frozenset({"perform_neurons_selection", "perform_order_selection"})
OPENNN_METHODS: frozenset[str] = frozenset({"set_neurons_selection", "set_neurons_selection_method",
                                            "set_order_selection_method", "set_order_selection_type"})
OPENNN_OWNER = "ModelSelection"
# Setters of the searched range: method -> the role of its argument in the neurons dimension.
OPENNN_RANGE: dict[str, str] = {
    "set_minimum_neurons": "low", "set_maximum_neurons": "high", "set_neurons_increment": "step",
    "set_minimum_order": "low", "set_maximum_order": "high", "set_step": "step",
}
OPENNN_SETTINGS: frozenset[str] = frozenset({"set_trials_number", "set_maximum_time", "set_maximum_epochs_number",
                                             "set_maximum_selection_failures", "set_selection_error_goal"})
# fmt: on
